"""distributions="auto" (the default) and the discrete seed API, through Ray."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.stats as st

import bestfit_accessor
from bestfit_accessor import (
    DiscreteDistributionFit,
    DiscreteDistributionFitter,
    InvalidArgumentError,
    NonIntegerValuesError,
    RayBackend,
)
from bestfit_accessor.discrete import DISCRETE_CANDIDATES

from ..helpers import make_frame, requires_modin, to_modin

FEW_CONTINUOUS = ["norm", "gamma", "lognorm"]


def _mixed(n: int = 1500) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(3)
    return {
        "claims": st.nbinom.rvs(2, 0.3, size=n, random_state=4).astype(float),
        "grams": np.round(rng.normal(250, 40, n) / 5) * 5,  # a lattice of 5: measurements
    }


def test_auto_fits_counts_and_densities_column_by_column(frame_kind):
    calls = []
    frame = make_frame(frame_kind, _mixed())
    fits = frame.bestfit.fit(progress=lambda done, total, pct: calls.append((done, total)))
    kinds = fits.groupby("column", sort=False)["kind"].agg(set).to_dict()
    assert kinds == {"claims": {"discrete"}, "grams": {"continuous"}}
    assert list(fits["column"].unique()) == ["claims", "grams"]  # frame order
    claims = fits[fits["column"] == "claims"]
    assert set(claims["distribution"]) == set(DISCRETE_CANDIDATES)
    assert claims.iloc[0]["distribution"] in ("nbinom", "zi_nbinom", "hurdle_nbinom")
    assert claims["rank"].dropna().tolist() == list(range(1, claims["rank"].notna().sum() + 1))
    assert claims["ks_pvalue"].isna().all() and claims["chisq"].notna().any()
    grams = fits[fits["column"] == "grams"]
    assert grams["ad_statistic"].notna().any() and grams["chisq"].isna().all()
    # one progress count over the whole call: every fit once, in order
    assert [done for done, _ in calls] == list(range(1, len(fits) + 1))
    assert {total for _, total in calls} == {len(fits)}
    for _, row in claims[claims["status"] == "ok"].head(3).iterrows():
        x = _mixed()["claims"]
        assert bestfit_accessor.to_scipy(row).logpmf(x).sum() == pytest.approx(row["loglik"])


def test_explicit_sets_and_density_metrics_keep_every_column_continuous():
    frame = pd.DataFrame({"claims": _mixed(400)["claims"]})
    fits = frame.bestfit.fit(distributions=FEW_CONTINUOUS)
    assert set(fits["kind"]) == {"continuous"}
    fits = frame.bestfit.fit(distributions="common", metric="sse")
    assert set(fits["kind"]) == {"continuous"}
    auto_sse = frame.bestfit.fit(metric="sse")  # SSE ranks densities: auto fits densities
    assert set(auto_sse["kind"]) == {"continuous"}


@requires_modin
def test_auto_gives_the_same_answer_for_1_2_and_7_partitions():
    frame = pd.DataFrame({"visits": st.poisson.rvs(3.0, size=5000, random_state=8)})
    answers = []
    for parts in (1, 2, 7):
        fits = to_modin(frame, parts).bestfit.fit("visits")
        assert set(fits["kind"]) == {"discrete"}
        answers.append(fits.set_index("distribution")[["loglik", "aic", "chisq", "rank"]])
    for other in answers[1:]:
        pd.testing.assert_frame_equal(answers[0], other)


def test_discrete_seed_api_on_pandas_and_a_ray_dataset():
    ray = pytest.importorskip("ray")
    pytest.importorskip("ray.data")
    data = pd.DataFrame({"defects": st.poisson.rvs(2.5, size=4000, random_state=9),
                         "visits": st.nbinom.rvs(1.5, 0.2, size=4000, random_state=10)})
    fitter = DiscreteDistributionFitter(backend=RayBackend())
    names = ["poisson", "nbinom", "zi_poisson", "binom"]
    progress = []
    results = fitter.fit(data, columns=["defects", "visits"], distributions=names,
                         progress_callback=lambda done, total, pct: progress.append(pct))
    assert progress[-1] == pytest.approx(100.0) and len(progress) == 8
    best = results.best(n=1, column="defects")[0]
    assert isinstance(best, DiscreteDistributionFit) and best.distribution == "poisson"
    assert best.params["mu"] == pytest.approx(data["defects"].mean())
    assert results.best(n=1, column="visits")[0].distribution == "nbinom"
    from_dataset = fitter.fit(ray.data.from_pandas(data).repartition(3), column="visits",
                              distributions=names)
    pd.testing.assert_frame_equal(
        from_dataset.df.set_index("distribution")[["loglik", "aic", "chisq"]],
        results.df[results.df["column"] == "visits"].set_index("distribution")[
            ["loglik", "aic", "chisq"]])
    with pytest.raises(InvalidArgumentError, match="continuous"):
        fitter.fit(data, column="visits", distributions=["gamma"])
    with pytest.raises(NonIntegerValuesError, match=r"'ratio'.*0\.5"):
        fitter.fit(pd.DataFrame({"ratio": np.r_[np.arange(30.0), 0.5]}), column="ratio")


def test_a_slow_discrete_fit_times_out_as_a_row():
    x = st.zipf.rvs(1.6, size=20_000, random_state=11)  # thousands of distinct values
    fits = pd.DataFrame({"hits": x}).bestfit.fit(
        distributions=["hypergeom", "nhypergeom"], timeout=0.05)
    assert set(fits["status"]) == {"timeout"}
    assert (fits["fit_seconds"] == 0.05).all() and set(fits["kind"]) == {"discrete"}
