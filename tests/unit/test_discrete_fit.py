"""Discrete maximum likelihood: the R reference, scipy, integer profiles, zero models.

Tolerances: a log-likelihood we report equals scipy's ``logpmf(...).sum()`` at our
parameters to 1e-9 relative; our optimum is at least an alternative optimiser's
(or a brute-force integer search's) minus 1e-6.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
import scipy.stats as st
from scipy.optimize import minimize, minimize_scalar

from bestfit_accessor.discrete.counts import block_value_counts
from bestfit_accessor.discrete.fit import fit_discrete
from bestfit_accessor.discrete.gof import aic_bic
from bestfit_accessor.discrete.profile import maximise_integer
from bestfit_accessor.discrete.registry import (
    DISCRETE_CANDIDATES,
    DISCRETE_EXCLUSIONS,
    get_discrete_family,
    resolve_discrete,
    unlisted_scipy_discrete,
)
from bestfit_accessor.discrete.zero_models import ZERO_MODELS
from bestfit_accessor.exceptions import UnknownDistributionError

from ..helpers import REALDATA, requires_realdata

OPTIMUM_TOLERANCE = 1e-6


def _dist(name):
    return ZERO_MODELS.get(name) or getattr(st, name)


def _scipy_loglik(name, params, x):
    shapes = [v for k, v in params.items() if k != "loc"]
    return float(_dist(name).logpmf(x, *shapes, loc=params["loc"]).sum())


def _fit(name, x, **kwargs):
    fit = fit_discrete(name, block_value_counts(x), **kwargs)
    assert fit["status"] == "ok", fit["message"]
    assert fit["loglik"] == pytest.approx(_scipy_loglik(name, fit["params"], x), rel=1e-9)
    return fit


# --- registry ------------------------------------------------------------------------

def test_registry_lists_or_excludes_every_scipy_discrete_family():
    assert unlisted_scipy_discrete() == []
    assert all(len(reason) > 20 for reason in DISCRETE_EXCLUSIONS.values())
    assert not set(DISCRETE_CANDIDATES) & set(DISCRETE_EXCLUSIONS)
    assert resolve_discrete("discrete") == list(DISCRETE_CANDIDATES)
    assert {"zi_poisson", "zi_nbinom", "hurdle_poisson", "hurdle_nbinom"} <= set(
        DISCRETE_CANDIDATES)
    with pytest.raises(UnknownDistributionError, match="bernoulli"):
        get_discrete_family("bernoulli")
    with pytest.raises(UnknownDistributionError, match="unknown"):
        resolve_discrete(["poison"])


# --- the published reference -----------------------------------------------------------

@requires_realdata
def test_toxocara_matches_the_published_r_fits():
    x = pd.read_csv(REALDATA / "toxocara.csv")["value"].to_numpy()
    refs = {e["family"]: e for e in json.loads((REALDATA / "references.json").read_text())
            if e["dataset"] == "toxocara"}
    poisson = _fit("poisson", x)
    assert poisson["loglik"] == pytest.approx(-507.5334, abs=1e-3)
    assert poisson["loglik"] == pytest.approx(refs["poisson"]["loglik"], abs=1e-3)
    nbinom = _fit("nbinom", x)
    assert nbinom["loglik"] == pytest.approx(-159.3441, abs=1e-3)
    aic, bic = aic_bic(nbinom["loglik"], nbinom["n_params"], len(x))
    assert aic == pytest.approx(322.6882, abs=1e-3)
    assert bic == pytest.approx(refs["nbinom"]["bic"], abs=1e-3)
    # the exact NB2 MLE of the mean is the sample mean
    n, p = nbinom["params"]["n"], nbinom["params"]["p"]
    assert n * (1 - p) / p == pytest.approx(x.mean(), rel=1e-4)


# --- continuous shapes against scipy and an alternative optimiser -------------------------

CONTINUOUS = [
    ("poisson", st.poisson, (3.5,), 0),
    ("nbinom", st.nbinom, (2.5, 0.3), 0),
    ("geom", st.geom, (0.3,), 0),
    ("planck", st.planck, (0.4,), 0),
    ("logser", st.logser, (0.8,), 0),
    ("zipf", st.zipf, (2.2,), 0),
    ("yulesimon", st.yulesimon, (2.5,), 0),
    ("dlaplace", st.dlaplace, (0.6,), 0),
    ("skellam", st.skellam, (4.0, 2.0), 0),
    ("betanbinom", st.betanbinom, (5.0, 6.0, 2.0), 0),
]


@pytest.mark.parametrize(("name", "dist", "shapes", "loc"), CONTINUOUS,
                         ids=[c[0] for c in CONTINUOUS])
@pytest.mark.parametrize("seed", [0, 1])
def test_continuous_shapes_reach_an_alternative_optimum(name, dist, shapes, loc, seed):
    x = dist.rvs(*shapes, loc=loc, size=1500, random_state=seed)
    fit = _fit(name, x)

    def nll(theta):
        with np.errstate(all="ignore"):
            value = -dist.logpmf(x, *np.exp(theta) if name not in (
                "geom", "logser") else (1 / (1 + np.exp(-theta[0])),)).sum()
        return value if np.isfinite(value) else 1e300

    if name == "zipf":
        alt = -minimize_scalar(lambda a: -dist.logpmf(x, a).sum(), bounds=(1.0001, 20),
                               method="bounded", options={"xatol": 1e-10}).fun
    else:  # Powell from the true parameters, in log (or logit) coordinates
        start = np.log(shapes) if name not in ("geom", "logser") else [
            math.log(shapes[0] / (1 - shapes[0]))]
        alt = -minimize(nll, start, method="Powell",
                        options={"xtol": 1e-10, "ftol": 1e-14}).fun
    assert fit["loglik"] >= alt - OPTIMUM_TOLERANCE


# --- integer shapes: profiled, exact -------------------------------------------------------

def test_maximise_integer_finds_the_peak_of_a_unimodal_profile():
    for peak in (0, 7, 1234, 987_654):
        m, value = maximise_integer(lambda k, p=peak: -abs(k - p) ** 1.5, 0)
        assert m == peak and value == 0
    assert maximise_integer(lambda k: float(k), 3, 10) == (10, 10.0)
    assert maximise_integer(lambda k: -math.inf if k < 5 else -k, 0, 40) == (5, -5.0)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_binom_n_is_the_exact_integer_maximum(seed):
    x = st.binom.rvs(20, 0.4, size=5000, random_state=seed)
    fit = _fit("binom", x)
    n_hat = fit["params"]["n"]
    assert isinstance(n_hat, int)
    brute = {n: st.binom.logpmf(x, n, x.mean() / n).sum() for n in range(x.max(), 400)}
    best = max(brute, key=brute.get)
    assert n_hat == best
    assert fit["loglik"] >= brute[best] - 1e-9


def test_binom_on_overdispersed_data_reports_the_search_bound():
    x = st.nbinom.rvs(2, 0.2, size=500, random_state=3)
    fit = _fit("binom", x)
    assert "search bound" in fit["message"]


def _brute_profile(dist, x, integers, inner_start):
    """max over the integer of the inner (continuous) optimum, by Powell."""
    best = -math.inf
    for m in integers:
        def nll(theta, m=m):
            with np.errstate(all="ignore"):
                v = -dist.logpmf(x, *_shapes(dist, m, np.exp(theta))).sum()
            return v if np.isfinite(v) else 1e300
        res = minimize(nll, np.log(inner_start), method="Powell",
                       options={"xtol": 1e-9, "ftol": 1e-13})
        best = max(best, -res.fun)
    return best


def _shapes(dist, m, cont):
    if dist is st.betabinom:
        return (m, *cont)
    return (*cont, m)  # zipfian (a, n), boltzmann (lambda_, N)


@pytest.mark.parametrize("seed", [0, 1])
def test_betabinom_profile_beats_brute_force_over_n(seed):
    x = st.betabinom.rvs(12, 2.0, 3.0, size=600, random_state=seed)
    fit = _fit("betabinom", x)
    brute = _brute_profile(st.betabinom, x, range(x.max(), x.max() + 12), (2.0, 3.0))
    assert fit["loglik"] >= brute - OPTIMUM_TOLERANCE


@pytest.mark.parametrize(("name", "dist", "shapes"), [
    ("zipfian", st.zipfian, (1.2, 30)),
    ("boltzmann", st.boltzmann, (0.15, 25)),
])
def test_bounded_families_profile_their_integer(name, dist, shapes):
    x = dist.rvs(*shapes, size=2000, random_state=4)
    fit = _fit(name, x)
    start = x.max() + (1 if name == "boltzmann" else 0)
    brute = _brute_profile(dist, x, range(start, start + 12), (shapes[0],))
    assert fit["loglik"] >= brute - OPTIMUM_TOLERANCE
    assert isinstance(fit["params"][get_discrete_family(name).integers[0]], int)


def test_randint_is_the_observed_range():
    x = st.randint.rvs(3, 11, size=400, random_state=0)
    fit = _fit("randint", x)
    assert (fit["params"]["low"], fit["params"]["high"]) == (x.min(), x.max() + 1)


def test_hypergeom_three_integers_beat_a_brute_force_grid():
    x = st.hypergeom.rvs(30, 12, 10, size=300, random_state=0)
    fit = _fit("hypergeom", x)
    lo, hi = x.min(), x.max()
    brute = -math.inf
    for big_m in range(hi, 41):
        for n in range(hi, big_m + 1):
            for draws in range(hi, big_m + 1):
                if max(0, draws - (big_m - n)) <= lo and min(n, draws) >= hi:
                    brute = max(brute, st.hypergeom.logpmf(x, big_m, n, draws).sum())
    assert fit["loglik"] >= brute - 1e-9
    assert all(isinstance(fit["params"][s], int) for s in ("M", "n", "N"))


# --- support and loc -----------------------------------------------------------------------

def test_values_outside_the_support_are_a_failed_fit_with_the_reason():
    fit = fit_discrete("zipfian", block_value_counts(np.array([0, 1, 1, 2, 5])))
    assert fit["status"] == "failed" and "below the support" in fit["message"]
    negative = fit_discrete("poisson", block_value_counts(np.array([-2, 0, 1, 3])))
    assert negative["status"] == "failed" and "-2" in negative["message"]
    # a family from 1 is not moved onto negative values either
    below = fit_discrete("geom", block_value_counts(np.array([-1, 0, 1, 3])))
    assert below["status"] == "failed" and "-1" in below["message"]


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("name", ["geom", "logser", "zipf", "yulesimon"])
def test_a_family_from_one_is_counted_from_zero_on_counts_with_zeros(name, seed):
    """geom, logser, zipf and yulesimon start at k = 1; on counts with zeros each is
    fitted counted from 0 (loc = -1, one more parameter) instead of failing, and the
    reported loglik is scipy's at the reported parameters."""
    x = st.geom.rvs(0.35, loc=-1, size=3000, random_state=seed)
    fit = _fit(name, x)
    assert fit["status"] == "ok" and fit["params"]["loc"] == -1 and fit["n_params"] == 2
    assert "counted from 0" in fit["message"]
    frozen = getattr(st, name)(*[fit["params"][k] for k in fit["params"] if k != "loc"],
                               loc=-1)  # fmt: skip
    assert frozen.logpmf(x).sum() == pytest.approx(fit["loglik"], rel=1e-9)
    if name == "geom":  # the true family: the MLE, at least the truth's likelihood
        assert fit["params"]["p"] == pytest.approx(0.35, abs=0.02)
        assert fit["loglik"] >= st.geom.logpmf(x, 0.35, loc=-1).sum()


def test_shift_fits_an_integer_loc_as_one_more_parameter():
    x = st.geom.rvs(0.35, loc=-1, size=3000, random_state=0)  # geometric on 0, 1, 2, ...
    fit = _fit("geom", x, shift=True)
    assert fit["params"]["loc"] == -1 and fit["n_params"] == 2
    assert fit["params"]["p"] == pytest.approx(0.35, abs=0.02)
    y = st.poisson.rvs(4.0, loc=50, size=3000, random_state=1)
    shifted = _fit("poisson", y, shift=True)
    assert abs(shifted["params"]["loc"] - 50) <= 3
    assert shifted["loglik"] > _fit("poisson", y)["loglik"]


# --- zero-inflated and hurdle models ---------------------------------------------------------

ZERO_CASES = [
    ("zi_poisson", (0.3, 4.0)),
    ("zi_nbinom", (0.25, 3.0, 0.4)),
    ("hurdle_poisson", (0.45, 2.5)),
    ("hurdle_nbinom", (0.35, 2.0, 0.3)),
]


@pytest.mark.parametrize(("name", "truth"), ZERO_CASES, ids=[c[0] for c in ZERO_CASES])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_zero_models_recover_parameters_and_beat_plain_families(name, truth, seed):
    x = ZERO_MODELS[name].rvs(*truth, size=20_000, random_state=seed)
    fit = _fit(name, x)
    shapes = [v for k, v in fit["params"].items() if k != "loc"]
    # mixing probability within 0.03; base shapes within 15% (n and p of NB trade off)
    assert shapes[0] == pytest.approx(truth[0], abs=0.03)
    assert np.allclose(shapes[1:], truth[1:], rtol=0.15)
    aic, _ = aic_bic(fit["loglik"], fit["n_params"], len(x))
    for plain in ("poisson", "nbinom"):
        other = _fit(plain, x)
        assert aic < aic_bic(other["loglik"], other["n_params"], len(x))[0] - 10


def test_a_shape_drifting_to_its_limit_does_not_exploit_lost_precision():
    # On Poisson data nbinom's n runs to ∞; there scipy's pmf loses its precision
    # (log p(k) > 0 at n = 1e14), which the fit must not take as a better optimum.
    x = st.poisson.rvs(4.0, size=100_000, random_state=2)
    poisson = _fit("poisson", x)["loglik"]
    for name in ("nbinom", "zi_nbinom", "hurdle_nbinom"):
        fit = _fit(name, x)
        assert poisson - 1e-3 <= fit["loglik"] <= poisson + 10, name
