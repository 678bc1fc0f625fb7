"""The tidy results frame: one row per (column, distribution), ranked per column."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
import scipy.stats as st

from .distributions import get_distribution, param_names
from .exceptions import InvalidArgumentError

__all__ = ["METRICS", "RESULT_COLUMNS", "build_results", "check_metric", "to_scipy"]

#: Ranking metrics; lower is better for every one of them.
METRICS = ("aic", "bic", "ks_statistic", "ad_statistic", "sse")

RESULT_COLUMNS = [
    "column", "distribution", "rank", "params", "n_params", "loglik", "aic", "bic",
    "ks_statistic", "ks_pvalue", "ad_statistic", "sse", "n_obs", "n_dropped",
    "fit_seconds", "status", "message",
]  # fmt: skip


def check_metric(metric: object) -> str:
    if not isinstance(metric, str) or metric not in METRICS:
        raise InvalidArgumentError(f"metric must be one of {list(METRICS)}, got {metric!r}")
    return metric


def build_results(records: list[dict], metric: str, column_order: list) -> pd.DataFrame:
    """Rows sorted by ``metric`` within each column (columns in the order asked).

    Failed and timed-out rows come last in their column with an empty ``rank``.
    """
    frame = pd.DataFrame.from_records(records)
    for name in RESULT_COLUMNS:
        if name not in frame.columns:
            frame[name] = np.nan
    position = {label: i for i, label in enumerate(column_order)}
    frame["_column_order"] = [position[c] for c in frame["column"]]
    usable = (frame["status"] == "ok") & np.isfinite(frame[metric].astype(float))
    frame["_unusable"] = ~usable
    frame = frame.sort_values(
        ["_column_order", "_unusable", metric, "distribution"], kind="mergesort"
    ).reset_index(drop=True)
    rank = frame[~frame["_unusable"]].groupby("_column_order").cumcount() + 1
    frame["rank"] = pd.array(rank.reindex(frame.index), dtype="Int64")
    return frame[RESULT_COLUMNS]


def to_scipy(fit: Mapping[str, Any] | pd.Series) -> st.rv_continuous:
    """The frozen scipy distribution of one results row (or any mapping with
    ``distribution`` and ``params``)."""
    try:
        name, params = fit["distribution"], fit["params"]
    except (KeyError, TypeError):
        raise InvalidArgumentError(
            "to_scipy needs a results row with 'distribution' and 'params'"
        ) from None
    if not isinstance(params, Mapping):
        raise InvalidArgumentError(f"the fit of {name!r} has no parameters (status failed?)")
    expected = param_names(name)
    if sorted(params) != sorted(expected):
        raise InvalidArgumentError(
            f"{name} takes parameters {expected}, got {sorted(params)}"
        )
    dist = get_distribution(name)
    *shapes, loc, scale = (float(params[p]) for p in expected)
    return dist(*shapes, loc=loc, scale=scale)
