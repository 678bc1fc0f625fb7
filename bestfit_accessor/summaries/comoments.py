"""Mergeable sufficient statistics for correlation: pure numpy, no Ray.

Pearson: every block yields ``(n, mean, C)`` with ``C = Σ (x − x̄)(x − x̄)ᵀ`` (the
co-moment matrix, computed from centred values), and blocks are merged with the
pairwise update of Chan, Golub & LeVeque::

    n = na + nb,  δ = x̄b − x̄a,  x̄ = x̄a + δ·nb/n,  C = Ca + Cb + δδᵀ·na·nb/n

so a column with mean 1e9 and standard deviation 1 keeps full precision (the
textbook ``E[XY] − E[X]E[Y]`` would cancel away all of it).

Spearman without moving rows: each column's values are binned on fine edges
placed at quantiles of a sample, the merged bin counts give every bin its
*mid-rank* (the average rank of the values in it), and a second pass computes the
Pearson correlation of the rows' bin mid-ranks with the statistics above. Within a
bin the true (average) ranks ``R`` differ from the mid-rank ``M`` by ``E = R − M``,
and ``M`` is the orthogonal projection of ``R`` onto the bin indicators, so
``‖E‖² ≤ S = Σ_b (c_b³ − c_b)/12`` over bins holding more than one distinct value
and ``‖R_c‖² = ‖M_c‖² + ‖E‖²``. The angle θ between ``R`` and ``M`` therefore has
``sin θ ≤ ε = sqrt(S / (‖M_c‖² + S))`` and, because correlations are cosines of
angles, ``|ρ̂ − ρ_s| ≤ arcsin εx + arcsin εy``: a rigorous bound computed from the
counts alone (≈ 2/B for B equally filled bins; about 5e-4 with the defaults).
Values that occur often get a bin of their own, which adds nothing to the bound,
and a column whose rows all fit in the sample gets one bin per distinct value:
its ranks are exact.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = [
    "CoMoments",
    "RankEdges",
    "bin_index",
    "comoments",
    "correlation_matrix",
    "design_rank_edges",
    "finite_rows",
    "merge_comoments",
    "midranks",
    "rank_error",
]

#: Rows processed at once inside a block (bounds the temporary arrays).
CHUNK_ROWS = 1 << 18
#: Target number of rank bins per column for Spearman.
RANK_BINS = 4096


@dataclass
class CoMoments:
    """Count, means and co-moment matrix of the complete rows of k columns."""

    n: int
    mean: np.ndarray  # (k,)
    comoment: np.ndarray  # (k, k): Σ (x − mean)(x − mean)ᵀ
    n_dropped: int = 0  # rows left out because a value was NaN or ±inf

    @classmethod
    def empty(cls, k: int) -> CoMoments:
        return cls(0, np.zeros(k), np.zeros((k, k)), 0)


def finite_rows(values: np.ndarray) -> np.ndarray:
    """Mask of the columns (rows of ``values``, shaped (k, n)) finite in every variable."""
    return np.isfinite(values).all(axis=0)


def _complete_comoments(x: np.ndarray) -> CoMoments:
    """Statistics of a (k, n) array of finite values, in one go (two passes)."""
    k, n = x.shape
    if n == 0:
        return CoMoments.empty(k)
    mean = x.mean(axis=1)
    d = x - mean[:, None]
    # One more correction of the mean keeps the centring exact to rounding.
    shift = d.mean(axis=1)
    mean = mean + shift
    d -= shift[:, None]
    return CoMoments(n, mean, d @ d.T)


def comoments(values: np.ndarray) -> CoMoments:
    """Statistics of a (k, n) block; rows with any non-finite value are dropped."""
    values = np.asarray(values, dtype=np.float64)
    if values.ndim != 2:
        raise ValueError("comoments expects a (k, n) array")
    k, n = values.shape
    out = CoMoments.empty(k)
    for start in range(0, n, CHUNK_ROWS):
        part = values[:, start:start + CHUNK_ROWS]
        keep = finite_rows(part)
        dropped = int(part.shape[1] - keep.sum())
        complete = part if dropped == 0 else part[:, keep]
        stats = _complete_comoments(complete)
        stats.n_dropped = dropped
        out = merge_comoments(out, stats)
    return out


def merge_comoments(a: CoMoments, b: CoMoments) -> CoMoments:
    """The pairwise (Chan et al.) update; exact in exact arithmetic, stable in floats."""
    dropped = a.n_dropped + b.n_dropped
    if b.n == 0:
        return CoMoments(a.n, a.mean.copy(), a.comoment.copy(), dropped)
    if a.n == 0:
        return CoMoments(b.n, b.mean.copy(), b.comoment.copy(), dropped)
    n = a.n + b.n
    delta = b.mean - a.mean
    mean = a.mean + delta * (b.n / n)
    comoment = a.comoment + b.comoment + np.outer(delta, delta) * (a.n * b.n / n)
    return CoMoments(n, mean, comoment, dropped)


def merge_all(parts: list[CoMoments]) -> CoMoments:
    """Merge block statistics in block order."""
    if not parts:
        raise ValueError("nothing to merge")
    out = CoMoments.empty(parts[0].mean.size)
    for part in parts:
        out = merge_comoments(out, part)
    return out


def correlation_matrix(stats: CoMoments) -> np.ndarray:
    """Pearson correlation from co-moments; NaN where a variable is constant."""
    c = stats.comoment
    scale = np.sqrt(np.diag(c))
    with np.errstate(divide="ignore", invalid="ignore"):
        r = c / np.outer(scale, scale)
    r = 0.5 * (r + r.T)  # exact symmetry
    np.clip(r, -1.0, 1.0, out=r)
    diag = np.where(scale > 0, 1.0, np.nan)
    r[np.diag_indices_from(r)] = diag
    return r


# --------------------------------------------------------------------------- Spearman


@dataclass(frozen=True)
class RankEdges:
    """Strictly increasing bin edges of one column; the last bin is closed."""

    edges: np.ndarray
    atoms: np.ndarray  # bins known to hold a single distinct value (no rank error)

    @property
    def n_bins(self) -> int:
        return int(self.edges.size - 1)


def design_rank_edges(sample: np.ndarray, vmin: float, vmax: float, n_bins: int = RANK_BINS,
                      *, complete: bool = False) -> RankEdges:  # fmt: skip
    """Edges at ``n_bins`` quantiles of ``sample`` spanning ``[vmin, vmax]``.

    A value making up more than half a bin's share of the sample gets a bin of its
    own (``[v, nextafter(v))``), so heavy ties cost no accuracy. With
    ``complete=True`` the sample is the whole column: every distinct value gets its
    own bin and the ranks are exact.
    """
    s = np.sort(np.asarray(sample, dtype=np.float64))
    s = s[(s >= vmin) & (s <= vmax)]
    if complete and s.size:
        edges = np.append(np.unique(s), np.nextafter(s[-1], np.inf))
        return RankEdges(edges, np.ones(edges.size - 1, dtype=bool))
    pieces = [np.array([vmin, vmax])]
    if s.size:
        positions = (np.arange(1, n_bins) * (s.size / n_bins)).astype(np.int64)
        pieces.append(s[np.clip(positions, 0, s.size - 1)])
        values, counts = np.unique(s, return_counts=True)
        heavy = values[counts * 2 * n_bins > s.size]
        pieces += [heavy, np.nextafter(heavy, np.inf)]
    if vmax == vmin:
        pieces.append(np.array([np.nextafter(vmax, np.inf)]))
    edges = np.unique(np.concatenate(pieces))
    edges = edges[(edges >= vmin) & (edges <= np.nextafter(vmax, np.inf))]
    atoms = edges[1:] == np.nextafter(edges[:-1], np.inf)
    return RankEdges(edges, atoms)


def bin_index(values: np.ndarray, edges: RankEdges) -> np.ndarray:
    """The bin of every value (values outside the edges go to the end bins)."""
    index = np.searchsorted(edges.edges, values, side="right") - 1
    return np.clip(index, 0, edges.n_bins - 1)


def midranks(counts: np.ndarray) -> np.ndarray:
    """Average rank (1-based) of the values in each bin, from the merged counts."""
    counts = np.asarray(counts, dtype=np.float64)
    before = np.cumsum(counts) - counts
    return before + 0.5 * (counts + 1.0)


def rank_error(counts: np.ndarray, atoms: np.ndarray) -> float:
    """``ε = sin`` of the largest angle between the true and the binned ranks."""
    counts = np.asarray(counts, dtype=np.float64)
    n = counts.sum()
    if n < 2:
        return 0.0
    mixed = counts[~np.asarray(atoms, dtype=bool)]
    s = float(np.sum(mixed**3 - mixed) / 12.0)
    centred = midranks(counts) - 0.5 * (n + 1.0)
    m2 = float(np.sum(counts * centred**2))
    if s <= 0:
        return 0.0
    return float(np.sqrt(s / (m2 + s)))


def spearman_bound(eps: np.ndarray) -> np.ndarray:
    """Pairwise bound ``arcsin εi + arcsin εj`` on |binned − exact Spearman|."""
    angles = np.arcsin(np.clip(np.asarray(eps, dtype=np.float64), 0.0, 1.0))
    bound = angles[:, None] + angles[None, :]
    np.fill_diagonal(bound, 0.0)
    return bound
