"""The one declaration of a fit record: its fields, their dtypes and their meaning.

Everything that knows the shape of a results row is derived from :data:`FIELDS`:
the frame's columns and dtypes, new and failed records, the map back from the
standardised units a fit runs in, the validation of saved fits (JSON, Parquet,
CSV) and the seed API's ``DistributionFit``. Adding a field is one line in
:data:`FIELDS`; give it a ``default`` (so records built before it existed stay
valid) and ``since`` = the saved-fits version that first holds it.

Fits run on ``z = (x − center) / spread``. Every scipy distribution has ``loc`` and
``scale``, so a fit in ``z`` maps exactly back to ``x``; ``to_data`` says how.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "FIELDS",
    "FITS_VERSION",
    "METRICS",
    "RESULT_COLUMNS",
    "STATUSES",
    "UNIT_RULES",
    "Field",
    "apply_dtypes",
    "empty_frame",
    "failed_record",
    "is_missing",
    "new_record",
    "to_data_units",
]

#: A field without a default must be given when a record is built.
REQUIRED: Any = object()

#: How a field maps back from standardised units; ``n`` is ``n_obs``, ``s`` the spread.
UNIT_RULES: dict[str, str] = {
    "same": "unchanged",
    "loc_scale": "loc → center + s·loc, scale → s·scale, shapes unchanged",
    "loglik": "− n·log(s): every density is divided by s",
    "criterion": "+ 2·n·log(s): minus twice the log-likelihood",
    "per_s": "÷ s: an integral of squared densities",
}

#: Logical dtypes: pandas dtypes for numbers and flags; ``label`` (a column name: str
#: or int, its dtype left to pandas), ``text`` (pandas' default string dtype: object,
#: or ``str`` on pandas 3) and ``params`` (a dict, object).
DTYPES = ("label", "text", "params", "float64", "int64", "Int64", "bool")
_NUMERIC = {"float64", "int64", "Int64", "bool"}
_TEXT_DTYPE = pd.Series(["text"]).dtype

STATUSES = ("ok", "failed", "timeout")

_ALL_ROWS = ("every finite value of the column: exact terms for a small column, the merged "
             "fine histogram for a large one")
_SAMPLE = "the uniform random sample of sample_size rows (10 000 by default)"


@dataclass(frozen=True)
class Field:
    """One column of the results frame."""

    name: str
    dtype: str
    description: str
    #: Key of :data:`UNIT_RULES`: how a value in ``z`` units becomes one in data units.
    to_data: str = "same"
    #: What a goodness-of-fit measure is computed on ("" for other fields).
    computed_on: str = ""
    #: A goodness-of-fit measure: NaN unless the fit succeeded.
    measure: bool = False
    #: A ranking metric (lower is better).
    ranks: bool = False
    default: Any = REQUIRED
    #: Allowed values of a text field.
    choices: tuple[str, ...] | None = None
    #: Inclusive bounds a saved value must respect (``None``: unbounded).
    minimum: float | None = None
    maximum: float | None = None
    #: The saved-fits version that first holds this field.
    since: int = 1

    def __post_init__(self) -> None:
        if self.dtype not in DTYPES:
            raise ValueError(f"field {self.name}: unknown dtype {self.dtype!r}")
        if self.to_data not in UNIT_RULES:
            raise ValueError(f"field {self.name}: unknown unit rule {self.to_data!r}")
        if self.ranks and not self.measure:
            raise ValueError(f"field {self.name}: a ranking metric must be a measure")
        if self.since > 1 and self.default is REQUIRED:
            raise ValueError(f"field {self.name}: a field added after version 1 needs a default")

    @property
    def nullable(self) -> bool:
        """Whether a saved value may be missing (NaN for floats, NA, None)."""
        return self.dtype in ("float64", "Int64", "params")

    @property
    def pandas_dtype(self) -> Any:
        if self.dtype == "text":
            return _TEXT_DTYPE
        return self.dtype if self.dtype in _NUMERIC else "object"

    def to_python(self, value: Any) -> Any:
        """A frame cell as a plain Python value (``None`` when missing); an integer
        field read back as float (NaN made it so) becomes ``int`` when exact."""
        if is_missing(value):
            return None
        if isinstance(value, np.generic):
            value = value.item()
        if self.dtype in ("int64", "Int64") and isinstance(value, float) and value.is_integer():
            return int(value)
        return value


def is_missing(value: object) -> bool:
    """``None``, a float NaN, ``pd.NA`` or ``pd.NaT``."""
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, (float, np.floating)) and math.isnan(value)


def _measure(name: str, description: str, to_data: str, computed_on: str, **options: Any) -> Field:
    return Field(name, "float64", description, to_data=to_data, computed_on=computed_on,
                 measure=True, default=math.nan, **options)  # fmt: skip


# fmt: off
FIELDS: tuple[Field, ...] = (
    Field("column", "label", "the column of the input frame"),
    Field("distribution", "text", "registry name of the scipy distribution"),
    Field("rank", "Int64", "1 = best by the ranking metric in its column; NA if not ranked",
          default=None, minimum=1),
    Field("params", "params", "scipy parameter names → values: shapes, then loc, scale",
          to_data="loc_scale", default=None),
    Field("n_params", "int64", "number of fitted parameters", minimum=0),
    _measure("loglik", "log-likelihood at params", "loglik", _ALL_ROWS),
    _measure("aic", "2k − 2·loglik", "criterion", _ALL_ROWS, ranks=True),
    _measure("bic", "k·log(n) − 2·loglik", "criterion", _ALL_ROWS, ranks=True),
    Field("loglik_exact", "bool", "loglik, aic and bic are Σ log f(x_i) over every fitted "
          "value (a small column, or a leading candidate of a large one) rather than the "
          "binned approximation", default=False, since=2),
    _measure("ks_statistic", "Kolmogorov–Smirnov distance", "same", _SAMPLE, ranks=True,
             minimum=0.0, maximum=1.0),
    _measure("ks_pvalue", "p-value of the KS statistic", "same", _SAMPLE,
             minimum=0.0, maximum=1.0),
    _measure("ad_statistic", "Anderson–Darling statistic", "same", _SAMPLE, ranks=True),
    _measure("sse", "Σ width·(histogram density − fitted mean density)² over the bins: the "
             "integrated squared difference of the two densities", "per_s",
             "the fine histogram of every finite value, core bins merged by 8", ranks=True,
             minimum=0.0),
    Field("n_obs", "int64", "finite values of the column used by the fit", minimum=0),
    Field("n_dropped", "int64", "NaN and ±inf values dropped from the column", default=0,
          minimum=0),
    Field("n_point_mass", "int64", "rows set aside as the column's point mass (see message)",
          default=0, minimum=0, since=2),
    Field("fit_seconds", "float64", "wall time of the fit (the timeout for a timed-out fit)",
          default=math.nan, minimum=0.0),
    Field("status", "text", "ok, failed (see message) or timeout", default="ok",
          choices=STATUSES),
    Field("message", "text", "why the fit failed; empty when ok", default=""),
    Field("kind", "text", "continuous (a density) or discrete (a pmf on the integers); "
          "the two kinds are never ranked together", default="continuous",
          choices=("continuous", "discrete"), since=3),
    Field("chisq", "float64", "discrete rows: Pearson chi-square on the exact value counts, "
          "cells pooled to expected ≥ 5", default=math.nan, since=3, minimum=0.0),
    Field("chisq_df", "Int64", "degrees of freedom of chisq: cells − 1 − n_params",
          default=None, since=3),
    Field("chisq_pvalue", "float64", "p-value of chisq (chi-square with chisq_df)",
          default=math.nan, since=3, minimum=0.0, maximum=1.0),
    Field("n_left", "float64", "left-censored observations (value ≤ a point) in n_obs",
          default=0.0, since=4, minimum=0.0),
    Field("n_right", "float64", "right-censored observations (value > a point) in n_obs",
          default=0.0, since=4, minimum=0.0),
    Field("n_interval", "float64", "interval-censored observations (left < value ≤ right) "
          "in n_obs", default=0.0, since=4, minimum=0.0),
    Field("atom_value", "float64", "atoms='model': the hurdle mixture's point mass (params "
          "describe the other values); NaN otherwise", default=math.nan, since=4),
    Field("atom_prob", "float64", "atoms='model': the point mass's probability, n_point_mass "
          "/ n_obs; NaN otherwise", default=math.nan, since=4, minimum=0.0, maximum=1.0),
    Field("trunc_low", "float64", "lower truncation bound of bounds= (the data are known to "
          "lie above it); NaN when not truncated there", default=math.nan, since=4),
    Field("trunc_high", "float64", "upper truncation bound of bounds=; NaN when not "
          "truncated there", default=math.nan, since=4),
)
# fmt: on

BY_NAME: dict[str, Field] = {f.name: f for f in FIELDS}
#: Column names of the results frame, in order.
RESULT_COLUMNS: list[str] = [f.name for f in FIELDS]
#: Ranking metrics; lower is better for every one of them.
METRICS: tuple[str, ...] = tuple(f.name for f in FIELDS if f.ranks)
MEASURES: tuple[str, ...] = tuple(f.name for f in FIELDS if f.measure)
#: Saved-fits version written today (the newest ``since`` of any field).
FITS_VERSION: int = max(f.since for f in FIELDS)


def new_record(column: Hashable, distribution: str, n_params: int, n_obs: int) -> dict:
    """A record before its fit: every measure NaN, ``status="ok"``, no params."""
    record = {f.name: f.default for f in FIELDS}
    record.update(column=column, distribution=distribution, n_params=int(n_params),
                  n_obs=int(n_obs))  # fmt: skip
    return record


def failed_record(column: Hashable, distribution: str, n_params: int, n_obs: int, *,
                  status: str = "failed", message: str = "",
                  fit_seconds: float = math.nan) -> dict:  # fmt: skip
    """A record of a fit that failed or timed out (no params, every measure NaN)."""
    if status not in STATUSES or status == "ok":
        raise ValueError(f"a failed record's status must be 'failed' or 'timeout', got {status!r}")
    record = new_record(column, distribution, n_params, n_obs)
    record.update(status=status, message=message, fit_seconds=fit_seconds)
    return record


def complete_record(record: Mapping[str, Any]) -> dict:
    """Every schema field of ``record`` in order, defaults filled in; extra keys dropped."""
    missing = [f.name for f in FIELDS if f.name not in record and f.default is REQUIRED]
    if missing:
        raise KeyError(f"a fit record lacks the required fields {missing}")
    return {f.name: record[f.name] if f.name in record else f.default for f in FIELDS}


def _loc_scale(params: Any, n: int, center: float, spread: float) -> Any:
    if params is None:
        return None
    out = dict(params)
    with np.errstate(over="ignore"):
        out["loc"] = center + spread * params["loc"]
        out["scale"] = spread * params["scale"]
    return out


def _per_s(value: float, n: int, center: float, spread: float) -> float:
    with np.errstate(over="ignore", under="ignore"):
        return float(np.float64(value) / np.float64(spread))


_BACK = {
    "loc_scale": _loc_scale,
    "loglik": lambda value, n, center, spread: value - n * math.log(spread),
    "criterion": lambda value, n, center, spread: value + 2.0 * (n * math.log(spread)),
    "per_s": _per_s,
}


def to_data_units(record: Mapping[str, Any], center: float, spread: float) -> dict:
    """Map a record fitted on ``z = (x − center) / spread`` back to the data's units.

    Each field follows its ``to_data`` rule. A record without params (a failed fit)
    is returned as is. When ``loc`` or ``scale`` overflow the double range the
    record becomes ``failed`` with NaN measures and no params.
    """
    out = dict(record)
    if record.get("params") is None:
        return out
    n = record["n_obs"]
    for f in FIELDS:
        if f.to_data != "same" and f.name in record:
            out[f.name] = _BACK[f.to_data](record[f.name], n, center, spread)
    loc, scale = out["params"]["loc"], out["params"]["scale"]
    if not (np.isfinite(loc) and np.isfinite(scale) and scale > 0):
        out.update({name: math.nan for name in MEASURES})
        out.update(params=None, status="failed", loglik_exact=False,
                   message="the fitted loc/scale overflow the double range")  # fmt: skip
    return out


def apply_dtypes(frame: pd.DataFrame) -> pd.DataFrame:
    """Cast the number, flag and text fields of a results frame to their declared
    dtypes (in place); labels and params keep what pandas made of them."""
    for f in FIELDS:
        if (f.dtype in _NUMERIC or f.dtype == "text") and f.name in frame.columns:
            frame[f.name] = frame[f.name].astype(f.pandas_dtype)
    return frame


def empty_frame() -> pd.DataFrame:
    """A results frame with no rows: the schema's columns and dtypes."""
    return pd.DataFrame({f.name: pd.Series([], dtype=f.pandas_dtype) for f in FIELDS})
