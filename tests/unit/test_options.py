"""Options validated once: every FitOptions field against good values, wrong types
(TypeError) and bad values (ValueError), with one message template. No Ray."""

from __future__ import annotations

import dataclasses
import inspect
import math
import numbers
import pickle

import numpy as np
import pandas as pd
import pytest

from bestfit_accessor import (
    DEFAULT_SAMPLE_SIZE,
    DEFAULT_TIMEOUT,
    METRICS,
    ArgumentTypeError,
    DistributionFitter,
    FitOptions,
    FitResults,
    InvalidArgumentError,
    UnknownDistributionError,
    list_distributions,
)
from bestfit_accessor.fitting.registry import resolve_distributions
from bestfit_accessor.options import InstanceOf, Interval, Options, SeedLike, validate
from bestfit_accessor.progress import TqdmProgress


def _callback(done: int, total: int, percent: float) -> None:
    del done, total, percent


SEED = np.random.SeedSequence(5)

# (field, value given, value stored: same value and same Python type)
GOOD = [
    ("distributions", None, tuple(resolve_distributions(None))),
    ("distributions", "norm", ("norm",)),
    ("distributions", "common", tuple(list_distributions("common"))),
    ("distributions", ["norm", "expon"], ("norm", "expon")),
    ("distributions", ("gamma",), ("gamma",)),
    ("distributions", (n for n in ["norm", "lognorm"]), ("norm", "lognorm")),
    ("distributions", np.array(["norm", "gamma"]), ("norm", "gamma")),
    ("distributions", pd.Index(["expon"]), ("expon",)),
    *[("metric", m, m) for m in METRICS],
    ("progress", None, None),
    ("progress", False, None),
    ("progress", np.bool_(False), None),
    ("progress", _callback, _callback),
    ("random_state", None, None),
    ("random_state", 0, 0),
    ("random_state", 2**70, 2**70),
    ("random_state", np.int64(7), 7),
    ("random_state", np.uint8(3), 3),
    ("random_state", SEED, SEED),
    ("timeout", None, None),
    ("timeout", 5, 5.0),
    ("timeout", 0.25, 0.25),
    ("timeout", 1e-9, 1e-9),
    ("timeout", np.float32(2.5), 2.5),
    ("timeout", np.int32(3), 3.0),
    ("sample_size", 100, 100),
    ("sample_size", 10**7, 10**7),
    ("sample_size", np.int64(5_000), 5_000),
    ("n_blocks", None, None),
    ("n_blocks", 1, 1),
    ("n_blocks", np.int16(4), 4),
]  # fmt: skip


@pytest.mark.parametrize(("field", "given", "stored"), GOOD,
                         ids=[f"{c[0]}={c[1]!r}"[:40] for c in GOOD])  # fmt: skip
def test_good_values_are_stored_normalised(field, given, stored):
    options = FitOptions.create(**{field: given})
    value = getattr(options, field)
    assert value == stored
    assert type(value) is type(stored)  # numpy scalars become int/float


def test_progress_true_is_a_tqdm_bar():
    assert isinstance(FitOptions.create(progress=True).progress, TqdmProgress)
    assert isinstance(FitOptions.create(progress=np.bool_(True)).progress, TqdmProgress)


# (field, value of the wrong type, the argument name the message must show)
WRONG_TYPE = [
    ("distributions", 42, "distributions"),
    ("distributions", 1.5, "distributions"),
    ("metric", 3, "metric"),
    ("metric", None, "metric"),
    ("metric", True, "metric"),
    ("metric", ["aic"], "metric"),
    ("progress", "yes", "progress"),
    ("progress", 1, "progress"),
    ("progress", 0.5, "progress"),
    ("random_state", "abc", "random_state"),
    ("random_state", 1.0, "random_state"),
    ("random_state", True, "random_state"),
    ("random_state", np.bool_(False), "random_state"),
    ("random_state", np.random.default_rng(0), "random_state"),
    ("timeout", "5", "timeout"),
    ("timeout", True, "timeout"),
    ("timeout", [1.0], "timeout"),
    ("timeout", 1 + 0j, "timeout"),
    ("sample_size", 1000.0, "sample_size"),
    ("sample_size", np.float64(1000), "sample_size"),
    ("sample_size", "1000", "sample_size"),
    ("sample_size", True, "sample_size"),
    ("sample_size", None, "sample_size"),
    ("n_blocks", True, "n_blocks"),
    ("n_blocks", 2.0, "n_blocks"),
    ("n_blocks", "2", "n_blocks"),
]  # fmt: skip


@pytest.mark.parametrize(("field", "value", "name"), WRONG_TYPE,
                         ids=[f"{c[0]}={c[1]!r}"[:40] for c in WRONG_TYPE])  # fmt: skip
def test_wrong_type_is_a_type_error_and_an_invalid_argument(field, value, name):
    with pytest.raises(ArgumentTypeError) as info:
        FitOptions.create(**{field: value})
    assert isinstance(info.value, TypeError)
    assert isinstance(info.value, InvalidArgumentError)
    message = str(info.value)
    assert message.startswith(f"{name} must be ")
    assert message.endswith(f"; got {value!r} ({type(value).__name__})")


@pytest.mark.parametrize(("names", "position"), [(["norm", 3], 1), ([None], 0), ((b"norm",), 0)])
def test_a_distribution_name_of_the_wrong_type_is_named_by_position(names, position):
    with pytest.raises(ArgumentTypeError) as info:
        FitOptions.create(distributions=names)
    bad = names[position]
    assert str(info.value) == (f"distributions[{position}] must be a distribution name; "
                               f"got {bad!r} ({type(bad).__name__})")  # fmt: skip


# (field, value of the right type but out of range)
BAD_VALUE = [
    ("metric", "r2"),
    ("metric", "AIC"),
    ("random_state", -1),
    ("random_state", np.int64(-5)),
    ("timeout", 0),
    ("timeout", -1.0),
    ("timeout", -0.0),
    ("timeout", math.nan),
    ("timeout", math.inf),
    ("timeout", np.float64(-2)),
    ("sample_size", 99),
    ("sample_size", 0),
    ("sample_size", -100),
    ("sample_size", np.int32(50)),
    ("n_blocks", 0),
    ("n_blocks", -3),
]  # fmt: skip


@pytest.mark.parametrize(("field", "value"), BAD_VALUE,
                         ids=[f"{c[0]}={c[1]!r}" for c in BAD_VALUE])  # fmt: skip
def test_bad_value_is_a_value_error_not_a_type_error(field, value):
    with pytest.raises(InvalidArgumentError) as info:
        FitOptions.create(**{field: value})
    assert isinstance(info.value, ValueError)
    assert not isinstance(info.value, TypeError)
    message = str(info.value)
    assert message.startswith(f"{field} must be ")
    assert message.endswith(f"; got {value!r} ({type(value).__name__})")


# distributions are resolved by the registry, which words its own value errors
REGISTRY_VALUE_ERRORS = [
    ([], InvalidArgumentError, "distributions is empty"),
    (["norm", "norm"], InvalidArgumentError, r"\['norm'\] more than once"),
    ("norml", UnknownDistributionError, "norml"),
    (["norm", "no_such"], UnknownDistributionError, "no_such"),
]


@pytest.mark.parametrize(("value", "error", "pattern"), REGISTRY_VALUE_ERRORS)
def test_bad_distribution_names_are_value_errors(value, error, pattern):
    with pytest.raises(error, match=pattern) as info:
        FitOptions.create(distributions=value)
    assert isinstance(info.value, ValueError) and not isinstance(info.value, TypeError)


def test_message_template_is_exact():
    with pytest.raises(InvalidArgumentError) as info:
        FitOptions.create(timeout=-1)
    assert str(info.value) == "timeout must be a positive number or None; got -1 (int)"
    with pytest.raises(ArgumentTypeError) as info:
        FitOptions.create(sample_size=True)
    assert str(info.value) == "sample_size must be an integer >= 100; got True (bool)"
    with pytest.raises(InvalidArgumentError) as info:
        FitOptions.create(metric="r2")
    assert str(info.value) == f"metric must be one of {list(METRICS)}; got 'r2' (str)"


def test_defaults_are_todays():
    options = FitOptions.create()
    assert options.metric == "aic"
    assert options.timeout == DEFAULT_TIMEOUT == 120.0
    assert options.sample_size == DEFAULT_SAMPLE_SIZE == 10_000
    assert options.n_blocks is None and options.random_state is None
    assert options.progress is None
    assert options == FitOptions()


def test_options_are_frozen_and_replace_validates_again():
    options = FitOptions.create(distributions=["norm"], timeout=3)
    with pytest.raises(dataclasses.FrozenInstanceError):
        options.timeout = 5.0  # type: ignore[misc]
    again = dataclasses.replace(options, metric="bic")
    assert again.metric == "bic" and again.distributions == ("norm",) and again.timeout == 3.0
    with pytest.raises(InvalidArgumentError, match="timeout"):
        dataclasses.replace(options, timeout=-1)


def test_unknown_option_is_a_type_error_naming_it():
    with pytest.raises(TypeError, match=r"unknown fit option\(s\) \['timout'\]"):
        FitOptions.create(timout=3)


@pytest.mark.parametrize("flag", [True, False, np.bool_(True)])
@pytest.mark.parametrize("constraints", [Interval(int, 1, None), (Interval(int, 0, None), None),
                                         Interval(numbers.Real, 0, None), int, float, SeedLike])
def test_bool_is_never_a_number(flag, constraints):
    pattern = r"num_cpus must be .*; got (np\.)?(True|False)_? \(bool"
    with pytest.raises(ArgumentTypeError, match=pattern):
        validate("num_cpus", flag, constraints)


# (constraint, accepted values, rejected values of the right type, description)
INTERVALS = [
    (Interval(int, 0, 10, closed="neither"), [1, 9], [0, 10], "an integer in [1, 9]"),
    (Interval(int, 0, None), [0, 3], [-1], "a non-negative integer"),
    (Interval(int, 0, None, closed="neither"), [1], [0], "a positive integer"),
    (Interval(int, None, 5), [-10, 5], [6], "an integer <= 5"),
    (Interval(numbers.Real, 0, 1, closed="right"), [1, 0.5], [0, 1.5, math.nan],
     "a number in (0, 1]"),
    (Interval(numbers.Real, 0, 1, closed="left"), [0, 0.999], [1, -0.1], "a number in [0, 1)"),
    (Interval(numbers.Real, 2.5, None), [2.5, 1e300], [2.4, math.inf], "a number >= 2.5"),
    (Interval(numbers.Real, None, None), [-1e300, 0], [math.inf, -math.inf, math.nan],
     "a finite number"),
]  # fmt: skip


@pytest.mark.parametrize(("constraint", "accepted", "rejected", "described"), INTERVALS,
                         ids=[c[3] for c in INTERVALS])  # fmt: skip
def test_interval_bounds_and_description(constraint, accepted, rejected, described):
    for value in accepted:
        assert validate("x", value, constraint) == value
    for value in rejected:
        with pytest.raises(InvalidArgumentError) as info:
            validate("x", value, constraint)
        assert not isinstance(info.value, TypeError)
        assert str(info.value).startswith(f"x must be {described}; got ")


def test_options_instance_of_and_none():
    kinds = Options("pandas", "modin")
    assert validate("kind", "modin", kinds) == "modin"
    with pytest.raises(InvalidArgumentError, match=r"kind must be one of \['pandas', 'modin'\]"):
        validate("kind", "polars", kinds)
    with pytest.raises(ArgumentTypeError):
        validate("kind", 1, kinds)
    described = (InstanceOf(str, "a Ray address string"), None)
    assert validate("address", None, described) is None
    with pytest.raises(ArgumentTypeError,
                       match=r"^address must be a Ray address string or None; got 5 \(int\)$"):
        validate("address", 5, described)  # fmt: skip


def test_a_long_value_is_shortened_in_the_message():
    with pytest.raises(ArgumentTypeError) as info:
        validate("n", "x" * 1000, Interval(int, 1, None))
    assert len(str(info.value)) < 200 and str(info.value).endswith("... (str)")


def test_errors_survive_pickling():
    for error in (ArgumentTypeError("n must be a positive integer; got True (bool)"),
                  InvalidArgumentError("n must be a positive integer; got 0 (int)")):  # fmt: skip
        clone = pickle.loads(pickle.dumps(error))
        assert type(clone) is type(error) and str(clone) == str(error)


# The faces validate before any Ray work: these raise without starting Ray (the
# unit tier's guard fails the test if Ray is imported).
FRAME = pd.DataFrame({"x": np.linspace(0.0, 1.0, 200)})


def test_accessor_rejects_bad_options_before_touching_ray():
    with pytest.raises(ArgumentTypeError, match="timeout must be"):
        FRAME.bestfit.fit(timeout="5")
    with pytest.raises(InvalidArgumentError, match="sample_size must be"):
        FRAME.bestfit.fit(sample_size=10)
    with pytest.raises(ArgumentTypeError, match="random_state must be"):
        FRAME.bestfit.fit(random_state=True)


def test_seed_api_rejects_bad_options_naming_its_own_arguments():
    fitter = DistributionFitter()
    with pytest.raises(ArgumentTypeError, match=r"^progress_callback must be "):
        fitter.fit(FRAME, column="x", progress_callback="yes")
    with pytest.raises(ArgumentTypeError, match=r"^backend must be a RayBackend or None; got "):
        DistributionFitter(backend="ray")
    results = FitResults(pd.DataFrame({"column": ["x"], "status": ["ok"], "aic": [1.0]}))
    for n in (True, 1.0, "1"):
        with pytest.raises(ArgumentTypeError, match=r"^n must be a positive integer; got "):
            results.best(n=n)
    with pytest.raises(InvalidArgumentError, match=r"^n must be a positive integer; got 0 "):
        results.best(n=0)


def test_public_fit_signatures_are_unchanged():
    accessor = list(inspect.signature(FRAME.bestfit.fit).parameters)
    assert accessor == ["columns", "distributions", "metric", "progress", "random_state",
                        "timeout", "sample_size", "event", "interval", "fixed", "weights",
                        "bounds", "atoms"]  # fmt: skip
    seed = list(inspect.signature(DistributionFitter.fit).parameters)
    assert seed == ["self", "df", "column", "columns", "distributions", "metric",
                    "progress_callback", "random_state", "timeout", "sample_size",
                    "censoring_column", "weights", "weight_column", "bounded", "lower_bound",
                    "upper_bound", "bounds", "fixed"]  # fmt: skip


@pytest.mark.parametrize("settings", [{"fixed": {"loc": 0.0}}, {"weights": "w"},
                                      {"bounds": (0.0, None)}, {"event": "seen"}])  # fmt: skip
def test_hurdle_atoms_with_term_options_are_refused_by_name(settings):
    with pytest.raises(InvalidArgumentError, match=f"atoms='model'.*{next(iter(settings))}="):
        FitOptions.create(atoms="model", **settings)
    assert FitOptions.create(**settings).atoms == "exclude"  # the default stays allowed
