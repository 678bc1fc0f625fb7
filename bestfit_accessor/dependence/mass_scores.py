"""Normal scores and inverse transforms of marginals with mass points.

The Gaussian copula of a column with mass points (a count column, or a continuous
column with a hurdle atom) is the latent-normal model: a standard normal ``Z`` is
mapped to ``X = F⁻¹(Φ(Z))`` with the generalised inverse, so every value ``k`` that
carries mass is the image of a whole *cell* of ``z``: ``(a_k, b_k] =
(Φ⁻¹(F(k⁻)), Φ⁻¹(F(k))]``. Sampling (:meth:`from_z`) is exactly that map: it
returns each cell's value (an integer for a count column).

Fitting needs a score of each row on the normal scale. The distributional
transform (randomised PIT) ``U = F(k⁻) + V·p(k)``, ``V ~ U(0, 1)`` makes ``Φ⁻¹(U)``
exactly standard normal, and given ``X = k`` it is the standard normal truncated to
the cell. We use its mean over ``V`` instead, the cell's conditional mean

    ``m_k = E[Z | a_k < Z ≤ b_k] = (φ(a_k) − φ(b_k)) / p(k)``,

which is the randomised PIT's score Rao–Blackwellised: the same expected
cross-products ``E[g₁(Z₁) g₂(Z₂)]`` (the jitter is independent between columns) with
strictly less variance, no random numbers (so the estimate depends on neither a
seed nor the partitioning), and the same cells the sampler maps back from. The
mid-distribution transform ``Φ⁻¹(F(k⁻) + p(k)/2)`` is not a conditional mean and
has no such exact correction. A score, mass point or not, attenuates the
correlation (the within-cell spread is lost); :mod:`.latent` removes the
attenuation exactly, from the scores' Hermite coefficients (:meth:`hermite`).

Each table here has the interface of
:class:`~bestfit_accessor.dependence.normal_scores.NormalScoreTable`: ``to_z`` (row
scores, for fitting), ``from_z`` (values, for sampling), ``integer`` (whether sampled
values are integers) and ``hermite(order)``. A truncated continuous marginal
(``fit(..., bounds=...)``) has no mass point; its table (:class:`TruncatedScoreTable`)
lives here beside the hurdle's as the other wrapper of a continuous table. Pure
numpy/scipy.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.stats as st
from scipy.special import ndtr, ndtri

from ..results.truncated import TruncatedDistribution
from .normal_scores import NormalScoreTable, build_table

__all__ = [
    "EDGE_CLIP",
    "MAX_CELLS",
    "DiscreteScoreTable",
    "HurdleScoreTable",
    "TruncatedScoreTable",
    "build_discrete_table",
    "build_hurdle_table",
    "build_score_table",
    "build_truncated_table",
    "cell_hermite",
    "continuous_hermite",
]

#: Most integer cells tabulated per count marginal; values beyond (a heavy tail's
#: rare extremes) are computed with scipy when met, and their cells are treated as
#: continuous in the Hermite coefficients (they are narrow there).
MAX_CELLS = 1 << 18
#: The table covers the values of probability above this in each tail.
TAIL_PROB = 1e-15
#: Cell edges are clipped to ±EDGE_CLIP (Φ(−9) ≈ 1e-19) in the Hermite sums.
EDGE_CLIP = 9.0
#: Cells narrower than this in z count as continuous in the Hermite coefficients.
THIN_CELL = 1e-5
_PHI0 = 1.0 / math.sqrt(2.0 * math.pi)


def _phi(z: np.ndarray) -> np.ndarray:
    return _PHI0 * np.exp(-0.5 * z * z)


def _to_normal(lower: np.ndarray, upper: np.ndarray) -> np.ndarray:
    """``Φ⁻¹`` of a probability given as ``lower = F`` and ``upper = 1 − F``: the smaller
    one is used, which keeps both tails accurate."""
    return np.where(lower <= upper, ndtri(lower), -ndtri(upper))


def _cell_means(a: np.ndarray, b: np.ndarray, mass: np.ndarray) -> np.ndarray:
    """``E[Z | a < Z ≤ b]`` for cells of probability ``mass``; the edge where a cell is
    too thin to divide by (or has no mass)."""
    with np.errstate(all="ignore"):
        m = (_phi(a) - _phi(b)) / mass
    bad = ~np.isfinite(m) | (mass <= 1e-300)
    if bad.any():
        m[bad] = np.where(np.isfinite(a[bad]), a[bad], b[bad])
    return np.clip(m, a, b)


def _cells(frozen: Any, k: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Edges ``(a_k, b_k]`` in z and probability ``p(k)`` of integer values ``k``."""
    with np.errstate(all="ignore"):
        cdf_hi, sf_hi = frozen.cdf(k), frozen.sf(k)
        cdf_lo, sf_lo = frozen.cdf(k - 1), frozen.sf(k - 1)
        mass = frozen.pmf(k)
    return _to_normal(cdf_lo, sf_lo), _to_normal(cdf_hi, sf_hi), np.asarray(mass, dtype=float)


# ------------------------------------------------------------------ Hermite coefficients


def _hermite_steps(z: np.ndarray, order: int):
    """Yield ``h_j(z)·φ(z)`` for j = 0 .. order (orthonormal Hermite ``h_j = He_j/√j!``),
    one row at a time (the edges of a long count table times hundreds of orders
    would not fit in memory at once); ``z`` is clipped to ±EDGE_CLIP."""
    z = np.clip(np.asarray(z, dtype=float), -EDGE_CLIP, EDGE_CLIP)
    weight = _phi(z)
    prev, cur = np.zeros_like(z), np.ones_like(z)
    yield weight
    for j in range(1, order + 1):
        prev, cur = cur, (z * cur - math.sqrt(j - 1) * prev) / math.sqrt(j)
        yield cur * weight


def continuous_hermite(order: int) -> tuple[np.ndarray, float]:
    """Coefficients ``d_j = E[g(Z) h_j(Z)]`` (j = 0 .. order) and ``Var g`` of ``g(z) = z``."""
    d = np.zeros(order + 1)
    d[1] = 1.0
    return d, 1.0


def cell_hermite(a: np.ndarray, b: np.ndarray, means: np.ndarray,
                 order: int) -> tuple[np.ndarray, float]:  # fmt: skip
    """Coefficients ``d_j = E[g(Z) h_j(Z)]`` (j = 0 .. order) and ``Var g`` of the score
    ``g = m_k`` on cells ``(a_k, b_k]`` (disjoint, in increasing order) and ``g(z) = z``
    elsewhere.

    ``d_j = δ_j1 + Σ_k ∫_{cell k} (m_k − z) h_j φ dz``, with ``I_j = ∫_a^b h_j φ`` in
    closed form (``Φ(b) − Φ(a)`` for j = 0, ``(h_{j−1}φ(a) − h_{j−1}φ(b)) / √j`` above)
    and ``z h_j = √(j+1) h_{j+1} + √j h_{j−1}``. The cells' probabilities are taken
    from the (clipped) edges, so the sums are consistent with each other.
    """
    a = np.clip(np.asarray(a, dtype=float), -EDGE_CLIP, EDGE_CLIP)
    b = np.clip(np.asarray(b, dtype=float), -EDGE_CLIP, EDGE_CLIP)
    means = np.asarray(means, dtype=float)
    d, _ = continuous_hermite(order)
    steps_a, steps_b = _hermite_steps(a, order + 1), _hermite_steps(b, order + 1)
    # I_{j−1}, I_j, I_{j+1} are kept as a sliding window over j.
    previous = None
    current = ndtr(b) - ndtr(a)  # I_0
    mass = current
    for j in range(order + 1):
        hphi_a, hphi_b = next(steps_a), next(steps_b)  # h_j φ at the edges
        following = (hphi_a - hphi_b) / math.sqrt(j + 1)  # I_{j+1}
        z_term = math.sqrt(j + 1) * following
        if previous is not None:
            z_term = z_term + math.sqrt(j) * previous
        d[j] += float(np.sum(means * current - z_term))
        previous, current = current, following
    # Var g = E[g²] (E g = 0): Σ p_k m_k² + ∫ z² φ outside the cells, where
    # ∫_a^b z² φ = Φ(b) − Φ(a) − [zφ]_a^b.
    z2_inside = mass - (b * _phi(b) - a * _phi(a))
    variance = 1.0 - float(np.sum(z2_inside)) + float(np.sum(mass * means * means))
    return d, variance


# ---------------------------------------------------------------------- count columns


@dataclass
class DiscreteScoreTable:
    """A count marginal's cells, tabulated for the integers ``k_lo .. k_lo + n − 1``."""

    name: str
    params: dict
    k_lo: int
    upper_edges: np.ndarray  # b_k of every tabulated k (non-decreasing)
    lower_edges: np.ndarray  # a_k
    means: np.ndarray  # m_k
    frozen: Any = field(repr=False, compare=False)
    integer: bool = True
    #: A heavy upper tail cut by MAX_CELLS whose scipy cdf/sf is a sum over every
    #: integer (zipf, betanbinom: minutes at 1e9) continues beyond ``k_hi`` as the
    #: power law ``sf(k) = tail_sf·(k / k_hi)^−tail_alpha`` matched to the table's last
    #: doubling; None: scipy's own sf is used there.
    tail_alpha: float | None = None
    tail_sf: float = 0.0

    @property
    def k_hi(self) -> int:
        return self.k_lo + self.means.size - 1

    def _tail_sf(self, k: np.ndarray) -> np.ndarray:
        with np.errstate(all="ignore"):
            return self.tail_sf * (np.maximum(k, self.k_hi) / self.k_hi) ** -self.tail_alpha

    def to_z(self, x: np.ndarray) -> np.ndarray:
        """Each value's cell mean ``E[Z | cell]`` (values are floored to integers)."""
        k = np.floor(np.asarray(x, dtype=float))
        out = np.empty(k.shape)
        index = k - self.k_lo
        inside = (index >= 0) & (index < self.means.size)
        out[inside] = np.take(self.means, index[inside].astype(np.intp))
        tail = ~inside & (index > 0) if self.tail_alpha is not None else np.zeros_like(inside)
        if tail.any():
            sf_prev, sf_here = self._tail_sf(k[tail] - 1), self._tail_sf(k[tail])
            a, b = -ndtri(sf_prev), -ndtri(sf_here)
            out[tail] = _cell_means(a, b, sf_prev - sf_here)
        rest = ~inside & ~tail
        if rest.any():
            a, b, mass = _cells(self.frozen, k[rest])
            out[rest] = _cell_means(a, b, mass)
        return out

    def from_z(self, z: np.ndarray) -> np.ndarray:
        """``F⁻¹(Φ(z))``: the integer whose cell holds ``z`` (as float64 values)."""
        z = np.asarray(z, dtype=float)
        index = np.searchsorted(self.upper_edges, z, side="left")
        out = (self.k_lo + index).astype(float)
        above = index >= self.means.size
        below = z <= self.lower_edges[0]
        if above.any() and self.tail_alpha is not None:  # sf(k) ≤ q, k integer
            ratio = (self.tail_sf / ndtr(-z[above])) ** (1.0 / self.tail_alpha)
            out[above] = np.maximum(np.ceil(self.k_hi * ratio), self.k_hi + 1.0)
        elif above.any():
            tail = ndtr(-z[above])
            out[above] = _search_beyond(self.frozen, self.k_hi, 1,
                                        lambda k: self.frozen.sf(k) <= tail, tail.shape)
        if below.any():
            prob = ndtr(z[below])
            out[below] = _search_beyond(self.frozen, self.k_lo, -1,
                                        lambda k: self.frozen.cdf(k) >= prob, prob.shape)
        return out

    def hermite(self, order: int) -> tuple[np.ndarray, float]:
        """Hermite coefficients of the score; cells narrower than :data:`THIN_CELL` in z
        (a heavy tail's thousands of rare values) count as continuous: ``m − z`` is
        below the width there, and the series costs one pass per cell and order."""
        keep = (self.upper_edges - self.lower_edges) >= THIN_CELL
        return cell_hermite(self.lower_edges[keep], self.upper_edges[keep], self.means[keep],
                            order)  # fmt: skip


#: Largest integer searched for in a tail (float64 is exact up to 2**53).
K_LIMIT = float(2**62)


def _walk(frozen: Any, start: float, step_sign: int, done: Any, limit: float) -> float:
    """From ``start``, doubling steps in direction ``step_sign`` until ``done(k)`` or the
    ``limit`` (scipy's own ppf/isf of a heavy tail can take minutes: zipf's isf(1e-15))."""
    span = 64.0
    while True:
        k = start + step_sign * span
        if step_sign * (k - limit) >= 0:
            return limit
        with np.errstate(all="ignore"):
            if done(k):
                return k
        span *= 2.0


def _table_range(frozen: Any) -> tuple[int, int]:
    """Integers tabulated: the support, cut where a tail's probability falls below
    :data:`TAIL_PROB`, at most :data:`MAX_CELLS` of them."""
    lo, hi = (float(v) for v in frozen.support())
    with np.errstate(all="ignore"):
        center = float(frozen.median())
    if not math.isfinite(center):
        center = lo if math.isfinite(lo) else 0.0
    if not math.isfinite(lo):
        lo = _walk(frozen, center, -1, lambda k: frozen.cdf(k) <= TAIL_PROB,
                   center - MAX_CELLS // 2)
    if not math.isfinite(hi) or hi - lo + 1 > MAX_CELLS:
        cap = lo + MAX_CELLS - 1
        hi = min(cap, hi, _walk(frozen, max(center, lo), 1,
                                lambda k: frozen.sf(k) <= TAIL_PROB, cap))
    return int(lo), int(hi)


def _search_beyond(frozen: Any, edge: int, step: int, holds: Any, shape: tuple) -> np.ndarray:
    """Smallest integers ``k`` beyond ``edge`` (above it for ``step`` = 1, below for −1)
    where ``holds(k)``, a test that is false below and true above its point (one per
    element): a doubling bracket from ``edge``, then a vectorised bisection."""
    bottom, top = (float(v) for v in frozen.support())
    stop = min(top, K_LIMIT) if step > 0 else max(bottom, -K_LIMIT)
    fixed = np.full(shape, float(edge))
    moving = fixed.copy()
    span = 64.0
    todo = np.ones(shape, dtype=bool)
    with np.errstate(all="ignore"):
        while todo.any():
            moving[todo] = min(edge + span, stop) if step > 0 else max(edge - span, stop)
            bracketed = holds(moving) if step > 0 else ~holds(moving)
            todo &= ~(bracketed | (moving * step >= stop * step))
            span *= 2.0
        lo, hi = (fixed, moving) if step > 0 else (moving, fixed)
        while np.any(hi - lo > 1):
            mid = np.floor(lo / 2 + hi / 2)
            right = holds(mid)
            hi = np.where(right, mid, hi)
            lo = np.where(right, lo, mid)
    return hi


def _has_own_sf(frozen: Any) -> bool:
    """Whether the family computes its cdf or sf itself (not by summing the pmf)."""
    generic = (st.rv_discrete, *st.rv_discrete.__mro__[1:])
    return any(name in cls.__dict__ for cls in type(frozen.dist).__mro__
               if cls not in generic for name in ("_cdf", "_sf"))  # fmt: skip


def build_discrete_table(name: str, params: dict, frozen: Any) -> DiscreteScoreTable:
    """Tabulate the cells and cell means of a frozen count distribution.

    The cdf and sf of the tabulated integers are accumulated from the pmf, anchored
    by scipy's cdf below the table and sf above it (one call each), so families whose
    scipy cdf sums the pmf for every value (zipf, betanbinom, betabinom) cost one pass.
    """
    lo, hi = _table_range(frozen)
    k = np.arange(lo, hi + 1, dtype=float)
    with np.errstate(all="ignore"):
        mass = np.asarray(frozen.pmf(k), dtype=float)
        below = float(frozen.cdf(lo - 1))
        above = float(frozen.sf(hi))
    cdf = below + np.cumsum(mass)
    from_top = np.cumsum(mass[::-1])[::-1]  # Σ_{j ≥ k} p(j) within the table
    sf = above + np.append(from_top[1:], 0.0)
    cdf_prev = np.append(below, cdf[:-1])
    sf_prev = sf + mass
    a = _to_normal(cdf_prev, sf_prev)
    b = np.maximum.accumulate(_to_normal(cdf, sf))
    alpha = None
    capped = hi - lo + 1 == MAX_CELLS and not math.isfinite(float(frozen.support()[1]))
    if capped and not _has_own_sf(frozen) and above > 0:
        half = int((hi + lo) // 2)
        alpha = float(math.log(sf[half - lo] / above) / math.log(hi / max(half, 1)))
        alpha = alpha if math.isfinite(alpha) and alpha > 0 else None
    return DiscreteScoreTable(name, dict(params), lo, b, a, _cell_means(a, b, mass), frozen,
                              tail_alpha=alpha, tail_sf=above)  # fmt: skip


# ------------------------------------------------------------------- hurdle columns


@dataclass
class HurdleScoreTable:
    """A continuous marginal's table with an atom of probability ``p`` at ``atom``.

    The mixture's CDF is ``G(x) = (1 − p)·F(x) + p·[x ≥ atom]``: values other than the
    atom get ``Φ⁻¹(G(x))``, the atom its cell's mean.
    """

    continuous: NormalScoreTable
    atom: float
    p: float
    cell: tuple[float, float]  # (Φ⁻¹(G(atom⁻)), Φ⁻¹(G(atom)))
    mean: float
    integer: bool = False

    def to_z(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype=float)
        zc = self.continuous.to_z(x)
        q = 1.0 - self.p
        with np.errstate(all="ignore"):
            below = ndtri(q * ndtr(zc))
            above = -ndtri(q * ndtr(-zc))
        out = np.where(x < self.atom, below, above)
        out[x == self.atom] = self.mean
        return out

    def from_z(self, z: np.ndarray) -> np.ndarray:
        z = np.asarray(z, dtype=float)
        q = 1.0 - self.p
        lo, hi = self.cell
        out = np.full(z.shape, self.atom)
        low, high = z <= lo, z > hi
        with np.errstate(all="ignore"):
            if low.any():
                out[low] = self.continuous.from_z(ndtri(ndtr(z[low]) / q))
            if high.any():
                out[high] = self.continuous.from_z(-ndtri(ndtr(-z[high]) / q))
        return out

    def hermite(self, order: int) -> tuple[np.ndarray, float]:
        lo, hi = self.cell
        return cell_hermite(np.array([lo]), np.array([hi]), np.array([self.mean]), order)


def build_hurdle_table(continuous: NormalScoreTable, atom: float, p: float) -> HurdleScoreTable:
    """The hurdle mixture's table from its continuous part's table."""
    frozen = continuous.frozen
    with np.errstate(all="ignore"):
        f_cdf, f_sf = float(frozen.cdf(atom)), float(frozen.sf(atom))
    q = 1.0 - p
    # G(atom⁻) = q·F(atom), G(atom) = q·F(atom) + p; 1 − G(atom) = q·S(atom).
    lo = float(_to_normal(np.array([q * f_cdf]), np.array([1.0 - q * f_cdf]))[0])
    hi = float(_to_normal(np.array([q * f_cdf + p]), np.array([q * f_sf]))[0])
    mean = float(_cell_means(np.array([lo]), np.array([hi]), np.array([p]))[0])
    return HurdleScoreTable(continuous, float(atom), float(p), (lo, hi), mean)


# ---------------------------------------------------------------- truncated columns


@dataclass
class TruncatedScoreTable:
    """A continuous marginal's table, conditioned on ``low ≤ X ≤ high`` (a fit of
    ``bounds=``): ``G(x) = (F(x) − F(low)) / Z``, a monotone map of the continuous
    part's scores, so no mass point and no attenuation. Below the median the CDF
    form is used, above it the SF form ``(S(x) − S(high)) / Z``, keeping the tails."""

    continuous: NormalScoreTable
    low: float
    high: float
    cdf_low: float
    sf_high: float
    mass: float

    def to_z(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype=float)
        zc = self.continuous.to_z(np.clip(x, self.low, self.high))
        with np.errstate(all="ignore"):
            cdf = np.clip((ndtr(zc) - self.cdf_low) / self.mass, 0.0, 1.0)
            sf = np.clip((ndtr(-zc) - self.sf_high) / self.mass, 0.0, 1.0)
            return np.where(cdf < 0.5, ndtri(cdf), -ndtri(sf))

    def from_z(self, z: np.ndarray) -> np.ndarray:
        z = np.asarray(z, dtype=float)
        with np.errstate(all="ignore"):
            low_half = ndtri(self.cdf_low + ndtr(z) * self.mass)
            high_half = -ndtri(self.sf_high + ndtr(-z) * self.mass)
            x = self.continuous.from_z(np.where(z <= 0, low_half, high_half))
        return np.clip(x, self.low, self.high)


def build_truncated_table(continuous: NormalScoreTable, low: float,
                          high: float) -> TruncatedScoreTable:  # fmt: skip
    """The truncated marginal's table from its continuous part's table."""
    window = TruncatedDistribution(continuous.frozen, low, high)  # checks the window's mass
    return TruncatedScoreTable(continuous, window.low, window.high, window.cdf_low,
                               window.sf_high, window.mass)  # fmt: skip


ScoreTable = NormalScoreTable | DiscreteScoreTable | HurdleScoreTable | TruncatedScoreTable


def build_score_table(marginal: Any) -> ScoreTable:
    """The table of a :class:`~.marginal.Marginal`: a count table, a hurdle table, a
    truncated table, or the continuous :class:`NormalScoreTable`."""
    if marginal.discrete:
        return build_discrete_table(marginal.distribution, dict(marginal.params),
                                    marginal.continuous_part())  # fmt: skip
    table = build_table(marginal.distribution, marginal.params)
    if marginal.atom is not None:
        return build_hurdle_table(table, *marginal.atom)
    return table if marginal.bounds is None else build_truncated_table(table, *marginal.bounds)
