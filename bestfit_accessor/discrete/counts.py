"""Exact counts of a column's integer values, per block and merged.

A count column's likelihood is ``Σ n_k log p(k)`` over its distinct values, so the
distinct values and their counts are all a fit needs: exact at any number of rows,
never a sample. Each block returns a :class:`ValueCounts`; merging adds counts of
equal values, which is associative and commutative, so the merged counts do not
depend on how the column is partitioned.

**Fallback for millions of distinct values.** When a column has more than
``max_cells`` distinct values (default :data:`DEFAULT_MAX_CELLS`), values are
grouped into aligned integer cells ``[j·w, j·w + w − 1]`` whose width ``w`` is the
smallest power of two that brings the number of occupied cells under the limit.
The likelihood stays exact for the grouped data (``n_c log P(cell c)``, from the
cdf), it just no longer sees where inside a cell each value lay. Widths are powers
of two and cells aligned, so a merge coarsens the finer side to the wider width and
the result is again independent of the partitioning. Such a spread-out column
(every value at most a few times) loses almost nothing by the grouping.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

__all__ = [
    "DEFAULT_MAX_CELLS",
    "LARGEST_EXACT_INTEGER",
    "ValueCounts",
    "block_value_counts",
    "merge_value_counts",
]

#: Distinct values kept exactly before cells of width 2, 4, ... are used.
DEFAULT_MAX_CELLS = 100_000

#: Beyond 2**53 a float64 no longer holds every integer, so such values cannot be
#: counted exactly; they are reported like non-integer values.
LARGEST_EXACT_INTEGER = float(2**53)


@dataclass(frozen=True)
class ValueCounts:
    """Counts of a column's integer values (or of aligned cells of them).

    ``starts[i]`` is the smallest integer of cell i, which holds the integers
    ``starts[i] .. starts[i] + width − 1``; with ``width == 1`` each cell is one value.
    ``n_missing`` counts NaN and ±inf (dropped); ``n_non_integer`` counts finite values
    that are not whole numbers (or too large to count), ``non_integer_example`` is one.
    """

    starts: np.ndarray
    counts: np.ndarray
    width: int = 1
    n_missing: int = 0
    n_non_integer: int = 0
    non_integer_example: float | None = None
    max_cells: int = field(default=DEFAULT_MAX_CELLS, compare=False)

    @property
    def n(self) -> int:
        """Number of counted (finite, integer) values."""
        return int(self.counts.sum())

    @property
    def exact(self) -> bool:
        """True when every cell is a single value (no grouping fallback)."""
        return self.width == 1

    @property
    def lows(self) -> np.ndarray:
        return self.starts

    @property
    def highs(self) -> np.ndarray:
        return self.starts + (self.width - 1)

    @property
    def min(self) -> int:
        return int(self.starts[0])

    @property
    def max(self) -> int:
        return int(self.starts[-1] + self.width - 1)

    def mean_and_variance(self) -> tuple[float, float]:
        """Mean and (biased) variance, exact when ``width == 1`` (cell centres
        otherwise, with Sheppard's correction for the grouping)."""
        centres = self.starts + (self.width - 1) / 2.0
        weights = self.counts / self.counts.sum()
        mean = float(np.dot(weights, centres))
        var = float(np.dot(weights, (centres - mean) ** 2))
        if self.width > 1:
            var = max(var - (self.width**2 - 1) / 12.0, 0.0)
        return mean, var


def _coarsen(starts: np.ndarray, counts: np.ndarray, width: int
             ) -> tuple[np.ndarray, np.ndarray]:
    """Counts of the aligned cells of ``width`` that hold the given (finer) cells."""
    cell = np.floor_divide(starts, width) * width
    unique, inverse = np.unique(cell, return_inverse=True)
    return unique, np.bincount(inverse, weights=counts, minlength=len(unique)).astype(np.int64)


def _limit(starts: np.ndarray, counts: np.ndarray, width: int, max_cells: int
           ) -> tuple[np.ndarray, np.ndarray, int]:
    while len(starts) > max_cells:
        width *= 2
        starts, counts = _coarsen(starts, counts, width)
    return starts, counts, width


#: Value ranges up to this wide are counted with ``bincount`` (linear time) rather
#: than by sorting.
_BINCOUNT_RANGE = 1 << 22


def _distinct(ints: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sorted distinct values and their counts."""
    if ints.size and int(ints.max()) - int(ints.min()) < min(_BINCOUNT_RANGE, 4 * ints.size + 64):
        low = int(ints.min())
        tally = np.bincount(ints - low)
        present = np.flatnonzero(tally)
        return present.astype(np.int64) + low, tally[present].astype(np.int64)
    starts, counts = np.unique(ints, return_counts=True)
    return starts.astype(np.int64), counts.astype(np.int64)


def block_value_counts(values: np.ndarray, max_cells: int = DEFAULT_MAX_CELLS) -> ValueCounts:
    """Count the distinct integer values of one block of a column.

    NaN/±inf are counted as missing; finite non-integers are counted (and one kept
    as an example) but not tallied, so the caller can raise a clear error.
    """
    x = np.asarray(values)
    if x.dtype.kind in "iu":
        ints = x.astype(np.int64, copy=False)
        n_missing, n_bad, example = 0, 0, None
    else:
        x = np.asarray(x, dtype=np.float64)
        finite = np.isfinite(x)
        n_missing = int(x.size - finite.sum())
        x = x[finite]
        whole = (np.floor(x) == x) & (np.abs(x) <= LARGEST_EXACT_INTEGER)
        n_bad = int(x.size - whole.sum())
        example = float(x[~whole][0]) if n_bad else None
        ints = x[whole].astype(np.int64)
    starts, counts = _distinct(ints)
    starts, counts, width = _limit(starts, counts, 1, max_cells)
    return ValueCounts(starts, counts, width, n_missing, n_bad, example, max_cells)


def merge_value_counts(a: ValueCounts, b: ValueCounts) -> ValueCounts:
    """Add two blocks' counts (associative and commutative)."""
    width = max(a.width, b.width)
    max_cells = min(a.max_cells, b.max_cells)
    parts = [_coarsen(v.starts, v.counts, width) if v.width < width else (v.starts, v.counts)
             for v in (a, b)]
    starts = np.concatenate([p[0] for p in parts])
    counts = np.concatenate([p[1] for p in parts])
    starts, inverse = np.unique(starts, return_inverse=True)
    counts = np.bincount(inverse, weights=counts, minlength=len(starts)).astype(np.int64)
    starts, counts, width = _limit(starts, counts, width, max_cells)
    example = a.non_integer_example if a.non_integer_example is not None \
        else b.non_integer_example
    return ValueCounts(starts.astype(np.int64), counts, width, a.n_missing + b.n_missing,
                       a.n_non_integer + b.n_non_integer, example, max_cells)
