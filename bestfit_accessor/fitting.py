"""Fit one distribution to one column: pure numpy/scipy, no Ray.

The fit runs in two steps. scipy's own ``fit`` on a small random subsample gives a
starting point cheaply; then the parameters are refined by maximising the binned
likelihood of the whole column (the merged fine histogram), whose cost grows with
the number of bins, not rows. The refined parameters are kept only if they raise
the likelihood, and the support of the result always covers the observed range.
"""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass

import numpy as np
from scipy import optimize

from . import metrics
from .distributions import get_distribution, param_names
from .histogram import BinLayout

__all__ = ["FitData", "fit_distribution", "prepare_fit_data"]

#: Rows of the random sample given to scipy's ``fit`` for the starting point.
START_SAMPLE_SIZE = 2_000
#: Fine core bins merged into one bin for the SSE.
SSE_GROUP = 8


@dataclass(frozen=True)
class FitData:
    """Everything a fit task needs about one column; put in the object store once."""

    column: object
    sample: np.ndarray  # finite values, random order
    sorted_sample: np.ndarray
    edges: np.ndarray
    counts: np.ndarray
    split: int  # edges below this index use the CDF, above it the SF
    log_widths: np.ndarray
    sse_edges: np.ndarray
    sse_density: np.ndarray
    sse_split: int
    n_obs: int
    vmin: float
    vmax: float


def prepare_fit_data(
    column: object, sample: np.ndarray, layout: BinLayout, counts: np.ndarray, vmin: float,
    vmax: float,
) -> FitData:
    """Pre-compute what every distribution's fit of this column shares."""
    edges = layout.edges
    n_obs = int(counts.sum())
    median = float(np.median(sample)) if sample.size else float(edges[len(edges) // 2])
    split = int(np.clip(np.searchsorted(edges, median), 1, len(edges) - 1))
    keep = np.concatenate([
        np.arange(0, layout.core_start),
        np.arange(layout.core_start, layout.core_start + layout.n_core + 1, SSE_GROUP),
        np.arange(layout.core_start + layout.n_core + 1, len(edges)),
    ]).astype(np.int64)
    keep = np.unique(np.append(keep, len(edges) - 1))
    sse_edges = edges[keep]
    sse_counts = np.add.reduceat(counts, keep[:-1])
    sse_density = sse_counts / (n_obs * np.diff(sse_edges))
    sse_split = int(np.clip(np.searchsorted(sse_edges, median), 1, len(sse_edges) - 1))
    return FitData(
        column=column,
        sample=sample,
        sorted_sample=np.sort(sample),
        edges=edges,
        counts=counts,
        split=split,
        log_widths=np.log(np.diff(edges)),
        sse_edges=sse_edges,
        sse_density=sse_density,
        sse_split=sse_split,
        n_obs=n_obs,
        vmin=vmin,
        vmax=vmax,
    )


def _covers_data(dist, params, data: FitData) -> bool:
    *shapes, loc, scale = params
    if not (scale > 0 and np.all(np.isfinite(params))):
        return False
    lower, upper = dist.support(*shapes, loc=loc, scale=scale)
    return bool(lower <= data.vmin and upper >= data.vmax)


def _loglik(dist, params, data: FitData) -> float:
    if not _covers_data(dist, params, data):
        return -np.inf
    return metrics.binned_loglik(dist, params, data.edges, data.counts, data.split, data.log_widths)


def _feasible_start(dist, data: FitData) -> np.ndarray:
    """scipy's fit on a subsample that includes the column's min and max.

    Including the extremes keeps the support of the start over the observed range,
    which the refinement requires; an affine shift is the fallback.
    """
    subsample = np.concatenate([data.sample[:START_SAMPLE_SIZE], [data.vmin, data.vmax]])
    start = np.asarray(dist.fit(subsample), dtype=float)
    if _covers_data(dist, start, data) or not np.all(np.isfinite(start)):
        return start
    *shapes, loc, scale = start
    lower, upper = (np.asarray(b, dtype=float) for b in dist.support(*shapes))
    margin = 1e-6 * (data.vmax - data.vmin)
    lo, hi = data.vmin - margin, data.vmax + margin
    if np.isfinite(lower) and np.isfinite(upper):
        scale = (hi - lo) / (upper - lower)
        loc = lo - scale * lower
    elif np.isfinite(lower):
        loc = min(loc, lo - scale * lower)
    elif np.isfinite(upper):
        loc = max(loc, hi - scale * upper)
    return np.array([*shapes, loc, scale], dtype=float)


def _refine(dist, start: np.ndarray, data: FitData, max_evaluations: int) -> np.ndarray:
    """Nelder–Mead on the binned likelihood, in coordinates scaled by the start."""
    n_shapes = start.size - 2
    loc0, scale0 = start[-2], start[-1]
    shape_scale = np.where(start[:n_shapes] != 0, np.abs(start[:n_shapes]), 1.0)

    def to_params(theta: np.ndarray) -> np.ndarray:
        shapes = theta[:n_shapes] * shape_scale
        return np.concatenate([shapes, [loc0 + theta[-2] * scale0, scale0 * np.exp(theta[-1])]])

    def objective(theta: np.ndarray) -> float:
        value = _loglik(dist, to_params(theta), data)
        return -value if np.isfinite(value) else np.inf

    theta0 = np.concatenate([start[:n_shapes] / shape_scale, [0.0, 0.0]])
    simplex = np.tile(theta0, (start.size + 1, 1))
    for i in range(start.size):
        simplex[i + 1, i] += 0.05 if i < n_shapes else 0.02
    result = optimize.minimize(
        objective,
        theta0,
        method="Nelder-Mead",
        options={
            "initial_simplex": simplex,
            "xatol": 1e-6,
            "fatol": 1e-3,
            "maxfev": max_evaluations,
        },
    )
    return to_params(result.x)


def fit_distribution(name: str, data: FitData, *, max_evaluations: int = 400) -> dict:
    """Fit ``name`` to ``data`` and score it; failures come back as a record too."""
    started = time.perf_counter()
    names = param_names(name)
    record: dict = {
        "column": data.column,
        "distribution": name,
        "params": None,
        "n_params": len(names),
        "loglik": np.nan,
        "aic": np.nan,
        "bic": np.nan,
        "ks_statistic": np.nan,
        "ks_pvalue": np.nan,
        "ad_statistic": np.nan,
        "sse": np.nan,
        "n_obs": data.n_obs,
        "status": "ok",
        "message": "",
    }
    try:
        dist = get_distribution(name)
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            start = _feasible_start(dist, data)
            candidates = [start]
            if np.all(np.isfinite(start)):
                candidates.append(_refine(dist, start, data, max_evaluations))
            scored = [(_loglik(dist, p, data), i, p) for i, p in enumerate(candidates)]
            loglik, _, params = max(scored, key=lambda item: (item[0], item[1]))
            record["params"] = dict(zip(names, (float(v) for v in params), strict=True))
            if not np.isfinite(loglik):
                record["status"] = "failed"
                record["message"] = (
                    "the fitted distribution gives zero probability to some observed values"
                )
            else:
                record["loglik"] = loglik
                record["aic"], record["bic"] = metrics.information_criteria(
                    loglik, len(names), data.n_obs
                )
                record["ks_statistic"], record["ks_pvalue"] = metrics.ks_test(
                    dist, params, data.sorted_sample
                )
                record["ad_statistic"] = metrics.anderson_darling(dist, params, data.sorted_sample)
                record["sse"] = metrics.sse(
                    dist, params, data.sse_edges, data.sse_density, data.sse_split
                )
    except Exception as exc:  # one failed distribution must not fail the fit
        record["status"] = "failed"
        record["message"] = f"{type(exc).__name__}: {exc}"
    record["fit_seconds"] = time.perf_counter() - started
    return record
