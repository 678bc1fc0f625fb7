"""Ray Dataset in and out, without collecting a row to the driver.

Input: the selected columns are materialised as pandas blocks in the object store
(``to_pandas_refs``); columns are validated against the schema, not the rows.
Output: a Dataset over pandas row blocks already in Ray (``from_pandas_refs``).
Ray Data is imported only through :mod:`bestfit_accessor.runtime`.
"""

from __future__ import annotations

import sys
from collections.abc import Hashable, Sequence
from typing import Any, ClassVar

import pandas as pd

from .. import runtime
from .base import BlockSet, block_lengths, select_columns

__all__ = ["RayDatasets", "schema_frame"]


def schema_frame(dataset: Any) -> pd.DataFrame:
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


class RayDatasets:
    """Ray ``Dataset`` input and output."""

    name: ClassVar[str] = "dataset"
    output_on_driver: ClassVar[bool] = False

    def matches(self, obj: Any) -> bool:
        # A Dataset exists only if ray.data was imported: never import it here.
        module = sys.modules.get("ray.data")
        dataset = getattr(module, "Dataset", None)
        return dataset is not None and isinstance(obj, dataset)

    def to_blocks(self, obj: Any, columns: Any = None,
                  n_blocks: int | None = None) -> BlockSet:  # fmt: skip
        """Blocks are the Dataset's own blocks (``n_blocks`` does not apply)."""
        labels, _ = select_columns(schema_frame(obj), columns)
        runtime.init()
        with runtime.quiet_ray_data():
            refs = list(obj.select_columns(list(labels)).to_pandas_refs())
        return BlockSet(refs, block_lengths(refs), labels, list(range(len(labels))), self.name)

    def output(self, refs: Sequence[Any], lengths: Sequence[int],
               labels: Sequence[Hashable]) -> Any:  # fmt: skip
        """A Dataset over the blocks; its columns are the blocks' (``labels``)."""
        del lengths, labels
        return runtime.dataset_from_pandas_refs(list(refs))
