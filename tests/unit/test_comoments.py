"""Co-moment merges, midranks and the Spearman bound: the pure kernels of ``.corr``."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
import scipy.stats as st

from bestfit_accessor.summaries.comoments import (
    bin_index,
    comoments,
    correlation_matrix,
    design_rank_edges,
    merge_all,
    midranks,
    rank_error,
    spearman_bound,
)

R3 = np.array([[1.0, 0.6, 0.3], [0.6, 1.0, 0.5], [0.3, 0.5, 1.0]])


def _correlated(n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, 3)) @ np.linalg.cholesky(R3).T


def test_merged_comoments_equal_numpy_for_any_split():
    x = _correlated(50_000, 1).T * [[1.0], [3.0], [0.01]] + [[1e9], [-5.0], [1e-6]]
    reference = np.corrcoef(x)
    cuts = [0, 7, 8, 12_345, 40_000, 50_000]  # uneven blocks, one of a single row
    parts = [comoments(x[:, a:b]) for a, b in itertools.pairwise(cuts)]
    merged = merge_all(parts)
    assert merged.n == 50_000
    exact_mean = np.array([math.fsum(row) / row.size for row in x])  # numpy's is off by 5e-6
    np.testing.assert_allclose(merged.mean, exact_mean, rtol=1e-15, atol=1e-17)
    np.testing.assert_allclose(merged.comoment / (merged.n - 1), np.cov(x), rtol=1e-9)
    assert np.abs(correlation_matrix(merged) - reference).max() < 1e-10


def test_textbook_formula_would_fail_where_the_merge_does_not():
    # Guards the test above: with mean 1e9 the E[XY] − E[X]E[Y] shortcut is useless.
    rng = np.random.default_rng(2)
    x = 1e9 + rng.standard_normal(100_000)
    y = 1e9 + 0.5 * (x - 1e9) + rng.standard_normal(100_000)
    naive = np.mean(x * y) - x.mean() * y.mean()
    exact = np.cov(x, y, ddof=0)[0, 1]
    assert abs(naive - exact) > 1.0
    merged = merge_all([comoments(np.vstack([x, y])[:, i:i + 30_000])
                        for i in range(0, 100_000, 30_000)])  # fmt: skip
    assert merged.comoment[0, 1] / merged.n == pytest.approx(exact, rel=1e-9)


def test_comoments_drop_incomplete_rows_and_count_them():
    x = _correlated(1_000, 3).T.copy()
    x[0, 5] = np.nan
    x[1, 7] = np.inf
    x[2, 7] = -np.inf
    x[2, 9] = -np.inf
    stats = comoments(x)
    keep = np.isfinite(x).all(axis=0)
    assert stats.n == 997 and stats.n_dropped == 3
    assert np.abs(correlation_matrix(stats) - np.corrcoef(x[:, keep])).max() < 1e-12


def test_binned_spearman_is_within_its_bound():
    # Coarse bins make the binning error visible; the bound must still hold.
    rng = np.random.default_rng(4)
    x = rng.lognormal(0.0, 1.0, 5_000)
    y = x + rng.gamma(0.5, 2.0, 5_000)
    exact = st.spearmanr(x, y).statistic
    edges = [design_rank_edges(v, v.min(), v.max(), n_bins=16) for v in (x, y)]
    counts = [np.bincount(bin_index(v, e), minlength=e.n_bins) for v, e in zip((x, y), edges,
              strict=True)]  # fmt: skip
    mids = [midranks(c)[bin_index(v, e)] for v, e, c in zip((x, y), edges, counts, strict=True)]
    binned = np.corrcoef(mids)[0, 1]
    eps = np.array([rank_error(c, e.atoms) for c, e in zip(counts, edges, strict=True)])
    bound = spearman_bound(eps)[0, 1]
    assert 1e-4 < abs(binned - exact) <= bound < 0.5


def test_midranks_are_average_ranks():
    values = np.array([3.0, 1.0, 2.0, 2.0, 5.0, 4.0, 4.0, 4.0])
    edges = design_rank_edges(values, 1.0, 5.0, n_bins=64)  # every value its own bin
    counts = np.bincount(bin_index(values, edges), minlength=edges.n_bins)
    ranks = midranks(counts)[bin_index(values, edges)]
    np.testing.assert_array_equal(ranks, st.rankdata(values))
    assert rank_error(counts, edges.atoms) == 0.0
