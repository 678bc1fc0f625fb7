"""Maximising a function of integer parameters exactly, never by rounding.

An integer parameter (binom ``n``, hypergeom ``M, n, N``, a ``loc`` shift) is not
put inside a continuous optimiser and rounded: the objective is flat between
integers, so the optimiser stalls wherever it starts. Instead the likelihood is
*profiled*: every integer value tried gets its own best continuous parameters, and
the integers are searched directly.

:func:`maximise_integer` searches one integer on ``[lo, hi]``: exhaustively when the
range is short, otherwise a dense scan of the first values, a doubling grid beyond
them, then an integer golden-section search inside the bracket around the grid's
best point and a final exhaustive check of its neighbours. It assumes the profile is
unimodal on the bracket (true for the binomial ``n`` and similar count parameters).
An optimum at ``cap`` means the likelihood still rises there: the family tends to a
limit (binomial → Poisson as n → ∞) and the caller reports it.

Several integers (the hypergeometric families) are profiled one inside the other,
each level a :func:`maximise_integer` (see ``fit._fit_integers``).
"""

from __future__ import annotations

import math
from collections.abc import Callable

__all__ = ["DEFAULT_CAP", "maximise_integer"]

#: The largest value tried for an integer parameter without an upper bound.
DEFAULT_CAP = 10**7

_GOLDEN = (math.sqrt(5) - 1) / 2


def maximise_integer(g: Callable[[int], float], lo: int, hi: int | None = None,
                     dense: int = 24, cap: int = DEFAULT_CAP) -> tuple[int, float]:
    """Return ``(m, g(m))`` maximising ``g`` over integers in ``[lo, hi]``.

    ``hi=None`` means unbounded (searched up to ``lo + cap``); ``-inf`` marks values
    outside the support. Each value is evaluated at most once.
    """
    top = lo + cap if hi is None else hi
    if top < lo:
        raise ValueError(f"empty integer range [{lo}, {top}]")
    seen: dict[int, float] = {}

    def value(m: int) -> float:
        if m not in seen:
            v = g(m)
            seen[m] = v if math.isfinite(v) else -math.inf
        return seen[m]

    if top - lo <= 2 * dense:
        best = max(range(lo, top + 1), key=lambda m: (value(m), -m))
        return best, seen[best]
    grid = list(range(lo, lo + dense))
    step = dense
    while grid[-1] < top:
        grid.append(min(lo + step, top))
        step *= 2
    i = max(range(len(grid)), key=lambda j: (value(grid[j]), -j))
    left, right = grid[max(i - 1, 0)], grid[min(i + 1, len(grid) - 1)]
    while right - left > 6:  # integer golden section on the bracket
        a = right - round(_GOLDEN * (right - left))
        b = left + round(_GOLDEN * (right - left))
        if a >= b:
            break
        if value(a) >= value(b):
            right = b
        else:
            left = a
    for m in range(max(left - 3, lo), min(right + 3, top) + 1):
        value(m)
    best = max(seen, key=lambda m: (seen[m], -m))
    return best, seen[best]
