"""Frame adapters: pandas, Modin and Ray Dataset input → Ray block refs.

pandas input is converted once to a float64 array per block (columns as rows) and
put in the Ray object store. Modin input is used where it lives: its row
partitions are unwrapped to Ray refs and every task reads its own partition; no
row of a Modin frame reaches the driver. A Ray Dataset is materialised as pandas
blocks in the object store (``to_pandas_refs``), again without a driver collect.
"""

from __future__ import annotations

import itertools
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .. import runtime
from ..exceptions import ColumnNotFoundError, ColumnTypeError, InvalidArgumentError

__all__ = [
    "BlockSet",
    "block_column",
    "is_modin",
    "is_ray_dataset",
    "numeric_columns",
    "to_blocks",
]

#: Rows per block when cutting a pandas frame.
PANDAS_BLOCK_ROWS = 1_000_000


def is_modin(obj: Any) -> bool:
    return type(obj).__module__.startswith("modin.")


def is_ray_dataset(obj: Any) -> bool:
    return any(cls.__name__ == "Dataset" and cls.__module__.startswith("ray.data")
               for cls in type(obj).__mro__)  # fmt: skip


def _schema_frame(dataset: Any) -> pd.DataFrame:
    """An empty pandas frame with a Ray Dataset's column names and dtypes."""
    schema = dataset.schema()
    columns = {}
    for name, arrow_type in zip(schema.names, schema.types, strict=True):
        try:
            dtype = arrow_type.to_pandas_dtype()
        except (AttributeError, NotImplementedError, TypeError):
            dtype = object
        columns[name] = pd.Series(dtype=dtype)
    return pd.DataFrame(columns)


def _as_frame(obj: Any) -> Any:
    """A DataFrame view of a Series (named 0 when unnamed), the frame otherwise."""
    if isinstance(obj, pd.Series) or (is_modin(obj) and type(obj).__name__ == "Series"):
        return obj.to_frame(name=obj.name if obj.name is not None else 0)
    return obj


def _is_real_dtype(dtype: Any) -> bool:
    return pd.api.types.is_numeric_dtype(dtype) and not (
        pd.api.types.is_bool_dtype(dtype) or pd.api.types.is_complex_dtype(dtype)
    )


def numeric_columns(frame: Any) -> list:
    return [label for label, dtype in zip(frame.columns, frame.dtypes, strict=True)
            if _is_real_dtype(dtype)]  # fmt: skip


@dataclass(frozen=True)
class BlockSet:
    """Row blocks in the object store, with the selected columns' positions."""

    refs: list
    lengths: list[int]
    labels: list[Hashable]
    positions: list[int]
    source: str  # "pandas", "modin" or "dataset"

    @property
    def n_rows(self) -> int:
        return int(sum(self.lengths))

    @property
    def offsets(self) -> np.ndarray:
        return np.concatenate([[0], np.cumsum(self.lengths)[:-1]]).astype(np.int64)


def select_columns(frame: Any, columns: Any) -> tuple[list[Hashable], list[int]]:
    """Validate ``columns`` against ``frame``; labels and their positions."""
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


def same_label(a: Any, b: Any) -> bool:
    try:
        return bool(a == b)
    except (TypeError, ValueError):
        return False


def to_blocks(obj: Any, columns: Any = None, *, n_blocks: int | None = None) -> BlockSet:
    """Validate the selection and place the data as row blocks in Ray."""
    if is_ray_dataset(obj):
        labels, positions = select_columns(_schema_frame(obj), columns)
        return _dataset_blocks(obj, labels, positions)
    frame = _as_frame(obj)
    labels, positions = select_columns(frame, columns)
    if is_modin(frame):
        return _modin_blocks(frame, labels, positions)
    return _pandas_blocks(frame, labels, positions, n_blocks)


def _column_as_float(series: pd.Series) -> np.ndarray:
    return series.to_numpy(dtype=np.float64, na_value=np.nan)


def _pandas_blocks(frame: pd.DataFrame, labels: list, positions: list[int],
                   n_blocks: int | None) -> BlockSet:  # fmt: skip
    n_rows = len(frame)
    if n_blocks is None:
        n_blocks = max(1, -(-n_rows // PANDAS_BLOCK_ROWS))
    if not isinstance(n_blocks, int) or n_blocks < 1:
        raise InvalidArgumentError(f"n_blocks must be a positive integer, got {n_blocks!r}")
    n_blocks = min(n_blocks, max(n_rows, 1))
    values = np.empty((len(positions), n_rows), dtype=np.float64)
    for row, position in enumerate(positions):
        values[row] = _column_as_float(frame.iloc[:, position])
    bounds = np.linspace(0, n_rows, n_blocks + 1).astype(np.int64)
    refs, lengths = [], []
    for lo, hi in itertools.pairwise(bounds):
        refs.append(runtime.put(np.ascontiguousarray(values[:, lo:hi])))
        lengths.append(int(hi - lo))
    return BlockSet(refs, lengths, labels, list(range(len(positions))), "pandas")


def _block_length(block: Any) -> int:
    return len(block)


def _modin_blocks(frame: Any, labels: list, positions: list[int]) -> BlockSet:
    from modin.distributed.dataframe.pandas import unwrap_partitions

    runtime.init()
    refs = list(unwrap_partitions(frame, axis=0))
    lengths = runtime.map_blocks(_block_length, refs, [()] * len(refs))
    return BlockSet(refs, [int(n) for n in lengths], labels, positions, "modin")


def _dataset_blocks(dataset: Any, labels: list, positions: list[int]) -> BlockSet:
    """A Ray Dataset's blocks as pandas-frame refs; they stay in the object store."""
    runtime.init()
    with runtime.quiet_ray_data():
        refs = list(dataset.select_columns(list(labels)).to_pandas_refs())
    lengths = runtime.map_blocks(_block_length, refs, [()] * len(refs))
    return BlockSet(refs, [int(n) for n in lengths], labels, list(range(len(labels))), "dataset")


def block_column(block: Any, position: int) -> np.ndarray:
    """The float64 values of one column of a block (runs inside Ray tasks)."""
    if isinstance(block, np.ndarray):
        return block[position]
    return _column_as_float(block.iloc[:, position])


def check_not_empty(blocks: BlockSet, labels: Sequence[Hashable]) -> None:
    if blocks.n_rows == 0:
        raise InvalidArgumentError(f"the frame has no rows; nothing to fit in {list(labels)}")


def modin_from_partitions(refs: Sequence[Any], lengths: Sequence[int],
                          labels: Sequence[Hashable]) -> Any:  # fmt: skip
    """A Modin frame over pandas row blocks already in Ray, never gathered on the driver.

    The index is a clean ``RangeIndex`` over all rows (independently built blocks
    would otherwise repeat their own indexes).
    """
    try:
        from modin.distributed.dataframe.pandas import from_partitions
    except Exception as exc:  # Modin missing, or not importable with this pandas
        raise InvalidArgumentError(
            f"a Modin frame was asked for but Modin cannot be imported here ({exc})"
        ) from None
    lengths = [int(n) for n in lengths]
    return from_partitions(
        list(refs), axis=0, index=pd.RangeIndex(sum(lengths)),
        columns=pd.Index(list(labels), tupleize_cols=False), row_lengths=lengths,
        column_widths=[len(labels)],
    )  # fmt: skip
