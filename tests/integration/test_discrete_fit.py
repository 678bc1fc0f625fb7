"""distributions="discrete" through the fit path: counts per block, fits in Ray tasks."""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pytest
import scipy.stats as st

from bestfit_accessor import InvalidArgumentError, NonIntegerValuesError

from ..helpers import REALDATA, make_frame, requires_modin, requires_realdata, to_modin

SOME = ["poisson", "nbinom", "zi_poisson", "hurdle_nbinom", "binom"]


@requires_realdata
def test_toxocara_discrete_set_reproduces_r():
    x = pd.read_csv(REALDATA / "toxocara.csv")["value"].astype("int64")
    fits = pd.DataFrame({"cats": x}).bestfit.fit("cats", distributions="discrete")
    assert set(fits["kind"]) == {"discrete"}
    rows = fits.set_index("distribution")
    assert rows.loc["poisson", "loglik"] == pytest.approx(-507.5334, abs=1e-3)
    assert rows.loc["nbinom", "loglik"] == pytest.approx(-159.3441, abs=1e-3)
    assert rows.loc["nbinom", "aic"] == pytest.approx(322.6882, abs=1e-3)
    # the best by AIC has a plain chi-square; KS p-values are not reported for counts
    # R compares poisson and nbinom: nbinom wins there; over every family the best by
    # AIC is at least as good (Fisher's log-series counted from 0 edges it out)
    assert rows.loc["nbinom", "rank"] < rows.loc["poisson", "rank"]
    best = fits.iloc[0]
    assert best["rank"] == 1 and best["aic"] <= rows.loc["nbinom", "aic"]
    assert best["chisq_df"] >= 1 and 0.0 <= best["chisq_pvalue"] <= 1.0
    assert fits["ks_pvalue"].isna().all()
    assert rows.loc["poisson", "chisq_pvalue"] < 1e-10
    # geom's support starts at 1: on counts with zeros it is counted from 0 (loc = -1,
    # one more parameter, said in the message), the geometric count data call for
    geom = rows.loc["geom"]
    assert geom["status"] == "ok" and geom["params"]["loc"] == -1 and geom["n_params"] == 2
    assert "counted from 0" in geom["message"]
    assert st.geom.logpmf(x, geom["params"]["p"], loc=-1).sum() == pytest.approx(
        geom["loglik"], rel=1e-9)
    assert rows.loc["zipfian", "status"] == "failed"  # no loc: it has an integer shape
    assert "below the support" in rows.loc["zipfian", "message"]
    assert (fits["n_obs"] == len(x)).all()


def test_discrete_fit_on_float_counts_with_missing_values(frame_kind):
    x = st.nbinom.rvs(3, 0.4, size=4000, random_state=0).astype(float)
    x[:7] = np.nan
    fits = make_frame(frame_kind, {"claims": x}).bestfit.fit("claims", distributions=SOME)
    assert fits.iloc[0]["distribution"] in ("nbinom", "hurdle_nbinom")
    assert (fits["n_dropped"] == 7).all() and (fits["n_obs"] == 3993).all()
    assert (fits["status"] == "ok").all()
    assert isinstance(fits.set_index("distribution").loc["binom", "params"]["n"], int)


@requires_modin
def test_same_answer_for_1_2_and_7_partitions():
    x = st.poisson.rvs(4.0, size=6000, random_state=1)
    frame = pd.DataFrame({"visits": x})
    answers = []
    for parts in (1, 2, 7):
        fits = to_modin(frame, parts).bestfit.fit("visits", distributions=SOME)
        answers.append(fits.set_index("distribution")[["loglik", "aic", "chisq"]])
    for other in answers[1:]:
        pd.testing.assert_frame_equal(answers[0], other)


def test_non_integer_values_raise_a_typed_error_naming_column_and_value():
    frame = pd.DataFrame({"amount": np.r_[np.arange(50.0), 2.75]})
    with pytest.raises(NonIntegerValuesError, match=r"'amount'.*2\.75") as caught:
        frame.bestfit.fit("amount", distributions="discrete")
    again = pickle.loads(pickle.dumps(caught.value))
    assert type(again) is NonIntegerValuesError and str(again) == str(caught.value)


def test_discrete_and_continuous_names_are_not_ranked_together():
    frame = pd.DataFrame({"n": np.arange(100) % 7})
    with pytest.raises(InvalidArgumentError, match="not comparable"):
        frame.bestfit.fit("n", distributions=["poisson", "norm"])
    with pytest.raises(InvalidArgumentError, match="not defined for discrete"):
        frame.bestfit.fit("n", distributions="discrete", metric="sse")
