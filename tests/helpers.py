"""Helpers shared by the unit and integration tiers (no Ray at import time)."""

from __future__ import annotations

import contextlib
import itertools
import os
import time
from pathlib import Path
from typing import ClassVar

import numpy as np
import pandas as pd
import pytest
import scipy.stats as st
from scipy.special import expit, logit, ndtr

os.environ.setdefault("RAY_AUTH_MODE", "disabled")
os.environ.setdefault("MODIN_ENGINE", "ray")

try:
    import modin.pandas as mpd
    from modin.distributed.dataframe.pandas import from_partitions

    HAVE_MODIN = True
except Exception:  # pandas 3 environments run without Modin
    mpd = None
    from_partitions = None
    HAVE_MODIN = False

requires_modin = pytest.mark.skipif(not HAVE_MODIN, reason="Modin is not installed here")

ROOT = Path(__file__).resolve().parents[1]
#: R's published fits on real data (see its README); absent in a user's clone.
REALDATA = ROOT.parent / "shared" / "reference" / "realdata"
requires_realdata = pytest.mark.skipif(
    not (REALDATA / "references.json").is_file(),
    reason=f"the real-data reference folder {REALDATA} is absent (CI has it; the package does not)",
)


def to_modin(frame: pd.DataFrame, n_partitions: int | None = None):
    """A Modin copy of ``frame``; with ``n_partitions``, exactly that many row blocks."""
    import ray

    if n_partitions is None:
        return mpd.DataFrame(frame)
    bounds = np.linspace(0, len(frame), n_partitions + 1).astype(int)
    refs = [ray.put(frame.iloc[lo:hi]) for lo, hi in itertools.pairwise(bounds)]
    return from_partitions(refs, axis=0, index=frame.index, columns=frame.columns)


def make_frame(kind: str, data: dict | pd.DataFrame):
    frame = data if isinstance(data, pd.DataFrame) else pd.DataFrame(data)
    return frame if kind == "pandas" else to_modin(frame)


def to_pandas(frame) -> pd.DataFrame:
    """A pandas copy of a pandas or Modin frame."""
    return frame if isinstance(frame, pd.DataFrame) else frame._to_pandas()


def fit_data_for(x: np.ndarray, seed: int = 0):
    """FitData of a whole array as the pipeline would build it (no Ray): a 10k
    random sample, a fine histogram of every value."""
    from bestfit_accessor.fitting.fit import prepare_fit_data
    from bestfit_accessor.summaries import grid
    from bestfit_accessor.summaries.moments import sample_positions

    positions = sample_positions(x.size, 10_000, seed)
    sample = x[positions]
    layout = grid.design_layout(sample, x.min(), x.max())
    counts = grid.count_values(x, layout)
    return prepare_fit_data("x", sample, layout, counts, float(x.min()), float(x.max()))


class GenLogistic(st.rv_continuous):
    """A user's subclass: the type I generalised logistic, ``F(x) = expit(x)^c``, with
    closed-form pdf, cdf and ppf (scipy ships it as ``genlogistic``; module level, so
    it pickles into Ray tasks)."""

    def _pdf(self, x, c):
        return c * expit(x) ** c * expit(-x)

    def _cdf(self, x, c):
        return expit(x) ** c

    def _ppf(self, q, c):
        return logit(q ** (1.0 / c))


class GenLogisticDefinition:
    """The same family as a new-style ``make_distribution`` definition (scipy ≥ 1.15),
    with pdf and cdf only (a subclass may add ``icdf``)."""

    __make_distribution_version__ = "1.16.0"
    parameters: ClassVar[dict] = {"c": {"endpoints": (0, np.inf), "inclusive": (False, False)}}
    support: ClassVar[dict] = {"endpoints": (-np.inf, np.inf)}

    def pdf(self, x, c):
        return c * expit(x) ** c * expit(-x)

    def cdf(self, x, c):
        return expit(x) ** c


class SleepyNormal(st.rv_continuous):
    """A standard normal whose every pdf or cdf evaluation first sleeps ``delay`` s.

    Registered (see :func:`registered`), its fit surely outlives any timeout, so the
    timeout and fault tests do not depend on how slow a scipy distribution is.
    """

    def __init__(self, delay: float = 60.0, **kwargs):
        super().__init__(**kwargs)
        self.delay = float(delay)

    def _updated_ctor_param(self):  # freezing rebuilds the object from these
        return {**super()._updated_ctor_param(), "delay": self.delay}

    def _pdf(self, x):
        time.sleep(self.delay)
        return np.exp(-0.5 * x * x) / np.sqrt(2.0 * np.pi)

    def _cdf(self, x):
        time.sleep(self.delay)
        return ndtr(x)


@contextlib.contextmanager
def registered(name: str, rv):
    """``rv`` registered under ``name`` for the duration of the block."""
    from bestfit_accessor import register_distribution, unregister_distribution

    register_distribution(name, rv, replace=True)
    try:
        yield rv
    finally:
        unregister_distribution(name)


#: Columns that measure the run (wall-clock time), not the fit: never compared.
TIMING_COLUMNS = ("fit_seconds",)


def _same_value(left, right) -> bool:
    """Equal, counting a missing value (None, NaN, NA) as equal to another missing one."""
    if isinstance(left, dict) or isinstance(right, dict):
        return (isinstance(left, dict) and isinstance(right, dict)
                and list(left) == list(right)
                and all(_same_value(left[k], right[k]) for k in left))  # fmt: skip
    if pd.api.types.is_scalar(left) and pd.api.types.is_scalar(right):
        if pd.isna(left) or pd.isna(right):
            return bool(pd.isna(left) and pd.isna(right))
    return bool(left == right)


def assert_same_fits(a, b) -> None:
    """Two results frames hold exactly the same fits, row by row: the same columns in
    the same order with the same dtypes, ``params`` dicts with the same names in the
    same order and equal values, every other value equal (floats exactly, a missing
    value only matching a missing one). Only the wall-clock ``fit_seconds`` may
    differ, and the index is ignored (a filtered frame keeps its labels)."""
    a, b = to_pandas(a).reset_index(drop=True), to_pandas(b).reset_index(drop=True)
    assert list(a.columns) == list(b.columns), (list(a.columns), list(b.columns))
    assert list(a.dtypes) == list(b.dtypes), (dict(a.dtypes), dict(b.dtypes))
    assert len(a) == len(b), f"{len(a)} rows against {len(b)}"
    for name in a.columns:
        if name in TIMING_COLUMNS:
            continue
        for i, (left, right) in enumerate(zip(a[name], b[name], strict=True)):
            assert _same_value(left, right), (
                f"row {i} ({a['column'].iloc[i]!r}, {a['distribution'].iloc[i]!r}): "
                f"{name} {left!r} != {right!r}"
            )


def large_fit_data(x: np.ndarray):
    """FitData of a large column as the pipeline builds it: binned with per-bin power
    sums from a 10,000-row sample's layout, the extremes known in data units."""
    from bestfit_accessor.fitting.fit import prepare_fit_data
    from bestfit_accessor.pipeline import standardize, standardizing_constants
    from bestfit_accessor.summaries import grid

    raw = x[np.random.default_rng(0).permutation(x.size)[:10_000]]
    center, spread = standardizing_constants(raw, x.min(), x.max())
    sample = standardize(raw, center, spread)
    zmin, zmax = standardize(np.array([x.min(), x.max()]), center, spread)
    origin = float(standardize(np.array([0.0]), center, spread)[0])
    layout = grid.design_layout(sample, float(zmin), float(zmax),
                                core_scale=grid.choose_core_scale(sample, origin, float(zmin)))
    counts, moments = grid.count_with_moments(standardize(x, center, spread), layout)
    return prepare_fit_data("x", sample, layout, counts, layout.edges[0], layout.edges[-1],
                            None, None, center, spread, moments, (x.min(), x.max()))  # fmt: skip


def exact_on_rows(name: str, record: dict, data, x: np.ndarray) -> float:
    """The exact log-likelihood of every row at a fit record's parameters (data units)."""
    from bestfit_accessor.fitting.fit import to_data_params

    assert record["status"] == "ok", record["message"]
    params = to_data_params(np.array(list(record["params"].values())), data.center,
                            data.spread)  # fmt: skip
    return float(getattr(st, name).logpdf(x, *params).sum())


def gathered_fit_data(x: np.ndarray):
    """FitData of a column the pipeline gathers whole (at most 100,000 values),
    standardised as it does: exact values plus their compressed terms."""
    from bestfit_accessor.fitting.fit import prepare_fit_data
    from bestfit_accessor.pipeline import standardize, standardizing_constants
    from bestfit_accessor.summaries import grid

    raw = x[np.random.default_rng(0).permutation(x.size)[:10_000]]
    center, spread = standardizing_constants(raw, x.min(), x.max())
    z = standardize(x, center, spread)
    sample = standardize(raw, center, spread)
    layout = grid.design_layout(sample, float(z.min()), float(z.max()))
    return prepare_fit_data("x", sample, layout, grid.count_values(z, layout), float(z.min()),
                            float(z.max()), z, x, center, spread)  # fmt: skip
