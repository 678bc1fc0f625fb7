"""Safe JSON in and out for saved fits and copulas.

JSON only, never pickle. Loading caps the size, rejects NaN/Infinity and deep
nesting, and checks distribution names against the registry (never ``getattr`` on
a user string). Every problem is an :class:`InvalidArgumentError` (a ValueError).
"""

from __future__ import annotations

import json
import math
import numbers
import os
from collections.abc import Hashable, Mapping
from typing import Any

import numpy as np

from ..exceptions import BestFitError, InvalidArgumentError
from ..fitting.registry import param_names

__all__ = [
    "MAX_JSON_BYTES",
    "MAX_NAME_CHARS",
    "check_label",
    "check_params",
    "dump_json",
    "is_real",
    "load_json",
    "reject_constant",
]

#: Largest JSON document a loader reads.
MAX_JSON_BYTES = 64 * 1024 * 1024
#: Longest column or distribution name accepted from JSON.
MAX_NAME_CHARS = 256


def reject_constant(token: str) -> None:
    raise ValueError(f"{token} is not a finite number")


def load_json(source: str | os.PathLike, what: str) -> Any:
    """Parse JSON from a file path, or from text starting with ``{`` or ``[``."""
    if isinstance(source, str) and source.lstrip().startswith(("{", "[")):
        text = source
    elif isinstance(source, (str, os.PathLike)):
        with open(source, "rb") as handle:
            raw = handle.read(MAX_JSON_BYTES + 1)
        if len(raw) > MAX_JSON_BYTES:
            raise InvalidArgumentError(
                f"{os.fspath(source)!r} is larger than {MAX_JSON_BYTES} bytes; not saved {what}"
            )
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise InvalidArgumentError(f"{os.fspath(source)!r} is not UTF-8 text") from None
    else:
        raise InvalidArgumentError(f"loading {what} takes a path or JSON text, "
                                   f"got {type(source).__name__}")  # fmt: skip
    if len(text) > MAX_JSON_BYTES:
        raise InvalidArgumentError(f"the JSON text is larger than {MAX_JSON_BYTES} characters")
    try:
        return json.loads(text, parse_constant=reject_constant)
    except RecursionError:
        raise InvalidArgumentError(f"the JSON is nested too deeply to be {what}") from None
    except ValueError as exc:  # JSONDecodeError, NaN/Infinity, giant integers
        raise InvalidArgumentError(f"not valid JSON for {what}: {exc}") from None


def dump_json(data: Any, path: str | os.PathLike | None = None, *, indent: int | None = 2) -> str:
    """JSON text of ``data`` (no NaN allowed); written atomically to ``path`` if given."""
    text = json.dumps(data, indent=indent, allow_nan=False)
    if path is not None:
        target = os.fspath(path)
        temporary = f"{target}.tmp"
        with open(temporary, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(temporary, target)
    return text


def is_real(value: object) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))


def check_label(label: object, where: str) -> Hashable:
    """A column name that JSON can carry: a string or a 64-bit integer."""
    if isinstance(label, (bool, np.bool_)):
        raise InvalidArgumentError(
            f"{where}: a column name must be a string or an integer, got {label!r}"
        )
    if isinstance(label, numbers.Integral):
        value = int(label)
        if abs(value) >= 2**63:
            raise InvalidArgumentError(f"{where}: column name {value} is out of the 64-bit range")
        return value
    if isinstance(label, str):
        if len(label) > MAX_NAME_CHARS:
            raise InvalidArgumentError(
                f"{where}: a column name is longer than {MAX_NAME_CHARS} characters"
            )
        return label
    raise InvalidArgumentError(f"{where}: a column name must be a string or an integer, got "
                               f"{type(label).__name__}")  # fmt: skip


def check_params(name: object, params: object, where: str) -> dict[str, float]:
    """Validated parameters of a registry distribution, in scipy's order."""
    if not isinstance(name, str) or len(name) > MAX_NAME_CHARS:
        raise InvalidArgumentError(f"{where}: the distribution name must be a string")
    try:
        expected = param_names(name)  # registry lookup, never getattr on the string
    except BestFitError as exc:
        raise InvalidArgumentError(f"{where}: {exc}") from None
    if not isinstance(params, Mapping):
        raise InvalidArgumentError(f"{where}: params must be a mapping of name to value")
    if set(params) != set(expected) or len(params) != len(expected):
        raise InvalidArgumentError(f"{where}: {name} takes parameters {expected}, got "
                                   f"{sorted(map(str, params))}")  # fmt: skip
    values = {}
    for key in expected:
        value = params[key]
        if not is_real(value) or not math.isfinite(float(value)):
            raise InvalidArgumentError(
                f"{where}: parameter {key}={value!r} is not a finite number"
            )
        values[key] = float(value)
    if not values["scale"] > 0:
        raise InvalidArgumentError(f"{where}: scale must be > 0, got {values['scale']}")
    return values
