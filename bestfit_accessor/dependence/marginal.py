"""One column's marginal distribution in a copula, and its validation.

Marginals arrive from a results frame, from a user or from JSON; every one is
checked against the registry (names and parameter names) and must give a finite,
ordered set of quartiles before a copula holds it. A marginal is continuous, a
count distribution (a discrete registry name: sampled as integers), continuous
with a hurdle ``atom`` ``(value, probability)`` (``fit(..., atoms="model")``), or
continuous truncated to ``bounds`` ``(low, high)`` (``fit(..., bounds=...)``).
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..discrete.registry import check_discrete_params, freeze_discrete, is_discrete_name
from ..exceptions import InvalidArgumentError
from ..fitting.registry import get_distribution, param_names
from ..results.hurdle import HurdleMixture
from ..results.jsonio import check_params, is_real
from ..results.truncated import TruncatedDistribution

__all__ = ["Marginal", "check_marginal"]


@dataclass(frozen=True)
class Marginal:
    """One column's distribution: a registry name and its parameters (scipy names),
    for a hurdle mixture its ``atom`` as ``(value, probability)``, for a truncated fit
    its ``bounds`` as ``(low, high)`` (an open side infinite)."""

    distribution: str
    params: Mapping[str, float]
    atom: tuple[float, float] | None = None
    bounds: tuple[float, float] | None = None

    @property
    def discrete(self) -> bool:
        """A count distribution (its samples are integers)."""
        return is_discrete_name(self.distribution)

    def continuous_part(self) -> Any:
        """The frozen scipy distribution, without the atom."""
        if self.discrete:
            return freeze_discrete(self.distribution, dict(self.params))
        *shapes, loc, scale = (self.params[p] for p in param_names(self.distribution))
        return get_distribution(self.distribution)(*shapes, loc=loc, scale=scale)

    def frozen(self) -> Any:
        """The frozen scipy distribution (a :class:`HurdleMixture` with an atom, a
        :class:`TruncatedDistribution` with bounds)."""
        part = self.continuous_part()
        if self.atom is not None:
            return HurdleMixture(part, *self.atom)
        return part if self.bounds is None else TruncatedDistribution(part, *self.bounds)

    def describe(self) -> str:
        """The family with its atom or truncation, as the copula's views show it."""
        if self.atom is not None:
            return f"{self.distribution} + atom {self.atom[0]:g} (p={self.atom[1]:.4g})"
        if self.bounds is not None:
            return f"{self.distribution} truncated to [{self.bounds[0]:g}, {self.bounds[1]:g}]"
        return self.distribution

    def to_dict(self) -> dict:
        out: dict[str, Any] = {"distribution": self.distribution, "params": dict(self.params)}
        if self.atom is not None:
            out["atom"] = {"value": self.atom[0], "prob": self.atom[1]}
        if self.bounds is not None:  # JSON has no infinity: an open side is null
            out["bounds"] = [v if np.isfinite(v) else None for v in self.bounds]
        return out


def _check_atom(atom: object, label: object) -> tuple[float, float] | None:
    """``None``, or a validated ``(value, prob)`` from a pair or ``{"value", "prob"}``."""
    if atom is None:
        return None
    if isinstance(atom, Mapping) and set(atom) == {"value", "prob"}:
        atom = (atom["value"], atom["prob"])
    if not (isinstance(atom, Sequence) and not isinstance(atom, str) and len(atom) == 2
            and all(is_real(v) for v in atom)):  # fmt: skip
        raise InvalidArgumentError(f"marginal of column {label!r}: atom must be a (value, "
                                   f"prob) pair or {{'value', 'prob'}}, got {atom!r}")
    value, prob = float(atom[0]), float(atom[1])
    if not (np.isfinite(value) and 0.0 < prob < 1.0):
        raise InvalidArgumentError(f"marginal of column {label!r}: the atom needs a finite "
                                   f"value and 0 < prob < 1, got {value!r}, {prob!r}")
    return value, prob


def _check_bounds(bounds: object, label: object) -> tuple[float, float] | None:
    """``None``, or validated ``(low, high)`` from a pair (None = an open side)."""
    if bounds is None:
        return None
    if not (isinstance(bounds, Sequence) and not isinstance(bounds, str) and len(bounds) == 2
            and all(v is None or is_real(v) for v in bounds)):  # fmt: skip
        raise InvalidArgumentError(f"marginal of column {label!r}: bounds must be a (low, "
                                   f"high) pair of numbers or None, got {bounds!r}")
    low = -np.inf if bounds[0] is None or np.isnan(bounds[0]) else float(bounds[0])
    high = np.inf if bounds[1] is None or np.isnan(bounds[1]) else float(bounds[1])
    if not low < high:
        raise InvalidArgumentError(f"marginal of column {label!r}: bounds need low < high, "
                                   f"got {bounds!r}")
    return None if (low, high) == (-np.inf, np.inf) else (low, high)


def check_marginal(item: object, label: object) -> Marginal:
    """A validated :class:`Marginal` from a Marginal, a ``{"distribution", "params"}``
    mapping or a ``(name, params)`` pair; ``label`` names the column in errors."""
    atom = bounds = None
    if isinstance(item, Marginal):
        name, params, atom, bounds = item.distribution, item.params, item.atom, item.bounds
    elif isinstance(item, Mapping):
        if not ({"distribution", "params"} <= set(item)
                <= {"distribution", "params", "atom", "bounds"}):  # fmt: skip
            raise InvalidArgumentError(
                f"marginal of column {label!r} must have exactly the keys "
                f"'distribution' and 'params' (and optionally 'atom' or 'bounds'), got "
                f"{sorted(map(str, item))}"
            )
        name, params = item["distribution"], item["params"]
        atom, bounds = item.get("atom"), item.get("bounds")
    elif isinstance(item, Sequence) and not isinstance(item, str) and len(item) == 2:
        name, params = item
    else:
        raise InvalidArgumentError(
            f"marginal of column {label!r} must be a (distribution, params) pair or "
            f"a mapping, got {type(item).__name__}"
        )
    where = f"marginal of column {label!r}"
    if is_discrete_name(name):
        if not isinstance(params, Mapping):
            raise InvalidArgumentError(f"{where}: params must be a mapping of name to value")
        values: dict = check_discrete_params(name, params.items(), where)
    else:
        values = check_params(name, params, where)
    atom, bounds = _check_atom(atom, label), _check_bounds(bounds, label)
    if atom is not None and is_discrete_name(name):
        raise InvalidArgumentError(f"{where}: a count distribution takes no hurdle atom")
    if bounds is not None and (is_discrete_name(name) or atom is not None):
        raise InvalidArgumentError(f"{where}: bounds apply to a continuous marginal without "
                                   "an atom")  # fmt: skip
    marginal = Marginal(name, values, atom, bounds)
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        quartiles = np.asarray(marginal.frozen().ppf([0.25, 0.5, 0.75]), dtype=float)
    if not (np.isfinite(quartiles).all() and np.all(np.diff(quartiles) >= 0)):
        raise InvalidArgumentError(
            f"marginal of column {label!r}: {values} are not valid parameters of {name}"
        )
    return marginal
