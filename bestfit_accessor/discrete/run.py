"""The discrete fit path: value counts per block in Ray tasks, fits in Ray tasks.

``df.bestfit.fit(..., distributions="discrete")`` comes here from the pipeline once
the frame is in blocks. One pass over the blocks returns each column's exact value
counts (:mod:`.counts`, small: one entry per distinct value), merged on the driver;
each (column, family) is then fitted in its own Ray task on those counts, and the
records go into the usual results frame with ``kind="discrete"`` and the
chi-square fields. Ray is reached only through :mod:`bestfit_accessor.runtime`.
"""

from __future__ import annotations

from collections.abc import Hashable
from functools import reduce
from typing import Any

import pandas as pd

from .. import frames, runtime
from ..exceptions import InsufficientDataError, InvalidArgumentError, NonIntegerValuesError
from ..results import build_results, failed_record, new_record
from .counts import ValueCounts, block_value_counts, merge_value_counts
from .fit import fit_discrete
from .gof import goodness_of_fit
from .registry import get_discrete_family

__all__ = ["DISCRETE_METRICS", "check_counts", "count_columns", "fit_discrete_blocks",
           "fit_record"]

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


def fit_discrete_blocks(blocks: frames.BlockSet, names: list[str], metric: str,
                        timeout: float | None, callback: Any = None) -> pd.DataFrame:
    """Fit the discrete ``names`` to every column of ``blocks``; the results frame."""
    if metric not in DISCRETE_METRICS:
        raise InvalidArgumentError(
            f"metric {metric!r} is not defined for discrete fits; use one of "
            f"{list(DISCRETE_METRICS)}")
    counts = count_columns(blocks)
    for label, vc in zip(blocks.labels, counts, strict=True):
        check_counts(label, vc)
    refs = [runtime.put(vc) for vc in counts]  # once per column, shared by its fits
    calls = [(label, name, ref) for label, ref in zip(blocks.labels, refs, strict=True)
             for name in names]

    def on_done(done: int, total: int) -> None:
        if callback is not None:
            callback(done, total, 100.0 * done / total)

    outcomes = runtime.run_tasks(fit_record, calls, timeout=timeout, on_done=on_done)
    by_label = dict(zip(blocks.labels, counts, strict=True))
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
    return build_results(records, metric, blocks.labels)
