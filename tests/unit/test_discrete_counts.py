"""Exact value counts: per block, merged, partition-independent, grouped fallback."""

from __future__ import annotations

from functools import reduce

import numpy as np
import pytest
import scipy.stats as st

from bestfit_accessor.discrete.counts import block_value_counts, merge_value_counts
from bestfit_accessor.discrete.fit import fit_discrete, loglikelihood


def _merged(x: np.ndarray, parts: int, max_cells: int = 100_000):
    blocks = np.array_split(x, parts)
    return reduce(merge_value_counts, [block_value_counts(b, max_cells) for b in blocks])


def test_counts_are_exact_and_drop_missing_values():
    x = np.array([3.0, 0.0, 3.0, np.nan, np.inf, 7.0, 3.0])
    vc = block_value_counts(x)
    assert vc.starts.tolist() == [0, 3, 7]
    assert vc.counts.tolist() == [1, 3, 1]
    assert (vc.n, vc.n_missing, vc.n_non_integer, vc.width) == (5, 2, 0, 1)


def test_non_integer_values_are_counted_with_an_example():
    vc = merge_value_counts(block_value_counts(np.array([1.0, 2.0])),
                            block_value_counts(np.array([2.5, 4.0, 0.25])))
    assert vc.n_non_integer == 2
    assert vc.non_integer_example == 2.5
    assert vc.n == 3


@pytest.mark.parametrize("parts", [1, 2, 7])
def test_merged_counts_do_not_depend_on_partitioning(parts):
    x = st.nbinom.rvs(2, 0.05, size=5000, random_state=1)
    one, many = _merged(x, 1), _merged(x, parts)
    assert np.array_equal(one.starts, many.starts)
    assert np.array_equal(one.counts, many.counts)
    values, counts = np.unique(x, return_counts=True)
    assert np.array_equal(many.starts, values) and np.array_equal(many.counts, counts)


@pytest.mark.parametrize("parts", [1, 2, 7])
def test_grouped_fallback_is_partition_independent_and_keeps_every_row(parts):
    x = st.poisson.rvs(5000, size=20_000, random_state=2)  # ~600 distinct values
    vc = _merged(x, parts, max_cells=64)
    reference = _merged(x, 1, max_cells=64)
    assert len(vc.starts) <= 64 and vc.width > 1 and (vc.width & (vc.width - 1)) == 0
    assert np.all(vc.starts % vc.width == 0)
    assert np.array_equal(vc.starts, reference.starts)
    assert np.array_equal(vc.counts, reference.counts)
    assert vc.n == len(x)


def test_grouped_likelihood_is_exact_for_the_cells_and_fits_close_to_exact():
    x = st.poisson.rvs(5000, size=20_000, random_state=3)
    grouped = block_value_counts(x, max_cells=64)
    # the grouped log-likelihood is Σ n_c log P(cell), from the cdf
    mu = 5000.0
    probs = st.poisson.cdf(grouped.highs, mu) - st.poisson.cdf(grouped.lows - 1, mu)
    expected = float(np.dot(grouped.counts, np.log(probs)))
    assert loglikelihood(st.poisson, (mu,), 0, grouped) == pytest.approx(expected, rel=1e-10)
    fit = fit_discrete("poisson", grouped)
    assert fit["status"] == "ok"
    assert fit["params"]["mu"] == pytest.approx(x.mean(), rel=2e-4)


def test_narrow_and_wide_value_ranges_count_the_same_way():
    rng = np.random.default_rng(0)
    for x in (rng.integers(-50, 50, 10_000), rng.integers(-10**12, 10**12, 1000),
              np.array([-5, 3, 3, 10**9, -5])):
        values, counts = np.unique(x, return_counts=True)
        vc = block_value_counts(x.astype(float) if abs(x).max() < 2**53 else x)
        assert np.array_equal(vc.starts, values) and np.array_equal(vc.counts, counts)
