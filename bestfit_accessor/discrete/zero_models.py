"""Zero-inflated and hurdle count models as scipy ``rv_discrete`` distributions.

Excess zeros are the most common shape of real count data. Two models explain them:

* **zero-inflated** (``zi_poisson``, ``zi_nbinom``): with probability ``pi`` a
  structural zero, otherwise a draw from the base family (which may itself be 0):
  ``p(0) = pi + (1 − pi)·f(0)``, ``p(k) = (1 − pi)·f(k)`` for k ≥ 1.
* **hurdle** (``hurdle_poisson``, ``hurdle_nbinom``): zero with probability ``p0``,
  otherwise a draw from the base family truncated to k ≥ 1:
  ``p(0) = p0``, ``p(k) = (1 − p0)·f(k) / (1 − f(0))``.

They are real ``rv_discrete`` subclasses, so ``cdf``, ``ppf``, ``rvs`` and frozen
distributions work as for scipy's own families. Their shape names come first: the
mixing probability, then the base family's shapes in scipy's order.
"""

from __future__ import annotations

import numpy as np
import scipy.stats as st
from scipy.special import log1p

__all__ = [
    "ZERO_MODELS",
    "hurdle_nbinom",
    "hurdle_poisson",
    "zi_nbinom",
    "zi_poisson",
]


def _log1mexp(log_p: np.ndarray) -> np.ndarray:
    """log(1 − exp(log_p)) for log_p ≤ 0, accurate at both ends."""
    log_p = np.asarray(log_p, dtype=float)
    with np.errstate(divide="ignore"):
        return np.where(log_p > -0.6931471805599453,
                        np.log(-np.expm1(log_p)), log1p(-np.exp(log_p)))


class _ZeroInflated(st.rv_discrete):
    """p(0) = pi + (1 − pi) f(0); p(k) = (1 − pi) f(k) for k ≥ 1."""

    _base: st.rv_discrete

    def _argcheck(self, pi, *base):
        return (pi >= 0) & (pi < 1) & self._base._argcheck(*base)

    def _logpmf(self, k, pi, *base):
        log_f = self._base._logpmf(k, *base)
        with np.errstate(divide="ignore"):
            log_keep = log1p(-pi)
            log_zero = np.logaddexp(np.log(pi), log_keep + log_f)
        return np.where(k == 0, log_zero, log_keep + log_f)

    def _pmf(self, k, pi, *base):
        return np.exp(self._logpmf(k, pi, *base))

    def _cdf(self, k, pi, *base):
        return pi + (1 - pi) * self._base._cdf(k, *base)

    def _sf(self, k, pi, *base):
        return (1 - pi) * self._base._sf(k, *base)

    def _rvs(self, pi, *base, size=None, random_state=None):
        draws = self._base.rvs(*base, size=size, random_state=random_state)
        structural = random_state.uniform(size=size) < pi
        return np.where(structural, 0, draws)


class _Hurdle(st.rv_discrete):
    """p(0) = p0; p(k) = (1 − p0) f(k) / (1 − f(0)) for k ≥ 1."""

    _base: st.rv_discrete

    def _argcheck(self, p0, *base):
        return (p0 >= 0) & (p0 < 1) & self._base._argcheck(*base)

    def _log_positive(self, *base):
        return _log1mexp(self._base._logpmf(0, *base))  # log P(base ≥ 1)

    def _logpmf(self, k, p0, *base):
        with np.errstate(divide="ignore"):
            positive = log1p(-p0) + self._base._logpmf(k, *base) - self._log_positive(*base)
            return np.where(k == 0, np.log(p0), positive)

    def _pmf(self, k, p0, *base):
        return np.exp(self._logpmf(k, p0, *base))

    def _sf(self, k, p0, *base):
        tail = self._base._sf(k, *base) / np.exp(self._log_positive(*base))
        return np.where(k < 0, 1.0, (1 - p0) * np.minimum(tail, 1.0))

    def _cdf(self, k, p0, *base):
        return 1.0 - self._sf(k, p0, *base)

    def _rvs(self, p0, *base, size=None, random_state=None):
        # the positive part by inversion of the base cdf above its zero
        zero = self._base.cdf(0, *base)
        u = random_state.uniform(zero, 1.0, size=size)
        positive = np.maximum(self._base.ppf(u, *base), 1)
        return np.where(random_state.uniform(size=size) < p0, 0, positive)


class _ZIPoisson(_ZeroInflated):
    _base = st.poisson


class _ZINbinom(_ZeroInflated):
    _base = st.nbinom


class _HurdlePoisson(_Hurdle):
    _base = st.poisson


class _HurdleNbinom(_Hurdle):
    _base = st.nbinom


zi_poisson = _ZIPoisson(a=0, name="zi_poisson", shapes="pi, mu")
zi_nbinom = _ZINbinom(a=0, name="zi_nbinom", shapes="pi, n, p")
hurdle_poisson = _HurdlePoisson(a=0, name="hurdle_poisson", shapes="p0, mu")
hurdle_nbinom = _HurdleNbinom(a=0, name="hurdle_nbinom", shapes="p0, n, p")

#: The zero models by name.
ZERO_MODELS: dict[str, st.rv_discrete] = {
    d.name: d for d in (zi_poisson, zi_nbinom, hurdle_poisson, hurdle_nbinom)
}
