"""The exact log-likelihood of fitted candidates on one block of a large column.

A column too large to keep whole is fitted on its binned likelihood; the leading
candidates then get ``Σ log f(x_i)`` over every row in one more pass over the
blocks, so the figures that decide the ranking are exact. Pure numpy/scipy: the
pipeline runs :func:`chunk_logliks` as Ray tasks over parts of the blocks and
adds the chunk sums in row order.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from .registry import get_distribution
from .scipy_adapter import family_of

__all__ = ["CHUNK_ROWS", "block_logliks", "chunk_logliks", "chunk_ranges"]

#: Rows evaluated at a time: the density's temporaries stay a few MB. Chunks are
#: also the unit of splitting and of summation, counted from the block's first
#: row, so a total never depends on how many tasks a block was split into.
CHUNK_ROWS = 1 << 16


def _chunk_loglik(family, x: np.ndarray, shapes: Sequence[float], loc: float, scale: float,
                  support: tuple[float, float]) -> float:  # fmt: skip
    """``Σ log f(x)`` through the adapter's fast path; ``-inf`` outside the support."""
    z = (x - loc) / scale
    if z.size and (z.min() < support[0] or z.max() > support[1]):
        return -math.inf
    with np.errstate(all="ignore"):
        return float(np.sum(family.logpdf(z, *shapes))) - z.size * math.log(scale)


def chunk_ranges(n_rows: int, part: int, parts: int) -> range:
    """The chunks of a block of ``n_rows`` that part ``part`` of ``parts`` evaluates."""
    n_chunks = max(1, -(-n_rows // CHUNK_ROWS))
    return range(part * n_chunks // parts, (part + 1) * n_chunks // parts)


def chunk_logliks(values: np.ndarray, candidates: Sequence[tuple[str, Sequence[float]]],
                  excluded: Sequence[float] = (),
                  chunks: range | None = None) -> np.ndarray:  # fmt: skip
    """``Σ log f(x)`` per chunk of a block (rows) and candidate (columns).

    ``params`` are in data units, in scipy's order (shapes, loc, scale).
    Non-finite values and ``excluded`` values (a column's point masses) are left
    out, as in the fit. ``chunks`` (default: all) selects chunks of the block.
    """
    x = np.asarray(values, dtype=np.float64)
    if chunks is None:
        chunks = chunk_ranges(x.size, 0, 1)
    pieces = []
    for chunk in chunks:
        piece = x[chunk * CHUNK_ROWS : (chunk + 1) * CHUNK_ROWS]
        keep = np.isfinite(piece)
        for atom in excluded:
            keep &= piece != atom
        pieces.append(piece if keep.all() else piece[keep])
    out = np.zeros((len(pieces), len(candidates)))
    for j, (name, params) in enumerate(candidates):
        family = family_of(get_distribution(name))
        *shapes, loc, scale = (float(v) for v in params)
        if not (family.argcheck(*shapes) and scale > 0):
            out[:, j] = -math.inf
            continue
        support = family.support(*shapes)
        for i, piece in enumerate(pieces):
            out[i, j] = _chunk_loglik(family, piece, shapes, loc, scale, support)
            if not math.isfinite(out[i, j]):
                out[i:, j] = out[i, j]
                break
    return out


def block_logliks(values: np.ndarray, candidates: Sequence[tuple[str, Sequence[float]]],
                  excluded: Sequence[float] = ()) -> np.ndarray:  # fmt: skip
    """``Σ log f(x)`` over the finite values of a block for each ``(name, params)``."""
    return np.sum(chunk_logliks(values, candidates, excluded), axis=0)
