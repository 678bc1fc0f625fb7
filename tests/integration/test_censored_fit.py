"""Censored columns and fixed parameters through ``df.bestfit.fit`` (issue #12).

R's published fits (fitdistrplus) are the oracle for the real datasets; scipy's
``fit(CensoredData)`` for simulated right-censored Weibull lifetimes.
"""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pytest
import scipy.stats as st

from bestfit_accessor import fits_from_json, fits_to_json
from bestfit_accessor.censored_fit import CENSORED_MESSAGE, FixedParametersLimitError
from bestfit_accessor.exceptions import ColumnTypeError, InvalidArgumentError

from ..helpers import REALDATA, make_frame, requires_realdata, to_pandas

#: R's published (loc = 0) fits: loglik and AIC as printed.
GROUNDBEEF = {"weibull_min": (-1255.225, 2514.449), "gamma": (-1253.625, 2511.25),
              "lognorm": (-1261.319, 2526.639)}


def _by_name(results: pd.DataFrame) -> dict[str, pd.Series]:
    return {row.distribution: row for row in results.itertuples(index=False)}


@requires_realdata
def test_groundbeef_with_loc_fixed_reproduces_r(frame_kind):
    frame = make_frame(frame_kind, pd.read_csv(REALDATA / "groundbeef.csv"))
    results = frame.bestfit.fit("value", distributions=list(GROUNDBEEF), fixed={"loc": 0})
    rows = _by_name(results)
    for name, (loglik, aic) in GROUNDBEEF.items():
        row = rows[name]
        assert row.status == "ok" and row.loglik_exact
        assert row.params["loc"] == 0.0 and row.n_params == 2
        assert abs(row.loglik - loglik) < 1e-3
        assert abs(row.aic - aic) < 1e-3
        # An uncensored column: KS against the fitted CDF on every value, exactly.
        values = to_pandas(frame)["value"].to_numpy()
        frozen = getattr(st, name)(**row.params)
        assert row.ks_statistic == pytest.approx(st.kstest(values, frozen.cdf).statistic,
                                                 rel=1e-9)  # fmt: skip
        assert np.isfinite(row.ad_statistic) and row.message == ""
    assert list(results["distribution"][:1]) == ["gamma"]  # R's best by AIC too
    # Saved and read back: the free-parameter count (2 of 3) survives the round trip.
    loaded = fits_from_json(fits_to_json(results))
    assert list(loaded["n_params"]) == list(results["n_params"])
    assert [p["loc"] for p in loaded["params"]] == [0.0] * len(GROUNDBEEF)


@requires_realdata
def test_per_distribution_fixed_holds_only_the_named_family():
    frame = pd.read_csv(REALDATA / "groundbeef.csv")
    results = frame.bestfit.fit("value", distributions=["weibull_min", "gamma"],
                                fixed={"weibull_min": {"loc": 0.0}})  # fmt: skip
    rows = _by_name(results)
    assert rows["weibull_min"].n_params == 2 and rows["weibull_min"].params["loc"] == 0.0
    assert abs(rows["weibull_min"].loglik - GROUNDBEEF["weibull_min"][0]) < 1e-3
    assert rows["gamma"].n_params == 3
    assert rows["gamma"].loglik >= GROUNDBEEF["gamma"][0] - 1e-3  # nests the 2-parameter fit


@requires_realdata
@pytest.mark.parametrize(("dataset", "expected", "counts"), [
    ("salinity", {"lognorm": -139.055, "fisk": -140.072}, (0, 60, 29)),
    ("smokedfish", {"lognorm": -90.65154}, (57, 3, 42)),
])  # fmt: skip
def test_interval_censored_references(frame_kind, dataset, expected, counts):
    frame = make_frame(frame_kind, pd.read_csv(REALDATA / f"{dataset}.csv"))
    before = to_pandas(frame).copy()
    results = frame.bestfit.fit(interval=("left", "right"), distributions=list(expected),
                                fixed={"loc": 0})  # fmt: skip
    for row in results.itertuples(index=False):
        assert row.status == "ok" and row.message == CENSORED_MESSAGE
        assert abs(row.loglik - expected[row.distribution]) < 1e-3
        assert (row.n_left, row.n_right, row.n_interval) == counts
        assert row.column == "(left, right)" and row.n_obs == len(before)
    pd.testing.assert_frame_equal(to_pandas(frame), before)


def _scipy_censored_loglik(params, time, observed) -> float:
    dist = st.weibull_min(*params)
    return float(dist.logpdf(time[observed]).sum() + dist.logsf(time[~observed]).sum())


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_right_censored_weibull_matches_scipy(frame_kind, seed):
    rng = np.random.default_rng(seed)
    lifetimes = st.weibull_min(1.7, scale=10.0).rvs(300, random_state=rng)
    limits = rng.uniform(5.0, 25.0, lifetimes.size)
    time, observed = np.minimum(lifetimes, limits), lifetimes <= limits
    user = pd.DataFrame({"time": time, "observed": observed})  # a bool event column
    frame = make_frame(frame_kind, user)
    results = frame.bestfit.fit("time", event="observed", distributions=["weibull_min"],
                                fixed={"loc": 0.0})  # fmt: skip
    row = results.iloc[0]
    data = st.CensoredData(uncensored=time[observed], right=time[~observed])
    reference = st.weibull_min.fit(data, floc=0)
    scipy_loglik = _scipy_censored_loglik(reference, time, observed)
    assert row["status"] == "ok" and row["n_right"] == int((~observed).sum())
    assert row["loglik"] >= scipy_loglik - 1e-3
    assert row["loglik"] == pytest.approx(
        _scipy_censored_loglik(tuple(row["params"].values()), time, observed), abs=1e-9)
    assert to_pandas(frame)["observed"].dtype == bool  # the user's frame is unchanged


def test_a_family_that_cannot_fit_is_a_row_not_an_error():
    frame = pd.DataFrame({"left": [-1.0, 0.5, 2.0, 3.0, np.nan],
                          "right": [0.0, 1.5, 2.0, 4.0, 1.0]})
    results = frame.bestfit.fit(interval=("left", "right"), distributions=["norm", "lognorm"],
                                fixed={"lognorm": {"loc": 0.0}})  # fmt: skip
    rows = _by_name(results)
    assert rows["norm"].status == "ok" and rows["norm"].rank == 1
    assert rows["lognorm"].status == "failed" and rows["lognorm"].message
    assert (rows["norm"].n_left, rows["norm"].n_interval) == (1, 3)


def test_bad_input_raises_typed_errors_naming_the_column():
    frame = pd.DataFrame({"t": [1.0, 2.0, 3.0, 4.0], "e": [1, 0, 2, 1],
                          "lo": [1.0, 5.0, 2.0, 3.0], "hi": [2.0, 4.0, 2.0, 3.0]})  # fmt: skip
    before = frame.copy()
    with pytest.raises(InvalidArgumentError, match="'e' must be 0/1"):
        frame.bestfit.fit("t", event="e", distributions=["weibull_min"])
    with pytest.raises(InvalidArgumentError, match="'lo' > 'hi' in 1 rows"):
        frame.bestfit.fit(interval=("lo", "hi"), distributions=["norm"])
    with pytest.raises(InvalidArgumentError, match="'shape'"):
        frame.bestfit.fit("t", distributions=["norm"], fixed={"shape": 1.0})
    with pytest.raises(InvalidArgumentError, match="not among the candidates"):
        frame.bestfit.fit("t", distributions=["norm"], fixed={"gamma": {"loc": 0}})
    with pytest.raises(InvalidArgumentError, match="must be positive"):
        frame.bestfit.fit("t", distributions=["norm"], fixed={"scale": 0})
    with pytest.raises(InvalidArgumentError, match="not both"):
        frame.bestfit.fit("t", event="e", interval=("lo", "hi"), distributions=["norm"])
    with pytest.raises(ColumnTypeError):
        frame.assign(e=list("abab")).bestfit.fit("t", event="e", distributions=["norm"])
    pd.testing.assert_frame_equal(frame, before)


def test_fixed_on_a_column_past_the_distinct_limit_fits_on_compressed_terms():
    # Once a limit (FixedParametersLimitError); now the column is binned (issue #12).
    frame = pd.DataFrame({"big": np.arange(100_001, dtype=float)})
    row = frame.bestfit.fit("big", distributions=["norm"], fixed={"loc": 0.0}).iloc[0]
    mean_square = float(np.mean(frame["big"].to_numpy() ** 2))
    assert row["status"] == "ok" and not row["loglik_exact"] and row["n_obs"] == 100_001
    assert row["params"]["scale"] == pytest.approx(np.sqrt(mean_square), rel=1e-6)
    assert "compressed terms" in row["message"] and np.isfinite(row["ks_statistic"])
    error = FixedParametersLimitError("kept for compatibility")
    again = pickle.loads(pickle.dumps(error))
    assert type(again) is FixedParametersLimitError and str(again) == str(error)


def test_fixed_on_many_rows_with_few_distinct_values_is_the_exact_fit():
    rng = np.random.default_rng(5)
    values = np.ceil(10 * st.gamma(2.5, scale=4.0).rvs(300_000, random_state=rng)) / 10
    values[:10] = np.nan
    fits = pd.DataFrame({"x": values}).bestfit.fit("x", distributions=["gamma"],
                                                   fixed={"loc": 0.0})  # fmt: skip
    row = fits.iloc[0]
    finite = values[np.isfinite(values)]
    a, _, scale = st.gamma.fit(finite, floc=0)
    reference = st.gamma(a, scale=scale).logpdf(finite).sum()
    assert row["status"] == "ok" and row["n_obs"] == finite.size and row["n_dropped"] == 10
    assert row["loglik"] >= reference - 1e-3
    assert row["loglik"] == pytest.approx(
        st.gamma(row["params"]["a"], scale=row["params"]["scale"]).logpdf(finite).sum(),
        rel=1e-10)
