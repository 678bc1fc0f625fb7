"""The fit functions as Ray tasks run them: custom distributions installed first.

A Ray worker is a separate process with its own registry, which knows scipy's
distributions but not the ones the user registered on the driver. The driver puts
:func:`.registry.custom_snapshot` in the object store once per fit and every task
installs it before fitting, so a registered name fits like a built-in. Pure
functions, no Ray import: the runtime submits them.
"""

from __future__ import annotations

from collections.abc import Mapping

from . import registry
from .fit import FitData, fit_batch, fit_distribution, polish_distribution

__all__ = ["fit_batch_task", "fit_distribution_task", "polish_task"]


def fit_batch_task(names: list[str], data: FitData, custom: Mapping | None) -> list[dict]:
    """:func:`.fit.fit_batch` after installing the driver's custom distributions."""
    registry.install(custom)
    return fit_batch(names, data)


def fit_distribution_task(name: str, data: FitData, custom: Mapping | None) -> dict:
    """:func:`.fit.fit_distribution` after installing the driver's custom distributions."""
    registry.install(custom)
    return fit_distribution(name, data)


def polish_task(name: str, data: FitData, params: list[float], custom: Mapping | None) -> dict:
    """:func:`.fit.polish_distribution` after installing the driver's custom distributions."""
    registry.install(custom)
    return polish_distribution(name, data, params)
