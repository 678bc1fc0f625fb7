"""The methods every distribution built from a fitted scipy one shares.

:class:`~bestfit_accessor.results.truncated.TruncatedDistribution` and
:class:`~bestfit_accessor.results.hurdle.HurdleMixture` answer the calls users make
on a frozen scipy distribution. Each defines its own ``cdf``, ``sf``, ``ppf``,
``mean`` and ``var``; the rest follow from those and live here once.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

__all__ = ["DerivedDistribution"]


class DerivedDistribution:
    """``isf``, ``logcdf``, ``logsf``, ``interval``, ``rvs``, ``median`` and ``std``
    from a subclass's ``cdf``, ``sf``, ``ppf`` and ``var``."""

    def cdf(self, x: Any) -> np.ndarray:
        raise NotImplementedError

    def sf(self, x: Any) -> np.ndarray:
        raise NotImplementedError

    def ppf(self, q: Any) -> np.ndarray:
        raise NotImplementedError

    def var(self) -> float:
        raise NotImplementedError

    def isf(self, q: Any) -> np.ndarray:
        """``ppf(1 − q)``."""
        return self.ppf(1.0 - np.asarray(q, dtype=float))

    def logcdf(self, x: Any) -> np.ndarray:
        with np.errstate(divide="ignore"):
            return np.log(self.cdf(x))

    def logsf(self, x: Any) -> np.ndarray:
        with np.errstate(divide="ignore"):
            return np.log(self.sf(x))

    def interval(self, confidence: float) -> tuple[float, float]:
        """The central interval holding ``confidence`` of the mass (by ``ppf``)."""
        tail = (1.0 - confidence) / 2.0
        return float(self.ppf(tail)), float(self.ppf(1.0 - tail))

    def rvs(self, size: Any = None, random_state: Any = None) -> np.ndarray:
        """Draws by inverting the CDF at uniforms (a ``RandomState`` or any seed)."""
        rng = random_state if isinstance(random_state, np.random.RandomState) \
            else np.random.default_rng(random_state)
        return self.ppf(rng.uniform(size=size))

    def median(self) -> float:
        return float(self.ppf(0.5))

    def std(self) -> float:
        return math.sqrt(self.var())
