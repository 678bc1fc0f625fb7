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

Every function takes ``dist`` as an ``rv_continuous`` or a
:class:`.scipy_adapter.ScipyFamily`; scipy's private API is reached only through
the adapter.
"""

from __future__ import annotations

import numpy as np
from scipy import special, stats

from .scipy_adapter import family_of

__all__ = ["FAST_SCIPY_FIT", "cusp_point", "feasible", "limit_point", "neutral_point",
           "screen_points", "start_points"]

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
    family = family_of(dist)
    if family.numargs and family.has_own_fitstart and name not in SKIP_FITSTART:
        guess = family.fitstart(sample)[: family.numargs]
        if family.argcheck(*(float(g) for g in guess)):
            return [float(g) for g in guess]
    return [_neutral_shape(lo, hi) for lo, hi in family.shape_domains()]


_DECILES = np.array([0.1, 0.5, 0.9])
_LAST_QUANTILES: list = [None, None]  # (sample, its 10/50/90 % quantiles)


def _sample_quantiles(sample: np.ndarray) -> np.ndarray:
    """The sample's 10/50/90 % quantiles, computed once per sample (screening asks often)."""
    if _LAST_QUANTILES[0] is not sample:
        _LAST_QUANTILES[:] = [sample, np.quantile(sample, _DECILES)]
    return _LAST_QUANTILES[1]


def _quantile_loc_scale(dist, shapes: list[float], sample: np.ndarray) -> tuple[float, float]:
    """``loc``, ``scale`` matching the sample's 10/50/90 % quantiles."""
    probs = _DECILES
    q = _sample_quantiles(sample)
    z = np.asarray(family_of(dist).dist.ppf(probs, *shapes), dtype=float)
    spread = z[2] - z[0]
    if not (np.all(np.isfinite(z)) and spread > 0):
        return float(q[1]), float(max(q[2] - q[0], 1e-12 * max(1.0, abs(q[1]))))
    scale = (q[2] - q[0]) / spread
    if not scale > 0:
        scale = float(np.std(sample)) or 1.0
    return float(q[1] - scale * z[1]), float(scale)


#: A start's support bound lies at most 1e-3 of this many of its scales outside the data.
MARGIN_SCALES = 1000.0


def feasible(dist, params: np.ndarray, vmin: float, vmax: float) -> np.ndarray:
    """``params`` moved (loc, and scale for bounded supports) so the support covers the data."""
    *shapes, loc, scale = (float(v) for v in params)
    lower, upper = (float(np.asarray(v)) for v in family_of(dist).dist.support(*shapes))
    if not (scale > 0 and np.isfinite(scale)):
        scale = (vmax - vmin) or 1.0
    # Just outside the data: a share of the range; for a one-sided support no more
    # than a share of the start's scale (a heavy tail's range is ~1e5 scales at 1M
    # rows: a bound that far below the minimum puts the start in no basin of the data).
    margin = 1e-3 * (vmax - vmin)
    if np.isfinite(lower) != np.isfinite(upper):
        margin = min(margin, 1e-3 * MARGIN_SCALES * scale)
    lo, hi = vmin - margin, vmax + margin
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


def _truncnorm_start(sample: np.ndarray, vmin: float, vmax: float) -> np.ndarray:
    """A normal truncated just outside the data: the family's natural reading of a sample."""
    mean, sd = float(np.mean(sample)), float(np.std(sample)) or 1.0
    return np.array([(vmin - mean) / sd - 0.5, (vmax - mean) / sd + 0.5, mean, sd])


def _crystalball_start(sample: np.ndarray, vmin: float, vmax: float) -> np.ndarray:
    """A near-normal core (``beta`` = 2, ``m`` = 3) at the sample's median and spread."""
    q25, q50, q75 = np.quantile(sample, [0.25, 0.5, 0.75])
    return np.array([2.0, 3.0, q50, max((q75 - q25) / 1.349, 1e-12)])


def _pearson3_start(sample: np.ndarray, vmin: float, vmax: float) -> np.ndarray:
    """The sample's own mean, spread and skewness: pearson3's parameters by definition.

    A sample skewness beyond 2 (a tail heavier than the exponential's, where the
    moments are dominated by a few extremes) starts instead from the exponential
    member (skew ±2) with its bound just outside the data and the median matched:
    a shape near 0 is a spike at the bound, the wrong basin.
    """
    mean, sd = float(np.mean(sample)), float(np.std(sample)) or 1.0
    skew = float(np.mean(((sample - mean) / sd) ** 3))
    if abs(skew) <= 2.0:
        return np.array([skew if abs(skew) > 1e-3 else 1e-3, mean, sd])
    median, span = float(np.median(sample)), max(vmax - vmin, 1e-300)
    if skew > 0:  # bound below: loc − scale = vmin − margin
        scale = max(median - vmin, 1e-6 * span) / np.log(2.0)
        return np.array([2.0, vmin - 1e-3 * span + scale, scale])
    scale = max(vmax - median, 1e-6 * span) / np.log(2.0)
    return np.array([-2.0, vmax + 1e-3 * span - scale, scale])


#: The shape of :func:`_rdist_start`: a symmetric beta this wide is a normal to ~1e-5.
RDIST_NEAR_NORMAL = 2e4


def _rdist_start(sample: np.ndarray, vmin: float, vmax: float) -> np.ndarray:
    """rdist at its normal limit (variance ``scale² / (c + 1)``), with the sample's mean
    and spread. A screened shape of a few hundred has a support narrower than a skewed
    sample's tail; widened to cover it, the fit ends in a U-shaped basin far below."""
    mean, sd = float(np.mean(sample)), float(np.std(sample)) or 1.0
    return np.array([RDIST_NEAR_NORMAL, mean, sd * np.sqrt(RDIST_NEAR_NORMAL + 1.0)])


#: The smallest shape of :func:`_loggamma_limit_start`: loggamma(100) is a normal
#: to ~1e-2 in skewness.
LOGGAMMA_NEAR_NORMAL = 100.0


def _loggamma_limit_start(sample: np.ndarray, vmin: float, vmax: float) -> np.ndarray:
    """loggamma towards its normal limit, wide enough for the largest value.

    Its log-density holds ``−exp((x − loc)/scale)``: with the sample's mean and
    spread matched (variance ``scale²·ψ₁(c) ≈ scale²/c``), the largest value costs
    ``c·exp((vmax − mean)/(sd·√c))``, so ``√c ≥ (vmax − mean)/sd`` keeps it of
    the order of the bulk's terms. A right-skewed heavy tail otherwise leaves the
    fit stuck where that one term is astronomically negative (1e84 at 100k Pareto
    rows), since its gradient swamps every other.
    """
    mean, sd = float(np.mean(sample)), float(np.std(sample)) or 1.0
    c = float(np.clip(((vmax - mean) / sd) ** 2, LOGGAMMA_NEAR_NORMAL, 1e12))
    scale = sd / np.sqrt(special.polygamma(1, c))
    return np.array([c, mean - scale * special.digamma(c), scale])


#: The asymmetry of :func:`_laplace_asymmetric_limit_start`: far enough towards the
#: exponential limit that the short side is a wall at the data's end.
LAPLACE_ASYMMETRY = 1e-4


def _laplace_asymmetric_limit_start(sample: np.ndarray, vmin: float,
                                    vmax: float) -> np.ndarray:  # fmt: skip
    """laplace_asymmetric near its exponential limit, the cusp at the data's end.

    A skewed heavy tail (Pareto from its minimum) is best described with the cusp on
    the extreme value, a steep short side and the long side's rate matched to the
    mean excess; from the bulk's cusp the climb ends in a local maximum thousands of
    log-units below. The long side is the one the mean leans to.
    """
    mean, median = float(np.mean(sample)), float(np.median(sample))
    if mean >= median:  # long right side: rate κ/scale = 1/(mean − vmin)
        kappa, loc, excess = LAPLACE_ASYMMETRY, vmin, max(mean - vmin, 1e-12)
        return np.array([kappa, loc, kappa * excess])
    kappa, loc, excess = 1.0 / LAPLACE_ASYMMETRY, vmax, max(vmax - mean, 1e-12)
    return np.array([kappa, loc, excess / kappa])  # long left side: rate 1/(κ·scale)


#: Smallest shape of :func:`_gumbel_limit_start`'s Weibull.
GUMBEL_NEAR = 1e5


def _gumbel_limit_start(right: bool):
    """weibull_max (``right``) or weibull_min near its Gumbel limit.

    As ``c → ∞`` with ``loc ∓ scale = μ`` and ``scale / c = β`` held, weibull_max
    tends to gumbel_r(μ, β) and weibull_min to gumbel_l(μ, β). On a right-skewed
    heavy tail weibull_max's optimum lies far along that ridge (Burr XII at 10M
    rows: c ~ 1e5, the Gumbel's own fit), where a climb from the binned optimum,
    stuck at another point of the ridge, ended 1.3e6 log-units short. The start has
    the Gumbel's maximum-likelihood fit to the sample and a shape large enough for
    the support's bound to clear the data's far end twice over.
    """
    gumbel = stats.gumbel_r if right else stats.gumbel_l

    def start(sample: np.ndarray, vmin: float, vmax: float) -> np.ndarray:
        mu, beta = (float(v) for v in gumbel.fit(sample))
        beta = max(beta, 1e-300)
        if right:
            c = float(np.clip(2.0 * (vmax - mu) / beta, GUMBEL_NEAR, 1e12))
            return np.array([c, mu + c * beta, c * beta])
        c = float(np.clip(2.0 * (mu - vmin) / beta, GUMBEL_NEAR, 1e12))
        return np.array([c, mu - c * beta, c * beta])

    return start


#: How far into its tail :func:`_truncnorm_limit_start`'s normal is cut (in its sds).
TRUNCNORM_TAIL = 1e3


def _truncnorm_limit_start(sample: np.ndarray, vmin: float, vmax: float) -> np.ndarray:
    """truncnorm near its exponential limit: a normal cut ``TRUNCNORM_TAIL`` sds
    into its tail, at the data's end on the skewed side, the rate matched to the
    median's distance from that end, the other end unbounded in effect.

    Cut that far out, the normal's log-density is a straight line with a faint
    curvature; on a heavy tail (log-logistic at 10M rows) the likelihood climbs
    towards that limit, and the start just inside the data sat 1e7 log-units
    below scipy's fit.
    """
    median = float(np.median(sample))
    right = float(np.mean(sample)) >= median
    excess = max(median - vmin if right else vmax - median, 1e-300)
    scale = TRUNCNORM_TAIL * excess / np.log(2.0)  # rate TRUNCNORM_TAIL / scale
    gap = 1e-3 * excess  # the bound just outside the data
    if right:
        return np.array([TRUNCNORM_TAIL, TRUNCNORM_TAIL + 1e6,
                         vmin - gap - TRUNCNORM_TAIL * scale, scale])  # fmt: skip
    return np.array([-TRUNCNORM_TAIL - 1e6, -TRUNCNORM_TAIL,
                     vmax + gap + TRUNCNORM_TAIL * scale, scale])  # fmt: skip


#: Families with a start towards a limit, climbed besides the best screened point.
LIMIT_STARTS = {
    "laplace_asymmetric": _laplace_asymmetric_limit_start,
    "loggamma": _loggamma_limit_start,
    "truncnorm": _truncnorm_limit_start,
    "weibull_max": _gumbel_limit_start(right=True),
    "weibull_min": _gumbel_limit_start(right=False),
}

#: Families whose generic start lands in a poor basin, with a start of their own.
SPECIAL_STARTS = {
    "crystalball": _crystalball_start,
    "pearson3": _pearson3_start,
    "rdist": _rdist_start,
    "truncnorm": _truncnorm_start,
}

#: Offsets, in the optimiser's unbounded coordinates, of the shape values tried by
#: :func:`screen_points` around each shape's neutral value.
_GRID = (-2.0, -0.7, 0.7, 2.0)
#: Log-distances to the bound for half-line shapes: 0.03 … 400, far enough out to
#: land on a ridge toward a limit family (``rdist`` or ``fatiguelife`` tending to a normal).
_HALF_LINE = (-3.5, -1.5, 0.0, 1.5, 3.5, 6.0)


def _grid_values(lo: float, hi: float) -> list[float]:
    if np.isfinite(lo) and np.isfinite(hi):
        return [lo + (hi - lo) / (1.0 + np.exp(-t)) for t in _GRID]
    if np.isfinite(lo):
        return [lo + np.exp(t) for t in _HALF_LINE]
    if np.isfinite(hi):
        return [hi - np.exp(t) for t in _HALF_LINE]
    return list(_GRID)


def screen_points(dist, sample: np.ndarray, vmin: float, vmax: float,
                  bounds: list[tuple[float, float]]) -> list[np.ndarray]:  # fmt: skip
    """A small grid of shape values, each with quantile-matched loc and scale.

    A local optimiser from one start ends in whatever basin the start is in
    (``burr`` collapsing to its Gumbel limit, ``loggamma`` on gamma data); scoring
    a few spread-out shapes first costs one likelihood evaluation each. Two
    shapes are crossed (16 points); with more, one shape varies at a time.
    """
    if not dist.numargs:
        return []
    values = [_grid_values(lo, hi) for lo, hi in bounds]
    neutral = [_neutral_shape(lo, hi) for lo, hi in bounds]
    if len(values) == 1:
        combos = [[v] for v in values[0]]
    elif len(values) == 2:
        combos = [[a, b] for a in values[0] for b in values[1]]
    else:
        combos = []
        for i, vals in enumerate(values):
            for v in vals:
                combo = list(neutral)
                combo[i] = v
                combos.append(combo)
    points = [_matched_point(dist, shapes, sample, vmin, vmax) for shapes in combos]
    return [point for point in points if point is not None]


def _matched_point(dist, shapes: list[float], sample: np.ndarray, vmin: float,
                   vmax: float) -> np.ndarray | None:  # fmt: skip
    """``shapes`` with quantile-matched loc and scale covering the data, or None where
    the shapes are invalid or the point is not finite."""
    if not family_of(dist).argcheck(*shapes):
        return None
    point = feasible(dist, np.array([*shapes, *_quantile_loc_scale(dist, shapes, sample)]),
                     vmin, vmax)  # fmt: skip
    return point if np.all(np.isfinite(point)) else None


def neutral_point(dist, sample: np.ndarray, vmin: float, vmax: float,
                  bounds: list[tuple[float, float]]) -> np.ndarray | None:  # fmt: skip
    """The middle of each shape's domain with quantile-matched loc and scale.

    Its first likelihood can be poor, yet on a multi-modal likelihood (``mielke`` and
    ``burr``: a regular optimum and a ridge to a limit family) it is often in the
    regular basin, where the best-scored screened points all lead to the ridge.
    """
    shapes = [_neutral_shape(lo, hi) for lo, hi in bounds]
    return _matched_point(dist, shapes, sample, vmin, vmax) if shapes else None


#: Families whose density can have a finite cusp at ``loc`` (gennorm with a shape below
#: 1), with the shapes of a cusped start: their likelihood has a local maximum with loc
#: on each observation, and the best lies in the densest stretch of the data.
CUSP_SHAPES = {"gennorm": (0.5,), "laplace_asymmetric": (1.0,)}
#: Share of the sample in the shortest window whose middle is the cusp's start.
MODE_WINDOW = 0.1


def cusp_point(name: str, sample: np.ndarray) -> np.ndarray | None:
    """A cusped start at the sample's densest stretch (``None`` for other families)."""
    if name not in CUSP_SHAPES or sample.size < 4:
        return None
    z = np.sort(sample)
    k = max(2, int(MODE_WINDOW * z.size))
    i = int(np.argmin(z[k:] - z[:-k]))
    mode = float(np.median(z[i : i + k + 1]))
    scale = float(np.mean(np.abs(z - mode))) or 1.0
    return np.array([*CUSP_SHAPES[name], mode, scale])


def limit_point(name: str, dist, sample: np.ndarray, vmin: float,
                vmax: float) -> np.ndarray | None:  # fmt: skip
    """A start towards the family's limit (:data:`LIMIT_STARTS`), or None."""
    if name not in LIMIT_STARTS:
        return None
    point = feasible(dist, LIMIT_STARTS[name](sample, vmin, vmax), vmin, vmax)
    return point if np.all(np.isfinite(point)) else None


def start_points(name: str, dist, sample: np.ndarray, vmin: float, vmax: float) -> list[np.ndarray]:
    """Candidate starting parameters (shapes, loc, scale), each covering the data."""
    sub = np.concatenate([sample[:FIT_SUBSAMPLE], [vmin, vmax]])
    starts = []
    if name in SPECIAL_STARTS:
        starts.append(SPECIAL_STARTS[name](sample, vmin, vmax))
    elif name in FAST_SCIPY_FIT:
        starts.append(np.asarray(family_of(dist).dist.fit(sub), dtype=float))
    else:
        shapes = _shape_guess(name, dist, sub)
        loc, scale = _quantile_loc_scale(dist, shapes, sample)
        starts.append(np.array([*shapes, loc, scale]))
    return [feasible(dist, s, vmin, vmax) for s in starts if np.all(np.isfinite(s))]
