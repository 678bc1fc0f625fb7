"""Hurdle mixtures (atoms="model"): the mixture's semantics and the hurdle record."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.stats as st

from bestfit_accessor import to_scipy
from bestfit_accessor.exceptions import ArgumentTypeError, InvalidArgumentError
from bestfit_accessor.options import FitOptions
from bestfit_accessor.results.hurdle import (
    HurdleMixture,
    atom_loglik,
    atom_of,
    hurdle_record,
    model_point_masses,
)
from bestfit_accessor.results.schema import FIELDS, complete_record
from bestfit_accessor.summaries.point_masses import PointMass


@pytest.fixture
def mixture() -> HurdleMixture:
    return HurdleMixture(st.lognorm(0.8, scale=2.0), 0.0, 0.24)


def test_cdf_jumps_by_p_at_the_atom(mixture):
    below, at = mixture.cdf([-1e-12, 0.0])
    assert below == 0.0
    assert at == pytest.approx(0.24)
    x = np.array([0.5, 2.0, 10.0])
    assert mixture.cdf(x) == pytest.approx(0.24 + 0.76 * st.lognorm(0.8, scale=2.0).cdf(x))
    assert mixture.sf(x) == pytest.approx(1.0 - mixture.cdf(x))


def test_ppf_inverts_the_cdf_and_maps_the_jump_to_the_atom(mixture):
    assert mixture.ppf([0.01, 0.1, 0.24]) == pytest.approx([0.0, 0.0, 0.0])
    q = np.array([0.25, 0.5, 0.9, 0.999])
    x = mixture.ppf(q)
    assert np.all(x > 0)
    assert mixture.cdf(x) == pytest.approx(q, rel=1e-9)
    assert mixture.median() == pytest.approx(float(mixture.ppf(0.5)))


def test_ppf_of_an_atom_inside_the_support():
    mix = HurdleMixture(st.norm(), 0.0, 0.3)
    lower = 0.7 * 0.5
    assert mix.ppf([lower - 1e-6, lower + 1e-6, lower + 0.3]) == pytest.approx(
        [st.norm.ppf((lower - 1e-6) / 0.7), 0.0, 0.0], abs=1e-5)
    assert float(mix.ppf(lower + 0.3 + 1e-3)) > 0


def test_rvs_reproduce_the_atom_share(mixture):
    for seed in range(3):
        draws = mixture.rvs(100_000, random_state=seed)
        share = np.mean(draws == 0.0)
        assert abs(share - 0.24) < 4 * math.sqrt(0.24 * 0.76 / 100_000)
        rest = draws[draws != 0.0]
        assert st.kstest(rest, st.lognorm(0.8, scale=2.0).cdf).pvalue > 1e-4


def test_density_of_the_continuous_part_and_moments(mixture):
    x = np.array([0.5, 3.0])
    assert mixture.pdf(x) == pytest.approx(0.76 * st.lognorm(0.8, scale=2.0).pdf(x))
    assert mixture.logpdf(x) == pytest.approx(np.log(mixture.pdf(x)))
    draws = mixture.rvs(400_000, random_state=7)
    assert mixture.mean() == pytest.approx(draws.mean(), rel=0.01)
    assert mixture.var() == pytest.approx(draws.var(), rel=0.03)
    assert mixture.support() == (0.0, math.inf)


def test_mixture_refuses_impossible_atoms():
    for p in (0.0, 1.0, -0.1, math.nan):
        with pytest.raises(InvalidArgumentError):
            HurdleMixture(st.norm(), 0.0, p)
    with pytest.raises(InvalidArgumentError):
        HurdleMixture(st.norm(), math.inf, 0.5)


def _rest_record(**changes) -> dict:
    record = {"column": "pay", "distribution": "lognorm", "n_params": 3, "n_obs": 760,
              "loglik": -1500.0, "aic": 3006.0, "bic": 0.0, "status": "ok", "message": "",
              "params": {"s": 0.8, "loc": 0.0, "scale": 2.0}}
    record.update(changes)
    return record


def test_hurdle_record_counts_every_row():
    out = hurdle_record(_rest_record(), 0.0, 240)
    p = 240 / 1000
    loglik = -1500.0 + 240 * math.log(p) + 760 * math.log(1 - p)
    assert out["n_obs"] == 1000 and out["n_params"] == 4
    assert out["loglik"] == pytest.approx(loglik)
    assert out["aic"] == pytest.approx(8 - 2 * loglik)
    assert out["bic"] == pytest.approx(4 * math.log(1000) - 2 * loglik)
    assert (out["atom_value"], out["atom_prob"]) == (0.0, 0.24)
    assert atom_loglik(240, 1000) == pytest.approx(loglik + 1500.0)


def test_hurdle_record_of_a_failed_fit_keeps_its_status():
    out = hurdle_record(_rest_record(status="failed", loglik=math.nan, aic=math.nan), 0.0, 240)
    assert out["status"] == "failed" and math.isnan(out["loglik"]) and math.isnan(out["aic"])
    assert out["n_obs"] == 1000


def test_model_point_masses_rewrites_only_columns_with_a_mass():
    mass = PointMass(0.0, 240, 1000)
    records = [_rest_record(message=mass.describe()), _rest_record(column="other")]
    out = model_point_masses(records, {"pay": mass, "other": None})
    assert out[1] is records[1]
    assert "hurdle atom" in out[0]["message"] and "set aside" not in out[0]["message"]
    assert out[0]["atom_prob"] == 0.24


def test_to_scipy_of_a_hurdle_row_and_of_a_plain_row():
    row = complete_record(hurdle_record(_rest_record(), 0.0, 240))
    frozen = to_scipy(row)
    assert isinstance(frozen, HurdleMixture) and frozen.p_atom == 0.24
    plain = complete_record(_rest_record())
    assert not isinstance(to_scipy(plain), HurdleMixture)
    assert atom_of(plain) is None
    with pytest.raises(InvalidArgumentError):
        atom_of({"atom_value": 0.0, "atom_prob": 1.5})


def test_atom_fields_are_declared_since_version_4():
    by_name = {f.name: f for f in FIELDS}
    assert by_name["atom_value"].since == 4 and by_name["atom_prob"].since == 4
    assert by_name["atom_prob"].maximum == 1.0


def test_atoms_option_is_validated():
    assert FitOptions().atoms == "exclude"
    assert FitOptions(atoms="model").atoms == "model"
    with pytest.raises(InvalidArgumentError, match="atoms must be one of"):
        FitOptions(atoms="keep")
    with pytest.raises(ArgumentTypeError):
        FitOptions(atoms=1)


def test_tail_functions_and_interval(mixture):
    assert mixture.isf(0.1) == pytest.approx(mixture.ppf(0.9))
    assert mixture.logcdf(np.array([-1.0]))[0] == -math.inf
    assert mixture.logsf(np.array([1.0])) == pytest.approx(np.log(mixture.sf(1.0)))
    lo, hi = mixture.interval(0.9)
    assert lo == 0.0 and mixture.cdf(hi) == pytest.approx(0.95)
