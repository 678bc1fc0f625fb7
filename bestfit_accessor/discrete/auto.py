"""``distributions="auto"``: does a column get count families or densities?

A column gets the discrete candidates when all three of these hold, continuous ones
otherwise:

1. **Whole numbers.** Every finite value is an integer (an integer dtype, or floats
   with no fractional part). A probability mass on the integers describes nothing
   else.
2. **The unit lattice.** The greatest common divisor of the gaps between its
   distinct values is 1. Measurements rounded to 5 g or 10 ml are whole numbers
   too, but a count family would put mass on values that cannot occur (and rank
   families by how they fill the empty integers); a density over the rounded
   measurement is the model, so such a lattice stays continuous.
3. **Values repeat.** At most half as many distinct values as finite values (each
   value seen twice on average), and at most :data:`MAX_COUNT_VALUES`. Counts pile
   up on few values (toxocara: 21 distinct parasite counts in 53 cats); a whole-number
   measurement whose values are mostly unique (the Nile's annual flow: 85 distinct
   in 100 years; amounts in whole dollars) is a density problem.

The rule needs no rows on the driver: one pass over the blocks returns, per block
and column, its exact value counts (small for a count column, and reused by the
discrete fit, so a count column is read once), or ``None`` as soon as the block
shows the column is not counts (a fractional value, or more distinct values than
rule 3 allows the whole column). A constant column is left to the continuous path
and its error. Rule 3 cannot tell counts with a huge spread from whole-number
measurements; pass ``distributions="discrete"`` or a continuous set to choose.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from .counts import ValueCounts, block_value_counts, merge_value_counts

__all__ = [
    "MAX_COUNT_VALUES",
    "AutoCandidates",
    "count_limit",
    "is_count_column",
    "merge_block_counts",
    "probe_counts",
]

#: Most distinct values a column may have and still be taken for counts.
MAX_COUNT_VALUES = 100_000

#: Leading values of a block checked for a fraction before anything else: a
#: continuous column is recognised at the cost of a few thousand comparisons.
_PROBE = 4096


def count_limit(n_rows: int) -> int:
    """Most distinct values a column of ``n_rows`` rows may have (rule 3); a block
    with more shows the whole column is not counts."""
    return max(1, min(MAX_COUNT_VALUES, n_rows // 2))


def probe_counts(values: np.ndarray, limit: int) -> ValueCounts | None:
    """One block's exact value counts, or ``None`` when the block already shows the
    column is not counts: a finite fractional value, or more than ``limit`` distinct
    values."""
    x = np.asarray(values)
    if x.dtype.kind == "f":
        head = x[:_PROBE]
        head = head[np.isfinite(head)]
        if np.any(np.floor(head) != head):
            return None
    elif x.dtype.kind not in "iub":
        return None
    counts = block_value_counts(x, max_cells=limit)
    if counts.n_non_integer or not counts.exact:
        return None
    return counts


def merge_block_counts(parts: list[ValueCounts | None]) -> ValueCounts | None:
    """The column's counts from its blocks' (``None`` if any block said no, or the
    merged counts outgrew the limit and were grouped)."""
    if not parts or any(part is None for part in parts):
        return None
    merged = parts[0]
    for part in parts[1:]:
        merged = merge_value_counts(merged, part)
    return merged if merged.exact else None


def is_count_column(counts: ValueCounts | None) -> bool:
    """Rules 1–3 on a column's merged counts (``None``: not counts)."""
    if counts is None or not counts.exact or counts.n_non_integer:
        return False
    distinct = counts.starts.size
    if distinct < 2 or distinct > count_limit(counts.n):
        return False
    return int(np.gcd.reduce(np.diff(counts.starts))) == 1


class AutoCandidates(tuple):
    """``distributions="auto"`` resolved: a tuple of the continuous names (what a
    column that is not counts gets, so code that reads a list of continuous names
    works unchanged, e.g. the censored path) with the ``discrete`` names beside."""

    discrete: tuple[str, ...]

    def __new__(cls, continuous: Iterable[str], discrete: Iterable[str]) -> AutoCandidates:
        self = super().__new__(cls, tuple(continuous))
        self.discrete = tuple(discrete)
        return self

    def __reduce__(self) -> tuple:
        return (AutoCandidates, (tuple(self), self.discrete))

    def __repr__(self) -> str:
        return (f"AutoCandidates({len(self)} continuous, "
                f"{len(self.discrete)} discrete)")
