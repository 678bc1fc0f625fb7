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

An uncensored column on this path is all exact terms: its distinct values with
counts, so any number of rows is fine while it has at most
:data:`FIXED_DISTINCT_LIMIT` distinct values (a block with more stops the fit before
its values leave the block, with :class:`FixedParametersLimitError`).
"""

from __future__ import annotations

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
from .fitting.censoring import CensoredTerms, checked_weights, fit_censored, rows_outside
from .fitting.registry import custom_snapshot, get_distribution, param_names
from .fitting.weighted_gof import weighted_ks_ad
from .options import FitOptions
from .results import build_results, failed_record, new_record
from .results.truncated import TruncatedDistribution

__all__ = [
    "CENSORED_MESSAGE",
    "FIXED_DISTINCT_LIMIT",
    "FixedParametersLimitError",
    "OutsideBoundsError",
    "fit_censored_frame",
    "resolve_fixed",
    "uses_censored_path",
]

#: Distinct values an ordinary (uncensored) column may have for a fit with ``fixed=``.
FIXED_DISTINCT_LIMIT = 100_000
#: The note every row of this path carries: why KS and AD are empty.
CENSORED_MESSAGE = ("ks/ad not computed: censored observations are not compared with the "
                    "fitted CDF as if they were exact values")  # fmt: skip


class FixedParametersLimitError(BestFitError, ValueError):
    """An uncensored column has too many distinct values for the term path (``fixed=``,
    ``weights=`` or ``bounds=``)."""


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


def _block_terms(block: Any, offset: int, plan: _BlockPlan) -> Any:
    """Per fitted column, the block's observations as censored terms, and the number
    of its rows outside the column's bounds. A bad value is returned (not raised)
    as the typed error, for the driver to raise."""
    try:
        positions, labels = plan.positions, plan.labels
        weights = None
        if plan.weighted:
            raw = frames.block_column(block, positions[-1])
            weights = checked_weights(raw, raw.size, f"weights column {labels[-1]}")
            positions, labels = positions[:-1], labels[:-1]
        values = [frames.block_column(block, p) for p in positions]
        if plan.mode == "interval":
            parts = [CensoredTerms.from_intervals(values[0], values[1], weights,
                                                  names=(labels[0], labels[1]))]  # fmt: skip
        elif plan.mode == "event":
            parts = [CensoredTerms.from_events(t, values[-1], weights, names=(label, labels[-1]))
                     for t, label in zip(values[:-1], labels[:-1], strict=True)]  # fmt: skip
        else:
            parts = []
            for column, label in zip(values, labels, strict=True):
                finite = np.isfinite(column)
                terms = CensoredTerms.from_arrays(
                    column[finite], exact_weights=None if weights is None else weights[finite],
                    n_dropped=int(np.sum(~finite)))  # fmt: skip
                if terms.exact is not None and terms.exact.values.size > FIXED_DISTINCT_LIMIT:
                    return _too_many(label)
                parts.append(terms)
        outside = [rows_outside(left, right, *bounds) if np.isfinite(bounds).any() else 0
                   for (left, right), bounds in zip(_raw_pairs(plan.mode, values), plan.bounds,
                                                    strict=True)]  # fmt: skip
        return parts, outside
    except InvalidArgumentError as error:  # its positions count from the block's first row
        return type(error)(f"{error}; positions within the block starting at row {offset}")


def _too_many(label: str) -> FixedParametersLimitError:
    return FixedParametersLimitError(
        f"column {label} has more than {FIXED_DISTINCT_LIMIT:,} distinct values; fixed=, "
        f"weights= and bounds= fit uncensored columns of at most {FIXED_DISTINCT_LIMIT:,} "
        f"distinct values (censored columns, given by event= or interval=, have no such "
        f"limit; rounding the column to its precision makes it fit)")  # fmt: skip


def _merged(parts: list[CensoredTerms]) -> CensoredTerms:
    total = parts[0]
    for part in parts[1:]:
        total = total.merged(part)
    return total


def _fit_task(name: str, terms: CensoredTerms, fixed: dict[str, float],
              custom: Any) -> Any:  # fmt: skip
    """One family's censored fit, timed, with KS/AD for an uncensored column (runs
    in a Ray task)."""
    registry.install(custom)
    started = time.perf_counter()
    fit = fit_censored(name, terms, fixed or None)
    gof = (math.nan, math.nan, math.nan)
    if fit.status == "ok" and not terms.is_censored and terms.exact is not None:
        *shapes, loc, scale = fit.params.values()
        frozen = get_distribution(name)(*shapes, loc=loc, scale=scale)
        try:
            dist = (TruncatedDistribution(frozen, terms.low, terms.high)
                    if terms.is_truncated else frozen)  # fmt: skip
            gof = weighted_ks_ad(dist, terms.exact.values, terms.exact.counts)
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
    per_block = runtime.map_blocks(_block_terms, blocks.refs,
                                   [(int(offset), plan) for offset in blocks.offsets],
                                   label="censored terms")  # fmt: skip
    for part in per_block:
        if isinstance(part, BestFitError):
            raise type(part)(str(part))
    terms = []
    for i, (label, (low, high)) in enumerate(zip(labels, bounds, strict=True)):
        outside = sum(part[1][i] for part in per_block)
        if outside:
            raise OutsideBoundsError(
                f"column {label!r} has {outside:,} rows outside its bounds [{low}, {high}] "
                f"(a truncated column holds only values inside them)")  # fmt: skip
        column = _merged([part[0][i] for part in per_block])
        if column.exact is not None and column.exact.values.size > FIXED_DISTINCT_LIMIT \
                and mode == "exact":  # fmt: skip
            raise _too_many(repr(label))
        if not column.term_sets:
            why = (f" or had weight 0 in the weights column {options.weights!r}"
                   if weighted else "")  # fmt: skip
            raise InvalidArgumentError(f"column {label!r} has no observations: every row "
                                       f"was empty or dropped{why}")  # fmt: skip
        terms.append(column.truncated(low, high) if math.isfinite(low) or math.isfinite(high)
                     else column)  # fmt: skip

    custom = runtime.put(custom_snapshot())
    refs = [runtime.put(column) for column in terms]
    calls = [(name, ref, fixed[name], custom) for ref in refs for name in names]
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
        record.update(fit_seconds=seconds, loglik_exact=True)
        if fit.status == "ok":
            record.update(params=dict(fit.params), loglik=fit.loglik, aic=fit.aic, bic=fit.bic,
                          ks_statistic=ks, ks_pvalue=ks_p, ad_statistic=ad,
                          message=CENSORED_MESSAGE if terms.is_censored else "")  # fmt: skip
        else:
            record.update(status="failed", message=fit.message)
    record.update(n_dropped=terms.n_dropped, n_left=counts["left"], n_right=counts["right"],
                  n_interval=counts["interval"],
                  trunc_low=terms.low if math.isfinite(terms.low) else math.nan,
                  trunc_high=terms.high if math.isfinite(terms.high) else math.nan)  # fmt: skip
    return record
