"""Unbounded coordinates for (shapes, loc, scale) in which the likelihood's ridges are straight.

The optimiser (:mod:`.optimiser`) works in these coordinates whatever the terms of
the likelihood are; they only know the family and the data's observed range.
"""

from __future__ import annotations

import math

import numpy as np

from .scipy_adapter import family_of

__all__ = ["GUMBEL_RIDGES", "SHAPE_LOG_CAP", "Coordinates", "GumbelRidge", "has_own_ppf"]

#: Half-line shapes stay within e^±12 (6e-6 … 1.6e5) of their bound: a family tending
#: to a limit (gamma to a normal) is then within ~1e-6 per row of it, and scipy's
#: own formulas stay accurate (``f`` with ``dfd`` = 1e16 gives wrong log-densities).
SHAPE_LOG_CAP = 12.0
#: Share of :attr:`Coordinates.min_gap` kept between the data and a support bound where
#: the density is finite (the regular optimum is the bound on the extreme value).
FINITE_BOUND_GAP = 1e-3


def has_own_ppf(dist) -> bool:
    """Whether the family has a closed-form (cheap) ppf, for quantile coordinates."""
    return family_of(dist).has_own_ppf


def _clamp_exp(t: float) -> float:
    return math.exp(min(max(t, -700.0), 700.0))


class Coordinates:
    """Unbounded coordinates for (shapes, loc, scale) in which ridges are straight.

    Shapes on a half-line are optimised as a log distance to the bound, shapes on
    an interval through a logit. ``loc`` and ``scale`` are replaced according to
    the support of the standardised distribution, ``[a, b]``:

    * unbounded, with a closed-form ppf: the median and log inter-quartile range
      in data units. A family tending to a limit (``loggamma`` or ``johnsonsu``
      to a normal) then moves along one axis instead of a curved valley where
      ``loc`` and ``scale`` run off to infinity together;
    * bounded below: ``log(z_min − a)`` (the data minimum's standardised
      distance above the support bound) and ``log scale``; above: the mirror;
    * bounded on both sides: the two standardised gaps as shares of ``b − a``
      (a softmax), the scale following from the data's range.

    Every point of the gap forms keeps the data inside the support, so an optimum
    on the boundary (``expon``'s ``loc`` at the minimum) is approached smoothly
    rather than by rejected steps.
    """

    def __init__(self, dist, start: np.ndarray, vmin: float, vmax: float,
                 mode: str | None = None,
                 bounds: list[tuple[float, float]] | None = None,
                 min_gap: float = 0.0, shape_log_cap: float = SHAPE_LOG_CAP,
                 asinh_shapes: bool = False, exact_bounds: bool = False) -> None:  # fmt: skip
        self.dist = dist
        self.shape_log_cap = float(shape_log_cap)
        self.asinh_shapes = asinh_shapes
        self.family = family_of(dist)
        # Closest a one-sided support bound may come to the data's extreme (data
        # units). Where the density is infinite at the bound (weibull_min, gamma
        # with a shape below 1) the exact likelihood grows without limit as the
        # bound meets the minimum; a floor keeps that spike finite and the
        # log-density at the extreme computable to full precision.
        self.min_gap = float(min_gap)
        # On exact terms, the gap shrinks where the density is finite at the bound and
        # holds in every coordinate system (:meth:`_gaps`); binned terms have end
        # terms of their own and keep the full gap in the gap coordinates only.
        self.exact_bounds = exact_bounds
        self.n_shapes = dist.numargs
        if bounds is None:
            bounds = family_of(dist).shape_domains()
        self.kinds = list(bounds)
        self.vmin, self.vmax = float(vmin), float(vmax)
        self.range = max(self.vmax - self.vmin, 1e-300)
        self._last_shapes: tuple | None = None
        self._support_key: tuple | None = None
        self._support_value = (-math.inf, math.inf)
        self._gap_key: tuple | None = None
        self._gap_value = (self.min_gap, self.min_gap)
        self._last_quartiles = np.empty(3)
        self.mode = mode or self.modes(dist, start)[0]
        self.loc0 = float(start[-2])
        self.unit = float(start[-1])
        if self.mode == "quantile":
            # Median and spread in data units: near a limit (scale ~ 1e6 × the data's
            # spread) a coordinate in units of the scale would be hopelessly coarse.
            z25, z50, z75 = self._quartiles(start[: self.n_shapes])
            if math.isfinite(z25) and math.isfinite(z50) and z75 > z25:
                self.loc0 = self.loc0 + self.unit * float(z50)
                self.unit = self.unit * float(z75 - z25)
            else:
                self.mode = self.support_mode(dist, start)

    @staticmethod
    def support_mode(dist, params: np.ndarray) -> str:
        """``both``, ``lower``, ``upper`` or ``free``: which support bounds are finite."""
        shapes = params[: dist.numargs]
        a, b = family_of(dist).support(*shapes)
        return ("both" if math.isfinite(a) and math.isfinite(b) else "lower" if math.isfinite(a)
                else "upper" if math.isfinite(b) else "free")  # fmt: skip

    @staticmethod
    def modes(dist, params: np.ndarray) -> list[str]:
        """Coordinate systems to optimise in, in turn.

        Quantile coordinates first when the family has a closed-form ppf (straight
        ridges); then, for a bounded support, the gap coordinates, which reach an
        optimum on the support boundary quickly.
        """
        support = Coordinates.support_mode(dist, params)
        if not has_own_ppf(dist):
            return [support]
        return ["quantile"] if support == "free" else ["quantile", support]

    def _support(self, shapes) -> tuple[float, float]:
        if not self.n_shapes:
            return float(self.dist.a), float(self.dist.b)
        key = tuple(float(s) for s in shapes)
        if key != self._support_key:  # to_params and the gaps ask for the same shapes
            self._support_key, self._support_value = key, self.family.support(*shapes)
        return self._support_value

    def _quartiles(self, shapes) -> np.ndarray:
        key = tuple(float(s) for s in shapes)
        if key != self._last_shapes:  # the Jacobian's loc/scale columns reuse them
            q = np.array([0.25, 0.5, 0.75])
            self._last_quartiles = np.asarray(
                self.family.ppf(q, *shapes), dtype=float)
            self._last_shapes = key
        return self._last_quartiles

    def _shapes(self, theta: np.ndarray) -> np.ndarray:
        out = np.empty(self.n_shapes)
        cap = self.shape_log_cap
        for i, (lo, hi) in enumerate(self.kinds):
            t = theta[i]
            if math.isfinite(lo) and math.isfinite(hi):
                out[i] = lo + (hi - lo) / (1.0 + math.exp(-min(max(t, -700.0), 700.0)))
            elif math.isfinite(lo):
                out[i] = lo + math.exp(min(max(t, -cap), cap))
            elif math.isfinite(hi):
                out[i] = hi - math.exp(min(max(t, -cap), cap))
            elif self.asinh_shapes:
                out[i] = math.sinh(min(max(t, -cap), cap))
            else:
                out[i] = t
        return out

    def to_params(self, theta: np.ndarray) -> np.ndarray:
        shapes = self._shapes(theta)
        t1, t2 = float(theta[-2]), float(theta[-1])
        if self.mode == "free":
            loc, scale = self.loc0 + t1 * self.unit, self.unit * _clamp_exp(t2)
            if self.min_gap > 0 and self.exact_bounds:
                loc = self._keep_gap(shapes, loc, scale)
        elif self.mode == "quantile":
            z25, z50, z75 = self._quartiles(shapes)
            scale = self.unit * _clamp_exp(t2) / (z75 - z25)
            loc = self.loc0 + t1 * self.unit - scale * z50
            if self.min_gap > 0 and self.exact_bounds:
                loc = self._keep_gap(shapes, loc, scale)
        else:
            a, b = self._support(shapes)
            if self.mode == "both":
                e1, e2 = _clamp_exp(t1), _clamp_exp(t2)
                total = 1.0 + e1 + e2
                width = (b - a) / total  # = (b - a)(1 - share_a - share_b)
                scale = self.range / width
                loc = self.vmin - scale * (a + (b - a) * e1 / total)
                lower, upper = loc + scale * a, loc + scale * b
                if self.min_gap > 0 and (lower > self.vmin - self.min_gap
                                         or upper < self.vmax + self.min_gap):
                    gap_a, gap_b = self._gaps(shapes, a, b)
                    lower = min(lower, self.vmin - gap_a)
                    upper = max(upper, self.vmax + gap_b)
                    scale = (upper - lower) / (b - a)
                    loc = lower - scale * a
            elif self.mode == "lower":
                scale = self.unit * _clamp_exp(t2)
                gap = scale * _clamp_exp(t1)
                if gap < self.min_gap:
                    gap = max(gap, self._gaps(shapes, a, b)[0])
                loc = self.vmin - scale * a - gap
            else:
                scale = self.unit * _clamp_exp(t2)
                gap = scale * _clamp_exp(t1)
                if gap < self.min_gap:
                    gap = max(gap, self._gaps(shapes, a, b)[1])
                loc = self.vmax - scale * b + gap
        return np.array([*shapes, loc, scale])

    def _keep_gap(self, shapes: np.ndarray, loc: float, scale: float) -> float:
        """``loc``, or NaN (an infeasible point the optimiser steps back from) when a
        finite support bound comes closer to the data than its gap (:meth:`_gaps`):
        coordinates that do not place the bounds themselves (free, quantile) must
        not let a density spike ride an extreme observation."""
        a, b = self._support(shapes)
        if math.isfinite(a) and loc + scale * a > self.vmin - self.min_gap:
            if loc + scale * a > self.vmin - self._gaps(shapes, a, b)[0]:
                return math.nan
        if math.isfinite(b) and loc + scale * b < self.vmax + self.min_gap:
            if loc + scale * b < self.vmax + self._gaps(shapes, a, b)[1]:
                return math.nan
        return loc

    def _gaps(self, shapes: np.ndarray, a: float, b: float) -> tuple[float, float]:
        """The closest the lower and upper support bounds may come to the data.

        :attr:`min_gap` where the density grows without limit towards the bound (a
        spike the likelihood would ride); a share :data:`FINITE_BOUND_GAP` of it
        where the density stays finite there (``uniform``, ``expon``), whose optimum
        is the bound on the extreme observation itself.
        """
        if not self.exact_bounds:
            return self.min_gap, self.min_gap
        key = tuple(float(v) for v in shapes)
        if key != self._gap_key:
            self._gap_key = key
            self._gap_value = tuple(
                self.min_gap * (1.0 if self._spikes(shapes, bound, inward)
                                else FINITE_BOUND_GAP)
                for bound, inward in ((a, 1.0), (b, -1.0)))  # fmt: skip
        return self._gap_value

    def _spikes(self, shapes: np.ndarray, bound: float, inward: float) -> bool:
        """Whether the standardised density rises by more than one log unit over the
        last four decades of distance to a finite support ``bound``."""
        if not math.isfinite(bound):
            return False
        unit = max(1.0, abs(bound))
        near, far = bound + inward * 1e-9 * unit, bound + inward * 1e-5 * unit
        with np.errstate(all="ignore"):
            lp_near, lp_far = np.asarray(self.family.logpdf(np.array([near, far]), *shapes),
                                         dtype=float)  # fmt: skip
        return not lp_near <= lp_far + 1.0

    def from_params(self, params: np.ndarray) -> np.ndarray:
        theta = np.empty(len(params))
        for i, (lo, hi) in enumerate(self.kinds):
            s = float(params[i])
            if math.isfinite(lo) and math.isfinite(hi):
                v = min(max((s - lo) / (hi - lo), 1e-9), 1 - 1e-9)
                theta[i] = math.log(v / (1.0 - v))
            elif math.isfinite(lo):
                theta[i] = math.log(max(s - lo, 1e-12 * max(1.0, abs(lo))))
            elif math.isfinite(hi):
                theta[i] = math.log(max(hi - s, 1e-12 * max(1.0, abs(hi))))
            elif self.asinh_shapes:
                theta[i] = math.asinh(s)
            else:
                theta[i] = s
        shapes = params[: self.n_shapes]
        loc, scale = float(params[-2]), float(params[-1])
        if self.mode == "free":
            theta[-2] = (loc - self.loc0) / self.unit
            theta[-1] = math.log(scale / self.unit)
            return theta
        if self.mode == "quantile":
            z25, z50, z75 = self._quartiles(shapes)
            theta[-2] = (loc + scale * z50 - self.loc0) / self.unit
            theta[-1] = math.log(scale * (z75 - z25) / self.unit)
            return theta
        a, b = self._support(shapes)
        zmin, zmax = (self.vmin - loc) / scale, (self.vmax - loc) / scale
        tiny = 1e-12
        if self.mode == "both":
            width = max(zmax - zmin, tiny)
            theta[-2] = math.log(max(zmin - a, tiny * (b - a)) / width)
            theta[-1] = math.log(max(b - zmax, tiny * (b - a)) / width)
        elif self.mode == "lower":
            theta[-2] = math.log(max(zmin - a, tiny))
            theta[-1] = math.log(scale / self.unit)
        else:
            theta[-2] = math.log(max(b - zmax, tiny))
            theta[-1] = math.log(scale / self.unit)
        return theta


#: Families with a Gumbel limit as ``c → ∞``, with the side their support's bound
#: lies on: weibull_max (bound above, ``loc = μ + scale``) tends to gumbel_r,
#: weibull_min (bound below, ``loc = μ − scale``) to gumbel_l.
GUMBEL_RIDGES = {"weibull_max": 1.0, "weibull_min": -1.0}


class GumbelRidge:
    """Coordinates ``(log c, μ, log β)`` with ``loc = μ ± scale`` and ``scale = c·β``,
    in which the ridge to the Gumbel limit is straight: ``c`` grows with the
    Gumbel's location ``μ`` and scale ``β`` held. In the ordinary coordinates,
    ``loc`` and ``scale`` must move together by the same amount 1e5 times their
    difference, which no local step does (:func:`.fit._polish_compressed`)."""

    def __init__(self, name: str) -> None:
        self.side = GUMBEL_RIDGES[name]

    def from_params(self, params: np.ndarray) -> np.ndarray:
        c, loc, scale = (float(v) for v in params)
        return np.array([math.log(c), loc - self.side * scale, math.log(scale / c)])

    def to_params(self, theta: np.ndarray) -> np.ndarray:
        c = math.exp(min(float(theta[0]), 700.0))
        scale = c * math.exp(min(float(theta[2]), 700.0))
        return np.array([c, float(theta[1]) + self.side * scale, scale])
