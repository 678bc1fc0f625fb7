"""Standardised units: every column is fitted on ``z = (x − center) / spread``.

Every scipy distribution has ``loc`` and ``scale``, so a fit in ``z`` maps exactly
back to ``x``, and values near ±1e308, 1e-308 or with a 1e12 offset stay well
conditioned. The ordinary pipeline and the compressed terms of the censored path
standardise the same way, here. Pure numpy.
"""

from __future__ import annotations

import numpy as np

__all__ = ["standardize", "standardizing_constants"]


def standardize(values: np.ndarray, center: float, spread: float) -> np.ndarray:
    """``(x − center) / spread`` without overflow when ``x − center`` exceeds the
    double range (then ``x/spread − center/spread``)."""
    with np.errstate(over="ignore", invalid="ignore"):
        z = (values - center) / spread
        overflowed = ~np.isfinite(z) & np.isfinite(values)
        if overflowed.any():
            z[overflowed] = values[overflowed] / spread - center / spread
    return z


def standardizing_constants(sample: np.ndarray, vmin: float, vmax: float) -> tuple[float, float]:
    """A robust centre (median) and spread (IQR-based, else half the range)."""
    center = float(np.median(sample)) if sample.size else vmin / 2 + vmax / 2
    spread = 0.0
    if sample.size >= 4:
        q25, q75 = np.quantile(sample, [0.25, 0.75])
        with np.errstate(over="ignore"):
            spread = float(q75 - q25) / 1.349 if np.isfinite(q75 - q25) else q75 / 2 - q25 / 2
    if not (np.isfinite(spread) and spread > 0):
        spread = vmax / 2 - vmin / 2
    return center, float(spread)
