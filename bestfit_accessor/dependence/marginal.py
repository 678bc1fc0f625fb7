"""One column's marginal distribution in a copula, and its validation.

Marginals arrive from a results frame, from a user or from JSON; every one is
checked against the registry (names and parameter names) and must give a finite,
ordered set of quartiles before a copula holds it.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..exceptions import InvalidArgumentError
from ..fitting.registry import get_distribution, param_names
from ..results.jsonio import check_params

__all__ = ["Marginal", "check_marginal"]


@dataclass(frozen=True)
class Marginal:
    """One column's distribution: a registry name and its parameters (scipy names)."""

    distribution: str
    params: Mapping[str, float]

    def frozen(self) -> Any:
        """The frozen scipy distribution."""
        *shapes, loc, scale = (self.params[p] for p in param_names(self.distribution))
        return get_distribution(self.distribution)(*shapes, loc=loc, scale=scale)

    def to_dict(self) -> dict:
        return {"distribution": self.distribution, "params": dict(self.params)}


def check_marginal(item: object, label: object) -> Marginal:
    """A validated :class:`Marginal` from a Marginal, a ``{"distribution", "params"}``
    mapping or a ``(name, params)`` pair; ``label`` names the column in errors."""
    if isinstance(item, Marginal):
        name, params = item.distribution, item.params
    elif isinstance(item, Mapping):
        if set(item) != {"distribution", "params"}:
            raise InvalidArgumentError(
                f"marginal of column {label!r} must have exactly the keys "
                f"'distribution' and 'params', got {sorted(map(str, item))}"
            )
        name, params = item["distribution"], item["params"]
    elif isinstance(item, Sequence) and not isinstance(item, str) and len(item) == 2:
        name, params = item
    else:
        raise InvalidArgumentError(
            f"marginal of column {label!r} must be a (distribution, params) pair or "
            f"a mapping, got {type(item).__name__}"
        )
    values = check_params(name, params, f"marginal of column {label!r}")
    marginal = Marginal(name, values)
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        quartiles = np.asarray(marginal.frozen().ppf([0.25, 0.5, 0.75]), dtype=float)
    if not (np.isfinite(quartiles).all() and np.all(np.diff(quartiles) >= 0)):
        raise InvalidArgumentError(
            f"marginal of column {label!r}: {values} are not valid parameters of {name}"
        )
    return marginal
