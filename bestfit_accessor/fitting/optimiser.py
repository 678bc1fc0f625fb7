"""Levenberg–Marquardt ascent of a likelihood made of weighted log-probability terms.

It sees a likelihood only as ``Σ n_t · r_t(θ)``: a vector of log-probabilities
``r`` (bins, exact values, censored points, ...) with their weights ``n``. Any kind
of data that the likelihood module turns into terms is optimised the same way.
"""

from __future__ import annotations

import math
import os
import time

import numpy as np

from .coordinates import Coordinates
from .likelihood import Model

__all__ = ["DIFF_STEP", "HESSIAN_STEP", "MAX_STEP", "maximise"]

#: Largest step in any coordinate: a factor e² in a scale or a positive shape.
MAX_STEP = 2.0
#: Forward-difference step in the unbounded coordinates.
DIFF_STEP = 1e-6
#: Step of the second differences when the curvature is the likelihood's Hessian:
#: larger, since a second difference divides the rounding of a sum of 1e5 terms by
#: its square.
HESSIAN_STEP = 1e-4
#: Damping at which Gauss–Newton counts as stuck (see ``hessian_below``).
STUCK_DAMPING = 1e2


def maximise(
    model: Model, coords: Coordinates, theta: np.ndarray, *, max_iter: int = 60,
    ftol: float = 1e-3, deadline: float = math.inf, probes: np.ndarray | None = None,
    stop_at_bound: bool = False, fixed: tuple[int, ...] = (), hessian: bool = False,
    hessian_below: float = -math.inf,
) -> tuple[np.ndarray, float, int]:  # fmt: skip
    """Levenberg–Marquardt ascent of ``model.loglik`` over ``coords``.

    Works on ``r_b = log P_b``: the gradient is ``Jᵀ n`` and the Gauss–Newton
    curvature ``Jᵀ diag(n) J`` with ``J = ∂r/∂θ`` by forward differences, which
    stays finite for bins far in a tail. Stops when an undamped step gains less
    than ``ftol`` (log-likelihood units), when no damped step improves, after
    ``max_iter`` steps, or past ``deadline`` (``time.perf_counter()``). With
    ``probes``, a step is accepted only where :meth:`Model.numerics_ok`; with
    ``stop_at_bound``, it stops once three steps running were cut short by the
    support constraint. Coordinates listed in ``fixed`` keep their values.

    With ``hessian``, the curvature is the log-likelihood's own Hessian by second
    differences (where every point is feasible): Gauss–Newton's ``JᵀJ`` is the
    outer product of the terms' gradients, which a family far from fitting the
    data (a normal on Pareto rows) inflates by orders of magnitude, so its steps
    crawl. Below a log-likelihood of ``hessian_below`` (a fit far from the data:
    gompertz or trapezoid on log-logistic rows, 1e6–1e7 log-units short), the
    Hessian takes over once no Gauss–Newton step improves up to a damping of
    :data:`STUCK_DAMPING`; fits that describe the data never pay for it. Returns
    the best coordinates, their log-likelihood and the number of evaluations.
    """
    theta = np.asarray(theta, dtype=float).copy()
    r0 = model.log_probs(coords.to_params(theta))
    f = model.loglik_from_log_probs(r0)
    evals = 1
    if not np.isfinite(f):
        return theta, f, evals
    lam = 1e-3
    small_steps = 0
    blocked = 0  # consecutive steps cut short by the support constraint
    trace = _TRACE
    for _ in range(max_iter):
        grad, hess, used = _gauss_newton_terms(model, coords, theta, r0, fixed)
        evals += used
        newton = _newton_terms(model, coords, theta, f, fixed) if hessian else None
        if newton is not None:
            _, hess, used = newton
            evals += used
        diag = _damping(hess)
        improved = False
        while lam < 1e12:
            if not hessian and lam > STUCK_DAMPING and f < hessian_below:
                newton = _newton_terms(model, coords, theta, f, fixed)
                hessian = True  # once: from here on, every step uses the Hessian
                if newton is not None:
                    _, hess, used = newton
                    evals += used
                    diag, lam = _damping(hess), 1e-3
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


def _damping(hess: np.ndarray) -> np.ndarray:
    """Marquardt's scaling: the curvature's diagonal, floored relative to its largest."""
    diag = np.abs(np.diag(hess))
    return np.maximum(diag, 1e-12 * max(float(diag.max()), 1e-300))


def _gauss_newton_terms(model: Model, coords: Coordinates, theta: np.ndarray, r0: np.ndarray,
                        fixed: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray, int]:  # fmt: skip
    """Gradient ``Jᵀn`` and curvature ``Jᵀ diag(n) J`` by forward differences of the
    terms, and the evaluations they took."""
    n = model.weights
    k = theta.size
    jac = np.zeros((r0.size, k))
    evals = 0
    for j in range(k):
        if j in fixed:
            continue
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
    return jac.T @ n, (jac * n[:, None]).T @ jac, evals


def _newton_terms(model: Model, coords: Coordinates, theta: np.ndarray, f: float,
                  fixed: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray, int] | None:  # fmt: skip
    """Gradient and ``−∂²loglik/∂θ²`` by differences of the log-likelihood, with the
    evaluations they took; None where a coordinate cannot be differenced.

    Central differences where both sides are feasible, second-order one-sided ones
    inwards otherwise (a shape against its bound).
    """
    k = theta.size
    free = [j for j in range(k) if j not in fixed]
    steps = HESSIAN_STEP * np.maximum(1.0, np.abs(theta))
    evals = 0

    def value(offset: dict[int, float]) -> float:
        nonlocal evals
        t = theta.copy()
        for j, times in offset.items():
            t[j] += times * steps[j]
        evals += 1
        r = model.log_probs(coords.to_params(t))
        return -math.inf if r is None else model.loglik_from_log_probs(r)

    grad, out = np.zeros(k), np.zeros((k, k))
    side, one = {}, {}
    for j in free:
        plus, minus = value({j: 1.0}), value({j: -1.0})
        if np.isfinite(plus) and np.isfinite(minus):
            side[j], one[j] = 1.0, plus
            grad[j] = (plus - minus) / (2.0 * steps[j])
            out[j, j] = -(plus - 2.0 * f + minus) / steps[j] ** 2
        elif np.isfinite(plus) or np.isfinite(minus):
            side[j] = 1.0 if np.isfinite(plus) else -1.0
            one[j] = plus if np.isfinite(plus) else minus
            two = value({j: 2.0 * side[j]})
            grad[j] = side[j] * (4.0 * one[j] - 3.0 * f - two) / (2.0 * steps[j])
            out[j, j] = -(two - 2.0 * one[j] + f) / steps[j] ** 2
        else:
            return None
    for a, j in enumerate(free):
        for m in free[a + 1 :]:
            both = value({j: side[j], m: side[m]})
            out[j, m] = out[m, j] = (-(both - one[j] - one[m] + f)
                                     / (side[j] * side[m] * steps[j] * steps[m]))  # fmt: skip
    for j in fixed:
        out[j, j] = 1.0
    if not (np.all(np.isfinite(out)) and np.all(np.isfinite(grad))):
        return None
    return grad, out, evals


_TRACE = bool(os.environ.get("BESTFIT_TRACE"))
