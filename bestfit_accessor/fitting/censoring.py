"""Censored observations as likelihood terms, and the maximum-likelihood fit of one family.

Lifetimes are right-censored, lab measurements left-censored at a detection limit
or known only within an interval. Each kind is a :class:`.likelihood.TermSet` of
distinct points (or pairs) with counts, so it is mergeable across blocks and a
weight is just a count:

* :class:`RightCensored` — ``log S(c)`` (the value is above ``c``);
* :class:`LeftCensored` — ``log F(c)`` (the value is at most ``c``);
* :class:`IntervalCensored` — ``log(F(r) − F(l))`` (``l < value ≤ r``);

exact values stay :class:`.likelihood.ExactValues`. :class:`CensoredTerms` holds
the four of one column, built from either convention users know
(:meth:`CensoredTerms.from_intervals`: fitdistrplus' ``left``/``right`` columns;
:meth:`CensoredTerms.from_events`: lifelines' ``time``/``event``).
:func:`fit_censored` maximises their likelihood for one scipy family, with
optional fixed parameters, and :func:`censored_loglik` evaluates it through
scipy's public API (the figure a user checks against R or scipy).

Tail precision: a probability is taken from the CDF below the median and from the
SF above it; where it still underflows (or an interval's difference cancels) it is
recomputed in log space from scipy's ``logcdf``/``logsf``, and where even that
fails, a term gets the log-density at its point (an interval: at its midpoint,
times its width), so a start far in a light tail has a finite, improvable
likelihood rather than ``-inf``. Pure numpy/scipy, no Ray.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from ..exceptions import InvalidArgumentError
from .coordinates import Coordinates
from .likelihood import ExactValues, Model, TermSet
from .optimiser import maximise
from .registry import get_distribution, shape_bounds
from .scipy_adapter import family_of
from .starts import feasible, screen_points, start_points

__all__ = [
    "CENSORED_KINDS",
    "CensoredFit",
    "CensoredTerms",
    "IntervalCensored",
    "LeftCensored",
    "RawObservations",
    "RightCensored",
    "censored_loglik",
    "checked_weights",
    "fit_censored",
    "rows_outside",
]

#: The kinds of censoring, as keys of ``n_censored``.
CENSORED_KINDS = ("left", "right", "interval")
#: A probability below this (or a difference below this share of the value it was
#: taken from) has lost its precision and is recomputed in log space.
_TINY = 1e-290
_CANCELLED_SHARE = 1e-8
#: An interval this narrow in log-probability units is a density times a width.
_NARROW_LOG = 1e-8
#: Closest a one-sided support bound may come to the extreme exact values, as a
#: share of the gap between the two extreme distinct values (a density spike riding
#: an exact observation makes the likelihood unbounded).
MIN_GAP_SHARE = 1e-4
#: Optimiser settings: the censored sets are small, so the fit converges tightly.
_MAX_ITER = 200
_FTOL = 1e-9
#: Rows of the pseudo-sample given to scipy's own fit for a start with fixed parameters.
_START_ROWS = 1_000
#: Points of the scan of ``loc`` after the climb, and the gain that makes one worth climbing.
_LOC_SCAN = 61
_LOC_SCAN_GAIN = 1e-6
_LOC_SCAN_ROUNDS = 3
#: Screened starts refined by the optimiser (the best by their likelihood).
_REFINED = 3
#: Starting supports reach this share of the observations' range beyond them.
_START_MARGIN = 1e-2


def _grouped(values: np.ndarray, weights: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """Sorted distinct rows of ``values`` (1-D, or 2-D pairs) and their summed weights;
    rows of zero weight are left out."""
    values = np.asarray(values, dtype=float)
    w = np.ones(len(values)) if weights is None else np.asarray(weights, dtype=float)
    if len(values) == 0:
        return values, np.zeros(0)
    distinct, inverse = np.unique(values, axis=0 if values.ndim == 2 else None,
                                  return_inverse=True)  # fmt: skip
    counts = np.bincount(inverse.ravel(), weights=w, minlength=len(distinct))
    keep = counts > 0
    return distinct[keep], counts[keep]


def _log_or_none(out: np.ndarray) -> np.ndarray | None:
    return out if np.all(np.isfinite(out)) else None


def _density_surrogate(model: Model, z: np.ndarray, shapes, a: float, b: float) -> np.ndarray:
    """Standardised log-density at ``z``; ``-inf`` on or outside the support bounds,
    where the probability it stands in for is truly zero."""
    out = np.full(z.shape, -np.inf)
    inside = (z > a) & (z < b)
    if inside.any():
        with np.errstate(all="ignore"):
            out[inside] = model.family.logpdf(z[inside], *shapes)
    return out


@dataclass(frozen=True, eq=False)
class _OneSided(TermSet):
    """Distinct censoring points with their counts (weights)."""

    points: np.ndarray
    counts: np.ndarray

    reported = True
    uses_cdf = True

    def __post_init__(self) -> None:
        object.__setattr__(self, "weights", np.asarray(self.counts, dtype=float))
        object.__setattr__(self, "offsets", np.zeros(len(self.points)))

    @classmethod
    def from_points(cls, points: np.ndarray, weights: np.ndarray | None = None):
        """Identical points grouped into one term each (weights summed)."""
        return cls(*_grouped(np.ravel(points), None if weights is None else np.ravel(weights)))

    def merged(self, other):
        """The terms of both sets: counts of shared points added."""
        return type(self).from_points(np.concatenate([self.points, other.points]),
                                      np.concatenate([self.counts, other.counts]))  # fmt: skip

    @property
    def total(self) -> float:
        return float(np.sum(self.counts))

    #: scipy's tail probability of the points and its logarithm (``sf``/``logsf``
    #: for right-censored points, ``cdf``/``logcdf`` for left-censored ones)
    _tail: ClassVar[str] = ""
    _log_tail: ClassVar[str] = ""

    def log_probs(self, model, shapes, loc, scale, a, b) -> np.ndarray | None:
        z = np.clip((self.points - loc) / scale, a, b)
        with np.errstate(all="ignore"):  # the kernel at a support bound or far out
            p = getattr(model.family, self._tail)(z, *shapes)
            out = np.log(p)
        if np.isnan(p).any():
            return None  # scipy's formula broke down at these parameters
        bad = p <= _TINY
        if bad.any():
            with np.errstate(all="ignore"):
                out[bad] = getattr(model.dist, self._log_tail)(self.points[bad], *shapes,
                                                               loc=loc, scale=scale)  # fmt: skip
            lost = bad & (out == -np.inf)  # NaN: a breakdown, left to fail
            if lost.any():
                out[lost] = _density_surrogate(model, z[lost], shapes, a, b)
        return _log_or_none(out)


class RightCensored(_OneSided):
    """Values known to exceed their point ``c``: ``log S(c)``."""

    _tail, _log_tail = "sf", "logsf"


class LeftCensored(_OneSided):
    """Values known to be at most their point ``c``: ``log F(c)``."""

    _tail, _log_tail = "cdf", "logcdf"


def _log_interval(cdf_l, cdf_r, sf_l, sf_r, logcdf, logsf) -> np.ndarray:
    """``log(F(r) − F(l))``: the CDF difference where ``l`` is below the median, the
    SF difference above it; recomputed in log space (``logcdf(i)``/``logsf(i)`` give
    the two ends' log-probabilities for the entries ``i``) where the difference
    underflows or cancels. Entries still lost (a narrow interval far in a tail) are
    NaN for the caller to fill."""
    upper = cdf_l > 0.5
    p = np.where(upper, sf_l - sf_r, cdf_r - cdf_l)
    ref = np.where(upper, sf_l, cdf_r)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.log(p)
    bad = ~((p > _TINY) & (p > _CANCELLED_SHARE * ref))
    if bad.any():
        idx = np.flatnonzero(bad)
        with np.errstate(all="ignore"):
            lo_l, lo_r = logcdf(idx)
            up_l, up_r = logsf(idx)
            use_upper = upper[idx]
            big = np.where(use_upper, up_l, lo_r)  # log of the larger end probability
            small = np.where(use_upper, up_r, lo_l)
            d = small - big
            logs = big + np.log1p(-np.exp(d))
        ok = np.isfinite(logs) & (d < -_NARROW_LOG)
        out[idx] = np.where(ok, logs, np.nan)
    return out


@dataclass(frozen=True, eq=False)
class IntervalCensored(TermSet):
    """Values known only to lie in ``(left, right]``: ``log(F(right) − F(left))``.

    ``pairs`` holds the distinct ``(left, right)`` rows, ``counts`` their weights.
    """

    pairs: np.ndarray
    counts: np.ndarray

    reported = True
    uses_cdf = True

    def __post_init__(self) -> None:
        object.__setattr__(self, "pairs", np.asarray(self.pairs, dtype=float).reshape(-1, 2))
        object.__setattr__(self, "weights", np.asarray(self.counts, dtype=float))
        object.__setattr__(self, "offsets", np.zeros(len(self.pairs)))

    @classmethod
    def from_bounds(cls, left: np.ndarray, right: np.ndarray,
                    weights: np.ndarray | None = None) -> IntervalCensored:  # fmt: skip
        """Identical ``(left, right)`` pairs grouped into one term each."""
        pairs = np.column_stack([np.ravel(left), np.ravel(right)]).astype(float)
        return cls(*_grouped(pairs, None if weights is None else np.ravel(weights)))

    def merged(self, other: IntervalCensored) -> IntervalCensored:
        pairs = np.concatenate([self.pairs, other.pairs])
        counts = np.concatenate([self.counts, other.counts])
        return IntervalCensored.from_bounds(pairs[:, 0], pairs[:, 1], counts)

    @property
    def left(self) -> np.ndarray:
        return self.pairs[:, 0]

    @property
    def right(self) -> np.ndarray:
        return self.pairs[:, 1]

    @property
    def total(self) -> float:
        return float(np.sum(self.counts))

    def log_probs(self, model, shapes, loc, scale, a, b) -> np.ndarray | None:
        zl = np.clip((self.left - loc) / scale, a, b)
        zr = np.clip((self.right - loc) / scale, a, b)
        z = np.concatenate([zl, zr])
        with np.errstate(all="ignore"):  # the kernels at a support bound
            cdf, sf = model.family.cdf(z, *shapes), model.family.sf(z, *shapes)
        if np.isnan(cdf).any() or np.isnan(sf).any():
            return None  # scipy's formula broke down at these parameters
        m = zl.size
        dist, left, right = model.dist, self.left, self.right

        def public(method):
            def ends(i):
                return (method(left[i], *shapes, loc=loc, scale=scale),
                        method(right[i], *shapes, loc=loc, scale=scale))  # fmt: skip
            return ends

        out = _log_interval(cdf[:m], cdf[m:], sf[:m], sf[m:], public(dist.logcdf),
                            public(dist.logsf))  # fmt: skip
        lost = np.isnan(out)
        if lost.any():
            # The density at the midpoint times the width: exact to second order in a
            # narrow interval, and a finite, improvable stand-in for a wide one whose
            # probability underflows.
            mid = 0.5 * (zl[lost] + zr[lost])
            width = np.maximum(zr[lost] - zl[lost], 1e-300)
            out[lost] = _density_surrogate(model, mid, shapes, a, b) + np.log(width)
        return _log_or_none(out)


def _log_mass(model: Model, shapes, loc: float, scale: float, a: float, b: float,
              low: float, high: float) -> float | None:  # fmt: skip
    """``log(F(high) − F(low))``, the probability of the truncation window, in its
    precise form: the CDF difference below the median, the SF difference above it,
    in log space where either underflows (:func:`_log_interval`). An infinite bound,
    or one beyond the support, contributes exactly 0 or 1 without a kernel call."""
    ends = np.clip((np.array([low, high]) - loc) / scale, a, b)
    cdf, sf = np.zeros(2), np.ones(2)
    inner = np.array([ends[0] > a, ends[1] < b])
    cdf[1], sf[1] = 1.0, 0.0
    if inner.any():
        with np.errstate(all="ignore"):
            cdf[inner] = model.family.cdf(ends[inner], *shapes)
            sf[inner] = model.family.sf(ends[inner], *shapes)
    if not (np.all(np.isfinite(cdf)) and np.all(np.isfinite(sf))):
        return None
    dist = model.dist

    def ends_of(method, outside):
        def both(_i):
            out = []
            for k, x in enumerate((low, high)):
                out.append(np.atleast_1d(method(x, *shapes, loc=loc, scale=scale))
                           if inner[k] else np.atleast_1d(outside[k]))  # fmt: skip
            return out[0], out[1]
        return both

    with np.errstate(all="ignore"):
        out = _log_interval(cdf[:1], cdf[1:], sf[:1], sf[1:],
                            ends_of(dist.logcdf, (-np.inf, 0.0)),
                            ends_of(dist.logsf, (0.0, -np.inf)))  # fmt: skip
    value = float(out[0])
    return value if math.isfinite(value) else None


@dataclass(frozen=True, eq=False)
class Truncated(TermSet):
    """Terms of data truncated to ``[low, high]``: each of ``inner``'s
    log-probabilities less ``log(F(high) − F(low))``, so the weighted sum is
    ``Σ w log p − (Σ w) log(F(high) − F(low))`` (DESIGN.md: truncation is one
    number per term set). Each term stays the log of a probability, which keeps
    the optimiser's Gauss–Newton curvature sound."""

    inner: TermSet
    low: float
    high: float

    uses_cdf = True

    def __post_init__(self) -> None:
        object.__setattr__(self, "weights", self.inner.weights)
        object.__setattr__(self, "offsets", self.inner.offsets)
        object.__setattr__(self, "reported", self.inner.reported)

    def log_probs(self, model, shapes, loc, scale, a, b) -> np.ndarray | None:
        out = self.inner.log_probs(model, shapes, loc, scale, a, b)
        if out is None:
            return None
        log_z = _log_mass(model, shapes, loc, scale, a, b, self.low, self.high)
        return None if log_z is None else out - log_z


def rows_outside(left, right, low: float, high: float) -> int:
    """Rows (given as fitdistrplus bounds: equal = exact, ``-inf``/NaN left =
    left-censored at ``right``, ``inf``/NaN right = right-censored at ``left``)
    impossible under truncation to ``[low, high]``: an exact value outside it, or a
    censored one whose set of values misses it (``right ≤ low`` or ``left ≥ high``).
    Rows with both bounds missing are not counted (they are dropped)."""
    lo = np.where(np.isnan(left), -np.inf, np.asarray(left, dtype=float))
    hi = np.where(np.isnan(right), np.inf, np.asarray(right, dtype=float))
    known = np.isfinite(lo) | np.isfinite(hi)
    exact = lo == hi
    bad = np.where(exact, (lo < low) | (lo > high), (hi <= low) | (lo >= high))
    return int(np.sum(bad & known))


def checked_weights(weights, n: int, name: str) -> np.ndarray:
    """Frequency weights as floats (ones when ``None``): finite and non-negative, one a row."""
    if weights is None:
        return np.ones(n)
    w = np.asarray(weights, dtype=float).ravel()
    if w.size != n:
        raise InvalidArgumentError(f"{name} has {w.size} entries for {n} rows")
    bad = ~(np.isfinite(w) & (w >= 0))
    if bad.any():
        raise InvalidArgumentError(
            f"{name} must be finite and non-negative; {int(bad.sum())} rows are not")
    return w


@dataclass(frozen=True, eq=False)
class RawObservations:
    """One column's rows split by kind, not yet grouped: per kind ``(points,
    weights)`` (``interval`` points are ``(n, 2)`` bounds), and the rows dropped.

    The term path groups them into distinct points (:meth:`CensoredTerms.from_raw`)
    or, for a kind with too many distinct points, bins them
    (:mod:`.compressed_terms`); both read the same split, so the kinds agree.
    """

    exact: tuple[np.ndarray, np.ndarray]
    left: tuple[np.ndarray, np.ndarray]
    right: tuple[np.ndarray, np.ndarray]
    interval: tuple[np.ndarray, np.ndarray]
    n_dropped: int = 0

    @classmethod
    def from_values(cls, values, weights=None) -> RawObservations:
        """An uncensored column: its finite values are exact, the others dropped."""
        x = np.asarray(values, dtype=float).ravel()
        w = checked_weights(weights, x.size, "weights")
        finite = np.isfinite(x)
        none = (np.zeros(0), np.zeros(0))
        return cls((x[finite], w[finite]), none, none, (np.zeros((0, 2)), np.zeros(0)),
                   int(np.sum(~finite)))  # fmt: skip

    def kind(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """``(points, weights)`` of a kind: ``"exact"``, ``"left"``, ``"right"``, ``"interval"``."""
        return getattr(self, name)


def _as_float(values, name: str) -> np.ndarray:
    try:
        return np.asarray(values, dtype=float).ravel()
    except (TypeError, ValueError) as error:
        raise InvalidArgumentError(f"{name} must hold real numbers: {error}") from None


@dataclass(frozen=True, eq=False)
class CensoredTerms:
    """One column's exact values and censored observations, as term sets.

    Every part is ``None`` when the column has none of that kind. ``n_dropped``
    counts rows that carry no information (both bounds missing, or a missing time).
    ``low``/``high`` truncate the data to ``[low, high]`` (infinite: no truncation
    on that side; :meth:`truncated`): every observation is known to lie there.
    Counts are summed weights, so frequency weights need nothing else.

    ``compressed`` names the kinds whose terms stand for many more distinct points
    (:mod:`.compressed_terms`: Gauss rules per fine bin, intervals rounded to
    cells); their likelihood is then nearly, not exactly, the rows'. ``extent`` is
    the :meth:`covered_range` of the rows themselves, which compressed terms,
    placed inside their bins, would understate.
    """

    exact: ExactValues | None = None
    left: LeftCensored | None = None
    right: RightCensored | None = None
    interval: IntervalCensored | None = None
    n_dropped: int = 0
    low: float = -math.inf
    high: float = math.inf
    compressed: tuple[str, ...] = ()
    extent: tuple[float, float] | None = None

    @classmethod
    def from_arrays(cls, exact=None, left=None, right=None, interval=None, *,
                    exact_weights=None, left_weights=None, right_weights=None,
                    interval_weights=None, n_dropped: int = 0) -> CensoredTerms:  # fmt: skip
        """From raw arrays of each kind: exact values, left- and right-censoring
        points, ``interval`` a ``(n, 2)`` array of bounds; identical values grouped,
        their weights (default 1) summed."""
        exact_terms = None
        if exact is not None and np.size(exact):
            values, counts = _grouped(np.ravel(exact), exact_weights)
            if values.size:
                exact_terms = ExactValues.from_counts(values, counts)
        one_sided = []
        for kind, points, w in ((LeftCensored, left, left_weights),
                                (RightCensored, right, right_weights)):  # fmt: skip
            terms = None if points is None or not np.size(points) else kind.from_points(points, w)
            one_sided.append(terms if terms is not None and terms.points.size else None)
        pairs = None
        if interval is not None and np.size(interval):
            bounds = np.asarray(interval, dtype=float).reshape(-1, 2)
            pairs = IntervalCensored.from_bounds(bounds[:, 0], bounds[:, 1], interval_weights)
            pairs = pairs if pairs.pairs.size else None
        return cls(exact_terms, one_sided[0], one_sided[1], pairs, int(n_dropped))

    @classmethod
    def from_raw(cls, raw: RawObservations) -> CensoredTerms:
        """The terms of rows split by kind: identical points grouped, weights summed."""
        return cls.from_arrays(raw.exact[0], raw.left[0], raw.right[0], raw.interval[0],
                               exact_weights=raw.exact[1], left_weights=raw.left[1],
                               right_weights=raw.right[1], interval_weights=raw.interval[1],
                               n_dropped=raw.n_dropped)  # fmt: skip

    @classmethod
    def from_intervals(cls, left, right, weights=None, **labels: Any) -> CensoredTerms:
        """fitdistrplus' convention (:meth:`split_intervals`, whose ``names`` and
        ``weights_name`` label the messages), grouped into terms."""
        return cls.from_raw(cls.split_intervals(left, right, weights, **labels))

    @classmethod
    def from_events(cls, time, event, weights=None, **labels: Any) -> CensoredTerms:
        """lifelines' convention (:meth:`split_events`), grouped into terms."""
        return cls.from_raw(cls.split_events(time, event, weights, **labels))

    @staticmethod
    def split_intervals(left, right, weights=None, *,
                        names: tuple[str, str] = ("left", "right"),
                        weights_name: str = "weights") -> RawObservations:  # fmt: skip
        """fitdistrplus' convention: equal bounds are an exact value, a missing
        ``left`` (NaN or −inf) a value left-censored at ``right``, a missing
        ``right`` (NaN or +inf) one right-censored at ``left``, two finite bounds
        an interval ``(left, right]``. Rows with both bounds missing are dropped.
        """
        lo, hi = _as_float(left, names[0]), _as_float(right, names[1])
        if lo.size != hi.size:
            raise InvalidArgumentError(
                f"{names[0]} and {names[1]} have different lengths ({lo.size}, {hi.size})")
        w = checked_weights(weights, lo.size, weights_name)
        if np.any(lo == np.inf) or np.any(hi == -np.inf):
            raise InvalidArgumentError(f"{names[0]} may not be +inf nor {names[1]} -inf")
        lo_known, hi_known = np.isfinite(lo), np.isfinite(hi)
        both = lo_known & hi_known
        reversed_rows = both & (lo > hi)
        if reversed_rows.any():
            raise InvalidArgumentError(
                f"{names[0]} > {names[1]} in {int(reversed_rows.sum())} rows "
                f"(first at position {int(np.flatnonzero(reversed_rows)[0])})")
        exact = both & (lo == hi)
        interval = both & (lo < hi)
        left_c = ~lo_known & hi_known
        right_c = lo_known & ~hi_known
        return RawObservations((lo[exact], w[exact]), (hi[left_c], w[left_c]),
                               (lo[right_c], w[right_c]),
                               (np.column_stack([lo[interval], hi[interval]]), w[interval]),
                               int(np.sum(~lo_known & ~hi_known)))  # fmt: skip

    @staticmethod
    def split_events(time, event, weights=None, *,
                     names: tuple[str, str] = ("time", "event"),
                     weights_name: str = "weights") -> RawObservations:  # fmt: skip
        """lifelines' convention: ``event`` 1/True for an exact (observed) time,
        0/False for a time right-censored there. Rows with a missing time are dropped;
        an ``event`` other than 0/1 is an error naming the column."""
        t = _as_float(time, names[0])
        ev = np.asarray(event).ravel()
        if ev.size != t.size:
            raise InvalidArgumentError(
                f"{names[0]} and {names[1]} have different lengths ({t.size}, {ev.size})")
        try:
            e = ev.astype(float)
        except (TypeError, ValueError):
            raise InvalidArgumentError(f"{names[1]} must be 0/1 or True/False") from None
        bad = ~((e == 0) | (e == 1))
        if bad.any():
            raise InvalidArgumentError(
                f"{names[1]} must be 0/1 or True/False; {int(bad.sum())} rows are not "
                f"(first at position {int(np.flatnonzero(bad)[0])})")
        w = checked_weights(weights, t.size, weights_name)
        if np.any(np.isinf(t)):
            raise InvalidArgumentError(f"{names[0]} has infinite values")
        known = np.isfinite(t)
        observed = known & (e == 1)
        censored = known & (e == 0)
        return RawObservations((t[observed], w[observed]), (np.zeros(0), np.zeros(0)),
                               (t[censored], w[censored]), (np.zeros((0, 2)), np.zeros(0)),
                               int(np.sum(~known)))  # fmt: skip

    def merged(self, other: CensoredTerms) -> CensoredTerms:
        """Both parts' observations (two blocks of a column): counts of shared points
        and pairs added, so the result does not depend on how rows were split."""
        def join(a, b):
            if a is None or b is None:
                return a if b is None else b
            if isinstance(a, ExactValues):
                return ExactValues.from_counts(*_grouped(np.concatenate([a.values, b.values]),
                                                         np.concatenate([a.counts, b.counts])))
            return a.merged(b)

        if (self.low, self.high) != (other.low, other.high):
            raise InvalidArgumentError("parts truncated to different bounds cannot be merged")
        if self.compressed or other.compressed:
            raise InvalidArgumentError("compressed terms merge as their bins, not as terms")
        exact = join(self.exact, other.exact)
        return CensoredTerms(exact, join(self.left, other.left), join(self.right, other.right),
                             join(self.interval, other.interval),
                             self.n_dropped + other.n_dropped, self.low, self.high)  # fmt: skip

    def truncated(self, low: float | None, high: float | None) -> CensoredTerms:
        """The same observations, known to come from the family truncated to
        ``[low, high]`` (``None``: that side open). The caller has checked that
        every observation can lie there (:func:`rows_outside`)."""
        lo = -math.inf if low is None else float(low)
        hi = math.inf if high is None else float(high)
        if not lo < hi:
            raise InvalidArgumentError(f"truncation bounds must satisfy low < high; "
                                       f"got ({lo}, {hi})")  # fmt: skip
        return CensoredTerms(self.exact, self.left, self.right, self.interval,
                             self.n_dropped, lo, hi, self.compressed, self.extent)  # fmt: skip

    @property
    def is_truncated(self) -> bool:
        return math.isfinite(self.low) or math.isfinite(self.high)

    @property
    def is_censored(self) -> bool:
        return any(part is not None for part in (self.left, self.right, self.interval))

    def _effective_parts(self) -> tuple:
        """``(exact, left, right, interval)`` with the censored kinds as the events
        truncation leaves: a value left-censored at ``c`` lies in ``(low, c]``, one
        right-censored at ``c`` in ``(c, high]``, an interval is clipped to the
        window; the one-sided kinds become intervals where their open side is
        truncated."""
        left, right, pairs = self.left, self.right, []
        if self.interval is not None:
            clipped = np.clip(self.interval.pairs, self.low, self.high)
            pairs.append((clipped, self.interval.counts))
        if left is not None and math.isfinite(self.low):
            pairs.append((np.column_stack([np.full(left.points.size, self.low),
                                           np.minimum(left.points, self.high)]), left.counts))
            left = None
        if right is not None and math.isfinite(self.high):
            pairs.append((np.column_stack([np.maximum(right.points, self.low),
                                           np.full(right.points.size, self.high)]),
                          right.counts))  # fmt: skip
            right = None
        interval = None
        if pairs:
            interval = IntervalCensored(np.concatenate([p for p, _ in pairs]),
                                        np.concatenate([c for _, c in pairs]))  # fmt: skip
        return self.exact, left, right, interval

    @property
    def term_sets(self) -> list[TermSet]:
        """The non-empty term sets, for :class:`.likelihood.Model` (each wrapped in
        :class:`Truncated` when the data are truncated)."""
        if not self.is_truncated:
            return [t for t in (self.exact, self.left, self.right, self.interval)
                    if t is not None]  # fmt: skip
        return [Truncated(t, self.low, self.high) for t in self._effective_parts()
                if t is not None]  # fmt: skip

    @property
    def n_exact(self) -> float:
        return 0.0 if self.exact is None else float(np.sum(self.exact.counts))

    @property
    def n_censored(self) -> dict[str, float]:
        """Total weight of each kind of censoring (its number of rows when unweighted)."""
        return {kind: 0.0 if part is None else part.total
                for kind, part in zip(CENSORED_KINDS, (self.left, self.right, self.interval),
                                      strict=True)}  # fmt: skip

    @property
    def n_obs(self) -> float:
        """Every observation's weight: the ``n`` of BIC."""
        return self.n_exact + sum(self.n_censored.values())

    def covered_range(self) -> tuple[float, float]:
        """``[vmin, vmax]`` the support must cover for every term to be positive:
        exact values, left-censoring points and interval right ends must lie above
        the lower bound; exact values, right-censoring points and interval left ends
        below the upper one."""
        low = [np.asarray(v) for v in (
            self.exact.values if self.exact else None,
            self.left.points if self.left else None,
            self.interval.right if self.interval else None) if v is not None]  # fmt: skip
        high = [np.asarray(v) for v in (
            self.exact.values if self.exact else None,
            self.right.points if self.right else None,
            self.interval.left if self.interval else None) if v is not None]  # fmt: skip
        everything = self.start_sample()
        vmin = float(np.min(np.concatenate(low))) if low else float(everything.min())
        vmax = float(np.max(np.concatenate(high))) if high else float(everything.max())
        if self.extent is not None:
            vmin, vmax = min(vmin, self.extent[0]), max(vmax, self.extent[1])
        return vmin, vmax

    def start_sample(self) -> np.ndarray:
        """A pseudo-sample for starting values: exact values, interval midpoints and
        censoring points, each repeated about as often as it is weighted (capped)."""
        parts, weights = [], []
        if self.exact is not None:
            parts.append(self.exact.values)
            weights.append(self.exact.counts)
        for one in (self.left, self.right):
            if one is not None:
                parts.append(one.points)
                weights.append(one.counts)
        if self.interval is not None:
            parts.append(self.interval.pairs.mean(axis=1))
            weights.append(self.interval.counts)
        if not parts:
            raise InvalidArgumentError("no observations: every row was empty or dropped")
        values, w = np.concatenate(parts), np.concatenate(weights).astype(float)
        reps = np.maximum(1, np.round(w * min(1.0, 10_000 / max(w.sum(), 1.0)))).astype(int)
        return np.repeat(values, reps)


def _resolve(dist) -> tuple[str, object]:
    if isinstance(dist, str):
        return dist, get_distribution(dist)
    return str(getattr(dist, "name", type(dist).__name__)), dist


def _fixed_indices(names: list[str], fixed: Mapping[str, float] | None) -> dict[int, float]:
    out: dict[int, float] = {}
    for key, value in (fixed or {}).items():
        if key not in names:
            raise InvalidArgumentError(
                f"fixed parameter {key!r} is not one of this family's {names}")
        value = float(value)
        if not math.isfinite(value):
            raise InvalidArgumentError(f"fixed parameter {key!r} must be finite, got {value}")
        if key == "scale" and value <= 0:
            raise InvalidArgumentError(f"fixed scale must be positive, got {value}")
        out[names.index(key)] = value
    return out


def _with_fixed(params: np.ndarray, fixed: dict[int, float]) -> np.ndarray:
    out = np.asarray(params, dtype=float).copy()
    for i, value in fixed.items():
        out[i] = value
    return out


def _rescued(dist, point: np.ndarray, model: Model, fixed: dict[int, float],
             centre: float) -> tuple[np.ndarray, float]:  # fmt: skip
    """``point``, widened about ``centre`` until every observation has a positive
    probability (data far in a light tail of the start); free ``loc``/``scale`` only."""
    value = model.loglik(point)
    loc_i, scale_i = len(point) - 2, len(point) - 1
    for factor in (2.0, 4.0, 16.0, 64.0, 1e3, 1e4, 1e6):
        if np.isfinite(value):
            break
        wide = point.copy()
        if loc_i not in fixed:
            wide[loc_i] = centre + (point[loc_i] - centre) * factor
        if scale_i not in fixed:
            wide[scale_i] = point[scale_i] * factor
        value = model.loglik(wide)
        if np.isfinite(value):
            point = wide
    return point, value


def _starts(name: str, dist, data: CensoredTerms, fixed: dict[int, float], names: list[str],
            bounds: list[tuple[float, float]], model: Model) -> list[np.ndarray]:  # fmt: skip
    """Starting points with a finite likelihood, from a pseudo-sample
    (:meth:`CensoredTerms.start_sample`).

    The family's usual starts (and, with fixed parameters, scipy's own fit of the
    pseudo-sample holding them) are all kept; of a small grid of shape values
    (:func:`.starts.screen_points`), the :data:`_REFINED` best by their likelihood.
    Supports are placed a little beyond the observations: a censoring point on a
    support bound has probability zero.
    """
    sample = data.start_sample()
    margin = _START_MARGIN * ((model.vmax - model.vmin) or 1.0)
    lo, hi = model.vmin - margin, model.vmax + margin
    usual, screened = [], []
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        for make, into in ((lambda: start_points(name, dist, sample, lo, hi), usual),
                           (lambda: screen_points(dist, sample, lo, hi, bounds), screened)):
            try:
                into += make()
            except (ValueError, ArithmeticError):
                pass
        if fixed:
            n_shapes = dist.numargs
            keywords = {(f"f{i}" if i < n_shapes else f"f{names[i]}"): v
                        for i, v in fixed.items()}  # fmt: skip
            sub = sample[:: max(1, sample.size // _START_ROWS)]
            guess = usual[0][:n_shapes] if usual else ()
            try:
                usual.insert(0, np.asarray(dist.fit(sub, *guess, **keywords), dtype=float))
            except Exception:  # scipy's fit of a stand-in sample is only a hint
                pass
    centre = float(np.median(sample))

    def ready(points: list[np.ndarray]) -> list[tuple[float, int, np.ndarray]]:
        out = []
        for i, c in enumerate(points):
            if np.all(np.isfinite(c)):
                point = _with_fixed(c, fixed) if fixed else feasible(dist, c, lo, hi)
                point, value = _rescued(dist, point, model, fixed, centre)
                if np.isfinite(value):
                    out.append((value, i, point))
        return out

    best_screened = sorted(ready(screened), key=lambda item: (-item[0], item[1]))[:_REFINED]
    return [point for _, _, point in ready(usual) + best_screened]


@dataclass(frozen=True)
class CensoredFit:
    """One family's maximum-likelihood fit to censored data.

    ``loglik`` is :func:`censored_loglik` at ``params`` (scipy's public API);
    ``n_params`` counts free parameters only; BIC's ``n`` is every observation's
    weight (exact and censored).
    """

    distribution: str
    params: dict[str, float]
    loglik: float
    n_params: int
    aic: float
    bic: float
    n_obs: float
    n_censored: dict[str, float]
    status: str = "ok"
    message: str = ""


def censored_loglik(dist, params, data: CensoredTerms) -> float:
    """The censored log-likelihood at ``params`` (shapes, loc, scale) through scipy's
    public ``logpdf``, ``logcdf``, ``logsf``, ``cdf`` and ``sf``: Σ log f(exact) +
    Σ log F(left-censored) + Σ log S(right-censored) + Σ log(F(r) − F(l))."""
    _, dist = _resolve(dist)
    *shapes, loc, scale = (float(v) for v in params)
    frozen = dist(*shapes, loc=loc, scale=scale)
    total = 0.0
    exact, left, right, interval = data._effective_parts()
    with np.errstate(all="ignore"):
        if exact is not None:
            total += float(np.dot(exact.counts, frozen.logpdf(exact.values)))
        if left is not None:
            total += float(np.dot(left.counts, frozen.logcdf(left.points)))
        if right is not None:
            total += float(np.dot(right.counts, frozen.logsf(right.points)))
        if data.is_truncated:
            total -= data.n_obs * _public_log_mass(frozen, data.low, data.high)
        if interval is not None:
            lo, hi = interval.left, interval.right
            logs = _log_interval(frozen.cdf(lo), frozen.cdf(hi), frozen.sf(lo), frozen.sf(hi),
                                 lambda i: (frozen.logcdf(lo[i]), frozen.logcdf(hi[i])),
                                 lambda i: (frozen.logsf(lo[i]), frozen.logsf(hi[i])))
            # A difference lost even in log space: the last word is scipy's plain one.
            lost = np.isnan(logs)
            logs[lost] = np.log(np.maximum(frozen.cdf(hi[lost]) - frozen.cdf(lo[lost]), 0.0))
            total += float(np.dot(interval.counts, logs))
    return total if not math.isnan(total) else -math.inf


def _public_log_mass(frozen, low: float, high: float) -> float:
    """``log(F(high) − F(low))`` through scipy's public API, in its precise form."""
    lo, hi = np.array([low]), np.array([high])
    logs = _log_interval(frozen.cdf(lo), frozen.cdf(hi), frozen.sf(lo), frozen.sf(hi),
                         lambda i: (frozen.logcdf(lo[i]), frozen.logcdf(hi[i])),
                         lambda i: (frozen.logsf(lo[i]), frozen.logsf(hi[i])))  # fmt: skip
    return float(logs[0]) if np.isfinite(logs[0]) else math.nan


def _climb(dist, model: Model, start: np.ndarray, held: dict[int, float],
           bounds: list[tuple[float, float]], data: CensoredTerms) -> np.ndarray:  # fmt: skip
    """The optimiser from ``start`` in each of the family's coordinate systems in turn,
    then plain ``(loc, log scale)``; only plain ones when ``loc`` or ``scale`` is held."""
    min_gap = 0.0
    if data.exact is not None and data.exact.values.size >= 2:
        v = data.exact.values
        min_gap = MIN_GAP_SHARE * float(min(v[1] - v[0], v[-1] - v[-2]))
    plain = any(i >= dist.numargs for i in held)
    params = start
    modes = ["free"] if plain else [*Coordinates.modes(dist, start), "free"]
    # Last, the free coordinates again with the likelihood's own Hessian as the
    # curvature: Gauss–Newton's crawls along a curved ridge (truncexpon's b and loc).
    for mode, hessian in [*((mode, False) for mode in modes), ("free", True)]:
        try:
            coords = Coordinates(dist, params, model.vmin, model.vmax, mode, bounds, min_gap,
                                 exact_bounds=True)  # fmt: skip
            theta, _, _ = maximise(model, coords, coords.from_params(params),
                                   max_iter=_MAX_ITER, ftol=_FTOL, fixed=tuple(sorted(held)),
                                   hessian=hessian)  # fmt: skip
        except (ValueError, FloatingPointError, ZeroDivisionError, OverflowError):
            continue
        candidate = _with_fixed(coords.to_params(theta), held)
        if model.loglik(candidate) >= model.loglik(params):
            params = candidate
    return params


def _across_observations(dist, model: Model, params: np.ndarray, held: dict[int, float],
                         bounds: list[tuple[float, float]],
                         data: CensoredTerms) -> np.ndarray:  # fmt: skip
    """``params``, or a better optimum with ``loc`` elsewhere.

    Where the density vanishes at ``loc`` (``dgamma``, ``dweibull`` with a shape
    above 1), every exact observation is a wall the optimiser cannot cross, and each
    gap between observations its own basin: a scan of ``loc`` over ±3 scales finds
    the best basin, which is climbed in turn.
    """
    loc_i = len(params) - 2
    for _ in range(_LOC_SCAN_ROUNDS):
        current = model.loglik(params)
        shifts = params[-1] * np.linspace(-3.0, 3.0, _LOC_SCAN)
        trials = [params + np.eye(len(params))[loc_i] * shift for shift in shifts]
        values = [model.loglik(t) for t in trials]
        best = int(np.argmax(values))
        if not values[best] > current + _LOC_SCAN_GAIN:
            break
        moved = _climb(dist, model, trials[best], held, bounds, data)
        if not model.loglik(moved) > current:
            break
        params = moved
    return params


def fit_censored(dist, data: CensoredTerms,
                 fixed: Mapping[str, float] | None = None) -> CensoredFit:  # fmt: skip
    """Maximum likelihood of one scipy family (a name or an ``rv_continuous``) on
    censored data, holding the parameters in ``fixed`` (names as scipy's: shapes,
    ``loc``, ``scale``) at their values.

    Levenberg–Marquardt (:func:`.optimiser.maximise`) from each start
    (:func:`_starts`) in each of the family's coordinate systems (:func:`_climb`;
    with ``loc`` or ``scale`` fixed, in plain ``(loc, log scale)`` coordinates, where
    holding one coordinate holds the parameter), then a scan of ``loc`` for a better
    basin (:func:`_across_observations`). The reported figures are scipy's public
    ones at the best parameters (:func:`censored_loglik`). A family that cannot cover
    the data (``lognorm`` with ``loc`` = 0 on negative values) is a fit with
    ``status`` ``"failed"`` and a message, not an exception.
    """
    name, dist = _resolve(dist)
    names = list(family_of(dist).param_names)
    held = _fixed_indices(names, fixed)
    vmin, vmax = data.covered_range()
    model = Model(dist, data.term_sets, vmin, vmax)
    k = len(names) - len(held)
    n = data.n_obs

    def failed(message: str) -> CensoredFit:
        return CensoredFit(name, {p: math.nan for p in names}, -math.inf, k, math.inf,
                           math.inf, n, data.n_censored, "failed", message)  # fmt: skip

    try:
        bounds = shape_bounds(name)
    except Exception:  # a user's rv_continuous that is not registered: scipy's domains
        bounds = family_of(dist).shape_domains()
    with np.errstate(all="ignore"):  # trial points far out in a tail overflow
        starts = _starts(name, dist, data, held, names, bounds, model)
        if not starts:
            return failed("no starting point where every observation has a positive "
                          "probability (the family's support cannot cover the data with "
                          "these fixed parameters)")  # fmt: skip
        best = max((_climb(dist, model, start, held, bounds, data) for start in starts),
                   key=lambda params: model.loglik(params))  # fmt: skip
        if len(names) - 2 not in held:
            best = _across_observations(dist, model, best, held, bounds, data)
    loglik = censored_loglik(dist, best, data)
    if not math.isfinite(loglik):
        return failed("the censored log-likelihood is not finite at the fitted parameters")
    return CensoredFit(name, dict(zip(names, (float(v) for v in best), strict=True)), loglik,
                       k, 2 * k - 2 * loglik, k * math.log(n) - 2 * loglik, n,
                       data.n_censored)  # fmt: skip

