"""Kolmogorov–Smirnov and Anderson–Darling against a fitted CDF, from weighted distinct points.

The term path keeps a column as its distinct values with summed (frequency) weights.
Its empirical CDF is a step function that jumps by ``w_i / W`` at each distinct
value ``x_i``, so both statistics are computed exactly from the points, with no
sample:

* KS: ``D = max_i max(F_n(x_i) − F(x_i), F(x_i) − F_n(x_i⁻))``;
* AD: ``A² = W ∫ (F_n − F)² / (F (1 − F)) dF`` integrated in closed form over each
  step: on a step at level ``c`` between ``u = F(a)`` and ``v = F(b)`` the integrand
  is ``−1 + c²/u + (1 − c)²/(1 − u)``, so the step adds
  ``−(v − u) + c² log(v/u) + (1 − c)² log((1 − u)/(1 − v))``.

With unit weights both equal the textbook formulas on the repeated rows, so integer
weights give exactly the statistics of repeating rows. ``dist`` is anything with
``cdf``, ``logcdf`` and ``logsf`` (a frozen scipy distribution, or a
:class:`~bestfit_accessor.results.truncated.TruncatedDistribution`). Pure numpy.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .metrics import ks_pvalue

__all__ = ["weighted_ks_ad"]

_LOG_TINY = float(np.log(np.finfo(float).tiny))


def weighted_ks_ad(dist: Any, values: np.ndarray,
                   weights: np.ndarray) -> tuple[float, float, float]:  # fmt: skip
    """``(ks_statistic, ks_pvalue, ad_statistic)`` of sorted distinct ``values`` with
    positive ``weights`` against ``dist``; the p-value takes ``n = round(Σ w)``."""
    x = np.asarray(values, dtype=float)
    w = np.asarray(weights, dtype=float)
    total = float(w.sum())
    with np.errstate(all="ignore"):
        u = np.clip(np.asarray(dist.cdf(x), dtype=float), 0.0, 1.0)
        log_f = np.maximum(np.asarray(dist.logcdf(x), dtype=float), _LOG_TINY)
        log_s = np.maximum(np.asarray(dist.logsf(x), dtype=float), _LOG_TINY)
    after = np.cumsum(w) / total
    before = np.concatenate([[0.0], after[:-1]])
    ks = float(max(np.max(after - u), np.max(u - before)))
    level = after[:-1]  # the ECDF between x_i and x_{i+1}
    steps = level**2 * np.diff(log_f) + (1.0 - level) ** 2 * -np.diff(log_s)
    ad = total * float(-1.0 - log_s[0] - log_f[-1] + np.sum(steps))
    return ks, ks_pvalue(ks, max(1, round(total))), ad
