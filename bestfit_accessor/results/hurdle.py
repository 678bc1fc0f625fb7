"""Hurdle mixtures: a point mass (an atom) plus a continuous distribution of the rest.

A column whose value ``a`` holds a share ``p`` of the rows no density can describe
(exact zeros in payments, rainfall, returns; see
:mod:`bestfit_accessor.summaries.point_masses`) is, with ``fit(..., atoms="model")``,
described by the hurdle model

    ``X = a`` with probability ``p``, else ``X ~ F`` (the continuous fit of the rest).

Its likelihood over all ``n`` rows separates: ``n_atom·log p + n_rest·log(1 − p) +
loglik_rest``, maximised by ``p = n_atom / n`` whatever ``F`` is, so the continuous
fits of the rest stay as they are and each row gains one parameter and the atom's
terms (:func:`hurdle_record`). Pure: no Ray, no I/O.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping
from typing import Any

import numpy as np

from ..exceptions import InvalidArgumentError
from ..fitting.metrics import information_criteria
from ..summaries.point_masses import PointMass
from .derived import DerivedDistribution

__all__ = ["HurdleMixture", "atom_loglik", "atom_of", "hurdle_record", "model_point_masses"]


def atom_loglik(n_atom: int, n_total: int) -> float:
    """The atom's part of the hurdle log-likelihood at its MLE ``p = n_atom / n_total``:
    ``n_atom·log p + n_rest·log(1 − p)``."""
    n_rest = n_total - n_atom
    if not 0 < n_atom < n_total:
        raise ValueError(f"an atom needs 0 < n_atom < n_total, got {n_atom} of {n_total}")
    p = n_atom / n_total
    return n_atom * math.log(p) + n_rest * math.log1p(-p)


def hurdle_record(record: Mapping[str, Any], atom_value: float, n_atom: int) -> dict:
    """A results record of the continuous fit of the rest, turned into its hurdle model.

    ``record`` describes the fit to the ``n_obs`` values other than the atom. The
    hurdle record counts every row: ``n_obs`` becomes ``n_obs + n_atom``, ``n_params``
    gains the atom probability, ``loglik`` the atom's terms, and AIC/BIC are
    recomputed over all rows. ``atom_value`` and ``atom_prob`` name the atom. KS, AD
    and SSE stay those of the continuous part (a mixed distribution has no density
    at the atom to compare a histogram with). A failed record keeps its status and
    gains the counts only.
    """
    out = dict(record)
    n_rest = int(record["n_obs"])
    n_total = n_rest + int(n_atom)
    out["n_obs"] = n_total
    out["n_params"] = int(record["n_params"]) + 1
    out["atom_value"] = float(atom_value)
    out["atom_prob"] = n_atom / n_total
    loglik = record.get("loglik", math.nan)
    if record.get("status") == "ok" and loglik is not None and math.isfinite(loglik):
        total = float(loglik) + atom_loglik(int(n_atom), n_total)
        out["loglik"] = total
        aic, bic = information_criteria(total, out["n_params"], n_total)
        out["aic"], out["bic"] = float(aic), float(bic)
    return out


def describe_hurdle(mass: PointMass) -> str:
    """The message of a column whose point mass is modelled as a hurdle atom."""
    return (f"point mass at {mass.value:g} ({100 * mass.share:.1f}% of {mass.n:,} values) "
            f"modelled as a hurdle atom (atom_value, atom_prob); params describe the other "
            f"{mass.n - mass.count:,}; KS, AD and SSE are those of that continuous part")


def model_point_masses(records: list[dict], masses: Mapping[Hashable, PointMass | None]
                       ) -> list[dict]:
    """``fit(..., atoms="model")``: every record of a column with a point mass (``masses``
    maps each column to its confirmed :class:`PointMass` or None) as its hurdle model,
    its message saying so instead of "set aside"."""
    out = []
    for record in records:
        mass = masses.get(record["column"])
        if mass is None:
            out.append(record)
            continue
        hurdle = hurdle_record(record, mass.value, mass.count)
        rest = str(record.get("message", "")).replace(mass.describe(), "").strip("; ")
        hurdle["message"] = "; ".join(filter(None, [describe_hurdle(mass), rest]))
        out.append(hurdle)
    return out


def atom_of(row: Mapping[str, Any] | Any) -> tuple[float, float] | None:
    """``(atom_value, atom_prob)`` of a results row fitted with ``atoms="model"``, else
    None (no atom fields, or missing values); invalid values are an error."""
    try:
        value, prob = row["atom_value"], row["atom_prob"]
    except (KeyError, TypeError, IndexError):
        return None
    if value is None or prob is None:
        return None
    try:
        value, prob = float(value), float(prob)
    except (TypeError, ValueError):
        raise InvalidArgumentError(f"atom_value/atom_prob must be numbers, got {value!r}, "
                                   f"{prob!r}") from None
    if math.isnan(value) and math.isnan(prob):
        return None
    if not (math.isfinite(value) and 0.0 < prob < 1.0):
        raise InvalidArgumentError(f"a hurdle atom needs a finite atom_value and 0 < atom_prob "
                                   f"< 1, got {value!r} and {prob!r}")
    return value, prob


class HurdleMixture(DerivedDistribution):
    """A frozen hurdle mixture: ``atom`` with probability ``p_atom``, else ``continuous``.

    Semantics (``G`` the mixture's CDF, ``F`` the continuous part's):

    * ``cdf(x) = (1 − p)·F(x) + p·[x ≥ atom]``: right-continuous, it jumps by ``p``
      at the atom; ``sf = 1 − cdf``.
    * ``pdf(x) = (1 − p)·f(x)``: the density of the absolutely continuous part (the
      atom has no density; its mass is :attr:`p_atom`, see :meth:`pmf_atom`).
      ``logpdf`` is its log. A likelihood of data with atoms is
      ``Σ_atoms log p + Σ_rest logpdf``.
    * ``ppf(q)`` is the generalised inverse ``min{x : G(x) ≥ q}``: every ``q`` in
      ``(G(atom⁻), G(atom)]`` maps to the atom, the rest through ``F⁻¹`` of the
      rescaled probability; so ``ppf(U)`` for uniform ``U`` reproduces the mixture.
    * ``rvs`` draws by ``ppf`` of uniforms: a share ``p`` of atoms within binomial noise.
    * ``isf``, ``logcdf``, ``logsf``, ``interval``, ``mean``, ``var``, ``std``,
      ``median`` and ``support`` are those of the mixture.
    """

    def __init__(self, continuous: Any, atom: float, p_atom: float) -> None:
        if not (math.isfinite(atom) and 0.0 < p_atom < 1.0):
            raise InvalidArgumentError(f"a hurdle mixture needs a finite atom and 0 < p < 1, "
                                       f"got {atom!r} and {p_atom!r}")
        self.continuous = continuous
        self.atom = float(atom)
        self.p_atom = float(p_atom)

    def __repr__(self) -> str:
        dist = getattr(getattr(self.continuous, "dist", None), "name", "continuous")
        return (f"HurdleMixture(atom={self.atom:g}, p_atom={self.p_atom:.6g}, "
                f"continuous={dist}{tuple(getattr(self.continuous, 'args', ()))}"
                f"{dict(getattr(self.continuous, 'kwds', {}))})")

    # -- the two parts -----------------------------------------------------------------
    def pmf_atom(self) -> float:
        """The probability of the atom."""
        return self.p_atom

    def _below_atom(self) -> float:
        """``G(atom⁻)``: the probability of values strictly below the atom."""
        return (1.0 - self.p_atom) * float(self.continuous.cdf(self.atom))

    # -- distribution functions ---------------------------------------------------------
    def pdf(self, x: Any) -> np.ndarray:
        return (1.0 - self.p_atom) * np.asarray(self.continuous.pdf(x), dtype=float)

    def logpdf(self, x: Any) -> np.ndarray:
        return math.log1p(-self.p_atom) + np.asarray(self.continuous.logpdf(x), dtype=float)

    def cdf(self, x: Any) -> np.ndarray:
        x = np.asarray(x, dtype=float)
        jump = np.where(x >= self.atom, self.p_atom, 0.0)
        return (1.0 - self.p_atom) * np.asarray(self.continuous.cdf(x), dtype=float) + jump

    def sf(self, x: Any) -> np.ndarray:
        x = np.asarray(x, dtype=float)
        jump = np.where(x < self.atom, self.p_atom, 0.0)
        return (1.0 - self.p_atom) * np.asarray(self.continuous.sf(x), dtype=float) + jump

    def ppf(self, q: Any) -> np.ndarray:
        q = np.asarray(q, dtype=float)
        below = self._below_atom()
        p = self.p_atom
        out = np.full(q.shape, np.nan)
        low = q <= below
        at = (q > below) & (q <= below + p)
        high = (q > below + p) & (q <= 1.0)
        if low.any():
            out[low] = self.continuous.ppf(q[low] / (1.0 - p))
        if high.any():
            out[high] = self.continuous.ppf(np.minimum((q[high] - p) / (1.0 - p), 1.0))
        out[at] = self.atom
        return out[()] if out.ndim == 0 else out

    # -- summaries ------------------------------------------------------------------------
    def mean(self) -> float:
        return self.p_atom * self.atom + (1.0 - self.p_atom) * float(self.continuous.mean())

    def var(self) -> float:
        m_c, v_c = float(self.continuous.mean()), float(self.continuous.var())
        second = self.p_atom * self.atom**2 + (1.0 - self.p_atom) * (v_c + m_c**2)
        return second - self.mean() ** 2

    def support(self) -> tuple[float, float]:
        lo, hi = (float(v) for v in self.continuous.support())
        return min(lo, self.atom), max(hi, self.atom)
