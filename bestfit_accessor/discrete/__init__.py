"""Discrete (count) distributions: exact value counts, profiled integer shapes, and
goodness of fit made for counts.

Pure numpy/scipy, no Ray: :mod:`.counts` (per-block value counts and their merge),
:mod:`.registry` (the candidate set and exclusions), :mod:`.fit` (maximum likelihood),
:mod:`.profile` (integer shapes), :mod:`.gof` (chi-square, discrete KS, AIC/BIC,
rootogram data) and :mod:`.zero_models` (zero-inflated and hurdle families).
"""

from __future__ import annotations

from .counts import DEFAULT_MAX_CELLS, ValueCounts, block_value_counts, merge_value_counts
from .fit import DiscreteFit, fit_discrete, loglikelihood
from .gof import KS_NOTE, chi_square, discrete_ks, goodness_of_fit, rootogram
from .registry import (
    DISCRETE_CANDIDATES,
    DISCRETE_EXCLUSIONS,
    DiscreteFamily,
    get_discrete_family,
    resolve_discrete,
)
from .zero_models import ZERO_MODELS, hurdle_nbinom, hurdle_poisson, zi_nbinom, zi_poisson

__all__ = [
    "DEFAULT_MAX_CELLS",
    "DISCRETE_CANDIDATES",
    "DISCRETE_EXCLUSIONS",
    "KS_NOTE",
    "ZERO_MODELS",
    "DiscreteFamily",
    "DiscreteFit",
    "ValueCounts",
    "block_value_counts",
    "chi_square",
    "discrete_ks",
    "fit_discrete",
    "get_discrete_family",
    "goodness_of_fit",
    "hurdle_nbinom",
    "hurdle_poisson",
    "loglikelihood",
    "merge_value_counts",
    "resolve_discrete",
    "rootogram",
    "zi_nbinom",
    "zi_poisson",
]
