"""Scores of marginals with mass points (counts, hurdle atoms) and the latent correlation."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.stats as st
from numpy.polynomial.hermite_e import hermeval
from scipy.special import ndtr

from bestfit_accessor.dependence.latent import HERMITE_ORDER, latent_correlation, latent_matrix
from bestfit_accessor.dependence.marginal import Marginal, check_marginal
from bestfit_accessor.dependence.mass_scores import (
    DiscreteScoreTable,
    HurdleScoreTable,
    build_score_table,
)
from bestfit_accessor.exceptions import InvalidArgumentError


def _latent_pair(seed: int, rho: float, n: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    z = rng.standard_normal((2, n))
    z[1] = rho * z[0] + math.sqrt(1 - rho * rho) * z[1]
    return z


@pytest.fixture(scope="module")
def poisson() -> DiscreteScoreTable:
    return build_score_table(check_marginal(("poisson", {"mu": 3.0, "loc": 0}), "a"))


@pytest.fixture(scope="module")
def nbinom() -> DiscreteScoreTable:
    return build_score_table(check_marginal(("nbinom", {"n": 2.0, "p": 0.4, "loc": 0}), "b"))


def test_count_table_samples_exactly_the_inverse_cdf(poisson, nbinom):
    z = _latent_pair(0, 0.0, 50_000)
    assert np.array_equal(poisson.from_z(z[0]), st.poisson(3.0).ppf(ndtr(z[0])))
    assert np.array_equal(nbinom.from_z(z[1]), st.nbinom(2.0, 0.4).ppf(ndtr(z[1])))
    assert poisson.integer and nbinom.integer


def test_count_scores_are_cell_means(poisson):
    k = np.arange(0, 8)
    a = st.norm.ppf(st.poisson(3.0).cdf(k - 1))
    b = st.norm.ppf(st.poisson(3.0).cdf(k))
    mean = (st.norm.pdf(a) - st.norm.pdf(b)) / st.poisson(3.0).pmf(k)
    assert poisson.to_z(k.astype(float)) == pytest.approx(mean, rel=1e-9)
    # a value beyond the table is scored with scipy, in its cell
    far = poisson.to_z(np.array([poisson.k_hi + 3.0]))
    assert np.isfinite(far).all() and far[0] > 7


def test_hermite_coefficients_match_monte_carlo(poisson):
    d, variance = poisson.hermite(HERMITE_ORDER)
    z = np.random.default_rng(9).standard_normal(2_000_000)
    g = poisson.to_z(poisson.from_z(z))
    assert abs(d[0]) < 1e-12
    assert variance == pytest.approx(g.var(), abs=3e-3)
    for j in (1, 2, 3, 7):
        coef = np.zeros(j + 1)
        coef[j] = 1.0
        terms = g * hermeval(z, coef) / math.sqrt(math.factorial(j))
        assert d[j] == pytest.approx(terms.mean(), abs=4 * terms.std() / math.sqrt(z.size))
    assert np.sum(d[1:] ** 2) <= variance + 1e-12  # Bessel's inequality


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_latent_correlation_of_two_count_columns(poisson, nbinom, seed):
    z = _latent_pair(seed, 0.6, 200_000)
    x1, x2 = poisson.from_z(z[0]), nbinom.from_z(z[1])
    observed = np.corrcoef(poisson.to_z(x1), nbinom.to_z(x2))[0, 1]
    assert observed < 0.59  # the scores alone are attenuated
    rho = latent_correlation(observed, poisson.hermite(HERMITE_ORDER),
                             nbinom.hermite(HERMITE_ORDER))
    assert abs(rho - 0.6) < 0.01


def test_latent_matrix_leaves_continuous_pairs_alone(poisson):
    observed = np.array([[1.0, 0.5, 0.3], [0.5, 1.0, 0.2], [0.3, 0.2, 1.0]])
    coefficients = [None, None, poisson.hermite(HERMITE_ORDER)]
    out = latent_matrix(observed, coefficients)
    assert out[0, 1] == 0.5
    d, v = coefficients[2]
    assert out[0, 2] == pytest.approx(0.3 * math.sqrt(v) / d[1], rel=1e-6)  # polyserial
    assert np.array_equal(out, out.T)


def test_hurdle_table_reproduces_the_atom_and_the_continuous_part():
    marginal = check_marginal({"distribution": "lognorm", "params": {"s": 0.8, "loc": 0.0,
                               "scale": 2.0}, "atom": {"value": 0.0, "prob": 0.24}}, "pay")
    table = build_score_table(marginal)
    assert isinstance(table, HurdleScoreTable) and not table.integer
    z = _latent_pair(3, 0.0, 200_000)[0]
    x = table.from_z(z)
    assert abs(np.mean(x == 0.0) - 0.24) < 4 * math.sqrt(0.24 * 0.76 / 200_000)
    rest = x != 0.0
    assert table.to_z(x[rest]) == pytest.approx(z[rest], abs=1e-6)
    assert np.all(table.to_z(np.zeros(3)) == table.mean)
    assert table.cell[0] == -math.inf and table.cell[1] == pytest.approx(st.norm.ppf(0.24))


def test_marginal_with_an_atom_round_trips_and_is_validated():
    marginal = Marginal("lognorm", {"s": 0.8, "loc": 0.0, "scale": 2.0}, (0.0, 0.24))
    assert check_marginal(marginal.to_dict(), "pay") == marginal
    assert marginal.frozen().p_atom == 0.24
    with pytest.raises(InvalidArgumentError, match="atom"):
        check_marginal({**marginal.to_dict(), "atom": {"value": 0.0, "prob": 1.0}}, "pay")
    with pytest.raises(InvalidArgumentError, match="count distribution"):
        check_marginal({"distribution": "poisson", "params": {"mu": 2.0, "loc": 0},
                        "atom": [0.0, 0.2]}, "n")
    with pytest.raises(InvalidArgumentError, match="integer"):
        check_marginal(("poisson", {"mu": 2.0, "loc": 0.5}), "n")


def test_heavy_tailed_counts_are_tabulated_without_scipy_sums():
    """zipf's scipy cdf sums the pmf value by value (and its ppf can fail): the table
    accumulates the pmf once and continues the tail as its power law."""
    table = build_score_table(check_marginal(("zipf", {"a": 1.6, "loc": 0}), "n"))
    assert table.k_hi - table.k_lo + 1 == 2**18
    assert table.tail_alpha == pytest.approx(0.6, rel=1e-3)  # sf(k) ~ k^-(a-1)
    z = np.random.default_rng(1).standard_normal(100_000)
    x = table.from_z(z)
    frozen = st.zipf(1.6)
    small = np.abs(z[:500]) < 2.5
    u = ndtr(z[:500][small])
    assert np.all(frozen.cdf(x[:500][small]) >= u - 1e-12)
    assert np.all(frozen.cdf(x[:500][small] - 1) < u + 1e-12)
    assert np.all(np.isfinite(table.to_z(x)))
    assert (x > table.k_hi).any()  # the tail beyond the table is drawn too
    d, variance = table.hermite(HERMITE_ORDER)
    assert 0 < d[1] <= math.sqrt(variance) and variance < 1
