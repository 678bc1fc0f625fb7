"""Validated options: a declarative table of constraints and one validator.

Every public argument is checked by :func:`validate` against a tuple of
constraints, with one message template::

    timeout must be a positive number or None; got -1 (int)

A value whose type matches no constraint raises :class:`ArgumentTypeError` (a
``TypeError``); a value of the right type outside the allowed range raises
:class:`InvalidArgumentError` (a ``ValueError``). ``bool`` is never an integer
here (``num_cpus=True`` is rejected), and numpy integer and float scalars count
as integers and numbers.

The settings of a fit travel as one frozen :class:`FitOptions`, validated once
where the user's call enters the package.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass, fields
from typing import Any, Literal

import numpy as np

from .exceptions import ArgumentTypeError, InvalidArgumentError

__all__ = [
    "DEFAULT_SAMPLE_SIZE",
    "DEFAULT_TIMEOUT",
    "FIT_CONSTRAINTS",
    "MIN_SAMPLE_SIZE",
    "FitOptions",
    "InstanceOf",
    "Interval",
    "Options",
    "SeedLike",
    "check_random_state",
    "validate",
]

#: Seconds one distribution's fit may run before it is cancelled.
DEFAULT_TIMEOUT = 120.0
#: Rows in the uniform random sample used for starting values, KS and AD.
DEFAULT_SAMPLE_SIZE = 10_000
#: The smallest sample the fits accept.
MIN_SAMPLE_SIZE = 100


# ------------------------------------------------------------------- constraints


class _Constraint:
    """One kind of accepted value: a type test, a value test and a description."""

    def type_ok(self, value: Any) -> bool:
        raise NotImplementedError

    def value_ok(self, value: Any) -> bool:
        return True

    def normalize(self, value: Any) -> Any:
        return value

    def describe(self) -> str:
        raise NotImplementedError


def _is_bool(value: Any) -> bool:
    return isinstance(value, (bool, np.bool_))


class _NoneConstraint(_Constraint):
    def type_ok(self, value: Any) -> bool:
        return value is None

    def describe(self) -> str:
        return "None"


class _BoolConstraint(_Constraint):
    def type_ok(self, value: Any) -> bool:
        return _is_bool(value)

    def normalize(self, value: Any) -> bool:
        return bool(value)

    def describe(self) -> str:
        return "True or False"


class _CallableConstraint(_Constraint):
    def type_ok(self, value: Any) -> bool:
        return callable(value)

    def describe(self) -> str:
        return "a callable"


@dataclass(frozen=True)
class InstanceOf(_Constraint):
    """An instance of ``kind``, described as ``description`` in messages."""

    kind: type
    description: str = ""

    def type_ok(self, value: Any) -> bool:
        return isinstance(value, self.kind) and not (_is_bool(value) and self.kind is not bool)

    def describe(self) -> str:
        if self.description:
            return self.description
        name = self.kind.__name__
        return f"{'an' if name[:1].lower() in 'aeiou' else 'a'} {name}"


@dataclass(frozen=True)
class Interval(_Constraint):
    """An integer (``kind=int``) or a finite real number (``kind=Real``) in a range.

    ``left``/``right`` of ``None`` leave that side unbounded; ``closed`` says which
    bounds belong to the range. ``bool`` is not an integer; numpy scalars are.
    """

    kind: type
    left: float | None
    right: float | None
    closed: Literal["left", "right", "both", "neither"] = "both"

    def __post_init__(self) -> None:
        if self.kind not in (int, numbers.Integral, float, numbers.Real):
            raise ValueError(f"Interval kind must be int or Real, got {self.kind!r}")
        if self.closed not in ("left", "right", "both", "neither"):
            raise ValueError(f"Interval closed must be left, right, both or neither, "
                             f"got {self.closed!r}")

    @property
    def _integer(self) -> bool:
        return self.kind in (int, numbers.Integral)

    def type_ok(self, value: Any) -> bool:
        if _is_bool(value):
            return False
        return isinstance(value, numbers.Integral if self._integer else numbers.Real)

    def value_ok(self, value: Any) -> bool:
        if not self._integer and not math.isfinite(float(value)):
            return False
        if self.left is not None:
            if value < self.left or (value == self.left and self.closed in ("right", "neither")):
                return False
        if self.right is not None:
            if value > self.right or (value == self.right and self.closed in ("left", "neither")):
                return False
        return True

    def normalize(self, value: Any) -> int | float:
        return int(value) if self._integer else float(value)

    def describe(self) -> str:
        left, right = self.left, self.right
        left_in = self.closed in ("left", "both")
        right_in = self.closed in ("right", "both")
        if self._integer:  # integer bounds are clearer closed: (0, ∞) is ≥ 1
            if left is not None and not left_in:
                left, left_in = math.floor(left) + 1, True
            if right is not None and not right_in:
                right, right_in = math.ceil(right) - 1, True
        kind = "integer" if self._integer else "number"
        article = "an" if self._integer else "a"
        if right is None:
            if left is None:
                return f"{article} {kind}" if self._integer else "a finite number"
            if left == 0:
                return f"a non-negative {kind}" if left_in else f"a positive {kind}"
            if left == 1 and self._integer:
                return "a positive integer"
            return f"{article} {kind} {'>=' if left_in else '>'} {left}"
        if left is None:
            return f"{article} {kind} {'<=' if right_in else '<'} {right}"
        return (f"{article} {kind} in {'[' if left_in else '('}{left}, "
                f"{right}{']' if right_in else ')'}")  # fmt: skip


class Options(_Constraint):
    """One of a fixed set of values (``Options("aic", "bic")``), or of a set
    looked up when checked (``Options(source=callable)``) so the table can name
    a list that lives in a module imported later."""

    def __init__(self, *values: Any, source: Callable[[], Iterable[Any]] | None = None) -> None:
        if bool(values) == (source is not None):
            raise ValueError("give Options either values or a source, not both")
        self._values = tuple(values)
        self._source = source

    @property
    def values(self) -> tuple:
        return tuple(self._source()) if self._source is not None else self._values

    def type_ok(self, value: Any) -> bool:
        kinds = tuple({type(v) for v in self.values})
        return isinstance(value, kinds) and (bool in kinds or not _is_bool(value))

    def value_ok(self, value: Any) -> bool:
        return any(_same(value, v) for v in self.values)

    def describe(self) -> str:
        return f"one of {list(self.values)}"

    def __repr__(self) -> str:
        return f"Options{self.values!r}"


def _same(a: Any, b: Any) -> bool:
    try:
        return bool(a == b)
    except (TypeError, ValueError):
        return False


class SeedLike(_Constraint):
    """A seed: a non-negative integer or a :class:`numpy.random.SeedSequence`."""

    def type_ok(self, value: Any) -> bool:
        return (isinstance(value, numbers.Integral) and not _is_bool(value)) or isinstance(
            value, np.random.SeedSequence
        )

    def value_ok(self, value: Any) -> bool:
        return isinstance(value, np.random.SeedSequence) or value >= 0

    def normalize(self, value: Any) -> Any:
        return value if isinstance(value, np.random.SeedSequence) else int(value)

    def describe(self) -> str:
        return "a seed (a non-negative integer or a numpy SeedSequence)"


# --------------------------------------------------------------------- the check


def _as_constraint(spec: Any) -> _Constraint:
    if isinstance(spec, _Constraint):
        return spec
    if spec is None:
        return _NoneConstraint()
    if spec is bool:
        return _BoolConstraint()
    if spec is callable:
        return _CallableConstraint()
    if spec in (int, numbers.Integral):
        return Interval(int, None, None)
    if spec in (float, numbers.Real):
        return Interval(numbers.Real, None, None)
    if isinstance(spec, type) and issubclass(spec, _Constraint):
        return spec()
    if spec is str:
        return InstanceOf(str, "a string")
    if isinstance(spec, type):
        return InstanceOf(spec)
    raise TypeError(f"not a constraint: {spec!r}")


def _join(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else f"{', '.join(parts[:-1])} or {parts[-1]}"


def _short_repr(value: Any, limit: int = 80) -> str:
    try:
        text = repr(value)
    except Exception:  # a hostile __repr__ must not hide the real error
        text = f"<{type(value).__name__} object>"
    return text if len(text) <= limit else text[: limit - 3] + "..."


def validate(name: str, value: Any, constraints: Any) -> Any:
    """Check ``value`` of the argument ``name`` against ``constraints``.

    ``constraints`` is one constraint or a tuple of them, any of which may
    accept the value: ``None``, ``bool``, ``callable``, ``str``, ``int``, a
    type, an :class:`Interval`, :class:`Options`, :class:`SeedLike` or
    :class:`InstanceOf`. Returns the value, normalised (numpy scalars become
    ``int``/``float``). Raises :class:`ArgumentTypeError` when the type matches
    no constraint, else :class:`InvalidArgumentError`.
    """
    specs = constraints if isinstance(constraints, (tuple, list)) else (constraints,)
    checks = [_as_constraint(spec) for spec in specs]
    right_type = [check for check in checks if check.type_ok(value)]
    for check in right_type:
        if check.value_ok(value):
            return check.normalize(value)
    message = (f"{name} must be {_join([check.describe() for check in checks])}; "
               f"got {_short_repr(value)} ({type(value).__name__})")  # fmt: skip
    raise (InvalidArgumentError if right_type else ArgumentTypeError)(message)


def check_random_state(random_state: Any, name: str = "random_state") -> Any:
    """``None``, a non-negative ``int`` or a ``SeedSequence``: the one seed rule."""
    return validate(name, random_state, FIT_CONSTRAINTS["random_state"])


# ----------------------------------------------------------------- fit options


def _known_metrics() -> tuple[str, ...]:
    from .results import METRICS  # late: results imports the fitting stack

    return tuple(METRICS)


#: What each fit setting accepts; ``FitOptions`` checks every field against it.
FIT_CONSTRAINTS: dict[str, tuple] = {
    "distributions": (
        InstanceOf(str, "a set or distribution name"),
        InstanceOf(Iterable, "a list of distribution names"),
        None,
    ),
    "metric": (Options(source=_known_metrics),),
    "progress": (bool, callable, None),
    "random_state": (SeedLike(), None),
    "timeout": (Interval(numbers.Real, 0, None, closed="neither"), None),
    "sample_size": (Interval(int, MIN_SAMPLE_SIZE, None),),
    "n_blocks": (Interval(int, 1, None), None),
    "event": (InstanceOf(Hashable, "a column label"), None),
    "interval": (InstanceOf(tuple, "a (left, right) pair of column labels"),
                 InstanceOf(list, "a [left, right] pair of column labels"), None),
    "fixed": (InstanceOf(Mapping, "a mapping of parameter (or distribution) names"), None),
    "atoms": (Options("exclude", "model"),),
    "weights": (InstanceOf(Hashable, "a column label"), None),
    "bounds": (InstanceOf(tuple, "a (low, high) pair"), InstanceOf(list, "a [low, high] pair"),
               InstanceOf(Mapping, "a mapping of column labels to (low, high) pairs"), None),
}


def _resolve_names(distributions: Any) -> tuple[str, ...]:
    from .discrete.auto import AutoCandidates
    from .discrete.registry import DISCRETE_CANDIDATES, discrete_selection
    from .fitting.registry import resolve_distributions

    if isinstance(distributions, str) and distributions == "auto":  # per column: see .discrete.auto
        return AutoCandidates(resolve_distributions(None), DISCRETE_CANDIDATES)
    if isinstance(distributions, Iterable) and not isinstance(distributions, str):
        distributions = list(distributions)  # a generator is read once
        for i, name in enumerate(distributions):
            validate(f"distributions[{i}]", name, InstanceOf(str, "a distribution name"))
    discrete = discrete_selection(distributions)  # "discrete" or discrete names
    return discrete if discrete is not None else tuple(resolve_distributions(distributions))


def _resolve_progress(progress: Any) -> Any:
    from .progress import resolve_progress

    return resolve_progress(progress)


def _resolve_interval(interval: Any) -> Any:
    if interval is not None and len(interval) != 2:
        raise InvalidArgumentError(f"interval must be a (left, right) pair of column labels; "
                                   f"got {_short_repr(interval)}")  # fmt: skip
    return None if interval is None else tuple(interval)


def _resolve_bounds(bounds: Any) -> Any:
    from .truncation_options import resolve_bounds  # the truncation bounds' own checks

    return resolve_bounds(bounds)


#: Turns a checked setting into what the pipeline uses.
_RESOLVERS: dict[str, Callable[[Any], Any]] = {
    "distributions": _resolve_names,
    "progress": _resolve_progress,
    "interval": _resolve_interval,
    "fixed": lambda fixed: None if fixed is None else dict(fixed),
    "bounds": lambda bounds: _resolve_bounds(bounds),
}


@dataclass(frozen=True)
class FitOptions:
    """The settings of one fit, validated on construction.

    After construction ``distributions`` is the tuple of resolved names,
    ``progress`` a callback or ``None``, ``random_state`` an ``int``, a
    ``SeedSequence`` or ``None``, ``timeout`` a ``float`` or ``None``, and the
    counts are ``int``: the pipeline reads them without checking again.
    """

    distributions: Any = None
    metric: str = "aic"
    progress: Any = None
    random_state: Any = None
    timeout: float | None = DEFAULT_TIMEOUT
    sample_size: int = DEFAULT_SAMPLE_SIZE
    n_blocks: int | None = None
    #: Censoring and fixed parameters (see :mod:`bestfit_accessor.censored_fit`).
    event: Any = None
    interval: Any = None
    fixed: Any = None
    #: A point mass: set aside ("exclude") or a hurdle mixture ("model"; see
    #: :mod:`bestfit_accessor.results.hurdle`).
    atoms: str = "exclude"
    #: Frequency weights (a column label) and truncation bounds (see
    #: :mod:`bestfit_accessor.truncation_options`).
    weights: Any = None
    bounds: Any = None

    def __post_init__(self) -> None:
        for option in fields(self):
            value = validate(option.name, getattr(self, option.name),
                             FIT_CONSTRAINTS[option.name])  # fmt: skip
            resolve = _RESOLVERS.get(option.name)
            object.__setattr__(self, option.name, resolve(value) if resolve else value)
        kinds = [name for name in ("event", "interval", "fixed", "weights", "bounds")
                 if getattr(self, name) is not None]  # fmt: skip
        if self.atoms == "model" and kinds:
            raise InvalidArgumentError(
                f"atoms='model' (a hurdle mixture) is not available together with "
                f"{', '.join(f'{k}=' for k in kinds)}: those fits run on censored, weighted "
                "or truncated terms, which set no point mass aside; fit without atoms= or "
                "without them")

    @classmethod
    def create(cls, **settings: Any) -> FitOptions:
        """``FitOptions`` from keyword settings, naming any unknown one."""
        unknown = sorted(set(settings) - set(FIT_CONSTRAINTS))
        if unknown:
            raise ArgumentTypeError(
                f"unknown fit option(s) {unknown}; the options are {list(FIT_CONSTRAINTS)}"
            )
        return cls(**settings)
