"""Point masses: one value that holds a share of a column no density can describe.

Exact zeros in rainfall, payments or returns are a probability mass, not the tall
middle of a continuous density: a continuous fit that tries to cover them ends
with an absurd spike (a ``weibull_min`` with ``loc`` far below the data, a
``lognorm`` with scale 1e-76). A value is a point mass when it holds more than
:data:`MIN_SHARE` of the rows *and* at least :data:`DOMINANCE` times as many as the
next most frequent value. Values repeated on a measurement lattice (serving sizes
rounded to 5 g) are ties, not point masses: their counts are of one magnitude.

Detection runs on the driver on the values gathered in the first pass (every
value of a small column, the random sample of a large one); the second pass then
counts the candidate exactly in every block.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["DOMINANCE", "MIN_SHARE", "PointMass", "find_point_mass"]

#: Least share of the rows a point mass holds.
MIN_SHARE = 0.01
#: Least ratio of its count to the next most frequent value's count.
DOMINANCE = 5.0


@dataclass(frozen=True)
class PointMass:
    """A value set aside from the continuous fit, with its count among ``n`` values."""

    value: float
    count: int
    n: int

    @property
    def share(self) -> float:
        return self.count / self.n if self.n else 0.0

    def describe(self) -> str:
        rest = self.n - self.count
        return (f"point mass at {self.value:g} ({100 * self.share:.1f}% of {self.n:,} values) "
                f"set aside; the distribution is fitted to the other {rest:,}")  # fmt: skip


def find_point_mass(values: np.ndarray, *, min_share: float = MIN_SHARE,
                    dominance: float = DOMINANCE) -> PointMass | None:  # fmt: skip
    """The point mass among ``values`` (finite; every value or a uniform sample), or None.

    On a sample the share is an estimate; the caller confirms it with an exact
    count over all rows (:func:`confirmed`).
    """
    x = np.asarray(values, dtype=float)
    x = x[np.isfinite(x)]
    if x.size == 0:
        return None
    distinct, counts = np.unique(x, return_counts=True)
    if distinct.size < 2:
        return None  # a constant column is an error of its own
    order = np.argsort(counts, kind="stable")
    top, runner_up = int(counts[order[-1]]), int(counts[order[-2]])
    if top <= min_share * x.size or top < dominance * runner_up or top < 2:
        return None
    return PointMass(float(distinct[order[-1]]), top, int(x.size))


def confirmed(candidate: PointMass, exact_count: int, n: int,
              min_share: float = MIN_SHARE) -> PointMass | None:  # fmt: skip
    """The candidate with its exact count over all ``n`` values, if it still qualifies."""
    mass = PointMass(candidate.value, int(exact_count), int(n))
    return mass if mass.count > min_share * n and mass.count < n else None
