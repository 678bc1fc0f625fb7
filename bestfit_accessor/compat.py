"""The seed API (``DistributionFitter``, ``RayBackend``, results objects).

A thin layer: every call goes to the same pipeline as the ``.bestfit`` accessor,
so there is one implementation of summaries, fitting and metrics.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd
import scipy.stats as st

from . import frames, runtime
from .discrete.registry import is_discrete_selection
from .discrete.run import DISCRETE_METRICS
from .exceptions import InvalidArgumentError
from .options import (
    DEFAULT_SAMPLE_SIZE,
    DEFAULT_TIMEOUT,
    FIT_CONSTRAINTS,
    FitOptions,
    InstanceOf,
    Interval,
    validate,
)
from .pipeline import fit_frame
from .progress import reporting
from .results import FIELDS, best_rows, check_metric, to_scipy
from .results.display import format_params, format_value, top, top_html
from .seed_options import seed_fit_settings

__all__ = [
    "DiscreteDistributionFit",
    "DiscreteDistributionFitter",
    "DiscreteFitResults",
    "DistributionFit",
    "DistributionFitter",
    "FitResults",
    "RayBackend",
]


class RayBackend:
    """Where the work runs: a local Ray, ``address="auto"`` or ``"ray://host:10001"``.

    Initialises Ray when none is running; an already running Ray is used as is.
    """

    def __init__(self, address: str | None = None, num_cpus: int | None = None,
                 **ray_init_kwargs: Any) -> None:  # fmt: skip
        self.address = address
        self.num_cpus = num_cpus
        runtime.init(address, num_cpus=num_cpus, **ray_init_kwargs)

    def __repr__(self) -> str:
        return f"RayBackend(address={self.address!r}, num_cpus={self.num_cpus!r})"


@dataclass(frozen=True)
class DistributionFit:
    """One fitted distribution of one column, with its metrics."""

    distribution: str
    parameters: list[float]
    column_name: Hashable
    param_names: list[str]
    loglik: float
    aic: float
    bic: float
    ks_statistic: float
    pvalue: float
    ad_statistic: float
    sse: float
    n_obs: int
    status: str = "ok"
    message: str = ""
    _row: dict = field(default_factory=dict, repr=False, compare=False)

    @property
    def params(self) -> dict[str, float]:
        return dict(zip(self.param_names, self.parameters, strict=True))

    def __repr__(self) -> str:
        params = format_params(self.params)
        head = f"DistributionFit({self.column_name!r}: {self.distribution}({params})"
        if self.status != "ok":
            return f"{head}, status={self.status!r}, message={self.message!r})"
        return (f"{head}, aic={format_value(self.aic, 8)}, bic={format_value(self.bic, 8)}, "
                f"ks_statistic={format_value(self.ks_statistic)}, n_obs={self.n_obs:,})")

    def _repr_html_(self) -> str:
        row = pd.DataFrame([{"distribution": self.distribution,
                             "params": format_params(self.params), "aic": self.aic,
                             "bic": self.bic, "ks_statistic": self.ks_statistic,
                             "pvalue": self.pvalue, "n_obs": self.n_obs,
                             "status": self.status}],
                           index=pd.Index([self.column_name], name="column"))  # fmt: skip
        return row.to_html()

    def get_scipy_dist(self) -> st.rv_continuous:
        """The frozen scipy distribution."""
        return to_scipy({"distribution": self.distribution, "params": self.params,
                         "trunc_low": self._row.get("trunc_low"),
                         "trunc_high": self._row.get("trunc_high")})  # bounds= fits

    def pdf(self, x: Any) -> np.ndarray:
        return self.get_scipy_dist().pdf(x)

    def cdf(self, x: Any) -> np.ndarray:
        return self.get_scipy_dist().cdf(x)

    def ppf(self, q: Any) -> np.ndarray:
        return self.get_scipy_dist().ppf(q)

    def sample(self, size: int = 1, random_state: Any = None) -> np.ndarray:
        return self.get_scipy_dist().rvs(size=size, random_state=random_state)

    @classmethod
    def from_row(cls, row: pd.Series) -> DistributionFit:
        """Every schema field this class declares, mapped by name (the seed API says
        ``column_name`` for ``column`` and ``pvalue`` for ``ks_pvalue``)."""
        params = row["params"] if isinstance(row["params"], dict) else {}
        values = {}
        for f in FIELDS:
            name = _SEED_NAMES.get(f.name, f.name)
            if name in cls.__dataclass_fields__ and f.name != "params":
                values[name] = int(row[f.name]) if f.dtype == "int64" else row[f.name]
        return cls(parameters=list(params.values()), param_names=list(params),
                   _row=row.to_dict(), **values)  # fmt: skip


#: Seed-API names of results fields whose names differ.
_SEED_NAMES = {"column": "column_name", "ks_pvalue": "pvalue"}


class FitResults:
    """The fits of one ``DistributionFitter.fit`` call; ``.df`` is the tidy table."""

    #: What :meth:`best` returns one of.
    _fit_class: type[DistributionFit] = DistributionFit

    def __init__(self, frame: pd.DataFrame, source: Any = None) -> None:
        self.df = frame
        #: The frame kind the fits came from (a frame adapter's name).
        self._source_kind = "pandas" if source is None else frames.adapter_for(source).name

    def to_pandas(self) -> pd.DataFrame:
        return self.df.copy()

    @property
    def columns(self) -> list:
        return list(self.df["column"].unique())

    def best(self, n: int = 1, metric: str = "aic",
             column: Hashable | None = None) -> list[DistributionFit]:  # fmt: skip
        """The ``n`` best successful fits by ``metric`` (lower is better), per column
        in column order when ``column`` is not given."""
        metric = check_metric(metric)
        n = validate("n", n, Interval(int, 1, None))
        if column is not None and column not in set(self.df["column"]):
            raise InvalidArgumentError(f"no fits for column {column!r}; have {self.columns}")
        rows = best_rows(self.df, metric, n, None if column is None else [column])
        return [self._fit_class.from_row(row) for _, row in rows.iterrows()]

    def summary(self, k: int = 3, metric: str = "aic") -> pd.DataFrame:
        """The ``k`` best fits of each column, one short line each (see
        :func:`bestfit_accessor.top`)."""
        return top(self.df, k, metric)

    def __len__(self) -> int:
        return len(self.df)

    def _headline(self) -> str:
        failed = int((self.df["status"] != "ok").sum())
        return (f"FitResults: {len(self.df)} fits of {len(self.columns)} column(s)"
                f"{f', {failed} not ok' if failed else ''}")  # fmt: skip

    def __repr__(self) -> str:
        try:
            best = top(self.df, 1)
        except InvalidArgumentError:  # a frame that is not a results frame: say so briefly
            return f"FitResults({len(self.df)} rows)"
        if best.empty:
            return f"{self._headline()}; no successful fit"
        lines = [f"  {label!s}: {row['distribution']}({row['params']}), "
                 f"aic={format_value(row['aic'], 8)}"
                 for (label, _), row in best.iterrows()]  # fmt: skip
        return "\n".join([f"{self._headline()}; best by AIC:", *lines])

    def _repr_html_(self) -> str | None:
        """Jupyter's view: the three best fits of each column."""
        try:
            best = top(self.df, 3)
        except InvalidArgumentError:
            return None  # Jupyter falls back to repr
        return (f"<div><p><b>{html.escape(self._headline())}</b></p>"
                f"{top_html(best, 'best 3 per column by AIC')}</div>")  # fmt: skip


def _selection(column: Hashable | None, columns: Iterable[Hashable] | None,
               progress_callback: object) -> list | None:  # fmt: skip
    """The fitters' ``column=`` / ``columns=`` as one list (None = every column)."""
    if column is not None and columns is not None:
        raise InvalidArgumentError("give either column= or columns=, not both")
    selection = [column] if column is not None else columns
    if isinstance(selection, (str, bytes)):
        selection = [selection]
    validate("progress_callback", progress_callback, FIT_CONSTRAINTS["progress"])
    return None if selection is None else list(selection)


def _fit_reporting(df: Any, selection: list | None, options: FitOptions) -> pd.DataFrame:
    with reporting(options.progress):
        return fit_frame(df, selection, options)


class _SeedFitter:
    """The seed API's fitters take a :class:`RayBackend` (or None for the default)."""

    def __init__(self, backend: RayBackend | None = None) -> None:
        self.backend = validate("backend", backend, (InstanceOf(RayBackend, "a RayBackend"), None))


class DistributionFitter(_SeedFitter):
    """Fit candidate distributions to columns of pandas, Modin or Ray Dataset input."""

    def fit(
        self,
        df: Any,
        column: Hashable | None = None,
        *,
        columns: Iterable[Hashable] | None = None,
        distributions: Any = None,
        metric: str = "aic",
        progress_callback: Callable[[int, int, float], None] | None = None,
        random_state: int | None = None,
        timeout: float | None = DEFAULT_TIMEOUT,
        sample_size: int = DEFAULT_SAMPLE_SIZE,
        censoring_column: Hashable | None = None,
        weights: Hashable | None = None,
        weight_column: Hashable | None = None,
        bounded: bool = False,
        lower_bound: float | None = None,
        upper_bound: float | None = None,
        bounds: Any = None,
        fixed: Any = None,
    ) -> FitResults:
        """Fit ``column`` (one) or ``columns`` (several); see ``df.bestfit.fit``.

        ``censoring_column`` (1/True observed, 0/False right-censored), ``weights``
        (or ``weight_column``), ``bounded=True`` with ``lower_bound``/``upper_bound``
        (or ``bounds=``) and ``fixed`` are the accessor's ``event``, ``weights``,
        ``bounds`` and ``fixed`` (see :mod:`bestfit_accessor.seed_options`).
        """
        selection = _selection(column, columns, progress_callback)
        options = FitOptions.create(
            distributions=distributions,
            metric=metric,
            progress=progress_callback,
            random_state=random_state,
            timeout=timeout,
            sample_size=sample_size,
            **seed_fit_settings(df, selection, censoring_column=censoring_column,
                                weights=weights, weight_column=weight_column, bounded=bounded,
                                lower_bound=lower_bound, upper_bound=upper_bound, bounds=bounds,
                                fixed=fixed),
        )
        return FitResults(_fit_reporting(df, selection, options), df)


# -- discrete (count) columns ------------------------------------------------------------


@dataclass(frozen=True)
class DiscreteDistributionFit(DistributionFit):
    """One fitted count distribution: a pmf on the integers, with the chi-square test
    on pooled cells (``chisq``, ``chisq_df``, ``chisq_pvalue``); ``pvalue`` (a
    continuous KS p-value) is NaN for counts."""

    chisq: float = float("nan")
    chisq_df: int | None = None
    chisq_pvalue: float = float("nan")

    @classmethod
    def from_row(cls, row: pd.Series) -> DiscreteDistributionFit:
        fit = super().from_row(row)
        df = fit.chisq_df
        return replace(fit, chisq_df=None if df is None or pd.isna(df) else int(df))

    def __repr__(self) -> str:
        params = format_params(self.params)
        head = f"DiscreteDistributionFit({self.column_name!r}: {self.distribution}({params})"
        if self.status != "ok":
            return f"{head}, status={self.status!r}, message={self.message!r})"
        return (f"{head}, aic={format_value(self.aic, 8)}, bic={format_value(self.bic, 8)}, "
                f"chisq_pvalue={format_value(self.chisq_pvalue)}, n_obs={self.n_obs:,})")

    def pmf(self, k: Any) -> np.ndarray:
        return self.get_scipy_dist().pmf(k)

    def logpmf(self, k: Any) -> np.ndarray:
        return self.get_scipy_dist().logpmf(k)

    def pdf(self, x: Any) -> np.ndarray:
        raise InvalidArgumentError(
            f"{self.distribution} is a discrete distribution: it has a pmf, not a density")


class DiscreteFitResults(FitResults):
    """The fits of one ``DiscreteDistributionFitter.fit`` call; ``.df`` is the tidy
    table (``kind="discrete"`` rows with the chi-square fields)."""

    _fit_class = DiscreteDistributionFit

    def best(self, n: int = 1, metric: str = "aic",
             column: Hashable | None = None) -> list[DiscreteDistributionFit]:  # fmt: skip
        """The ``n`` best successful fits by ``metric``: ``"aic"``, ``"bic"`` or
        ``"ks_statistic"`` (the discrete KS distance)."""
        if metric not in DISCRETE_METRICS:
            raise InvalidArgumentError(f"metric {metric!r} is not defined for discrete fits; "
                                       f"use one of {list(DISCRETE_METRICS)}")
        return super().best(n, metric, column)  # type: ignore[return-value]


class DiscreteDistributionFitter(_SeedFitter):
    """Fit count distributions (Poisson, negative binomial, zero-inflated and hurdle
    models, ...) to integer columns of pandas, Modin or Ray Dataset input, on their
    exact value counts (see :mod:`bestfit_accessor.discrete`)."""

    def fit(
        self,
        df: Any,
        column: Hashable | None = None,
        *,
        columns: Iterable[Hashable] | None = None,
        distributions: Any = None,
        metric: str = "aic",
        progress_callback: Callable[[int, int, float], None] | None = None,
        timeout: float | None = DEFAULT_TIMEOUT,
    ) -> DiscreteFitResults:
        """Fit ``column`` (one) or ``columns`` (several); ``distributions`` is ``None``
        (every discrete candidate), one discrete name or a list of them. A finite
        value that is not a whole number raises :class:`NonIntegerValuesError`."""
        selection = _selection(column, columns, progress_callback)
        options = FitOptions.create(
            distributions="discrete" if distributions is None else distributions,
            metric=metric,
            progress=progress_callback,
            timeout=timeout,
        )
        if not is_discrete_selection(options.distributions):
            raise InvalidArgumentError(
                f"DiscreteDistributionFitter fits discrete families; {distributions!r} are "
                "continuous (use DistributionFitter for densities)")
        return DiscreteFitResults(_fit_reporting(df, selection, options), df)
