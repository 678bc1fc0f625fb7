"""Large columns on the term path: past 100,000 distinct points a kind is binned per
block and fitted on compressed terms (issue #12), on pandas and Modin input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.stats as st

import bestfit_accessor  # noqa: F401  (registers the accessor)
from bestfit_accessor.censored_fit import COMPRESSED_MESSAGE, SAMPLE_GOF_MESSAGE
from bestfit_accessor.pipeline import fit_frame

from ..helpers import make_frame, to_modin

ROWS = 300_000
CANDIDATES = ["weibull_min", "gamma"]


def _survival(seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = st.weibull_min(1.5, scale=100.0).rvs(ROWS, random_state=rng)
    c = st.expon(scale=250.0).rvs(ROWS, random_state=rng)
    return pd.DataFrame({"t": np.minimum(x, c), "seen": (x <= c).astype(int),
                         "w": rng.integers(1, 4, ROWS).astype(float)})  # fmt: skip


def _row(fits: pd.DataFrame, name: str) -> pd.Series:
    return fits.set_index("distribution").loc[name]


def _close(params: dict, reference: tuple, rel: float = 0.01) -> None:
    shape, _, scale = reference
    first = next(iter(params))
    assert params[first] == pytest.approx(shape, rel=rel)
    assert params["scale"] == pytest.approx(scale, rel=rel) and params["loc"] == 0.0


def test_a_large_right_censored_column_matches_scipys_censored_fit(frame_kind):
    data = _survival()
    fits = make_frame(frame_kind, data).bestfit.fit(
        "t", event="seen", distributions=CANDIDATES, fixed={"loc": 0}, random_state=0)
    censored = st.CensoredData.right_censored(data["t"].to_numpy(), 1 - data["seen"].to_numpy())
    row = _row(fits, "weibull_min")
    assert row["status"] == "ok" and not row["loglik_exact"]
    assert COMPRESSED_MESSAGE in row["message"] and np.isnan(row["ks_statistic"])
    assert row["n_obs"] == ROWS and row["n_right"] == (data["seen"] == 0).sum()
    _close(row["params"], st.weibull_min.fit(censored, floc=0))
    exact = st.weibull_min(row["params"]["c"], scale=row["params"]["scale"])
    seen = data["seen"].to_numpy() == 1
    t = data["t"].to_numpy()
    reference = exact.logpdf(t[seen]).sum() + exact.logsf(t[~seen]).sum()
    assert row["loglik"] == pytest.approx(reference, abs=1e-6 * ROWS)
    assert fits["rank"].tolist() == [1, 2] and fits.iloc[0]["distribution"] == "weibull_min"


def test_a_large_uncensored_column_with_fixed_loc_and_weights(frame_kind):
    data = _survival(1)
    frame = make_frame(frame_kind, data)
    plain = frame.bestfit.fit("t", distributions=["gamma"], fixed={"loc": 0}, random_state=0)
    row = plain.iloc[0]
    assert row["status"] == "ok" and not row["loglik_exact"]
    assert SAMPLE_GOF_MESSAGE in row["message"] and 0 < row["ks_statistic"] < 1
    _close(row["params"], st.gamma.fit(data["t"].to_numpy(), floc=0))
    weighted = frame.bestfit.fit("t", distributions=["gamma"], fixed={"loc": 0}, weights="w",
                                 random_state=0).iloc[0]  # fmt: skip
    repeated = np.repeat(data["t"].to_numpy(), data["w"].to_numpy().astype(int))
    _close(weighted["params"], st.gamma.fit(repeated, floc=0))
    assert weighted["n_obs"] == round(data["w"].sum())


def test_the_answer_does_not_depend_on_the_blocks():
    data = _survival(2)
    settings = dict(event="seen", distributions=["weibull_min"], fixed={"loc": 0},
                    weights="w", random_state=0)  # fmt: skip
    one = fit_frame(data, "t", n_blocks=1, **settings).iloc[0]
    five = fit_frame(data, "t", n_blocks=5, **settings).iloc[0]
    for key, value in one["params"].items():
        assert five["params"][key] == pytest.approx(value, rel=1e-7)
    assert five["loglik"] == pytest.approx(one["loglik"], rel=1e-10)
    assert five["n_obs"] == one["n_obs"] and five["n_right"] == one["n_right"]


def test_modin_partitions_give_the_pandas_answer():
    pytest.importorskip("modin")
    data = _survival(3)
    settings = dict(event="seen", distributions=["weibull_min"], fixed={"loc": 0},
                    random_state=0)  # fmt: skip
    ours = to_modin(data, n_partitions=3).bestfit.fit("t", **settings).iloc[0]
    theirs = data.bestfit.fit("t", **settings).iloc[0]
    for key, value in theirs["params"].items():
        assert ours["params"][key] == pytest.approx(value, rel=1e-7)


def test_large_truncated_and_interval_columns():
    rng = np.random.default_rng(4)
    x = st.lognorm(0.8, scale=20.0).rvs(ROWS, random_state=rng)
    kept = x[x > 10.0]
    trunc = pd.DataFrame({"x": kept}).bestfit.fit(
        "x", distributions=["lognorm"], fixed={"loc": 0}, bounds=(10.0, None),
        random_state=0).iloc[0]  # fmt: skip
    assert trunc["status"] == "ok" and not trunc["loglik_exact"]
    assert trunc["params"]["s"] == pytest.approx(0.8, rel=0.02)
    assert trunc["params"]["scale"] == pytest.approx(20.0, rel=0.02)
    width = rng.exponential(5.0, ROWS)
    left = x - width * rng.uniform(size=ROWS)
    frame = pd.DataFrame({"lo": left, "hi": left + width})
    row = frame.bestfit.fit(interval=("lo", "hi"), distributions=["norm"],
                            random_state=0).iloc[0]  # fmt: skip
    censored = st.CensoredData.interval_censored(left, left + width)
    loc, scale = st.norm.fit(censored)
    assert row["status"] == "ok" and not row["loglik_exact"] and row["n_interval"] == ROWS
    assert row["params"]["loc"] == pytest.approx(loc, rel=1e-3)
    assert row["params"]["scale"] == pytest.approx(scale, rel=1e-3)
