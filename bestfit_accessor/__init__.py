"""Find which probability distribution describes each column, at any scale.

``import bestfit_accessor`` registers a ``.bestfit`` accessor on pandas and Modin
DataFrames and Series. Histograms, fits and correlations run as Ray tasks.
"""

from __future__ import annotations

import warnings as _warnings

from .accessor import BestFitAccessor, register_accessors
from .compat import (
    DiscreteDistributionFit,
    DiscreteDistributionFitter,
    DiscreteFitResults,
    DistributionFit,
    DistributionFitter,
    FitResults,
    RayBackend,
)
from .dependence.linalg import CorrelationRepairWarning
from .dependence.model import GaussianCopula
from .exceptions import (
    ArgumentTypeError,
    BestFitError,
    ColumnNotFoundError,
    ColumnTypeError,
    InsufficientDataError,
    InvalidArgumentError,
    MemoryLimitError,
    MissingDependencyError,
    NonIntegerValuesError,
    RayAlreadyRunningWarning,
    RayClusterLostError,
    RayConnectionError,
    StaleRayAddressWarning,
    UnknownDistributionError,
)
from .fitting.registry import (
    DEFAULT_CANDIDATES,
    DEFAULT_EXCLUSIONS,
    NAMED_SETS,
    get_distribution,
    list_distributions,
    param_names,
    register_distribution,
    unregister_distribution,
)
from .options import DEFAULT_SAMPLE_SIZE, DEFAULT_TIMEOUT, FitOptions
from .results import (
    METRICS,
    best_rows,
    fits_from_csv,
    fits_from_json,
    fits_from_parquet,
    fits_to_csv,
    fits_to_json,
    fits_to_parquet,
    params_of,
    to_scipy,
    top,
)
from .results.hurdle import HurdleMixture
from .results.truncated import TruncatedDistribution
from .runtime import init, shutdown

__version__ = "0.1.0"

__all__ = [
    "DEFAULT_CANDIDATES",
    "DEFAULT_EXCLUSIONS",
    "DEFAULT_SAMPLE_SIZE",
    "DEFAULT_TIMEOUT",
    "METRICS",
    "NAMED_SETS",
    "ArgumentTypeError",
    "BestFitAccessor",
    "BestFitError",
    "ColumnNotFoundError",
    "ColumnTypeError",
    "CorrelationRepairWarning",
    "DiscreteDistributionFit",
    "DiscreteDistributionFitter",
    "DiscreteFitResults",
    "DistributionFit",
    "DistributionFitter",
    "FitOptions",
    "FitResults",
    "GaussianCopula",
    "HurdleMixture",
    "InsufficientDataError",
    "InvalidArgumentError",
    "MemoryLimitError",
    "MissingDependencyError",
    "NonIntegerValuesError",
    "RayAlreadyRunningWarning",
    "RayBackend",
    "RayClusterLostError",
    "RayConnectionError",
    "StaleRayAddressWarning",
    "TruncatedDistribution",
    "UnknownDistributionError",
    "__version__",
    "best_rows",
    "fits_from_csv",
    "fits_from_json",
    "fits_from_parquet",
    "fits_to_csv",
    "fits_to_json",
    "fits_to_parquet",
    "get_distribution",
    "init",
    "list_distributions",
    "param_names",
    "params_of",
    "register_distribution",
    "shutdown",
    "to_scipy",
    "top",
    "unregister_distribution",
]

with _warnings.catch_warnings():
    _warnings.simplefilter("ignore")
    register_accessors()
