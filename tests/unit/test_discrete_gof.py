"""Goodness of fit for counts: chi-square cells, discrete KS, AIC/BIC, rootogram."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import scipy.stats as st

from bestfit_accessor.discrete.counts import block_value_counts
from bestfit_accessor.discrete.fit import fit_discrete
from bestfit_accessor.discrete.gof import (
    MIN_EXPECTED,
    aic_bic,
    chi_square,
    discrete_ks,
    goodness_of_fit,
    rootogram,
)

from ..helpers import REALDATA, requires_realdata

CASES = [
    (st.poisson, (4.0,), 0),
    (st.nbinom, (2.0, 0.3), 0),
    (st.geom, (0.2,), -1),
    (st.binom, (20, 0.4), 0),
]


@pytest.mark.parametrize(("dist", "shapes", "loc"), CASES)
def test_discrete_ks_equals_the_supremum_over_every_integer(dist, shapes, loc):
    x = dist.rvs(*shapes, loc=loc, size=300, random_state=5)
    vc = block_value_counts(x)
    grid = np.arange(x.min() - 3, x.max() + 4)
    empirical = np.searchsorted(np.sort(x), grid, side="right") / len(x)
    brute = np.max(np.abs(empirical - dist.cdf(grid, *shapes, loc=loc)))
    assert discrete_ks(dist, shapes, loc, vc) == pytest.approx(brute, abs=1e-12)


@pytest.mark.parametrize(("dist", "shapes", "loc"), CASES)
def test_pooled_chi_square_cells(dist, shapes, loc):
    x = dist.rvs(*shapes, loc=loc, size=2000, random_state=6)
    vc = block_value_counts(x)
    out = chi_square(dist, shapes, loc, vc, n_params=len(shapes))
    assert np.all(out["expected"] >= MIN_EXPECTED)
    assert out["observed"].sum() == len(x)
    assert out["expected"].sum() == pytest.approx(len(x), rel=1e-9)  # cells cover the support
    assert out["chisq_df"] == out["chisq_cells"] - 1 - len(shapes)
    by_hand = float(((out["observed"] - out["expected"]) ** 2 / out["expected"]).sum())
    assert out["chisq"] == pytest.approx(by_hand)
    assert out["chisq_pvalue"] == pytest.approx(st.chi2.sf(by_hand, out["chisq_df"]))


def test_chi_square_p_values_of_the_true_family_are_not_extreme_over_seeds():
    pvalues = []
    for seed in range(20):
        x = st.poisson.rvs(6.0, size=3000, random_state=100 + seed)
        vc = block_value_counts(x)
        fit = fit_discrete("poisson", vc)
        pvalues.append(goodness_of_fit(st.poisson, fit["params"], 1, fit["loglik"],
                                       vc)["chisq_pvalue"])
    pvalues = np.array(pvalues)
    # 20 draws of a roughly uniform p-value: none tiny, and spread over the range
    assert pvalues.min() > 1e-3
    assert 0.2 < pvalues.mean() < 0.8


def test_aic_bic():
    aic, bic = aic_bic(-100.0, 2, 50)
    assert aic == 204.0
    assert bic == pytest.approx(2 * np.log(50) + 200.0)


def test_rootogram_observed_and_expected_per_value():
    x = st.poisson.rvs(3.0, size=1000, random_state=7)
    vc = block_value_counts(x)
    data = rootogram(st.poisson, (3.0,), 0, vc)
    assert data["value"].tolist() == list(range(x.min(), x.max() + 1))
    assert data["observed"].sum() == len(x)
    assert data["observed"][data["value"] == 3][0] == np.sum(x == 3)
    assert np.allclose(data["expected"], len(x) * st.poisson.pmf(data["value"], 3.0))


@requires_realdata
def test_toxocara_chi_square_on_fitdistrplus_cells_matches_the_reference():
    x = pd.read_csv(REALDATA / "toxocara.csv")["value"].to_numpy()
    refs = json.loads((REALDATA / "references.json").read_text())
    vc = block_value_counts(x)
    for entry in (e for e in refs if e["dataset"] == "toxocara"):
        check = entry["scipy_check"]
        fit = fit_discrete(entry["family"], vc)
        dist = getattr(st, entry["family"])
        shapes = tuple(v for k, v in fit["params"].items() if k != "loc")
        out = chi_square(dist, shapes, 0, vc, fit["n_params"],
                         upper_bounds=check["chisq_cells_upper_bounds"])
        assert out["observed"].tolist() == check["chisq_at_mle"]["obs"]
        assert out["chisq_df"] == check["chisq_at_mle"]["df"]
        assert out["chisq"] == pytest.approx(check["chisq_at_mle"]["chisq"], rel=1e-5)
