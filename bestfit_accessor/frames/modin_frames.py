"""Modin in and out, without collecting a row to the driver.

Input: the frame's row partitions are unwrapped to Ray refs and every task reads
its own partition where it lives. Output: a Modin frame made from pandas row
blocks already in Ray (``from_partitions``), never concatenated on the driver.
Modin is imported only when a Modin frame is seen or asked for: it may be missing
(it pins pandas < 2.4).
"""

from __future__ import annotations

import sys
from collections.abc import Hashable, Sequence
from typing import Any, ClassVar

import pandas as pd

from .. import runtime
from ..exceptions import MissingDependencyError
from .base import BlockSet, block_lengths, select_columns
from .pandas_frames import as_frame

__all__ = ["ModinFrames"]


class ModinFrames:
    """Modin ``DataFrame`` or ``Series`` input; Modin ``DataFrame`` output."""

    name: ClassVar[str] = "modin"
    output_on_driver: ClassVar[bool] = False

    def matches(self, obj: Any) -> bool:
        # A Modin object exists only if modin.pandas was imported: never import it here.
        module = sys.modules.get("modin.pandas")
        classes = tuple(getattr(module, n, None) for n in ("DataFrame", "Series"))
        return module is not None and isinstance(obj, tuple(c for c in classes if c))

    def to_blocks(self, obj: Any, columns: Any = None,
                  n_blocks: int | None = None) -> BlockSet:  # fmt: skip
        """Blocks are the frame's own row partitions (``n_blocks`` does not apply)."""
        from modin.distributed.dataframe.pandas import unwrap_partitions

        frame = as_frame(obj)
        labels, positions = select_columns(frame, columns)
        runtime.init()
        refs = list(unwrap_partitions(frame, axis=0))
        return BlockSet(refs, block_lengths(refs), labels, positions, self.name)

    def output(self, refs: Sequence[Any], lengths: Sequence[int],
               labels: Sequence[Hashable]) -> Any:  # fmt: skip
        """A Modin frame over the blocks, with a clean ``RangeIndex`` over all rows
        (independently built blocks would otherwise repeat their own indexes)."""
        try:
            from modin.distributed.dataframe.pandas import from_partitions
        except Exception as exc:  # Modin missing, or not importable with this pandas
            raise MissingDependencyError(
                f"a Modin frame was asked for but Modin cannot be imported here ({exc})"
            ) from None
        lengths = [int(n) for n in lengths]
        return from_partitions(
            list(refs), axis=0, index=pd.RangeIndex(sum(lengths)),
            columns=pd.Index(list(labels), tupleize_cols=False), row_lengths=lengths,
            column_widths=[len(labels)],
        )  # fmt: skip
