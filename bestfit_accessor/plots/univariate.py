"""Density, CDF, Q-Q, P-P and a 2×2 diagnostics panel of one column's fits.

Every function draws from a :class:`~.summary.ColumnPlotData` (the merged fine
histogram and the bounded sample) and a list of :class:`~.curves.FittedCurve`;
none sees a row of the frame. Artists carry a ``gid``: ``"data"`` for what comes
from the column, ``"fit:<name>"`` for a fitted distribution, ``"reference"`` for
the 45° line, so callers (and tests) can find them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..exceptions import InvalidArgumentError
from .curves import FittedCurve
from .mpl import new_axes, new_figure, require_matplotlib
from .summary import ColumnPlotData, coarsen

__all__ = [
    "KINDS",
    "draw",
    "plot_cdf",
    "plot_density",
    "plot_diagnostics",
    "plot_pp",
    "plot_qq",
]

#: What ``kind=`` accepts.
KINDS = ("density", "cdf", "qq", "pp", "diagnostics", "rootogram")
#: Points of the fitted curves drawn across the display range.
CURVE_POINTS = 600
#: Most sample quantiles drawn per distribution in a Q-Q plot (evenly spaced ranks,
#: the extremes always included).
MAX_QQ_POINTS = 1000
#: A full range wider than this many central 99.8 % ranges is squashed on a linear
#: axis: the axis then shows the central range and says so.
SQUASH_RATIO = 20.0


def _display_range(data: ColumnPlotData, log_x: bool) -> tuple[float, float, bool]:
    """The x range to draw, and whether it is the central range rather than the full one."""
    lo, hi = float(data.edges[0]), float(data.edges[-1])
    if log_x:
        if not lo > 0:
            raise InvalidArgumentError(
                f"log_x needs positive values; column {data.label!r} reaches {lo:g}")
        return lo, hi, False
    q_lo, q_hi = (float(q) for q in data.quantiles([0.001, 0.999]))
    central = q_hi - q_lo
    if central > 0 and hi - lo > SQUASH_RATIO * central:
        pad = 0.05 * central
        return max(lo, q_lo - pad), min(hi, q_hi + pad), True
    return lo, hi, False


def _grid(lo: float, hi: float, log_x: bool) -> np.ndarray:
    return np.geomspace(lo, hi, CURVE_POINTS) if log_x else np.linspace(lo, hi, CURVE_POINTS)


def display_bins(n: int) -> int:
    """Display bins for ``n`` values: √n, between 20 and 120."""
    return int(np.clip(np.sqrt(max(n, 1)), 20, 120))


def _x_label(data: ColumnPlotData, clipped: bool) -> str:
    return f"{data.label}" + (" (central 99.8% shown)" if clipped else "")


def _title(data: ColumnPlotData, what: str) -> str:
    note = data.describe_point_mass()
    return f"{data.label}: {what}" + (f"\n{note}" if note else "")


def _color(i: int) -> str:
    return f"C{i % 10}"


def _marker(i: int) -> str:
    return ("o", "s", "^", "D")[i % 4]


def _style(i: int) -> str:
    """Line styles in turn: the leading fits are often near-identical curves."""
    return ("-", "--", ":", "-.")[i % 4]


def _check_curves(curves: Sequence[FittedCurve]) -> list[FittedCurve]:
    curves = list(curves)
    if not curves or not all(isinstance(c, FittedCurve) for c in curves):
        raise InvalidArgumentError("curves must be a non-empty list of FittedCurve")
    return curves


def plot_density(data: ColumnPlotData, curves: Sequence[FittedCurve], *, ax: Any = None,
                 log_x: bool = False, bins: int | None = None) -> Any:  # fmt: skip
    """The histogram on a density scale with the fitted densities; the Figure.

    With ``log_x`` the axis is logarithmic and both the histogram and the curves
    are densities of ``ln x`` (``x·f(x)``), so areas still read as probabilities.
    """
    curves = _check_curves(curves)
    ax = new_axes(ax)
    lo, hi, clipped = _display_range(data, log_x)
    edges, counts = coarsen(data.edges, data.counts, lo, hi, bins or display_bins(data.n_binned),
                            log=log_x)  # fmt: skip
    widths = np.diff(np.log(edges)) if log_x else np.diff(edges)
    heights = counts / (data.n_binned * widths)
    ax.stairs(heights, edges, fill=True, color="0.8", label=f"data ({data.n_binned:,} values)",
              gid="data")  # fmt: skip
    x = _grid(lo, hi, log_x)
    peaks = []
    for i, curve in enumerate(curves):
        with np.errstate(all="ignore"):
            y = curve.frozen.pdf(x) * (x if log_x else 1.0)
        ax.plot(x, y, color=_color(i), ls=_style(i), lw=2, label=curve.label,
                gid=f"fit:{curve.distribution}")  # fmt: skip
        peaks.append(np.nanmax(y) if np.isfinite(y).any() else 0.0)
    top = float(heights.max()) if heights.size else 1.0
    if max(peaks, default=0.0) > 3 * top:  # a density unbounded at an end hides the histogram
        ax.set_ylim(0, 1.3 * top)
    ax.set_xlim(lo, hi)
    if log_x:
        ax.set_xscale("log")
    ax.set_xlabel(_x_label(data, clipped))
    ax.set_ylabel("density of ln x" if log_x else "density")
    ax.set_title(_title(data, "histogram and fitted densities"))
    ax.legend(fontsize="small")
    return ax.figure


def plot_cdf(data: ColumnPlotData, curves: Sequence[FittedCurve], *, ax: Any = None,
             log_x: bool = False) -> Any:  # fmt: skip
    """The empirical CDF (exact at every histogram edge) with the fitted CDFs."""
    curves = _check_curves(curves)
    ax = new_axes(ax)
    lo, hi, clipped = _display_range(data, log_x)
    ax.plot(data.edges, data.ecdf_at_edges(), color="black", lw=1.5,
            label=f"empirical ({data.n_binned:,} values)", gid="data")  # fmt: skip
    x = _grid(lo, hi, log_x)
    for i, curve in enumerate(curves):
        ax.plot(x, curve.frozen.cdf(x), color=_color(i), lw=1.5, ls=("--", ":", "-.")[i % 3],
                label=curve.label, gid=f"fit:{curve.distribution}")  # fmt: skip
    ax.set_xlim(lo, hi)
    ax.set_ylim(-0.02, 1.02)
    if log_x:
        ax.set_xscale("log")
    ax.set_xlabel(_x_label(data, clipped))
    ax.set_ylabel("cumulative probability")
    ax.set_title(_title(data, "empirical and fitted CDFs"))
    ax.legend(fontsize="small", loc="lower right")
    return ax.figure


def qq_points(data: ColumnPlotData, curve: FittedCurve) -> tuple[np.ndarray, np.ndarray]:
    """(fitted quantiles, sample quantiles) at plotting positions ``(i + ½)/m`` of the sample."""
    sample = data.fitted_sample
    m = sample.size
    ranks = np.unique(np.round(np.linspace(0, m - 1, min(m, MAX_QQ_POINTS))).astype(np.int64))
    with np.errstate(all="ignore"):
        theoretical = curve.frozen.ppf((ranks + 0.5) / m)
    return theoretical, sample[ranks]


def plot_qq(data: ColumnPlotData, curves: Sequence[FittedCurve], *, ax: Any = None,
            log_x: bool = False) -> Any:  # fmt: skip
    """Sample quantiles against each fitted distribution's, with the 45° line."""
    curves = _check_curves(curves)
    ax = new_axes(ax)
    ends = [data.fitted_sample[0], data.fitted_sample[-1]]
    for i, curve in enumerate(curves):
        theoretical, observed = qq_points(data, curve)
        ax.plot(theoretical, observed, ls="none", marker=_marker(i), ms=4, mfc="none",
                alpha=0.7, color=_color(i), label=curve.label,
                gid=f"fit:{curve.distribution}")  # fmt: skip
        finite = theoretical[np.isfinite(theoretical)]
        ends += [finite.min(), finite.max()] if finite.size else []
    lo, hi = float(min(ends)), float(max(ends))
    if log_x:
        lo = max(lo, float(data.fitted_sample[data.fitted_sample > 0].min(initial=hi)))
    ax.plot([lo, hi], [lo, hi], color="black", lw=1, ls="--", gid="reference")
    if log_x:
        ax.set_xscale("log")
        ax.set_yscale("log")
    ax.set_xlabel("fitted quantiles")
    ax.set_ylabel(f"sample quantiles of {data.label} ({data.fitted_sample.size:,} sampled)")
    ax.set_title(_title(data, "Q-Q plot"))
    ax.legend(fontsize="small", loc="upper left")
    return ax.figure


def plot_pp(data: ColumnPlotData, curves: Sequence[FittedCurve], *, ax: Any = None) -> Any:
    """The empirical CDF at every histogram edge against each fitted CDF, with the 45° line."""
    curves = _check_curves(curves)
    ax = new_axes(ax)
    empirical = data.ecdf_at_edges()
    for i, curve in enumerate(curves):
        ax.plot(curve.frozen.cdf(data.edges), empirical, ls="none", marker=_marker(i), ms=3.5,
                mfc="none", alpha=0.7, color=_color(i), label=curve.label,
                gid=f"fit:{curve.distribution}")  # fmt: skip
    ax.plot([0, 1], [0, 1], color="black", lw=1, ls="--", gid="reference")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_xlabel("fitted probability")
    ax.set_ylabel(f"empirical probability ({data.n_binned:,} values)")
    ax.set_title(_title(data, "P-P plot"))
    ax.legend(fontsize="small", loc="upper left")
    return ax.figure


def plot_diagnostics(data: ColumnPlotData, curves: Sequence[FittedCurve], *, fig: Any = None,
                     log_x: bool = False) -> Any:  # fmt: skip
    """Density, Q-Q, P-P and CDF in a 2×2 panel of ``fig`` (a new figure by default)."""
    curves = _check_curves(curves)
    require_matplotlib()
    from matplotlib.figure import Figure

    if fig is None:
        fig = new_figure(figsize=(12, 9), layout="constrained")
    elif not isinstance(fig, Figure):
        raise InvalidArgumentError(f"fig must be a matplotlib Figure, got {type(fig).__name__}")
    (density, qq), (pp, cdf) = fig.subplots(2, 2)
    plot_density(data, curves, ax=density, log_x=log_x)
    plot_qq(data, curves, ax=qq, log_x=log_x)
    plot_pp(data, curves, ax=pp)
    plot_cdf(data, curves, ax=cdf, log_x=log_x)
    fig.suptitle(f"{data.label}: fit diagnostics ({data.n:,} finite values)")
    return fig


def draw(kind: str, data: ColumnPlotData, curves: Sequence[FittedCurve], *, ax: Any = None,
         fig: Any = None, log_x: bool = False) -> Any:  # fmt: skip
    """Dispatch ``kind`` (one of :data:`KINDS`) to its function; the Figure."""
    kind = check_kind(kind, ax)
    if kind == "diagnostics":
        return plot_diagnostics(data, curves, fig=fig, log_x=log_x)
    if kind == "pp":
        return plot_pp(data, curves, ax=ax)
    drawer = {"density": plot_density, "cdf": plot_cdf, "qq": plot_qq}[kind]
    return drawer(data, curves, ax=ax, log_x=log_x)


def check_kind(kind: object, ax: Any = None) -> str:
    """``kind`` if it can be drawn now; a clear error otherwise."""
    if not isinstance(kind, str) or kind not in KINDS:
        raise InvalidArgumentError(f"kind must be one of {list(KINDS)}, got {kind!r}")
    if kind == "diagnostics" and ax is not None:
        raise InvalidArgumentError("kind='diagnostics' draws four axes: pass fig= (a Figure), "
                                   "not ax=")  # fmt: skip
    return kind
