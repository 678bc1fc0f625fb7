"""Maximum likelihood for discrete families from exact value counts.

The log-likelihood is ``Σ n_k log p(k)`` over the column's distinct values (or
``Σ n_c log P(cell c)`` over grouped cells, see :mod:`.counts`): exact at any number
of rows. Continuous shapes are optimised in unconstrained coordinates (log for
positive shapes, logit for probabilities) by Nelder–Mead, restarted from its own
optimum; closed-form MLEs are used where they exist (Poisson ``mu``, geometric
``p``, Planck ``lambda_``, binomial ``p`` given ``n``, uniform ``low``/``high``).
Integer shapes and the optional ``loc`` shift are profiled (:mod:`.profile`).

``loc`` is 0 and not counted as a parameter unless ``shift=True``, as R and scipy's
textbook forms have it (the published toxocara fits use loc = 0). With ``shift=True``
the families marked ``shiftable`` fit an integer ``loc`` as one more parameter. A
family whose support starts at 1 (geom, logser, zipf, yulesimon) on counts with
zeros is counted from the column's minimum instead of failing (``loc = −1``, one more
parameter, said in the row's message); negative values stay outside a non-negative
family's support (a failed row with the reason).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any

import numpy as np
from scipy.optimize import minimize
from scipy.special import betaln, expit, gammaln, logit

from .counts import ValueCounts
from .profile import maximise_integer
from .registry import DiscreteFamily, get_discrete_family

__all__ = ["DiscreteFit", "fit_discrete", "loglikelihood"]

_BAD = 1e300


class DiscreteFit(dict):
    """One family's fit: ``distribution, params, n_params, loglik, status, message,
    fit_seconds`` (a plain dict, so it pickles and becomes a results row as is)."""


def loglikelihood(dist: Any, shapes: tuple, loc: int, vc: ValueCounts) -> float:
    """``Σ n_k log p(k)`` (exact values) or ``Σ n_c log P(cell)`` (grouped cells)."""
    with np.errstate(all="ignore"):
        if vc.exact:
            logp = dist.logpmf(vc.starts, *shapes, loc=loc)
        else:
            below = dist.cdf(vc.lows - 1, *shapes, loc=loc)
            upper = dist.sf(vc.lows - 1, *shapes, loc=loc) - dist.sf(vc.highs, *shapes, loc=loc)
            lower = dist.cdf(vc.highs, *shapes, loc=loc) - below
            logp = np.log(np.where(below > 0.5, upper, lower))
        if np.any(logp > 1e-9):  # a probability above 1: the pmf lost its precision here
            return -math.inf
        total = float(np.dot(vc.counts.astype(float), logp))
    return total if math.isfinite(total) else -math.inf


# --- coordinates for the optimiser -------------------------------------------------

_TO_COORD: dict[str, Callable[[float], float]] = {
    "positive": lambda v: math.log(v),
    "unit": lambda v: float(logit(v)),
    "prob": lambda v: float(logit(v)),
    "above_one": lambda v: math.log(v - 1.0),
}
_FROM_COORD: dict[str, Callable[[float], float]] = {
    "positive": lambda u: math.exp(u),
    "unit": lambda u: float(expit(u)),
    "prob": lambda u: float(expit(u)),
    "above_one": lambda u: 1.0 + math.exp(u),
}
_LIMITS = {"positive": (1e-8, 1e8), "unit": (1e-12, 1 - 1e-12), "prob": (1e-9, 1 - 1e-9),
           "above_one": (1 + 1e-9, 1e8)}


_LIMIT_COORDS = {kind: (_TO_COORD[kind](lo), _TO_COORD[kind](hi))
                 for kind, (lo, hi) in _LIMITS.items()}


def _clip(value: float, kind: str) -> float:
    lo, hi = _LIMITS[kind]
    return min(max(float(value), lo), hi)


def _betabinom_loglik(shapes: tuple, k: np.ndarray, weights: np.ndarray) -> float:
    """betabinom's log-likelihood of exact counts in 0..n (the profile over n keeps
    n ≥ max): scipy's formula without its per-call checks, for the many inner fits."""
    n, a, b = shapes
    if k[-1] > n:
        return -math.inf
    logp = _log_choose(n, k) + betaln(k + a, n - k + b) - betaln(a, b)
    return float(np.dot(weights, logp))


_FAST_LOGLIK: dict[str, Callable[[tuple, np.ndarray, np.ndarray], float]] = {
    "betabinom": _betabinom_loglik,
}


def _optimise(family: DiscreteFamily, vc: ValueCounts, fixed: dict[str, float], loc: int,
              starts: list[dict[str, float]], quick: bool = False
              ) -> tuple[dict[str, float], float]:
    """Best continuous shapes (given the fixed ones) from several starts.

    ``quick``: looser tolerances and no restart, for the many inner fits of a profile
    (the profile's optimum is then refitted in full)."""
    names = family.continuous
    kinds = dict(family.ranges)
    dist = family.dist
    n = max(vc.n, 1)

    def shapes_of(u: np.ndarray) -> tuple:
        free = {name: _FROM_COORD[kinds[name]](float(v)) for name, v in zip(names, u, strict=True)}
        return tuple({**fixed, **free}[s] for s in family.shapes)

    fast = _FAST_LOGLIK.get(family.name) if vc.exact and loc == 0 and vc.min >= 0 else None
    k, weights = vc.starts.astype(float), vc.counts.astype(float)

    low = np.array([_LIMIT_COORDS[kinds[s]][0] for s in names])
    high = np.array([_LIMIT_COORDS[kinds[s]][1] for s in names])

    def objective(u: np.ndarray) -> float:
        # Beyond the limits scipy's pmfs lose their precision (nbinom with n = 1e14
        # and p = 1 − 1e-14 returns log p(k) > 0), which an optimiser would exploit.
        if not np.all((u >= low) & (u <= high)):
            return _BAD
        shapes = shapes_of(u)
        ll = fast(shapes, k, weights) if fast else loglikelihood(dist, shapes, loc, vc)
        return -ll / n if math.isfinite(ll) else _BAD

    best_u, best_f = None, math.inf
    for start in starts:
        u0 = np.array([_TO_COORD[kinds[s]](_clip(start[s], kinds[s])) for s in names])
        f0 = objective(u0)
        if f0 >= _BAD:
            continue
        # Tolerances on the mean negative log-likelihood per value; a shape drifting to
        # its limit (NB n → ∞ on Poisson-like data) is flat there, so iterations are
        # capped: the likelihood no longer changes by then.
        tol = {"xatol": 1e-5, "fatol": 1e-10} if quick else {"xatol": 1e-8, "fatol": 1e-13}
        tol["maxiter"] = (150 if quick else 400) * len(names)
        for _ in range(1 if quick else 3):  # Nelder–Mead restarted from its own optimum
            res = minimize(objective, u0, method="Nelder-Mead", options=tol)
            if res.fun < f0 - 1e-12:
                u0, f0 = res.x, res.fun
            else:
                break
        if f0 < best_f:
            best_u, best_f = u0, f0
    if best_u is None:
        return {}, -math.inf
    shapes = shapes_of(best_u)
    params = dict(zip(family.shapes, shapes, strict=True))
    return params, loglikelihood(dist, shapes, loc, vc)


# --- starting values ---------------------------------------------------------------

def _nbinom_start(mean: float, var: float) -> dict[str, float]:
    mean = max(mean, 1e-3)
    if var > mean * 1.0001:
        return {"n": mean**2 / (var - mean), "p": mean / var}
    return {"n": 1e3, "p": 1e3 / (1e3 + mean)}


def _positives(vc: ValueCounts) -> tuple[float, float, float]:
    """Share of zeros, mean and variance of the positive values."""
    zero = float(vc.counts[vc.starts == 0].sum()) / max(vc.n, 1)
    keep = vc.starts > 0
    if not keep.any():
        return zero, 1.0, 1.0
    w = vc.counts[keep] / vc.counts[keep].sum()
    m = float(np.dot(w, vc.starts[keep]))
    return zero, m, float(np.dot(w, (vc.starts[keep] - m) ** 2))


def _starts(name: str, vc: ValueCounts, fixed: dict[str, float], loc: int
            ) -> list[dict[str, float]]:
    mean, var = vc.mean_and_variance()
    m = mean - loc
    if name == "poisson":
        return [{"mu": max(m, 1e-6)}]
    if name == "nbinom":
        return [_nbinom_start(m, var), {"n": 1.0, "p": 1 / (1 + max(m, 1e-3))}]
    if name == "geom":
        return [{"p": 1 / max(m, 1.0 + 1e-9)}]
    if name == "planck":
        return [{"lambda_": math.log1p(1 / max(m, 1e-6))}]
    if name == "logser":
        return [{"p": p} for p in (0.5, 0.9, 0.99, 0.999)]
    if name == "zipf":
        return [{"a": a} for a in (1.5, 2.0, 3.0)]
    if name == "yulesimon":
        return [{"alpha": m / (m - 1) if m > 1.05 else 2.0}, {"alpha": 1.0}]
    if name == "dlaplace":
        return [{"a": a} for a in (0.1, 1.0, 3.0)]
    if name == "skellam":
        return [{"mu1": max((var + m) / 2, 0.05), "mu2": max((var - m) / 2, 0.05)}]
    if name == "betanbinom":
        return [{"n": n, "a": a, "b": max(m, 0.1) * (a - 1) / n}
                for n in (1.0, 5.0) for a in (3.0, 10.0)]
    if name == "binom":
        return [{"p": min(max(m / fixed["n"], 1e-9), 1 - 1e-9)}]
    if name == "betabinom":
        n = fixed["n"]
        p = min(max(m / n, 1e-3), 1 - 1e-3)
        rho = (var / (n * p * (1 - p)) - 1) / (n - 1) if n > 1 else 0.5
        total = 1 / min(max(rho, 1e-3), 0.999) - 1
        return [{"a": p * total, "b": (1 - p) * total}, {"a": 1.0, "b": 1.0}]
    if name == "zipfian":
        return [{"a": a} for a in (0.5, 1.0, 2.0)]
    if name == "boltzmann":
        return [{"lambda_": math.log1p(1 / max(m, 1e-3))}, {"lambda_": 0.05}]
    zero, pos_mean, pos_var = _positives(vc)
    if name in ("zi_poisson", "hurdle_poisson"):
        mu = max(pos_mean, 1e-3)
        share = "pi" if name == "zi_poisson" else "p0"
        excess = (zero - math.exp(-mu)) / (1 - math.exp(-mu))
        first = excess if name == "zi_poisson" else zero
        return [{share: min(max(first, 0.01), 0.99), "mu": mu},
                {share: 0.05, "mu": max(m, 1e-3)}]
    if name in ("zi_nbinom", "hurdle_nbinom"):
        share = "pi" if name == "zi_nbinom" else "p0"
        nb = _nbinom_start(pos_mean, pos_var)
        return [{share: min(max(zero / 2 if share == "pi" else zero, 0.01), 0.99), **nb},
                {share: 0.05, **_nbinom_start(m, var)}]
    raise KeyError(name)


_CLOSED_FORM = {"poisson", "geom", "planck", "binom"}


def _fit_given(family: DiscreteFamily, vc: ValueCounts, fixed: dict[str, float], loc: int,
               warm: dict[str, float] | None = None, quick: bool = False
               ) -> tuple[dict[str, float], float]:
    """Best continuous shapes for fixed integer shapes and loc (``warm``: a previous
    solution, used as the only start when ``quick``)."""
    starts = _starts(family.name, vc, fixed, loc)
    if family.name in _CLOSED_FORM and vc.exact:
        params = {**fixed, **starts[0]}
        shapes = tuple(params[s] for s in family.shapes)
        return params, loglikelihood(family.dist, shapes, loc, vc)
    if warm:
        warm = {k: v for k, v in warm.items() if k in family.continuous}
        starts = [warm] if quick else [*starts, warm]
    return _optimise(family, vc, fixed, loc, starts, quick)


# --- integer shapes ------------------------------------------------------------------

def _profile_one(family: DiscreteFamily, vc: ValueCounts, name: str, lo: int
                 ) -> tuple[dict[str, float], float, bool]:
    """Profile over one integer shape ``name`` ≥ ``lo``; True when the optimum is in
    the upper half of the search range (the likelihood still rising towards a limit)."""
    last: dict[str, float] = {}

    def g(m: int) -> float:
        params, ll = _fit_given(family, vc, {name: m}, 0, last, quick=True)
        if params:
            last.update(params)
        return ll

    cap = 10**7 if family.name == "binom" else 10**5
    best, _ = maximise_integer(g, lo, None, cap=cap)
    params, ll = _fit_given(family, vc, {name: best}, 0, last)
    return {**params, name: best}, ll, best >= lo + cap // 2


def _log_choose(a: np.ndarray | float, b: np.ndarray | float) -> np.ndarray:
    return gammaln(np.add(a, 1)) - gammaln(np.add(b, 1)) - gammaln(np.subtract(a, b) + 1)


def _hypergeometric_loglik(name: str, shapes: tuple[int, ...], k: np.ndarray,
                           weights: np.ndarray, xmin: int, xmax: int) -> float:
    """The log-likelihood of exact counts under hypergeom or nhypergeom from log
    binomial coefficients: the same value as scipy's ``logpmf`` (to ~1e-14 per
    value) at a tenth of the cost, for the many evaluations of the nested profile."""
    big_m, n, third = shapes
    if name == "hypergeom":
        draws = third
        if not (max(0, draws - (big_m - n)) <= xmin and xmax <= min(n, draws)):
            return -math.inf
        logp = _log_choose(n, k) + _log_choose(big_m - n, draws - k) - _log_choose(big_m, draws)
    else:
        r = third
        if not (1 <= r <= big_m - n and xmin >= 0 and xmax <= n):
            return -math.inf
        logp = _log_choose(k + r - 1, k) + _log_choose(big_m - r - k, n - k) \
            - _log_choose(big_m, n)
    total = float(np.dot(weights, logp))
    return total if math.isfinite(total) else -math.inf


#: Search range of each integer of the hypergeometric families above its lower bound.
_NESTED_CAP = 10**5


def _fit_integers(family: DiscreteFamily, vc: ValueCounts) -> tuple[dict[str, float], float]:
    """hypergeom (M, n, N) and nhypergeom (M, n, r): all three shapes are integers,
    profiled one inside the other (outer, middle, inner coordinate)."""
    dist, xmin, xmax = family.dist, vc.min, vc.max
    if family.name == "hypergeom":
        # support max(0, N − (M − n)) .. min(n, N): N ≥ max, n ≥ max, M ≥ n + N − min
        ranges = (lambda: (xmax, None),                                     # N
                  lambda d: (max(d, xmax + d - xmin), None),                # M given N
                  lambda d, m: (xmax, min(m, m - d + xmin)))                # n given N, M

        def shapes(d: int, m: int, n: int) -> tuple[int, ...]:
            return (m, n, d)
    else:
        # support 0 .. n, with 1 ≤ r ≤ M − n
        ranges = (lambda: (xmax, None),                                     # n
                  lambda n: (1, None),                                      # r given n
                  lambda n, r: (n + r, None))                               # M given n, r

        def shapes(n: int, r: int, m: int) -> tuple[int, ...]:
            return (m, n, r)

    k, weights = vc.starts.astype(float), vc.counts.astype(float)

    def leaf(values: tuple[int, ...]) -> float:
        if not vc.exact:
            return loglikelihood(dist, values, 0, vc)
        return _hypergeometric_loglik(family.name, values, k, weights, xmin, xmax)

    def inner(prefix: tuple[int, ...]) -> tuple[tuple[int, ...], float]:
        lo, hi = ranges[len(prefix)](*prefix)
        if hi is not None and hi < lo:
            return prefix, -math.inf
        found: dict[int, tuple[int, ...]] = {}

        def g(v: int) -> float:
            if len(prefix) == 2:
                found[v] = (*prefix, v)
                return leaf(shapes(*prefix, v))
            found[v], ll = inner((*prefix, v))
            return ll

        best, ll = maximise_integer(g, lo, hi, dense=6, cap=_NESTED_CAP)
        return found[best], ll

    best, ll = inner(())
    if not math.isfinite(ll):
        return {}, -math.inf
    ll = loglikelihood(dist, shapes(*best), 0, vc)  # reported as scipy computes it
    return {s: int(v) for s, v in zip(family.shapes, shapes(*best), strict=True)}, ll


# --- one family ------------------------------------------------------------------------

def _support_problem(family: DiscreteFamily, vc: ValueCounts, shift: bool) -> str:
    if family.name == "randint" or (shift and family.shiftable):
        return ""  # its shapes, or loc, place the support on the data
    low = family.dist.a
    if math.isfinite(low) and vc.min < low:
        return f"value {vc.min} is below the support of {family.name} (k ≥ {int(low)})"
    return ""


def _counted_from_the_minimum(family: DiscreteFamily, vc: ValueCounts) -> int | None:
    """``loc`` that starts a family whose support begins above 0 (geom, logser, zipf,
    yulesimon: k ≥ 1) at a non-negative column's smallest value: the geometric
    counted from 0 that count data with zeros call for. None for other families and
    for negative values (a non-negative family does not describe those)."""
    low = family.dist.a
    if family.shiftable and math.isfinite(low) and low >= 1 and 0 <= vc.min < low:
        return int(vc.min - low)
    return None


def _fit_shifted(family: DiscreteFamily, vc: ValueCounts) -> tuple[dict[str, float], float]:
    low = family.dist.a
    solutions: dict[int, dict[str, float]] = {}
    if math.isfinite(low):
        top = vc.min - int(low)  # loc ≤ min − a keeps every value in the support

        def g(s: int) -> float:
            params, ll = _fit_given(family, vc, {}, top - s)
            solutions[s] = {**params, "loc": top - s}
            return ll

        s, ll = maximise_integer(g, 0, None, cap=10**5)
    else:

        def g(s: int) -> float:
            params, ll = _fit_given(family, vc, {}, s)
            solutions[s] = {**params, "loc": s}
            return ll

        s, ll = maximise_integer(g, vc.min, vc.max)
    return solutions[s], ll


def fit_discrete(name: str, vc: ValueCounts, shift: bool = False) -> DiscreteFit:
    """Fit one discrete family to a column's value counts by maximum likelihood.

    Returns a :class:`DiscreteFit`; a family that cannot describe the data (values
    outside its support, no finite likelihood) is a ``status="failed"`` fit with the
    reason, never an exception.
    """
    family = get_discrete_family(name)
    started = time.perf_counter()
    n_params = len(family.shapes) + int(shift and family.shiftable)
    record = DiscreteFit(distribution=name, params={}, n_params=n_params, loglik=math.nan,
                         status="failed", message="", fit_seconds=0.0)
    message = ""
    try:
        problem = _support_problem(family, vc, shift)
        start = _counted_from_the_minimum(family, vc) if problem else None
        if problem and start is None:
            record["message"] = problem
            return record
        if start is not None:  # loc places the support on the data: one more parameter
            params, ll = _fit_given(family, vc, {}, start)
            params = {**params, "loc": start}
            record["n_params"] = n_params + 1
            message = (f"{problem}: fitted counted from {vc.min} (loc = {start}, one more "
                       "parameter)")
        elif family.name == "randint":
            low, high = vc.min, vc.max + 1
            params, ll = {"low": low, "high": high}, -vc.n * math.log(high - low)
        elif family.name in ("hypergeom", "nhypergeom"):
            params, ll = _fit_integers(family, vc)
            if params and params["M"] >= _NESTED_CAP // 2:
                message = (f"M reached the search bound {params['M']}: the likelihood still "
                           "rises, so a limit family (binomial) fits at least as well")
        elif family.integers:
            name_int = family.integers[0]
            lo = vc.max + 1 if name == "boltzmann" else max(vc.max, 1)
            params, ll, at_cap = _profile_one(family, vc, name_int, lo)
            if at_cap:
                message = (f"{name_int} reached the search bound {params[name_int]}: the "
                           "likelihood still rises, so a limit family fits at least as well")
        elif shift and family.shiftable:
            params, ll = _fit_shifted(family, vc)
        else:
            params, ll = _fit_given(family, vc, {}, 0)
        if not math.isfinite(ll):
            record["message"] = "no parameters give every value a positive probability"
            return record
        params = {k: (int(v) if k in family.integers or k == "loc" else float(v))
                  for k, v in params.items()}
        params.setdefault("loc", 0)
        ordered = {s: params[s] for s in family.shapes}
        ordered["loc"] = params["loc"]
        record.update(params=ordered, loglik=ll, status="ok", message=message)
    except (ValueError, FloatingPointError, ArithmeticError) as error:
        record["message"] = f"{type(error).__name__}: {error}"
    finally:
        record["fit_seconds"] = time.perf_counter() - started
    return record
