"""Find which probability distribution describes each column, at any scale.

``import bestfit_accessor`` registers a ``.bestfit`` accessor on pandas and Modin
DataFrames and Series. Histograms, fits and correlations run as Ray tasks.
"""

from __future__ import annotations

import warnings as _warnings

from .accessor import BestFitAccessor, register_accessors
from .compat import DistributionFit, DistributionFitter, FitResults, RayBackend
from .dependence.copula import CorrelationRepairWarning, GaussianCopula
from .exceptions import (
    BestFitError,
    ColumnNotFoundError,
    ColumnTypeError,
    InsufficientDataError,
    InvalidArgumentError,
    RayConnectionError,
    UnknownDistributionError,
)
from .fitting.registry import (
    DEFAULT_EXCLUSIONS,
    NAMED_SETS,
    get_distribution,
    list_distributions,
    param_names,
)
from .pipeline import DEFAULT_TIMEOUT
from .results.frame import METRICS, fits_from_json, fits_to_json, to_scipy
from .runtime import init, shutdown

__version__ = "0.1.0"

__all__ = [
    "DEFAULT_EXCLUSIONS",
    "DEFAULT_TIMEOUT",
    "METRICS",
    "NAMED_SETS",
    "BestFitAccessor",
    "BestFitError",
    "ColumnNotFoundError",
    "ColumnTypeError",
    "CorrelationRepairWarning",
    "DistributionFit",
    "DistributionFitter",
    "FitResults",
    "GaussianCopula",
    "InsufficientDataError",
    "InvalidArgumentError",
    "RayBackend",
    "RayConnectionError",
    "UnknownDistributionError",
    "__version__",
    "fits_from_json",
    "fits_to_json",
    "get_distribution",
    "init",
    "list_distributions",
    "param_names",
    "shutdown",
    "to_scipy",
]

with _warnings.catch_warnings():
    _warnings.simplefilter("ignore")
    register_accessors()
