"""Fitting a Gaussian copula to a frame: marginals from the fits, then correlation.

Each column's marginal is its best-ranked fitted distribution; the dependence is
the Pearson correlation of the normal scores ``Φ⁻¹(F̂ᵢ(xᵢ))`` (F clipped to
[1e-12, 1 − 1e-12]), computed in a second distributed pass with mergeable
co-moments over the rows finite in every selected column. (Pearson of normal
scores estimates the Gaussian copula's correlation directly; Spearman's ρ would
first need the ``2 sin(πρ/6)`` conversion.) A count marginal or a hurdle atom
scores each mass point by its cell's latent mean (:mod:`.mass_scores`), and the
attenuation that causes is removed exactly (:mod:`.latent`). A matrix that is not
positive definite is repaired to the nearest correlation matrix with a warning.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .. import frames
from ..exceptions import InsufficientDataError, InvalidArgumentError
from ..results import best_rows
from ..results.hurdle import atom_of
from ..results.truncated import bounds_of
from ..summaries.comoments import correlation_matrix
from .correlation import normal_score_stats
from .latent import HERMITE_ORDER, latent_matrix
from .linalg import positive_definite_correlation
from .marginal import Marginal, check_marginal
from .mass_scores import ScoreTable, TruncatedScoreTable, build_score_table
from .normal_scores import NormalScoreTable

__all__ = ["CopulaEstimate", "best_marginals", "estimate_copula", "results_frame",
           "score_correlation"]

_RESULT_FIELDS = frozenset({"column", "distribution", "params", "status"})


@dataclass(frozen=True)
class CopulaEstimate:
    """Everything a fit finds: the copula's parts and what they were estimated from."""

    labels: list[Hashable]
    marginals: list[Marginal]
    correlation: np.ndarray
    tables: list[ScoreTable]
    n_obs: int
    n_dropped: int
    source: str


def results_frame(obj: object) -> pd.DataFrame | None:
    """The results table of a ``.bestfit.fit()`` frame or a ``FitResults``; else None."""
    frame = obj if isinstance(obj, pd.DataFrame) else getattr(obj, "df", None)
    if isinstance(frame, pd.DataFrame) and _RESULT_FIELDS <= set(frame.columns):
        return frame
    return None


def _as_label_list(columns: Any) -> list:
    if isinstance(columns, (list, tuple, pd.Index)):
        return list(columns)
    return [columns]


def best_marginals(fits: pd.DataFrame, selected: list | None,
                   metric: str) -> tuple[list, list[Marginal]]:  # fmt: skip
    """Each column's best usable row of a results frame (:func:`.best_rows`' rule)."""
    best = best_rows(fits, metric, n=1, columns=selected)
    labels = list(dict.fromkeys(fits["column"])) if selected is None else selected
    found = {row["column"]: Marginal(row["distribution"], row["params"], atom_of(row),
                                     bounds_of(row))
             for _, row in best.iterrows()}  # fmt: skip
    marginals = []
    for label in labels:
        if label not in found:
            raise InvalidArgumentError(f"column {label!r} has no successful fit in fits")
        marginals.append(check_marginal(found[label], label))
    return labels, marginals


def score_correlation(observed: np.ndarray, tables: list[ScoreTable]) -> np.ndarray:
    """The latent correlation behind the scores' correlation (:mod:`.latent`): the
    attenuation by mass points removed; continuous pairs are unchanged."""
    coefficients = [None if isinstance(t, (NormalScoreTable, TruncatedScoreTable))
                    else t.hermite(HERMITE_ORDER)
                    for t in tables]  # fmt: skip
    if all(c is None for c in coefficients):
        return observed
    return latent_matrix(observed, coefficients)


def estimate_copula(obj: Any, fits: Any = None, *, columns: Any = None, metric: str = "aic",
                    distributions: Any = None, random_state: Any = None,
                    stacklevel: int = 2) -> CopulaEstimate:  # fmt: skip
    """Marginals and normal-score correlation of ``obj``'s columns (see
    :meth:`GaussianCopula.fit <bestfit_accessor.GaussianCopula.fit>`).

    ``obj`` and ``fits`` are accepted in the seed API's order too.
    """
    from ..pipeline import fit_frame
    from ..results.ranking import check_metric

    if results_frame(obj) is not None and fits is not None and results_frame(fits) is None:
        obj, fits = fits, obj  # the seed API's argument order
    if fits is not None:
        frame = results_frame(fits)
        if frame is None:
            raise InvalidArgumentError(
                "fits must be the DataFrame returned by .bestfit.fit() (or a FitResults), "
                f"got {type(fits).__name__}"
            )
        fits = frame
    metric = check_metric(metric)
    selected = None if columns is None else _as_label_list(columns)
    if fits is None:
        fits = fit_frame(obj, selected, distributions=distributions, metric=metric,
                         random_state=random_state)  # fmt: skip
    labels, marginals = best_marginals(fits, selected, metric)
    if len(labels) < 2:
        raise InvalidArgumentError(f"a Gaussian copula needs at least two columns, got {labels}")
    blocks = frames.to_blocks(obj, labels)
    tables = [build_score_table(m) for m in marginals]
    stats = normal_score_stats(blocks, tables)
    if stats.n < 3:
        raise InsufficientDataError(
            f"columns {labels} have {stats.n} rows finite in every column; a copula "
            "needs at least 3"
        )
    corr = correlation_matrix(stats)
    constant = [label for label, v in zip(labels, np.diag(corr), strict=True)
                if not np.isfinite(v)]  # fmt: skip
    if constant:
        raise InsufficientDataError(
            f"the normal scores of {constant} are constant under their fitted marginals; "
            "no correlation can be estimated"
        )
    corr = positive_definite_correlation(score_correlation(corr, tables), labels,
                                         stacklevel=stacklevel + 1)  # fmt: skip
    return CopulaEstimate(labels, marginals, corr, tables, int(stats.n),
                          int(stats.n_dropped), blocks.source)  # fmt: skip
