"""Frame adapters without Ray: the registry, column selection, block reading."""

from __future__ import annotations

import pickle
import sys

import numpy as np
import pandas as pd
import pytest

import bestfit_accessor
from bestfit_accessor import frames
from bestfit_accessor.frames import BlockSet


def _frame() -> pd.DataFrame:
    return pd.DataFrame({
        "x": [1.0, 2.0, 3.0],
        "n": pd.array([1, None, 3], dtype="Int64"),
        "flag": [True, False, True],
        "s": ["a", "b", "c"],
        "z": [1 + 1j, 2j, 3.0],
    })  # fmt: skip


def test_pandas_frames_and_series_get_the_pandas_adapter():
    df = _frame()
    assert frames.adapter_for(df).name == "pandas"
    assert frames.adapter_for(df["x"]).name == "pandas"
    assert frames.adapter_for(pd.Series([1.0], name=None)) is frames.adapter_named("pandas")
    assert frames.adapter_names() == ["pandas", "modin", "dataset"]
    assert [frames.adapter_named(n).name for n in frames.adapter_names()] == frames.adapter_names()
    assert frames.adapter_named("pandas").output_on_driver
    assert not frames.adapter_named("modin").output_on_driver


@pytest.mark.parametrize("obj", [np.arange(3.0), [1.0, 2.0], {"x": [1.0]}, None, "x"])
def test_unsupported_input_is_a_typed_error_naming_the_type(obj):
    with pytest.raises(bestfit_accessor.ArgumentTypeError) as info:
        frames.adapter_for(obj)
    message = str(info.value)
    assert type(obj).__qualname__ in message
    for kind in ("pandas DataFrame", "Modin DataFrame", "Ray Dataset"):
        assert kind in message
    assert isinstance(info.value, TypeError) and isinstance(info.value,
                                                            bestfit_accessor.InvalidArgumentError)
    clone = pickle.loads(pickle.dumps(info.value))
    assert type(clone) is type(info.value) and str(clone) == message


def test_unsupported_input_fails_before_touching_ray():
    with pytest.raises(bestfit_accessor.ArgumentTypeError, match="ndarray"):
        frames.to_blocks(np.zeros((3, 2)))


def test_looking_at_a_pandas_frame_imports_neither_modin_nor_ray_data():
    had = {name: name in sys.modules for name in ("modin.pandas", "ray.data")}
    assert not frames.adapter_named("modin").matches(_frame())
    assert not frames.adapter_named("dataset").matches(_frame())
    for name, before in had.items():
        assert before or name not in sys.modules


def test_unknown_adapter_name():
    with pytest.raises(bestfit_accessor.InvalidArgumentError, match="polars"):
        frames.adapter_named("polars")


def test_select_columns_picks_real_numbers_only():
    df = _frame()
    assert frames.numeric_columns(df) == ["x", "n"]
    assert frames.select_columns(df, None) == (["x", "n"], [0, 1])
    assert frames.select_columns(df, "n") == (["n"], [1])
    assert frames.select_columns(df, ["n", "x"]) == (["n", "x"], [1, 0])
    tupled = pd.DataFrame({("a", 1): [1.0], ("a", 2): [2.0]})
    assert frames.select_columns(tupled, ("a", 2)) == ([("a", 2)], [1])  # one MultiIndex label


@pytest.mark.parametrize(("columns", "error", "message"), [
    ("nope", bestfit_accessor.ColumnNotFoundError, r"'nope' is not in the frame.*\['x', 'n'\]"),
    ("s", bestfit_accessor.ColumnTypeError, r"dtype (object|str), not real numbers"),
    ("flag", bestfit_accessor.ColumnTypeError, "dtype bool"),
    ("z", bestfit_accessor.ColumnTypeError, "complex128"),
    ([], bestfit_accessor.InvalidArgumentError, "columns is empty"),
    (["x", "x"], bestfit_accessor.InvalidArgumentError, "more than once"),
    ([["x"]], bestfit_accessor.InvalidArgumentError, "hashable"),
])  # fmt: skip
def test_select_columns_errors_name_the_column(columns, error, message):
    with pytest.raises(error, match=message):
        frames.select_columns(_frame(), columns)


def test_select_columns_refuses_duplicates_and_frames_without_numbers():
    twice = pd.DataFrame([[1.0, 2.0]], columns=["a", "a"])
    with pytest.raises(bestfit_accessor.InvalidArgumentError, match="appears 2 times"):
        frames.select_columns(twice, "a")
    with pytest.raises(bestfit_accessor.ColumnTypeError, match=r"'s' \((object|str)\)"):
        frames.select_columns(_frame()[["s", "flag"]], None)


def test_block_column_reads_arrays_and_pandas_blocks_alike():
    array = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    assert np.array_equal(frames.block_column(array, 1), [4.0, 5.0, 6.0])
    values = frames.block_column(_frame(), 1)  # a nullable Int64 column with a missing value
    assert values.dtype == np.float64
    np.testing.assert_array_equal(values, [1.0, np.nan, 3.0])


def test_block_set_offsets_and_empty_check():
    blocks = BlockSet(refs=[None] * 3, lengths=[4, 0, 5], labels=["a"], positions=[0],
                      source="pandas")  # fmt: skip
    assert blocks.n_rows == 9 and blocks.offsets.tolist() == [0, 4, 4]
    frames.check_not_empty(blocks, ["a"])
    empty = BlockSet([None], [0], ["a"], [0], "pandas")
    with pytest.raises(bestfit_accessor.InvalidArgumentError, match="no rows"):
        frames.check_not_empty(empty, ["a"])
