"""Registered distributions fit on Ray like built-ins (pandas and Modin input).

The custom family here is the type I generalised logistic, ``F(x) = expit(x)^c``,
which scipy also ships as ``genlogistic``: the same model fitted under both names
must agree, and data drawn from it must give back its parameters.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.stats as st
from scipy.special import logit

import bestfit_accessor
from bestfit_accessor.fitting.scipy_adapter import has_make_distribution

from ..helpers import GenLogistic, GenLogisticDefinition, make_frame, registered

TRUE = {"c": 2.5, "loc": 3.0, "scale": 1.5}
N_ROWS = 100_000
#: Asymptotic standard deviations of the MLE at N_ROWS rows and TRUE (from the Fisher
#: information of genlogistic, computed numerically): c 0.047, loc 0.040, scale 0.0065.
#: The tolerances are 5 of them, so a draw misses with probability below 1e-5.
TOLERANCE = {"c": 0.25, "loc": 0.2, "scale": 0.033}


class GenLogisticNewStyle(GenLogisticDefinition):
    """The new-style definition with its closed-form inverse CDF."""

    def icdf(self, p, c):
        return logit(p ** (1.0 / c))


def _draw(seed: int) -> pd.DataFrame:
    x = st.genlogistic.rvs(TRUE["c"], loc=TRUE["loc"], scale=TRUE["scale"], size=N_ROWS,
                           random_state=seed)  # fmt: skip
    return pd.DataFrame({"x": x})


def _row(fits: pd.DataFrame, name: str) -> pd.Series:
    return fits[fits["distribution"] == name].iloc[0]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_registered_subclass_fits_on_ray_and_recovers_its_parameters(frame_kind, seed):
    df = make_frame(frame_kind, _draw(seed))
    with registered("genlog", GenLogistic(name="genlog")):
        fits = df.bestfit.fit("x", distributions=["genlog", "genlogistic", "norm"],
                              random_state=seed)  # fmt: skip
    assert dict(zip(fits["distribution"], fits["status"], strict=True)) == {
        "genlog": "ok", "genlogistic": "ok", "norm": "ok"}  # fmt: skip
    ours, scipys = _row(fits, "genlog"), _row(fits, "genlogistic")
    assert list(ours["params"]) == ["c", "loc", "scale"]
    for name, value in TRUE.items():
        assert abs(ours["params"][name] - value) < TOLERANCE[name], (name, ours["params"])
    # The same model under two names: the same optimum, to the optimiser's tolerance.
    assert ours["loglik"] == pytest.approx(scipys["loglik"], abs=0.05)
    for name in TRUE:
        assert ours["params"][name] == pytest.approx(scipys["params"][name], rel=2e-3, abs=2e-3)
    assert ours["aic"] < _row(fits, "norm")["aic"]  # the true family beats the normal
    assert ours["ks_pvalue"] > 1e-4


def test_results_of_a_registered_distribution_load_score_and_sample():
    df = _draw(3)
    df["y"] = df["x"] + st.norm.rvs(size=len(df), random_state=4)
    with registered("genlog", GenLogistic(name="genlog")):
        fits = df.bestfit.fit(["x", "y"], distributions=["genlog", "norm"], random_state=0)
        best = fits[fits["column"] == "x"].iloc[0]
        assert best["distribution"] == "genlog"
        frozen = bestfit_accessor.to_scipy(best)
        params = best["params"]
        assert frozen.cdf(params["loc"]) == pytest.approx(2.0 ** -params["c"], rel=1e-12)
        again = bestfit_accessor.fits_from_json(bestfit_accessor.fits_to_json(fits))
        assert list(again["distribution"]) == list(fits["distribution"])
        # Normal scores and sampling run in Ray tasks, which never saw the registration.
        copula = df.bestfit.copula(fits)
        assert copula.marginals["x"].distribution == "genlog"
        sample = copula.sample(20_000, random_state=0)
    median = frozen.ppf(0.5)
    assert abs(float(np.mean(sample["x"] < median)) - 0.5) < 0.02
    assert sample[["x", "y"]].corr().iloc[0, 1] == pytest.approx(df.corr().iloc[0, 1], abs=0.03)


@pytest.mark.skipif(not has_make_distribution(),
                    reason="scipy < 1.15 has no make_distribution")  # fmt: skip
def test_a_make_distribution_object_fits_on_ray(frame_kind):
    df = make_frame(frame_kind, _draw(5))
    new_style = st.make_distribution(GenLogisticNewStyle())
    with registered("genlog_new", new_style):
        fits = df.bestfit.fit("x", distributions=["genlog_new", "genlogistic"], random_state=0)
    ours, scipys = _row(fits, "genlog_new"), _row(fits, "genlogistic")
    assert ours["status"] == "ok", ours["message"]
    assert list(ours["params"]) == ["c", "loc", "scale"]
    assert ours["loglik"] == pytest.approx(scipys["loglik"], abs=0.05)
    for name, value in TRUE.items():
        assert abs(ours["params"][name] - value) < TOLERANCE[name], (name, ours["params"])
