"""What every frame adapter shares: the block set, column selection, block reading.

An adapter turns one kind of input (pandas, Modin, Ray Dataset) into a
:class:`BlockSet` of row blocks in the Ray object store, and builds an output frame
of its kind from pandas row blocks already there. Everything downstream sees only
block refs and :func:`block_column`, never the input's type.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Protocol

import numpy as np
import pandas as pd

from .. import runtime
from ..exceptions import ColumnNotFoundError, ColumnTypeError, InvalidArgumentError

__all__ = [
    "BlockSet",
    "FrameAdapter",
    "block_column",
    "block_lengths",
    "check_not_empty",
    "column_as_float",
    "numeric_columns",
    "same_label",
    "select_columns",
]


@dataclass(frozen=True)
class BlockSet:
    """Row blocks in the object store, with the selected columns' positions.

    ``source`` is the name of the adapter that made it (``"pandas"``, ``"modin"``
    or ``"dataset"``): the kind of frame results derived from it are returned as.
    """

    refs: list
    lengths: list[int]
    labels: list[Hashable]
    positions: list[int]
    source: str

    @property
    def n_rows(self) -> int:
        return int(sum(self.lengths))

    @property
    def offsets(self) -> np.ndarray:
        return np.concatenate([[0], np.cumsum(self.lengths)[:-1]]).astype(np.int64)

    def local_positions(self, positions: np.ndarray) -> list[np.ndarray]:
        """Global row ``positions`` split by block, as positions within each block."""
        out = []
        for offset, length in zip(self.offsets, self.lengths, strict=True):
            out.append(positions[(positions >= offset) & (positions < offset + length)] - offset)
        return out


class FrameAdapter(Protocol):
    """One kind of input and output frame."""

    #: The kind's name, stored in :attr:`BlockSet.source` and in saved copulas.
    name: ClassVar[str]
    #: Whether :meth:`output` gathers every row into the driver's memory.
    output_on_driver: ClassVar[bool]

    def matches(self, obj: Any) -> bool:
        """Whether ``obj`` is input of this kind (never imports an optional package)."""
        ...

    def to_blocks(self, obj: Any, columns: Any = None,
                  n_blocks: int | None = None) -> BlockSet:  # fmt: skip
        """Validate the column selection and place the rows as blocks in Ray."""
        ...

    def output(self, refs: Sequence[Any], lengths: Sequence[int],
               labels: Sequence[Hashable]) -> Any:  # fmt: skip
        """A frame of this kind over pandas row blocks already in the object store,
        with columns ``labels`` and a ``RangeIndex`` over all rows."""
        ...


def _is_real_dtype(dtype: Any) -> bool:
    return pd.api.types.is_numeric_dtype(dtype) and not (
        pd.api.types.is_bool_dtype(dtype) or pd.api.types.is_complex_dtype(dtype)
    )


def numeric_columns(frame: Any) -> list:
    """Labels of the columns holding real numbers (not bool, not complex)."""
    return [label for label, dtype in zip(frame.columns, frame.dtypes, strict=True)
            if _is_real_dtype(dtype)]  # fmt: skip


def same_label(a: Any, b: Any) -> bool:
    """Label equality that never raises (labels may be tuples, arrays, NaN)."""
    try:
        return bool(a == b)
    except (TypeError, ValueError):
        return False


def select_columns(frame: Any, columns: Any) -> tuple[list[Hashable], list[int]]:
    """Validate ``columns`` against ``frame``; labels and their positions.

    ``frame`` needs only ``columns`` and ``dtypes`` (a pandas or Modin frame, or an
    empty pandas frame standing for a Ray Dataset's schema).
    """
    all_labels = list(frame.columns)
    numeric = numeric_columns(frame)
    if columns is None:
        if not numeric:
            described = ", ".join(f"{c!r} ({d})" for c, d in zip(all_labels, frame.dtypes,
                                                                   strict=True)) or "none"
            raise ColumnTypeError(
                f"the frame has no numeric column to fit; its columns: {described}"
            )
        labels = numeric
    elif isinstance(columns, tuple) and any(same_label(c, columns) for c in all_labels):
        labels = [columns]  # a MultiIndex label, not a list of labels
    elif isinstance(columns, (list, tuple, pd.Index)):
        labels = list(columns)
        if not labels:
            raise InvalidArgumentError("columns is empty: name at least one column")
    else:
        labels = [columns]
    seen: set = set()
    for label in labels:
        try:
            hashed = label in seen
        except TypeError:
            raise InvalidArgumentError(f"column names must be hashable, got {label!r}") from None
        if hashed:
            raise InvalidArgumentError(f"column {label!r} is requested more than once")
        seen.add(label)
    positions = []
    dtypes = list(frame.dtypes)
    for label in labels:
        matches = [i for i, c in enumerate(all_labels) if same_label(c, label)]
        if not matches:
            raise ColumnNotFoundError(
                f"column {label!r} is not in the frame; numeric columns are {numeric}"
            )
        if len(matches) > 1:
            raise InvalidArgumentError(
                f"column label {label!r} appears {len(matches)} times in the frame; "
                "rename the duplicates first"
            )
        dtype = dtypes[matches[0]]
        if not _is_real_dtype(dtype):
            raise ColumnTypeError(
                f"column {label!r} has dtype {dtype}, not real numbers; "
                f"numeric columns are {numeric}"
            )
        positions.append(matches[0])
    return labels, positions


def column_as_float(series: pd.Series) -> np.ndarray:
    """A column as float64, missing values (``pd.NA`` included) as NaN."""
    return series.to_numpy(dtype=np.float64, na_value=np.nan)


def block_column(block: Any, position: int) -> np.ndarray:
    """The float64 values of one column of a block (runs inside Ray tasks).

    A block is a (columns, rows) float64 array (pandas input) or a pandas frame
    (a Modin partition or a Ray Dataset block).
    """
    if isinstance(block, np.ndarray):
        return block[position]
    return column_as_float(block.iloc[:, position])


def _block_length(block: Any) -> int:
    return len(block)


def block_lengths(refs: Sequence[Any]) -> list[int]:
    """Rows per block, counted where the blocks live (no block reaches the driver)."""
    lengths = runtime.map_blocks(_block_length, list(refs), [()] * len(refs))
    return [int(n) for n in lengths]


def check_not_empty(blocks: BlockSet, labels: Sequence[Hashable]) -> None:
    if blocks.n_rows == 0:
        raise InvalidArgumentError(f"the frame has no rows; nothing to fit in {list(labels)}")
