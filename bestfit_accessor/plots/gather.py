"""Gathering what the plots draw, in Ray tasks over the frame's blocks.

The one module of :mod:`bestfit_accessor.plots` that runs distributed work, and it
does so only through the pipeline and runtime helpers the fit uses: the per-column
summaries come from :func:`bestfit_accessor.pipeline.profile_columns` (the fit's
own two passes: moments with a bounded sample, then the fine histogram), the
copula's row samples from one task per block returning only the chosen rows. The
driver receives summaries whose size does not grow with the row count.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

import numpy as np
import pandas as pd

from .. import frames, runtime
from ..discrete.counts import ValueCounts
from ..discrete.registry import is_discrete_name
from ..discrete.run import count_columns
from ..exceptions import InvalidArgumentError
from ..options import DEFAULT_SAMPLE_SIZE, FIT_CONSTRAINTS, Interval, check_random_state, validate
from ..pipeline import profile_columns
from ..summaries.moments import sample_positions
from .copula import CopulaPlotData, plot_copula
from .cullen_frey import bootstrap_moments, check_n_boot, cullen_frey_table, plot_cullen_frey
from .curves import resolve_column, top_fits
from .mpl import require_matplotlib
from .rootogram import check_discrete_curves, plot_rootogram
from .summary import ColumnPlotData
from .univariate import check_kind, draw

__all__ = [
    "column_plot_data",
    "column_value_counts",
    "copula_plot_data",
    "describe_frame",
    "plot_copula_of",
    "plot_fits",
    "row_sample",
]


def column_plot_data(obj: Any, columns: Any = None, *, sample_size: int = DEFAULT_SAMPLE_SIZE,
                     random_state: Any = 0) -> list[ColumnPlotData]:  # fmt: skip
    """The plot summaries of the selected columns of a pandas/Modin frame or Ray Dataset."""
    sample_size = validate("sample_size", sample_size, FIT_CONSTRAINTS["sample_size"])
    random_state = check_random_state(random_state)
    blocks = frames.to_blocks(obj, columns)
    frames.check_not_empty(blocks, blocks.labels)
    profiles = profile_columns(blocks, sample_size, random_state)
    return [ColumnPlotData.from_profile(profile, sample_size) for profile in profiles]


def plot_fits(obj: Any, fits: pd.DataFrame, column: Hashable | None = None, kind: str = "density",
              top: int = 3, ax: Any = None, log_x: bool = False, *, fig: Any = None,
              metric: str = "aic", sample_size: int = DEFAULT_SAMPLE_SIZE,
              random_state: Any = 0) -> Any:  # fmt: skip
    """``df.bestfit.plot``: every argument is checked before any distributed work."""
    check_kind(kind, ax)
    validate("log_x", log_x, bool)
    require_matplotlib()
    label = resolve_column(fits, column)
    curves = top_fits(fits, label, top, metric)
    if kind == "rootogram":
        check_discrete_curves(curves, label)
        return plot_rootogram(column_value_counts(obj, label), curves, label, ax=ax)
    discrete = [c.distribution for c in curves if is_discrete_name(c.distribution)]
    if discrete:
        raise InvalidArgumentError(
            f"the fits of column {label!r} include discrete distributions {discrete}: "
            "draw them with kind='rootogram'")
    (data,) = column_plot_data(obj, [label], sample_size=sample_size, random_state=random_state)
    return draw(kind, data, curves, ax=ax, fig=fig, log_x=log_x)


def column_value_counts(obj: Any, label: Hashable) -> ValueCounts:
    """The exact value counts of one column, counted per block in Ray tasks and merged."""
    blocks = frames.to_blocks(obj, [label])
    frames.check_not_empty(blocks, blocks.labels)
    (counts,) = count_columns(blocks)
    return counts


def describe_frame(obj: Any, columns: Any = None, *, plot: bool = False, n_boot: int = 1000,
                   ax: Any = None, sample_size: int = DEFAULT_SAMPLE_SIZE,
                   random_state: Any = 0) -> pd.DataFrame | tuple[pd.DataFrame, Any]:  # fmt: skip
    """``df.bestfit.describe``: the Cullen–Frey table, and with ``plot`` the graph too."""
    n_boot = check_n_boot(n_boot)
    if validate("plot", plot, bool):
        require_matplotlib()
    data = column_plot_data(obj, columns, sample_size=sample_size, random_state=random_state)
    table = cullen_frey_table(data)
    root = (random_state if isinstance(random_state, np.random.SeedSequence)
            else np.random.SeedSequence(random_state))  # fmt: skip
    seeds = root.spawn(len(data))
    clouds = [bootstrap_moments(d.sample, n_boot, seed) for d, seed in zip(data, seeds,
              strict=True)]  # fmt: skip
    table.attrs["bootstrap"] = {
        d.label: pd.DataFrame(cloud, columns=["skewness_sq", "kurtosis"])
        for d, cloud in zip(data, clouds, strict=True)
    }
    if not plot:
        return table
    return table, plot_cullen_frey(table, clouds, ax=ax)


def _rows_block(block: Any, positions: list[int], local: np.ndarray) -> np.ndarray:
    """The chosen rows of the selected columns of one block, as a (rows, columns) array."""
    if local.size == 0:
        return np.empty((0, len(positions)))
    return np.column_stack([frames.block_column(block, p)[local] for p in positions])


def row_sample(obj: Any, columns: Any, size: int, random_state: Any = 0) -> np.ndarray:
    """At most ``size`` uniformly chosen rows of ``columns`` (rows with NaN/±inf left out)."""
    size = validate("size", size, Interval(int, 1, None))
    random_state = check_random_state(random_state)
    blocks = frames.to_blocks(obj, columns)
    positions = np.sort(sample_positions(blocks.n_rows, size, random_state))
    per_block = [(blocks.positions, local) for local in blocks.local_positions(positions)]
    parts = runtime.map_blocks(_rows_block, blocks.refs, per_block, label="row sample")
    rows = np.concatenate(parts, axis=0) if parts else np.empty((0, len(blocks.labels)))
    return rows[np.all(np.isfinite(rows), axis=1)]


def copula_plot_data(copula: Any, original: Any, synthetic: Any, *, size: int = 5000,
                     method: str = "spearman",
                     random_state: Any = 0) -> CopulaPlotData:  # fmt: skip
    """Row samples and correlation matrices of ``original`` and ``synthetic`` over the
    copula's columns, each computed in Ray tasks over the frame's blocks."""
    from ..dependence.correlation import corr_frame

    labels = copula.columns
    return CopulaPlotData(
        labels=labels,
        original=row_sample(original, labels, size, random_state),
        synthetic=row_sample(synthetic, labels, size, random_state),
        corr_original=corr_frame(original, labels, method=method),
        corr_synthetic=corr_frame(synthetic, labels, method=method),
        method=method,
    )


def plot_copula_of(copula: Any, original: Any, synthetic: Any, *, size: int = 5000,
                   method: str = "spearman", random_state: Any = 0,
                   fig: Any = None) -> Any:  # fmt: skip
    """``GaussianCopula.plot``: gather (after checking matplotlib), then draw."""
    require_matplotlib()
    data = copula_plot_data(copula, original, synthetic, size=size, method=method,
                            random_state=random_state)  # fmt: skip
    return plot_copula(data, fig=fig)
