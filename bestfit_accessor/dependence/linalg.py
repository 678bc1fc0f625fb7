"""Correlation-matrix linear algebra: validation, nearest correlation, Cholesky.

Pure numpy. A copula's correlation matrix must be symmetric with a unit diagonal
and positive definite (its Cholesky factor drives sampling). Estimated matrices
that fall short are repaired to the nearest correlation matrix (Higham 2002) with
a :class:`CorrelationRepairWarning`; matrices given by a user or read from JSON
are validated and refused instead.
"""

from __future__ import annotations

import warnings
from collections.abc import Hashable, Sequence

import numpy as np

from ..exceptions import InvalidArgumentError
from ..results.jsonio import is_real

__all__ = [
    "MIN_EIGENVALUE",
    "REPAIR_EIGENVALUE",
    "SYMMETRY_TOL",
    "CorrelationRepairWarning",
    "check_correlation",
    "cholesky",
    "nearest_correlation",
    "positive_definite_correlation",
]

#: Asymmetry and diagonal deviation tolerated (and removed) in a correlation matrix.
SYMMETRY_TOL = 1e-12
#: A correlation matrix is valid when its smallest eigenvalue exceeds this.
MIN_EIGENVALUE = 1e-10
#: Repairs aim for at least this smallest eigenvalue.
REPAIR_EIGENVALUE = 1e-8


class CorrelationRepairWarning(UserWarning):
    """The estimated correlation matrix was not positive definite and was repaired."""


def _as_square(matrix: object, k: int) -> np.ndarray:
    """A k×k float64 copy of an array or a nested list of real numbers."""
    if isinstance(matrix, np.ndarray):
        if matrix.dtype.kind not in "fiu":
            raise InvalidArgumentError(
                f"correlation must hold real numbers, got dtype {matrix.dtype}"
            )
        c = matrix.astype(np.float64)
    else:
        if not isinstance(matrix, Sequence) or isinstance(matrix, str) or len(matrix) != k:
            raise InvalidArgumentError(f"correlation must be a {k}×{k} nested list of numbers")
        rows = []
        for row in matrix:
            if (not isinstance(row, Sequence) or isinstance(row, str) or len(row) != k
                    or not all(is_real(v) for v in row)):  # fmt: skip
                raise InvalidArgumentError(
                    f"correlation must be a {k}×{k} nested list of numbers"
                )
            rows.append([float(v) for v in row])
        c = np.array(rows, dtype=np.float64)
    if c.shape != (k, k):
        raise InvalidArgumentError(
            f"correlation must be {k}×{k} for {k} columns, got shape {c.shape}"
        )
    return c


def check_correlation(matrix: object, k: int) -> np.ndarray:
    """A validated, read-only k×k correlation matrix, exactly symmetric.

    Refuses (:class:`InvalidArgumentError`) anything that is not real, finite,
    symmetric to :data:`SYMMETRY_TOL`, unit-diagonal, within [-1, 1] and positive
    definite (smallest eigenvalue above :data:`MIN_EIGENVALUE`).
    """
    c = _as_square(matrix, k)
    if not np.isfinite(c).all():
        raise InvalidArgumentError("correlation holds NaN or infinite values")
    if not np.all(np.abs(c - c.T) <= SYMMETRY_TOL):
        raise InvalidArgumentError("correlation is not symmetric")
    if not np.all(np.abs(np.diag(c) - 1.0) <= SYMMETRY_TOL):
        raise InvalidArgumentError("correlation must have a unit diagonal")
    # Rounding-level asymmetry (e.g. numpy.corrcoef's) is removed; what is stored
    # and saved is exactly symmetric with an exact unit diagonal.
    c = 0.5 * (c + c.T)
    np.fill_diagonal(c, 1.0)
    if np.any(np.abs(c) > 1.0):
        raise InvalidArgumentError("correlation entries must lie in [-1, 1]")
    smallest = float(np.linalg.eigvalsh(c).min())
    if not smallest > MIN_EIGENVALUE:
        raise InvalidArgumentError(
            f"correlation is not positive definite (smallest eigenvalue {smallest:.3g})"
        )
    c.setflags(write=False)
    return c


def _psd_projection(a: np.ndarray, floor: float) -> np.ndarray:
    values, vectors = np.linalg.eigh(0.5 * (a + a.T))
    return (vectors * np.maximum(values, floor)) @ vectors.T


def nearest_correlation(a: np.ndarray, *, floor: float = REPAIR_EIGENVALUE,
                        max_iter: int = 500, tol: float = 1e-12) -> np.ndarray:  # fmt: skip
    """The correlation matrix nearest to ``a`` (Frobenius norm) with eigenvalues >= ``floor``.

    Higham (2002): alternating projections onto the positive semidefinite matrices
    (with Dykstra's correction) and onto the unit-diagonal matrices.
    """
    a = 0.5 * (np.asarray(a, dtype=np.float64) + np.asarray(a, dtype=np.float64).T)
    y = a.copy()
    correction = np.zeros_like(a)
    for _ in range(max_iter):
        r = y - correction
        x = _psd_projection(r, floor)
        correction = x - r
        y_next = x.copy()
        np.fill_diagonal(y_next, 1.0)
        change = np.linalg.norm(y_next - y) / max(np.linalg.norm(y), 1.0)
        y = y_next
        if change < tol:
            break
    # Land exactly on the set: eigenvalues above the floor, unit diagonal, symmetric.
    for _ in range(50):
        x = _psd_projection(y, floor)
        d = 1.0 / np.sqrt(np.diag(x))
        y = x * np.outer(d, d)
        y = 0.5 * (y + y.T)
        np.fill_diagonal(y, 1.0)
        if np.linalg.eigvalsh(y).min() > MIN_EIGENVALUE:
            return y
        floor *= 2.0
    return y


def positive_definite_correlation(corr: np.ndarray, labels: Sequence[Hashable], *,
                                  stacklevel: int = 2) -> np.ndarray:  # fmt: skip
    """An estimated correlation made exactly symmetric with a unit diagonal, and
    repaired to the nearest correlation matrix (with a warning) when it is not
    positive definite. ``stacklevel`` is :func:`warnings.warn`'s, counted from here."""
    corr = 0.5 * (corr + corr.T)
    np.fill_diagonal(corr, 1.0)
    smallest = float(np.linalg.eigvalsh(corr).min())
    if smallest > MIN_EIGENVALUE:
        return corr
    repaired = nearest_correlation(corr)
    warnings.warn(
        f"the normal-score correlation of {list(labels)} is not positive definite "
        f"(smallest eigenvalue {smallest:.3g}); using the nearest correlation matrix "
        f"(largest change {np.abs(repaired - corr).max():.3g})",
        CorrelationRepairWarning,
        stacklevel=stacklevel,
    )
    return repaired


def cholesky(correlation: np.ndarray) -> np.ndarray:
    """The lower Cholesky factor ``L`` (``L Lᵀ = correlation``) that correlates normals."""
    return np.linalg.cholesky(correlation)
