"""Frame adapters: pandas, Modin and Ray Dataset input in, Ray block refs out."""

from .adapters import (
    BlockSet,
    block_column,
    check_not_empty,
    is_modin,
    is_ray_dataset,
    modin_from_partitions,
    numeric_columns,
    same_label,
    select_columns,
    to_blocks,
)

__all__ = [
    "BlockSet",
    "block_column",
    "check_not_empty",
    "is_modin",
    "is_ray_dataset",
    "modin_from_partitions",
    "numeric_columns",
    "same_label",
    "select_columns",
    "to_blocks",
]
