"""The discrete fit path: value counts per block in Ray tasks, fits in Ray tasks.

``df.bestfit.fit(..., distributions="discrete")`` comes here from the pipeline once
the frame is in blocks. One pass over the blocks returns each column's exact value
counts (:mod:`.counts`, small: one entry per distinct value), merged on the driver;
each (column, family) is then fitted in its own Ray task on those counts, and the
records go into the usual results frame with ``kind="discrete"`` and the
chi-square fields. Ray is reached only through :mod:`bestfit_accessor.runtime`.

``distributions="auto"`` (the default) comes to :func:`fit_auto_blocks`: one cheap
pass decides which columns are counts (:mod:`.auto`) and returns their counts; those
columns are fitted here, the others by the continuous path, in one results frame.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import replace
from functools import reduce
from typing import Any

import numpy as np
import pandas as pd

from .. import frames, runtime
from ..exceptions import InsufficientDataError, InvalidArgumentError, NonIntegerValuesError
from ..results import build_results, failed_record, new_record
from ..results.schema import apply_dtypes
from .auto import count_limit, is_count_column, merge_block_counts, probe_counts
from .counts import ValueCounts, block_value_counts, merge_value_counts
from .fit import fit_discrete
from .gof import goodness_of_fit
from .registry import get_discrete_family

__all__ = [
    "DISCRETE_METRICS",
    "check_counts",
    "classify_columns",
    "count_columns",
    "fit_auto_blocks",
    "fit_discrete_blocks",
    "fit_record",
]

#: Ranking metrics that discrete rows carry (AD and SSE are for densities).
DISCRETE_METRICS = ("aic", "bic", "ks_statistic")

#: Fewer counted values than this in a column is an error (as for continuous fits).
MIN_VALUES = 10


def _count_block(block: Any, positions: list[int]) -> list[ValueCounts]:
    return [block_value_counts(frames.block_column(block, p)) for p in positions]


def count_columns(blocks: frames.BlockSet) -> list[ValueCounts]:
    """Exact value counts of every column of ``blocks``: one Ray task per block, merged."""
    per_block = runtime.map_blocks(_count_block, blocks.refs,
                                   [(blocks.positions,)] * len(blocks.refs),
                                   label="value counts")  # fmt: skip
    return [reduce(merge_value_counts, [parts[i] for parts in per_block])
            for i in range(len(blocks.labels))]  # fmt: skip


def check_counts(label: Hashable, vc: ValueCounts) -> None:
    """Raise the typed error for a column discrete families cannot describe."""
    if vc.n_non_integer:
        raise NonIntegerValuesError(
            f"column {label!r} has {vc.n_non_integer} non-integer value(s), e.g. "
            f"{vc.non_integer_example!r}; distributions='discrete' fits integer counts only")
    if vc.n < MIN_VALUES:
        raise InsufficientDataError(
            f"column {label!r} has {vc.n} finite values ({vc.n_missing} NaN/inf dropped); "
            f"at least {MIN_VALUES} are needed")
    if vc.min == vc.max:
        raise InsufficientDataError(
            f"column {label!r} is constant (all {vc.n} values equal {vc.min}); no "
            "distribution can be fitted")


def fit_record(label: Hashable, name: str, vc: ValueCounts, shift: bool = False) -> dict:
    """One results row: the fit of ``name`` to ``vc`` with its goodness of fit."""
    fit = fit_discrete(name, vc, shift=shift)
    record = new_record(label, name, fit["n_params"], vc.n)
    record.update(status=fit["status"], message=fit["message"], fit_seconds=fit["fit_seconds"],
                  n_dropped=vc.n_missing, kind="discrete")
    if fit["status"] == "ok":
        record.update(params=fit["params"], loglik=fit["loglik"], loglik_exact=vc.exact,
                      **goodness_of_fit(get_discrete_family(name).dist, fit["params"],
                                        fit["n_params"], fit["loglik"], vc))
    return record


def _fit_counted(labels: list[Hashable], counts: list[ValueCounts], names: list[str],
                 timeout: float | None, on_done: Any = None) -> list[dict]:
    """One record per (column, family): each fit a Ray task on the column's counts."""
    for label, vc in zip(labels, counts, strict=True):
        check_counts(label, vc)
    refs = [runtime.put(vc) for vc in counts]  # once per column, shared by its fits
    calls = [(label, name, ref) for label, ref in zip(labels, refs, strict=True)
             for name in names]
    outcomes = runtime.run_tasks(fit_record, calls, timeout=timeout, on_done=on_done)
    by_label = dict(zip(labels, counts, strict=True))
    records = []
    for (label, name, _), outcome in zip(calls, outcomes, strict=True):
        if outcome.status == "ok":
            records.append(outcome.value)
            continue
        record = failed_record(label, name, len(get_discrete_family(name).shapes),
                               by_label[label].n, status=outcome.status,
                               message=outcome.message,
                               fit_seconds=timeout if outcome.status == "timeout"
                               else float("nan"))
        record.update(kind="discrete", n_dropped=by_label[label].n_missing)
        records.append(record)
    return records


def _check_metric(metric: str) -> None:
    if metric not in DISCRETE_METRICS:
        raise InvalidArgumentError(
            f"metric {metric!r} is not defined for discrete fits; use one of "
            f"{list(DISCRETE_METRICS)}")


def _reporter(callback: Any, offset: int = 0, total: int | None = None) -> Any:
    """``on_done(done, total)`` for the task runner that reports to ``callback`` as part
    of a call with ``total`` fits of which ``offset`` came before."""
    if callback is None:
        return None

    def on_done(done: int, part_total: int) -> None:
        whole = part_total + offset if total is None else total
        callback(offset + done, whole, 100.0 * (offset + done) / whole)

    return on_done


def fit_discrete_blocks(blocks: frames.BlockSet, names: list[str], metric: str,
                        timeout: float | None, callback: Any = None) -> pd.DataFrame:
    """Fit the discrete ``names`` to every column of ``blocks``; the results frame."""
    _check_metric(metric)
    counts = count_columns(blocks)
    records = _fit_counted(blocks.labels, counts, names, timeout, _reporter(callback))
    return build_results(records, metric, blocks.labels)


def _probe_block(block: Any, positions: list[int], limit: int) -> list[ValueCounts | None]:
    return [probe_counts(frames.block_column(block, p), limit) for p in positions]


def classify_columns(blocks: frames.BlockSet) -> list[ValueCounts | None]:
    """Per column, its exact value counts when it is a count column (see
    :mod:`.auto`), else ``None``; one pass over the blocks."""
    limit = count_limit(blocks.n_rows)
    per_block = runtime.map_blocks(_probe_block, blocks.refs,
                                   [(blocks.positions, limit)] * len(blocks.refs),
                                   label="count columns")
    merged = [merge_block_counts([parts[i] for parts in per_block])
              for i in range(len(blocks.labels))]
    return [counts if is_count_column(counts) else None for counts in merged]


def fit_auto_blocks(blocks: frames.BlockSet, continuous: tuple[str, ...],
                    discrete: tuple[str, ...], metric: str, timeout: float | None,
                    callback: Any, fit_continuous: Callable[..., pd.DataFrame]
                    ) -> pd.DataFrame:
    """``distributions="auto"``: count columns get the ``discrete`` families, every
    other column the ``continuous`` ones, in one call; ``kind`` says which.

    ``fit_continuous(blocks, callback)`` is the continuous path on a sub-selection of
    the columns. A ranking metric that only densities have (``sse``,
    ``ad_statistic``) asks for densities: every column is then continuous.
    """
    if metric not in DISCRETE_METRICS:
        return fit_continuous(blocks, callback)
    counts = classify_columns(blocks)
    chosen = [i for i, vc in enumerate(counts) if vc is not None]
    if not chosen:
        return fit_continuous(blocks, callback)
    rest = [i for i, vc in enumerate(counts) if vc is None]
    labels, chosen_counts = [blocks.labels[i] for i in chosen], [counts[i] for i in chosen]
    for label, vc in zip(labels, chosen_counts, strict=True):
        check_counts(label, vc)  # bad input fails before any fit runs
    n_continuous = len(rest) * len(continuous)
    total = n_continuous + len(chosen) * len(discrete)
    frames_out, attrs = [], {}
    if rest:  # densities first: their input checks come with the first pass
        subset = replace(blocks, labels=[blocks.labels[i] for i in rest],
                         positions=[blocks.positions[i] for i in rest])
        fitted = fit_continuous(subset, _shifted(callback, 0, total))
        attrs = dict(fitted.attrs)
        frames_out.append(fitted)
    records = _fit_counted(labels, chosen_counts, list(discrete), timeout,
                           _reporter(callback, n_continuous, total))
    frames_out.append(build_results(records, metric, labels))
    return _in_column_order(frames_out, blocks.labels, attrs)


def _shifted(callback: Any, offset: int, total: int) -> Any:
    """``callback`` seeing a part's ``(done, part_total, percent)`` as the whole call's."""
    if callback is None:
        return None

    def report(done: int, part_total: int, percent: float) -> None:
        callback(offset + done, total, 100.0 * (offset + done) / total)

    return report


def _in_column_order(parts: list[pd.DataFrame], labels: list[Hashable],
                     attrs: dict) -> pd.DataFrame:
    """One results frame of parts fitted on disjoint columns, columns in ``labels``
    order, each column's rows in their ranked order."""
    combined = pd.concat([p for p in parts if len(p)] or parts[:1], ignore_index=True)
    position = {label: i for i, label in enumerate(labels)}
    order = combined["column"].map(lambda label: position[label]).to_numpy()
    combined = combined.iloc[np.argsort(order, kind="stable")].reset_index(drop=True)
    combined.attrs = attrs
    return apply_dtypes(combined)
