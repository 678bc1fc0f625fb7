"""Helpers shared by the unit and integration tiers (no Ray at import time)."""

from __future__ import annotations

import itertools
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

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
