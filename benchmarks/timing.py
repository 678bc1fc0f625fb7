"""Shared helpers of the benchmark scripts: wall times, driver memory, Ray-side frames."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

import psutil

#: Rows per Modin partition of the frames built where their partitions live.
ROWS_PER_PARTITION = 4_000_000


def timed(fn: Callable[[], object], repeats: int, warmup: int = 1) -> tuple[list[float], object]:
    """Wall times of ``repeats`` calls after ``warmup`` calls, and the last result."""
    result = None
    for _ in range(warmup):
        result = fn()
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - started)
    return times, result


def rss() -> int:
    """The driver's resident memory now, in bytes."""
    return psutil.Process().memory_info().rss


class PeakRSS:
    """The driver's highest RSS while the block runs (sampled every 20 ms)."""

    def __enter__(self) -> PeakRSS:
        self.peak = rss()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()
        return self

    def _watch(self) -> None:
        while not self._stop.wait(0.02):
            self.peak = max(self.peak, rss())

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, rss())


def ray_side_frame(make_partition: Any, n_rows: int, columns: Sequence[str]) -> Any:
    """A Modin frame of ``n_rows`` whose partitions are made by the Ray task
    ``make_partition(n, seed)`` where they live (never on the driver)."""
    import pandas as pd
    import ray
    from modin.distributed.dataframe.pandas import from_partitions

    sizes = [ROWS_PER_PARTITION] * (n_rows // ROWS_PER_PARTITION)
    if n_rows % ROWS_PER_PARTITION:
        sizes.append(n_rows % ROWS_PER_PARTITION)
    refs = [make_partition.remote(n, seed) for seed, n in enumerate(sizes)]
    ray.wait(refs, num_returns=len(refs))
    return from_partitions(refs, axis=0, index=pd.RangeIndex(n_rows),
                           columns=pd.Index(list(columns)), row_lengths=sizes,
                           column_widths=[len(columns)])  # fmt: skip
