"""The fitted distributions a plot draws: the best rows of one column of a results frame."""

from __future__ import annotations

import numbers
from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..exceptions import InvalidArgumentError
from ..results import best_rows, to_scipy

__all__ = ["FittedCurve", "resolve_column", "top_fits"]


@dataclass(frozen=True)
class FittedCurve:
    """One fitted distribution: its name, frozen scipy object and AIC."""

    distribution: str
    frozen: Any
    aic: float

    @property
    def label(self) -> str:
        """The legend text: the name and the AIC."""
        return f"{self.distribution} (AIC {self.aic:,.1f})"


def resolve_column(fits: pd.DataFrame, column: Hashable | None) -> Hashable:
    """``column``, checked to be in ``fits``; without it, the only column of ``fits``."""
    if not isinstance(fits, pd.DataFrame) or "column" not in fits.columns:
        raise InvalidArgumentError("fits must be the DataFrame returned by .bestfit.fit()")
    present = list(dict.fromkeys(fits["column"]))
    if column is None:
        if len(present) != 1:
            raise InvalidArgumentError(f"fits holds the columns {present}; name the one to plot "
                                       "with column=")  # fmt: skip
        return present[0]
    if column not in present:
        raise InvalidArgumentError(f"column {column!r} is not in fits; it holds {present}")
    return column


def check_top(top: object) -> int:
    if isinstance(top, bool) or not isinstance(top, numbers.Integral) or top < 1:
        raise InvalidArgumentError(f"top must be a positive integer, got {top!r}")
    return int(top)


def top_fits(fits: pd.DataFrame, column: Hashable, top: int = 3,
             metric: str = "aic") -> list[FittedCurve]:  # fmt: skip
    """The ``top`` best ``status == "ok"`` fits of ``column`` by ``metric``, best first."""
    rows = best_rows(fits, metric=metric, n=check_top(top), columns=[column])
    if rows.empty:
        raise InvalidArgumentError(f"column {column!r} has no fit with status 'ok' in fits")
    return [FittedCurve(str(row["distribution"]), to_scipy(row), float(row["aic"])
                        if np.isfinite(row["aic"]) else float("nan"))
            for _, row in rows.iterrows()]  # fmt: skip
