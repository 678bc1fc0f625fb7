"""Typed, picklable errors.

Every error takes a single message argument so it survives the trip through Ray
(an exception raised in a worker is pickled back to the driver).
"""

from __future__ import annotations

__all__ = [
    "ArgumentTypeError",
    "BestFitError",
    "ColumnNotFoundError",
    "ColumnTypeError",
    "InsufficientDataError",
    "InvalidArgumentError",
    "MemoryLimitError",
    "MissingDependencyError",
    "NonIntegerValuesError",
    "RayAlreadyRunningWarning",
    "RayClusterLostError",
    "RayConnectionError",
    "StaleRayAddressWarning",
    "UnknownDistributionError",
]


class BestFitError(Exception):
    """Base class of every error raised by bestfit_accessor."""


class ColumnNotFoundError(BestFitError, KeyError):
    """A requested column is not in the frame."""

    def __str__(self) -> str:  # KeyError would wrap the message in quotes
        return str(self.args[0]) if self.args else ""


class ColumnTypeError(BestFitError, TypeError):
    """A requested column does not hold real numbers."""


class NonIntegerValuesError(ColumnTypeError):
    """Discrete distributions were asked for a column holding non-integer values."""


class InsufficientDataError(BestFitError, ValueError):
    """A column has too few finite values, or they are all equal."""


class InvalidArgumentError(BestFitError, ValueError):
    """An argument of a public call has a value outside what it accepts."""


class ArgumentTypeError(InvalidArgumentError, TypeError):
    """An argument of a public call has the wrong type.

    Both a ``TypeError`` (what Python code expects for a wrong type) and an
    :class:`InvalidArgumentError`, so ``except InvalidArgumentError`` still catches
    every bad argument.
    """


class MissingDependencyError(BestFitError, ImportError):
    """An optional package a call needs is not installed or cannot be imported here."""


class MemoryLimitError(BestFitError, MemoryError):
    """A request would need more memory than the cluster offers."""


class UnknownDistributionError(BestFitError, ValueError):
    """A distribution name is not in the registry."""


class RayConnectionError(BestFitError, RuntimeError):
    """Ray could not be started or the cluster address could not be reached."""


class RayAlreadyRunningWarning(UserWarning):
    """Settings for starting Ray (``num_cpus``, ``ray.init`` keywords) were given
    while Ray is already running: they cannot apply to it and are ignored."""


class RayClusterLostError(RayConnectionError):
    """The Ray a call ran on went away before the call finished (its head node or
    this machine's Ray node stopped answering). No partial results are returned."""


class StaleRayAddressWarning(UserWarning):
    """Ray's record of the last cluster on this machine names one that no longer
    answers, so a local Ray was started instead of joining it."""
