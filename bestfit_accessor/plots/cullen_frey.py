"""The Cullen–Frey table and graph: squared skewness against kurtosis.

Every family's theoretical place on the graph is computed from scipy's own
moments (``dist.stats(moments="sk")``), not copied from a table: points for the
normal, uniform, exponential and logistic; lines for the gamma and lognormal as
their shape runs; the region of the beta family between its two limits (a
two-point law as both shapes vanish, the gamma line as one grows without bound).

The observed point uses the moments merged over every row. The bootstrap cloud
resamples the column's bounded random sample (``n_boot`` resamples of the
sample's size, with replacement): it shows how far the moments of that many rows
scatter, which is wider than the uncertainty of the full column's moments when the
column is larger than the sample.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import scipy.stats as st

from ..exceptions import InvalidArgumentError
from .mpl import new_axes, new_figure, require_matplotlib
from .summary import ColumnPlotData

__all__ = [
    "TABLE_COLUMNS",
    "beta_region",
    "bootstrap_moments",
    "cullen_frey_table",
    "plot_cullen_frey",
    "reference_lines",
    "reference_points",
]

TABLE_COLUMNS = ["column", "n", "min", "max", "mean", "sd", "skewness", "kurtosis"]
#: Resamples drawn at once by :func:`bootstrap_moments` (bounds its temporary memory).
BOOT_CHUNK = 16


def _squared_skew_kurtosis(frozen: Any) -> tuple[float, float]:
    skew, excess = frozen.stats(moments="sk")
    return float(skew) ** 2, float(excess) + 3.0


def reference_points() -> dict[str, tuple[float, float]]:
    """Family → (skewness², kurtosis) of the families without a shape parameter."""
    return {name: _squared_skew_kurtosis(dist()) for name, dist in
            (("normal", st.norm), ("uniform", st.uniform), ("exponential", st.expon),
             ("logistic", st.logistic))}  # fmt: skip


def reference_lines(n: int = 200) -> dict[str, np.ndarray]:
    """Family → ``(n, 2)`` array of (skewness², kurtosis) as its shape parameter runs."""
    gamma_shapes = np.geomspace(0.05, 1e4, n)
    lognorm_shapes = np.geomspace(1e-3, 1.2, n)
    return {
        "gamma": np.array([_squared_skew_kurtosis(st.gamma(a)) for a in gamma_shapes]),
        "lognormal": np.array([_squared_skew_kurtosis(st.lognorm(s)) for s in lognorm_shapes]),
    }


def beta_region(n: int = 200) -> np.ndarray:
    """A polygon ``(m, 2)`` of (skewness², kurtosis) enclosing the beta family.

    Its lower edge is beta with both shapes vanishing (``a = p·ε, b = (1 − p)·ε``:
    the two-point law, kurtosis = skewness² + 1); its upper edge is beta with
    ``b`` large, which reaches the gamma line.
    """
    p = np.linspace(0.5, 0.998, n)
    lower = np.array([_squared_skew_kurtosis(st.beta(q * 1e-6, (1 - q) * 1e-6)) for q in p])
    a = np.geomspace(0.008, 1e4, n)  # skewness² from 500 back to 0
    upper = np.array([_squared_skew_kurtosis(st.beta(s, 1e7)) for s in a])
    return np.vstack([lower, upper])


def cullen_frey_table(data: Sequence[ColumnPlotData]) -> pd.DataFrame:
    """One row per column: count, range, mean, sd, skewness and Pearson kurtosis."""
    rows = [[d.label, d.n, d.vmin, d.vmax, d.mean, d.sd, d.skewness, d.kurtosis] for d in data]
    table = pd.DataFrame(rows, columns=TABLE_COLUMNS)
    table["n"] = table["n"].astype("int64")
    return table


def check_n_boot(n_boot: object) -> int:
    if isinstance(n_boot, bool) or not isinstance(n_boot, numbers.Integral) or n_boot < 0:
        raise InvalidArgumentError(f"n_boot must be a non-negative integer, got {n_boot!r}")
    return int(n_boot)


def bootstrap_moments(sample: np.ndarray, n_boot: int, random_state: Any = None) -> np.ndarray:
    """``(n_boot, 2)`` array of (skewness², kurtosis) of resamples of ``sample``."""
    n_boot = check_n_boot(n_boot)
    sample = np.asarray(sample, dtype=float)
    rng = np.random.default_rng(random_state)
    out = np.empty((n_boot, 2))
    for start in range(0, n_boot, BOOT_CHUNK):
        stop = min(start + BOOT_CHUNK, n_boot)
        draws = sample[rng.integers(0, sample.size, size=(stop - start, sample.size))]
        d = draws - draws.mean(axis=1, keepdims=True)
        m2 = (d**2).mean(axis=1)
        with np.errstate(divide="ignore", invalid="ignore"):
            out[start:stop, 0] = ((d**3).mean(axis=1) / m2**1.5) ** 2
            out[start:stop, 1] = (d**4).mean(axis=1) / m2**2
    return out


def plot_cullen_frey(table: pd.DataFrame, clouds: Sequence[np.ndarray] | None = None, *,
                     ax: Any = None) -> Any:  # fmt: skip
    """The Cullen–Frey graph of each row of ``table`` (one axes per column); the Figure.

    ``clouds`` are the bootstrap arrays of :func:`bootstrap_moments`, one per row.
    Kurtosis grows downward, as in the graph's usual form. ``ax`` is accepted for
    a single column.
    """
    require_matplotlib()
    if not isinstance(table, pd.DataFrame) or not set(TABLE_COLUMNS) <= set(table.columns):
        raise InvalidArgumentError("table must be the frame returned by cullen_frey_table")
    k = len(table)
    clouds = list(clouds) if clouds is not None else [np.empty((0, 2))] * k
    if len(clouds) != k:
        raise InvalidArgumentError(f"{k} columns but {len(clouds)} bootstrap clouds")
    if ax is not None:
        if k != 1:
            raise InvalidArgumentError(f"ax= draws one column; the table has {k}")
        axes = [new_axes(ax)]
    else:
        ncols = min(k, 3)
        nrows = -(-k // ncols)
        fig = new_figure(figsize=(7.5 * ncols, 5.0 * nrows), layout="constrained")
        axes = list(np.atleast_1d(fig.subplots(nrows, ncols)).ravel())
        for extra in axes[k:]:
            extra.set_visible(False)
    points, lines, region = reference_points(), reference_lines(), beta_region()
    for axis, (_, row), cloud in zip(axes, table.iterrows(), clouds, strict=False):
        _draw_one(axis, row, np.asarray(cloud, dtype=float), points, lines, region)
    return axes[0].figure


def _draw_one(ax: Any, row: pd.Series, cloud: np.ndarray, points: dict, lines: dict,
              region: np.ndarray) -> None:  # fmt: skip
    observed = (row["skewness"] ** 2, row["kurtosis"])
    finite_cloud = cloud[np.all(np.isfinite(cloud), axis=1)] if cloud.size else cloud
    x_top = max(4.5, 1.15 * observed[0], *(np.quantile(finite_cloud[:, 0], [0.99]) * 1.05
                                           if finite_cloud.size else []))  # fmt: skip
    y_top = max(10.0, 1.1 * observed[1], *(np.quantile(finite_cloud[:, 1], [0.99]) * 1.05
                                           if finite_cloud.size else []))  # fmt: skip
    ax.fill(region[:, 0], region[:, 1], color="0.88", label="beta", gid="reference:beta")
    styles = {"gamma": "--", "lognormal": ":"}
    for name, line in lines.items():
        ax.plot(line[:, 0], line[:, 1], color="black", ls=styles[name], lw=1.2, label=name,
                gid=f"reference:{name}")  # fmt: skip
    markers = {"normal": "*", "uniform": "^", "exponential": "s", "logistic": "P"}
    for name, (x, y) in points.items():
        ax.plot([x], [y], ls="none", marker=markers[name], ms=10, color="black", label=name,
                gid=f"reference:{name}", clip_on=False)  # fmt: skip
    if finite_cloud.size:
        ax.plot(finite_cloud[:, 0], finite_cloud[:, 1], "o", ms=2.5, color="orange", alpha=0.4,
                label=f"bootstrap ({len(finite_cloud)})", gid="bootstrap")  # fmt: skip
    ax.plot([observed[0]], [observed[1]], "o", ms=9, color="C3", label="observation",
            gid="data")  # fmt: skip
    ax.set_xlim(0, x_top)
    ax.set_ylim(y_top, 1.0)  # kurtosis grows downward
    ax.set_xlabel("square of skewness")
    ax.set_ylabel("kurtosis")
    ax.set_title(f"{row['column']}: Cullen–Frey graph ({int(row['n']):,} values)")
    ax.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.02, 1.0))
