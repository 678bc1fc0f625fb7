"""The ``bounds=`` option of a fit: truncation windows, checked once where the call enters.

``bounds=(lo, hi)`` truncates every fitted column to ``[lo, hi]``; ``bounds={col:
(lo, hi), ...}`` only the named ones. Either side may be ``None`` (or ``-inf`` /
``inf``): open on that side. The pairs become ``(low, high)`` floats with infinite
open sides; which column labels exist is checked later, against the frame
(:mod:`bestfit_accessor.censored_fit`).
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping
from typing import Any

import numpy as np

from .exceptions import ArgumentTypeError, InvalidArgumentError

__all__ = ["resolve_bounds"]


def _side(where: str, value: Any, open_value: float) -> float:
    if value is None:
        return open_value
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise ArgumentTypeError(f"{where} must be a number or None; got {value!r} "
                                f"({type(value).__name__})")  # fmt: skip
    number = float(value)
    if math.isnan(number):
        raise InvalidArgumentError(f"{where} must be a number or None; got NaN")
    if number == -open_value:
        raise InvalidArgumentError(f"{where} may not be {number} (that side would be empty)")
    return number


def resolve_pair(where: str, pair: Any) -> tuple[float, float]:
    """``(low, high)`` from one ``(lo, hi)`` pair, infinite where open."""
    if not isinstance(pair, (tuple, list)) or len(pair) != 2:
        raise ArgumentTypeError(f"{where} must be a (low, high) pair (either side may be "
                                f"None); got {pair!r}")  # fmt: skip
    low = _side(f"{where}[0] (the lower bound)", pair[0], -math.inf)
    high = _side(f"{where}[1] (the upper bound)", pair[1], math.inf)
    if not low < high:
        raise InvalidArgumentError(f"{where} is reversed or empty: low {low} must be below "
                                   f"high {high}")  # fmt: skip
    return low, high


def resolve_bounds(bounds: Any) -> Any:
    """``None``, one ``(low, high)`` pair for every column, or ``{label: (low, high)}``."""
    if bounds is None:
        return None
    if isinstance(bounds, Mapping):
        if not bounds:
            raise InvalidArgumentError("bounds is an empty mapping: name a column and its "
                                       "(low, high) pair")  # fmt: skip
        return {label: resolve_pair(f"bounds[{label!r}]", pair) for label, pair in bounds.items()}
    return resolve_pair("bounds", bounds)
