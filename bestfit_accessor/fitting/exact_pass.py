"""The exact log-likelihood of fitted candidates on one block of a large column.

A column too large to keep whole is fitted on its binned likelihood; the leading
candidates then get ``Σ log f(x_i)`` over every row in one more pass over the
blocks, so the figures that decide the ranking are exact. Pure numpy/scipy: the
pipeline runs :func:`block_logliks` as one Ray task per block and adds the sums.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from .registry import get_distribution
from .scipy_adapter import family_of

__all__ = ["CHUNK_ROWS", "block_logliks"]

#: Rows evaluated at a time: the density's temporaries stay a few MB.
CHUNK_ROWS = 1 << 18


def _chunk_loglik(family, x: np.ndarray, shapes: Sequence[float], loc: float, scale: float,
                  support: tuple[float, float]) -> float:  # fmt: skip
    """``Σ log f(x)`` through the adapter's fast path; ``-inf`` outside the support."""
    z = (x - loc) / scale
    if z.size and (z.min() < support[0] or z.max() > support[1]):
        return -math.inf
    with np.errstate(all="ignore"):
        return float(np.sum(family.logpdf(z, *shapes))) - z.size * math.log(scale)


def block_logliks(values: np.ndarray, candidates: Sequence[tuple[str, Sequence[float]]],
                  excluded: Sequence[float] = ()) -> np.ndarray:  # fmt: skip
    """``Σ log f(x)`` over the finite values of a block for each ``(name, params)``.

    ``params`` are in data units, in scipy's order (shapes, loc, scale).
    ``excluded`` values (a column's point masses) are left out, as in the fit.
    """
    x = np.asarray(values, dtype=np.float64)
    keep = np.isfinite(x)
    for atom in excluded:
        keep &= x != atom
    x = x[keep] if not keep.all() else x
    out = np.zeros(len(candidates))
    for i, (name, params) in enumerate(candidates):
        family = family_of(get_distribution(name))
        *shapes, loc, scale = (float(v) for v in params)
        if not (family.argcheck(*shapes) and scale > 0):
            out[i] = -math.inf
            continue
        support = family.support(*shapes)
        total = 0.0
        for start in range(0, x.size, CHUNK_ROWS):
            total += _chunk_loglik(family, x[start : start + CHUNK_ROWS], shapes, loc, scale,
                                   support)  # fmt: skip
            if not math.isfinite(total):
                break
        out[i] = total
    return out
