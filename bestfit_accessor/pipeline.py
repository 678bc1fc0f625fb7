"""Orchestration of a fit: blocks → summaries → histograms → one task per fit.

Every pass over the rows runs as Ray tasks over the blocks; the driver only
merges small summaries and builds the results frame.
"""

from __future__ import annotations

import numbers
from collections import Counter
from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from . import engine, frames
from .distributions import param_names, resolve_distributions, scheduling_order
from .exceptions import InsufficientDataError, InvalidArgumentError
from .fitting import fit_distribution, prepare_fit_data
from .histogram import BinLayout, count_values, design_layout
from .progress import resolve_progress
from .results import build_results, check_metric
from .summary import ColumnSummary, merge_summaries, sample_positions, summarize_values

__all__ = ["DEFAULT_TIMEOUT", "MIN_FINITE_VALUES", "ColumnProfile", "fit_frame", "profile_columns"]

#: Seconds one distribution's fit may run before it is cancelled.
DEFAULT_TIMEOUT = 120.0
#: Fewer finite values than this in a column is an error.
MIN_FINITE_VALUES = 10
DEFAULT_SAMPLE_SIZE = 10_000


@dataclass
class ColumnProfile:
    """What the driver knows about one column after the passes over the blocks."""

    label: Hashable
    summary: ColumnSummary
    sample: np.ndarray
    layout: BinLayout
    counts: np.ndarray


def _summarize_block(block: Any, positions: list[int], local: np.ndarray,
                     slots: np.ndarray) -> list[ColumnSummary]:  # fmt: skip
    return [summarize_values(frames.block_column(block, p), local, slots) for p in positions]


def _histogram_block(block: Any, positions: list[int], layouts: list[BinLayout]) -> list:
    return [count_values(frames.block_column(block, p), layout)
            for p, layout in zip(positions, layouts, strict=True)]  # fmt: skip


def check_random_state(random_state: object) -> object:
    if random_state is None or isinstance(random_state, np.random.SeedSequence):
        return random_state
    if isinstance(random_state, numbers.Integral) and not isinstance(random_state, bool):
        if random_state < 0:
            raise InvalidArgumentError(f"random_state must be >= 0, got {random_state}")
        return int(random_state)
    raise InvalidArgumentError(
        f"random_state must be None or a non-negative integer, got {random_state!r}"
    )


def _check_column_data(label: Hashable, summary: ColumnSummary) -> None:
    dropped = (f"{summary.n_nan} NaN, {summary.n_posinf} +inf, {summary.n_neginf} -inf "
               "dropped")  # fmt: skip
    if summary.n < MIN_FINITE_VALUES:
        raise InsufficientDataError(
            f"column {label!r} has {summary.n} finite values of {summary.n_rows} rows "
            f"({dropped}); at least {MIN_FINITE_VALUES} are needed"
        )
    if not summary.vmax > summary.vmin:
        raise InsufficientDataError(
            f"column {label!r} is constant (all {summary.n} finite values equal "
            f"{summary.vmin!r}); no continuous distribution can be fitted"
        )


def profile_columns(blocks: frames.BlockSet, sample_size: int,
                    random_state: object) -> list[ColumnProfile]:  # fmt: skip
    """Two passes over the blocks: summaries with the sample, then histograms."""
    positions = sample_positions(blocks.n_rows, sample_size, random_state)
    per_block = []
    for offset, length in zip(blocks.offsets, blocks.lengths, strict=True):
        inside = (positions >= offset) & (positions < offset + length)
        per_block.append((blocks.positions, positions[inside] - offset, np.flatnonzero(inside)))
    block_summaries = engine.map_blocks(_summarize_block, blocks.refs, per_block)
    summaries = [merge_summaries([parts[i] for parts in block_summaries])
                 for i in range(len(blocks.labels))]  # fmt: skip
    layouts, samples = [], []
    for label, summary in zip(blocks.labels, summaries, strict=True):
        _check_column_data(label, summary)
        sample = summary.sample(positions.size)
        samples.append(sample)
        layouts.append(design_layout(sample, summary.vmin, summary.vmax))
    block_counts = engine.map_blocks(
        _histogram_block, blocks.refs, [(blocks.positions, layouts)] * len(blocks.refs)
    )
    return [
        ColumnProfile(label, summary, sample, layout,
                      np.sum([parts[i] for parts in block_counts], axis=0))
        for i, (label, summary, sample, layout) in enumerate(
            zip(blocks.labels, summaries, samples, layouts, strict=True))
    ]  # fmt: skip


def _check_timeout(timeout: object) -> float | None:
    if timeout is None:
        return None
    if (isinstance(timeout, bool) or not isinstance(timeout, numbers.Real)
            or not np.isfinite(timeout) or timeout <= 0):  # fmt: skip
        raise InvalidArgumentError(f"timeout must be a positive number of seconds or None, "
                                   f"got {timeout!r}")  # fmt: skip
    return float(timeout)


def _check_sample_size(sample_size: object) -> int:
    if (isinstance(sample_size, bool) or not isinstance(sample_size, numbers.Integral)
            or sample_size < 100):  # fmt: skip
        raise InvalidArgumentError(f"sample_size must be an integer >= 100, got {sample_size!r}")
    return int(sample_size)


def fit_frame(
    obj: Any,
    columns: Any = None,
    *,
    distributions: Any = None,
    metric: str = "aic",
    progress: Any = None,
    random_state: Any = None,
    timeout: float | None = DEFAULT_TIMEOUT,
    sample_size: int = DEFAULT_SAMPLE_SIZE,
    n_blocks: int | None = None,
) -> pd.DataFrame:
    """Fit every candidate distribution to every selected column; see the accessor."""
    metric = check_metric(metric)
    callback = resolve_progress(progress)
    random_state = check_random_state(random_state)
    timeout = _check_timeout(timeout)
    sample_size = _check_sample_size(sample_size)
    names = resolve_distributions(distributions)
    blocks = frames.to_blocks(obj, columns, n_blocks=n_blocks)
    frames.check_not_empty(blocks, blocks.labels)
    profiles = profile_columns(blocks, sample_size, random_state)

    data_refs = []
    for profile in profiles:
        data = prepare_fit_data(profile.label, profile.sample, profile.layout, profile.counts,
                                profile.summary.vmin, profile.summary.vmax)  # fmt: skip
        data_refs.append(engine.put(data))
    calls = [(name, ref) for ref in data_refs for name in scheduling_order(names)]

    def on_done(done: int, total: int) -> None:
        if callback is not None:
            callback(done, total, 100.0 * done / total)

    outcomes = engine.run_tasks(fit_distribution, calls, timeout=timeout, on_done=on_done)
    records = []
    for (name, _), outcome, profile in zip(
        calls, outcomes, [p for p in profiles for _ in names], strict=True
    ):
        if outcome.status == "ok":
            record = outcome.value
        else:
            record = _empty_record(profile, name, outcome.status, outcome.message, timeout)
        record["n_dropped"] = profile.summary.n_dropped
        records.append(record)
    results = build_results(records, metric, blocks.labels)
    results.attrs["ray_nodes"] = dict(Counter(o.node_id for o in outcomes if o.node_id))
    return results


def _empty_record(profile: ColumnProfile, name: str, status: str, message: str,
                  timeout: float | None) -> dict:  # fmt: skip
    return {
        "column": profile.label,
        "distribution": name,
        "params": None,
        "n_params": len(param_names(name)),
        "n_obs": profile.summary.n,
        "fit_seconds": timeout if status == "timeout" else np.nan,
        "status": status,
        "message": message,
    }

