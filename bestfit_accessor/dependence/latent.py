"""The latent Gaussian correlation behind the correlation of two columns' scores.

Under the Gaussian copula with latent normals ``(Z₁, Z₂)`` of correlation ``ρ``, a
column's score is a non-decreasing function ``g(Z)`` of its latent normal: ``Z``
itself for a continuous marginal, the cell mean ``m_k`` on each cell of a mass
point (:mod:`.mass_scores`). Mehler's formula gives the scores' covariance exactly,

    ``E[g₁(Z₁) g₂(Z₂)] = Σ_{j ≥ 1} ρʲ d₁ⱼ d₂ⱼ``,   ``dⱼ = E[g(Z) hⱼ(Z)]``

(``hⱼ`` the orthonormal Hermite polynomials, ``E g = 0``), so the scores' Pearson
correlation is ``r(ρ) = Σ ρʲ d₁ⱼ d₂ⱼ / √(Var g₁ · Var g₂)``: increasing in ``ρ``
for non-decreasing scores, and ``r(ρ) = ρ`` when both columns are continuous. The
copula's correlation is the root of ``r(ρ) = r̂``. Pure numpy/scipy.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import brentq

__all__ = ["HERMITE_ORDER", "RHO_LIMIT", "latent_correlation", "latent_matrix"]

#: Terms of the Hermite series: the terms left out are below |ρ|^401 times the
#: scores' residual variance (≤ 2e-9 of it at |ρ| = 0.95, 2% at 0.99).
HERMITE_ORDER = 400
#: The root is searched in [−RHO_LIMIT, RHO_LIMIT]; an observed correlation beyond
#: what the marginals allow there is mapped to the limit.
RHO_LIMIT = 1.0 - 1e-9


def _series(rho: float, product: np.ndarray) -> float:
    # product[j] = d1_j d2_j for j = 1 .. order (index 0 unused)
    powers = rho ** np.arange(product.size)
    return float(np.dot(powers[1:], product[1:]))


def latent_correlation(observed: float, first: tuple[np.ndarray, float],
                       second: tuple[np.ndarray, float]) -> float:  # fmt: skip
    """``ρ`` with ``r(ρ) = observed`` for scores of Hermite coefficients and variances
    ``first = (d₁, Var g₁)`` and ``second``."""
    (d1, v1), (d2, v2) = first, second
    product = d1 * d2 / np.sqrt(v1 * v2)

    def excess(rho: float) -> float:
        return _series(rho, product) - observed

    lo, hi = excess(-RHO_LIMIT), excess(RHO_LIMIT)
    if lo >= 0:
        return -RHO_LIMIT
    if hi <= 0:
        return RHO_LIMIT
    return float(brentq(excess, -RHO_LIMIT, RHO_LIMIT, xtol=1e-12))


def latent_matrix(observed: np.ndarray, coefficients: list[tuple[np.ndarray, float] | None]
                  ) -> np.ndarray:
    """The latent correlation matrix from the scores' correlation matrix; an entry
    ``None`` in ``coefficients`` is a continuous column (score ``z``), and a pair of
    continuous columns keeps its correlation unchanged."""
    out = np.array(observed, dtype=float, copy=True)
    k = out.shape[0]
    identity = (np.eye(1, HERMITE_ORDER + 1, 1)[0], 1.0)
    for i in range(k):
        for j in range(i + 1, k):
            if coefficients[i] is None and coefficients[j] is None:
                continue
            if not np.isfinite(out[i, j]):
                continue
            rho = latent_correlation(out[i, j], coefficients[i] or identity,
                                     coefficients[j] or identity)  # fmt: skip
            out[i, j] = out[j, i] = rho
    return out
