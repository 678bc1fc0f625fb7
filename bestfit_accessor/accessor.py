"""The ``.bestfit`` accessor: a thin, stateless facade over the pipeline.

pandas 3 builds a new accessor object on every attribute access and Modin needs a
descriptor, so the accessor holds nothing but the object it was built from.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from typing import TYPE_CHECKING, Any

import pandas as pd

from .options import DEFAULT_SAMPLE_SIZE, DEFAULT_TIMEOUT, FitOptions
from .pipeline import fit_frame

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
        distributions: str | Iterable[str] | None = None,
        metric: str = "aic",
        progress: Any = None,
        random_state: int | None = None,
        timeout: float | None = DEFAULT_TIMEOUT,
        sample_size: int = DEFAULT_SAMPLE_SIZE,
    ) -> pd.DataFrame:
        """Fit candidate distributions to numeric columns, in Ray tasks.

        Parameters
        ----------
        columns
            A column label or a list of them; ``None`` fits every numeric column
            (a Series fits itself).
        distributions
            ``None`` or ``"default"`` (every scipy continuous distribution minus
            :data:`~bestfit_accessor.DEFAULT_EXCLUSIONS`), ``"all"``, ``"common"``,
            one scipy name, or a list of names.
        metric
            Ranking within each column: ``"aic"`` (default), ``"bic"``,
            ``"ks_statistic"``, ``"ad_statistic"`` or ``"sse"``; lower is better.
        progress
            ``True`` for a console bar, or a callable ``(done, total, percent)``
            called after each finished fit; ``total`` counts every
            (column, distribution) of the call.
        random_state
            Seed of the random sample used for starting values, KS and AD. With
            a seed, results do not depend on how the rows are partitioned.
        timeout
            Seconds one distribution's fit may run (default 120) before it is
            cancelled and reported with ``status="timeout"``; ``None`` waits.
        sample_size
            Rows in the uniform random sample (default 10 000).

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
        )
        return fit_frame(self._obj, columns, options)

    def corr(
        self,
        columns: Hashable | Iterable[Hashable] | None = None,
        *,
        method: str = "pearson",
    ) -> pd.DataFrame:
        """Correlation matrix of numeric columns, from per-block statistics in Ray tasks.

        ``method="pearson"`` merges per-block co-moments (exact to rounding, stable
        for large means); ``"spearman"`` ranks through merged fine histograms, with
        a rigorous bound on its difference from the exact rank correlation in
        ``attrs["error_bound"]`` (about 5e-4). Rows with NaN or ±inf in any
        selected column are left out; ``attrs`` holds ``n_obs`` and ``n_dropped``.
        No row of a Modin frame reaches the driver.
        """
        from .dependence.correlation import corr_frame

        return corr_frame(self._obj, columns, method=method)

    def copula(
        self,
        fits: pd.DataFrame | None = None,
        *,
        columns: Hashable | Iterable[Hashable] | None = None,
        metric: str = "aic",
        distributions: str | Iterable[str] | None = None,
        random_state: int | None = None,
    ) -> GaussianCopula:
        """A Gaussian copula over the columns' best-fitting marginals.

        Marginals come from ``fits`` (the frame returned by :meth:`fit`: per column
        the ``status == "ok"`` row with the lowest ``metric``) or, without it, from
        fitting ``columns`` now with ``distributions`` and ``random_state``. The
        correlation is that of the normal scores, computed in Ray tasks; sample new
        frames with :meth:`GaussianCopula.sample`.
        """
        from .dependence.model import GaussianCopula

        return GaussianCopula.fit(
            self._obj, fits, columns=columns, metric=metric, distributions=distributions,
            random_state=random_state,
        )


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
