"""The ``.bestfit`` accessor: a thin, stateless facade over the pipeline.

pandas 3 builds a new accessor object on every attribute access and Modin needs a
descriptor, so the accessor holds nothing but the object it was built from.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

import pandas as pd

from .options import DEFAULT_SAMPLE_SIZE, DEFAULT_TIMEOUT, FitOptions
from .pipeline import fit_frame
from .progress import reporting

if TYPE_CHECKING:
    from .dependence.model import GaussianCopula

__all__ = ["BestFitAccessor", "register_accessors"]


class BestFitAccessor:
    """``df.bestfit`` / ``series.bestfit``: find the distributions behind the columns."""

    def __init__(self, obj: Any) -> None:
        self._obj = obj

    def fit(
        self,
        columns: Hashable | Iterable[Hashable] | None = None,
        *,
        distributions: str | Iterable[str] | None = "auto",
        metric: str = "aic",
        progress: Any = None,
        random_state: int | None = None,
        timeout: float | None = DEFAULT_TIMEOUT,
        sample_size: int = DEFAULT_SAMPLE_SIZE,
        event: Hashable | None = None,
        interval: tuple[Hashable, Hashable] | None = None,
        fixed: Mapping[str, Any] | None = None,
        weights: Hashable | None = None,
        bounds: Any = None,
        atoms: str = "exclude",
    ) -> pd.DataFrame:
        """Fit candidate distributions to numeric columns, in Ray tasks.

        Parameters
        ----------
        columns
            A column label or a list of them; ``None`` fits every numeric column
            (a Series fits itself).
        distributions
            ``"auto"`` (default): count families for columns that look like counts
            (whole numbers on the unit lattice whose values repeat, see
            :mod:`bestfit_accessor.discrete.auto`), the ``"default"`` set for the
            others; the ``kind`` column says which. ``None`` or ``"default"`` (every
            scipy continuous distribution minus
            :data:`~bestfit_accessor.DEFAULT_EXCLUSIONS`), ``"all"``, ``"common"``,
            one scipy name, or a list of names fit densities to every column.
            ``"discrete"`` (or a list of discrete names) fits count distributions to
            integer columns on their exact value counts (see
            :mod:`bestfit_accessor.discrete`); discrete and continuous names cannot
            be mixed in one list.
        metric
            Ranking within each column: ``"aic"`` (default), ``"bic"``,
            ``"ks_statistic"``, ``"ad_statistic"`` or ``"sse"``; lower is better.
        progress
            ``True`` for tqdm bars (a widget in Jupyter, a bar on a terminal,
            nothing when stderr is not a terminal) for the fits and the passes
            over the rows; a :class:`~bestfit_accessor.progress.TqdmProgress`
            to choose; or a callable ``(done, total, percent)`` called after each
            finished fit, ``total`` counting every (column, distribution) of the call.
        random_state
            Seed of the random sample used for starting values, KS and AD. With
            a seed, results do not depend on how the rows are partitioned.
        timeout
            Seconds one distribution's fit may run (default 120) before it is
            cancelled and reported with ``status="timeout"``; ``None`` waits.
        sample_size
            Rows in the uniform random sample (default 10 000).
        event, interval, fixed
            Censored data and fixed parameters (see :mod:`bestfit_accessor.censored_fit`):
            ``event`` names a 0/1 (or bool) column, 1 = the time in ``columns`` was
            observed, 0 = right-censored there; ``interval=(left, right)`` names
            fitdistrplus-style bounds (equal: exact, NaN left: left-censored, NaN
            right: right-censored, else interval-censored); ``fixed={"loc": 0.0}``
            (or ``{"weibull_min": {"loc": 0.0}}``) holds parameters, and ``n_params``,
            AIC and BIC count free ones. These fits are exact and report
            ``n_left``/``n_right``/``n_interval``; on a censored column KS and AD
            stay NaN (rank by AIC or BIC), on an uncensored one they are exact.
        weights
            A column of non-negative finite frequency weights: every observation
            counts ``w`` times (integer weights give exactly the fit of repeated
            rows; ``n`` of BIC is ``Σ w``; KS/AD use the weighted empirical CDF).
        bounds
            Truncated data: ``(lo, hi)`` (either side ``None``) for every column, or
            ``{column: (lo, hi)}``. Maximises ``Σ w log f(x) / (F(hi) − F(lo))``;
            rows outside are an error; results carry ``trunc_low``/``trunc_high``
            and :func:`~bestfit_accessor.to_scipy` gives the truncated distribution.
            With ``weights``/``bounds``/``fixed`` an uncensored column may have at
            most 100,000 distinct values.
        atoms
            A point mass (a value holding > 1% of the rows and ≥ 5× the next most
            frequent, e.g. exact zeros): ``"exclude"`` (default) fits the other values
            and counts it in ``n_point_mass``; ``"model"`` makes each row a hurdle
            mixture (``atom_value`` with probability ``atom_prob``, else the fitted
            distribution), with loglik, AIC and BIC over all rows and one more
            parameter (see :mod:`bestfit_accessor.results.hurdle`).

        Returns
        -------
        pandas.DataFrame
            One row per (column, distribution), best first within each column;
            see :mod:`bestfit_accessor.metrics` for what each metric is computed on.
            NaN and ±inf are dropped and counted in ``n_dropped``. The input is
            never modified.
        """
        options = FitOptions.create(
            distributions=distributions,
            metric=metric,
            progress=progress,
            random_state=random_state,
            timeout=timeout,
            sample_size=sample_size,
            event=event,
            interval=interval,
            fixed=fixed,
            weights=weights,
            bounds=bounds,
            atoms=atoms,
        )
        with reporting(options.progress):
            return fit_frame(self._obj, columns, options)

    def corr(
        self,
        columns: Hashable | Iterable[Hashable] | None = None,
        *,
        method: str = "pearson",
        progress: Any = None,
    ) -> pd.DataFrame:
        """Correlation matrix of numeric columns, from per-block statistics in Ray tasks.

        ``method="pearson"`` merges per-block co-moments (exact to rounding, stable
        for large means); ``"spearman"`` ranks through merged fine histograms, with
        a rigorous bound on its difference from the exact rank correlation in
        ``attrs["error_bound"]`` (about 5e-4). Rows with NaN or ±inf in any
        selected column are left out; ``attrs`` holds ``n_obs`` and ``n_dropped``.
        No row of a Modin frame reaches the driver. ``progress=True`` shows a bar
        per pass over the rows.
        """
        from .dependence.correlation import corr_frame

        with reporting(progress):
            return corr_frame(self._obj, columns, method=method)

    def copula(
        self,
        fits: pd.DataFrame | None = None,
        *,
        columns: Hashable | Iterable[Hashable] | None = None,
        metric: str = "aic",
        distributions: str | Iterable[str] | None = "auto",
        random_state: int | None = None,
        progress: Any = None,
    ) -> GaussianCopula:
        """A Gaussian copula over the columns' best-fitting marginals.

        Marginals come from ``fits`` (the frame returned by :meth:`fit`: per column
        the ``status == "ok"`` row with the lowest ``metric``) or, without it, from
        fitting ``columns`` now with ``distributions`` (``"auto"`` as in :meth:`fit`)
        and ``random_state``. The correlation is that of the normal scores, computed
        in Ray tasks; sample new frames with :meth:`GaussianCopula.sample`.
        ``progress=True`` shows a bar per pass over the rows.
        """
        from .dependence.model import GaussianCopula

        with reporting(progress):
            return GaussianCopula.fit(
                self._obj, fits, columns=columns, metric=metric, distributions=distributions,
                random_state=random_state,
            )

    def plot(
        self,
        fits: pd.DataFrame,
        column: Hashable | None = None,
        kind: str = "density",
        top: int = 3,
        ax: Any = None,
        log_x: bool = False,
        *,
        fig: Any = None,
        metric: str = "aic",
        sample_size: int = DEFAULT_SAMPLE_SIZE,
        random_state: int | None = 0,
        progress: Any = None,
    ) -> Any:
        """Draw the ``top`` best fits of one column; returns the matplotlib Figure.

        ``kind``: ``"density"`` (the fine histogram on a density scale with the
        fitted densities), ``"cdf"`` (the empirical CDF, exact at every histogram
        edge, with the fitted CDFs), ``"qq"`` (sample quantiles against fitted ones),
        ``"pp"`` (empirical against fitted probabilities at the histogram edges) or
        ``"diagnostics"`` (all four in a 2×2 panel of ``fig``, a new figure by
        default); for discrete fits ``"rootogram"`` (observed counts on a square-root
        scale hung from the best fit's expected ones, from the column's exact value
        counts). Others draw into ``ax`` when given. ``column`` may be left out
        when ``fits`` holds one column; ``log_x`` uses a log axis (positive data).

        Drawn from the summaries the fit computes (histogram, moments, a random
        sample of ``sample_size`` rows), recomputed in Ray tasks: no column
        reaches the driver. Needs matplotlib (``pip install 'bestfit_accessor[plot]'``).
        ``progress=True`` shows a bar per pass over the rows.
        """
        from .plots.gather import plot_fits

        with reporting(progress):
            return plot_fits(self._obj, fits, column, kind, top, ax, log_x, fig=fig,
                             metric=metric, sample_size=sample_size,
                             random_state=random_state)  # fmt: skip

    def describe(
        self,
        columns: Hashable | Iterable[Hashable] | None = None,
        *,
        plot: bool = False,
        n_boot: int = 1000,
        ax: Any = None,
        sample_size: int = DEFAULT_SAMPLE_SIZE,
        random_state: int | None = 0,
        progress: Any = None,
    ) -> pd.DataFrame | tuple[pd.DataFrame, Any]:
        """The Cullen–Frey table of numeric columns; with ``plot=True``, ``(table, figure)``.

        One row per column: ``n``, ``min``, ``max``, ``mean``, ``sd``, ``skewness``,
        ``kurtosis`` (Pearson's, 3 for a normal) from moments merged over every row
        in Ray tasks. ``attrs["bootstrap"]`` maps each column to ``n_boot`` pairs
        (squared skewness, kurtosis) of resamples of its random sample of
        ``sample_size`` rows: the scatter of moments at the sample's size. The
        graph places them among the normal, uniform, exponential and logistic
        points, the gamma and lognormal lines and the beta region, all computed
        from scipy's moments. ``progress=True`` shows a bar per pass over the rows.
        """
        from .plots.gather import describe_frame

        with reporting(progress):
            return describe_frame(self._obj, columns, plot=plot, n_boot=n_boot, ax=ax,
                                  sample_size=sample_size,
                                  random_state=random_state)  # fmt: skip


def _descriptor() -> property:
    return property(lambda obj: BestFitAccessor(obj), doc=BestFitAccessor.__doc__)


def register_accessors() -> None:
    """Register ``.bestfit`` on pandas, and on Modin when Modin is importable."""
    pd.api.extensions.register_dataframe_accessor("bestfit")(BestFitAccessor)
    pd.api.extensions.register_series_accessor("bestfit")(BestFitAccessor)
    try:
        import modin.pandas as mpd
    except Exception:  # Modin missing, or not importable with this pandas
        return
    mpd.DataFrame.bestfit = _descriptor()
    mpd.Series.bestfit = _descriptor()
