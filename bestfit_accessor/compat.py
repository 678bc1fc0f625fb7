"""The seed API (``DistributionFitter``, ``RayBackend``, results objects).

A thin layer: every call goes to the same pipeline as the ``.bestfit`` accessor,
so there is one implementation of summaries, fitting and metrics.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import scipy.stats as st

from . import runtime
from .exceptions import InvalidArgumentError
from .pipeline import DEFAULT_SAMPLE_SIZE, DEFAULT_TIMEOUT, fit_frame
from .results.frame import check_metric, to_scipy

__all__ = ["DistributionFit", "DistributionFitter", "FitResults", "RayBackend"]


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

    def get_scipy_dist(self) -> st.rv_continuous:
        """The frozen scipy distribution."""
        return to_scipy({"distribution": self.distribution, "params": self.params})

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
        params = row["params"] if isinstance(row["params"], dict) else {}
        return cls(
            distribution=row["distribution"],
            parameters=list(params.values()),
            column_name=row["column"],
            param_names=list(params),
            loglik=row["loglik"],
            aic=row["aic"],
            bic=row["bic"],
            ks_statistic=row["ks_statistic"],
            pvalue=row["ks_pvalue"],
            ad_statistic=row["ad_statistic"],
            sse=row["sse"],
            n_obs=int(row["n_obs"]),
            status=row["status"],
            message=row["message"],
            _row=row.to_dict(),
        )


class FitResults:
    """The fits of one ``DistributionFitter.fit`` call; ``.df`` is the tidy table."""

    def __init__(self, frame: pd.DataFrame, source: Any = None) -> None:
        self.df = frame
        self._source_kind = (
            "modin" if type(source).__module__.startswith("modin.")
            else "dataset" if type(source).__module__.startswith("ray.data")
            else "pandas"
        )  # fmt: skip

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
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise InvalidArgumentError(f"n must be a positive integer, got {n!r}")
        frame = self.df[self.df["status"] == "ok"]
        if column is not None:
            if column not in set(self.df["column"]):
                raise InvalidArgumentError(f"no fits for column {column!r}; have {self.columns}")
            frame = frame[frame["column"] == column]
        out: list[DistributionFit] = []
        for label in (self.columns if column is None else [column]):
            rows = frame[frame["column"] == label].sort_values(metric, kind="mergesort")
            out.extend(DistributionFit.from_row(row) for _, row in rows.head(n).iterrows())
        return out

    def __len__(self) -> int:
        return len(self.df)

    def __repr__(self) -> str:
        return f"FitResults({len(self.df)} fits of columns {self.columns})"


class DistributionFitter:
    """Fit candidate distributions to columns of pandas, Modin or Ray Dataset input."""

    def __init__(self, backend: RayBackend | None = None) -> None:
        if backend is not None and not isinstance(backend, RayBackend):
            raise InvalidArgumentError(
                f"backend must be a RayBackend or None, got {type(backend).__name__}"
            )
        self.backend = backend

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
    ) -> FitResults:
        """Fit ``column`` (one) or ``columns`` (several); see ``df.bestfit.fit``."""
        if column is not None and columns is not None:
            raise InvalidArgumentError("give either column= or columns=, not both")
        selection = [column] if column is not None else columns
        if isinstance(selection, (str, bytes)):
            selection = [selection]
        frame = fit_frame(
            df,
            None if selection is None else list(selection),
            distributions=distributions,
            metric=metric,
            progress=progress_callback,
            random_state=random_state,
            timeout=timeout,
            sample_size=sample_size,
        )
        return FitResults(frame, df)

