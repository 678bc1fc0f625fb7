"""Fixed parameters resolved per candidate, and the options of censored fits (no Ray)."""

from __future__ import annotations

import pytest

from bestfit_accessor.censored_fit import resolve_fixed, uses_censored_path
from bestfit_accessor.exceptions import ArgumentTypeError, InvalidArgumentError
from bestfit_accessor.options import FitOptions


def test_flat_fixed_applies_to_every_candidate_that_has_the_parameter():
    held = resolve_fixed({"loc": 0, "c": 2}, ["weibull_min", "norm"])
    assert held == {"weibull_min": {"loc": 0.0, "c": 2.0}, "norm": {"loc": 0.0}}


def test_per_distribution_fixed_holds_only_the_named_family():
    held = resolve_fixed({"gamma": {"loc": 0}}, ["gamma", "lognorm"])
    assert held == {"gamma": {"loc": 0.0}, "lognorm": {}}


@pytest.mark.parametrize(("fixed", "message"), [
    ({"shape": 1.0}, "'shape'"),
    ({"norm": {"c": 1.0}}, "not a parameter of norm"),
    ({"gamma": {"loc": 0.0}}, "not among the candidates"),
    ({"scale": -1.0}, "must be positive"),
    ({"loc": float("nan")}, "finite number"),
    ({"loc": True}, "finite number"),
    ({"norm": {"loc": 0.0}, "scale": 1.0}, "not a mixture"),
])  # fmt: skip
def test_bad_fixed_is_a_typed_error_naming_it(fixed, message):
    with pytest.raises(InvalidArgumentError, match=message):
        resolve_fixed(fixed, ["norm"])


def test_options_carry_censoring_settings():
    plain = FitOptions(distributions=["norm"])
    assert not uses_censored_path(plain)
    censored = FitOptions(distributions=["norm"], interval=["lo", "hi"], fixed={"loc": 0})
    assert censored.interval == ("lo", "hi") and uses_censored_path(censored)
    with pytest.raises(InvalidArgumentError, match="interval must be a"):
        FitOptions(interval=("a", "b", "c"))
    with pytest.raises(ArgumentTypeError, match="fixed must be"):
        FitOptions(fixed=[("loc", 0)])
