"""The likelihood of one family on one column, as weighted log-probability terms.

Every kind of data reaches the optimiser as a small, mergeable set of *terms*, each
a weight (a count) times the log-probability of an event (DESIGN.md, "likelihood
terms"). A :class:`Model` is one family against a list of term sets; it returns
the vector ``r`` of log-probabilities and the optimiser (:mod:`.optimiser`)
maximises ``Σ n_t (r_t − c_t)`` whatever the terms are. The kinds so far:

* :class:`ExactValues` — distinct exact values with their counts, ``log f(x)``:
  the likelihood of a column small enough to keep (the reported ``loglik`` is then
  exactly ``Σ log f(x_i)``);
* :class:`Grid` — counts on a fine grid, ``log(P_b / w_b)``: the binned likelihood
  of a column of any size, with objective-only end terms at the data's extremes.

Censored points (``log S(c)``, ``log F(c)``), intervals, truncation and exact
integer counts plug in as further term sets with the same two methods.

A fit evaluates the likelihood hundreds of times for the same family, so the
per-call overhead of scipy's public ``cdf``/``sf`` (argument checks, broadcasting,
support masks: 30–80 µs) would dominate. Here one call checks the shapes and the
support once, standardises and calls the private kernels through
:mod:`.scipy_adapter` (the one module that knows scipy's private API).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .kinks import GroupMoments, kinks_of
from .scipy_adapter import family_of

__all__ = ["ExactValues", "Grid", "Model", "TermSet"]

_GL_NODES, _GL_WEIGHTS = np.polynomial.legendre.leggauss(5)


class TermSet:
    """One kind of observation: weights, constants and their log-probabilities.

    ``weights`` are the counts ``n_t``; ``offsets`` the constants ``c_t`` that the
    log-likelihood subtracts (bin log-widths); ``reported`` (one flag, or one per
    term) says which terms belong to the reported log-likelihood and which only
    steer the optimiser;
    ``uses_cdf`` whether the terms are CDF differences (then scipy's CDF must be
    trusted: :meth:`Model.numerics_ok`).
    """

    weights: np.ndarray
    offsets: np.ndarray
    reported: bool | np.ndarray = True
    uses_cdf: bool = False

    def log_probs(self, model: Model, shapes: list[float], loc: float, scale: float,
                  a: float, b: float) -> np.ndarray | None:  # fmt: skip
        raise NotImplementedError


@dataclass(frozen=True, eq=False)
class Grid(TermSet):
    """Counts of exact values on bin ``edges``; edges below ``edges[split]`` use the
    CDF, above it the SF (precision in both tails).

    With ``end_terms``, four objective-only terms follow the bins. On each side
    where the support is bounded, ``log P(X < min)`` and ``log P(X > max)`` (the
    edges span exactly the data's range): the end spacings of
    maximum-product-of-spacings estimation. Without them the binned maximum
    likelihood puts a support bound exactly on the sample's minimum or maximum
    (``truncnorm``, ``foldnorm``, ``truncexpon`` on data that has no bound),
    gaining n·F(x₍₁₎) ~ Exp(1) that AIC does not price. Two more compare the
    density at the minimum and maximum with the average density of about one
    typical bin next to them, never rewarding: the histogram cannot see a density
    that vanishes at the extreme observation (a bound placed on the minimum of
    ``cosine`` or ``rice``), which would make that observation's exact
    log-density ``-inf`` or nearly so. They reuse the CDF and SF values the bins
    need, so they cost one density evaluation at two points.
    """

    edges: np.ndarray
    counts: np.ndarray
    split: int
    quadrature: bool = False
    end_terms: bool = False

    uses_cdf = True

    def __post_init__(self) -> None:
        used = self.counts > 0
        log_widths = np.log(np.diff(self.edges))
        n_used = int(used.sum())
        extra = 4 if self.end_terms else 0
        object.__setattr__(self, "used", used)
        object.__setattr__(self, "weights", np.concatenate([self.counts[used].astype(float),
                                                            np.ones(extra)]))  # fmt: skip
        object.__setattr__(self, "offsets", np.concatenate([log_widths[used], np.zeros(extra)]))
        object.__setattr__(self, "reported", np.arange(n_used + extra) < n_used)
        object.__setattr__(self, "mids", (0.5 * (self.edges[:-1] + self.edges[1:]))[used])
        if self.end_terms:
            edges = self.edges
            typical = float(np.median(np.diff(edges)))
            k_lo = max(1, int(np.searchsorted(edges - edges[0], typical)))
            k_hi = min(len(edges) - 2, int(np.searchsorted(edges, edges[-1] - typical)) - 1)
            k_hi = max(k_hi, k_lo)
            object.__setattr__(self, "end_bins", (k_lo, k_hi))
            object.__setattr__(self, "end_edges", (float(edges[0]), float(edges[-1])))
            object.__setattr__(self, "log_end_widths", (math.log(edges[k_lo] - edges[0]),
                                                        math.log(edges[-1] - edges[k_hi])))

    def with_options(self, quadrature: bool, end_terms: bool) -> Grid:
        if (quadrature, end_terms) == (self.quadrature, self.end_terms):
            return self
        return Grid(self.edges, self.counts, self.split, quadrature, end_terms)

    def _values(self, model: Model, shapes, loc, scale, a, b):
        """Bin probabilities, with the CDF at the first edge and the SF at the last."""
        if self.quadrature:
            probs = self._quadrature_probs(model, shapes, loc, scale, a, b)
            if probs is None or not self.end_terms:
                return probs, 0.0, 0.0
            ends = np.clip((self.edges[[0, -1]] - loc) / scale, a, b)
            return (probs, float(model.family.cdf(ends[:1], *shapes)[0]),
                    float(model.family.sf(ends[1:], *shapes)[0]))  # fmt: skip
        values = model.cdf_sf(np.array([*shapes, loc, scale]), self.edges, self.split + 1, (a, b))
        if values is None:
            return None, 0.0, 0.0
        s = self.split
        if s + 1 == values.size:
            return np.diff(values), float(values[0]), float(1.0 - values[-1])
        # Bin s straddles the switch: P = (1 - sf(e[s+1])) - cdf(e[s]).
        probs = np.empty(values.size - 1)
        np.subtract(values[1 : s + 1], values[:s], out=probs[:s])
        probs[s] = (1.0 - values[s + 1]) - values[s]
        np.subtract(values[s + 1 : -1], values[s + 2 :], out=probs[s + 1 :])
        return probs, float(values[0]), float(values[-1])

    def probs(self, model: Model, shapes, loc, scale, a, b) -> np.ndarray | None:
        """Probabilities of all bins."""
        return self._values(model, shapes, loc, scale, a, b)[0]

    def _quadrature_probs(self, model, shapes, loc, scale, a, b) -> np.ndarray | None:
        """Bin probabilities by 5-point Gauss–Legendre quadrature of the PDF.

        For families whose CDF is far slower than their PDF in part of the
        parameter space (``skewnorm``: numerical integration wherever the CDF is
        below 1e-6, 70 ms per evaluation at ``a`` = 5). Exact to ~1e-10 on the
        uniform core bins; only the wide outer bins, which hold a few counts, are
        less accurate.
        """
        edges = np.clip((self.edges - loc) / scale, a, b)
        half = 0.5 * np.diff(edges)
        mid = 0.5 * (edges[1:] + edges[:-1])
        nodes = (mid[:, None] + half[:, None] * _GL_NODES[None, :]).ravel()
        pdf = model.family.pdf(nodes, *shapes)
        if not np.all(np.isfinite(pdf)):
            return None
        return half * (pdf.reshape(-1, _GL_NODES.size) @ _GL_WEIGHTS)

    def log_probs(self, model, shapes, loc, scale, a, b) -> np.ndarray | None:
        """``log P_b`` of the bins with counts.

        A far-tail bin whose CDF difference underflows (or cancels) to zero gets
        ``log f(midpoint) + log width`` instead, so a start that puts the data far
        in a light tail has a finite, improvable likelihood rather than ``-inf``.
        """
        probs, cdf_first, sf_last = self._values(model, shapes, loc, scale, a, b)
        if probs is None:
            return None
        p = probs[self.used]
        out = np.log(np.maximum(p, 0.0))
        bad = ~(p > 1e-290)
        if bad.any():
            z = np.clip((self.mids[bad] - loc) / scale, a, b)
            logpdf = model.family.logpdf(z, *shapes)
            out[bad] = logpdf - math.log(scale) + self.offsets[: bad.size][bad]
            if not np.all(np.isfinite(out)):
                return None
        if not self.end_terms:
            return out
        return np.concatenate([out, self._end_terms(model, shapes, loc, scale, a, b, probs,
                                                    cdf_first, sf_last)])  # fmt: skip

    def _end_terms(self, model, shapes, loc, scale, a, b, probs, cdf_first,
                   sf_last) -> np.ndarray:  # fmt: skip
        # Scalar arithmetic: this runs at every evaluation of a bounded family, and
        # numpy's per-call overhead on four numbers was most of its cost.
        lower, upper = math.isfinite(a), math.isfinite(b)
        if not (lower or upper):
            return _NO_END_TERMS  # no support bound to sit on an extreme observation
        k_lo, k_hi = self.end_bins
        first, last = self.end_edges
        z = np.array([min(max((first - loc) / scale, a), b), min(max((last - loc) / scale, a), b)])
        logf = model.family.logpdf(z, *shapes)
        log_scale = math.log(scale)
        width_lo, width_hi = self.log_end_widths
        return np.array([
            _clamped(_log(cdf_first)) if lower else 0.0,
            _clamped(_log(sf_last)) if upper else 0.0,
            _clamped(min(float(logf[0]) - log_scale - (_log(float(probs[:k_lo].sum())) - width_lo),
                         0.0)),
            _clamped(min(float(logf[1]) - log_scale - (_log(float(probs[k_hi:].sum())) - width_hi),
                         0.0)),
        ])  # fmt: skip


_NO_END_TERMS = np.zeros(4)
_NO_END_TERMS.flags.writeable = False


def _log(value: float) -> float:
    """``np.log`` of one number without numpy's call overhead (−inf at 0, NaN below)."""
    if value > 0:
        return math.log(value)
    return -math.inf if value == 0 else math.nan


def _clamped(term: float) -> float:
    """An end term floored at −700 (NaN too: a hopeless start, not an error)."""
    return -700.0 if term != term else max(term, -700.0)


#: The typical (median) gap between distinct values, in standardised units, must exceed
#: this share of ``|loc|``: ``x − loc`` then keeps about four significant digits of it.
#: (Not of the values' own magnitude: on a column spanning nine decades the largest
#: value is 1e8 times the bulk's gaps, and moyal's or hypsecant's scale must reach
#: it, or its log-density underflows.)
RESOLVED_SHARE = 1e-12


@dataclass(frozen=True, eq=False)
class ExactValues(TermSet):
    """Distinct exact values with their counts: ``Σ n_i log f(x_i)``.

    Ties (values repeated on a measurement lattice) are one term each, so a column
    of 100 000 rows rounded to 1 000 values costs 1 000 density evaluations.
    """

    values: np.ndarray
    counts: np.ndarray
    #: Largest log-density any value may get. A density far above what the data can
    #: resolve is a spike on an observation (dweibull's or pearson3's loc on a data
    #: point with a shape that makes the density infinite there): the likelihood is
    #: unbounded, and such parameters are treated as infeasible.
    log_density_cap: float = math.inf
    #: Median gap between distinct values. Parameters under which it drowns in the
    #: rounding of ``x − loc`` (loc ~1e9 times the data, where a family evaluated far
    #: out in a tail gives every value the same garbage density) are treated as
    #: infeasible: see :data:`RESOLVED_SHARE`.
    spacing: float = 0.0
    #: The groups behind compressed terms; near a kink of the log-density their
    #: terms are integrated over the group instead (:mod:`.kinks`).
    groups: GroupMoments | None = None

    reported = True
    uses_cdf = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "weights", np.asarray(self.counts, dtype=float))
        object.__setattr__(self, "offsets", np.zeros(len(self.values)))

    @classmethod
    def from_values(cls, values: np.ndarray, resolution_share: float = 1e-4) -> ExactValues:
        """Distinct values with counts; the density cap is ``1 / (resolution_share ·
        the smallest gap between distinct values)``."""
        distinct, counts = np.unique(np.asarray(values, dtype=float), return_counts=True)
        return cls.from_counts(distinct, counts, resolution_share)

    @classmethod
    def from_counts(cls, distinct: np.ndarray, counts: np.ndarray,
                    resolution_share: float = 1e-4) -> ExactValues:  # fmt: skip
        """Sorted distinct values with their counts, capped as in :meth:`from_values`."""
        gaps = np.diff(distinct)
        gaps = gaps[gaps > 0]
        cap = -math.log(resolution_share * float(gaps.min())) if gaps.size else math.inf
        return cls(distinct, counts, cap, float(np.median(gaps)) if gaps.size else 0.0)

    def compressed(self, width_share: float) -> ExactValues:
        """Nearly the same likelihood from far fewer points: each run of neighbouring
        values becomes the two-point Gauss rule of its values.

        The two points (inside the run, with their weights) match the run's count,
        mean, variance and skewness, so the error of ``Σ log f`` over the run is
        fourth order in its width (zero for a log-density that is a cubic, as the
        normal's far out in a heavy tail). A run is at most ``width_share`` times
        the distance that sets the density's curvature: the spread of the data's
        middle (IQR) or, in the tails, the distance from the median, and never more
        than the distance to either extreme, so the values next to a support bound
        stay single points.
        """
        v, n = self.values, self.weights
        if v.size < 3:
            return self
        cum = np.cumsum(n)
        q1, median, q3 = (v[np.searchsorted(cum, share * cum[-1])] for share in (0.25, 0.5, 0.75))
        gap = float(np.diff(v).min())
        reach = np.minimum(np.maximum(q3 - q1, np.abs(v - median)),
                           np.minimum(v - v[0], v[-1] - v) + gap)  # fmt: skip
        # Position in units of the allowed width: a run is the values with one floor.
        # A step of a whole width starts a new run anyway; capping it there keeps the
        # running sum small enough to resolve the core's tiny steps.
        steps = np.minimum(np.diff(v) / (width_share * reach[:-1]), 1.0)
        run = np.floor(np.concatenate([[0.0], np.cumsum(steps)])).astype(np.int64)
        starts = np.flatnonzero(np.concatenate([[True], run[1:] != run[:-1]]))
        sizes = np.diff(np.append(starts, v.size))
        total = np.add.reduceat(n, starts)
        mean = np.add.reduceat(n * v, starts) / total
        centred = v - np.repeat(mean, sizes)
        var = np.add.reduceat(n * centred**2, starts) / total
        third = np.add.reduceat(n * centred**3, starts) / total
        ends = (v[starts], v[starts + sizes - 1])
        return _gauss_rule(total, mean, var, third, self.log_density_cap, self.spacing, ends)

    @classmethod
    def from_bin_moments(cls, edges: np.ndarray, counts: np.ndarray, sums: np.ndarray,
                         resolution_share: float = 1e-4) -> ExactValues:  # fmt: skip
        """The two-point Gauss rule of each bin of a histogram that also kept the
        sums of ``(x − mid)^k``, k = 1..3 (:func:`.grid.count_with_moments`): the
        compressed terms of a column too large to gather, merged from its blocks.
        The density cap is ``1 / (resolution_share · the narrowest used bin)``."""
        used = counts > 0
        n = counts[used].astype(float)
        mids = 0.5 * (edges[:-1] + edges[1:])[used]
        s1, s2, s3 = (row[used] / n for row in sums)
        var = np.maximum(s2 - s1**2, 0.0)
        third = s3 - 3.0 * s1 * s2 + 2.0 * s1**3
        ranges = (edges[:-1][used], edges[1:][used])
        cap = -math.log(resolution_share * float(np.min(ranges[1] - ranges[0])))
        return _gauss_rule(n, np.clip(mids + s1, *ranges), var, third, cap, ranges=ranges)

    def log_probs(self, model, shapes, loc, scale, a, b) -> np.ndarray | None:
        if self.spacing and RESOLVED_SHARE * abs(loc) > self.spacing:
            return None  # the data's spacing is lost in rounding x − loc
        z = (self.values - loc) / scale
        z = np.clip(z, a, b)
        out = model.family.logpdf(z, *shapes)
        out = out - math.log(scale)
        if self.groups is not None and (kinks := kinks_of(model.dist.name, shapes, loc,
                                                           scale)) is not None:  # fmt: skip
            def log_density(x: np.ndarray) -> np.ndarray:
                return model.family.logpdf(np.clip((x - loc) / scale, a, b), *shapes) \
                    - math.log(scale)

            near = self.groups.integrated(log_density, kinks)
            if near is not None:
                self.groups.spread_over_nodes(out, *near)
        if not out.max(initial=-math.inf) <= self.log_density_cap:
            return None  # a spike on an observation, or NaN
        if not math.isfinite(out.sum()) and not np.all(np.isfinite(out)):
            # The private kernel can overflow where the public one is guarded.
            out = np.asarray(model.dist.logpdf(self.values, *shapes, loc=loc, scale=scale),
                             dtype=float)  # fmt: skip
            if not np.all(np.isfinite(out)):
                return None
        return out


def _gauss_rule(total: np.ndarray, mean: np.ndarray, var: np.ndarray, third: np.ndarray,
                log_density_cap: float = math.inf, spacing: float = 0.0,
                ranges: tuple[np.ndarray, np.ndarray] | None = None) -> ExactValues:  # fmt: skip
    """Exact terms from groups of values given by count, mean, variance and third
    central moment: two points per group (one where it has no spread) that match
    all four, inside the group's range (``ranges`` clips them there against the
    rounding of moments merged from sums)."""
    sd = np.sqrt(var)
    multi = sd > 1e-12 * np.maximum(np.abs(mean), 1e-300)
    skew = np.where(multi, third / np.where(multi, sd, 1.0) ** 3, 0.0)
    root = np.sqrt(skew**2 + 4.0)
    low, high = (skew - root) / 2.0, (skew + root) / 2.0  # low·high = −1
    share_low = high / (high - low)
    points = np.where(multi[:, None], mean[:, None] + sd[:, None] * np.c_[low, high],
                      mean[:, None])  # fmt: skip
    if ranges is not None:
        points = np.clip(points, ranges[0][:, None], ranges[1][:, None])
    weights = total[:, None] * np.where(multi[:, None], np.c_[share_low, 1.0 - share_low],
                                        np.array([1.0, 0.0]))  # fmt: skip
    kept = weights > 0
    groups = None if ranges is None else GroupMoments.of_groups(
        *ranges, mean, np.where(multi, var, 0.0), np.where(multi, third, 0.0), kept)
    keep = kept.ravel()
    return ExactValues(points.ravel()[keep], weights.ravel()[keep], log_density_cap, spacing,
                       groups)  # fmt: skip


class Model:
    """One scipy family against term sets and the data's range ``[vmin, vmax]``."""

    def __init__(self, dist, terms: list[TermSet], vmin: float, vmax: float) -> None:
        self.dist = dist
        self.family = family_of(dist)
        self.terms = list(terms)
        self.vmin = float(vmin)
        self.vmax = float(vmax)
        self.n_shapes = dist.numargs
        self.weights = np.concatenate([t.weights for t in self.terms])
        self.offsets = np.concatenate([t.offsets for t in self.terms])
        self._reported = np.concatenate([np.broadcast_to(t.reported, t.weights.shape)
                                         for t in self.terms])  # fmt: skip
        self.uses_cdf = any(t.uses_cdf for t in self.terms if np.any(t.reported))
        self.n_obs = float(self.weights[self._reported].sum())
        self._support_key: tuple | None = None
        self._support_value = (False, 0.0, 0.0)

    @classmethod
    def binned(cls, dist, grid: Grid, vmin: float, vmax: float,
               quadrature: bool = False) -> Model:  # fmt: skip
        """The binned likelihood of a grid, with the end-spacing terms."""
        return cls(dist, [grid.with_options(quadrature, end_terms=True)], vmin, vmax)

    @classmethod
    def exact(cls, dist, values: ExactValues, vmin: float, vmax: float) -> Model:
        return cls(dist, [values], vmin, vmax)

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
                valid = self.family.argcheck(*shapes)
                a, b = self.family.support(*shapes) if valid else (0.0, 0.0)
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
            out[:split] = self.family.cdf(lo, *shapes)
        if hi.size:
            out[split:] = self.family.sf(hi, *shapes)
        if not math.isfinite(out.sum()):  # values in [0, 1]: finite sum iff all finite
            out[:split] = dist.cdf(x[:split], *shapes, loc=loc, scale=scale)
            out[split:] = dist.sf(x[split:], *shapes, loc=loc, scale=scale)
            if not np.all(np.isfinite(out)):
                return None
        return out

    def log_probs(self, params: np.ndarray) -> np.ndarray | None:
        """Every term's log-probability, or ``None`` when the parameters are infeasible."""
        ok, a, b = self.support_ok(params)
        if not ok:
            return None
        *shapes, loc, scale = (float(v) for v in params)
        parts = []
        for terms in self.terms:
            part = terms.log_probs(self, shapes, loc, scale, a, b)
            if part is None:
                return None
            parts.append(part)
        return parts[0] if len(parts) == 1 else np.concatenate(parts)

    def loglik_from_log_probs(self, log_probs: np.ndarray | None) -> float:
        """The optimiser's objective from :meth:`log_probs`: every term, weighted."""
        if log_probs is None:
            return -np.inf
        return float(np.dot(self.weights, log_probs - self.offsets))

    def loglik(self, params: np.ndarray) -> float:
        """The optimiser's objective: all terms, the objective-only ones included."""
        return self.loglik_from_log_probs(self.log_probs(params))

    def reported_loglik(self, params: np.ndarray) -> float:
        """The log-likelihood of the data (objective-only terms left out); ``-inf`` if
        infeasible."""
        r = self.log_probs(params)
        if r is None:
            return -np.inf
        keep = self._reported
        return float(np.dot(self.weights[keep], r[keep] - self.offsets[keep]))

    def numerics_ok(self, params: np.ndarray, probes: np.ndarray) -> bool:
        """Whether scipy's CDF, SF and PDF agree with each other at ``probes``.

        Some families' CDF formulas lose all accuracy in parts of the parameter
        space (``recipinvgauss`` with a tiny ``mu``: bin probabilities off by
        10 %). A likelihood built from CDF differences is then meaningless and an
        optimiser happily climbs into such regions, so every accepted step is
        checked: the central difference of the CDF must match the PDF to 1e-3
        and CDF + SF must be 1. A likelihood of exact values needs only the
        density, so it is checked for nothing but valid parameters.
        """
        ok, _, _ = self.support_ok(params)
        if not ok:
            return False
        return self.densities_agree(params, probes) if self.uses_cdf else True

    def densities_agree(self, params: np.ndarray, probes: np.ndarray) -> bool:
        """The check of :meth:`numerics_ok` whatever the terms: an exact likelihood
        trusts the density alone, and at extreme shapes (``f`` with dfd ~1e13) a
        density normalised wrongly climbs above the true family on its own data."""
        ok, a, b = self.support_ok(params)
        if not ok:
            return False
        *shapes, loc, scale = params
        z = np.clip((probes - loc) / scale, a, b)
        # A step local to each probe: a column spanning many decades has probes at
        # 1e-1 and 1e4, and one step for all would be far too wide at the first.
        spread = max(float(np.ptp(z)), 1e-12)
        h = 1e-4 * np.minimum(spread, np.maximum(np.abs(z - np.median(z)), 1e-3 * spread))
        zz = np.clip(np.concatenate([z - h, z + h, z]), a, b)
        cdf = self.family.cdf(zz, *shapes)
        sf = self.family.sf(zz, *shapes)
        # exp(_logpdf): several families' _pdf overflows where their _logpdf is exact
        # (powernorm with a tiny c: 0 ** (c - 1)).
        pdf = np.exp(self.family.logpdf(z, *shapes))
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
