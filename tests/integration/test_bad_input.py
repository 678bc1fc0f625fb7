"""Bad input: a clear, typed error naming the column or argument, and the user's
frame left exactly as it was."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import bestfit_accessor
from bestfit_accessor import (
    ArgumentTypeError,
    ColumnNotFoundError,
    ColumnTypeError,
    InsufficientDataError,
    InvalidArgumentError,
    UnknownDistributionError,
)

from ..helpers import HAVE_MODIN, make_frame

rng = np.random.default_rng(0)
GOOD = rng.normal(10, 2, 2_000)


def _base(**extra) -> pd.DataFrame:
    data = {"good": GOOD.copy(), "text": ["a"] * GOOD.size}
    data.update(extra)
    return pd.DataFrame(data)


def _check_unchanged(before: pd.DataFrame, frame) -> None:
    after = frame if isinstance(frame, pd.DataFrame) else frame._to_pandas()
    pd.testing.assert_frame_equal(after, before, check_exact=True)
    assert list(after.dtypes) == list(before.dtypes)


# (id, frame builder, fit kwargs, expected error, regex the message must match)
ERROR_CASES = [
    ("unknown column", _base, {"columns": "nope"}, ColumnNotFoundError,
     r"column 'nope' is not in the frame; numeric columns are \['good'\]"),
    ("one unknown among known", _base, {"columns": ["good", "missing"]}, ColumnNotFoundError,
     "'missing'"),
    ("text column", _base, {"columns": "text"}, ColumnTypeError,
     r"column 'text' has dtype (object|str)"),
    ("numbers as strings", lambda: _base(s=[str(v) for v in GOOD]), {"columns": "s"},
     ColumnTypeError, r"column 's' has dtype (object|str)"),
    ("bool column", lambda: _base(flag=GOOD > 10), {"columns": "flag"}, ColumnTypeError,
     "column 'flag' has dtype bool"),
    ("datetime column", lambda: _base(when=pd.date_range("2020", periods=GOOD.size, freq="h")),
     {"columns": "when"}, ColumnTypeError, "column 'when' has dtype datetime64"),
    ("timedelta column", lambda: _base(dt=pd.to_timedelta(np.arange(GOOD.size), unit="s")),
     {"columns": "dt"}, ColumnTypeError, "column 'dt' has dtype timedelta64"),
    ("categorical column", lambda: _base(cat=pd.Categorical(["x", "y"] * (GOOD.size // 2))),
     {"columns": "cat"}, ColumnTypeError, "column 'cat' has dtype category"),
    ("no numeric column", lambda: pd.DataFrame({"t": ["a", "b"]}), {}, ColumnTypeError,
     "no numeric column"),
    ("all NaN", lambda: _base(empty=np.full(GOOD.size, np.nan)), {"columns": "empty"},
     InsufficientDataError, r"column 'empty' has 0 finite values of 2000 rows \(2000 NaN"),
    ("all inf", lambda: _base(inf=np.full(GOOD.size, np.inf)), {"columns": "inf"},
     InsufficientDataError, r"column 'inf' has 0 finite values.*2000 \+inf"),
    ("five rows", lambda: pd.DataFrame({"few": [1.0, 2.0, 3.0, 4.0, 5.0]}), {},
     InsufficientDataError, "column 'few' has 5 finite values"),
    ("two rows", lambda: pd.DataFrame({"few": [1.0, 2.0]}), {}, InsufficientDataError,
     "column 'few' has 2 finite values"),
    ("one row", lambda: pd.DataFrame({"few": [1.0]}), {}, InsufficientDataError,
     "column 'few' has 1 finite values"),
    ("constant", lambda: _base(const=np.full(GOOD.size, 3.5)), {"columns": "const"},
     InsufficientDataError, "column 'const' is constant"),
    ("empty frame", lambda: pd.DataFrame({"v": np.array([], dtype=float)}), {},
     InvalidArgumentError, "no rows"),
    ("unknown distribution", _base, {"columns": "good", "distributions": ["norml"]},
     UnknownDistributionError, "did you mean norm"),
    ("getattr bait", _base, {"columns": "good", "distributions": ["__class__"]},
     UnknownDistributionError, "unknown distribution '__class__'"),
    ("no distributions", _base, {"columns": "good", "distributions": []},
     InvalidArgumentError, "distributions is empty"),
    ("duplicated distributions", _base, {"columns": "good", "distributions": ["norm", "norm"]},
     InvalidArgumentError, r"\['norm'\] more than once"),
    ("number as distributions", _base, {"columns": "good", "distributions": 42},
     ArgumentTypeError, r"^distributions must be .*; got 42 \(int\)$"),
    ("number among distributions", _base, {"columns": "good", "distributions": ["norm", 1]},
     ArgumentTypeError, r"^distributions\[1\] must be a distribution name; got 1 \(int\)$"),
    ("bad metric", _base, {"columns": "good", "metric": "r2"}, InvalidArgumentError,
     "metric must be one of"),
    ("negative seed", _base, {"columns": "good", "random_state": -1}, InvalidArgumentError,
     "random_state"),
    ("text seed", _base, {"columns": "good", "random_state": "abc"}, ArgumentTypeError,
     r"^random_state must be .*; got 'abc' \(str\)$"),
    ("bool seed", _base, {"columns": "good", "random_state": True}, ArgumentTypeError,
     r"^random_state must be .*; got True \(bool\)$"),
    ("zero timeout", _base, {"columns": "good", "timeout": 0}, InvalidArgumentError, "timeout"),
    ("nan timeout", _base, {"columns": "good", "timeout": float("nan")}, InvalidArgumentError,
     "timeout"),
    ("text timeout", _base, {"columns": "good", "timeout": "5"}, ArgumentTypeError,
     r"^timeout must be a positive number or None; got '5' \(str\)$"),
    ("bool timeout", _base, {"columns": "good", "timeout": True}, ArgumentTypeError,
     "timeout must be"),
    ("bad progress", _base, {"columns": "good", "progress": "yes"}, ArgumentTypeError,
     "progress must be"),
    ("empty column list", _base, {"columns": []}, InvalidArgumentError, "columns is empty"),
    ("column asked twice", _base, {"columns": ["good", "good"]}, InvalidArgumentError,
     "more than once"),
    ("duplicate labels", lambda: pd.DataFrame(np.c_[GOOD, GOOD], columns=["d", "d"]),
     {"columns": "d"}, InvalidArgumentError, "appears 2 times"),
    ("tiny sample size", _base, {"columns": "good", "sample_size": 5}, InvalidArgumentError,
     r"^sample_size must be an integer >= 100; got 5 \(int\)$"),
    ("bool sample size", _base, {"columns": "good", "sample_size": True}, ArgumentTypeError,
     r"^sample_size must be an integer >= 100; got True \(bool\)$"),
    ("float sample size", _base, {"columns": "good", "sample_size": 1000.0}, ArgumentTypeError,
     "sample_size must be"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("builder", "kwargs", "error", "pattern"),
    [case[1:] for case in ERROR_CASES],
    ids=[case[0] for case in ERROR_CASES],
)
def test_bad_input_raises_clear_error_and_keeps_frame(frame_kind, builder, kwargs, error, pattern):
    source = builder()
    before = source.copy(deep=True)
    frame = make_frame(frame_kind, source)
    with pytest.raises(error, match=pattern) as info:
        frame.bestfit.fit(**kwargs)
    if error is ArgumentTypeError:  # a wrong type is a TypeError ...
        assert isinstance(info.value, TypeError)
    elif error is InvalidArgumentError:  # ... a bad value a ValueError, not a TypeError
        assert isinstance(info.value, ValueError) and not isinstance(info.value, TypeError)
    _check_unchanged(before, frame)


def test_errors_survive_pickling():
    import pickle

    for error in (ColumnNotFoundError("column 'x' is not in the frame"),
                  InsufficientDataError("column 'x' is constant")):  # fmt: skip
        clone = pickle.loads(pickle.dumps(error))
        assert type(clone) is type(error) and str(clone) == str(error)
    assert str(ColumnNotFoundError("plain message")) == "plain message"


OK_CASES = [
    ("half NaN", lambda: np.where(rng.random(GOOD.size) < 0.5, np.nan, GOOD)),
    ("one percent NaN", lambda: np.where(rng.random(GOOD.size) < 0.01, np.nan, GOOD)),
    ("plus minus inf", lambda: np.r_[GOOD[:-2], np.inf, -np.inf]),
    ("int64 near its limits", lambda: (np.linspace(-1, 1, GOOD.size) * 2**62).astype(np.int64)),
    ("huge magnitudes", lambda: GOOD * 1e300),
    ("subnormal magnitudes", lambda: GOOD * 1e-310),
    ("heavy duplicates", lambda: np.r_[np.zeros(1_900), GOOD[:100]]),
    ("near plus minus 1e308", lambda: np.linspace(-1, 1, GOOD.size) ** 3 * 1.7e308),
    ("near 1e-308", lambda: np.abs(GOOD) * 1e-308),
    ("nullable Int64 with NA", lambda: pd.array([*range(1_999), None], dtype="Int64")),
    ("nullable Float64 with NA", lambda: pd.array([*GOOD[:-1], None], dtype="Float64")),
]


#: Fits expected to fail on an awkward column, with a phrase of their message; every
#: other fit of the test must succeed.
EXPECTED_FAILURES = {
    # uniform's scale is the range, 3.4e308: beyond the largest double.
    "near plus minus 1e308": {"uniform": "overflow the double range"},
}


@pytest.mark.parametrize(("case", "builder"), OK_CASES, ids=[c[0] for c in OK_CASES])
def test_awkward_but_valid_columns_fit(frame_kind, case, builder):
    values = builder()
    source = pd.DataFrame({"v": values})
    before = source.copy(deep=True)
    frame = make_frame(frame_kind, source)
    fits = frame.bestfit.fit("v", distributions=["norm", "uniform"], random_state=0)
    finite = pd.to_numeric(source["v"]).astype("float64").to_numpy(na_value=np.nan)
    finite = finite[np.isfinite(finite)]
    # A value holding most of the column is a point mass, set aside and counted.
    assert (fits["n_obs"] + fits["n_point_mass"] == finite.size).all()
    _, counts = np.unique(finite, return_counts=True)
    expected_mass = counts.max() if case == "heavy duplicates" else 0
    assert (fits["n_point_mass"] == expected_mass).all()
    assert (fits["n_dropped"] == len(source) - finite.size).all()
    failures = EXPECTED_FAILURES.get(case, {})
    status = dict(zip(fits["distribution"], fits["status"], strict=True))
    assert status == {name: "failed" if name in failures else "ok" for name in status}
    assert status.keys() == {"norm", "uniform"}
    for name, phrase in failures.items():
        assert phrase in fits.loc[fits["distribution"] == name, "message"].iloc[0]
    assert fits["message"].map(lambda m: isinstance(m, str)).all()
    _check_unchanged(before, frame)


def test_pyarrow_backed_column():
    pytest.importorskip("pyarrow")
    source = pd.DataFrame({"v": pd.array(GOOD, dtype="double[pyarrow]")})
    before = source.copy(deep=True)
    fits = source.bestfit.fit(distributions=["norm"], random_state=0)
    assert fits["params"].iloc[0]["loc"] == pytest.approx(GOOD.mean(), abs=1e-3)
    _check_unchanged(before, source)


@pytest.mark.parametrize("label", [0, "with space", "ünïcødé ✓", ("a", 1)])
def test_unusual_column_labels(label):
    source = pd.DataFrame({label: GOOD})
    fits = source.bestfit.fit(label, distributions=["norm"], random_state=0)
    assert fits["column"].iloc[0] == label


def test_series_without_a_name():
    fits = pd.Series(GOOD).bestfit.fit(distributions=["norm"])
    assert fits["column"].iloc[0] == 0


@pytest.mark.skipif(not HAVE_MODIN, reason="Modin is not installed here")
def test_modin_accessor_reports_bad_column_clearly():
    frame = make_frame("modin", _base())
    with pytest.raises(ColumnNotFoundError, match="'nope'"):
        frame.bestfit.fit("nope")
    assert isinstance(frame.bestfit, bestfit_accessor.BestFitAccessor)
