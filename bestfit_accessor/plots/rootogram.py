"""Hanging rootogram of a count column and its discrete fits.

A rootogram (Tukey) draws counts on a square-root scale, where the Poisson noise
of a count is about the same (½) everywhere, so departures in the rare tail are as
visible as at the mode. The *hanging* form hangs each observed bar from the
best fit's expected curve: a bar that ends above zero means the fit expects more
than was seen there, below zero fewer. Everything comes from the column's exact
value counts (merged from its blocks), never from rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..discrete.counts import ValueCounts
from ..discrete.gof import rootogram as rootogram_counts
from ..discrete.registry import is_discrete_name
from ..exceptions import InvalidArgumentError
from .curves import FittedCurve
from .mpl import new_axes

__all__ = ["check_discrete_curves", "expected_counts", "plot_rootogram"]


def check_discrete_curves(curves: Sequence[FittedCurve], column: Any) -> list[FittedCurve]:
    """``curves`` if every one is a discrete fit; a clear error otherwise."""
    continuous = [c.distribution for c in curves if not is_discrete_name(c.distribution)]
    if continuous:
        raise InvalidArgumentError(
            f"kind='rootogram' compares the counts of column {column!r} with discrete fits; "
            f"{continuous} are continuous (fit with distributions='discrete', or draw "
            "kind='density')")
    return list(curves)


def expected_counts(vc: ValueCounts, curve: FittedCurve) -> dict[str, np.ndarray]:
    """Observed and expected counts per value (or per cell of grouped counts)."""
    frozen = curve.frozen
    return rootogram_counts(frozen.dist, tuple(frozen.args), int(frozen.kwds.get("loc", 0)), vc)


def plot_rootogram(vc: ValueCounts, curves: Sequence[FittedCurve], column: Any, *,
                   ax: Any = None) -> Any:  # fmt: skip
    """The hanging rootogram of ``vc`` from the best of ``curves``, the others as lines.

    Artists carry a ``gid``: ``"data"`` for the hanging bars, ``"fit:<name>"`` for a
    fitted curve (√expected), ``"reference"`` for the zero line.
    """
    curves = check_discrete_curves(curves, column)
    ax = new_axes(ax)
    tables = [expected_counts(vc, curve) for curve in curves]
    values = tables[0]["value"]
    observed = np.sqrt(tables[0]["observed"])
    hang = np.sqrt(np.clip(tables[0]["expected"], 0.0, None))
    width = 0.8 * float(np.min(np.diff(values))) if values.size > 1 else 0.8
    ax.bar(values, observed, bottom=hang - observed, width=width, color="0.8",
           edgecolor="0.5", label=f"observed ({vc.n:,} values), hung from {curves[0].label}",
           gid="data")  # fmt: skip
    for i, (curve, table) in enumerate(zip(curves, tables, strict=True)):
        ax.plot(table["value"], np.sqrt(np.clip(table["expected"], 0.0, None)),
                color=f"C{i}", marker="o", ms=3, lw=1.5, label=curve.label,
                gid=f"fit:{curve.distribution}")  # fmt: skip
    ax.axhline(0.0, color="k", lw=1, gid="reference")
    ax.set_xlabel(f"{column}" if vc.exact else f"{column} (cells of grouped counts)")
    ax.set_ylabel("√frequency")
    ax.set_title(f"{column}: hanging rootogram")
    ax.legend(fontsize="small")
    return ax.figure
