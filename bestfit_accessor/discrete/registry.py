"""The discrete candidate set, kept as data, with the exclusions and their reasons.

As for the continuous registry, the set is written out rather than derived from the
installed scipy: a new scipy discrete family shows up in
:func:`unlisted_scipy_discrete` (and fails a unit test) until it is listed here or
excluded with a reason.

Each :class:`DiscreteFamily` says which shapes are integers (profiled over, never
rounded inside a continuous optimiser: see :mod:`.profile`), the range of each
continuous shape (which sets its transform to an unconstrained optimiser
coordinate), and whether a ``loc`` shift can be fitted.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import scipy.stats as st

from ..exceptions import InvalidArgumentError, UnknownDistributionError
from .zero_models import ZERO_MODELS

__all__ = [
    "DISCRETE_CANDIDATES",
    "DISCRETE_EXCLUSIONS",
    "DiscreteFamily",
    "check_discrete_params",
    "discrete_param_counts",
    "discrete_selection",
    "freeze_discrete",
    "get_discrete_family",
    "is_discrete_name",
    "is_discrete_selection",
    "resolve_discrete",
    "unlisted_scipy_discrete",
]

#: Ranges of continuous shapes. ``positive``: (0, ∞); ``unit``: (0, 1);
#: ``above_one``: (1, ∞); ``prob``: [0, 1) (a mixing probability).
RANGES = ("positive", "unit", "above_one", "prob")


@dataclass(frozen=True)
class DiscreteFamily:
    """How to fit one discrete family."""

    name: str
    #: Shape names in scipy's order.
    shapes: tuple[str, ...]
    #: Range of each continuous shape (a key of ``RANGES``).
    ranges: tuple[tuple[str, str], ...] = ()
    #: Shapes that are integers, profiled over.
    integers: tuple[str, ...] = ()
    #: Whether an integer ``loc`` shift may be fitted (families without other
    #: integer parameters, whose support is not already placed by the data).
    shiftable: bool = False

    @property
    def dist(self) -> st.rv_discrete:
        if self.name in ZERO_MODELS:
            return ZERO_MODELS[self.name]
        return _SCIPY_DISCRETE[self.name]

    @property
    def continuous(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self.ranges)


_SCIPY_DISCRETE: dict[str, st.rv_discrete] = {
    name: obj for name in dir(st)
    if isinstance(obj := getattr(st, name), st.rv_discrete)
}

_FAMILIES: tuple[DiscreteFamily, ...] = (
    DiscreteFamily("poisson", ("mu",), (("mu", "positive"),), shiftable=True),
    DiscreteFamily("nbinom", ("n", "p"), (("n", "positive"), ("p", "unit")), shiftable=True),
    DiscreteFamily("geom", ("p",), (("p", "unit"),), shiftable=True),
    DiscreteFamily("binom", ("n", "p"), (("p", "unit"),), integers=("n",)),
    DiscreteFamily("betabinom", ("n", "a", "b"), (("a", "positive"), ("b", "positive")),
                   integers=("n",)),
    DiscreteFamily("betanbinom", ("n", "a", "b"),
                   (("n", "positive"), ("a", "positive"), ("b", "positive")), shiftable=True),
    DiscreteFamily("logser", ("p",), (("p", "unit"),), shiftable=True),
    DiscreteFamily("zipf", ("a",), (("a", "above_one"),), shiftable=True),
    DiscreteFamily("zipfian", ("a", "n"), (("a", "positive"),), integers=("n",)),
    DiscreteFamily("yulesimon", ("alpha",), (("alpha", "positive"),), shiftable=True),
    DiscreteFamily("planck", ("lambda_",), (("lambda_", "positive"),), shiftable=True),
    DiscreteFamily("boltzmann", ("lambda_", "N"), (("lambda_", "positive"),),
                   integers=("N",)),
    DiscreteFamily("dlaplace", ("a",), (("a", "positive"),), shiftable=True),
    DiscreteFamily("skellam", ("mu1", "mu2"), (("mu1", "positive"), ("mu2", "positive")),
                   shiftable=True),
    DiscreteFamily("randint", ("low", "high"), integers=("low", "high")),
    DiscreteFamily("hypergeom", ("M", "n", "N"), integers=("M", "n", "N")),
    DiscreteFamily("nhypergeom", ("M", "n", "r"), integers=("M", "n", "r")),
    DiscreteFamily("zi_poisson", ("pi", "mu"), (("pi", "prob"), ("mu", "positive"))),
    DiscreteFamily("zi_nbinom", ("pi", "n", "p"),
                   (("pi", "prob"), ("n", "positive"), ("p", "unit"))),
    DiscreteFamily("hurdle_poisson", ("p0", "mu"), (("p0", "prob"), ("mu", "positive"))),
    DiscreteFamily("hurdle_nbinom", ("p0", "n", "p"),
                   (("p0", "prob"), ("n", "positive"), ("p", "unit"))),
)

_BY_NAME: dict[str, DiscreteFamily] = {f.name: f for f in _FAMILIES}

#: The default discrete candidates, in a stable order.
DISCRETE_CANDIDATES: tuple[str, ...] = tuple(f.name for f in _FAMILIES)

#: scipy discrete families left out, with the reason. Not fitted, even by name.
DISCRETE_EXCLUSIONS: dict[str, str] = {
    "bernoulli": "binom with n = 1, which the binomial's profile over n already includes",
    "poisson_binom": "its parameter is a vector of per-trial probabilities, one per trial, "
                     "not a model with a fixed number of parameters",
    "nchypergeom_fisher": "three integer parameters plus the odds and a pmf computed by "
                          "summation: profiling (M, n, N) with an inner odds fit takes "
                          "minutes; its odds = 1 case is hypergeom, which is fitted",
    "nchypergeom_wallenius": "as nchypergeom_fisher, with a pmf by numerical integration "
                             "(slower still); its odds = 1 case is hypergeom",
}


def unlisted_scipy_discrete() -> list[str]:
    """scipy discrete families neither listed nor excluded (a scipy upgrade added them)."""
    known = set(DISCRETE_CANDIDATES) | set(DISCRETE_EXCLUSIONS)
    return sorted(set(_SCIPY_DISCRETE) - known)


def get_discrete_family(name: str) -> DiscreteFamily:
    """The fitting recipe of one discrete family, by name."""
    if name in _BY_NAME:
        return _BY_NAME[name]
    if name in DISCRETE_EXCLUSIONS:
        raise UnknownDistributionError(
            f"discrete distribution {name!r} is not fitted: {DISCRETE_EXCLUSIONS[name]}")
    raise UnknownDistributionError(
        f"unknown discrete distribution {name!r}; known: {', '.join(DISCRETE_CANDIDATES)}")


def resolve_discrete(names: str | list[str] | tuple[str, ...] | None) -> list[str]:
    """Names to fit: ``None`` or ``"discrete"`` → every candidate; else checked names."""
    if names is None or names == "discrete":
        return list(DISCRETE_CANDIDATES)
    if isinstance(names, str):
        names = [names]
    return [get_discrete_family(n).name for n in names]


def discrete_selection(distributions: object) -> tuple[str, ...] | None:
    """The discrete names a ``distributions=`` argument asks for, or ``None`` when it
    asks for continuous ones (then the continuous registry resolves it).

    ``"discrete"`` is the whole discrete set; a name or a list of names is discrete
    when every name is a discrete family. A list mixing both kinds is an error: a
    probability mass and a density are not comparable, so their likelihoods cannot
    be ranked together.
    """
    if distributions == "discrete":
        return DISCRETE_CANDIDATES
    if isinstance(distributions, str):
        return (distributions,) if distributions in _BY_NAME else None
    if not isinstance(distributions, (list, tuple)) or not distributions:
        return None
    discrete = [n for n in distributions if isinstance(n, str) and n in _BY_NAME]
    if not discrete:
        return None
    if len(discrete) != len(distributions):
        others = [n for n in distributions if n not in discrete]
        raise InvalidArgumentError(
            f"distributions mixes discrete families {discrete} with {others}: a probability "
            "mass and a density are not comparable, so they cannot be ranked together; "
            "fit them in separate calls")
    if len(set(discrete)) != len(discrete):
        repeated = sorted({n for n in discrete if discrete.count(n) > 1})
        raise InvalidArgumentError(f"distributions lists {repeated} more than once")
    return tuple(discrete)


def is_discrete_selection(names: tuple[str, ...] | list[str]) -> bool:
    """Whether resolved names are discrete families (the fit then counts values)."""
    return bool(names) and all(n in _BY_NAME for n in names)


def is_discrete_name(name: object) -> bool:
    """Whether ``name`` is a fitted discrete family."""
    return isinstance(name, str) and name in _BY_NAME


def check_discrete_params(name: str, pairs: Iterable[tuple[object, object]], where: str
                          ) -> dict[str, float | int]:
    """A discrete row's params, validated: exactly its shapes and ``loc`` (``None``
    values of other keys dropped, as after a Parquet round trip), finite numbers,
    integers where the family's shapes and ``loc`` are integers; in scipy's order."""
    family = get_discrete_family(name)
    expected = (*family.shapes, "loc")
    kept: dict[str, Any] = {}
    for key, value in pairs:
        if value is None and key not in expected:
            continue
        kept[str(key)] = value
    if set(kept) != set(expected):
        raise InvalidArgumentError(
            f"{where}: {name} takes parameters {list(expected)}, got {sorted(kept)}")
    out: dict[str, float | int] = {}
    for key in expected:
        value = kept[key]
        if isinstance(value, bool) or not isinstance(value, numbers.Real) \
                or not math.isfinite(value):
            raise InvalidArgumentError(f"{where}: parameter {key!r} must be a finite number, "
                                       f"got {value!r}")
        if key in family.integers or key == "loc":
            if float(value) != int(value):
                raise InvalidArgumentError(f"{where}: parameter {key!r} must be an integer, "
                                           f"got {value!r}")
            out[key] = int(value)
        else:
            out[key] = float(value)
    return out


def discrete_param_counts(name: str) -> tuple[int, ...]:
    """The ``n_params`` a row of ``name`` may report: its shapes, plus ``loc`` when it
    was fitted (``shift=True`` on a shiftable family)."""
    family = get_discrete_family(name)
    return (len(family.shapes), len(family.shapes) + 1) if family.shiftable \
        else (len(family.shapes),)


def freeze_discrete(name: str, params: dict[str, float | int]) -> Any:
    """The frozen scipy distribution of validated discrete params."""
    *shapes, loc = params.values()
    return get_discrete_family(name).dist(*shapes, loc=loc)
