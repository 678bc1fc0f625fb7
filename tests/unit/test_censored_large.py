"""Compressed censored terms (fitting.compressed_terms) against exact distinct-point terms.

Tolerances are per row of weight: the compressed log-likelihood minus the exact one,
divided by the total weight, on the same fitted distribution.
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.stats as st

from bestfit_accessor.fitting.censoring import CensoredTerms, censored_loglik, fit_censored
from bestfit_accessor.fitting.compressed_terms import (
    design_grid,
    gauss_terms,
    interval_terms,
    pair_cells,
    pair_coordinates,
)

DISTRIBUTIONS = {
    "weibull": st.weibull_min(1.5, scale=100.0),
    "lognormal_heavy": st.lognorm(2.5),
    "pareto_heavy": st.pareto(1.1),
    "normal": st.norm(3.0, 2.0),
    "cauchy": st.cauchy(),
}
#: Per-row tolerance of exact values and right-censored points, and of left-censored
#: points (pareto's log F has a log singularity at its support bound, next to the
#: smallest points: 5e-6 measured).
POINT_TOL = 1e-8
LEFT_TOL = {"pareto_heavy": 2e-5}
#: Per-row tolerance of interval cells (the documented approximation).
INTERVAL_TOL = 2e-3


def grid_for(x: np.ndarray, rng: np.random.Generator, n_core: int = 512):
    sample = rng.choice(x, 10_000, replace=False)
    q25, q50, q75 = np.quantile(sample, [0.25, 0.5, 0.75])
    return design_grid(sample, float(x.min()), float(x.max()), q50, (q75 - q25) / 1.349, n_core)


def per_row(approx: float, exact: float, weights: np.ndarray) -> float:
    return abs(approx - exact) / float(np.sum(weights))


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("name", list(DISTRIBUTIONS))
def test_gauss_terms_of_points_match_the_exact_sum(name, seed):
    dist = DISTRIBUTIONS[name]
    rng = np.random.default_rng(seed)
    x = dist.rvs(200_000, random_state=rng)
    w = rng.uniform(0.0, 3.0, x.size)
    grid = grid_for(x, rng)
    counts, sums = grid.bins(x, w)
    assert counts.sum() == pytest.approx(w.sum(), rel=1e-12)
    for kind, logp, tol in (("exact", dist.logpdf, POINT_TOL), ("right", dist.logsf, POINT_TOL),
                            ("left", dist.logcdf, LEFT_TOL.get(name, POINT_TOL))):  # fmt: skip
        terms = gauss_terms(kind, grid, counts, sums)
        points = terms.values if kind == "exact" else terms.points
        assert points.size < 2 * grid.layout.n_bins and terms.counts.sum() == pytest.approx(
            w.sum(), rel=1e-12)  # fmt: skip
        error = per_row(float(np.dot(terms.counts, logp(points))), float(np.dot(w, logp(x))), w)
        assert error < tol, (kind, error)


@pytest.mark.parametrize("name", list(DISTRIBUTIONS))
@pytest.mark.parametrize("widths", ["exponential", "inspection"])
def test_interval_cells_match_the_exact_sum_within_the_documented_error(name, widths):
    dist = DISTRIBUTIONS[name]
    rng = np.random.default_rng(7)
    x = dist.rvs(200_000, random_state=rng)
    w = rng.uniform(0.0, 3.0, x.size)
    iqr = float(np.diff(np.quantile(x, [0.25, 0.75]))[0])
    width = (st.expon(scale=0.5 * iqr).rvs(x.size, random_state=rng) if widths == "exponential"
             else 0.3 * iqr * rng.uniform(0.9, 1.1, x.size))  # fmt: skip
    left = x - width * rng.uniform(0.0, 1.0, x.size)
    pairs = np.column_stack([left, left + width])
    coords = pair_coordinates(pairs)
    cells = pair_cells(pairs, w, grid_for(coords[:, 0], rng), grid_for(coords[:, 1], rng, 128))
    terms = interval_terms(cells)
    assert cells.size < x.size / 2 and terms.counts.sum() == pytest.approx(w.sum(), rel=1e-12)
    assert np.all(terms.left < terms.right)

    def log_p(lo, hi):
        return np.log(np.maximum(dist.cdf(hi) - dist.cdf(lo), 1e-300))

    error = per_row(float(np.dot(terms.counts, log_p(terms.left, terms.right))),
                    float(np.dot(w, log_p(pairs[:, 0], pairs[:, 1]))), w)  # fmt: skip
    assert error < INTERVAL_TOL


def test_bins_and_cells_merge_by_addition_whatever_the_split():
    rng = np.random.default_rng(3)
    x = st.weibull_min(1.5, scale=100.0).rvs(50_000, random_state=rng)
    w = rng.integers(0, 4, x.size).astype(float)
    grid = grid_for(x, rng)
    whole = grid.bins(x, w)
    halves = [grid.bins(x[s], w[s]) for s in (slice(0, 17_000), slice(17_000, None))]
    np.testing.assert_allclose(whole[0], halves[0][0] + halves[1][0], rtol=1e-12)
    np.testing.assert_allclose(whole[1], halves[0][1] + halves[1][1], rtol=1e-9, atol=1e-9)
    pairs = np.column_stack([x, x + 5.0 + rng.exponential(10.0, x.size)])
    coords = pair_coordinates(pairs)
    mids, log_widths = grid_for(coords[:, 0], rng), grid_for(coords[:, 1], rng, 128)
    one = pair_cells(pairs, w, mids, log_widths)
    two = pair_cells(pairs[:20_000], w[:20_000], mids, log_widths).merged(
        pair_cells(pairs[20_000:], w[20_000:], mids, log_widths))
    np.testing.assert_array_equal(one.keys, two.keys)
    np.testing.assert_allclose(one.counts, two.counts, rtol=1e-12)
    np.testing.assert_allclose(one.left_sums, two.left_sums, rtol=1e-9)


def test_integer_weights_bin_as_repeated_rows():
    rng = np.random.default_rng(4)
    x = st.gamma(2.0, scale=3.0).rvs(20_000, random_state=rng)
    k = rng.integers(0, 4, x.size)
    grid = grid_for(x, rng)
    weighted = grid.bins(x, k.astype(float))
    repeated = grid.bins(np.repeat(x, k), np.ones(int(k.sum())))
    np.testing.assert_allclose(weighted[0], repeated[0], rtol=1e-12)
    np.testing.assert_allclose(weighted[1], repeated[1], rtol=1e-8, atol=1e-9)


@pytest.mark.parametrize("seed", [0, 1])
def test_a_fit_on_compressed_censored_terms_matches_the_exact_fit(seed):
    rng = np.random.default_rng(seed)
    n = 150_000
    x = st.weibull_min(1.5, scale=100.0).rvs(n, random_state=rng)
    c = st.expon(scale=250.0).rvs(n, random_state=rng)
    t, seen = np.minimum(x, c), x <= c
    exact_terms = CensoredTerms.from_events(t, seen.astype(int))
    observed, censored = t[seen], t[~seen]
    g_exact, g_right = grid_for(observed, rng), grid_for(censored, rng)
    compressed = CensoredTerms(
        gauss_terms("exact", g_exact, *g_exact.bins(observed, np.ones(observed.size))),
        None, gauss_terms("right", g_right, *g_right.bins(censored, np.ones(censored.size))),
        compressed=("exact", "right"), extent=(float(t.min()), float(t.max())))  # fmt: skip
    assert compressed.exact.values.size < 3_000 and compressed.n_obs == pytest.approx(n)
    exact_fit = fit_censored("weibull_min", exact_terms, {"loc": 0.0})
    ours = fit_censored("weibull_min", compressed, {"loc": 0.0})
    for key in ("c", "scale"):
        assert ours.params[key] == pytest.approx(exact_fit.params[key], rel=1e-5)
    exact_at_ours = censored_loglik(st.weibull_min, list(ours.params.values()), exact_terms)
    assert abs(ours.loglik - exact_at_ours) / n < 1e-8
    assert compressed.covered_range() == (float(t.min()), float(t.max()))
