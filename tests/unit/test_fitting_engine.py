"""Pure-kernel tests of the fast fitting engine: no Ray.

The speed-ups (private CDF/SF calls, quadrature, coordinates, Levenberg–Marquardt,
one-pass KS/AD, cheap starts) must give the same numbers as scipy's public API
and fits at least as good as scipy's own ``fit``.
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.stats as st

from bestfit_accessor.fitting import metrics, starts
from bestfit_accessor.fitting import registry as distributions
from bestfit_accessor.fitting.coordinates import Coordinates
from bestfit_accessor.fitting.fit import fit_distribution
from bestfit_accessor.fitting.likelihood import Model
from bestfit_accessor.summaries import grid as histogram

from ..helpers import fit_data_for


@pytest.fixture(scope="module")
def gamma_data():
    x = np.random.default_rng(11).gamma(2.5, 3.0, 200_000)
    return x, fit_data_for(x)


@pytest.mark.parametrize(
    ("name", "params"),
    [
        ("norm", (1.0, 3.0)),
        ("gamma", (2.5, -0.5, 3.0)),
        ("beta", (2.0, 5.0, -1.0, 60.0)),
        ("t", (4.0, 7.0, 2.0)),
        ("genextreme", (-0.1, 6.0, 3.0)),
        ("lognorm", (0.6, -1.0, 6.0)),
    ],
)
def test_private_kernel_matches_public_binned_loglik(gamma_data, name, params):
    _, data = gamma_data
    dist = distributions.get_distribution(name)
    model = Model.binned(dist, data.fine, data.vmin, data.vmax)
    fast = model.reported_loglik(np.array(params))
    reference = metrics.binned_loglik(dist, params, data.edges, data.counts, data.split,
                                      data.log_widths)  # fmt: skip
    assert fast == pytest.approx(reference, rel=1e-10)


def test_infeasible_parameters_are_minus_infinity(gamma_data):
    _, data = gamma_data
    model = Model.binned(st.expon, data.fine, data.vmin, data.vmax)
    assert model.reported_loglik(np.array([data.vmin + 1.0, 3.0])) == -np.inf  # min outside
    assert model.reported_loglik(np.array([0.0, -1.0])) == -np.inf


def test_quadrature_probabilities_match_cdf_differences(gamma_data):
    _, data = gamma_data
    params = np.array([4.0, 1.0, 8.0])
    def probs(model):
        _, a, b = model.support_ok(params)
        return model.terms[0].probs(model, params[:-2], params[-2], params[-1], a, b)

    exact = probs(Model.binned(st.skewnorm, data.fine, data.vmin, data.vmax))
    approx = probs(Model.binned(st.skewnorm, data.fine, data.vmin, data.vmax, quadrature=True))
    core = slice(40, 400)
    np.testing.assert_allclose(approx[core], exact[core], rtol=1e-7, atol=1e-13)


@pytest.mark.parametrize("mode", ["free", "quantile", "lower", "upper", "both"])
def test_coordinates_round_trip(gamma_data, mode):
    _, data = gamma_data
    name, params = {
        "free": ("logistic", [7.0, 2.0]),
        "quantile": ("t", [5.0, 7.0, 2.0]),
        "lower": ("gamma", [2.0, -0.3, 3.0]),
        "upper": ("weibull_max", [3.0, 60.0, 40.0]),
        "both": ("beta", [2.0, 5.0, -1.0, 70.0]),
    }[mode]
    dist = distributions.get_distribution(name)
    coords = Coordinates(dist, np.array(params), data.vmin, data.vmax, mode,
                                distributions.shape_bounds(name))  # fmt: skip
    theta = coords.from_params(np.array(params))
    np.testing.assert_allclose(coords.to_params(theta), params, rtol=1e-10, atol=1e-10)


def test_ks_ad_one_pass_matches_scipy():
    rng = np.random.default_rng(2)
    x = np.sort(rng.gamma(3.0, 2.0, 5_000))
    params = (3.1, -0.1, 1.95)
    data = fit_data_for(x)
    model = Model.binned(st.gamma, data.fine, data.vmin, data.vmax)
    stat, p, ad = metrics.ks_ad(model, params, x)
    ref = st.kstest(x, st.gamma(*params).cdf, method="exact")
    assert stat == pytest.approx(ref.statistic, rel=1e-12)
    assert p == pytest.approx(ref.pvalue, rel=1e-6)
    assert ad == pytest.approx(metrics.anderson_darling(st.gamma, params, x), rel=1e-9)


def test_ks_pvalue_far_tail_is_close_to_exact():
    for stat in (0.05, 0.1):
        assert metrics.ks_pvalue(stat, 10_000) == pytest.approx(st.kstwo.sf(stat, 10_000),
                                                                rel=0.1)  # fmt: skip


def test_numerics_guard_rejects_an_inaccurate_cdf():
    x = np.random.default_rng(7).normal(50.0, 10.0, 10_000)
    data = fit_data_for(x)
    model = Model.binned(st.recipinvgauss, data.fine, data.vmin, data.vmax)
    assert model.numerics_ok(np.array([0.5, -20.0, 40.0]), data.probes)
    # scipy's recipinvgauss CDF is off by ~10 % here (tiny mu): the binned likelihood
    # would reward it, so the guard must reject it.
    assert not model.numerics_ok(np.array([2.818e-3, -138.84, 0.5309]), data.probes)


@pytest.mark.parametrize(
    ("name", "draw"),
    [
        ("expon", lambda rng, n: rng.exponential(2.0, n) + 1.0),
        ("weibull_min", lambda rng, n: rng.weibull(1.5, n) * 3.0),
        ("lognorm", lambda rng, n: rng.lognormal(1.0, 0.5, n)),
        ("beta", lambda rng, n: rng.beta(2.0, 5.0, n)),
        ("logistic", lambda rng, n: rng.logistic(3.0, 2.0, n)),
        ("gumbel_r", lambda rng, n: rng.gumbel(2.0, 3.0, n)),
    ],
)
def test_fit_is_at_least_as_good_as_scipy_fit_on_a_sample(name, draw):
    """The full-data likelihood beats scipy's fit on a 10k sample (what peers do)."""
    rng = np.random.default_rng(5)
    x = draw(rng, 300_000)
    record = fit_distribution(name, fit_data_for(x))
    assert record["status"] == "ok", record["message"]
    dist = distributions.get_distribution(name)
    ours = dist.logpdf(x, *record["params"].values()).mean()
    reference = dist.logpdf(x, *dist.fit(rng.choice(x, 10_000, replace=False))).mean()
    assert ours >= reference - 1e-4


def test_ridge_toward_a_limit_is_followed():
    """gamma on normal data tends to the normal: the fit must get within 1e-5 per row."""
    x = np.random.default_rng(3).normal(50.0, 10.0, 200_000)
    data = fit_data_for(x)
    gamma = fit_distribution("gamma", data)
    norm = fit_distribution("norm", data)
    assert (norm["loglik"] - gamma["loglik"]) / x.size < 1e-5


def test_support_covers_the_data_and_extremes_have_density(gamma_data):
    x, data = gamma_data
    for name in ("expon", "cosine", "levy", "rice", "pareto", "triang"):
        record = fit_distribution(name, data)
        assert record["status"] == "ok", (name, record["message"])
        dist = distributions.get_distribution(name)
        logpdf = dist.logpdf([x.min(), x.max()], *record["params"].values())
        assert np.all(np.isfinite(logpdf)), name


def test_screen_points_cover_the_shape_domain():
    points = starts.screen_points(st.burr, np.linspace(1, 10, 500), 1.0, 10.0,
                                  distributions.shape_bounds("burr"))  # fmt: skip
    assert len(points) >= 16
    for point in points:
        lower, upper = st.burr.support(*point[:2], loc=point[2], scale=point[3])
        assert lower <= 1.0 and upper >= 10.0


def test_histogram_refines_bins_at_a_hard_minimum():
    x = np.random.default_rng(0).exponential(2.0, 100_000)
    layout = histogram.design_layout(x[:10_000], x.min(), x.max())
    widths = np.diff(layout.edges)
    assert widths[0] < widths[layout.core_start] / 1000  # halvings toward the minimum
    assert histogram.count_values(x, layout).sum() == x.size


def test_every_default_candidate_fits(gamma_data):
    """Every default candidate fits 200k gamma rows with finite metrics and a binned
    loglik close to the exact one (how fast is benchmarks/bench_fit.py's job)."""
    x, data = gamma_data
    for name in distributions.list_distributions():
        record = fit_distribution(name, data)
        assert record["status"] == "ok", (name, record["message"])
        assert np.isfinite(record["ks_statistic"]) and np.isfinite(record["ad_statistic"])
        # The binned loglik stands for the exact one: within 1e-3 per row of it.
        exact = distributions.get_distribution(name).logpdf(x, *record["params"].values())
        assert abs(record["loglik"] - exact.sum()) / x.size < 1e-3, name
