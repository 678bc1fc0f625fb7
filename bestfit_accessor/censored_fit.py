"""Censored, weighted and truncated columns and fixed parameters through the one block pipeline.

``fit("time", event="observed")`` (lifelines' convention), ``fit(interval=("left",
"right"))`` (fitdistrplus'), ``fit(..., weights="w")`` (frequency weights),
``fit(..., bounds=(lo, hi))`` (truncated data) and ``fit(..., fixed={"loc": 0.0})``
all fit on :class:`.fitting.censoring.CensoredTerms`: each block's rows become terms
in a Ray task (distinct points with their summed weights, so nothing but the terms
reaches the driver), the blocks' terms are merged, and
:func:`.fitting.censoring.fit_censored` runs once per (column, distribution) in its
own Ray task, with the options' timeout. Every row's log-likelihood is exact. A
failed family is a row with its status, never a failed call.

* Weights: every term's count is the sum of its rows' weights, so integer weights
  give exactly the fit of repeated rows; ``n`` of BIC is ``Σ w``; rows of weight 0
  count for nothing.
* Truncation: the likelihood is ``Σ w log f(x) − (Σ w) log(F(hi) − F(lo))``
  (censored kinds as the events truncation leaves); a row outside the bounds is an
  :class:`OutsideBoundsError`. Results carry ``trunc_low``/``trunc_high`` and
  :func:`~bestfit_accessor.to_scipy` returns the truncated distribution.
* KS and AD: on an uncensored column, exactly against the fitted (truncated) CDF
  from the distinct points and their weights (:mod:`.fitting.weighted_gof`); on a
  censored one NaN, with :data:`CENSORED_MESSAGE` (a censored value is not an exact
  one, and comparing it as if it were would mislead).

Large columns. A kind of observation (exact values, left- or right-censoring
points, interval pairs) with at most :data:`DISTINCT_LIMIT` distinct points keeps
them all (the results above are exact). A kind with more is compressed
(:mod:`.fitting.compressed_terms`): a first pass over the blocks returns, beside
each block's distinct points (none when the block alone has too many), each
kind's range and its rows at the driver's random sample positions (as
:func:`.pipeline.profile_columns` samples); the driver lays out a fine grid per
kind from them, and a second pass returns each block's weighted bin counts and
power sums (interval pairs: occupied cells), merged by addition. Nothing of
``O(rows)`` reaches the driver, but a frame cut into many blocks of fewer than
:data:`DISTINCT_LIMIT` continuous rows ships each block's points in the first
pass. Such a fit reports ``loglik_exact`` False and :data:`COMPRESSED_MESSAGE`:
its log-likelihood is that of the compressed terms (within about 1e-8 per row of
the exact one for points, a documented approximation for interval pairs); KS and AD
of an uncensored one are computed on the sample, as for an ordinary large column.
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from . import frames, runtime
from .exceptions import BestFitError, InvalidArgumentError
from .fitting import registry
from .fitting.censoring import (
    CensoredTerms,
    RawObservations,
    checked_weights,
    fit_censored,
    rows_outside,
)
from .fitting.compressed_terms import (
    DISTINCT_LIMIT,
    KindGrid,
    PairCells,
    design_grid,
    gauss_terms,
    interval_terms,
    pair_cells,
    pair_coordinates,
)
from .fitting.registry import custom_snapshot, get_distribution, param_names
from .fitting.weighted_gof import weighted_ks_ad
from .options import FitOptions
from .results import build_results, failed_record, new_record
from .results.truncated import TruncatedDistribution
from .summaries.moments import sample_positions
from .summaries.standardize import standardizing_constants

__all__ = [
    "CENSORED_MESSAGE",
    "COMPRESSED_MESSAGE",
    "DISTINCT_LIMIT",
    "FIXED_DISTINCT_LIMIT",
    "SAMPLE_GOF_MESSAGE",
    "FixedParametersLimitError",
    "OutsideBoundsError",
    "fit_censored_frame",
    "resolve_fixed",
    "uses_censored_path",
]

#: Kept for compatibility: the distinct values kept exactly (no longer a limit; a
#: column with more is compressed, :data:`DISTINCT_LIMIT`).
FIXED_DISTINCT_LIMIT = DISTINCT_LIMIT
#: The note every row of this path carries: why KS and AD are empty.
CENSORED_MESSAGE = ("ks/ad not computed: censored observations are not compared with the "
                    "fitted CDF as if they were exact values")  # fmt: skip
#: The note of a fit on compressed terms (a kind with more than DISTINCT_LIMIT points).
COMPRESSED_MESSAGE = ("loglik not exact: from compressed terms (over 100,000 distinct points "
                      "of a kind: two-point Gauss rules per fine bin, interval pairs per "
                      "cell)")  # fmt: skip
#: The note of an uncensored compressed fit: where its KS and AD come from.
SAMPLE_GOF_MESSAGE = "ks/ad on the random sample of sample_size rows"
#: The kinds of observation, as fields of CensoredTerms and RawObservations.
_KINDS = ("exact", "left", "right", "interval")


class FixedParametersLimitError(BestFitError, ValueError):
    """Kept for compatibility: no longer raised (an uncensored column with many
    distinct values is fitted on compressed terms)."""


class OutsideBoundsError(InvalidArgumentError):
    """Rows of a truncated column lie outside its bounds."""


def uses_censored_path(options: FitOptions) -> bool:
    """Whether the fit runs here: censoring (``event``/``interval``), ``fixed``,
    ``weights`` or ``bounds``."""
    return any(value is not None for value in (options.event, options.interval, options.fixed,
                                               options.weights, options.bounds))  # fmt: skip


# ----------------------------------------------------------------- fixed params


def _fixed_value(where: str, value: Any) -> float:
    if isinstance(value, (bool, np.bool_)):
        raise InvalidArgumentError(f"{where} must be a finite number; got {value!r}")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise InvalidArgumentError(f"{where} must be a finite number; got {value!r}") from None
    if not math.isfinite(number):
        raise InvalidArgumentError(f"{where} must be a finite number; got {value!r}")
    if where.endswith("['scale']") and number <= 0:
        raise InvalidArgumentError(f"{where} must be positive; got {value!r}")
    return number


def resolve_fixed(fixed: Mapping | None, names: list[str]) -> dict[str, dict[str, float]]:
    """Per candidate, the parameters it holds fixed.

    ``fixed`` maps parameter names to values (held by every candidate that has the
    parameter; a name no candidate has is an error) or, when every value is a
    mapping, distribution names to such mappings (each name must be a candidate
    and each parameter one of its own).
    """
    out: dict[str, dict[str, float]] = {name: {} for name in names}
    if not fixed:
        return out
    if all(isinstance(v, Mapping) for v in fixed.values()):
        for dist, params in fixed.items():
            if dist not in out:
                raise InvalidArgumentError(
                    f"fixed names distribution {dist!r}, which is not among the candidates "
                    f"{names[:10]}{'...' if len(names) > 10 else ''}")  # fmt: skip
            own = param_names(dist)
            for key, value in params.items():
                if key not in own:
                    raise InvalidArgumentError(
                        f"fixed[{dist!r}] names {key!r}, not a parameter of {dist} {own}")
                out[dist][key] = _fixed_value(f"fixed[{dist!r}][{key!r}]", value)
        return out
    if any(isinstance(v, Mapping) for v in fixed.values()):
        raise InvalidArgumentError("fixed must map parameter names to numbers, or "
                                   "distribution names to such mappings, not a mixture")
    known = {key for name in names for key in param_names(name)}
    unknown = [key for key in fixed if key not in known]
    if unknown:
        raise InvalidArgumentError(f"fixed names {unknown}, a parameter of none of the "
                                   f"candidates (e.g. 'loc', 'scale' or a shape)")  # fmt: skip
    values = {key: _fixed_value(f"fixed[{key!r}]", v) for key, v in fixed.items()}
    for name in names:
        own = param_names(name)
        out[name] = {key: v for key, v in values.items() if key in own}
    return out


# ------------------------------------------------------------------ the blocks


@dataclass(frozen=True)
class _BlockPlan:
    """What a block task reads: ``mode`` ``"event"`` (positions: the time columns then
    the event column), ``"interval"`` (the left and right columns) or ``"exact"``
    (the columns); then the weight column when ``weighted``. ``labels`` name those
    columns in messages; ``bounds`` is each fitted column's ``(low, high)``."""

    mode: str
    positions: list[int]
    labels: list[str]
    weighted: bool
    bounds: list[tuple[float, float]]


def _raw_pairs(mode: str, values: list[np.ndarray]) -> list[tuple[np.ndarray, np.ndarray]]:
    """Each fitted column's rows as fitdistrplus bounds (for :func:`rows_outside`)."""
    if mode == "interval":
        return [(values[0], values[1])]
    if mode == "event":
        event = values[-1]
        return [(t, np.where(event == 1, t, np.inf)) for t in values[:-1]]
    return [(v, v) for v in values]


def _read(block: Any, plan: _BlockPlan, rows: np.ndarray | None = None,
          ) -> tuple[list[np.ndarray], np.ndarray | None]:  # fmt: skip
    """The block's fitted columns (event or bound columns included) and its weights
    (``None`` when unweighted), at ``rows`` when given."""
    positions, labels = plan.positions, plan.labels
    weights = None
    if plan.weighted:
        raw = frames.block_column(block, positions[-1])
        raw = raw if rows is None else raw[rows]
        weights = checked_weights(raw, raw.size, f"weights column {labels[-1]}")
        positions = positions[:-1]
    values = [frames.block_column(block, p) for p in positions]
    return (values if rows is None else [v[rows] for v in values]), weights


def _split(plan: _BlockPlan, values: list[np.ndarray],
           weights: np.ndarray | None) -> list[RawObservations]:  # fmt: skip
    """Each fitted column's rows split by kind (the bad values raised, typed)."""
    labels = plan.labels[:-1] if plan.weighted else plan.labels
    if plan.mode == "interval":
        return [CensoredTerms.split_intervals(values[0], values[1], weights,
                                              names=(labels[0], labels[1]))]  # fmt: skip
    if plan.mode == "event":
        return [CensoredTerms.split_events(t, values[-1], weights, names=(label, labels[-1]))
                for t, label in zip(values[:-1], labels[:-1], strict=True)]  # fmt: skip
    return [RawObservations.from_values(column, weights) for column in values]


@dataclass(frozen=True)
class _BlockPart:
    """What the first pass returns for one fitted column of one block: the terms of
    the kinds with at most :data:`DISTINCT_LIMIT` distinct points here (``over``
    names the others), each kind's range (``[min, max]`` per coordinate of its
    weighted points) and the rows at the sampled positions."""

    terms: CensoredTerms
    over: tuple[str, ...]
    ranges: dict[str, np.ndarray]
    sample: RawObservations


def _kind_size(terms: CensoredTerms, kind: str) -> int:
    part = getattr(terms, kind)
    if part is None:
        return 0
    return int((part.values if kind == "exact" else part.pairs if kind == "interval"
                else part.points).shape[0])  # fmt: skip


def _ranges(raw: RawObservations) -> dict[str, np.ndarray]:
    out = {}
    for kind in _KINDS:
        points, w = raw.kind(kind)
        if not np.any(w > 0):
            continue
        points = np.asarray(points, dtype=float).reshape(len(w), -1)[w > 0]
        if kind == "interval":  # bounds, then the coordinates its cells are binned in
            points = np.column_stack([points, pair_coordinates(points)])
        if points.size:
            out[kind] = np.column_stack([points.min(axis=0), points.max(axis=0)])
    return out


def _block_terms(block: Any, offset: int, plan: _BlockPlan, sampled: np.ndarray) -> Any:
    """Per fitted column, the block's :class:`_BlockPart`, and the number of its rows
    outside the column's bounds. A bad value is returned (not raised) as the typed
    error, for the driver to raise."""
    try:
        values, weights = _read(block, plan)
        parts = []
        samples = _split(plan, *_read(block, plan, sampled))
        for raw, sample in zip(_split(plan, values, weights), samples, strict=True):
            terms = CensoredTerms.from_raw(raw)
            over = tuple(k for k in _KINDS if _kind_size(terms, k) > DISTINCT_LIMIT)
            if over:
                terms = dataclasses.replace(terms, **dict.fromkeys(over))
            parts.append(_BlockPart(terms, over, _ranges(raw), sample))
        outside = [rows_outside(left, right, *bounds) if np.isfinite(bounds).any() else 0
                   for (left, right), bounds in zip(_raw_pairs(plan.mode, values), plan.bounds,
                                                    strict=True)]  # fmt: skip
        return parts, outside
    except InvalidArgumentError as error:  # its positions count from the block's first row
        return type(error)(f"{error}; positions within the block starting at row {offset}")


def _block_bins(block: Any, plan: _BlockPlan, grids: list[dict[str, Any]]) -> list[dict]:
    """The second pass: per fitted column, each compressed kind's weighted bin counts
    and power sums (interval pairs: their cells) on the driver's grids."""
    out = []
    for raw, column_grids in zip(_split(plan, *_read(block, plan)), grids, strict=True):
        mine = {}
        for kind, grid in column_grids.items():
            points, w = raw.kind(kind)
            mine[kind] = pair_cells(points, w, *grid) if kind == "interval" else \
                grid.bins(points, w)  # fmt: skip
        out.append(mine)
    return out


def _merged(parts: list[CensoredTerms]) -> CensoredTerms:
    total = parts[0]
    for part in parts[1:]:
        total = total.merged(part)
    return total


# ------------------------------------------------------------- large columns


def _large_kinds(parts: list[_BlockPart], merged: CensoredTerms) -> tuple[str, ...]:
    """The kinds with more than :data:`DISTINCT_LIMIT` distinct points in the column
    (in one block, or merged): the same whatever the blocks, since a kind within
    the limit is within it in every block."""
    over = {kind for part in parts for kind in part.over}
    return tuple(k for k in _KINDS if k in over or _kind_size(merged, k) > DISTINCT_LIMIT)


def _kind_sample(parts: list[_BlockPart], kind: str) -> tuple[np.ndarray, np.ndarray]:
    points = np.concatenate([np.asarray(p.sample.kind(kind)[0], dtype=float) for p in parts])
    weights = np.concatenate([np.asarray(p.sample.kind(kind)[1], dtype=float) for p in parts])
    return points, weights


def _kind_range(parts: list[_BlockPart], kind: str) -> np.ndarray:
    """``[min, max]`` per coordinate of a kind's weighted points over every block."""
    ranges = [p.ranges[kind] for p in parts if kind in p.ranges]
    return np.column_stack([np.min([r[:, 0] for r in ranges], axis=0),
                            np.max([r[:, 1] for r in ranges], axis=0)])  # fmt: skip


def _grid_of(sample: np.ndarray, low: float, high: float, n_core: int = 512) -> KindGrid:
    sample = sample[(sample >= low) & (sample <= high)]
    return design_grid(sample, low, high, *standardizing_constants(sample, low, high), n_core)


#: Core bins of the interval cells' grids: midpoints, log widths (the cells are
#: their product; see :mod:`.fitting.compressed_terms` for the error they give).
_PAIR_CORES = (512, 128)


def _grids(parts: list[_BlockPart], kinds: tuple[str, ...]) -> dict[str, Any]:
    """The driver's grid of each compressed kind of a column (for intervals, a pair:
    midpoints and log widths), from the kind's sample and range."""
    out: dict[str, Any] = {}
    for kind in kinds:
        points, _ = _kind_sample(parts, kind)
        ranges = _kind_range(parts, kind)
        if kind == "interval":
            coords = pair_coordinates(points)
            out[kind] = tuple(_grid_of(coords[:, j], *ranges[2 + j], _PAIR_CORES[j])
                              for j in range(2))  # fmt: skip
        else:
            out[kind] = _grid_of(points, *ranges[0])
    return out


def _compressed(merged: CensoredTerms, parts: list[_BlockPart], grids: dict[str, Any],
                binned: list[dict]) -> CensoredTerms:  # fmt: skip
    """The column's terms with each kind in ``grids`` built from its merged bins."""
    replaced: dict[str, Any] = {}
    for kind, grid in grids.items():
        if kind == "interval":
            cells: PairCells = binned[0][kind]
            for part in binned[1:]:
                cells = cells.merged(part[kind])
            replaced[kind] = interval_terms(cells)
        else:
            counts = np.sum([part[kind][0] for part in binned], axis=0)
            sums = np.sum([part[kind][1] for part in binned], axis=0)
            replaced[kind] = gauss_terms(kind, grid, counts, sums)
    low, high = [math.inf], [-math.inf]  # the covered range of the rows (covered_range)
    for kind, (lows, highs) in {"exact": ([0], [0]), "left": ([0], []), "right": ([], [0]),
                                "interval": ([1], [0])}.items():  # fmt: skip
        if any(kind in p.ranges for p in parts):
            ranges = _kind_range(parts, kind)
            low += [float(ranges[j, 0]) for j in lows]
            high += [float(ranges[j, 1]) for j in highs]
    return dataclasses.replace(merged, **replaced, compressed=tuple(grids),
                               extent=(min(low), max(high)))  # fmt: skip


def _gof_sample(parts: list[_BlockPart]) -> tuple[np.ndarray, np.ndarray]:
    """The sampled exact values, distinct and sorted, with their summed weights."""
    points, weights = _kind_sample(parts, "exact")
    distinct, inverse = np.unique(points, return_inverse=True)
    summed = np.bincount(inverse, weights=weights, minlength=distinct.size)
    return distinct[summed > 0], summed[summed > 0]


def _fit_task(name: str, terms: CensoredTerms, fixed: dict[str, float], custom: Any,
              gof_sample: tuple[np.ndarray, np.ndarray] | None = None) -> Any:  # fmt: skip
    """One family's censored fit, timed, with KS/AD for an uncensored column (runs
    in a Ray task): against its distinct values, or ``gof_sample`` (distinct sampled
    values and weights) when its exact values are compressed."""
    registry.install(custom)
    started = time.perf_counter()
    fit = fit_censored(name, terms, fixed or None)
    gof = (math.nan, math.nan, math.nan)
    points = gof_sample if gof_sample is not None else (
        None if terms.exact is None or "exact" in terms.compressed
        else (terms.exact.values, terms.exact.counts))  # fmt: skip
    if fit.status == "ok" and not terms.is_censored and points is not None and points[0].size:
        *shapes, loc, scale = fit.params.values()
        frozen = get_distribution(name)(*shapes, loc=loc, scale=scale)
        try:
            dist = (TruncatedDistribution(frozen, terms.low, terms.high)
                    if terms.is_truncated else frozen)  # fmt: skip
            gof = weighted_ks_ad(dist, *points)
        except (ValueError, ArithmeticError):  # no mass in the window: left NaN
            pass
    return fit, gof, time.perf_counter() - started


# ----------------------------------------------------------------- the frame


def _float_events(obj: Any, event: Hashable) -> Any:
    """``obj`` with a boolean event column as 0/1 floats (a new frame; the user's is
    unchanged), since blocks carry real numbers only."""
    if frames.adapter_for(obj).name not in ("pandas", "modin") or event not in obj.columns:
        return obj
    if not pd.api.types.is_bool_dtype(obj[event].dtype):
        return obj
    out = obj.copy(deep=False) if frames.adapter_for(obj).name == "pandas" else obj.copy()
    out[event] = obj[event].astype("float64")
    return out


def _as_list(columns: Any) -> list:
    if columns is None:
        return []
    if isinstance(columns, (list, tuple, pd.Index)):
        return list(columns)
    return [columns]


def _numeric_labels(obj: Any) -> list:
    """The real-valued columns of a pandas or Modin frame, or of a Ray Dataset's schema."""
    from .frames.base import numeric_columns

    if frames.adapter_for(obj).name == "dataset":
        from .frames.ray_dataset import schema_frame

        return numeric_columns(schema_frame(obj))
    return numeric_columns(obj)


def _plan(obj: Any, columns: Any, options: FitOptions) -> tuple[Any, str, Any, list]:
    """The frame to read, the mode, the labels to place in blocks (the weight column
    last), and the result labels (empty: the blocks' labels)."""
    event, interval, weights = options.event, options.interval, options.weights
    if event is not None and interval is not None:
        raise InvalidArgumentError("give event= (time and event columns) or interval= "
                                   "(left and right columns), not both")  # fmt: skip
    if (event is not None or interval is not None or weights is not None) and \
            isinstance(obj, pd.Series):  # fmt: skip
        raise InvalidArgumentError("event=, interval= and weights= name columns of a "
                                   "DataFrame; got a Series")  # fmt: skip
    extra = [] if weights is None else [weights]
    if interval is not None:
        if columns is not None:
            raise InvalidArgumentError(f"with interval={interval!r} the fitted column is the "
                                       f"pair itself; got columns={columns!r} too")  # fmt: skip
        left, right = interval
        if any(frames.same_label(weights, side) for side in interval):
            raise InvalidArgumentError(f"the weights column {weights!r} is also a bound of "
                                       f"interval={interval!r}")  # fmt: skip
        return obj, "interval", [left, right, *extra], [f"({left}, {right})"]
    if event is not None:
        times = _as_list(columns)
        if not times:
            raise InvalidArgumentError(f"event={event!r} needs the time column(s): "
                                       f"fit('time', event={event!r})")  # fmt: skip
        if any(frames.same_label(t, event) for t in times):
            raise InvalidArgumentError(f"the event column {event!r} is also a time column")
        if frames.same_label(weights, event):
            raise InvalidArgumentError(f"the weights column {weights!r} is also the event column")
        _check_weights_not_fitted(weights, times)
        return _float_events(obj, event), "event", [*times, event, *extra], times
    if weights is None:
        return obj, "exact", columns, []
    fitted = _as_list(columns) if columns is not None else [
        label for label in _numeric_labels(obj) if not frames.same_label(label, weights)]
    _check_weights_not_fitted(weights, fitted)
    if not fitted:
        raise InvalidArgumentError(f"no numeric column to fit besides the weights column "
                                   f"{weights!r}")  # fmt: skip
    return obj, "exact", [*fitted, weights], fitted


def _check_weights_not_fitted(weights: Any, fitted: list) -> None:
    if weights is not None and any(frames.same_label(weights, label) for label in fitted):
        raise InvalidArgumentError(f"the weights column {weights!r} is also a fitted column")


def _bounds_by_column(bounds: Any, labels: list, interval: Any) -> list[tuple[float, float]]:
    """Each fitted column's ``(low, high)`` (infinite where open) from ``bounds``: one
    pair for every column, or a mapping of column labels (a fitted column each; the
    ``interval`` pair may be named by its tuple) to pairs."""
    open_pair = (-math.inf, math.inf)
    if bounds is None:
        return [open_pair] * len(labels)
    if not isinstance(bounds, Mapping):
        return [bounds] * len(labels)
    out = {i: open_pair for i in range(len(labels))}
    for key, pair in bounds.items():
        matches = [i for i, label in enumerate(labels) if frames.same_label(key, label)]
        if not matches and interval is not None and frames.same_label(tuple(interval), key):
            matches = [0]
        if not matches:
            raise InvalidArgumentError(f"bounds names column {key!r}, which is not a fitted "
                                       f"column; the fitted columns are {labels}")  # fmt: skip
        out[matches[0]] = pair
    return [out[i] for i in range(len(labels))]


def _check_metric(metric: str, mode: str) -> None:
    allowed = ("aic", "bic") if mode != "exact" else ("aic", "bic", "ks_statistic",
                                                      "ad_statistic")  # fmt: skip
    if metric not in allowed:
        what = "censored fits rank" if mode != "exact" else \
            "fits with fixed=, weights= or bounds= rank"  # fmt: skip
        raise InvalidArgumentError(f"{what} by {list(allowed)} (the others are not computed "
                                   f"here); got {metric!r}")  # fmt: skip


def fit_censored_frame(obj: Any, columns: Any, options: FitOptions) -> pd.DataFrame:
    """The results frame of a censored, weighted, truncated or fixed-parameter fit;
    see the accessor."""
    from .discrete.registry import is_discrete_selection  # late: the discrete stack

    names = list(options.distributions)
    if is_discrete_selection(names):
        raise InvalidArgumentError("event=, interval=, weights=, bounds= and fixed= apply to "
                                   "continuous distributions, not to discrete ones")  # fmt: skip
    fixed = resolve_fixed(options.fixed, names)
    source, mode, wanted, labels = _plan(obj, columns, options)
    _check_metric(options.metric, mode)
    blocks = frames.to_blocks(source, wanted, n_blocks=options.n_blocks)
    frames.check_not_empty(blocks, blocks.labels)
    weighted = options.weights is not None
    if not labels:
        labels = list(blocks.labels)
    bounds = _bounds_by_column(options.bounds, labels, options.interval)
    text_labels = [repr(label) for label in blocks.labels]  # for the messages
    plan = _BlockPlan(mode, list(blocks.positions), text_labels, weighted, bounds)
    positions = sample_positions(blocks.n_rows, options.sample_size, options.random_state)
    sampled = [positions[(positions >= offset) & (positions < offset + length)] - offset
               for offset, length in zip(blocks.offsets, blocks.lengths, strict=True)]
    per_block = runtime.map_blocks(_block_terms, blocks.refs,
                                   [(int(offset), plan, rows)
                                    for offset, rows in zip(blocks.offsets, sampled,
                                                            strict=True)],
                                   label="censored terms")  # fmt: skip
    for part in per_block:
        if isinstance(part, BestFitError):
            raise type(part)(str(part))
    columns_parts = [[part[0][i] for part in per_block] for i in range(len(labels))]
    for i, (label, (low, high)) in enumerate(zip(labels, bounds, strict=True)):
        outside = sum(part[1][i] for part in per_block)
        if outside:
            raise OutsideBoundsError(
                f"column {label!r} has {outside:,} rows outside its bounds [{low}, {high}] "
                f"(a truncated column holds only values inside them)")  # fmt: skip
    merged = [_merged([part.terms for part in parts]) for parts in columns_parts]
    large = [_large_kinds(parts, column) for parts, column in zip(columns_parts, merged,
                                                                  strict=True)]  # fmt: skip
    grids = [_grids(parts, kinds) for parts, kinds in zip(columns_parts, large, strict=True)]
    binned = (runtime.map_blocks(_block_bins, blocks.refs, [(plan, grids)] * len(blocks.refs),
                                 label="censored bins")
              if any(large) else [])  # fmt: skip
    terms, gof_samples = [], []
    for i, (label, (low, high)) in enumerate(zip(labels, bounds, strict=True)):
        column = _compressed(merged[i], columns_parts[i], grids[i],
                             [part[i] for part in binned]) if large[i] else merged[i]
        gof_samples.append(_gof_sample(columns_parts[i]) if "exact" in large[i] else None)
        if not column.term_sets:
            why = (f" or had weight 0 in the weights column {options.weights!r}"
                   if weighted else "")  # fmt: skip
            raise InvalidArgumentError(f"column {label!r} has no observations: every row "
                                       f"was empty or dropped{why}")  # fmt: skip
        terms.append(column.truncated(low, high) if math.isfinite(low) or math.isfinite(high)
                     else column)  # fmt: skip

    custom = runtime.put(custom_snapshot())
    refs = [runtime.put(column) for column in terms]
    gof_refs = [None if sample is None else runtime.put(sample) for sample in gof_samples]
    calls = [(name, ref, fixed[name], custom, gof)
             for ref, gof in zip(refs, gof_refs, strict=True) for name in names]
    owners = [(label, column) for label, column in zip(labels, terms, strict=True)
              for _ in names]  # fmt: skip
    callback = options.progress

    def on_done(done: int, total: int) -> None:
        if callback is not None:
            callback(done, total, 100.0 * done / total)

    outcomes = runtime.run_tasks(_fit_task, calls, timeout=options.timeout, on_done=on_done)
    records = [_record(label, column, call[0], outcome, options.timeout)
               for (label, column), call, outcome in zip(owners, calls, outcomes, strict=True)]
    return build_results(records, options.metric, labels)


def _record(label: Hashable, terms: CensoredTerms, name: str, outcome: Any,
            timeout: float | None) -> dict:  # fmt: skip
    n_obs = round(terms.n_obs)
    counts = terms.n_censored
    if outcome.status != "ok":
        record = failed_record(label, name, len(param_names(name)), n_obs,
                               status=outcome.status, message=outcome.message,
                               fit_seconds=timeout if outcome.status == "timeout" else math.nan)
    else:
        fit, (ks, ks_p, ad), seconds = outcome.value
        record = new_record(label, name, fit.n_params, n_obs)
        record.update(fit_seconds=seconds, loglik_exact=not terms.compressed)
        if fit.status == "ok":
            notes = [CENSORED_MESSAGE if terms.is_censored else "",
                     COMPRESSED_MESSAGE if terms.compressed else "",
                     SAMPLE_GOF_MESSAGE if "exact" in terms.compressed and
                     not terms.is_censored else ""]  # fmt: skip
            record.update(params=dict(fit.params), loglik=fit.loglik, aic=fit.aic, bic=fit.bic,
                          ks_statistic=ks, ks_pvalue=ks_p, ad_statistic=ad,
                          message="; ".join(filter(None, notes)))  # fmt: skip
        else:
            record.update(status="failed", message=fit.message)
    record.update(n_dropped=terms.n_dropped, n_left=counts["left"], n_right=counts["right"],
                  n_interval=counts["interval"],
                  trunc_low=terms.low if math.isfinite(terms.low) else math.nan,
                  trunc_high=terms.high if math.isfinite(terms.high) else math.nan)  # fmt: skip
    return record
