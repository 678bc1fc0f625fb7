"""Truncated data through ``df.bestfit.fit(..., bounds=...)`` and the seed API (issue #12,
items 4, 6 and 7)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import scipy.stats as st

import bestfit_accessor  # noqa: F401  (registers .bestfit)
from bestfit_accessor import DistributionFitter, to_scipy
from bestfit_accessor.censored_fit import OutsideBoundsError
from bestfit_accessor.exceptions import ArgumentTypeError, InvalidArgumentError
from bestfit_accessor.results.truncated import TruncatedDistribution

from ..helpers import make_frame, to_pandas

TRUE = st.lognorm(0.8, scale=math.e)
LOW, HIGH = TRUE.ppf(0.3), TRUE.ppf(0.9)


def _draws(low_q: float, high_q: float, n: int, seed: int) -> np.ndarray:
    return TRUE.ppf(np.random.default_rng(seed).uniform(low_q, high_q, n))


@pytest.mark.parametrize("seed", [0, 1])
def test_lower_truncated_lognormal_recovers_the_untruncated_parameters(frame_kind, seed):
    user = pd.DataFrame({"claim": _draws(0.3, 1.0, 20_000, seed)})
    frame = make_frame(frame_kind, user)
    fits = frame.bestfit.fit("claim", distributions=["lognorm"], bounds=(LOW, None),
                             fixed={"loc": 0.0})  # fmt: skip
    naive = frame.bestfit.fit("claim", distributions=["lognorm"], fixed={"loc": 0.0})
    row, plain = fits.iloc[0], naive.iloc[0]
    assert row["params"]["s"] == pytest.approx(0.8, rel=0.03)
    assert row["params"]["scale"] == pytest.approx(math.e, rel=0.03)
    assert abs(plain["params"]["s"] / 0.8 - 1) > 0.2  # fit-then-truncate is far off
    assert row["trunc_low"] == LOW and np.isnan(row["trunc_high"])
    dist = to_scipy(row)
    assert isinstance(dist, TruncatedDistribution)
    x = np.sort(user["claim"].to_numpy())
    assert row["ks_statistic"] == pytest.approx(st.kstest(x, dist.cdf).statistic, rel=1e-9)
    assert row["ks_pvalue"] > 1e-3 and row["ad_statistic"] < 5.0
    reference = dist.base.logpdf(x).sum() - x.size * np.log(dist.base.sf(LOW))
    assert row["loglik"] == pytest.approx(reference, rel=1e-12)
    pd.testing.assert_frame_equal(to_pandas(frame), user)


def test_two_sided_truncation_per_column_and_on_a_ray_dataset():
    import ray

    # The 10th to 90th percentile: a window wide enough for 3 % at 20k rows (from the
    # 30th, the sampling error of s alone is ~2 %, and the MLE is right: see
    # benchmarks/bench_truncated.py).
    low = TRUE.ppf(0.1)
    user = pd.DataFrame({"a": _draws(0.1, 0.9, 20_000, 7), "b": _draws(0.0, 1.0, 20_000, 8)})
    dataset = ray.data.from_pandas(user).repartition(3)
    fits = DistributionFitter().fit(dataset, distributions=["lognorm"], fixed={"loc": 0.0},
                                    bounds={"a": (low, HIGH)}).df  # fmt: skip
    rows = {row["column"]: row for _, row in fits.iterrows()}
    a, b = rows["a"], rows["b"]
    assert a["params"]["s"] == pytest.approx(0.8, rel=0.03)
    assert a["params"]["scale"] == pytest.approx(math.e, rel=0.03)
    assert (a["trunc_low"], a["trunc_high"]) == (low, HIGH)
    assert np.isnan(b["trunc_low"]) and np.isnan(b["trunc_high"])
    dist = to_scipy(a)
    draws = dist.rvs(5_000, random_state=1)
    assert draws.min() >= low and draws.max() <= HIGH
    assert dist.ppf(0.0) == pytest.approx(low) and dist.ppf(1.0) == pytest.approx(HIGH)
    assert low < dist.mean() < HIGH


def test_truncation_combines_with_weights_and_right_censoring():
    rng = np.random.default_rng(4)
    life = TruncatedDistribution(st.weibull_min(1.5, scale=10.0), 2.0, None).rvs(
        3_000, random_state=rng)  # fmt: skip
    limit = rng.uniform(5.0, 30.0, life.size)
    time, observed = np.round(np.minimum(life, limit), 2), (life <= limit).astype(float)
    frame = pd.DataFrame({"t": time, "e": observed, "w": rng.integers(1, 3, life.size)})
    row = frame.bestfit.fit("t", event="e", weights="w", bounds=(2.0, None),
                            distributions=["weibull_min"], fixed={"loc": 0.0}).iloc[0]  # fmt: skip
    repeated = frame.loc[frame.index.repeat(frame["w"])]
    again = repeated.bestfit.fit("t", event="e", bounds=(2.0, None),
                                 distributions=["weibull_min"], fixed={"loc": 0.0}).iloc[0]
    assert row["status"] == "ok" and row["trunc_low"] == 2.0
    assert row["loglik"] == pytest.approx(again["loglik"], rel=1e-10)
    assert row["params"]["c"] == pytest.approx(1.5, rel=0.1)
    assert np.isnan(row["ks_statistic"])  # censored: not compared as exact values


@pytest.mark.parametrize(("bounds", "error", "message"), [
    ((5.0, 1.0), InvalidArgumentError, "reversed"),
    (("low", None), ArgumentTypeError, "lower bound"),
    ({"nope": (0.0, None)}, InvalidArgumentError, "'nope'"),
    ((2.5, None), OutsideBoundsError, "column 'x' has 2 rows outside"),
    ({"x": (None, 3.5)}, OutsideBoundsError, "column 'x' has 2 rows outside"),
])  # fmt: skip
def test_bad_bounds_are_typed_errors_and_leave_the_frame_alone(frame_kind, bounds, error,
                                                               message):  # fmt: skip
    user = pd.DataFrame({"x": [1.0, 2.0, 3.0, 4.0, 5.0, np.nan], "y": 1.0})
    frame = make_frame(frame_kind, user)
    with pytest.raises(error, match=message):
        frame.bestfit.fit("x", distributions=["norm"], bounds=bounds)
    pd.testing.assert_frame_equal(to_pandas(frame), user)


def test_seed_api_censoring_column_weights_bounded_and_fixed():
    rng = np.random.default_rng(5)
    life = st.weibull_min(1.7, scale=10.0).rvs(500, random_state=rng)
    limit = rng.uniform(5.0, 25.0, life.size)
    frame = pd.DataFrame({"time": np.minimum(life, limit), "event": life <= limit,
                          "w": rng.integers(1, 3, life.size)})  # fmt: skip
    fitter = DistributionFitter()
    seed = fitter.fit(frame, column="time", censoring_column="event", weights="w",
                      fixed={"loc": 0.0}, distributions=["weibull_min"])  # fmt: skip
    accessor = frame.bestfit.fit("time", event="event", weights="w", fixed={"loc": 0.0},
                                 distributions=["weibull_min"]).iloc[0]  # fmt: skip
    best = seed.best(n=1)[0]
    assert best.loglik == pytest.approx(accessor["loglik"], rel=1e-12)
    assert best.params["loc"] == 0.0

    claims = pd.DataFrame({"claim": _draws(0.3, 1.0, 5_000, 2)})
    bounded = fitter.fit(claims, column="claim", bounded=True, lower_bound=LOW,
                         distributions=["lognorm"], fixed={"loc": 0.0}).best(n=1)[0]  # fmt: skip
    row = bounded._row
    assert row["trunc_low"] == LOW  # the upper side is the data's maximum
    assert row["trunc_high"] == pytest.approx(claims["claim"].max())
    dist = bounded.get_scipy_dist()
    assert isinstance(dist, TruncatedDistribution) and bounded.cdf(LOW) == 0.0
    assert bounded.sample(200, random_state=0).min() >= LOW
    with pytest.raises(InvalidArgumentError, match="bounded=True"):
        fitter.fit(claims, column="claim", lower_bound=1.0)


@pytest.mark.parametrize("seed", [3, 4])
def test_copula_of_a_truncated_column_samples_inside_its_bounds(seed):
    """Sampling respects a truncated marginal, and the dependence survives (ρ = 0.6)."""
    from bestfit_accessor import GaussianCopula

    rng = np.random.default_rng(seed)
    z1 = rng.standard_normal(20_000)
    z2 = 0.6 * z1 + 0.8 * rng.standard_normal(20_000)
    window = TruncatedDistribution(TRUE, LOW, None)
    other = st.gamma(2.0, scale=3.0)
    user = pd.DataFrame({"claim": window.ppf(st.norm.cdf(z1)), "cost": other.ppf(st.norm.cdf(z2))})
    fits = user.bestfit.fit(distributions=["lognorm", "gamma"], bounds={"claim": (LOW, None)},
                            fixed={"loc": 0.0})  # fmt: skip
    copula = GaussianCopula.fit(user, fits)
    assert copula.marginals["claim"].bounds == (LOW, math.inf)
    assert "truncated to" in repr(copula)
    sample = copula.sample(50_000, random_state=seed)
    assert sample["claim"].min() >= LOW
    # The share below the window's median is a half, as in the data (not the untruncated law's).
    assert abs((sample["claim"] < window.median()).mean() - 0.5) < 0.01
    scores = [st.norm.ppf(window.cdf(sample["claim"])), st.norm.ppf(other.cdf(sample["cost"]))]
    assert np.corrcoef(scores)[0, 1] == pytest.approx(0.6, abs=0.03)
    assert GaussianCopula.from_json(copula.to_json()) == copula
