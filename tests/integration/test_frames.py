"""Frame adapters on Ray: the right adapter per kind, blocks in, frames out."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from bestfit_accessor import frames, runtime
from bestfit_accessor.runtime import ray_tasks

from ..helpers import HAVE_MODIN, mpd, requires_modin, to_modin

LABELS = ["a", ("b", 2), 7]


def _data(n: int = 1_000) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    return pd.DataFrame(rng.standard_normal((n, 3)), columns=pd.Index(LABELS, tupleize_cols=False))


def _pandas_blocks(data: pd.DataFrame, cuts: list[int]) -> tuple[list, list[int]]:
    """Row blocks with their own (repeating) indexes, as tasks would build them."""
    parts = [data.iloc[a:b].reset_index(drop=True) for a, b in itertools.pairwise(cuts)]
    return [runtime.put(p) for p in parts], [len(p) for p in parts]


def _read_back(blocks: frames.BlockSet) -> np.ndarray:
    """The selected columns of every block, read the way tasks read them."""
    blocks_here = runtime.get(blocks.refs)
    return np.concatenate([np.stack([frames.block_column(b, p) for p in blocks.positions])
                           for b in blocks_here], axis=1)  # fmt: skip


def test_pandas_output_is_one_frame_that_owns_its_memory():
    data = _data()
    refs, lengths = _pandas_blocks(data, [0, 300, 300, 1_000])
    out = frames.adapter_named("pandas").output(refs, lengths, LABELS)
    assert type(out) is pd.DataFrame
    pd.testing.assert_frame_equal(out, data)
    assert isinstance(out.index, pd.RangeIndex) and out.columns.tolist() == LABELS
    out.iloc[0, 0] = 42.0  # writable: not a read-only view of the object store
    single = frames.adapter_named("pandas").output(refs[:1], lengths[:1], LABELS)
    pd.testing.assert_frame_equal(single, data.iloc[:300])
    single.iloc[0, 0] = 42.0


def test_pandas_blocks_round_trip():
    data = _data()
    blocks = frames.to_blocks(data, [7, "a"], n_blocks=3)
    assert blocks.source == "pandas" and blocks.lengths == [333, 333, 334]
    assert blocks.labels == [7, "a"]
    np.testing.assert_array_equal(_read_back(blocks), data[[7, "a"]].to_numpy().T)


@requires_modin
def test_modin_is_picked_and_round_trips_without_the_driver(monkeypatch):
    data = _data()
    df = to_modin(data, n_partitions=3)
    assert frames.adapter_for(df).name == "modin"
    assert frames.adapter_for(df["a"]).name == "modin"
    blocks = frames.to_blocks(df, ["a", 7])
    assert blocks.source == "modin" and blocks.n_rows == 1_000 and len(blocks.refs) == 3
    np.testing.assert_array_equal(_read_back(blocks), data[["a", 7]].to_numpy().T)
    refs, lengths = _pandas_blocks(data, [0, 400, 1_000])

    def forbidden(*args, **kwargs):
        raise AssertionError("Modin output was gathered on the driver")

    monkeypatch.setattr(ray_tasks, "get", forbidden)
    out = frames.adapter_named("modin").output(refs, lengths, LABELS)
    monkeypatch.undo()
    assert isinstance(out, mpd.DataFrame)
    assert out._query_compiler._modin_frame._partitions.shape[0] == 2
    local = out._to_pandas()
    pd.testing.assert_frame_equal(local, data)
    assert isinstance(local.index, pd.RangeIndex)


@pytest.mark.skipif(HAVE_MODIN, reason="Modin is installed here")
def test_modin_output_without_modin_is_a_missing_dependency():
    import bestfit_accessor

    data = _data(10)
    refs, lengths = _pandas_blocks(data, [0, 10])
    with pytest.raises(bestfit_accessor.MissingDependencyError, match="Modin"):
        frames.adapter_named("modin").output(refs, lengths, LABELS)


def test_ray_dataset_is_picked_and_round_trips(monkeypatch):
    ray_data = pytest.importorskip("ray.data")
    data = pd.DataFrame({"a": np.arange(1_000.0), "b": np.arange(1_000.0) ** 2, "s": "x"})
    dataset = ray_data.from_pandas(data).repartition(4)
    assert frames.adapter_for(dataset).name == "dataset"
    assert frames.adapter_for(dataset.materialize()).name == "dataset"
    blocks = frames.to_blocks(dataset, ["b", "a"])
    assert blocks.source == "dataset" and blocks.n_rows == 1_000
    np.testing.assert_array_equal(_read_back(blocks), data[["b", "a"]].to_numpy().T)
    refs, lengths = _pandas_blocks(data[["a", "b"]], [0, 250, 1_000])

    def forbidden(*args, **kwargs):
        raise AssertionError("Dataset output was gathered on the driver")

    monkeypatch.setattr(ray_tasks, "get", forbidden)
    out = frames.adapter_named("dataset").output(refs, lengths, ["a", "b"])
    monkeypatch.undo()
    assert isinstance(out, ray_data.Dataset) and out.count() == 1_000
    pd.testing.assert_frame_equal(out.to_pandas().reset_index(drop=True), data[["a", "b"]])
