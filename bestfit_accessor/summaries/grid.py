"""Fine histograms on shared edges: design once on the driver, count per block.

The edges are uniform over a *core* range (set from sample quantiles) with a few
geometrically widening bins out to the data's min and max, so a heavy tail does
not squash all the data into one bin. Counting is mostly arithmetic (``floor``
and ``bincount``); only values in the tails go through ``searchsorted``. Counts
are integers, so merged histograms do not depend on how the rows were split.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["BinLayout", "count_values", "design_layout"]


@dataclass(frozen=True)
class BinLayout:
    """Strictly increasing ``edges``; bins ``core_start .. core_start+n_core`` are uniform."""

    edges: np.ndarray
    core_start: int
    n_core: int

    @property
    def n_bins(self) -> int:
        return len(self.edges) - 1

    @property
    def core_lo(self) -> float:
        return float(self.edges[self.core_start])

    @property
    def core_hi(self) -> float:
        return float(self.edges[self.core_start + self.n_core])


#: Halvings of the bin next to the data's minimum or maximum when the core reaches it.
EDGE_HALVINGS = 12


def _tail_edges(inner: float, outer: float, width: float, n_tail: int) -> np.ndarray:
    """Edges from ``inner`` (excluded) to ``outer`` (included), widening geometrically.

    A span of at most one bin is split by halving toward ``outer`` instead.
    """
    span = abs(outer - inner)
    if span <= 0:
        return np.empty(0)
    direction = 1.0 if outer > inner else -1.0
    if span <= width * (1 + 1e-9):
        steps = span * (1.0 - 0.5 ** np.arange(1, EDGE_HALVINGS + 1))
        steps = np.append(steps, span)
        out = inner + direction * steps
        out[-1] = outer
        return out
    if span <= width * n_tail:
        steps = np.arange(1, int(np.ceil(span / width)) + 1, dtype=float) * width
        steps[-1] = span
    else:
        steps = np.geomspace(width, span, n_tail)
    out = inner + direction * steps
    out[-1] = outer
    return out


def design_layout(
    sample: np.ndarray,
    vmin: float,
    vmax: float,
    n_core: int = 512,
    n_tail: int = 32,
    core_quantiles: tuple[float, float] = (0.001, 0.999),
) -> BinLayout:
    """Edges covering ``[vmin, vmax]`` whose core follows the sample's bulk."""
    if not vmax > vmin:
        raise ValueError("design_layout needs vmax > vmin")
    finite = sample[np.isfinite(sample)]
    if finite.size >= 2:
        q_lo, q_hi = np.quantile(finite, core_quantiles)
    else:
        q_lo, q_hi = vmin, vmax
    pad = 0.25 * (q_hi - q_lo)
    lo, hi = max(vmin, q_lo - pad), min(vmax, q_hi + pad)
    if not hi > lo or (hi - lo) < 1e-9 * (vmax - vmin):
        lo, hi = vmin, vmax
    core = np.linspace(lo, hi, n_core + 1)
    width = (hi - lo) / n_core
    # A core that reaches the minimum (maximum) gives up its first (last) bin to
    # geometric bins halving toward the extreme: a support bound next to the data
    # (expon's or levy's loc, a density vanishing at the minimum) acts within a
    # fraction of a bin, where a uniform bin would hide it from the likelihood.
    if lo == vmin and n_core > 2:
        core, lo, n_core = core[1:], core[1], n_core - 1
    if hi == vmax and n_core > 2:
        core, hi, n_core = core[:-1], core[-2], n_core - 1
    left = _tail_edges(lo, vmin, width, n_tail)[::-1]
    right = _tail_edges(hi, vmax, width, n_tail)
    edges = np.concatenate([left, core, right])
    # Guard against rounding making neighbouring edges equal at extreme magnitudes.
    keep = np.concatenate([[True], np.diff(edges) > 0])
    if not keep.all():
        edges = edges[keep]
        return BinLayout(edges=edges, core_start=0, n_core=0)
    return BinLayout(edges=edges, core_start=len(left), n_core=n_core)


#: Values counted at a time: the temporaries of a chunk (a few MB) stay in cache and
#: are reused, where whole-block temporaries of 50M values (400 MB each) cost more
#: in page faults than the arithmetic itself.
CHUNK = 1 << 18


def count_values(values: np.ndarray, layout: BinLayout) -> np.ndarray:
    """Histogram counts of finite ``values`` on ``layout`` (the last bin is closed)."""
    values = np.asarray(values, dtype=np.float64)
    if values.size <= CHUNK:
        return _count_chunk(values, layout)
    counts = np.zeros(layout.n_bins, dtype=np.int64)
    for start in range(0, values.size, CHUNK):
        counts += _count_chunk(values[start : start + CHUNK], layout)
    return counts


def _count_chunk(values: np.ndarray, layout: BinLayout) -> np.ndarray:
    edges = layout.edges
    x = values[np.isfinite(values)]
    index = np.empty(x.size, dtype=np.int64)
    if layout.n_core > 0:
        lo, hi = layout.core_lo, layout.core_hi
        in_core = (x >= lo) & (x < hi)
        scale = layout.n_core / (hi - lo)
        core_index = ((x[in_core] - lo) * scale).astype(np.int64)
        np.clip(core_index, 0, layout.n_core - 1, out=core_index)
        index[in_core] = core_index + layout.core_start
        outside = ~in_core
        index[outside] = np.searchsorted(edges, x[outside], side="right") - 1
    else:
        index[:] = np.searchsorted(edges, x, side="right") - 1
    np.clip(index, 0, layout.n_bins - 1, out=index)
    return np.bincount(index, minlength=layout.n_bins).astype(np.int64)
