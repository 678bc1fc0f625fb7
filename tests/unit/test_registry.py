"""The candidate registry: the written-out default list, lookups, custom distributions."""

from __future__ import annotations

import math
import pickle

import numpy as np
import pytest
import scipy.stats as st

import bestfit_accessor
from bestfit_accessor.exceptions import (
    ArgumentTypeError,
    InvalidArgumentError,
    UnknownDistributionError,
)
from bestfit_accessor.fitting import registry
from bestfit_accessor.fitting.scipy_adapter import has_make_distribution

from ..helpers import GenLogistic, GenLogisticDefinition


@pytest.fixture(autouse=True)
def clean_registry():
    """Each test starts and ends with no custom distributions."""
    registry.install({})
    yield
    registry.install({})


# -- the default list ---------------------------------------------------------------


def test_default_set_is_the_written_list():
    assert registry.list_distributions() == list(registry.DEFAULT_CANDIDATES)
    assert registry.resolve_distributions(None) == list(registry.DEFAULT_CANDIDATES)
    assert len(registry.DEFAULT_CANDIDATES) == 85
    assert list(registry.DEFAULT_CANDIDATES) == sorted(set(registry.DEFAULT_CANDIDATES))
    assert not set(registry.DEFAULT_CANDIDATES) & set(registry.DEFAULT_EXCLUSIONS)
    assert all(reason.strip() for reason in registry.DEFAULT_EXCLUSIONS.values())
    assert bestfit_accessor.DEFAULT_CANDIDATES is registry.DEFAULT_CANDIDATES


def test_every_scipy_distribution_is_either_a_candidate_or_excluded():
    unlisted = registry.unlisted_scipy_distributions()
    assert not unlisted, (
        f"scipy {__import__('scipy').__version__} has continuous distributions that are "
        f"neither default candidates nor excluded: {unlisted}. Add each to "
        "DEFAULT_CANDIDATES or to DEFAULT_EXCLUSIONS (with the reason) in "
        "bestfit_accessor/fitting/registry.py."
    )


def test_every_default_candidate_exists_in_the_installed_scipy():
    missing = registry.missing_default_candidates()
    assert not missing, (
        f"the installed scipy lacks default candidates {missing}; they are skipped. "
        "Remove them from DEFAULT_CANDIDATES if scipy dropped them."
    )
    for name in registry.DEFAULT_CANDIDATES:
        assert getattr(st, name) is registry.get_distribution(name)


def test_excluded_names_can_still_be_asked_for():
    assert "levy_stable" in registry.list_distributions("all")
    assert registry.resolve_distributions("levy_stable") == ["levy_stable"]
    assert registry.get_distribution("studentized_range") is st.studentized_range


# -- lookups ----------------------------------------------------------------------


def test_lookups_and_parameter_names():
    assert registry.get_distribution("gamma") is st.gamma
    assert registry.param_names("gamma") == ["a", "loc", "scale"]
    assert registry.param_names("norm") == ["loc", "scale"]
    assert registry.param_names("truncnorm") == ["a", "b", "loc", "scale"]
    assert registry.get_family("beta").shape_names == ("a", "b")


def test_unknown_names_get_close_suggestions():
    with pytest.raises(UnknownDistributionError, match="did you mean gamma"):
        registry.resolve_distributions(["gama"])
    with pytest.raises(UnknownDistributionError, match=r"did you mean .*weibull_min"):
        registry.get_distribution("weibul_min")
    with pytest.raises(UnknownDistributionError, match="unknown distribution '__class__'"):
        registry.get_distribution("__class__")
    with pytest.raises(UnknownDistributionError, match="must be strings, got int"):
        registry.get_distribution(3)


def test_named_sets_and_resolution():
    common = registry.list_distributions("common")
    assert set(common) <= set(registry.DEFAULT_CANDIDATES)
    everything = registry.list_distributions("all")
    assert set(registry.DEFAULT_CANDIDATES) | set(registry.DEFAULT_EXCLUSIONS) <= set(everything)
    assert registry.list_distributions("custom") == []
    assert registry.resolve_distributions("common") == common
    assert registry.resolve_distributions("norm") == ["norm"]
    assert registry.resolve_distributions(("norm", "gamma")) == ["norm", "gamma"]
    with pytest.raises(InvalidArgumentError, match="unknown distribution set 'some'"):
        registry.list_distributions("some")
    with pytest.raises(InvalidArgumentError, match="more than once"):
        registry.resolve_distributions(["norm", "norm"])
    with pytest.raises(InvalidArgumentError, match="empty"):
        registry.resolve_distributions([])
    with pytest.raises(InvalidArgumentError, match="got int"):
        registry.resolve_distributions(5)


def test_shape_bounds_are_scipy_domains_narrowed_where_evaluation_gets_slow():
    assert registry.shape_bounds("gamma") == [(0.0, math.inf)]
    assert registry.shape_bounds("t") == [(0.0, math.inf)]
    assert registry.shape_bounds("skewnorm") == [(-math.inf, math.inf)]
    assert registry.shape_bounds("rice") == [(0.0, 100.0)]
    assert registry.shape_bounds("norm") == []


def test_plan_batches_runs_names_outside_the_default_set_alone():
    batches = registry.plan_batches(["norm", "gamma", "levy_stable", "t", "beta"], 2)
    assert ["levy_stable"] in batches
    assert sorted(n for b in batches for n in b) == ["beta", "gamma", "levy_stable", "norm", "t"]


# -- custom distributions ------------------------------------------------------------


class NoDensity(st.rv_continuous):
    """Neither a pdf nor a cdf: cannot be evaluated."""


def test_register_a_subclass_and_look_it_up():
    rv = GenLogistic(name="genlog")
    assert bestfit_accessor.register_distribution("genlog", rv) is rv
    assert registry.get_distribution("genlog") is rv
    assert registry.param_names("genlog") == ["c", "loc", "scale"]
    assert registry.shape_bounds("genlog") == [(0.0, math.inf)]
    assert registry.list_distributions("custom") == ["genlog"]
    assert "genlog" in registry.list_distributions("all")
    assert "genlog" not in registry.list_distributions("default")
    assert registry.resolve_distributions(["genlog", "norm"]) == ["genlog", "norm"]
    with pytest.raises(UnknownDistributionError, match="did you mean genlog"):
        registry.get_distribution("genlg")
    bestfit_accessor.unregister_distribution("genlog")
    with pytest.raises(UnknownDistributionError):
        registry.get_distribution("genlog")


def test_registration_refuses_clashes_unless_replace():
    with pytest.raises(InvalidArgumentError, match="is a scipy distribution"):
        registry.register_distribution("gamma", GenLogistic(name="gamma"))
    registry.register_distribution("genlog", GenLogistic(name="genlog"))
    with pytest.raises(InvalidArgumentError, match="already registered"):
        registry.register_distribution("genlog", GenLogistic(name="genlog"))
    second = GenLogistic(name="genlog")
    registry.register_distribution("genlog", second, replace=True)
    assert registry.get_distribution("genlog") is second
    shadow = GenLogistic(name="gamma")
    registry.register_distribution("gamma", shadow, replace=True)
    assert registry.get_distribution("gamma") is shadow
    assert registry.param_names("gamma") == ["c", "loc", "scale"]
    registry.unregister_distribution("gamma")
    assert registry.get_distribution("gamma") is st.gamma


@pytest.mark.parametrize(
    ("name", "rv", "error", "message"),
    [
        ("default", GenLogistic(name="x"), InvalidArgumentError, "name of a candidate set"),
        (" padded", GenLogistic(name="x"), InvalidArgumentError, "without surrounding spaces"),
        ("", GenLogistic(name="x"), InvalidArgumentError, "non-empty"),
        (7, GenLogistic(name="x"), ArgumentTypeError, "name must be a string"),
        ("nodensity", NoDensity(name="x"), InvalidArgumentError, "neither _pdf nor _cdf"),
        ("cls", GenLogistic, ArgumentTypeError, "instance of GenLogistic"),
        ("discrete", st.poisson, ArgumentTypeError, "only continuous"),
        ("text", "norm", ArgumentTypeError, "got str"),
    ],
)
def test_registration_validates(name, rv, error, message):
    with pytest.raises(error, match=message):
        registry.register_distribution(name, rv)
    assert registry.list_distributions("custom") == []


def test_registration_refuses_what_cannot_reach_the_workers():
    class Local(GenLogistic):  # a class inside a function cannot be pickled
        pass

    with pytest.raises(InvalidArgumentError, match="cannot be pickled"):
        registry.register_distribution("local", Local(name="local"))
    with pytest.raises(ArgumentTypeError, match="replace must be True or False"):
        registry.register_distribution("x", GenLogistic(name="x"), replace="yes")


def test_unregister_unknown_name():
    with pytest.raises(UnknownDistributionError, match="not a registered custom distribution"):
        bestfit_accessor.unregister_distribution("norm")


def test_snapshot_travels_and_install_replaces_the_whole_custom_registry():
    registry.register_distribution("genlog", GenLogistic(name="genlog"))
    snapshot = pickle.loads(pickle.dumps(registry.custom_snapshot()))  # as a Ray task sees it
    registry.install({})
    assert registry.list_distributions("custom") == []
    registry.register_distribution("stale", GenLogistic(name="stale"))
    registry.install(snapshot)
    assert registry.list_distributions("custom") == ["genlog"]  # "stale" did not linger
    rv = registry.get_distribution("genlog")
    assert rv.cdf(0.0, 2.0) == pytest.approx(0.25, rel=1e-14)


@pytest.mark.skipif(not has_make_distribution(), reason="scipy < 1.15 has no make_distribution")
def test_register_a_make_distribution_class():
    rv = registry.register_distribution("glog2", st.make_distribution(GenLogisticDefinition()))
    assert isinstance(rv, st.rv_continuous)
    assert registry.param_names("glog2") == ["c", "loc", "scale"]
    assert registry.get_distribution("glog2").cdf(0.0, 2.0) == pytest.approx(0.25, rel=1e-14)


def test_a_normal_score_table_of_a_custom_marginal_works_where_it_is_not_registered():
    from bestfit_accessor.dependence.normal_scores import build_table

    registry.register_distribution("genlog", GenLogistic(name="genlog"))
    table = build_table("genlog", {"c": 2.0, "loc": 1.0, "scale": 3.0})
    shipped = pickle.loads(pickle.dumps(table))  # as a sampling task receives it
    registry.install({})  # a worker's registry: no custom distributions
    far = np.array([-400.0, 1e4])  # beyond the tabulated nodes: computed exactly
    expected = st.norm.ppf(st.genlogistic.cdf(far, 2.0, loc=1.0, scale=3.0))
    np.testing.assert_allclose(shipped.to_z(far), expected, rtol=1e-9)
