"""Truncated likelihood terms, the truncated distribution and the bounds option (no Ray)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.stats as st

from bestfit_accessor.exceptions import ArgumentTypeError, InvalidArgumentError
from bestfit_accessor.fitting.censoring import (
    CensoredTerms,
    censored_loglik,
    fit_censored,
    rows_outside,
)
from bestfit_accessor.fitting.likelihood import Model
from bestfit_accessor.options import FitOptions
from bestfit_accessor.results import to_scipy
from bestfit_accessor.results.truncated import TruncatedDistribution
from bestfit_accessor.truncation_options import resolve_bounds

TRUE = st.lognorm(0.8, scale=math.e)


def _truncated_sample(low_q: float, high_q: float, n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return TRUE.ppf(rng.uniform(low_q, high_q, n))


def _reference_loglik(frozen, x, low, high) -> float:
    mass = frozen.cdf(high) - frozen.cdf(low)
    return float(np.sum(frozen.logpdf(x)) - x.size * np.log(mass))


def test_truncated_terms_give_the_textbook_truncated_loglik():
    x = _truncated_sample(0.3, 0.9, 500, 0)
    low, high = TRUE.ppf(0.3), TRUE.ppf(0.9)
    terms = CensoredTerms.from_arrays(x).truncated(low, high)
    params = np.array([0.7, 0.1, 2.5])
    model = Model(st.lognorm, terms.term_sets, *terms.covered_range())
    expected = _reference_loglik(st.lognorm(*params[:1], loc=params[1], scale=params[2]), x,
                                 low, high)  # fmt: skip
    assert model.loglik(params) == pytest.approx(expected, rel=1e-12)
    assert censored_loglik("lognorm", params, terms) == pytest.approx(expected, rel=1e-12)


def test_truncation_far_in_the_upper_tail_keeps_its_precision():
    # The window holds 1e-12 of the mass: F(hi) - F(lo) as a CDF difference is noise.
    frozen = st.norm()
    low = frozen.isf(1e-12)
    x = low + np.abs(np.random.default_rng(1).normal(0.0, 0.01, 50))
    terms = CensoredTerms.from_arrays(x).truncated(low, None)
    expected = float(np.sum(frozen.logpdf(x)) - x.size * frozen.logsf(low))
    assert censored_loglik("norm", [0.0, 1.0], terms) == pytest.approx(expected, rel=1e-10)
    model = Model(st.norm, terms.term_sets, *terms.covered_range())
    assert model.loglik(np.array([0.0, 1.0])) == pytest.approx(expected, rel=1e-10)


def test_truncated_fit_recovers_the_untruncated_lognormal():
    # More seeds, and the ordinary fit for contrast: tests/integration/test_truncated_fit.py
    x = _truncated_sample(0.3, 1.0, 20_000, 0)
    low = TRUE.ppf(0.3)
    fit = fit_censored("lognorm", CensoredTerms.from_arrays(x).truncated(low, None),
                       {"loc": 0.0})  # fmt: skip
    assert fit.params["s"] == pytest.approx(0.8, rel=0.03)
    assert fit.params["scale"] == pytest.approx(math.e, rel=0.03)
    frozen = st.lognorm(fit.params["s"], scale=fit.params["scale"])
    assert fit.loglik == pytest.approx(_reference_loglik(frozen, x, low, np.inf), rel=1e-12)


def test_truncation_turns_censored_kinds_into_the_events_it_leaves():
    low, high = 1.0, 6.0
    terms = CensoredTerms.from_intervals([1.5, np.nan, 4.0, 2.0], [1.5, 2.0, np.nan, 3.0])
    terms = terms.truncated(low, high)
    frozen = st.gamma(2.0, scale=1.5)
    mass = frozen.cdf(high) - frozen.cdf(low)
    expected = (frozen.logpdf(1.5) + np.log(frozen.cdf(2.0) - frozen.cdf(low))
                + np.log(frozen.cdf(high) - frozen.cdf(4.0))
                + np.log(frozen.cdf(3.0) - frozen.cdf(2.0)) - 4 * np.log(mass))  # fmt: skip
    assert censored_loglik("gamma", [2.0, 0.0, 1.5], terms) == pytest.approx(expected, rel=1e-12)
    assert terms.n_censored == {"left": 1.0, "right": 1.0, "interval": 1.0}


def test_rows_outside_counts_impossible_rows_only():
    left = np.array([0.5, 2.0, np.nan, 7.0, 0.0, np.nan, 5.0, 1.0])
    right = np.array([0.5, 2.0, 1.5, np.inf, 1.0, np.nan, 9.0, 1.0])
    # Impossible in [1, 6]: the exact 0.5, the value right-censored at 7 and the
    # interval (0, 1] (its values are at most the lower bound). Possible: the exact
    # 2 and 1 (on the bound), the value left-censored at 1.5, the interval (5, 9];
    # the row with both bounds missing is dropped, not counted.
    assert rows_outside(left, right, 1.0, 6.0) == 3


def test_truncated_distribution_matches_scipy_truncnorm():
    low, high = -0.5, 2.0
    ours = TruncatedDistribution(st.norm(), low, high)
    reference = st.truncnorm(low, high)
    x = np.linspace(-1.0, 2.5, 15)
    q = np.linspace(0.0, 1.0, 11)
    np.testing.assert_allclose(ours.pdf(x), reference.pdf(x), rtol=1e-12, atol=1e-300)
    np.testing.assert_allclose(ours.cdf(x), reference.cdf(x), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(ours.sf(x), reference.sf(x), rtol=1e-10, atol=1e-15)
    np.testing.assert_allclose(ours.ppf(q), reference.ppf(q), rtol=1e-10)
    assert ours.mean() == pytest.approx(reference.mean(), rel=1e-8)
    assert ours.std() == pytest.approx(reference.std(), rel=1e-6)
    draws = ours.rvs(10_000, random_state=3)
    assert draws.min() >= low and draws.max() <= high
    assert st.kstest(draws, reference.cdf).pvalue > 1e-3


def test_truncated_distribution_in_the_far_upper_tail():
    low = st.norm.isf(1e-14)
    ours = TruncatedDistribution(st.norm(), low, None)
    reference = st.truncnorm(low, np.inf)
    x = low + np.array([0.0, 0.01, 0.1, 0.5])
    np.testing.assert_allclose(ours.cdf(x), reference.cdf(x), rtol=1e-8)
    np.testing.assert_allclose(ours.ppf([0.1, 0.5, 0.9]), reference.ppf([0.1, 0.5, 0.9]),
                               rtol=1e-10)  # fmt: skip


def test_to_scipy_returns_the_truncated_distribution_for_a_bounded_row():
    row = {"distribution": "lognorm", "params": {"s": 0.8, "loc": 0.0, "scale": math.e},
           "trunc_low": 1.0, "trunc_high": math.nan}  # fmt: skip
    dist = to_scipy(row)
    assert isinstance(dist, TruncatedDistribution) and dist.cdf(1.0) == 0.0
    assert dist.ppf(0.0) == pytest.approx(1.0)
    plain = to_scipy({**row, "trunc_low": math.nan})
    assert not isinstance(plain, TruncatedDistribution)
    assert plain.cdf(1.0) == pytest.approx(TRUE.cdf(1.0))


@pytest.mark.parametrize(("bounds", "error", "message"), [
    ((2.0, 1.0), InvalidArgumentError, "reversed"),
    ((1.0, 1.0), InvalidArgumentError, "reversed or empty"),
    (("a", 1.0), ArgumentTypeError, r"bounds\[0\] \(the lower bound\) must be a number"),
    ((0.0, float("nan")), InvalidArgumentError, "NaN"),
    ((1.0,), ArgumentTypeError, "pair"),
    ({"x": (5, None), "y": (3, 2)}, InvalidArgumentError, r"bounds\['y'\] is reversed"),
    ((math.inf, None), InvalidArgumentError, "empty"),
])  # fmt: skip
def test_bad_bounds_are_typed_errors_naming_the_argument(bounds, error, message):
    with pytest.raises(error, match=message):
        resolve_bounds(bounds)
    with pytest.raises(error, match=message):
        FitOptions(bounds=bounds)


def test_bounds_resolve_to_pairs_with_infinite_open_sides():
    assert resolve_bounds((None, 3)) == (-math.inf, 3.0)
    assert resolve_bounds({"x": [1, None]}) == {"x": (1.0, math.inf)}
    options = FitOptions(distributions=["norm"], bounds=(0, None), weights="w")
    assert options.bounds == (0.0, math.inf) and options.weights == "w"
    with pytest.raises(ArgumentTypeError, match="bounds must be"):
        FitOptions(bounds=3.0)


def test_truncation_bounds_survive_a_json_round_trip():
    from bestfit_accessor.censored_fit import uses_censored_path
    from bestfit_accessor.results import build_results, new_record
    from bestfit_accessor.results.storage import fits_from_json, fits_to_json

    record = new_record("loss", "lognorm", 3, 1000)
    record.update(params={"s": 0.9, "loc": 0.0, "scale": 660.0}, loglik=-10.0, aic=24.0,
                  bic=30.0, trunc_low=500.0)  # fmt: skip
    fits = build_results([record], "aic", ["loss"])
    again = fits_from_json(fits_to_json(fits))
    assert again.loc[0, "trunc_low"] == 500.0 and np.isnan(again.loc[0, "trunc_high"])
    assert to_scipy(again.iloc[0]).cdf(500.0) == 0.0
    assert uses_censored_path(FitOptions(bounds=(500.0, None)))
    assert uses_censored_path(FitOptions(weights="w"))
