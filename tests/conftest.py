"""One session-scoped local Ray (2 CPUs) shared by every test; Modin runs on it."""

from __future__ import annotations

import os

import numpy as np
import pandas as pd
import pytest

os.environ.setdefault("RAY_AUTH_MODE", "disabled")
os.environ.setdefault("MODIN_ENGINE", "ray")

import itertools

import ray

import bestfit_accessor

try:
    import modin.pandas as mpd
    from modin.distributed.dataframe.pandas import from_partitions

    HAVE_MODIN = True
except Exception:  # pandas 3 environments run without Modin
    mpd = None
    from_partitions = None
    HAVE_MODIN = False

requires_modin = pytest.mark.skipif(not HAVE_MODIN, reason="Modin is not installed here")


@pytest.fixture(scope="session", autouse=True)
def ray_session():
    if not ray.is_initialized():
        bestfit_accessor.init(num_cpus=2)
    yield
    bestfit_accessor.shutdown()


def to_modin(frame: pd.DataFrame, n_partitions: int | None = None):
    """A Modin copy of ``frame``; with ``n_partitions``, exactly that many row blocks."""
    if n_partitions is None:
        return mpd.DataFrame(frame)
    bounds = np.linspace(0, len(frame), n_partitions + 1).astype(int)
    refs = [ray.put(frame.iloc[lo:hi]) for lo, hi in itertools.pairwise(bounds)]
    return from_partitions(refs, axis=0, index=frame.index, columns=frame.columns)


@pytest.fixture(params=["pandas", pytest.param("modin", marks=requires_modin)])
def frame_kind(request):
    """Parametrises a test over pandas and Modin input."""
    return request.param


def make_frame(kind: str, data: dict | pd.DataFrame):
    frame = data if isinstance(data, pd.DataFrame) else pd.DataFrame(data)
    return frame if kind == "pandas" else to_modin(frame)


def fit_data_for(x: np.ndarray, seed: int = 0):
    """FitData of a whole array as the pipeline would build it (no Ray): a 10k
    random sample, a fine histogram of every value."""
    from bestfit_accessor import histogram
    from bestfit_accessor.fitting import prepare_fit_data
    from bestfit_accessor.summary import sample_positions

    positions = sample_positions(x.size, 10_000, seed)
    sample = x[positions]
    layout = histogram.design_layout(sample, x.min(), x.max())
    counts = histogram.count_values(x, layout)
    return prepare_fit_data("x", sample, layout, counts, float(x.min()), float(x.max()))
