"""pandas in and out.

A pandas frame lives on the driver, so it is converted once to a float64 array
per block (selected columns as rows) and put in the object store; tasks read
rows by position without pandas. Output is a pandas frame on the driver.
"""

from __future__ import annotations

import itertools
from collections.abc import Hashable, Sequence
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from .. import runtime
from ..options import FIT_CONSTRAINTS, validate
from .base import BlockSet, column_as_float, select_columns

__all__ = ["PANDAS_BLOCK_ROWS", "PandasFrames", "as_frame"]

#: Rows per block when cutting a pandas frame.
PANDAS_BLOCK_ROWS = 1_000_000


def as_frame(obj: Any) -> Any:
    """A one-column frame of a Series (named 0 when unnamed); a frame as it is.

    Works for pandas and Modin alike (both have ``Series.to_frame``).
    """
    if getattr(obj, "ndim", 2) == 1:
        return obj.to_frame(name=obj.name if obj.name is not None else 0)
    return obj


class PandasFrames:
    """pandas ``DataFrame`` or ``Series`` input; pandas ``DataFrame`` output."""

    name: ClassVar[str] = "pandas"
    output_on_driver: ClassVar[bool] = True

    def matches(self, obj: Any) -> bool:
        return isinstance(obj, (pd.DataFrame, pd.Series))

    def to_blocks(self, obj: Any, columns: Any = None,
                  n_blocks: int | None = None) -> BlockSet:  # fmt: skip
        frame = as_frame(obj)
        labels, positions = select_columns(frame, columns)
        n_rows = len(frame)
        if n_blocks is None:
            n_blocks = max(1, -(-n_rows // PANDAS_BLOCK_ROWS))
        n_blocks = validate("n_blocks", n_blocks, FIT_CONSTRAINTS["n_blocks"])
        n_blocks = min(n_blocks, max(n_rows, 1))
        values = np.empty((len(positions), n_rows), dtype=np.float64)
        for row, position in enumerate(positions):
            values[row] = column_as_float(frame.iloc[:, position])
        bounds = np.linspace(0, n_rows, n_blocks + 1).astype(np.int64)
        refs, lengths = [], []
        for lo, hi in itertools.pairwise(bounds):
            refs.append(runtime.put(np.ascontiguousarray(values[:, lo:hi])))
            lengths.append(int(hi - lo))
        return BlockSet(refs, lengths, labels, list(range(len(positions))), self.name)

    def output(self, refs: Sequence[Any], lengths: Sequence[int],
               labels: Sequence[Hashable]) -> pd.DataFrame:  # fmt: skip
        """The blocks gathered into one pandas frame that owns its memory (not a
        read-only view of the object store)."""
        parts = runtime.get(list(refs)) if refs else []
        if not parts:
            frame = pd.DataFrame(np.empty((0, len(labels))))
        else:
            frame = pd.concat(parts, axis=0) if len(parts) > 1 else parts[0].copy()
        frame.index = pd.RangeIndex(int(sum(lengths)))
        frame.columns = pd.Index(list(labels), tupleize_cols=False)
        return frame
