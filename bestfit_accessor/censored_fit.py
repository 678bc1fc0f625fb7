"""Censored columns and fixed parameters through the one block pipeline.

``fit("time", event="observed")`` (lifelines' convention), ``fit(interval=("left",
"right"))`` (fitdistrplus') and ``fit(..., fixed={"loc": 0.0})`` all fit on
:class:`.fitting.censoring.CensoredTerms`: each block's rows become terms in a Ray
task (distinct points with counts, so nothing but the terms reaches the driver), the
blocks' terms are merged, and :func:`.fitting.censoring.fit_censored` runs once per
(column, distribution) in its own Ray task, with the options' timeout. Every row's
log-likelihood is exact; KS and AD are left NaN (a censored value is not an exact
one, and comparing it as if it were would mislead). A failed family is a row with
its status, never a failed call.

An ordinary column with ``fixed=`` is all exact terms: its distinct values with
counts, so any number of rows is fine while it has at most
:data:`FIXED_DISTINCT_LIMIT` distinct values (a block with more stops the fit before
its values leave the block).
"""

from __future__ import annotations

import math
import time
from collections.abc import Hashable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from . import frames, runtime
from .exceptions import BestFitError, InvalidArgumentError
from .fitting import registry
from .fitting.censoring import CensoredTerms, fit_censored
from .fitting.registry import custom_snapshot, param_names
from .options import FitOptions
from .results import build_results, failed_record, new_record

__all__ = [
    "CENSORED_MESSAGE",
    "FIXED_DISTINCT_LIMIT",
    "FixedParametersLimitError",
    "fit_censored_frame",
    "resolve_fixed",
    "uses_censored_path",
]

#: Distinct values an ordinary (uncensored) column may have for a fit with ``fixed=``.
FIXED_DISTINCT_LIMIT = 100_000
#: The note every row of this path carries: why KS and AD are empty.
CENSORED_MESSAGE = ("ks/ad not computed: censored observations are not compared with the "
                    "fitted CDF as if they were exact values")  # fmt: skip
_EXACT_MESSAGE = ("ks/ad not computed on the fixed-parameter path; loglik, aic and bic "
                  "are exact and count free parameters only")  # fmt: skip


class FixedParametersLimitError(BestFitError, ValueError):
    """An uncensored column has too many distinct values for a fit with fixed parameters."""


def uses_censored_path(options: FitOptions) -> bool:
    """Whether the fit runs here: censoring (``event``/``interval``) or ``fixed``."""
    return (options.event is not None or options.interval is not None
            or options.fixed is not None)  # fmt: skip


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


def _block_terms(block: Any, offset: int, mode: str, positions: list[int],
                 labels: list[str]) -> list[CensoredTerms] | BestFitError:  # fmt: skip
    """Per fitted column, the block's observations as censored terms.

    ``mode`` ``"event"``: positions are the time columns then the event column;
    ``"interval"``: the left and right columns; ``"exact"``: the columns. A bad
    value is returned (not raised) as the typed error, for the driver to raise.
    """
    try:
        if mode == "interval":
            left, right = (frames.block_column(block, p) for p in positions)
            return [CensoredTerms.from_intervals(left, right, names=(labels[0], labels[1]))]
        if mode == "event":
            event = frames.block_column(block, positions[-1])
            return [CensoredTerms.from_events(frames.block_column(block, p), event,
                                              names=(label, labels[-1]))
                    for p, label in zip(positions[:-1], labels[:-1], strict=True)]  # fmt: skip
        out = []
        for p in positions:
            values = frames.block_column(block, p)
            finite = np.isfinite(values)
            terms = CensoredTerms.from_arrays(values[finite], n_dropped=int(np.sum(~finite)))
            if terms.exact is not None and terms.exact.values.size > FIXED_DISTINCT_LIMIT:
                return _too_many(labels[len(out)])
            out.append(terms)
        return out
    except InvalidArgumentError as error:  # its positions count from the block's first row
        return type(error)(f"{error}; positions within the block starting at row {offset}")


def _too_many(label: str) -> FixedParametersLimitError:
    return FixedParametersLimitError(
        f"column {label} has more than {FIXED_DISTINCT_LIMIT:,} distinct values; fixed= "
        f"fits ordinary columns of at most {FIXED_DISTINCT_LIMIT:,} distinct values "
        f"(censored columns, given by event= or interval=, have no such limit)")  # fmt: skip


def _merged(parts: list[CensoredTerms]) -> CensoredTerms:
    total = parts[0]
    for part in parts[1:]:
        total = total.merged(part)
    return total


def _fit_task(name: str, terms: CensoredTerms, fixed: dict[str, float],
              custom: Any) -> Any:  # fmt: skip
    """One family's censored fit, timed (runs in a Ray task)."""
    registry.install(custom)
    started = time.perf_counter()
    return fit_censored(name, terms, fixed or None), time.perf_counter() - started


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


def _plan(obj: Any, columns: Any, options: FitOptions) -> tuple[Any, str, list, list]:
    """The frame to read, the mode, the labels to place in blocks, and the result labels."""
    event, interval = options.event, options.interval
    if event is not None and interval is not None:
        raise InvalidArgumentError("give event= (time and event columns) or interval= "
                                   "(left and right columns), not both")  # fmt: skip
    if (event is not None or interval is not None) and isinstance(obj, (pd.Series,)):
        raise InvalidArgumentError("event= and interval= name columns of a DataFrame; "
                                   "got a Series")  # fmt: skip
    if interval is not None:
        if columns is not None:
            raise InvalidArgumentError(f"with interval={interval!r} the fitted column is the "
                                       f"pair itself; got columns={columns!r} too")  # fmt: skip
        left, right = interval
        return obj, "interval", [left, right], [f"({left}, {right})"]
    if event is not None:
        times = _as_list(columns)
        if not times:
            raise InvalidArgumentError(f"event={event!r} needs the time column(s): "
                                       f"fit('time', event={event!r})")  # fmt: skip
        if any(frames.same_label(t, event) for t in times):
            raise InvalidArgumentError(f"the event column {event!r} is also a time column")
        return _float_events(obj, event), "event", [*times, event], times
    return obj, "exact", columns, []


def fit_censored_frame(obj: Any, columns: Any, options: FitOptions) -> pd.DataFrame:
    """The results frame of a censored or fixed-parameter fit; see the accessor."""
    from .discrete.registry import is_discrete_selection  # late: the discrete stack

    names = list(options.distributions)
    if is_discrete_selection(names):
        raise InvalidArgumentError("event=, interval= and fixed= apply to continuous "
                                   "distributions, not to discrete ones")  # fmt: skip
    if options.metric not in ("aic", "bic"):
        raise InvalidArgumentError(f"censored and fixed-parameter fits rank by 'aic' or "
                                   f"'bic' (KS/AD are not computed); got {options.metric!r}")
    fixed = resolve_fixed(options.fixed, names)
    source, mode, wanted, labels = _plan(obj, columns, options)
    blocks = frames.to_blocks(source, wanted, n_blocks=options.n_blocks)
    frames.check_not_empty(blocks, blocks.labels)
    if mode == "exact":
        labels = list(blocks.labels)
    text_labels = [repr(label) for label in blocks.labels]  # for the messages
    per_block = runtime.map_blocks(_block_terms, blocks.refs,
                                   [(int(offset), mode, blocks.positions, text_labels)
                                    for offset in blocks.offsets],
                                   label="censored terms")  # fmt: skip
    for part in per_block:
        if isinstance(part, BestFitError):
            raise type(part)(str(part))
    terms = [_merged([part[i] for part in per_block]) for i in range(len(labels))]
    for label, column in zip(labels, terms, strict=True):
        if column.exact is not None and column.exact.values.size > FIXED_DISTINCT_LIMIT \
                and mode == "exact":
            raise _too_many(repr(label))
        if not column.term_sets:
            raise InvalidArgumentError(f"column {label!r} has no observations: every row "
                                       f"was empty or dropped")  # fmt: skip

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
    note = _EXACT_MESSAGE if mode == "exact" else CENSORED_MESSAGE
    records = [_record(label, column, call[0], outcome, note, options.timeout)
               for (label, column), call, outcome in zip(owners, calls, outcomes, strict=True)]
    return build_results(records, options.metric, labels)


def _record(label: Hashable, terms: CensoredTerms, name: str, outcome: Any, note: str,
            timeout: float | None) -> dict:  # fmt: skip
    n_obs = round(terms.n_obs)
    counts = terms.n_censored
    if outcome.status != "ok":
        record = failed_record(label, name, len(param_names(name)), n_obs,
                               status=outcome.status, message=outcome.message,
                               fit_seconds=timeout if outcome.status == "timeout" else math.nan)
    else:
        fit, seconds = outcome.value
        record = new_record(label, name, fit.n_params, n_obs)
        record.update(fit_seconds=seconds, loglik_exact=True)
        if fit.status == "ok":
            record.update(params=dict(fit.params), loglik=fit.loglik, aic=fit.aic, bic=fit.bic,
                          message=note)  # fmt: skip
        else:
            record.update(status="failed", message=fit.message)
    record.update(n_dropped=terms.n_dropped, n_left=counts["left"], n_right=counts["right"],
                  n_interval=counts["interval"])  # fmt: skip
    return record
