"""Fit one distribution to one column: pure numpy/scipy, no Ray.

The fit maximises the binned likelihood of the whole column (the merged fine
histogram), whose cost grows with the number of bins, not rows:

1. cheap starts (:mod:`.starts`: scipy's closed-form fits where they exist,
   otherwise moment/quantile guesses, plus a small grid of shape values scored at
   one evaluation each); the best two get a few optimiser steps, the better one
   goes on;
2. Levenberg–Marquardt (:func:`.binned.maximise`) on a coarse copy of the
   histogram (core bins merged by :data:`COARSE_GROUP`), first in quantile
   coordinates (straight ridges), then for a bounded support in gap coordinates
   (optima on the support boundary), where most of the evaluations happen;
3. a short polish of the same kind on the fine histogram, whose log-likelihood is
   the one reported; a support bound that ended on an extreme observation is
   tried once more one bin away.

The best candidate by the optimiser's objective on the fine histogram is kept (so
the result is never worse than its start), among those where scipy's CDF, SF and
PDF agree; its support always covers the observed range.
"""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass

import numpy as np

from ..summaries.grid import BinLayout
from . import metrics
from .likelihood import Coordinates, Grid, Model, _has_own_ppf, maximise
from .registry import PDF_QUADRATURE, get_distribution, param_names, shape_bounds
from .starts import feasible, screen_points, start_points

__all__ = ["FitData", "fit_batch", "fit_distribution", "prepare_fit_data"]

#: Fine core bins merged into one bin for the SSE.
SSE_GROUP = 8
#: Fine core bins merged into one bin of the coarse histogram the optimiser works on.
COARSE_GROUP = 4
#: Steps of the optimiser on the coarse histogram and of the polish on the fine one.
COARSE_STEPS = 60
#: Screened starting points given a few optimiser steps, and how many steps.
SCREEN_KEEP = 2
SCREEN_STEPS = 2
#: Steps in quantile coordinates when gap coordinates follow (bounded supports): enough
#: to travel along a ridge; it stops early at a support bound, the gap phase's job.
QUANTILE_STEPS = 50
POLISH_STEPS = 3
#: Sample quantiles where scipy's CDF, SF and PDF must agree (:meth:`.Model.numerics_ok`).
PROBE_QUANTILES = (0.02, 0.1, 0.25, 0.5, 0.75, 0.9, 0.98)


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
    fine: Grid
    coarse: Grid
    probes: np.ndarray  # sample quantiles where CDF/SF/PDF consistency is checked


def _group_edges(layout: BinLayout, group: int) -> np.ndarray:
    """Indices of the edges kept when core bins are merged ``group`` at a time."""
    edges = layout.edges
    keep = np.concatenate([
        np.arange(0, layout.core_start),
        np.arange(layout.core_start, layout.core_start + layout.n_core + 1, group),
        np.arange(layout.core_start + layout.n_core + 1, len(edges)),
    ]).astype(np.int64)
    return np.unique(np.append(keep, len(edges) - 1))


def _grid(edges: np.ndarray, counts: np.ndarray, median: float) -> Grid:
    split = int(np.clip(np.searchsorted(edges, median), 1, max(1, len(edges) - 2)))
    return Grid(edges=edges, counts=counts, split=split)


def prepare_fit_data(
    column: object, sample: np.ndarray, layout: BinLayout, counts: np.ndarray, vmin: float,
    vmax: float,
) -> FitData:
    """Pre-compute what every distribution's fit of this column shares."""
    edges = layout.edges
    counts = np.asarray(counts, dtype=np.int64)
    n_obs = int(counts.sum())
    median = float(np.median(sample)) if sample.size else float(edges[len(edges) // 2])
    split = int(np.clip(np.searchsorted(edges, median), 1, len(edges) - 1))
    keep = _group_edges(layout, SSE_GROUP)
    sse_edges = edges[keep]
    sse_counts = np.add.reduceat(counts, keep[:-1])
    sse_density = sse_counts / (n_obs * np.diff(sse_edges))
    sse_split = int(np.clip(np.searchsorted(sse_edges, median), 1, len(sse_edges) - 1))
    coarse_keep = _group_edges(layout, COARSE_GROUP)
    coarse_edges = edges[coarse_keep]
    coarse_counts = np.add.reduceat(counts, coarse_keep[:-1])
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
        fine=_grid(edges, counts, median),
        coarse=_grid(coarse_edges, coarse_counts, median),
        probes=np.quantile(sample, PROBE_QUANTILES) if sample.size else edges[[1, -2]],
    )


def _tolerance(n_obs: int) -> float:
    """Log-likelihood gain below which a step counts as converged (1e-7 per row)."""
    return max(1e-7 * n_obs, 1e-4)


def _rescue(dist, start: np.ndarray, model: Model, data: FitData) -> np.ndarray:
    """Widen a start whose likelihood is ``-inf`` (data far in a light tail) until finite."""
    if np.isfinite(model.loglik(start)):
        return start
    centre = float(np.median(data.sample))
    for factor in (2.0, 4.0, 8.0, 16.0, 64.0, 256.0):
        *shapes, loc, scale = start
        wide = np.array([*shapes, centre + (loc - centre) * factor, scale * factor])
        wide = feasible(dist, wide, data.vmin, data.vmax)
        if np.isfinite(model.loglik(wide)):
            return wide
    return start


def _optimise(name: str, dist, data: FitData) -> tuple[np.ndarray, float]:
    """Best parameters over the starts; returns them with their binned log-likelihood.

    Candidates are compared by the optimiser's objective on the fine histogram
    (binned likelihood plus the extreme-point terms of :meth:`.Model.log_probs`).
    """
    quadrature = name in PDF_QUADRATURE
    coarse = Model(dist, data.coarse, data.vmin, data.vmax, quadrature)
    fine = Model(dist, data.fine, data.vmin, data.vmax, quadrature)
    ftol = _tolerance(data.n_obs)
    # No wall-clock stop: a fit must not depend on how loaded the machine is (results
    # are identical across runs and partitionings); the step caps bound the work and
    # the per-task timeout is the safety net.
    bounds = shape_bounds(name)
    candidates = [_rescue(dist, start, coarse, data)
                  for start in start_points(name, dist, data.sample, data.vmin, data.vmax)]
    if _has_own_ppf(dist):
        candidates += screen_points(dist, data.sample, data.vmin, data.vmax, bounds)
    screened = sorted(((coarse.loglik(c), i, c) for i, c in enumerate(candidates)),
                      key=lambda item: (-item[0], item[1]))  # fmt: skip
    screened = [item for item in screened if np.isfinite(item[0])][:SCREEN_KEEP]
    if len(screened) > 1:
        # A few steps from each of the best screened points, then the best of those.
        improved = []
        for value, i, point in screened:
            coords = Coordinates(dist, point, data.vmin, data.vmax, None, bounds)
            theta, value, _ = maximise(coarse, coords, coords.from_params(point),
                                       max_iter=SCREEN_STEPS, ftol=ftol)  # fmt: skip
            improved.append((value, i, coords.to_params(theta)))
        screened = [max(improved, key=lambda item: (item[0], -item[1]))]
    scored: list[tuple[float, int, np.ndarray]] = []
    for _, _, start in screened:
        scored.append((fine.loglik(start), len(scored), start))
        params = _refine(dist, start, coarse, fine, data, bounds, ftol, None)
        if not fine.numerics_ok(params, data.probes):
            # Climbed where scipy's CDF is wrong: again, checking every step this time.
            params = _refine(dist, start, coarse, fine, data, bounds, ftol, data.probes)
        scored.append((fine.loglik(params), len(scored), params))
        moved = _off_the_bound(dist, params, data)
        if moved is not None:
            # A support bound that ended on an extreme observation can be a local
            # optimum of its own (weibull_min with c > 1): try again one bin away.
            coords = Coordinates(dist, moved, data.vmin, data.vmax,
                                 Coordinates.support_mode(dist, moved), bounds)  # fmt: skip
            theta, _, _ = maximise(coarse, coords, coords.from_params(moved),
                                   max_iter=COARSE_STEPS, ftol=ftol)  # fmt: skip
            theta, value, _ = maximise(fine, coords, theta, max_iter=POLISH_STEPS, ftol=ftol)
            scored.append((value, len(scored), coords.to_params(theta)))
    if not scored:
        raise ValueError("no feasible starting point")
    trusted = [item for item in scored if fine.numerics_ok(item[2], data.probes)]
    if not trusted:
        raise ValueError("scipy's cdf, sf and pdf of this family disagree at the fitted "
                         "parameters; its likelihood cannot be trusted there")
    _, _, params = max(trusted, key=lambda item: (item[0], item[1]))
    return params, fine.binned_loglik(params)


def _off_the_bound(dist, params: np.ndarray, data: FitData) -> np.ndarray | None:
    """``params`` with a support bound that touches the data moved one bin away, or None."""
    *shapes, loc, scale = params
    lower, upper = (float(np.asarray(v)) for v in dist.support(*shapes, loc=loc, scale=scale))
    width = float(np.median(np.diff(data.fine.edges)))
    if np.isfinite(lower) and not np.isfinite(upper) and data.vmin - lower < 0.01 * width:
        return np.array([*shapes, loc - width, scale])
    if np.isfinite(upper) and not np.isfinite(lower) and upper - data.vmax < 0.01 * width:
        return np.array([*shapes, loc + width, scale])
    return None


def _refine(dist, start, coarse, fine, data, bounds, ftol, probes) -> np.ndarray:
    """The coordinate phases on the coarse histogram, then the polish on the fine one."""
    params = start
    modes = Coordinates.modes(dist, start)
    for mode in modes:
        coords = Coordinates(dist, params, data.vmin, data.vmax, mode, bounds)
        before_gaps = mode == "quantile" and len(modes) > 1
        steps = QUANTILE_STEPS if before_gaps else COARSE_STEPS
        theta, _, _ = maximise(coarse, coords, coords.from_params(params), max_iter=steps,
                               ftol=ftol, probes=probes,
                               stop_at_bound=before_gaps)  # fmt: skip
        params = coords.to_params(theta)
    theta, _, _ = maximise(fine, coords, coords.from_params(params), max_iter=POLISH_STEPS,
                           ftol=ftol, probes=probes)  # fmt: skip
    return coords.to_params(theta)


def fit_distribution(name: str, data: FitData) -> dict:
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
            params, loglik = _optimise(name, dist, data)
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
                fast = Model(dist, data.fine, data.vmin, data.vmax)
                record["ks_statistic"], record["ks_pvalue"], record["ad_statistic"] = (
                    metrics.ks_ad(fast, params, data.sorted_sample)
                )
                record["sse"] = metrics.sse(
                    dist, params, data.sse_edges, data.sse_density, data.sse_split
                )
    except Exception as exc:  # one failed distribution must not fail the fit
        record["status"] = "failed"
        record["message"] = f"{type(exc).__name__}: {exc}"
    record["fit_seconds"] = time.perf_counter() - started
    return record


def fit_batch(names: list[str], data: FitData) -> list[dict]:
    """:func:`fit_distribution` for several names in one Ray task (each timed on its own)."""
    return [fit_distribution(name, data) for name in names]
