"""Fit one distribution to one column: pure numpy/scipy, no Ray.

A column reaches the fit as likelihood terms (:mod:`.likelihood`): the counts of
a fine histogram of every row (a large column), and for a column of at most
100,000 rows also its exact values with their counts. The stages:

1. cheap starts (:mod:`.starts`: scipy's closed-form fits where they exist,
   otherwise moment/quantile guesses, plus a small grid of shape values scored at
   one evaluation each); the best get a few optimiser steps, the best of those
   go on (three of them on a small column, one otherwise);
2. Levenberg–Marquardt (:func:`.optimiser.maximise`) on the coarse terms (the
   histogram with core bins merged by :data:`COARSE_GROUP`, or the exact values),
   first in quantile coordinates (straight ridges), then for a bounded support in
   gap coordinates (optima on the support boundary); a fit far below the
   histogram's own likelihood switches to Newton steps where Gauss–Newton stalls;
3. a short polish on the fine terms; a support bound that ended on an extreme
   observation is tried once more one step away;
4. on a column with few distinct values (every stage exact), two more starts are
   refined (the neutral shapes, whose basin is often the regular optimum next to a
   ridge to a limit family; a cusp on the densest data for gennorm-like families),
   and the best candidate gets a Nelder–Mead finish, a second one in plain
   coordinates with shapes followed to their limits (skewnorm's a → ∞, powernorm's
   c → 0), and for a bounded family a last climb in quantile coordinates; on a
   larger gathered column (up to 100,000 values), every candidate is climbed by
   Newton steps on its values compressed to a few thousand points
   (:func:`_polish_compressed`), and the column's leaders are polished on the
   exact terms by :func:`polish_distribution`.

The best candidate by the final objective is kept (never worse than its start),
among those where scipy's CDF, SF and PDF agree when the likelihood is built from
CDF differences; its support always covers the observed range. A gathered
column's ``loglik`` is scipy's public log-density summed over the values in data
units, at the reported parameters.
"""

from __future__ import annotations

import math
import time
import warnings
from dataclasses import dataclass, replace

import numpy as np
from scipy import optimize

from ..results.schema import new_record
from ..summaries.grid import BinLayout
from . import metrics
from .coordinates import GUMBEL_RIDGES, Coordinates, GumbelRidge, has_own_ppf
from .kinks import KINKS
from .likelihood import ExactValues, Grid, Model
from .optimiser import maximise
from .registry import PDF_QUADRATURE, get_distribution, param_names, shape_bounds
from .scipy_adapter import family_of
from .starts import (
    GUMBEL_NEAR,
    cusp_point,
    feasible,
    limit_point,
    neutral_point,
    screen_points,
    start_points,
)

__all__ = [
    "FitData",
    "fit_batch",
    "fit_distribution",
    "polish_distribution",
    "prepare_fit_data",
]

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
#: Columns with at most this many distinct values are fitted on exact terms from the
#: first start on (a density evaluation per distinct value costs about what the
#: binned likelihood's ~600 CDF evaluations do); larger small columns start on the
#: binned likelihood and finish on the exact one.
EXACT_EVERYWHERE = 2_000
#: A one-sided support bound stays this share of the data's end spacing away from the
#: extreme value (:attr:`FitData.min_gap`): a regular fit (expon's loc on the
#: minimum) loses ~1e-4 log-likelihood units, a density spike gains at most
#: (1 − shape)·log(1e4) per observation at the extreme.
MIN_GAP_SHARE = 1e-4
#: Screened starts given a few steps, and how many of them are refined, on a column
#: whose every stage runs on exact terms.
EXACT_SCREEN_KEEP = 6
EXACT_REFINE = 3
#: The Nelder–Mead finish of a column with few distinct values: the simplex's size in
#: the optimiser's coordinates and its evaluation budget per parameter.
SIMPLEX_STEP = 0.05
SIMPLEX_EVALS_PER_PARAM = 120
#: The second simplex finish runs in plain coordinates (loc, log scale, log or asinh
#: shapes) with shapes allowed this far out (e^±30): limits such as skewnorm's
#: a → ∞ or powernorm's c → 0 lie beyond what quantile coordinates can express
#: (powernorm's quartiles underflow below c ≈ 0.002).
RAW_SHAPE_LOG_CAP = 30.0
#: A shape that ends this far out in those coordinates is followed towards its limit
#: in steps of :data:`LIMIT_STEP` (doubling), the other parameters re-fitted by
#: :data:`LIMIT_STEPS` optimiser steps each time.
LIMIT_SIGNAL = 4.0
LIMIT_STEP = 2.0
LIMIT_STEPS = 10
#: No observation's density may exceed 1/(SPIKE_SHARE · the smallest gap between
#: distinct values): a narrower spike on a data point is an unbounded likelihood.
SPIKE_SHARE = 0.1
#: Steps of the exact polish after the binned stages.
EXACT_STEPS = 12
#: A gathered column with more distinct values than :data:`EXACT_EVERYWHERE` is
#: compressed for the polish of every candidate: runs of neighbouring values no
#: wider than this share of the local curvature scale become two points each
#: (:meth:`.ExactValues.compressed`; ~1e-10 per row from the exact likelihood on
#: heavy tails, ~1,500 points for 100,000 values).
COMPRESSED_WIDTH = 0.02
#: Families whose likelihood has a regular optimum and a ridge to a limit family,
#: of which the binned search can keep the wrong one (burr12 on its own rows): on
#: a large column their neutral start is climbed on the compressed terms too.
TWO_BASINS = frozenset({"burr", "burr12", "mielke"})
#: A large column's candidate is climbed on its compressed terms (two points per
#: bin, from the bins' power sums) when the binned and the compressed
#: log-likelihood at its binned optimum differ by more than this per row.
BINNED_AGREEMENT = 1e-4
#: ... or by more than this many log-units in all (the per-row share up to 1M rows):
#: at 10M rows, 1e-4 per row is 1,000, far above the 1e-3 by which a fit is judged
#: against scipy's own (cauchy on 10M log-logistic rows stopped 646 behind it,
#: johnsonsu on lognormal rows 1.6e6).
AGREEMENT_CAP = 100.0
#: A large column's candidate whose binned optimum has a shape this close to a
#: nonzero edge of its domain (relative) is climbed on its compressed terms too
#: (:func:`_at_an_edge`). Shapes far out are not: on normal rows most families head
#: to their normal limit that way and the binned optimum is right there (climbing
#: them all cost +18% CPU for gains below 0.1).
EDGE_NEAR = 1e-4
#: Step (in the plain coordinates) of the probe for a wall of ``-inf`` likelihood
#: next to a compressed climb's optimum (:func:`_against_a_wall`); a simplex follows
#: such a wall where Newton steps stall on it.
WALL_STEP = 1e-3
#: A fit this many log-units per row below the histogram's own likelihood is far
#: from the data (:attr:`FitData.misfit_loglik`).
MISFIT_PER_ROW = 1.0
#: Log-likelihood change from integrating the compressed terms next to a kink
#: above which a large column's kinked family is climbed on them.
KINK_MATTERS = 10.0
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
    exact: ExactValues | None = None  # every finite value, when the column is small
    compressed: ExactValues | None = None  # the same, compressed (many distinct values)
    raw_values: np.ndarray | None = None  # exact.values in data units: x = center + spread·z
    center: float = 0.0
    spread: float = 1.0
    #: a large column's smallest and largest fitted value, in data units
    raw_extremes: np.ndarray | None = None
    #: the coarse binned log-likelihood below which a fit is far from the data
    #: (:data:`MISFIT_PER_ROW` under the histogram's own): its optimiser may need
    #: the Hessian where Gauss–Newton stalls (:func:`.optimiser.maximise`)
    misfit_loglik: float = -math.inf

    @property
    def min_gap(self) -> float:
        """Closest a one-sided support bound may come to the data's extreme, on the
        exact likelihood: a small fraction of the gap between the two smallest
        distinct values (the binned likelihood has its end terms instead)."""
        if self.exact is None:
            # A large column's bound keeps the same share of its end bins away.
            if self.compressed is None or self.edges.size < 3:
                return 0.0
            return MIN_GAP_SHARE * float(min(self.edges[1] - self.edges[0],
                                             self.edges[-1] - self.edges[-2]))  # fmt: skip
        if self.exact.values.size < 2:
            return 0.0
        v = self.exact.values
        return MIN_GAP_SHARE * float(min(v[1] - v[0], v[-1] - v[-2]))

    @property
    def exact_everywhere(self) -> bool:
        """Whether every stage can use the exact terms (few distinct values)."""
        return self.exact is not None and self.exact.values.size <= EXACT_EVERYWHERE


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
    vmax: float, values: np.ndarray | None = None, raw_values: np.ndarray | None = None,
    center: float = 0.0, spread: float = 1.0, bin_moments: np.ndarray | None = None,
    raw_extremes: tuple[float, float] | None = None,
) -> FitData:
    """Pre-compute what every distribution's fit of this column shares.

    ``values``, every finite value of a small column (in the same standardised
    units as ``sample``), makes the fit maximise and report the exact likelihood;
    ``raw_values`` are the same values in data units (``center + spread·z``), on
    which the reported log-likelihood is evaluated through scipy's public API.
    ``bin_moments`` (the power sums per bin of :func:`.grid.count_with_moments`)
    give a column too large to gather its compressed exact terms; its
    ``raw_extremes`` (smallest and largest value in data units) are where its
    fitted density must be finite in data units.
    """
    exact = raw = compressed = None
    if values is not None:
        raw_values = values if raw_values is None else np.asarray(raw_values, dtype=float)
        distinct, first, repeats = np.unique(np.asarray(values, dtype=float), return_index=True,
                                             return_counts=True)  # fmt: skip
        exact = ExactValues.from_counts(distinct, repeats, SPIKE_SHARE)
        raw = raw_values[first]  # the raw value of each distinct standardised one
        if distinct.size > EXACT_EVERYWHERE:
            compressed = exact.compressed(COMPRESSED_WIDTH)
    edges = layout.edges
    counts = np.asarray(counts, dtype=np.int64)
    if exact is None and bin_moments is not None:
        compressed = ExactValues.from_bin_moments(edges, counts, np.asarray(bin_moments),
                                                  SPIKE_SHARE)  # fmt: skip
    n_obs = int(counts.sum())
    median = float(np.median(sample)) if sample.size else float(edges[len(edges) // 2])
    split = int(np.clip(np.searchsorted(edges, median), 1, len(edges) - 1))
    # Merge core bins in proportion to their number (a heavy-tailed column's core has
    # more), so the SSE and the optimiser's coarse grid keep their sizes.
    per_512 = max(1, layout.n_core // 512)
    keep = _group_edges(layout, SSE_GROUP * per_512)
    sse_edges = edges[keep]
    sse_counts = np.add.reduceat(counts, keep[:-1])
    sse_density = sse_counts / (n_obs * np.diff(sse_edges))
    sse_split = int(np.clip(np.searchsorted(sse_edges, median), 1, len(sse_edges) - 1))
    coarse_keep = _group_edges(layout, COARSE_GROUP * per_512)
    coarse_edges = edges[coarse_keep]
    coarse_counts = np.add.reduceat(counts, coarse_keep[:-1])
    used = coarse_counts > 0
    histogram_loglik = float(np.dot(coarse_counts[used], np.log(
        coarse_counts[used] / max(n_obs, 1) / np.diff(coarse_edges)[used])))  # fmt: skip
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
        exact=exact,
        compressed=compressed,
        raw_values=raw,
        center=float(center),
        spread=float(spread),
        raw_extremes=None if raw_extremes is None or exact is not None
        else np.asarray(raw_extremes, dtype=float),
        misfit_loglik=histogram_loglik - MISFIT_PER_ROW * n_obs,
    )


def _tolerance(n_obs: int) -> float:
    """Log-likelihood gain below which a step counts as converged (1e-7 per row)."""
    return max(1e-7 * n_obs, 1e-4)


def _widenings(dist, start: np.ndarray, data: FitData):
    """``start`` with its scale, and loc's distance from the sample's median, multiplied
    by growing factors (each made feasible)."""
    centre = float(np.median(data.sample))
    *shapes, loc, scale = start
    for factor in (2.0, 4.0, 8.0, 16.0, 64.0, 256.0, 1e3, 1e4, 1e5, 1e6):
        wide = np.array([*shapes, centre + (loc - centre) * factor, scale * factor])
        yield feasible(dist, wide, data.vmin, data.vmax)


def _rescue(dist, start: np.ndarray, model: Model, data: FitData) -> np.ndarray:
    """Widen a start whose likelihood is ``-inf`` (data far in a light tail) until finite."""
    if np.isfinite(model.loglik(start)):
        return start
    for wide in _widenings(dist, start, data):
        if np.isfinite(model.loglik(wide)):
            return wide
    return start


def _widest_hope(dist, start: np.ndarray, model: Model, data: FitData) -> np.ndarray | None:
    """The best widening of a start far below the histogram's own likelihood, if it
    does better: a light tail (gompertz's double exponential) on a column spanning
    decades gives the largest rows log-densities of −1e90, which local steps reduce
    by a few orders of magnitude at a time; a scale as wide as the data's range
    starts where they can finish."""
    value = model.loglik(start)
    if not value < data.misfit_loglik:
        return None
    best, best_value = None, value
    for wide in _widenings(dist, start, data):
        if (wide_value := model.loglik(wide)) > best_value:
            best, best_value = wide, wide_value
    return best


def _models(name: str, dist, data: FitData) -> tuple[Model, Model, Model | None]:
    """The coarse and fine models the stages run on, and the exact one if any.

    A column with few distinct values runs every stage on its exact terms; a
    larger small column starts binned and finishes exact; a large one is binned.
    """
    quadrature = name in PDF_QUADRATURE
    exact = None if data.exact is None else Model.exact(dist, data.exact, data.vmin, data.vmax)
    if data.exact_everywhere:
        return exact, exact, exact
    coarse = Model.binned(dist, data.coarse, data.vmin, data.vmax, quadrature)
    if exact is not None:  # the compressed polish replaces the fine one
        return coarse, coarse, exact
    fine = Model.binned(dist, data.fine, data.vmin, data.vmax, quadrature)
    return coarse, fine, exact


def _optimise(name: str, dist, data: FitData) -> tuple[np.ndarray, float, Model]:
    """Best parameters over the starts, their reported log-likelihood and its model.

    Candidates are compared by the final model's objective: the exact likelihood
    when the column is small, otherwise the binned likelihood plus the end terms
    of :class:`.likelihood.Grid`.
    """
    coarse, fine, exact = _models(name, dist, data)
    # The candidates compete on the exact likelihood when every stage ran on it, on
    # the compressed exact one on a larger gathered column, otherwise on the binned
    # one (a gathered column's leaders are polished exactly afterwards).
    gathered = exact is not None and data.compressed is not None
    final = (exact if data.exact_everywhere
             else Model.exact(dist, data.compressed, data.vmin, data.vmax) if gathered else fine)
    ftol = _tolerance(data.n_obs)
    # No wall-clock stop: a fit must not depend on how loaded the machine is (results
    # are identical across runs and partitionings); the step caps bound the work and
    # the per-task timeout is the safety net.
    bounds = shape_bounds(name)
    candidates = [_rescue(dist, start, coarse, data)
                  for start in start_points(name, dist, data.sample, data.vmin, data.vmax)]
    if has_own_ppf(dist) or data.exact_everywhere:  # a numerical ppf is affordable there
        candidates += screen_points(dist, data.sample, data.vmin, data.vmax, bounds)
    screened = sorted(((coarse.loglik(c), i, c) for i, c in enumerate(candidates)),
                      key=lambda item: (-item[0], item[1]))  # fmt: skip
    # A small column is cheap to evaluate: more starts are refined, since a local
    # optimiser ends in its start's basin (genextreme's shape on either side of 0).
    keep, refine = (EXACT_SCREEN_KEEP, EXACT_REFINE) if data.exact_everywhere else (SCREEN_KEEP, 1)
    screened = [item for item in screened if np.isfinite(item[0])][:keep]
    if len(screened) > 1:
        # A few steps from each of the best screened points, then the best of those.
        improved = []
        for value, i, point in screened:
            coords = Coordinates(dist, point, data.vmin, data.vmax, None, bounds, data.min_gap,
                                 exact_bounds=data.exact_everywhere)  # fmt: skip
            theta, value, _ = maximise(coarse, coords, coords.from_params(point),
                                       max_iter=SCREEN_STEPS, ftol=ftol)  # fmt: skip
            improved.append((value, i, coords.to_params(theta)))
        screened = sorted(improved, key=lambda item: (-item[0], item[1]))[:refine]
    if data.exact_everywhere:
        # Starts in basins that the best-scored points miss: the regular optimum of a
        # likelihood with a ridge to a limit, and a cusp on the densest data.
        for extra in (neutral_point(dist, data.sample, data.vmin, data.vmax, bounds),
                      cusp_point(name, data.sample),
                      limit_point(name, dist, data.sample, data.vmin, data.vmax)):  # fmt: skip
            if extra is not None and np.isfinite(value := coarse.loglik(extra)):
                screened.append((value, len(candidates) + len(screened), extra))
    scored: list[tuple[float, int, np.ndarray]] = []
    guarded = data.probes if fine.uses_cdf else None
    for _, _, start in screened:
        scored.append((final.loglik(start), len(scored), start))
        params = _refine(dist, start, coarse, fine, data, bounds, ftol, None)
        if guarded is not None and not fine.numerics_ok(params, data.probes):
            # Climbed where scipy's CDF is wrong: again, checking every step this time.
            params = _refine(dist, start, coarse, fine, data, bounds, ftol, guarded)
        scored.append((final.loglik(params), len(scored), params))
        moved = _off_the_bound(dist, params, data)
        if moved is not None:
            # A support bound that ended on an extreme observation can be a local
            # optimum of its own (weibull_min with c > 1): try again one step away.
            coords = Coordinates(dist, moved, data.vmin, data.vmax,
                                 Coordinates.support_mode(dist, moved), bounds,
                                 data.min_gap, exact_bounds=data.exact_everywhere)  # fmt: skip
            theta, _, _ = maximise(coarse, coords, coords.from_params(moved),
                                   max_iter=COARSE_STEPS, ftol=ftol)  # fmt: skip
            theta, value, _ = maximise(final, coords, theta, ftol=ftol, max_iter=POLISH_STEPS)
            scored.append((value, len(scored), coords.to_params(theta)))
    if not scored:
        raise ValueError("no feasible starting point")
    trusted = [item for item in scored
               if not final.uses_cdf or final.numerics_ok(item[2], data.probes)]  # fmt: skip
    if not trusted:
        raise ValueError("scipy's cdf, sf and pdf of this family disagree at the fitted "
                         "parameters; its likelihood cannot be trusted there")
    _, _, params = max(trusted, key=lambda item: (item[0], item[1]))
    if data.exact_everywhere:  # one simplex finish, from the best refined start
        params = _polish_exact(dist, params, fine, exact, data, bounds, ftol)
    elif data.compressed is not None:
        # A large or gathered column: the binned optimum stands where the binned
        # likelihood agrees with the compressed one; where it does not, the family
        # is far from the data (its extreme rows many scales out) and is climbed on
        # them. Either way the compressed likelihood, the closer one, is reported (a
        # gathered column's leaders are then polished on every value).
        compressed = final if gathered else Model.exact(dist, data.compressed, data.vmin,
                                                        data.vmax)  # fmt: skip
        agree = (abs(fine.reported_loglik(params) - compressed.loglik(params))
                 <= min(BINNED_AGREEMENT * data.n_obs, AGREEMENT_CAP))  # fmt: skip
        stuck = _at_an_edge(params, bounds)
        kinked = name in KINKS and _kink_matters(dist, params, data, compressed)
        if gathered or not agree or stuck or name in TWO_BASINS or kinked:
            params = _polish_compressed(name, dist, params, data, bounds, ftol,
                                        other_basins_only=agree and not (stuck or kinked))
        final = compressed
    return params, final.reported_loglik(params), final


def _kink_matters(dist, params: np.ndarray, data: FitData, compressed: Model) -> bool:
    """Whether the compressed terms' integration next to the family's kink
    (:mod:`.kinks`) changes the log-likelihood at ``params`` by more than
    :data:`KINK_MATTERS`: the fitted scale is then as narrow as a group of values,
    the binned likelihood blurs the kink too, and its optimum is not the exact one
    (gennorm on 1M log-logistic rows: 350 log-units short)."""
    plain = Model.exact(dist, replace(data.compressed, groups=None), data.vmin, data.vmax)
    return not abs(compressed.loglik(params) - plain.loglik(params)) <= KINK_MATTERS


def _at_an_edge(params: np.ndarray, bounds: list[tuple[float, float]]) -> bool:
    """Whether a shape ended at a finite, nonzero edge of its domain (skewcauchy's
    a = ±1, where a tail becomes a one-sided support that the binned end terms
    resolve poorly: on 1M lognormal rows its scale stayed at three times the
    optimum's, 2e5 log-units below scipy's fit). A shape heading to 0 is not: that
    is a limit family (normal, exponential) that the binned fit resolves, and on 1M
    normal rows climbing those cost 0.14 s of CPU for gains below 0.05."""
    for value, (lo, hi) in zip(params[:-2], bounds, strict=True):
        for edge in (lo, hi):
            if edge != 0 and np.isfinite(edge) and abs(value - edge) <= EDGE_NEAR * abs(edge):
                return True
    return False


def _polish_compressed(name: str, dist, params: np.ndarray, data: FitData, bounds,
                       ftol: float, other_basins_only: bool = False) -> np.ndarray:  # fmt: skip
    """The binned optimum taken towards the exact one on the compressed values.

    The binned likelihood resolves a family that fits the data; one that does not
    (a normal on Pareto data) can sit where the exact likelihood is absurd, its
    extreme observations many scales out. The compressed terms keep every tail
    value, so Newton steps on them (the Hessian, not Gauss–Newton's curvature,
    which a family far from the data inflates) reach the exact optimum's
    neighbourhood for every candidate at a small share of the cost. The neutral,
    cusp and limit starts of a small column's fit are climbed too (the binned search
    keeps one basin, and burr12's on its own data can be the wrong one); the best
    goes on in plain coordinates (loc, log scale, log or asinh shapes), which
    follow a shape to a limit and a support bound that rests on the minimum
    (skewcauchy's a → 1), and a simplex follows a wall of underflow next to the
    optimum (:func:`_against_a_wall`). A family with two basins (:data:`TWO_BASINS`)
    takes its neutral start to the binned optimum of the regular basin first. With
    ``other_basins_only`` (a column whose binned optimum the compressed likelihood
    confirms), a large column climbs only the neutral start, kept where it wins; a
    gathered one climbs only its own optimum, then the plain finish (the other
    starts cost 12% of a 100k-row fit and changed no pair of the 100k suite).
    """
    model = Model.exact(dist, data.compressed, data.vmin, data.vmax)
    best, value = params, model.loglik(params)

    def climb(start: np.ndarray | None) -> None:
        nonlocal best, value
        if start is None or not np.isfinite(model.loglik(start := _rescue(dist, start, model,
                                                                          data))):  # fmt: skip
            return
        own = Coordinates(dist, start, data.vmin, data.vmax,
                          Coordinates.modes(dist, start)[-1], bounds, data.min_gap,
                          exact_bounds=True)  # fmt: skip
        theta, moved, _ = maximise(model, own, own.from_params(start), max_iter=EXACT_STEPS,
                                   ftol=ftol, hessian=True)  # fmt: skip
        if (moved > value or not np.isfinite(value)) and trusted(own.to_params(theta)):
            best, value = own.to_params(theta), moved

    def trusted(candidate: np.ndarray) -> bool:
        return model.densities_agree(candidate, data.probes)

    neutral = neutral_point(dist, data.sample, data.vmin, data.vmax, bounds)
    if name in TWO_BASINS and neutral is not None:
        # Gauss–Newton on the binned terms, quantile coordinates first, keeps the
        # neutral start in the regular basin (burr on 1M Burr XII rows: d = 0.72);
        # Newton steps in gap coordinates from it ran up the ridge (d → 1e4).
        binned = Model.binned(dist, data.coarse, data.vmin, data.vmax, name in PDF_QUADRATURE)
        neutral = _refine(dist, neutral, binned, binned, data, bounds, ftol, None)
    if other_basins_only and data.exact is not None:
        climb(params)  # a gathered column: its own basin only, then the plain finish
    elif other_basins_only:
        climb(neutral)
        if best is params:
            return params
    else:
        climb(params)
        climb(neutral)
        for start in (params, neutral):
            if start is not None:
                climb(_widest_hope(dist, start, model, data))
        climb(cusp_point(name, data.sample))
        climb(limit_point(name, dist, data.sample, data.vmin, data.vmax))
    if not np.isfinite(value):
        return params
    plain = Coordinates(dist, best, data.vmin, data.vmax, "free", bounds, data.min_gap,
                        shape_log_cap=RAW_SHAPE_LOG_CAP, asinh_shapes=True,
                        exact_bounds=True)  # fmt: skip
    theta, moved, _ = maximise(model, plain, plain.from_params(best), max_iter=EXACT_STEPS,
                               ftol=ftol, hessian=True)  # fmt: skip
    theta, moved = _push_to_limits(model, plain, theta, moved, ftol)
    if _against_a_wall(model, plain, theta):
        theta, moved = _simplex_finish(model, plain, theta, moved)
    if moved > value and trusted(plain.to_params(theta)):
        best, value = plain.to_params(theta), moved
    if name in GUMBEL_RIDGES and best[0] >= GUMBEL_NEAR / 10:
        # Far along the ridge to the Gumbel limit: a simplex where it is straight.
        ridge = GumbelRidge(name)
        theta, moved = _simplex_finish(model, ridge, ridge.from_params(best), value)
        if moved > value and trusted(ridge.to_params(theta)):
            best = ridge.to_params(theta)
    return best


def _against_a_wall(model: Model, coords: Coordinates, theta: np.ndarray) -> bool:
    """Whether a small step in some coordinate makes the likelihood ``-inf`` with the
    data inside the support: scipy's log-density underflowing far out in a light
    tail (hypsecant's ``cosh`` past z ≈ 710, moyal's ``exp(−z)``). The optimum
    then lies on that wall, which Newton steps cannot follow: they aim through it."""
    for j in range(theta.size):
        for step in (WALL_STEP, -WALL_STEP):
            trial = theta.copy()
            trial[j] += step * max(1.0, abs(theta[j]))
            params = coords.to_params(trial)
            if model.support_ok(params)[0] and not np.isfinite(model.loglik(params)):
                return True
    return False


def _polish_exact(dist, params: np.ndarray, fine: Model, exact: Model | None, data: FitData,
                  bounds, ftol: float) -> np.ndarray:  # fmt: skip
    """The exact likelihood's optimum near the refined parameters (small columns only).

    After binned stages, Levenberg–Marquardt steps on the exact terms. On a column
    with few distinct values, where an evaluation costs microseconds, a
    Nelder–Mead finish follows: the Gauss–Newton curvature of a few hundred
    exact terms is a noisy Hessian, and a ridge (genextreme's shape near 0) can
    leave it 1e-3 short of the optimum that scipy's own ``fit`` reaches. Then
    :func:`_plain_finish` and, for a bounded family, :func:`_quantile_climb`.
    """
    if exact is None:
        return params
    coords = Coordinates(dist, params, data.vmin, data.vmax,
                         Coordinates.modes(dist, params)[-1], bounds, data.min_gap,
                         exact_bounds=True)  # fmt: skip
    theta, value = coords.from_params(params), exact.loglik(params)
    if exact is not fine:
        theta, value, _ = maximise(exact, coords, theta, max_iter=EXACT_STEPS, ftol=ftol)
    polished = coords.to_params(theta)
    if data.exact_everywhere and np.isfinite(value):
        theta, value = _simplex_finish(exact, coords, theta, value)
        polished = coords.to_params(theta)
        polished, value = _plain_finish(dist, polished, value, exact, data, bounds, ftol)
        polished, value = _quantile_climb(dist, polished, value, exact, data, bounds, ftol)
    return polished if value >= exact.loglik(params) else params


def _kept(dist, candidate: np.ndarray, moved: float, params: np.ndarray, value: float,
          data: FitData) -> tuple[np.ndarray, float]:  # fmt: skip
    """``candidate`` if it improves on ``value`` and stays finite in data units."""
    if moved > value and np.isfinite(_exact_in_data_units(dist, candidate, data)[1]):
        return candidate, moved
    return params, value


def _plain_finish(dist, params: np.ndarray, value: float, exact: Model, data: FitData, bounds,
                  ftol: float) -> tuple[np.ndarray, float]:  # fmt: skip
    """A second simplex in plain coordinates, then shapes followed to their limits.

    The first finish works in the coordinates where the likelihood's ridges are
    straight; near a limit family those coordinates saturate (a ppf that
    underflows, a shape at its cap) and the optimum lies beyond them.
    """
    plain = Coordinates(dist, params, data.vmin, data.vmax, "free", bounds, data.min_gap,
                        shape_log_cap=RAW_SHAPE_LOG_CAP, asinh_shapes=True,
                        exact_bounds=True)  # fmt: skip
    theta, moved = _simplex_finish(exact, plain, plain.from_params(params), value)
    theta, moved = _push_to_limits(exact, plain, theta, moved, ftol)
    return _kept(dist, plain.to_params(theta), moved, params, value, data)


def _quantile_climb(dist, params: np.ndarray, value: float, exact: Model, data: FitData,
                    bounds, ftol: float) -> tuple[np.ndarray, float]:  # fmt: skip
    """A bounded family whose optimum lies far along a ridge (nakagami's loc → −∞
    towards a normal), finished in gap coordinates: quantile coordinates follow the
    ridge straight."""
    modes = Coordinates.modes(dist, params)
    if not (modes[0] == "quantile" and modes[-1] != "quantile"):
        return params, value
    along = Coordinates(dist, params, data.vmin, data.vmax, "quantile", bounds, data.min_gap,
                        exact_bounds=True)  # fmt: skip
    theta, moved, _ = maximise(exact, along, along.from_params(params), max_iter=COARSE_STEPS,
                               ftol=ftol)  # fmt: skip
    return _kept(dist, along.to_params(theta), moved, params, value, data)


def _push_to_limits(model: Model, coords: Coordinates, theta: np.ndarray, value: float,
                    ftol: float) -> tuple[np.ndarray, float]:  # fmt: skip
    """Follow a shape that ended far towards a bound of its domain on to the limit."""
    for i, (lo, hi) in enumerate(coords.kinds):
        if abs(theta[i]) < LIMIT_SIGNAL or not (np.isfinite(lo) or np.isfinite(hi)
                                                   or coords.asinh_shapes):
            continue
        direction, step = math.copysign(1.0, theta[i]), LIMIT_STEP
        while True:
            trial = theta.copy()
            trial[i] = theta[i] + direction * step
            if not (np.isfinite(lo) and np.isfinite(hi)) and abs(trial[i]) > coords.shape_log_cap:
                trial[i] = direction * coords.shape_log_cap
                if trial[i] == theta[i]:
                    break
            moved, moved_value, _ = maximise(model, coords, trial, max_iter=LIMIT_STEPS,
                                             ftol=ftol, fixed=(i,))  # fmt: skip
            if not moved_value > value + ftol:
                break
            theta, value, step = moved, moved_value, 2 * step
    return theta, value


def _simplex_finish(model: Model, coords: Coordinates | GumbelRidge, theta: np.ndarray,
                    value: float) -> tuple[np.ndarray, float]:  # fmt: skip
    """Nelder–Mead on the negative log-likelihood from a nearby start."""
    def objective(t: np.ndarray) -> float:
        f = model.loglik(coords.to_params(t))
        return -f if np.isfinite(f) else np.inf

    simplex = np.vstack([theta, theta + SIMPLEX_STEP * np.eye(theta.size)])
    result = optimize.minimize(objective, theta, method="Nelder-Mead", options={
        "initial_simplex": simplex, "xatol": 1e-9, "fatol": 1e-9,
        "maxfev": SIMPLEX_EVALS_PER_PARAM * theta.size, "adaptive": theta.size > 2})  # fmt: skip
    if np.isfinite(result.fun) and -result.fun > value:
        return np.asarray(result.x, dtype=float), float(-result.fun)
    return theta, value


def to_data_params(params: np.ndarray, center: float, spread: float) -> np.ndarray:
    """Parameters fitted on ``z = (x − center) / spread`` in the data's units."""
    out = np.array(params, dtype=float)
    with np.errstate(over="ignore"):
        out[-2] = center + spread * out[-2]
        out[-1] = spread * out[-1]
    return out


#: Relative nudges tried when rounding in the conversion to data units leaves an
#: extreme observation just outside the support, each with a floor of so many units
#: in the last place of the data (a column shifted to 1e12 has ulps of 1e-4 there,
#: far above a relative nudge of the standardised parameters).
_NUDGES = ((0.0, 0.0), (1e-15, 2.0), (1e-13, 8.0), (1e-11, 64.0))
#: Relative widenings of the scale tried when a row's density underflows to zero in
#: data units although the data lie inside the support.
_WALL_WIDENINGS = (1e-12, 1e-10, 1e-8, 1e-6)


def _data_loglik(dist, params: np.ndarray, raw_values: np.ndarray,
                 weights: np.ndarray) -> float:  # fmt: skip
    """``Σ n_i log f(x_i)`` of sorted ``raw_values`` at data-unit ``params``, as scipy's
    public ``logpdf`` gives it: the adapter's kernel (the same formulas, without the
    per-call checks) inside the support, ``-inf`` outside it."""
    family = family_of(dist)
    *shapes, loc, scale = (float(v) for v in params)
    if not (scale > 0 and np.isfinite(loc) and family.argcheck(*shapes)):
        return -np.inf
    a, b = family.support(*shapes)
    z = (raw_values - loc) / scale
    if z[0] < a or z[-1] > b:
        return -np.inf
    with np.errstate(all="ignore"):
        logpdf = family.logpdf(z, *shapes)
    return float(np.dot(weights, logpdf)) - float(np.sum(weights)) * math.log(scale)


def _exact_in_data_units(dist, params: np.ndarray, data: FitData) -> tuple[np.ndarray, float]:
    """The exact log-likelihood the user will check: scipy's public ``logpdf`` of the
    values in data units at the parameters in data units, returned on the
    standardised scale (the pipeline subtracts ``n·log(spread)`` again).

    A support bound fitted on an extreme observation can land a rounding error
    beyond it after conversion; the bound is then moved outward by a few units in
    the last place.
    """
    return _in_data_units(dist, params, data, data.raw_values, data.exact.weights)


def _extremes_in_data_units(dist, params: np.ndarray, data: FitData) -> tuple[np.ndarray, bool]:
    """A large column's parameters, nudged as :func:`_exact_in_data_units` does so
    that its two extreme values have a finite density in data units, and whether
    they do (a bound on the minimum is otherwise a rounding error from leaving an
    observation outside the support, or a spike on it, unseen by the binned terms)."""
    params, value = _in_data_units(dist, params, data, data.raw_extremes, np.ones(2))
    return params, bool(np.isfinite(value))


def _in_data_units(dist, params: np.ndarray, data: FitData, raw_values: np.ndarray,
                   weights: np.ndarray) -> tuple[np.ndarray, float]:  # fmt: skip
    """``params`` nudged off the data's extremes where needed, and the log-likelihood
    of ``raw_values`` (sorted, data units) with ``weights`` there, standardised."""
    *shapes, loc, scale = params
    lower, upper = (float(np.asarray(v)) for v in dist.support(*shapes))
    shift = float(np.sum(weights)) * np.log(data.spread)
    # One unit in the last place of the data's largest magnitude, in standardised units.
    magnitude = max(abs(raw_values[0]), abs(raw_values[-1]), abs(data.center))
    ulp = float(np.spacing(magnitude)) / data.spread
    value = -np.inf
    for nudge, ulps in _NUDGES:
        trial = np.array(params, dtype=float)
        if np.isfinite(lower) and np.isfinite(upper):
            # Both bounds move outward by nudge·(upper − lower)·scale, wherever the
            # support lies (truncnorm's [a, b] can sit far from 0).
            nudge = max(nudge, ulps * ulp / (scale * (upper - lower)))
            trial[-1] = scale * (1.0 + 2.0 * nudge)
            trial[-2] = loc - nudge * scale * (upper + lower)
        elif np.isfinite(lower):
            trial[-2] = loc - max(nudge * max(abs(loc), scale), ulps * ulp)
        elif np.isfinite(upper):
            trial[-2] = loc + max(nudge * max(abs(loc), scale), ulps * ulp)
        value = _data_loglik(dist, to_data_params(trial, data.center, data.spread), raw_values,
                             weights)  # fmt: skip
        if np.isfinite(value):
            return trial, value + shift
        if value == np.inf:
            # An infinite density on an observation (dweibull's loc on a data point
            # with c < 1) that rounding to data units hit exactly: step off it.
            for step in (1e-9, -1e-9):
                trial[-2] = loc + step * scale
                value = _data_loglik(dist, to_data_params(trial, data.center, data.spread),
                                     raw_values, weights)  # fmt: skip
                if np.isfinite(value):
                    return trial, value + shift
        if not (np.isfinite(lower) or np.isfinite(upper)):
            break
    if value == -np.inf:
        # A fit against a wall of underflow (moyal's exp(−z) past z ≈ −710, which the
        # optimum rests on) that rounding to data units left an extreme row beyond: a
        # slightly wider scale brings every row's z back towards loc.
        for widen in _WALL_WIDENINGS:
            trial = np.array(params, dtype=float)
            trial[-1] = scale * (1.0 + widen)
            value = _data_loglik(dist, to_data_params(trial, data.center, data.spread),
                                 raw_values, weights)  # fmt: skip
            if np.isfinite(value):
                return trial, value + shift
    return np.asarray(params, dtype=float), value


def _typical_step(data: FitData) -> float:
    """A step of the order of the data's resolution: a fine bin, or a typical gap
    between distinct exact values."""
    if data.exact is not None and data.exact.values.size > 1:
        return float(np.median(np.diff(data.exact.values)))
    return float(np.median(np.diff(data.fine.edges)))


def _off_the_bound(dist, params: np.ndarray, data: FitData) -> np.ndarray | None:
    """``params`` with a support bound that touches the data moved one step away, or None."""
    *shapes, loc, scale = params
    lower, upper = (float(np.asarray(v)) for v in dist.support(*shapes, loc=loc, scale=scale))
    width = _typical_step(data)
    if np.isfinite(lower) and not np.isfinite(upper) and data.vmin - lower < 0.01 * width:
        return np.array([*shapes, loc - width, scale])
    if np.isfinite(upper) and not np.isfinite(lower) and upper - data.vmax < 0.01 * width:
        return np.array([*shapes, loc + width, scale])
    return None


def _refine(dist, start, coarse, fine, data, bounds, ftol, probes) -> np.ndarray:
    """The coordinate phases on the coarse model, then the polish on the fine one."""
    params = start
    modes = Coordinates.modes(dist, start)
    for mode in modes:
        coords = Coordinates(dist, params, data.vmin, data.vmax, mode, bounds, data.min_gap,
                             exact_bounds=data.exact_everywhere)  # fmt: skip
        before_gaps = mode == "quantile" and len(modes) > 1
        steps = QUANTILE_STEPS if before_gaps else COARSE_STEPS
        theta, _, _ = maximise(coarse, coords, coords.from_params(params), max_iter=steps,
                               ftol=ftol, probes=probes, stop_at_bound=before_gaps,
                               hessian_below=-math.inf if data.exact_everywhere
                               else data.misfit_loglik)  # fmt: skip
        params = coords.to_params(theta)
    if fine is coarse:
        return params
    theta, _, _ = maximise(fine, coords, coords.from_params(params), max_iter=POLISH_STEPS,
                           ftol=ftol, probes=probes)  # fmt: skip
    return coords.to_params(theta)


def _fit_record(name: str, data: FitData, find) -> dict:
    """A scored record of ``find(dist) -> (params, loglik, model)``; failures are records."""
    started = time.perf_counter()
    names = param_names(name)
    record = new_record(data.column, name, len(names), data.n_obs)
    try:
        dist = get_distribution(name)
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            params, loglik, model = find(dist)
            if data.exact is not None:
                params, loglik = _exact_in_data_units(dist, params, data)
            elif data.raw_extremes is not None:
                params, finite = _extremes_in_data_units(dist, params, data)
                loglik = loglik if finite else -np.inf
            record["params"] = dict(zip(names, (float(v) for v in params), strict=True))
            if not np.isfinite(loglik):
                record["status"] = "failed"
                record["message"] = (
                    "the fitted distribution gives zero probability to some observed values"
                    if loglik < 0 else "the fitted density is infinite at an observed value "
                    "(a spike on it: the likelihood is unbounded there)"
                )
            else:
                record["loglik"] = loglik
                record["loglik_exact"] = data.exact is not None
                record["aic"], record["bic"] = metrics.information_criteria(
                    loglik, len(names), data.n_obs
                )
                record["ks_statistic"], record["ks_pvalue"], record["ad_statistic"] = (
                    metrics.ks_ad(model, params, data.sorted_sample)
                )
                record["sse"] = metrics.sse(
                    dist, params, data.sse_edges, data.sse_density, data.sse_split
                )
    except Exception as exc:  # one failed distribution must not fail the fit
        record["status"] = "failed"
        record["message"] = f"{type(exc).__name__}: {exc}"
    record["fit_seconds"] = time.perf_counter() - started
    return record


def fit_distribution(name: str, data: FitData) -> dict:
    """Fit ``name`` to ``data`` and score it; failures come back as a record too.

    On a column gathered whole, ``loglik``/``aic``/``bic`` are exact. With few
    distinct values every stage maximised the exact likelihood; otherwise the
    binned optimum is scored exactly here and :func:`polish_distribution` takes
    the column's leading candidates to the exact optimum.
    """
    return _fit_record(name, data, lambda dist: _optimise(name, dist, data))


def polish_distribution(name: str, data: FitData, params: list[float]) -> dict:
    """Re-fit ``name`` from ``params`` (standardised units) on the exact likelihood."""
    def find(dist):
        bounds = shape_bounds(name)
        start = np.asarray(params, dtype=float)
        exact = Model.exact(dist, data.exact, data.vmin, data.vmax)
        fine = Model.binned(dist, data.fine, data.vmin, data.vmax, name in PDF_QUADRATURE)
        best = _polish_exact(dist, start, fine, exact, data, bounds, _tolerance(data.n_obs))
        return best, exact.reported_loglik(best), exact

    if data.exact is None:
        raise ValueError("polish_distribution needs a column gathered whole")
    return _fit_record(name, data, find)


def fit_batch(names: list[str], data: FitData) -> list[dict]:
    """:func:`fit_distribution` for several names in one Ray task (each timed on its own)."""
    return [fit_distribution(name, data) for name in names]
