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

from . import frames, runtime
from .exceptions import InsufficientDataError, InvalidArgumentError
from .fitting.fit import fit_batch, fit_distribution, prepare_fit_data
from .fitting.registry import param_names, plan_batches, resolve_distributions
from .progress import resolve_progress
from .results.frame import build_results, check_metric
from .summaries.grid import BinLayout, count_values, design_layout
from .summaries.moments import ColumnSummary, merge_summaries, sample_positions, summarize_values

__all__ = ["DEFAULT_TIMEOUT", "MIN_FINITE_VALUES", "ColumnProfile", "fit_frame", "profile_columns"]

#: Seconds one distribution's fit may run before it is cancelled.
DEFAULT_TIMEOUT = 120.0
#: Fewer finite values than this in a column is an error.
MIN_FINITE_VALUES = 10
DEFAULT_SAMPLE_SIZE = 10_000


@dataclass
class ColumnProfile:
    """What the driver knows about one column after the passes over the blocks.

    ``sample``, ``layout`` and ``counts`` are in standardised units
    ``z = (x − center) / spread``: every scipy distribution has ``loc`` and
    ``scale``, so a fit in ``z`` maps exactly back to ``x``, and values near
    ±1e308, 1e-308 or with a 1e12 offset stay well conditioned.
    """

    label: Hashable
    summary: ColumnSummary
    sample: np.ndarray
    layout: BinLayout
    counts: np.ndarray
    center: float
    spread: float


def standardize(values: np.ndarray, center: float, spread: float) -> np.ndarray:
    """``(x − center) / spread`` without overflow when ``x − center`` exceeds the
    double range (then ``x/spread − center/spread``)."""
    with np.errstate(over="ignore", invalid="ignore"):
        z = (values - center) / spread
        overflowed = ~np.isfinite(z) & np.isfinite(values)
        if overflowed.any():
            z[overflowed] = values[overflowed] / spread - center / spread
    return z


def standardizing_constants(sample: np.ndarray, vmin: float, vmax: float) -> tuple[float, float]:
    """A robust centre (median) and spread (IQR-based, else half the range)."""
    center = float(np.median(sample)) if sample.size else vmin / 2 + vmax / 2
    spread = 0.0
    if sample.size >= 4:
        q25, q75 = np.quantile(sample, [0.25, 0.75])
        with np.errstate(over="ignore"):
            spread = float(q75 - q25) / 1.349 if np.isfinite(q75 - q25) else q75 / 2 - q25 / 2
    if not (np.isfinite(spread) and spread > 0):
        spread = vmax / 2 - vmin / 2
    return center, float(spread)


def _summarize_block(block: Any, positions: list[int], local: np.ndarray,
                     slots: np.ndarray) -> list[ColumnSummary]:  # fmt: skip
    return [summarize_values(frames.block_column(block, p), local, slots) for p in positions]


def _histogram_block(block: Any, positions: list[int], layouts: list[BinLayout],
                     scales: list[tuple[float, float]]) -> list:  # fmt: skip
    return [count_values(standardize(frames.block_column(block, p), *scale), layout)
            for p, layout, scale in zip(positions, layouts, scales, strict=True)]  # fmt: skip


def check_random_state(random_state: object) -> object:
    if random_state is None or isinstance(random_state, np.random.SeedSequence):
        return random_state
    if isinstance(random_state, numbers.Integral) and not isinstance(random_state, bool):
        if random_state < 0:
            raise InvalidArgumentError(f"random_state must be >= 0, got {random_state}")
        return int(random_state)
    raise InvalidArgumentError(
        f"random_state must be None, a non-negative integer or a numpy SeedSequence, "
        f"got {random_state!r}"
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
    block_summaries = runtime.map_blocks(_summarize_block, blocks.refs, per_block)
    summaries = [merge_summaries([parts[i] for parts in block_summaries])
                 for i in range(len(blocks.labels))]  # fmt: skip
    layouts, samples, scales = [], [], []
    for label, summary in zip(blocks.labels, summaries, strict=True):
        _check_column_data(label, summary)
        raw = summary.sample(positions.size)
        scale = standardizing_constants(raw, summary.vmin, summary.vmax)
        sample = standardize(raw, *scale)
        zmin, zmax = standardize(np.array([summary.vmin, summary.vmax]), *scale)
        samples.append(sample)
        scales.append(scale)
        layouts.append(design_layout(sample, float(zmin), float(zmax)))
    block_counts = runtime.map_blocks(
        _histogram_block, blocks.refs, [(blocks.positions, layouts, scales)] * len(blocks.refs)
    )
    return [
        ColumnProfile(label, summary, sample, layout,
                      np.sum([parts[i] for parts in block_counts], axis=0), *scale)
        for i, (label, summary, sample, layout, scale) in enumerate(
            zip(blocks.labels, summaries, samples, layouts, scales, strict=True))
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
                                profile.layout.edges[0], profile.layout.edges[-1])  # fmt: skip
        data_refs.append(runtime.put(data))
    # Fast fits share a Ray task (a task costs as much as a fast fit); a batch that
    # fails or times out is run again one distribution per task, so every fit keeps
    # its own timeout.
    batches = plan_batches(names, runtime.total_cpus())
    calls = [(batch, ref) for ref in data_refs for batch in batches]
    owners = [profile for profile in profiles for _ in batches]

    def on_done(done: int, total: int) -> None:
        if callback is not None:
            callback(done, total, 100.0 * done / total)

    outcomes = runtime.run_tasks(fit_batch, calls, timeout=timeout, on_done=on_done,
                                weights=[len(batch) for batch, _ in calls])  # fmt: skip
    fits = [
        _Fit(name, ref, profile, outcome, outcome.value[k] if outcome.status == "ok" else None,
             len(batch))
        for (batch, ref), outcome, profile in zip(calls, outcomes, owners, strict=True)
        for k, name in enumerate(batch)
    ]  # fmt: skip
    retry = [fit for fit in fits if fit.outcome.status != "ok" and fit.batch_size > 1]
    if retry:
        redone = runtime.run_tasks(fit_distribution, [(fit.name, fit.data_ref) for fit in retry],
                                  timeout=timeout)  # fmt: skip
        for fit, outcome in zip(retry, redone, strict=True):
            fit.outcome, fit.record = outcome, outcome.value
    records = []
    for fit in fits:
        profile = fit.profile
        if fit.outcome.status == "ok":
            record = to_data_units(fit.record, profile.center, profile.spread)
        else:
            record = _empty_record(profile, fit.name, fit.outcome.status, fit.outcome.message,
                                   timeout)  # fmt: skip
        record["n_dropped"] = profile.summary.n_dropped
        records.append(record)
    results = build_results(records, metric, blocks.labels)
    results.attrs["ray_nodes"] = dict(Counter(f.outcome.node_id for f in fits if f.outcome.node_id))
    return results


@dataclass
class _Fit:
    """One (column, distribution) fit on its way from its task to a results row."""

    name: str
    data_ref: Any
    profile: ColumnProfile
    outcome: runtime.TaskOutcome
    record: dict | None
    batch_size: int


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



def to_data_units(record: dict, center: float, spread: float) -> dict:
    """Map a fit made on ``z = (x − center) / spread`` back to the data's units.

    ``loc → center + spread·loc``, ``scale → spread·scale``; densities shrink by
    ``spread``, so ``loglik`` drops by ``n·log(spread)`` (AIC/BIC follow) and SSE,
    a sum of squared densities, divides by ``spread²``. KS and AD are unchanged.
    """
    out = dict(record)
    params = record.get("params")
    if params is None:
        return out
    with np.errstate(over="ignore"):
        params = dict(params)
        params["loc"] = center + spread * params["loc"]
        params["scale"] = spread * params["scale"]
    out["params"] = params
    if not (np.isfinite(params["loc"]) and np.isfinite(params["scale"]) and params["scale"] > 0):
        out.update(status="failed", message="the fitted loc/scale overflow the double range")
        for name in ("loglik", "aic", "bic", "ks_statistic", "ks_pvalue", "ad_statistic", "sse"):
            out[name] = np.nan
        return out
    shift = record["n_obs"] * np.log(spread)
    out["loglik"] = record["loglik"] - shift
    out["aic"] = record["aic"] + 2.0 * shift
    out["bic"] = record["bic"] + 2.0 * shift
    with np.errstate(over="ignore", under="ignore"):
        out["sse"] = float(np.float64(record["sse"]) / np.float64(spread) / np.float64(spread))
    return out
