"""Frame adapters: one per input kind (pandas, Modin, Ray Dataset), looked up here.

:func:`adapter_for` is the one place the package looks at an input's type; the
rest of the pipeline works on the :class:`BlockSet` it returns and asks
:func:`adapter_named` (by ``BlockSet.source``) to build output of the same kind.
Modin and Ray Data are imported only when an object of theirs is used.
"""

from __future__ import annotations

from typing import Any

from ..exceptions import ArgumentTypeError, InvalidArgumentError
from .base import (
    BlockSet,
    FrameAdapter,
    block_column,
    check_not_empty,
    numeric_columns,
    same_label,
    select_columns,
)
from .modin_frames import ModinFrames
from .pandas_frames import PandasFrames
from .ray_dataset import RayDatasets

__all__ = [
    "ADAPTERS",
    "BlockSet",
    "FrameAdapter",
    "adapter_for",
    "adapter_named",
    "adapter_names",
    "block_column",
    "check_not_empty",
    "numeric_columns",
    "same_label",
    "select_columns",
    "to_blocks",
]

#: Every supported kind, in the order :func:`adapter_for` tries them.
ADAPTERS: tuple[FrameAdapter, ...] = (PandasFrames(), ModinFrames(), RayDatasets())
_SUPPORTED = "a pandas DataFrame or Series, a Modin DataFrame or Series, or a Ray Dataset"


def adapter_names() -> list[str]:
    """The names of the supported kinds: ``["pandas", "modin", "dataset"]``."""
    return [adapter.name for adapter in ADAPTERS]


def adapter_for(obj: Any) -> FrameAdapter:
    """The adapter for ``obj``; an :class:`ArgumentTypeError` naming its type if none."""
    for adapter in ADAPTERS:
        if adapter.matches(obj):
            return adapter
    kind = type(obj)
    raise ArgumentTypeError(
        f"expected {_SUPPORTED}; got {kind.__module__}.{kind.__qualname__}"
    )


def adapter_named(name: str) -> FrameAdapter:
    """The adapter called ``name`` (a ``BlockSet.source`` or a saved copula's source)."""
    for adapter in ADAPTERS:
        if adapter.name == name:
            return adapter
    raise InvalidArgumentError(f"frame kind must be one of {adapter_names()}, got {name!r}")


def to_blocks(obj: Any, columns: Any = None, *, n_blocks: int | None = None) -> BlockSet:
    """Validate the column selection and place ``obj``'s rows as blocks in Ray."""
    return adapter_for(obj).to_blocks(obj, columns, n_blocks)
