"""The binned likelihood of one distribution, made cheap to evaluate many times.

A fit evaluates the likelihood hundreds of times for the same distribution and the
same bin edges, so the per-call overhead of scipy's public ``cdf``/``sf`` (argument
checks, broadcasting, support masks: 30–80 µs) dominates for most families. Here one
call checks the shape arguments and the support once, standardises the edges and
calls the private ``_cdf``/``_sf`` directly; only if that gives a non-finite value
(an edge exactly on a support boundary, say) does it fall back to the public
functions for that call.

:func:`maximise` is a Levenberg–Marquardt (damped Fisher scoring) ascent of the
binned log-likelihood: the Jacobian of the bin probabilities by forward
differences gives the gradient and the Gauss–Newton curvature ``Jᵀ diag(n/p²) J``
at ``k + 1`` evaluations per step, which follows the long curved ridges of
shape/loc/scale (gamma or beta tending to a normal) in tens of evaluations where
Nelder–Mead needs hundreds.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np

__all__ = ["Coordinates", "Grid", "Model", "maximise"]


@dataclass(frozen=True)
class Grid:
    """Bin edges with counts; edges below ``edges[split]`` use the CDF, above it the SF."""

    edges: np.ndarray
    counts: np.ndarray
    split: int

    @property
    def used(self) -> np.ndarray:
        return self.counts > 0


_GL_NODES, _GL_WEIGHTS = np.polynomial.legendre.leggauss(5)


class Model:
    """One scipy distribution against one grid and the data's range ``[vmin, vmax]``."""

    def __init__(self, dist, grid: Grid, vmin: float, vmax: float,
                 quadrature: bool = False) -> None:  # fmt: skip
        self.dist = dist
        self.quadrature = quadrature
        self.grid = grid
        self.vmin = float(vmin)
        self.vmax = float(vmax)
        self.n_shapes = dist.numargs
        used = grid.counts > 0
        self._used = used
        self._n = grid.counts[used].astype(float)
        self._log_widths = np.log(np.diff(grid.edges))[used]
        self._mids = (0.5 * (grid.edges[:-1] + grid.edges[1:]))[used]
        self.n_obs = float(grid.counts.sum())
        self._support_key: tuple | None = None
        self._support_value = (False, 0.0, 0.0)
        # The bins spanning about one typical bin width at each end of the data.
        edges = grid.edges
        typical = float(np.median(np.diff(edges)))
        self._k_lo = max(1, int(np.searchsorted(edges - edges[0], typical)))
        self._k_hi = min(len(edges) - 2, int(np.searchsorted(edges, edges[-1] - typical)) - 1)
        self._k_hi = max(self._k_hi, self._k_lo)
        self._log_end_widths = np.log([edges[self._k_lo] - edges[0],
                                       edges[-1] - edges[self._k_hi]])  # fmt: skip
        # Weights of the extreme-point terms appended by ``log_probs``.
        self._n_ext = np.concatenate([self._n, [1.0, 1.0, 1.0, 1.0]])
        self._log_widths_ext = np.concatenate([self._log_widths, [0.0, 0.0, 0.0, 0.0]])

    def support_ok(self, params: np.ndarray) -> tuple[bool, float, float]:
        """Valid parameters whose support covers the data; and the support in z."""
        *shapes, loc, scale = params
        if not (scale > 0 and math.isfinite(loc) and math.isfinite(scale)):
            return False, 0.0, 0.0
        dist = self.dist
        if shapes:
            key = tuple(shapes)
            if key == self._support_key:
                valid, a, b = self._support_value
            else:
                valid = all(math.isfinite(s) for s in shapes) and bool(
                    np.all(dist._argcheck(*shapes)))
                a, b = dist._get_support(*shapes) if valid else (0.0, 0.0)
                a, b = float(np.asarray(a)), float(np.asarray(b))
                self._support_key, self._support_value = key, (valid, a, b)
            if not valid:
                return False, 0.0, 0.0
        else:
            a, b = float(dist.a), float(dist.b)
        ok = (self.vmin - loc) / scale >= a and (self.vmax - loc) / scale <= b
        return bool(ok), a, b

    def cdf_sf(self, params: np.ndarray, x: np.ndarray, split: int,
               support: tuple[float, float]) -> np.ndarray | None:  # fmt: skip
        """CDF at ``x[:split]`` and SF at ``x[split:]`` (``x`` inside the support)."""
        *shapes, loc, scale = params
        z = (x - loc) / scale
        np.clip(z, support[0], support[1], out=z)
        dist = self.dist
        out = np.empty_like(z)
        lo, hi = z[:split], z[split:]
        if lo.size:
            out[:split] = dist._cdf(lo, *(np.full(lo.size, s) for s in shapes))
        if hi.size:
            out[split:] = dist._sf(hi, *(np.full(hi.size, s) for s in shapes))
        if not np.all(np.isfinite(out)):
            out[:split] = dist.cdf(x[:split], *shapes, loc=loc, scale=scale)
            out[split:] = dist.sf(x[split:], *shapes, loc=loc, scale=scale)
            if not np.all(np.isfinite(out)):
                return None
        return out

    def probs(self, params: np.ndarray) -> np.ndarray | None:
        """Probabilities of all bins, or ``None`` when the parameters are infeasible."""
        ok, a, b = self.support_ok(params)
        if not ok:
            return None
        return self._probs(params, (a, b))

    def _probs(self, params: np.ndarray, support: tuple[float, float]) -> np.ndarray | None:
        if self.quadrature:
            return self._quadrature_probs(params, support)
        grid = self.grid
        values = self.cdf_sf(params, grid.edges, grid.split + 1, support)
        if values is None:
            return None
        s = grid.split
        low = values[: s + 1]
        high = values[s + 1 :]
        if not high.size:
            return np.diff(low)
        # Bin s straddles the switch: P = (1 - sf(e[s+1])) - cdf(e[s]).
        middle = (1.0 - high[0]) - low[-1]
        return np.concatenate([np.diff(low), [middle], -np.diff(high)])

    def _quadrature_probs(self, params: np.ndarray,
                          support: tuple[float, float]) -> np.ndarray | None:  # fmt: skip
        """Bin probabilities by 5-point Gauss–Legendre quadrature of the PDF.

        For families whose CDF is far slower than their PDF in part of the
        parameter space (``skewnorm``: numerical integration wherever the CDF is
        below 1e-6, 70 ms per evaluation at ``a`` = 5). Exact to ~1e-10 on the
        uniform core bins; only the wide outer bins, which hold a few counts, are
        less accurate.
        """
        *shapes, loc, scale = params
        edges = np.clip((self.grid.edges - loc) / scale, support[0], support[1])
        half = 0.5 * np.diff(edges)
        mid = 0.5 * (edges[1:] + edges[:-1])
        nodes = (mid[:, None] + half[:, None] * _GL_NODES[None, :]).ravel()
        k = nodes.size
        pdf = np.asarray(self.dist._pdf(nodes, *(np.full(k, sh) for sh in shapes)), dtype=float)
        if not np.all(np.isfinite(pdf)):
            return None
        return half * (pdf.reshape(-1, _GL_NODES.size) @ _GL_WEIGHTS)

    def log_probs(self, params: np.ndarray, extremes: bool = True) -> np.ndarray | None:
        """``log P_b`` of the bins with counts (then four end terms); ``None`` if infeasible.

        A far-tail bin whose CDF difference underflows (or cancels) to zero gets
        ``log f(midpoint) + log width`` instead, so a start that puts the data far
        in a light tail has a finite, improvable likelihood rather than ``-inf``.

        With ``extremes``, two terms follow, on each side where the support is
        bounded: ``log P(X < min)`` and ``log P(X > max)``, the end spacings of
        maximum-product-of-spacings estimation. Without them the maximum
        likelihood puts a support bound exactly on the sample's minimum or
        maximum (``truncnorm``, ``foldnorm``, ``truncexpon`` on data that has no
        bound), gaining n·F(x₍₁₎) ~ Exp(1) that AIC does not price. Two more
        compare the density at the minimum and maximum with the average density
        next to them, never rewarding: the histogram cannot see a density that
        vanishes at the extreme observation (a bound placed on the minimum of
        ``cosine`` or ``rice``, a wide tail bin at the maximum), which would make
        that observation's exact log-density ``-inf`` or nearly so. The reported
        likelihood leaves all four out.
        """
        ok, a, b = self.support_ok(params)
        if not ok:
            return None
        probs = self._probs(params, (a, b))
        if probs is None:
            return None
        p = probs[self._used]
        out = np.log(np.maximum(p, 0.0))
        bad = ~(p > 1e-290)
        *shapes, loc, scale = params
        if bad.any():
            z = np.clip((self._mids[bad] - loc) / scale, a, b)
            k = z.size
            logpdf = self.dist._logpdf(z, *(np.full(k, sh) for sh in shapes))
            out[bad] = logpdf - math.log(scale) + self._log_widths[bad]
            if not np.all(np.isfinite(out)):
                return None
        if not extremes:
            return out
        if not (np.isfinite(a) or np.isfinite(b)):
            # No support bound to sit on an extreme observation: the terms are zero.
            return np.concatenate([out, [0.0, 0.0, 0.0, 0.0]])
        z = np.clip((np.array([self.vmin, self.vmax]) - loc) / scale, a, b)
        args = [np.full(2, sh) for sh in shapes]
        terms = np.zeros(4)
        with np.errstate(divide="ignore", invalid="ignore"):
            # The end spacings of maximum-product-of-spacings estimation.
            if np.isfinite(a):
                terms[0] = np.log(float(np.asarray(self.dist._cdf(z, *args))[0]))
            if np.isfinite(b):
                terms[1] = np.log(float(np.asarray(self.dist._sf(z, *args))[1]))
            # The density at the extreme observations against the average density of
            # about one typical bin width next to them (never a reward).
            logf = np.asarray(self.dist._logpdf(z, *args), dtype=float) - math.log(scale)
            masses = [float(np.sum(probs[: self._k_lo])), float(np.sum(probs[self._k_hi :]))]
            average = np.log(masses) - self._log_end_widths
            terms[2:] = np.minimum(logf - average, 0.0)
        terms = np.where(np.isnan(terms), -700.0, np.maximum(terms, -700.0))
        return np.concatenate([out, terms])

    def numerics_ok(self, params: np.ndarray, probes: np.ndarray) -> bool:
        """Whether scipy's CDF, SF and PDF agree with each other at ``probes``.

        Some families' CDF formulas lose all accuracy in parts of the parameter
        space (``recipinvgauss`` with a tiny ``mu``: bin probabilities off by
        10 %). A likelihood built from CDF differences is then meaningless and an
        optimiser happily climbs into such regions, so every accepted step is
        checked: the central difference of the CDF must match the PDF to 1e-3
        and CDF + SF must be 1.
        """
        ok, a, b = self.support_ok(params)
        if not ok:
            return False
        *shapes, loc, scale = params
        z = np.clip((probes - loc) / scale, a, b)
        h = 1e-4 * max(float(np.ptp(z)), 1e-12)
        zz = np.clip(np.concatenate([z - h, z + h, z]), a, b)
        k = zz.size
        args = [np.full(k, sh) for sh in shapes]
        cdf = np.asarray(self.dist._cdf(zz, *args), dtype=float)
        sf = np.asarray(self.dist._sf(zz, *args), dtype=float)
        # exp(_logpdf): several families' _pdf overflows where their _logpdf is exact
        # (powernorm with a tiny c: 0 ** (c - 1)).
        pdf = np.exp(np.asarray(self.dist._logpdf(z, *(arg[: z.size] for arg in args)),
                                dtype=float))  # fmt: skip
        m = z.size
        lower = cdf[m : 2 * m] - cdf[:m]
        upper = sf[:m] - sf[m : 2 * m]
        diff = np.where(cdf[2 * m :] < 0.5, lower, upper) / (zz[m : 2 * m] - zz[:m])
        if not (np.all(np.isfinite(cdf)) and np.all(np.isfinite(sf))
                and np.all(np.isfinite(pdf))):
            return False
        # Relative to the larger of the local density and 5 % of the largest one, so a
        # cusp or a zero of the density at a probe (dgamma at loc) is not an alarm.
        reference = np.maximum(pdf, 0.05 * float(np.max(pdf)) + 1e-300)
        rel = np.abs(diff - pdf) / reference
        return bool(np.all(rel < 1e-3) and np.all(np.abs(cdf + sf - 1.0) < 1e-6))

    def loglik_from_log_probs(self, log_probs: np.ndarray | None) -> float:
        if log_probs is None:
            return -np.inf
        if log_probs.size == self._n.size:
            return float(np.dot(self._n, log_probs - self._log_widths))
        return float(np.dot(self._n_ext, log_probs - self._log_widths_ext))

    def loglik(self, params: np.ndarray) -> float:
        """The optimiser's objective: the binned log-likelihood plus the extreme terms."""
        return self.loglik_from_log_probs(self.log_probs(params))

    def binned_loglik(self, params: np.ndarray) -> float:
        """``Σ n_b log(P_b / w_b)``, the reported log-likelihood; ``-inf`` if infeasible."""
        return self.loglik_from_log_probs(self.log_probs(params, extremes=False))


#: Half-line shapes stay within e^±12 (6e-6 … 1.6e5) of their bound: a family tending
#: to a limit (gamma to a normal) is then within ~1e-6 per row of it, and scipy's
#: own formulas stay accurate (``f`` with ``dfd`` = 1e16 gives wrong log-densities).
SHAPE_LOG_CAP = 12.0


def _has_own_ppf(dist) -> bool:
    import scipy.stats as st

    return type(dist)._ppf is not st.rv_continuous._ppf


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
                 bounds: list[tuple[float, float]] | None = None) -> None:  # fmt: skip
        self.dist = dist
        self.n_shapes = dist.numargs
        if bounds is None:
            bounds = []
            for info in dist._shape_info():
                lo, hi = (float(v) for v in info.domain)
                lo = -np.inf if lo <= -1e300 else (0.0 if 0 < lo < 1e-300 else lo)
                hi = np.inf if hi >= 1e300 else hi
                bounds.append((lo, hi))
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
        a, b = dist._get_support(*shapes) if dist.numargs else (dist.a, dist.b)
        a, b = float(np.asarray(a)), float(np.asarray(b))
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
        if not _has_own_ppf(dist):
            return [support]
        return ["quantile"] if support == "free" else ["quantile", support]

    def _support(self, shapes) -> tuple[float, float]:
        if not self.n_shapes:
            return float(self.dist.a), float(self.dist.b)
        a, b = self.dist._get_support(*shapes)
        return float(np.asarray(a)), float(np.asarray(b))

    def _quartiles(self, shapes) -> np.ndarray:
        key = tuple(float(s) for s in shapes)
        if key != self._last_shapes:  # the Jacobian's loc/scale columns reuse them
            q = np.array([0.25, 0.5, 0.75])
            self._last_quartiles = np.asarray(
                self.dist._ppf(q, *(np.full(3, s) for s in shapes)), dtype=float)
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
            elif self.mode == "lower":
                scale = self.unit * _clamp_exp(t2)
                loc = self.vmin - scale * (a + _clamp_exp(t1))
            else:
                scale = self.unit * _clamp_exp(t2)
                loc = self.vmax - scale * (b - _clamp_exp(t1))
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


#: Largest step in any coordinate: a factor e² in a scale or a positive shape.
MAX_STEP = 2.0
#: Forward-difference step in the unbounded coordinates.
DIFF_STEP = 1e-6


def maximise(
    model: Model, coords: Coordinates, theta: np.ndarray, *, max_iter: int = 60,
    ftol: float = 1e-3, deadline: float = math.inf, probes: np.ndarray | None = None,
    stop_at_bound: bool = False,
) -> tuple[np.ndarray, float, int]:  # fmt: skip
    """Levenberg–Marquardt ascent of ``model.loglik`` over ``coords``.

    Works on ``r_b = log P_b``: the gradient is ``Jᵀ n`` and the Gauss–Newton
    curvature ``Jᵀ diag(n) J`` with ``J = ∂r/∂θ`` by forward differences, which
    stays finite for bins far in a tail. Stops when an undamped step gains less
    than ``ftol`` (log-likelihood units), when no damped step improves, after
    ``max_iter`` steps, or past ``deadline`` (``time.perf_counter()``). With
    ``probes``, a step is accepted only where :meth:`Model.numerics_ok`; with
    ``stop_at_bound``, it stops once three steps running were cut short by the
    support constraint. Returns
    the best coordinates, their log-likelihood and the number of evaluations.
    """
    n = model._n_ext
    theta = np.asarray(theta, dtype=float).copy()
    r0 = model.log_probs(coords.to_params(theta))
    f = model.loglik_from_log_probs(r0)
    evals = 1
    if not np.isfinite(f):
        return theta, f, evals
    k = theta.size
    lam = 1e-3
    small_steps = 0
    blocked = 0  # consecutive steps cut short by the support constraint
    trace = _TRACE
    for _ in range(max_iter):
        jac = np.empty((r0.size, k))
        for j in range(k):
            step = DIFF_STEP * max(1.0, abs(theta[j]))
            t = theta.copy()
            t[j] += step
            rj = model.log_probs(coords.to_params(t))
            evals += 1
            if rj is None:
                t[j] -= 2 * step
                rj = model.log_probs(coords.to_params(t))
                evals += 1
                step = -step
            jac[:, j] = 0.0 if rj is None else (rj - r0) / step
        grad = jac.T @ n
        hess = (jac * n[:, None]).T @ jac
        diag = np.diag(hess).copy()
        floor = 1e-12 * max(float(diag.max()), 1e-300)
        diag = np.maximum(diag, floor)
        improved = False
        while lam < 1e12:
            try:
                delta = np.linalg.solve(hess + lam * np.diag(diag), grad)
            except np.linalg.LinAlgError:
                lam *= 10.0
                continue
            if not np.all(np.isfinite(delta)):
                lam *= 10.0
                continue
            # Clip per coordinate: a flat direction (a gap tending to zero, a shape
            # running along a ridge) must not shrink the step in the others.
            np.clip(delta, -MAX_STEP, MAX_STEP, out=delta)
            halvings = 0
            while True:
                candidate = theta + delta
                r_new = model.log_probs(coords.to_params(candidate))
                evals += 1
                if r_new is not None or halvings == 12:
                    break
                delta *= 0.5  # outside the feasible region: shorten the step first
                halvings += 1
            blocked = blocked + 1 if halvings else 0
            f_new = model.loglik_from_log_probs(r_new)
            if trace:
                print(f"  lam={lam:.1e} f={f:.6f} f_new={f_new:.6f} delta={delta}")
            if f_new > f and (probes is None
                              or model.numerics_ok(coords.to_params(candidate), probes)):
                gain = f_new - f
                theta, f, r0 = candidate, f_new, r_new
                lam = max(lam / 5.0, 1e-9)
                improved = True
                break
            lam *= 6.0
        if not improved or time.perf_counter() > deadline:
            break
        if stop_at_bound and blocked >= 3:
            break  # pressing on a support bound: the gap coordinates do that better
        if gain < ftol:
            small_steps += 1
            if lam <= 1e-2 or small_steps >= 3:
                break
        else:
            small_steps = 0
    return theta, f, evals


_TRACE = bool(__import__("os").environ.get("BESTFIT_TRACE"))
