"""Count marginals in the Gaussian copula: latent correlation, integer samples, JSON."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import scipy.stats as st
from scipy.special import ndtr

import bestfit_accessor as bf

RHO = 0.6
N = 200_000


def _dependent_counts(seed: int, n: int = N) -> pd.DataFrame:
    """Poisson(3) and nbinom(2, 0.4) columns and a lognormal one, from correlated normals."""
    rng = np.random.default_rng(seed)
    z = rng.standard_normal((3, n))
    z[1] = RHO * z[0] + math.sqrt(1 - RHO**2) * z[1]
    z[2] = RHO * z[0] + math.sqrt(1 - RHO**2) * z[2]
    return pd.DataFrame({
        "claims": st.poisson(3.0).ppf(ndtr(z[0])).astype(np.int64),
        "visits": st.nbinom(2.0, 0.4).ppf(ndtr(z[1])).astype(np.int64),
        "amount": st.lognorm(0.5, scale=100.0).ppf(ndtr(z[2])),
    })


def _count_fits(df: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    return df.bestfit.fit(columns, distributions=["poisson", "nbinom"])


def _chi_square_pvalue(values: np.ndarray, frozen) -> float:
    """Pearson chi-square of integer draws against a pmf, cells pooled to expected ≥ 5."""
    n = values.size
    top = int(frozen.isf(5.0 / n))
    k = np.arange(0, top + 1)
    expected = n * frozen.pmf(k)
    expected[-1] += n * frozen.sf(top)
    observed = np.bincount(np.minimum(values, top), minlength=top + 1).astype(float)
    return float(st.chisquare(observed, expected, ddof=0).pvalue)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_latent_correlation_of_two_count_columns_is_recovered(seed):
    df = _dependent_counts(seed)
    fits = _count_fits(df, ["claims", "visits"])
    copula = df.bestfit.copula(fits, columns=["claims", "visits"])
    marginals = copula.marginals
    assert marginals["claims"].distribution == "poisson"
    assert marginals["visits"].distribution == "nbinom"
    rho = copula.correlation.loc["claims", "visits"]
    assert abs(rho - RHO) < 0.03
    # the plain normal-score correlation is attenuated: the correction matters
    plain = df[["claims", "visits"]].corr(method="pearson").iloc[0, 1]
    assert plain < rho


@pytest.mark.parametrize("seed", [3, 4])
def test_sampled_count_columns_are_integers_with_the_fitted_pmf(seed):
    df = _dependent_counts(seed, 100_000)
    copula = df.bestfit.copula(_count_fits(df, ["claims", "visits"]),
                               columns=["claims", "visits"])
    sample = copula.sample(100_000, random_state=seed)
    assert sample.dtypes.tolist() == [np.dtype(np.int64), np.dtype(np.int64)]
    for column, marginal in copula.marginals.items():
        assert _chi_square_pvalue(sample[column].to_numpy(), marginal.frozen()) > 1e-3
    assert abs(sample.corr().iloc[0, 1] - df[["claims", "visits"]].corr().iloc[0, 1]) < 0.02


def test_mixed_count_and_continuous_columns(tmp_path):
    df = _dependent_counts(5, 100_000)
    fits = pd.concat([_count_fits(df, ["claims"]),
                      df.bestfit.fit(["amount"], distributions=["lognorm", "gamma"])],
                     ignore_index=True)  # fmt: skip
    copula = df.bestfit.copula(fits, columns=["claims", "amount"])
    assert copula.marginals["amount"].distribution == "lognorm"
    assert abs(copula.correlation.loc["claims", "amount"] - RHO) < 0.03
    sample = copula.sample(50_000, random_state=1)
    assert sample["claims"].dtype == np.int64 and sample["amount"].dtype == np.float64
    assert _chi_square_pvalue(sample["claims"].to_numpy(),
                              copula.marginals["claims"].frozen()) > 1e-3
    # JSON round trip keeps the count marginal and samples the same frame
    path = tmp_path / "copula.json"
    copula.save(path)
    loaded = bf.GaussianCopula.load(path)
    assert loaded == copula
    assert loaded.marginals["claims"].params["loc"] == 0
    pd.testing.assert_frame_equal(loaded.sample(50_000, random_state=1), sample)


def test_modin_input_samples_integer_columns(frame_kind):
    df = _dependent_counts(6, 20_000)
    if frame_kind == "modin":
        import modin.pandas as mpd

        df = mpd.DataFrame(df)
    fits = df.bestfit.fit(["claims", "visits"], distributions=["poisson", "nbinom"])
    copula = df.bestfit.copula(fits, columns=["claims", "visits"])
    sample = copula.sample(10_000, random_state=0)
    assert [str(t) for t in sample.dtypes] == ["int64", "int64"]
    assert abs(copula.correlation.iloc[0, 1] - RHO) < 0.05


def test_copula_without_fits_picks_count_families_for_count_columns():
    """The copula's own fit uses the "auto" kind, as ``.bestfit.fit`` does: a column of
    counts gets a count marginal (integer samples), a continuous one a density."""
    df = _dependent_counts(5, n=20_000)
    copula = df.bestfit.copula(columns=["claims", "amount"])
    marginals = copula.marginals
    assert marginals["claims"].discrete and not marginals["amount"].discrete
    sample = copula.sample(5_000, random_state=1)
    assert sample["claims"].dtype.kind == "i"
    assert abs(copula.correlation.loc["claims", "amount"] - RHO) < 0.05
