"""fit(..., atoms="model"): hurdle mixtures for point masses, to_scipy and the copula."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import scipy.stats as st

import bestfit_accessor as bf
from bestfit_accessor.exceptions import InvalidArgumentError
from bestfit_accessor.results.hurdle import HurdleMixture

ZERO_SHARE = 0.24
CANDIDATES = ["lognorm", "gamma", "weibull_min"]


def _payments(seed: int, n: int) -> pd.DataFrame:
    """Log-payment-like data: 24% exact zeros, the rest lognormal; and a dependent column."""
    rng = np.random.default_rng(seed)
    z = rng.standard_normal((2, n))
    z[1] = 0.5 * z[0] + math.sqrt(0.75) * z[1]
    u = st.norm.cdf(z[0])
    pay = np.where(u <= ZERO_SHARE, 0.0,
                   st.lognorm(0.9, scale=250.0).ppf((u - ZERO_SHARE) / (1 - ZERO_SHARE)))
    return pd.DataFrame({"pay": pay, "age": 40.0 + 10.0 * z[1]})


@pytest.fixture(scope="module")
def payments() -> pd.DataFrame:
    return _payments(0, 50_000)


@pytest.fixture(scope="module")
def both_fits(payments) -> tuple[pd.DataFrame, pd.DataFrame]:
    excluded = payments.bestfit.fit("pay", distributions=CANDIDATES, random_state=0)
    modelled = payments.bestfit.fit("pay", distributions=CANDIDATES, random_state=0,
                                    atoms="model")
    return excluded, modelled


def test_hurdle_rows_count_every_row(payments, both_fits):
    excluded, modelled = both_fits
    n = len(payments)
    n_zero = int((payments["pay"] == 0).sum())
    assert (modelled["n_point_mass"] == n_zero).all() and (modelled["n_obs"] == n).all()
    assert (excluded["n_obs"] == n - n_zero).all() and excluded["atom_prob"].isna().all()
    p = n_zero / n
    atom_terms = n_zero * math.log(p) + (n - n_zero) * math.log1p(-p)
    merged = excluded.merge(modelled, on="distribution", suffixes=("_rest", ""))
    assert merged["loglik"].to_numpy() == pytest.approx(
        merged["loglik_rest"].to_numpy() + atom_terms, rel=1e-12)
    assert (merged["n_params"] == merged["n_params_rest"] + 1).all()
    assert merged["aic"].to_numpy() == pytest.approx(
        2 * merged["n_params"] - 2 * merged["loglik"], rel=1e-12)
    assert merged["bic"].to_numpy() == pytest.approx(
        merged["n_params"] * math.log(n) - 2 * merged["loglik"], rel=1e-12)
    assert (modelled["atom_value"] == 0.0).all()
    assert modelled["atom_prob"].to_numpy() == pytest.approx(p)
    assert modelled["distribution"].iloc[0] == "lognorm"  # the true continuous part wins
    assert "hurdle atom" in modelled["message"].iloc[0]


def test_to_scipy_gives_the_mixture(both_fits):
    _, modelled = both_fits
    frozen = bf.to_scipy(modelled.iloc[0])
    assert isinstance(frozen, HurdleMixture)
    assert frozen.cdf(0.0) == pytest.approx(ZERO_SHARE, abs=0.01)
    draws = frozen.rvs(100_000, random_state=1)
    assert abs(np.mean(draws == 0.0) - frozen.p_atom) < 4 * math.sqrt(0.25 / 100_000)
    assert frozen.ppf(frozen.p_atom / 2) == 0.0


def test_json_round_trip_keeps_the_atom(both_fits, tmp_path):
    _, modelled = both_fits
    path = tmp_path / "fits.json"
    bf.fits_to_json(modelled, path)
    loaded = bf.fits_from_json(path)
    assert loaded["atom_prob"].to_numpy() == pytest.approx(modelled["atom_prob"].to_numpy())
    assert isinstance(bf.to_scipy(loaded.iloc[0]), HurdleMixture)


@pytest.mark.parametrize("seed", [1, 2])
def test_copula_sampling_reproduces_the_atom_share(payments, seed):
    fits = pd.concat([
        payments.bestfit.fit("pay", distributions=CANDIDATES, atoms="model", random_state=0),
        payments.bestfit.fit("age", distributions=["norm", "logistic"]),
    ], ignore_index=True)  # fmt: skip
    copula = payments.bestfit.copula(fits, columns=["pay", "age"])
    atom = copula.marginals["pay"].atom
    assert atom is not None and atom[0] == 0.0
    assert abs(copula.correlation.iloc[0, 1] - 0.5) < 0.03
    sample = copula.sample(100_000, random_state=seed)
    share = float(np.mean(sample["pay"] == 0.0))
    assert abs(share - atom[1]) < 4 * math.sqrt(atom[1] * (1 - atom[1]) / 100_000)
    loaded = bf.GaussianCopula.from_json(copula.to_json())
    assert loaded == copula and loaded.marginals["pay"].atom == atom


def test_atoms_option_is_checked(payments):
    with pytest.raises(InvalidArgumentError, match="atoms"):
        payments.bestfit.fit("pay", distributions=CANDIDATES, atoms="drop")


def test_real_column_with_a_point_mass():
    """statsmodels' Fair affairs data: time in affairs, 68% exact zeros."""
    datasets = pytest.importorskip("statsmodels.datasets", reason="statsmodels is not installed")
    df = datasets.fair.load_pandas().data[["affairs"]]
    candidates = ["lognorm", "gamma", "expon", "weibull_min"]
    excluded = df.bestfit.fit("affairs", distributions=candidates, random_state=0)
    modelled = df.bestfit.fit("affairs", distributions=candidates, random_state=0,
                              atoms="model")
    n_zero = int((df["affairs"] == 0).sum())
    assert modelled["atom_prob"].iloc[0] == pytest.approx(n_zero / len(df))
    assert (modelled["n_obs"] == len(df)).all()
    # the atom adds the same terms to every candidate: the ranking is unchanged
    assert modelled["distribution"].tolist() == excluded["distribution"].tolist()
    frozen = bf.to_scipy(modelled.iloc[0])
    assert frozen.cdf(0.0) == pytest.approx(n_zero / len(df))
