"""Pure kernels checked against numpy/scipy, without Ray."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import scipy.stats as st

from bestfit_accessor.fitting import metrics
from bestfit_accessor.fitting import registry as distributions
from bestfit_accessor.fitting.fit import fit_distribution
from bestfit_accessor.summaries import grid as histogram
from bestfit_accessor.summaries.moments import merge_summaries, sample_positions, summarize_values

from ..helpers import fit_data_for


def _summaries(x: np.ndarray, cuts: list[int], positions: np.ndarray):
    bounds = [0, *cuts, x.size]
    parts = []
    for lo, hi in itertools.pairwise(bounds):
        inside = (positions >= lo) & (positions < hi)
        parts.append(summarize_values(x[lo:hi], positions[inside] - lo, np.flatnonzero(inside)))
    return merge_summaries(parts)


def test_merged_moments_match_numpy_whatever_the_split():
    rng = np.random.default_rng(3)
    x = rng.gamma(2.0, 3.0, 100_003) + 1e6
    x[::97] = np.nan
    x[5] = np.inf
    x[6] = -np.inf
    positions = sample_positions(x.size, 500, 11)
    finite = x[np.isfinite(x)]
    for cuts in ([], [50_000], [1, 2, 40_000, 99_999]):
        s = _summaries(x, cuts, positions)
        assert s.n == finite.size and s.n_nan == int(np.isnan(x).sum())
        assert s.n_posinf == 1 and s.n_neginf == 1 and s.n_dropped == x.size - finite.size
        assert s.vmin == finite.min() and s.vmax == finite.max()
        assert s.mean == pytest.approx(finite.mean(), rel=1e-14)
        assert s.variance == pytest.approx(finite.var(), rel=1e-9)
        assert s.skewness == pytest.approx(st.skew(finite), rel=1e-7)
        assert s.excess_kurtosis == pytest.approx(st.kurtosis(finite), rel=1e-7)
        sampled = x[positions]
        np.testing.assert_array_equal(s.sample(positions.size), sampled[np.isfinite(sampled)])


def test_sample_positions_are_uniform_and_distinct():
    pos = sample_positions(1_000_000, 10_000, 5)
    assert np.unique(pos).size == pos.size
    assert st.kstest(pos / 1_000_000, "uniform").pvalue > 0.001
    np.testing.assert_array_equal(pos, sample_positions(1_000_000, 10_000, 5))
    assert sorted(sample_positions(50, 100, 0)) == list(range(50))


@pytest.mark.parametrize("draw", ["normal", "cauchy", "lognormal", "spiky"])
def test_histogram_counts_every_value_once_in_its_bin(draw):
    rng = np.random.default_rng(8)
    x = {
        "normal": lambda: rng.normal(0, 1, 50_000),
        "cauchy": lambda: rng.standard_cauchy(50_000),
        "lognormal": lambda: rng.lognormal(0, 2, 50_000),
        "spiky": lambda: np.r_[np.zeros(49_000), rng.normal(0, 1, 1_000)],
    }[draw]()
    layout = histogram.design_layout(rng.choice(x, 5_000), x.min(), x.max())
    counts = histogram.count_values(np.r_[x, np.nan, np.inf], layout)
    assert counts.sum() == x.size
    assert np.all(np.diff(layout.edges) > 0)
    assert layout.edges[0] == x.min() and layout.edges[-1] == x.max()
    reference, _ = np.histogram(x, bins=layout.edges)
    # Values lying on an edge may fall either side through rounding; nothing else moves.
    assert np.abs(counts - reference).sum() <= 2 * np.isin(x, layout.edges).sum() + 2
    if draw == "cauchy":  # heavy tails get their own bins instead of swallowing the core
        assert layout.core_hi - layout.core_lo < 0.05 * (x.max() - x.min())


def test_ks_matches_scipy_kstest():
    rng = np.random.default_rng(1)
    x = np.sort(rng.normal(1, 2, 3_000))
    stat, p = metrics.ks_test(st.norm, (1.1, 2.0), x)
    ref = st.kstest(x, st.norm(1.1, 2.0).cdf, method="exact")
    assert stat == pytest.approx(ref.statistic, rel=1e-12)
    assert p == pytest.approx(ref.pvalue, rel=1e-6)


def test_anderson_darling_matches_scipy():
    rng = np.random.default_rng(2)
    x = rng.normal(3, 1.5, 2_000)
    ref = st.anderson(x, "norm", method="interpolate")
    ours = metrics.anderson_darling(st.norm, (x.mean(), x.std(ddof=1)), np.sort(x))
    assert ours == pytest.approx(ref.statistic, rel=1e-9)


def test_binned_loglik_approximates_exact_loglik():
    rng = np.random.default_rng(4)
    x = rng.gamma(3.0, 2.0, 200_000)
    data = fit_data_for(x)
    params = (3.0, 0.0, 2.0)
    binned = metrics.binned_loglik(st.gamma, params, data.edges, data.counts, data.split,
                                   data.log_widths)  # fmt: skip
    exact = st.gamma.logpdf(x, *params).sum()
    assert abs(binned - exact) / x.size < 2e-4


@pytest.mark.parametrize(
    ("name", "draw"),
    [
        ("norm", lambda rng: rng.normal(10, 3, 100_000)),
        ("gamma", lambda rng: rng.gamma(2.5, 3.0, 100_000)),
        ("t", lambda rng: rng.standard_t(6, 100_000) * 2 + 1),
    ],
)
def test_fit_reaches_full_data_likelihood_of_scipy_fit(name, draw):
    x = draw(np.random.default_rng(6))
    record = fit_distribution(name, fit_data_for(x))
    assert record["status"] == "ok", record["message"]
    dist = distributions.get_distribution(name)
    ours = dist.logpdf(x, *record["params"].values()).mean()
    reference = dist.logpdf(x, *dist.fit(x)).mean()
    assert ours >= reference - 1e-4
    assert record["aic"] == pytest.approx(2 * record["n_params"] - 2 * record["loglik"])
    assert record["bic"] == pytest.approx(
        record["n_params"] * np.log(x.size) - 2 * record["loglik"]
    )
    assert record["n_obs"] == x.size


def test_registry_default_set_and_lookups():
    default = distributions.list_distributions()
    assert len(default) >= 80
    assert not set(default) & set(distributions.DEFAULT_EXCLUSIONS)
    assert all(reason.strip() for reason in distributions.DEFAULT_EXCLUSIONS.values())
    assert distributions.param_names("gamma") == ["a", "loc", "scale"]
    assert distributions.param_names("norm") == ["loc", "scale"]
    with pytest.raises(ValueError, match="did you mean gamma"):
        distributions.resolve_distributions(["gama"])
    with pytest.raises(ValueError, match="unknown distribution '__class__'"):
        distributions.get_distribution("__class__")
