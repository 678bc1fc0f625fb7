"""Ranking fits: the one rule for "the best rows of each column".

A row qualifies when its ``status`` is ``"ok"`` and its metric is a finite number.
Qualifying rows are ordered by the metric (lower is better), ties broken by the
distribution name, so the order never depends on the order the fits finished in.
The results frame's ``rank``, the copula's marginals and the seed API's
``FitResults.best`` all use it.
"""

from __future__ import annotations

import numbers
from collections.abc import Hashable, Iterable
from typing import Any

import numpy as np
import pandas as pd

from ..exceptions import InvalidArgumentError
from .schema import METRICS, RESULT_COLUMNS, apply_dtypes, complete_record
from .scipy_view import normalize_params

__all__ = ["best_rows", "build_results", "check_metric"]


def check_metric(metric: object) -> str:
    if not isinstance(metric, str) or metric not in METRICS:
        raise InvalidArgumentError(f"metric must be one of {list(METRICS)}, got {metric!r}")
    return metric


def _sorted_within_columns(
    fits: pd.DataFrame, metric: str, order: dict[Hashable, int]
) -> tuple[pd.DataFrame, np.ndarray]:
    """Rows of the columns in ``order``, grouped by column in that order, qualifying rows
    first by (metric, distribution), then the others; and which rows qualify."""
    position = fits["column"].map(lambda label: order.get(label, -1)).to_numpy()
    score = pd.to_numeric(fits[metric], errors="coerce").astype(float).to_numpy()
    usable = (fits["status"] == "ok").to_numpy() & np.isfinite(score)
    keys = pd.DataFrame({"position": position, "unusable": ~usable, "score": score,
                         "distribution": fits["distribution"].astype(str).to_numpy()})  # fmt: skip
    keys = keys[keys["position"] >= 0].sort_values(
        ["position", "unusable", "score", "distribution"], kind="mergesort"
    )
    rows = keys.index.to_numpy()
    return fits.iloc[rows], usable[rows]


def _column_order(fits: pd.DataFrame, columns: Iterable[Hashable] | None) -> dict[Hashable, int]:
    present = dict.fromkeys(fits["column"])
    if columns is None:
        return {label: i for i, label in enumerate(present)}
    if isinstance(columns, (str, bytes)) or not isinstance(columns, Iterable):
        columns = [columns]
    order: dict[Hashable, int] = {}
    for label in columns:
        if label not in present:
            raise InvalidArgumentError(f"column {label!r} is not in fits")
        order.setdefault(label, len(order))
    return order


def best_rows(fits: pd.DataFrame, metric: str = "aic", n: int | None = 1,
              columns: Iterable[Hashable] | Hashable | None = None) -> pd.DataFrame:  # fmt: skip
    """The ``n`` best rows of each column by ``metric`` (``n=None``: every qualifying row).

    Only rows with ``status == "ok"`` and a finite metric qualify; ties are broken by
    the distribution name. Columns come in first-appearance order, or in the order of
    ``columns``; a column without a qualifying row contributes none. The rows keep
    their index in ``fits``; their ``params`` are normalised to dicts whatever form
    they were stored in (see :func:`bestfit_accessor.params_of`).
    """
    if not isinstance(fits, pd.DataFrame):
        raise InvalidArgumentError(
            f"fits must be the DataFrame returned by .bestfit.fit(), got {type(fits).__name__}"
        )
    metric = check_metric(metric)
    if n is not None and (isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < 1):
        raise InvalidArgumentError(f"n must be a positive integer or None, got {n!r}")
    missing = sorted({"column", "distribution", "params", "status", metric} - set(fits.columns))
    if missing:
        raise InvalidArgumentError(f"fits lacks the columns {missing}; pass the DataFrame "
                                   "returned by .bestfit.fit()")  # fmt: skip
    rows, usable = _sorted_within_columns(fits, metric, _column_order(fits, columns))
    best = rows[usable]
    if n is not None:
        best = best.groupby("column", sort=False, dropna=False).head(n)
    best = best.copy()
    best["params"] = [
        normalize_params(name, params, f"the best fit of column {label!r}")
        for label, name, params in zip(best["column"], best["distribution"], best["params"],
                                       strict=True)
    ]  # fmt: skip
    return best


def build_results(records: list[dict[str, Any]], metric: str,
                  column_order: list[Hashable]) -> pd.DataFrame:  # fmt: skip
    """The results frame: rows sorted by ``metric`` within each column, columns in the
    order asked; ``rank`` 1, 2, … on the qualifying rows, NA on the rest (which come last).
    """
    metric = check_metric(metric)
    frame = pd.DataFrame.from_records([complete_record(r) for r in records],
                                      columns=RESULT_COLUMNS)  # fmt: skip
    order = {label: i for i, label in enumerate(column_order)}
    frame, usable = _sorted_within_columns(frame, metric, order)
    frame = frame.reset_index(drop=True)
    rank = frame[usable].groupby("column", sort=False, dropna=False).cumcount() + 1
    frame["rank"] = pd.array(rank.reindex(frame.index), dtype="Int64")
    return apply_dtypes(frame)
