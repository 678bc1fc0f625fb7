"""Frequency weights through ``df.bestfit.fit(..., weights="w")`` (issue #12, item 2)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.stats as st

import bestfit_accessor  # noqa: F401  (registers .bestfit)
from bestfit_accessor.censored_fit import CENSORED_MESSAGE
from bestfit_accessor.exceptions import ColumnNotFoundError, ColumnTypeError, InvalidArgumentError

from ..helpers import make_frame, to_pandas

NAMES = ["gamma", "lognorm", "weibull_min"]
COMPARED = ["loglik", "aic", "bic", "ks_statistic", "ks_pvalue", "ad_statistic", "n_obs"]


def _weighted_frame(seed: int = 0, n: int = 1500) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = np.round(st.gamma(2.0, scale=3.0).rvs(n, random_state=rng), 2)
    return pd.DataFrame({"x": x, "w": rng.integers(0, 4, n)})


def _by_name(results: pd.DataFrame) -> dict[str, pd.Series]:
    return {row["distribution"]: row for _, row in results.iterrows()}


def test_integer_weights_give_the_fit_of_repeated_rows(frame_kind):
    user = _weighted_frame()
    frame = make_frame(frame_kind, user)
    before = user.copy()
    weighted = _by_name(frame.bestfit.fit("x", weights="w", distributions=NAMES))
    repeated = pd.DataFrame({"x": np.repeat(user["x"].to_numpy(), user["w"].to_numpy())})
    # bounds=(None, None) sends the repeated rows down the same exact term path.
    plain = _by_name(repeated.bestfit.fit("x", distributions=NAMES, bounds=(None, None)))
    for name in NAMES:
        a, b = weighted[name], plain[name]
        assert a["status"] == b["status"] == "ok"
        for field in COMPARED:
            assert a[field] == pytest.approx(b[field], rel=1e-9), (name, field)
        for key, value in a["params"].items():
            assert value == pytest.approx(b["params"][key], rel=1e-7, abs=1e-9)
    assert weighted["gamma"]["n_obs"] == user["w"].sum()
    assert np.isfinite(weighted["gamma"]["ks_statistic"]) and weighted["gamma"]["message"] == ""
    pd.testing.assert_frame_equal(to_pandas(frame), before)


def test_weights_are_not_fitted_and_every_numeric_column_else_is():
    user = _weighted_frame().assign(y=lambda d: d["x"] * 2.0)
    results = user.bestfit.fit(weights="w", distributions=["gamma"])
    assert sorted(results["column"]) == ["x", "y"]


def test_weights_combine_with_censoring_and_fixed_parameters():
    rng = np.random.default_rng(3)
    life = st.weibull_min(1.6, scale=8.0).rvs(400, random_state=rng)
    limit = rng.uniform(4.0, 16.0, life.size)
    time, observed = np.round(np.minimum(life, limit), 1), (life <= limit).astype(int)
    weight = rng.integers(1, 4, life.size)
    frame = pd.DataFrame({"t": time, "e": observed, "w": weight})
    weighted = frame.bestfit.fit("t", event="e", weights="w", distributions=["weibull_min"],
                                 fixed={"loc": 0.0}).iloc[0]  # fmt: skip
    repeated = frame.loc[frame.index.repeat(weight)]
    plain = repeated.bestfit.fit("t", event="e", distributions=["weibull_min"],
                                 fixed={"loc": 0.0}).iloc[0]  # fmt: skip
    assert weighted["loglik"] == pytest.approx(plain["loglik"], rel=1e-10)
    assert weighted["n_right"] == plain["n_right"] == weight[observed == 0].sum()
    assert weighted["message"] == CENSORED_MESSAGE and np.isnan(weighted["ks_statistic"])
    for key in ("c", "scale"):
        assert weighted["params"][key] == pytest.approx(plain["params"][key], rel=1e-7)


def test_weights_with_interval_censoring():
    frame = pd.DataFrame({"lo": [1.0, 2.0, np.nan, 3.0, 4.0, 0.5],
                          "hi": [1.0, 3.0, 1.5, np.nan, 5.0, 0.5],
                          "w": [2.0, 1.0, 3.0, 1.0, 0.0, 1.0]})  # fmt: skip
    row = frame.bestfit.fit(interval=("lo", "hi"), weights="w", distributions=["norm"]).iloc[0]
    assert (row["n_left"], row["n_right"], row["n_interval"]) == (3.0, 1.0, 1.0)
    assert row["n_obs"] == 8 and row["status"] == "ok"


@pytest.mark.parametrize(("weights", "error", "message"), [
    ([1.0, -2.0, 1.0, 1.0, 1.0, 1.0], InvalidArgumentError, "weights column 'w'.*1 rows"),
    ([1.0, np.nan, 1.0, 1.0, 1.0, 1.0], InvalidArgumentError, "weights column 'w'"),
    ([1.0, np.inf, 1.0, 1.0, 1.0, 1.0], InvalidArgumentError, "weights column 'w'"),
    ([0.0] * 6, InvalidArgumentError, "weight 0 in the weights column 'w'"),
    (list("abcdef"), ColumnTypeError, "'w'"),
])  # fmt: skip
def test_bad_weights_are_typed_errors_and_leave_the_frame_alone(weights, error, message):
    frame = pd.DataFrame({"x": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0], "w": weights})
    before = frame.copy()
    with pytest.raises(error, match=message):
        frame.bestfit.fit("x", weights="w", distributions=["norm"])
    pd.testing.assert_frame_equal(frame, before)


def test_weights_naming_a_missing_or_fitted_column_are_errors():
    frame = pd.DataFrame({"x": [1.0, 2.0, 3.0], "w": [1.0, 1.0, 1.0]})
    with pytest.raises(ColumnNotFoundError, match="'nope'"):
        frame.bestfit.fit("x", weights="nope", distributions=["norm"])
    with pytest.raises(InvalidArgumentError, match="also a fitted column"):
        frame.bestfit.fit(["x", "w"], weights="w", distributions=["norm"])
    with pytest.raises(InvalidArgumentError, match="got a Series"):
        frame["x"].bestfit.fit(weights="w", distributions=["norm"])
