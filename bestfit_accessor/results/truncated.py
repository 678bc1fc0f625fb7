"""A frozen scipy distribution truncated to ``[low, high]``: what a truncated fit describes.

``fit(..., bounds=(lo, hi))`` maximises the likelihood of the family *truncated* to
the bounds, so its parameters are those of the untruncated family and the fitted
distribution of the data is that family conditioned on ``lo ≤ X ≤ hi``.
:class:`TruncatedDistribution` wraps the frozen family and gives the methods users
call on a frozen scipy distribution (``pdf``, ``logpdf``, ``cdf``, ``logcdf``,
``sf``, ``logsf``, ``ppf``, ``isf``, ``rvs``, ``mean``, ``var``, ``std``,
``median``, ``support``, ``interval``, ``expect``).

Precision in the tails: the window's mass ``Z = F(hi) − F(lo)`` is taken as a CDF
difference when ``lo`` lies below the median and as an SF difference above it, so
truncating far in the upper tail (``lo`` at the 99.99th percentile) keeps its
digits; the truncated SF is ``(S(x) − S(hi)) / Z`` for the same reason, and
``ppf`` inverts through the SF where the quantile lies in the upper half.

scipy 1.15+ has ``scipy.stats.truncate`` for its new distribution infrastructure,
but ``make_distribution`` does not accept every registered family (custom
``rv_continuous`` subclasses, several with shape constraints), so this small class
wraps any frozen ``rv_continuous``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .derived import DerivedDistribution

__all__ = ["TruncatedDistribution", "bounds_of"]


class TruncatedDistribution(DerivedDistribution):
    """``frozen`` conditioned on ``low ≤ X ≤ high`` (either bound may be infinite)."""

    def __init__(self, frozen: Any, low: float | None = None, high: float | None = None) -> None:
        self.base = frozen
        self.low = -math.inf if low is None or _nan(low) else float(low)
        self.high = math.inf if high is None or _nan(high) else float(high)
        if not self.low < self.high:
            raise ValueError(f"truncation bounds must satisfy low < high; got "
                             f"({self.low}, {self.high})")  # fmt: skip
        self.dist = getattr(frozen, "dist", None)
        self.args = getattr(frozen, "args", ())
        self.kwds = getattr(frozen, "kwds", {})
        self.cdf_low = float(frozen.cdf(self.low))
        self.sf_low = float(frozen.sf(self.low))
        self.cdf_high = float(frozen.cdf(self.high))
        self.sf_high = float(frozen.sf(self.high))
        # The upper form when the window starts above the median: SF differences.
        self._upper = self.cdf_low > 0.5
        mass = (self.sf_low - self.sf_high) if self._upper else (self.cdf_high - self.cdf_low)
        if not mass > 0:
            raise ValueError(f"the distribution has no mass in [{self.low}, {self.high}]")
        self.mass = float(mass)
        self._log_mass = math.log(self.mass)

    def __repr__(self) -> str:
        name = getattr(self.dist, "name", type(self.base).__name__)
        return f"TruncatedDistribution({name}, low={self.low}, high={self.high})"

    # ---------------------------------------------------------------- density

    def _inside(self, x: np.ndarray) -> np.ndarray:
        return (x >= self.low) & (x <= self.high)

    def logpdf(self, x: Any) -> np.ndarray:
        x = np.asarray(x, dtype=float)
        with np.errstate(all="ignore"):
            out = np.asarray(self.base.logpdf(x), dtype=float) - self._log_mass
        return np.where(self._inside(x), out, -np.inf)[()]

    def pdf(self, x: Any) -> np.ndarray:
        return np.exp(self.logpdf(x))

    # ---------------------------------------------------------------- the CDF

    def cdf(self, x: Any) -> np.ndarray:
        x = np.asarray(x, dtype=float)
        xc = np.clip(x, self.low, self.high)
        with np.errstate(all="ignore"):
            if self._upper:
                out = (self.sf_low - self.base.sf(xc)) / self.mass
            else:
                out = (self.base.cdf(xc) - self.cdf_low) / self.mass
        return np.clip(out, 0.0, 1.0)[()]

    def sf(self, x: Any) -> np.ndarray:
        x = np.asarray(x, dtype=float)
        xc = np.clip(x, self.low, self.high)
        with np.errstate(all="ignore"):
            if self._upper:
                out = (self.base.sf(xc) - self.sf_high) / self.mass
            else:
                out = (self.cdf_high - self.base.cdf(xc)) / self.mass
                # Far in the upper tail the CDF difference cancels: the SF's is exact.
                near_top = self.base.cdf(xc) > 0.5
                out = np.where(near_top, (self.base.sf(xc) - self.sf_high) / self.mass, out)
        return np.clip(out, 0.0, 1.0)[()]

    # ------------------------------------------------------------- quantiles

    def ppf(self, q: Any) -> np.ndarray:
        q = np.asarray(q, dtype=float)
        with np.errstate(all="ignore"):
            if self._upper:
                out = self.base.isf(self.sf_low - q * self.mass)
            else:
                out = self.base.ppf(self.cdf_low + q * self.mass)
            out = np.clip(out, self.low, self.high)
        return np.where((q >= 0) & (q <= 1), out, np.nan)[()]

    def support(self) -> tuple[float, float]:
        a, b = self.base.support()
        return float(max(a, self.low)), float(min(b, self.high))

    # --------------------------------------------------------------- moments

    def expect(self, func: Any = None, **kwds: Any) -> float:
        """``E[func(X)]`` under the truncated law (scipy's conditional expectation)."""
        return float(self.base.expect(func, lb=self.low, ub=self.high, conditional=True,
                                      **kwds))  # fmt: skip

    def mean(self) -> float:
        return self.expect()

    def var(self) -> float:
        m = self.mean()
        return self.expect(lambda x: (x - m) ** 2)


def bounds_of(row: Any) -> tuple[float, float] | None:
    """``(trunc_low, trunc_high)`` of a results row fitted with ``bounds=`` (an open
    side as ∓inf), or None for an untruncated row."""
    low, high = (_field(row, key) for key in ("trunc_low", "trunc_high"))
    if low is None and high is None:
        return None
    return (-math.inf if low is None else low), (math.inf if high is None else high)


def _field(row: Any, key: str) -> float | None:
    try:
        value = row[key]
    except (KeyError, TypeError, IndexError):
        return None
    return None if value is None or _nan(value) else float(value)


def _nan(value: Any) -> bool:
    try:
        return math.isnan(float(value))
    except (TypeError, ValueError):
        return False
