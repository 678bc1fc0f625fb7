"""A results row as scipy sees it: its parameters as a dict, its frozen distribution.

``params`` reaches us in every form users store a results frame in: the dict of
``.bestfit.fit()``, a JSON string (CSV), a dict with ``None`` for the keys of other
distributions (``to_parquet`` then ``pd.read_parquet`` turns a column of dicts
into one struct of every key), or a list of ``(key, value)`` pairs (an Arrow map).
:func:`params_of` turns each into the validated dict of that distribution.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
import scipy.stats as st

from ..discrete.registry import check_discrete_params, freeze_discrete, is_discrete_name
from ..exceptions import BestFitError, InvalidArgumentError
from ..fitting.registry import get_distribution, param_names
from .hurdle import HurdleMixture, atom_of
from .jsonio import MAX_NAME_CHARS, check_params, reject_constant
from .schema import is_missing
from .truncated import TruncatedDistribution, bounds_of

__all__ = ["params_of", "to_scipy"]

#: Longest params JSON string accepted (a few hundred characters is typical).
MAX_PARAMS_CHARS = 100_000


def _as_pairs(params: object, where: str) -> list[tuple[object, object]]:
    """The ``(key, value)`` pairs of any stored form of params."""
    if isinstance(params, str):
        if len(params) > MAX_PARAMS_CHARS:
            raise InvalidArgumentError(f"{where}: params text is longer than {MAX_PARAMS_CHARS}")
        try:
            params = json.loads(params, parse_constant=reject_constant)
        except (ValueError, RecursionError) as exc:
            raise InvalidArgumentError(f"{where}: params is not valid JSON ({exc})") from None
    if isinstance(params, Mapping):
        return list(params.items())
    if isinstance(params, (list, tuple, np.ndarray)):
        pairs = []
        for item in params:
            if not (isinstance(item, (list, tuple, np.ndarray)) and len(item) == 2):
                raise InvalidArgumentError(
                    f"{where}: params as a list must hold (name, value) pairs, got {item!r}"
                )
            pairs.append((item[0], item[1]))
        return pairs
    raise InvalidArgumentError(
        f"{where}: params must be a mapping of name to value, a JSON object or (name, value) "
        f"pairs, got {type(params).__name__}"
    )


def _distribution_of(row: Mapping[str, Any] | pd.Series, caller: str) -> tuple[str, object]:
    try:
        name, params = row["distribution"], row["params"]
    except (KeyError, TypeError, IndexError):
        raise InvalidArgumentError(
            f"{caller} needs a results row with 'distribution' and 'params'"
        ) from None
    if not isinstance(name, str) or len(name) > MAX_NAME_CHARS:
        raise InvalidArgumentError(f"{caller}: the distribution name must be a string, "
                                   f"got {name!r}")  # fmt: skip
    return name, params


def normalize_params(name: str, params: object, where: str) -> dict[str, float]:
    """Validated params of distribution ``name`` from any stored form, in scipy's order.

    Keys set to ``None`` that are not parameters of ``name`` are dropped (the other
    distributions' keys after a Parquet round trip); the rest must be exactly the
    parameters of ``name``, finite, with ``scale > 0``.
    """
    if is_missing(params):
        raise InvalidArgumentError(f"{where} has no parameters (status failed?)")
    if is_discrete_name(name):  # shapes and an integer loc, no scale
        return check_discrete_params(name, _as_pairs(params, where), where)
    try:
        expected = set(param_names(name))  # registry lookup, never getattr on the string
    except BestFitError as exc:
        raise InvalidArgumentError(f"{where}: {exc}") from None
    kept: dict[object, object] = {}
    for key, value in _as_pairs(params, where):
        if not isinstance(key, str):
            raise InvalidArgumentError(f"{where}: parameter names must be strings, got {key!r}")
        if key in kept:
            raise InvalidArgumentError(f"{where}: parameter {key!r} is given twice")
        if value is None and key not in expected:
            continue
        kept[key] = value
    return check_params(name, kept, where)


def params_of(row: Mapping[str, Any] | pd.Series) -> dict[str, float]:
    """The parameters of one results row as ``{name: float}`` in scipy's order.

    Accepts ``params`` as stored by any of the formats a results frame goes through
    (dict, JSON string, Parquet struct with ``None`` keys, Arrow map pairs).
    """
    name, params = _distribution_of(row, "params_of")
    return normalize_params(name, params, _where(row, name))


def to_scipy(row: Mapping[str, Any] | pd.Series) -> st.rv_continuous:
    """The frozen scipy distribution of one results row (or any mapping with
    ``distribution`` and ``params``); a row with a hurdle atom (``atom_value``,
    ``atom_prob``: ``fit(..., atoms="model")``) gives a
    :class:`~bestfit_accessor.results.hurdle.HurdleMixture`, a row fitted with
    ``bounds=`` a :class:`~bestfit_accessor.results.truncated.TruncatedDistribution`."""
    name, params = _distribution_of(row, "to_scipy")
    values = normalize_params(name, params, _where(row, name))
    if is_discrete_name(name):
        return freeze_discrete(name, values)
    *shapes, loc, scale = values.values()
    frozen = get_distribution(name)(*shapes, loc=loc, scale=scale)
    atom = atom_of(row)  # a fit with atoms="model": a hurdle mixture
    if atom is not None:
        return HurdleMixture(frozen, *atom)
    bounds = bounds_of(row)  # a fit of bounds= (truncated data)
    return frozen if bounds is None else TruncatedDistribution(frozen, *bounds)


def _where(row: Mapping[str, Any] | pd.Series, name: str) -> str:
    try:
        column = row["column"]
    except (KeyError, TypeError, IndexError):
        return f"the fit of {name}"
    return f"the fit of {name} to column {column!r}"
