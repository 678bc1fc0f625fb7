"""The seed API's names for censoring, weights, truncation and fixed parameters.

``DistributionFitter.fit`` speaks spark-bestfit's language: ``censoring_column=``
(an event indicator, 1/True = the time was observed, 0/False = right-censored
there), ``bounded=True`` with ``lower_bound=``/``upper_bound=`` (a side not given is
the data's minimum or maximum). This module turns those into the accessor's
``event=``, ``weights=``, ``bounds=`` and ``fixed=`` so both faces run the one
pipeline. Unlike spark-bestfit, a bounded fit maximises the truncated likelihood
rather than truncating an ordinary fit afterwards.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping
from typing import Any

from . import frames
from .exceptions import InvalidArgumentError
from .options import validate

__all__ = ["seed_fit_settings"]


def _data_extremes(df: Any, label: Hashable) -> tuple[float, float]:
    """The finite minimum and maximum of one column (computed where the data live)."""
    if frames.adapter_for(df).name == "dataset":
        return float(df.min(label)), float(df.max(label))
    column = df[label]
    finite = column[(column != math.inf) & (column != -math.inf)]
    return float(finite.min()), float(finite.max())


def _bounded(df: Any, selection: list | None, lower: Any, upper: Any) -> Any:
    """``bounds=`` of ``bounded=True``: the given sides, the data's extremes for the rest."""
    if lower is not None and upper is not None:
        return (lower, upper)
    if not selection:
        raise InvalidArgumentError("bounded=True without both lower_bound and upper_bound "
                                   "needs column= or columns= (the open side is the data's "
                                   "minimum or maximum)")  # fmt: skip
    out = {}
    for label in selection:
        low, high = _data_extremes(df, label)
        out[label] = (low if lower is None else lower, high if upper is None else upper)
    return out


def seed_fit_settings(df: Any, selection: list | None, *, censoring_column: Any = None,
                      weights: Any = None, weight_column: Any = None, bounded: bool = False,
                      lower_bound: Any = None, upper_bound: Any = None, bounds: Any = None,
                      fixed: Mapping | None = None) -> dict[str, Any]:  # fmt: skip
    """Accessor settings (``event``, ``weights``, ``bounds``, ``fixed``) from the seed
    API's keywords; contradictory combinations are an ``InvalidArgumentError``."""
    bounded = validate("bounded", bounded, bool)
    if weights is not None and weight_column is not None:
        raise InvalidArgumentError("give weights= or weight_column= (the same thing), not both")
    if bounds is not None and bounded:
        raise InvalidArgumentError("give bounds=(low, high) or bounded=True with "
                                   "lower_bound/upper_bound, not both")  # fmt: skip
    if not bounded and (lower_bound is not None or upper_bound is not None):
        raise InvalidArgumentError("lower_bound and upper_bound apply with bounded=True")
    if bounded:
        bounds = _bounded(df, selection, lower_bound, upper_bound)
    return {"event": censoring_column, "weights": weights if weight_column is None
            else weight_column, "bounds": bounds, "fixed": fixed}  # fmt: skip
