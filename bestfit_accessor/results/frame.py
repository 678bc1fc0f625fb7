"""The tidy results frame: one row per (column, distribution), ranked per column."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
import scipy.stats as st

from ..exceptions import BestFitError, InvalidArgumentError
from ..fitting.registry import get_distribution, param_names
from .jsonio import check_label, check_params, dump_json, is_real, load_json

__all__ = [
    "METRICS",
    "RESULT_COLUMNS",
    "build_results",
    "check_metric",
    "fits_from_json",
    "fits_to_json",
    "to_scipy",
]

FITS_FORMAT = "bestfit_accessor.fits"
FITS_VERSION = 1
#: Most rows a saved fits file may hold.
MAX_SAVED_ROWS = 1_000_000
_STATUSES = ("ok", "failed", "timeout")
_FLOAT_FIELDS = ("loglik", "aic", "bic", "ks_statistic", "ks_pvalue", "ad_statistic", "sse",
                 "fit_seconds")  # fmt: skip
_INT_FIELDS = ("n_params", "n_obs", "n_dropped")

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


def _json_number(value: Any) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


def fits_to_json(fits: pd.DataFrame, path: str | os.PathLike | None = None) -> str:
    """Save a results frame as JSON (``NaN`` becomes ``null``); returns the text."""
    missing = [c for c in RESULT_COLUMNS if c not in fits.columns]
    if missing:
        raise InvalidArgumentError(f"not a results frame of .bestfit.fit(): missing {missing}")
    rows = []
    for record in fits[RESULT_COLUMNS].to_dict(orient="records"):
        row = {
            "column": check_label(record["column"], "fits_to_json"),
            "distribution": record["distribution"],
            "params": record["params"] if isinstance(record["params"], Mapping) else None,
            "status": record["status"],
            "message": str(record["message"]),
        }
        for name in _FLOAT_FIELDS:
            row[name] = _json_number(record[name])
        for name in (*_INT_FIELDS, "rank"):
            row[name] = None if pd.isna(record[name]) else int(record[name])
        rows.append(row)
    return dump_json({"format": FITS_FORMAT, "version": FITS_VERSION, "rows": rows}, path)


def _check_row(index: int, row: object) -> dict:
    where = f"row {index}"
    if not isinstance(row, Mapping):
        raise InvalidArgumentError(f"{where} must be a JSON object")
    expected = set(RESULT_COLUMNS)
    if set(row) != expected:
        raise InvalidArgumentError(
            f"{where} must have the fields {sorted(expected)}; missing "
            f"{sorted(expected - set(row))}, unexpected {sorted(map(str, set(row) - expected))}"
        )
    out = {"column": check_label(row["column"], where)}
    status = row["status"]
    if status not in _STATUSES:
        raise InvalidArgumentError(f"{where}: status must be one of {_STATUSES}, got {status!r}")
    name = row["distribution"]
    if row["params"] is None and status != "ok":
        _known_distribution(name, where)
        out["params"] = None
    else:
        out["params"] = check_params(name, row["params"], where)
    out["distribution"] = name
    out["status"] = status
    if not isinstance(row["message"], str) or len(row["message"]) > 100_000:
        raise InvalidArgumentError(f"{where}: message must be a string")
    out["message"] = row["message"]
    for field in _FLOAT_FIELDS:
        value = row[field]
        if value is not None and not is_real(value):
            raise InvalidArgumentError(f"{where}: {field} must be a number or null")
        out[field] = np.nan if value is None else float(value)
    for field in (*_INT_FIELDS, "rank"):
        value = row[field]
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)
                                  or not 0 <= value < 2**63):  # fmt: skip
            raise InvalidArgumentError(f"{where}: {field} must be a non-negative integer or null")
        out[field] = value
    if out["params"] is not None and out["n_params"] != len(out["params"]):
        raise InvalidArgumentError(f"{where}: n_params disagrees with params")
    return out


def _known_distribution(name: object, where: str) -> None:
    if not isinstance(name, str):
        raise InvalidArgumentError(f"{where}: the distribution name must be a string")
    try:
        param_names(name)  # registry lookup, never getattr on the string
    except BestFitError as exc:
        raise InvalidArgumentError(f"{where}: {exc}") from None


def fits_from_json(source: str | os.PathLike) -> pd.DataFrame:
    """Load a results frame saved by :func:`fits_to_json`, validating every field."""
    data = load_json(source, "saved fits")
    if not isinstance(data, Mapping) or set(data) != {"format", "version", "rows"}:
        raise InvalidArgumentError("saved fits must be an object with format, version and rows")
    if data["format"] != FITS_FORMAT:
        raise InvalidArgumentError(f"not saved fits (format {data['format']!r})")
    if isinstance(data["version"], bool) or data["version"] != FITS_VERSION:
        raise InvalidArgumentError(f"unsupported fits version {data['version']!r}")
    rows = data["rows"]
    if not isinstance(rows, list) or len(rows) > MAX_SAVED_ROWS:
        raise InvalidArgumentError(f"rows must be a list of at most {MAX_SAVED_ROWS} objects")
    records = [_check_row(i, row) for i, row in enumerate(rows)]
    frame = pd.DataFrame.from_records(records, columns=RESULT_COLUMNS)
    frame["rank"] = pd.array(frame["rank"], dtype="Int64")
    return frame
