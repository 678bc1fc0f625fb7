"""Frequency weights on the term path, and KS/AD from weighted distinct points (no Ray)."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.stats as st

from bestfit_accessor.exceptions import InvalidArgumentError
from bestfit_accessor.fitting.censoring import CensoredTerms, checked_weights, fit_censored
from bestfit_accessor.fitting.metrics import anderson_darling, ks_test
from bestfit_accessor.fitting.weighted_gof import weighted_ks_ad
from bestfit_accessor.results.truncated import TruncatedDistribution


def _data(seed: int = 0):
    rng = np.random.default_rng(seed)
    x = np.round(st.gamma(2.0, scale=3.0).rvs(400, random_state=rng), 1)
    return x, rng.integers(0, 5, x.size)


def test_integer_weights_are_exactly_repeated_rows():
    x, w = _data()
    weighted = CensoredTerms.from_arrays(x, exact_weights=w)
    repeated = CensoredTerms.from_arrays(np.repeat(x, w))
    np.testing.assert_array_equal(weighted.exact.values, repeated.exact.values)
    np.testing.assert_array_equal(weighted.exact.counts, repeated.exact.counts)
    a = fit_censored("gamma", weighted, {"loc": 0.0})
    b = fit_censored("gamma", repeated, {"loc": 0.0})
    assert a.loglik == pytest.approx(b.loglik, rel=1e-12)
    assert a.n_obs == b.n_obs == w.sum()
    for key in a.params:
        assert a.params[key] == pytest.approx(b.params[key], rel=1e-9, abs=1e-12)


def test_weights_apply_to_censored_kinds_too():
    left = np.array([1.0, np.nan, 3.0, 2.0])
    right = np.array([1.0, 2.0, np.nan, 4.0])
    weights = np.array([2.0, 3.0, 0.0, 1.5])
    terms = CensoredTerms.from_intervals(left, right, weights)
    assert terms.n_censored == {"left": 3.0, "right": 0.0, "interval": 1.5}
    assert terms.n_obs == 6.5  # the right-censored row has weight 0: it counts for nothing


@pytest.mark.parametrize(("weights", "message"), [
    ([1.0, -1.0, 1.0], "1 rows are not"),
    ([1.0, np.nan, 1.0], "finite and non-negative"),
    ([1.0, np.inf, 1.0], "finite and non-negative"),
])  # fmt: skip
def test_bad_weights_name_the_column(weights, message):
    with pytest.raises(InvalidArgumentError, match=f"weights column 'w'.*{message}"):
        checked_weights(np.array(weights), 3, "weights column 'w'")


def test_weighted_ks_ad_equal_the_textbook_statistics_on_repeated_rows():
    x, w = _data(1)
    rows = np.sort(np.repeat(x, w))
    params = (1.9, 0.0, 3.1)
    values, counts = np.unique(rows, return_counts=True)
    ks, p, ad = weighted_ks_ad(st.gamma(*params), values, counts)
    ks_ref, p_ref = ks_test(st.gamma, params, rows)
    assert ks == pytest.approx(ks_ref, rel=1e-12)
    assert p == pytest.approx(p_ref, rel=1e-9)
    assert ad == pytest.approx(anderson_darling(st.gamma, params, rows), rel=1e-10)
    # Weights that are not integers: the same as the weights scaled to integers.
    ks_half, _, ad_half = weighted_ks_ad(st.gamma(*params), values, counts / 2)
    assert ks_half == pytest.approx(ks, rel=1e-12)
    assert ad_half == pytest.approx(ad / 2, rel=1e-10)  # A² scales with Σw


def test_weighted_ks_against_a_truncated_cdf():
    rng = np.random.default_rng(2)
    dist = TruncatedDistribution(st.expon(), 1.0, None)
    rows = np.sort(dist.rvs(2000, random_state=rng))
    ks, _, ad = weighted_ks_ad(dist, rows, np.ones(rows.size))
    reference = st.kstest(rows, dist.cdf)
    assert ks == pytest.approx(reference.statistic, rel=1e-10)
    assert ad < 5.0  # its own law: A² of order 1
