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

__all__ = [
    "ASINH_SPAN",
    "LOG_SPAN",
    "BinLayout",
    "choose_core_scale",
    "count_values",
    "count_with_moments",
    "design_layout",
    "from_core_scale",
    "to_core_scale",
]


@dataclass(frozen=True)
class BinLayout:
    """Strictly increasing ``edges``; bins ``core_start .. core_start+n_core`` are uniform."""

    edges: np.ndarray
    core_start: int
    n_core: int
    #: The scale on which the core is uniform: ``linear`` (``x``), ``log``
    #: (``log(x − origin)``: a positive column spanning decades) or ``asinh``
    #: (``asinh((x − origin)/width)``: heavy tails on both sides).
    core_scale: str = "linear"
    origin: float = 0.0
    width: float = 1.0

    @property
    def n_bins(self) -> int:
        return len(self.edges) - 1

    @property
    def core_lo(self) -> float:
        """The core's lower end on its uniform scale (``x`` or ``log(x − log_origin)``)."""
        return self._core_scale(self.edges[self.core_start])

    @property
    def core_hi(self) -> float:
        return self._core_scale(self.edges[self.core_start + self.n_core])

    def _core_scale(self, x: float) -> float:
        return float(to_core_scale(np.array([float(x)]), self.core_scale, self.origin,
                                   self.width)[0])  # fmt: skip


def to_core_scale(x: np.ndarray, scale: str, origin: float, width: float) -> np.ndarray:
    """Values on the scale where a layout's core is uniform."""
    if scale == "linear":
        return x
    with np.errstate(invalid="ignore", divide="ignore"):
        if scale == "log":
            return np.log(x - origin)
        return np.arcsinh((x - origin) / width)


def from_core_scale(t: np.ndarray, scale: str, origin: float, width: float) -> np.ndarray:
    if scale == "linear":
        return t
    if scale == "log":
        return origin + np.exp(t)
    return origin + width * np.sinh(t)


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


#: A positive column whose sample's 0.1 %–99.9 % quantiles span more than this ratio
#: (two decades) is binned uniformly in ``log x``.
LOG_SPAN = 100.0


#: How many times more core bins a log or asinh core has than a linear one.
HEAVY_TAIL_CORE_FACTOR = 2
#: A sample whose 0.1 %–99.9 % quantiles span more than this many inter-quartile
#: ranges has heavy tails on both sides: its core is uniform in ``asinh``.
ASINH_SPAN = 40.0


def choose_core_scale(sample: np.ndarray, origin: float,
                      vmin: float) -> tuple[str, float, float]:  # fmt: skip
    """The core scale for a column: ``(scale, origin, width)`` for :func:`design_layout`.

    A uniform core puts most rows of a column spanning decades in its first bins
    and resolves nothing of its bulk. Values above ``origin`` (the data's zero)
    whose bulk spans more than :data:`LOG_SPAN` get a log core; heavy tails on
    both sides an asinh core (log-like in each tail, linear in the middle).
    """
    finite = sample[np.isfinite(sample)]
    if finite.size < 4:
        return "linear", 0.0, 1.0
    q001, q25, q50, q75, q999 = np.quantile(finite, (0.001, 0.25, 0.5, 0.75, 0.999))
    if vmin > origin and q001 > origin and (q999 - origin) / (q001 - origin) > LOG_SPAN:
        return "log", float(origin), 1.0
    iqr = q75 - q25
    if iqr > 0 and (q999 - q001) / iqr > ASINH_SPAN:
        return "asinh", float(q50), float(iqr)
    return "linear", 0.0, 1.0


def design_layout(
    sample: np.ndarray,
    vmin: float,
    vmax: float,
    n_core: int = 512,
    n_tail: int = 32,
    core_quantiles: tuple[float, float] = (0.001, 0.999),
    core_scale: tuple[str, float, float] = ("linear", 0.0, 1.0),
) -> BinLayout:
    """Edges covering ``[vmin, vmax]`` whose core follows the sample's bulk.

    With a ``core_scale`` other than linear (:func:`choose_core_scale`), the
    layout is designed on that scale and mapped back: a column spanning ten
    decades gets as many bins per decade in its bulk.
    """
    if not vmax > vmin:
        raise ValueError("design_layout needs vmax > vmin")
    scale, origin, width = core_scale
    if scale != "linear":
        # Twice the bins: the binned log-likelihood then stays within 1e-4 per row of
        # the exact one on tails like Pareto(1.1), lognormal(2.5) or Cauchy.
        n_core *= HEAVY_TAIL_CORE_FACTOR
        ends = to_core_scale(np.array([vmin, vmax]), scale, origin, width)
        if not np.all(np.isfinite(ends)):
            raise ValueError(f"the data is outside the domain of the {scale} core")
        inner = design_layout(to_core_scale(sample, scale, origin, width), float(ends[0]),
                              float(ends[1]), n_core, n_tail, core_quantiles)  # fmt: skip
        edges = from_core_scale(inner.edges, scale, origin, width)
        edges[0], edges[-1] = vmin, vmax
        keep = np.concatenate([[True], np.diff(edges) > 0])
        if not keep.all():
            return BinLayout(edges=edges[keep], core_start=0, n_core=0)
        return BinLayout(edges, inner.core_start, inner.n_core, scale, origin, width)
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


def count_with_moments(values: np.ndarray, layout: BinLayout, weights: np.ndarray | None = None,
                       ) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """Counts, and per bin the sums of ``(x − mid)^k`` for k = 1, 2, 3 (rows 0..2).

    Sums of powers about the bin's fixed midpoint merge by addition across blocks
    and keep full precision; with the count they give each bin's mean, variance
    and skewness, from which :meth:`.ExactValues.from_bin_moments` builds terms
    whose likelihood is nearly the exact one at any number of rows. With
    ``weights`` (one per value), counts and sums are weighted (float counts).
    """
    values = np.asarray(values, dtype=np.float64)
    counts = np.zeros(layout.n_bins, dtype=np.int64 if weights is None else np.float64)
    sums = np.zeros((3, layout.n_bins))
    mids = 0.5 * (layout.edges[:-1] + layout.edges[1:])
    for start in range(0, max(values.size, 1), CHUNK):
        x = values[start : start + CHUNK]
        finite = np.isfinite(x)
        x = x[finite]
        w = None if weights is None else np.asarray(weights[start : start + CHUNK])[finite]
        index = _bin_index(x, layout)
        counts += np.bincount(index, weights=w, minlength=layout.n_bins)
        d = x - mids[index]
        power = d.copy() if w is None else d * w
        for k in range(3):
            sums[k] += np.bincount(index, weights=power, minlength=layout.n_bins)
            if k < 2:
                power *= d
    return counts, sums


def _count_chunk(values: np.ndarray, layout: BinLayout) -> np.ndarray:
    x = values[np.isfinite(values)]
    return np.bincount(_bin_index(x, layout), minlength=layout.n_bins).astype(np.int64)


def _bin_index(x: np.ndarray, layout: BinLayout) -> np.ndarray:
    """The bin of each finite value (the last bin is closed)."""
    edges = layout.edges
    index = np.empty(x.size, dtype=np.int64)
    if layout.n_core > 0:
        lo, hi = layout.core_lo, layout.core_hi
        t = to_core_scale(x, layout.core_scale, layout.origin, layout.width)
        in_core = (t >= lo) & (t < hi)
        scale = layout.n_core / (hi - lo)
        core_index = ((t[in_core] - lo) * scale).astype(np.int64)
        np.clip(core_index, 0, layout.n_core - 1, out=core_index)
        index[in_core] = core_index + layout.core_start
        outside = ~in_core
        index[outside] = np.searchsorted(edges, x[outside], side="right") - 1
    else:
        index[:] = np.searchsorted(edges, x, side="right") - 1
    np.clip(index, 0, layout.n_bins - 1, out=index)
    return index
