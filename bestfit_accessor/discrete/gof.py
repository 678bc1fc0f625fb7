"""Goodness of fit for count data: chi-square, discrete KS, AIC/BIC, rootogram.

* **Chi-square** on cells pooled until every expected count is ≥ 5. The starting
  cells run from one observed value to the next (the first reaches down to the
  bottom of the support, the last up to its top, so the cells' probabilities sum to
  1); adjacent cells are merged left to right until each expects ≥ 5, and a short
  remainder joins the last full cell. ``df = cells − 1 − free parameters`` (the
  parameters are estimated from the ungrouped counts, so the p-value is
  approximate, as usual for this test); with ``df ≤ 0`` the p-value is NaN.
  Explicit ``upper_bounds`` reproduce another tool's cells (fitdistrplus' for the
  toxocara reference).
* **Discrete KS statistic**: ``sup |F_n(x) − F(x)|`` over all integers, exact (both
  are step functions, so it is checked at each observed value and just below the
  next). See :data:`KS_NOTE` for why no p-value is reported.
* **AIC/BIC** from the exact log-likelihood and the number of free parameters.
* **Rootogram data**: observed and expected counts per integer value, for plots.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from scipy.stats import chi2

from .counts import ValueCounts

__all__ = [
    "KS_NOTE",
    "MIN_EXPECTED",
    "aic_bic",
    "chi_square",
    "discrete_ks",
    "goodness_of_fit",
    "rootogram",
]

#: Pooling threshold of the chi-square cells.
MIN_EXPECTED = 5.0

#: Why discrete rows carry a KS statistic but no KS p-value.
KS_NOTE = ("The Kolmogorov p-value assumes a continuous distribution; for a discrete "
           "one it is conservative (too large), and more so with estimated parameters, "
           "so only the statistic is reported. Use the chi-square p-value.")


def _cdf(dist: Any, shapes: tuple, loc: int, k: np.ndarray) -> np.ndarray:
    with np.errstate(all="ignore"):
        return np.asarray(dist.cdf(k, *shapes, loc=loc), dtype=float)


def aic_bic(loglik: float, n_params: int, n_obs: int) -> tuple[float, float]:
    """AIC = 2k − 2ℓ and BIC = k·log(n) − 2ℓ."""
    return 2 * n_params - 2 * loglik, n_params * math.log(n_obs) - 2 * loglik


def _observed_and_expected(dist: Any, shapes: tuple, loc: int, vc: ValueCounts,
                           uppers: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Observed and expected counts of cells (−∞, u0], (u0, u1], ..., (u_last, ∞)."""
    n = vc.n
    position = np.searchsorted(uppers, vc.highs, side="left")
    observed = np.bincount(position, weights=vc.counts, minlength=len(uppers) + 1)
    cdf = _cdf(dist, shapes, loc, uppers)
    probs = np.diff(np.concatenate([[0.0], cdf, [1.0]]))
    return observed, n * np.clip(probs, 0.0, None)


def chi_square(dist: Any, shapes: tuple, loc: int, vc: ValueCounts, n_params: int,
               upper_bounds: np.ndarray | None = None) -> dict[str, Any]:
    """Pearson's chi-square: ``chisq, chisq_df, chisq_pvalue, chisq_cells`` and the
    cells' ``observed``/``expected`` counts and upper bounds (last cell open)."""
    if upper_bounds is None:
        uppers = vc.highs[:-1].astype(np.int64)  # a cell ends at each value but the last
        observed, expected = _observed_and_expected(dist, shapes, loc, vc, uppers)
        observed, expected, uppers = _pool(observed, expected, uppers)
    else:
        uppers = np.asarray(upper_bounds, dtype=np.int64)
        observed, expected = _observed_and_expected(dist, shapes, loc, vc, uppers)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(expected > 0, (observed - expected) ** 2 / expected,
                         np.where(observed > 0, np.inf, 0.0))
    stat = float(terms.sum())
    df = len(observed) - 1 - n_params
    pvalue = float(chi2.sf(stat, df)) if df > 0 and math.isfinite(stat) else math.nan
    if df > 0 and stat == math.inf:
        pvalue = 0.0
    return {"chisq": stat, "chisq_df": int(df), "chisq_pvalue": pvalue,
            "chisq_cells": len(observed), "observed": observed, "expected": expected,
            "upper_bounds": uppers}


def _pool(observed: np.ndarray, expected: np.ndarray, uppers: np.ndarray
          ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Merge adjacent cells left to right until each expects ≥ MIN_EXPECTED."""
    obs_out: list[float] = []
    exp_out: list[float] = []
    up_out: list[int] = []
    o_acc = e_acc = 0.0
    for i in range(len(observed)):
        o_acc += observed[i]
        e_acc += expected[i]
        if e_acc >= MIN_EXPECTED:
            obs_out.append(o_acc)
            exp_out.append(e_acc)
            up_out.append(int(uppers[i]) if i < len(uppers) else 0)
            o_acc = e_acc = 0.0
    if (o_acc > 0 or e_acc > 0) or not obs_out:
        if obs_out:  # the short remainder joins the last full cell
            obs_out[-1] += o_acc
            exp_out[-1] += e_acc
        else:
            obs_out, exp_out, up_out = [o_acc], [e_acc], [0]
    # the last cell is open above: its upper bound is not a cut point
    return np.array(obs_out), np.array(exp_out), np.array(up_out[:-1], dtype=np.int64)


def discrete_ks(dist: Any, shapes: tuple, loc: int, vc: ValueCounts) -> float:
    """``sup_x |F_n(x) − F(x)|`` over all integers x (exact for width-1 counts)."""
    empirical = np.cumsum(vc.counts) / vc.n
    at_values = _cdf(dist, shapes, loc, vc.highs)
    below_next = _cdf(dist, shapes, loc, np.append(vc.lows[1:] - 1, vc.lows[0] - 1))
    before = np.append(empirical[:-1], 0.0)  # F_n just below each next value
    gaps = np.concatenate([np.abs(empirical - at_values), np.abs(before - below_next)])
    return float(np.max(gaps))


def rootogram(dist: Any, shapes: tuple, loc: int, vc: ValueCounts,
              max_points: int = 2000) -> dict[str, np.ndarray]:
    """Observed and expected counts per integer from the smallest to the largest
    value (cells of the grouped counts when they are wider, or when there would be
    more than ``max_points`` integers)."""
    if vc.exact and vc.max - vc.min + 1 <= max_points:
        values = np.arange(vc.min, vc.max + 1, dtype=np.int64)
        observed = np.zeros(len(values))
        observed[vc.starts - vc.min] = vc.counts
        with np.errstate(all="ignore"):
            expected = vc.n * np.asarray(dist.pmf(values, *shapes, loc=loc), dtype=float)
        return {"value": values, "observed": observed, "expected": expected}
    cdf_hi = _cdf(dist, shapes, loc, vc.highs)
    cdf_lo = _cdf(dist, shapes, loc, vc.lows - 1)
    return {"value": vc.lows.copy(), "observed": vc.counts.astype(float),
            "expected": vc.n * (cdf_hi - cdf_lo)}


def goodness_of_fit(dist: Any, params: dict[str, float], n_params: int, loglik: float,
                    vc: ValueCounts) -> dict[str, Any]:
    """The row measures of one fit: ``aic, bic, chisq, chisq_df, chisq_pvalue,
    ks_statistic``."""
    loc = int(params.get("loc", 0))
    shapes = tuple(v for k, v in params.items() if k != "loc")
    aic, bic = aic_bic(loglik, n_params, vc.n)
    chi = chi_square(dist, shapes, loc, vc, n_params)
    return {"aic": aic, "bic": bic, "chisq": chi["chisq"], "chisq_df": chi["chisq_df"],
            "chisq_pvalue": chi["chisq_pvalue"],
            "ks_statistic": discrete_ks(dist, shapes, loc, vc)}
