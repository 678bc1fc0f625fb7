"""Diagnostic plots drawn from per-column summaries, never from rows.

matplotlib is an optional extra (``pip install 'bestfit_accessor[plot]'``),
imported on the first drawing call. The drawing modules are pure (no Ray, no
frame): :mod:`.univariate` (density, CDF, Q-Q, P-P, diagnostics),
:mod:`.rootogram` (discrete fits), :mod:`.cullen_frey` and :mod:`.copula` draw
from the small objects of :mod:`.summary`, :mod:`.curves` and :mod:`.copula`
(and a column's value counts). :mod:`.gather` computes
those objects in Ray tasks over a frame's blocks (the fit's own summary passes)
and is what ``df.bestfit.plot``, ``df.bestfit.describe`` and
``GaussianCopula.plot`` call.
"""

from .copula import CopulaPlotData, plot_copula
from .cullen_frey import (
    beta_region,
    bootstrap_moments,
    cullen_frey_table,
    plot_cullen_frey,
    reference_lines,
    reference_points,
)
from .curves import FittedCurve, top_fits
from .mpl import EXTRA
from .rootogram import plot_rootogram
from .summary import ColumnPlotData
from .univariate import (
    KINDS,
    plot_cdf,
    plot_density,
    plot_diagnostics,
    plot_pp,
    plot_qq,
)

__all__ = [
    "EXTRA",
    "KINDS",
    "ColumnPlotData",
    "CopulaPlotData",
    "FittedCurve",
    "beta_region",
    "bootstrap_moments",
    "cullen_frey_table",
    "plot_cdf",
    "plot_copula",
    "plot_cullen_frey",
    "plot_density",
    "plot_diagnostics",
    "plot_pp",
    "plot_qq",
    "plot_rootogram",
    "reference_lines",
    "reference_points",
    "top_fits",
]
