"""The copula's picture: original and synthetic rows pair by pair, and their correlations.

Drawn from a :class:`CopulaPlotData`: bounded row samples of the original and the
synthetic frame (taken in Ray tasks by :mod:`.gather`) and the two correlation
matrices computed over every row. Nothing here touches a frame.
"""

from __future__ import annotations

import itertools
from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..exceptions import InvalidArgumentError
from .mpl import new_figure, require_matplotlib

__all__ = ["MAX_PAIRS", "CopulaPlotData", "plot_copula"]

#: Column pairs drawn at most (the first ones in column order); the matrices show all.
MAX_PAIRS = 6
#: Above this many sampled rows a pair is drawn as a hexbin instead of a scatter.
HEXBIN_ABOVE = 3000


@dataclass(frozen=True)
class CopulaPlotData:
    """Row samples (``(rows, columns)`` arrays, finite rows only) and correlation matrices."""

    labels: list[Hashable]
    original: np.ndarray
    synthetic: np.ndarray
    corr_original: pd.DataFrame
    corr_synthetic: pd.DataFrame
    method: str = "spearman"

    @property
    def nbytes(self) -> int:
        return int(self.original.nbytes + self.synthetic.nbytes
                   + self.corr_original.to_numpy().nbytes
                   + self.corr_synthetic.to_numpy().nbytes)  # fmt: skip


def _limits(values: np.ndarray) -> tuple[float, float]:
    """A range holding the central 99.8 % of ``values`` (tails would squash the panel)."""
    lo, hi = np.quantile(values, [0.001, 0.999]) if values.size else (0.0, 1.0)
    pad = 0.03 * (hi - lo) if hi > lo else 1.0
    return float(lo - pad), float(hi + pad)


def _pair_panel(ax: Any, x: np.ndarray, y: np.ndarray, extent: tuple, title: str,
                cmap: str, gid: str) -> None:  # fmt: skip
    if x.size > HEXBIN_ABOVE:
        ax.hexbin(x, y, gridsize=45, extent=extent, cmap=cmap, mincnt=1, bins="log", gid=gid)
    else:
        ax.plot(x, y, "o", ms=2, alpha=0.35, color="C0" if gid == "original" else "C1", gid=gid)
    ax.set_xlim(extent[0], extent[1])
    ax.set_ylim(extent[2], extent[3])
    ax.set_title(title, fontsize="medium")


def _matrix_panel(ax: Any, matrix: pd.DataFrame, title: str, gid: str) -> Any:
    values = matrix.to_numpy(dtype=float)
    image = ax.imshow(values, vmin=-1, vmax=1, cmap="RdBu_r", gid=gid)
    names = [str(c) for c in matrix.columns]
    ax.set_xticks(range(len(names)), names, rotation=45, ha="right")
    ax.set_yticks(range(len(names)), names)
    if len(names) <= 12:
        for (i, j), v in np.ndenumerate(values):
            ax.text(j, i, f"{v:.2f}", ha="center", va="center", fontsize="small",
                    color="white" if abs(v) > 0.6 else "black")  # fmt: skip
    ax.set_title(title, fontsize="medium")
    return image


def plot_copula(data: CopulaPlotData, *, fig: Any = None) -> Any:
    """One row per column pair (original | synthetic, same axes), then the two
    correlation matrices side by side; the Figure."""
    require_matplotlib()
    from matplotlib.figure import Figure

    pairs = list(itertools.combinations(range(len(data.labels)), 2))[:MAX_PAIRS]
    if not pairs:
        raise InvalidArgumentError("a copula plot needs at least two columns")
    if fig is None:
        fig = new_figure(figsize=(10, 3.6 * (len(pairs) + 1)), layout="constrained")
    elif not isinstance(fig, Figure):
        raise InvalidArgumentError(f"fig must be a matplotlib Figure, got {type(fig).__name__}")
    axes = fig.subplots(len(pairs) + 1, 2, squeeze=False)
    n_orig, n_syn = len(data.original), len(data.synthetic)
    for row, (i, j) in zip(axes, pairs, strict=False):
        both_x = np.concatenate([data.original[:, i], data.synthetic[:, i]])
        both_y = np.concatenate([data.original[:, j], data.synthetic[:, j]])
        extent = (*_limits(both_x), *_limits(both_y))
        _pair_panel(row[0], data.original[:, i], data.original[:, j], extent,
                    f"original ({n_orig:,} sampled rows)", "Blues", "original")  # fmt: skip
        _pair_panel(row[1], data.synthetic[:, i], data.synthetic[:, j], extent,
                    f"synthetic ({n_syn:,} sampled rows)", "Oranges", "synthetic")  # fmt: skip
        for ax in row:
            ax.set_xlabel(str(data.labels[i]))
            ax.set_ylabel(str(data.labels[j]))
    image = _matrix_panel(axes[-1][0], data.corr_original,
                          f"original: {data.method} correlation", "corr:original")  # fmt: skip
    _matrix_panel(axes[-1][1], data.corr_synthetic, f"synthetic: {data.method} correlation",
                  "corr:synthetic")  # fmt: skip
    fig.colorbar(image, ax=list(axes[-1]), shrink=0.8)
    fig.suptitle("Gaussian copula: original and synthetic rows")
    return fig
