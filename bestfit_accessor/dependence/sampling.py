"""Sampling a Gaussian copula: seeded chunk kernels and their Ray orchestration.

Rows are generated in fixed-size chunks; chunk ``c`` draws from the ``c``-th
child of ``SeedSequence(random_state)``, so a sampled frame depends only on
``random_state`` and ``n``, never on how chunks are spread over Ray tasks. Each
chunk draws correlated normals ``Lz`` (``L`` the Cholesky factor) and maps every
column through its verified ``F⁻¹(Φ(·))`` table
(:mod:`~bestfit_accessor.dependence.normal_scores`). Every task returns a pandas
row block that stays in the object store; the frame adapter of the requested
kind builds the output from those blocks (a Modin frame or a Ray Dataset is never
gathered on the driver).

The kernels are pure numpy; Ray is reached only through
:mod:`bestfit_accessor.runtime`.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Hashable, Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import ndtr

from .. import frames, runtime
from ..exceptions import MemoryLimitError
from ..options import Interval, Options, check_random_state, validate
from .mass_scores import ScoreTable

__all__ = [
    "ELEMENTWISE_MAX_COLUMNS",
    "SAMPLE_CHUNK_ROWS",
    "check_fits_in_memory",
    "check_n",
    "chunk_normals",
    "chunk_ranges",
    "generate",
    "output_adapter",
    "sample_frame",
    "seed_sequence",
]

#: Rows per independently seeded chunk. Changing it changes every sampled frame.
SAMPLE_CHUNK_ROWS = 1 << 16
#: Above this many columns the correlated normals use a matrix product.
ELEMENTWISE_MAX_COLUMNS = 16


# ------------------------------------------------------------------------- kernels


def chunk_normals(rng: np.random.Generator, chol: np.ndarray, rows: int) -> np.ndarray:
    """Correlated standard normals, (k, rows). Drawn row by row, so a shorter chunk
    is a prefix of a longer one; combined element-wise for small k, which is
    bit-identical on every machine (no BLAS summation order involved)."""
    k = chol.shape[0]
    g = np.ascontiguousarray(rng.standard_normal((rows, k)).T)
    if k > ELEMENTWISE_MAX_COLUMNS:
        return chol @ g
    out = np.empty_like(g)
    for i in range(k):
        acc = g[0] * chol[i, 0]
        for j in range(1, i + 1):
            acc += g[j] * chol[i, j]
        out[i] = acc
    return out


def generate(first_chunk: int, stop_chunk: int, n: int, chunk_rows: int, entropy: Any,
             spawn_key: tuple, chol: np.ndarray,
             tables: list[ScoreTable] | None) -> np.ndarray:  # fmt: skip
    """Rows of chunks ``first_chunk .. stop_chunk`` as (k, rows); uniforms if no tables."""
    start = first_chunk * chunk_rows
    stop = min(n, stop_chunk * chunk_rows)
    k = chol.shape[0]
    out = np.empty((k, stop - start))
    for c in range(first_chunk, stop_chunk):
        lo = c * chunk_rows - start
        rows = min(chunk_rows, n - c * chunk_rows)
        seed = np.random.SeedSequence(entropy, spawn_key=(*spawn_key, c))
        z = chunk_normals(np.random.default_rng(seed), chol, rows)
        for i in range(k):
            out[i, lo:lo + rows] = ndtr(z[i]) if tables is None else tables[i].from_z(z[i])
    return out


def _sample_block(chunks: tuple[int, int], n: int, chunk_rows: int, entropy: Any,
                  spawn_key: tuple, chol: np.ndarray, tables: list[ScoreTable] | None,
                  labels: list) -> tuple[pd.DataFrame, int]:  # fmt: skip
    """One Ray task's pandas row block (kept in the object store) and its length."""
    values = generate(chunks[0], chunks[1], n, chunk_rows, entropy, spawn_key, chol, tables)
    start = chunks[0] * chunk_rows
    index = pd.RangeIndex(start, start + values.shape[1])
    frame = pd.DataFrame(values.T, index=index, columns=pd.Index(labels, tupleize_cols=False))
    if tables is not None:  # count marginals: integer columns
        for i, table in enumerate(tables):
            if getattr(table, "integer", False):
                frame.isetitem(i, values[i].astype(np.int64))
    return frame, int(values.shape[1])


# ---------------------------------------------------------------------- validation


def check_n(n: object) -> int:
    """The number of rows to sample: a positive integer (not a bool)."""
    return validate("n", n, Interval(int, 1, None))


def seed_sequence(random_state: object) -> np.random.SeedSequence:
    """The sampling seed; validated by the same rule as every ``random_state``."""
    checked = check_random_state(random_state)
    if isinstance(checked, np.random.SeedSequence):
        return checked
    return np.random.SeedSequence(checked)


def output_adapter(kind: object) -> frames.FrameAdapter:
    """The adapter that builds a sample of frame kind ``kind``."""
    return frames.adapter_named(validate("kind", kind, Options(*frames.adapter_names())))


def check_fits_in_memory(n: int, k: int, adapter: frames.FrameAdapter) -> None:
    """Refuse a sample that cannot fit: a pandas result lives on the driver, a Modin
    or Dataset result in the cluster's memory."""
    needed = n * k * 8
    if adapter.output_on_driver:
        available = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
        where = "this machine's memory"
    else:
        available = runtime.cluster_memory_bytes()
        where = "the Ray cluster's memory"
    if needed > 0.8 * available:
        raise MemoryLimitError(
            f"n={n:,} rows × {k} columns needs {needed / 2**30:,.1f} GiB, more than "
            f"{where} ({available / 2**30:,.1f} GiB); sample fewer rows or in parts"
        )


def chunk_ranges(n: int, n_partitions: object = None) -> list[tuple[int, int]]:
    """Chunk ranges ``[first, stop)``, one per task: ``n_partitions`` of them
    (default the cluster's CPU count), at most one per chunk."""
    n_chunks = -(-n // SAMPLE_CHUNK_ROWS)
    n_partitions = validate("n_partitions", n_partitions, (Interval(int, 1, None), None))
    if n_partitions is None:
        n_partitions = runtime.total_cpus()
    n_parts = min(n_partitions, n_chunks)
    bounds = np.linspace(0, n_chunks, n_parts + 1).round().astype(np.int64)
    return [(int(a), int(b)) for a, b in itertools.pairwise(bounds)]


# -------------------------------------------------------------------- orchestration


def sample_frame(adapter: frames.FrameAdapter, ranges: Sequence[tuple[int, int]], n: int,
                 seed: np.random.SeedSequence, chol: np.ndarray,
                 tables: list[ScoreTable] | None,
                 labels: Sequence[Hashable]) -> Any:  # fmt: skip
    """``n`` rows generated in one Ray task per chunk range, as a frame of
    ``adapter``'s kind; uniforms ``Φ(z)`` when ``tables`` is None."""
    tables_ref = runtime.put(tables)
    common = (n, SAMPLE_CHUNK_ROWS, seed.entropy, tuple(seed.spawn_key), chol, tables_ref,
              list(labels))  # fmt: skip
    refs, lengths = runtime.map_to_refs(_sample_block, [(r, *common) for r in ranges])
    return adapter.output(refs, lengths, labels)
