"""Starting values for the binned maximum-likelihood fit, without scipy's generic fit.

scipy's generic ``dist.fit`` runs Nelder–Mead on the exact likelihood of the data,
and its ``_fitstart`` integrates moments numerically for families without closed
moments (a second for ``recipinvgauss``). The refinement in :mod:`.fitting` only
needs a point in the right basin, so starts come from:

* scipy's own ``fit`` for the families whose override is closed form or a 1-D
  root search with ``loc`` free (a millisecond on a 2 000-point subsample);
* otherwise shape guesses (scipy's ``_fitstart`` where a family overrides it with
  a moment formula, else a neutral value in the shape's domain) with ``loc`` and
  ``scale`` matched to the sample's 10/50/90 % quantiles through the standardised
  ``ppf``, then moved so the support covers the observed range.
"""

from __future__ import annotations

import numpy as np
import scipy.stats as st

__all__ = ["FAST_SCIPY_FIT", "feasible", "start_points"]

#: Families whose own ``fit`` is fast (closed form or a 1-D search) with loc free.
FAST_SCIPY_FIT = frozenset({
    "cauchy", "expon", "gumbel_l", "gumbel_r", "halfcauchy", "halflogistic", "halfnorm",
    "laplace", "logistic", "norm", "rayleigh", "uniform",
})  # fmt: skip

#: Families whose ``_fitstart`` is slow (numerical moments) or poor; use neutral shapes.
SKIP_FITSTART = frozenset({
    "exponpow", "exponweib", "genexpon", "gompertz", "halfgennorm", "johnsonsb",
    "powerlognorm", "powernorm", "recipinvgauss", "vonmises_line",
})  # fmt: skip

#: Rows of the sample passed to scipy's fast ``fit`` overrides.
FIT_SUBSAMPLE = 2_000


def _neutral_shape(lo: float, hi: float) -> float:
    if np.isfinite(lo) and np.isfinite(hi):
        return 0.5 * (lo + hi)
    if np.isfinite(lo):
        return lo + 1.0 if lo != 0 else 1.0
    if np.isfinite(hi):
        return hi - 1.0
    return 0.0


def _shape_guess(name: str, dist, sample: np.ndarray) -> list[float]:
    overrides = type(dist)._fitstart is not st.rv_continuous._fitstart
    if dist.numargs and overrides and name not in SKIP_FITSTART:
        guess = np.asarray(dist._fitstart(sample), dtype=float)[: dist.numargs]
        if np.all(np.isfinite(guess)) and np.all(dist._argcheck(*guess)):
            return [float(g) for g in guess]
    return [_neutral_shape(*(float(v) for v in info.domain)) for info in dist._shape_info()]


def _quantile_loc_scale(dist, shapes: list[float], sample: np.ndarray) -> tuple[float, float]:
    """``loc``, ``scale`` matching the sample's 10/50/90 % quantiles."""
    probs = np.array([0.1, 0.5, 0.9])
    z = np.asarray(dist.ppf(probs, *shapes), dtype=float)
    q = np.quantile(sample, probs)
    spread = z[2] - z[0]
    if not (np.all(np.isfinite(z)) and spread > 0):
        return float(q[1]), float(max(q[2] - q[0], 1e-12 * max(1.0, abs(q[1]))))
    scale = (q[2] - q[0]) / spread
    if not scale > 0:
        scale = float(np.std(sample)) or 1.0
    return float(q[1] - scale * z[1]), float(scale)


def feasible(dist, params: np.ndarray, vmin: float, vmax: float) -> np.ndarray:
    """``params`` moved (loc, and scale for bounded supports) so the support covers the data."""
    *shapes, loc, scale = (float(v) for v in params)
    lower, upper = (float(np.asarray(v)) for v in dist.support(*shapes))
    margin = 1e-3 * (vmax - vmin)
    lo, hi = vmin - margin, vmax + margin
    if not (scale > 0 and np.isfinite(scale)):
        scale = (vmax - vmin) or 1.0
    if not np.isfinite(loc):
        loc = 0.5 * (vmin + vmax)
    if lower * scale + loc <= vmin and upper * scale + loc >= vmax:
        return np.array([*shapes, loc, scale])
    if np.isfinite(lower) and np.isfinite(upper):
        scale = (hi - lo) / (upper - lower)
        loc = lo - scale * lower
    elif np.isfinite(lower):
        loc = min(loc, lo - scale * lower)
    elif np.isfinite(upper):
        loc = max(loc, hi - scale * upper)
    return np.array([*shapes, loc, scale])


def start_points(name: str, dist, sample: np.ndarray, vmin: float, vmax: float) -> list[np.ndarray]:
    """Candidate starting parameters (shapes, loc, scale), each covering the data."""
    sub = np.concatenate([sample[:FIT_SUBSAMPLE], [vmin, vmax]])
    starts = []
    if name in FAST_SCIPY_FIT:
        starts.append(np.asarray(dist.fit(sub), dtype=float))
    else:
        shapes = _shape_guess(name, dist, sub)
        loc, scale = _quantile_loc_scale(dist, shapes, sample)
        starts.append(np.array([*shapes, loc, scale]))
    return [feasible(dist, s, vmin, vmax) for s in starts if np.all(np.isfinite(s))]
