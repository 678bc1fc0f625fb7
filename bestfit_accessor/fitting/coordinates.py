"""Unbounded coordinates for (shapes, loc, scale) in which the likelihood's ridges are straight.

The optimiser (:mod:`.optimiser`) works in these coordinates whatever the terms of
the likelihood are; they only know the family and the data's observed range.
"""

from __future__ import annotations

import math

import numpy as np

from .scipy_adapter import family_of

__all__ = ["SHAPE_LOG_CAP", "Coordinates", "has_own_ppf"]

#: Half-line shapes stay within e^±12 (6e-6 … 1.6e5) of their bound: a family tending
#: to a limit (gamma to a normal) is then within ~1e-6 per row of it, and scipy's
#: own formulas stay accurate (``f`` with ``dfd`` = 1e16 gives wrong log-densities).
SHAPE_LOG_CAP = 12.0


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
                 min_gap: float = 0.0) -> None:  # fmt: skip
        self.dist = dist
        self.family = family_of(dist)
        # Closest a one-sided support bound may come to the data's extreme (data
        # units). Where the density is infinite at the bound (weibull_min, gamma
        # with a shape below 1) the exact likelihood grows without limit as the
        # bound meets the minimum; a floor keeps that spike finite and the
        # log-density at the extreme computable to full precision.
        self.min_gap = float(min_gap)
        self.n_shapes = dist.numargs
        if bounds is None:
            bounds = family_of(dist).shape_domains()
        self.kinds = list(bounds)
        self.vmin, self.vmax = float(vmin), float(vmax)
        self.range = max(self.vmax - self.vmin, 1e-300)
        self._last_shapes: tuple | None = None
        self._last_quartiles = np.empty(3)
        self.mode = mode or self.modes(dist, start)[0]
        self.loc0 = float(start[-2])
        self.unit = float(start[-1])
        if self.mode == "quantile":
            # Median and spread in data units: near a limit (scale ~ 1e6 × the data's
            # spread) a coordinate in units of the scale would be hopelessly coarse.
            z25, z50, z75 = self._quartiles(start[: self.n_shapes])
            if np.isfinite(z25) and np.isfinite(z50) and z75 > z25:
                self.loc0 = self.loc0 + self.unit * float(z50)
                self.unit = self.unit * float(z75 - z25)
            else:
                self.mode = self.support_mode(dist, start)

    @staticmethod
    def support_mode(dist, params: np.ndarray) -> str:
        """``both``, ``lower``, ``upper`` or ``free``: which support bounds are finite."""
        shapes = params[: dist.numargs]
        a, b = family_of(dist).support(*shapes)
        return ("both" if np.isfinite(a) and np.isfinite(b) else "lower" if np.isfinite(a)
                else "upper" if np.isfinite(b) else "free")  # fmt: skip

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
        return self.family.support(*shapes)

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
        for i, (lo, hi) in enumerate(self.kinds):
            t = theta[i]
            if np.isfinite(lo) and np.isfinite(hi):
                out[i] = lo + (hi - lo) / (1.0 + math.exp(-min(max(t, -700.0), 700.0)))
            elif np.isfinite(lo):
                out[i] = lo + math.exp(min(max(t, -SHAPE_LOG_CAP), SHAPE_LOG_CAP))
            elif np.isfinite(hi):
                out[i] = hi - math.exp(min(max(t, -SHAPE_LOG_CAP), SHAPE_LOG_CAP))
            else:
                out[i] = t
        return out

    def to_params(self, theta: np.ndarray) -> np.ndarray:
        shapes = self._shapes(theta)
        t1, t2 = float(theta[-2]), float(theta[-1])
        if self.mode == "free":
            loc, scale = self.loc0 + t1 * self.unit, self.unit * _clamp_exp(t2)
        elif self.mode == "quantile":
            z25, z50, z75 = self._quartiles(shapes)
            scale = self.unit * _clamp_exp(t2) / (z75 - z25)
            loc = self.loc0 + t1 * self.unit - scale * z50
        else:
            a, b = self._support(shapes)
            if self.mode == "both":
                e1, e2 = _clamp_exp(t1), _clamp_exp(t2)
                total = 1.0 + e1 + e2
                width = (b - a) / total  # = (b - a)(1 - share_a - share_b)
                scale = self.range / width
                loc = self.vmin - scale * (a + (b - a) * e1 / total)
                if self.min_gap > 0:
                    lower = min(loc + scale * a, self.vmin - self.min_gap)
                    upper = max(loc + scale * b, self.vmax + self.min_gap)
                    scale = (upper - lower) / (b - a)
                    loc = lower - scale * a
            elif self.mode == "lower":
                scale = self.unit * _clamp_exp(t2)
                loc = self.vmin - scale * a - max(scale * _clamp_exp(t1), self.min_gap)
            else:
                scale = self.unit * _clamp_exp(t2)
                loc = self.vmax - scale * b + max(scale * _clamp_exp(t1), self.min_gap)
        return np.array([*shapes, loc, scale])

    def from_params(self, params: np.ndarray) -> np.ndarray:
        theta = np.empty(len(params))
        for i, (lo, hi) in enumerate(self.kinds):
            s = float(params[i])
            if np.isfinite(lo) and np.isfinite(hi):
                v = min(max((s - lo) / (hi - lo), 1e-9), 1 - 1e-9)
                theta[i] = math.log(v / (1.0 - v))
            elif np.isfinite(lo):
                theta[i] = math.log(max(s - lo, 1e-12 * max(1.0, abs(lo))))
            elif np.isfinite(hi):
                theta[i] = math.log(max(hi - s, 1e-12 * max(1.0, abs(hi))))
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
