"""End-to-end fits on real Ray, for pandas and Modin input."""

from __future__ import annotations

import itertools
import time

import numpy as np
import pandas as pd
import pytest
import scipy.stats as st

import bestfit_accessor
from bestfit_accessor.pipeline import fit_frame
from bestfit_accessor.results.frame import RESULT_COLUMNS

from ..helpers import make_frame, requires_modin, to_modin

N = 100_000


def _families() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(2024)
    return {
        "norm": rng.normal(50.0, 10.0, N),
        "gamma": rng.gamma(2.5, 3.0, N),
        "lognorm": rng.lognormal(1.0, 0.5, N),
        "weibull_min": rng.weibull(1.5, N) * 4.0,
        "expon": rng.exponential(2.0, N) + 1.0,
        "beta": rng.beta(2.0, 5.0, N),
        "t": rng.standard_t(5, N) * 2.0 + 3.0,
        "logistic": rng.logistic(3.0, 2.0, N),
        "gumbel_r": rng.gumbel(2.0, 3.0, N),
    }


@pytest.fixture(scope="module")
def families_frame() -> pd.DataFrame:
    return pd.DataFrame(_families())


@pytest.fixture(scope="module")
def family_fits(families_frame) -> dict[str, pd.DataFrame]:
    out = {"pandas": families_frame.bestfit.fit(random_state=7)}
    if requires_modin.args[0] is False:
        out["modin"] = to_modin(families_frame).bestfit.fit(random_state=7)
    return out


def _compare_frames(a: pd.DataFrame, b: pd.DataFrame) -> None:
    cols = [c for c in RESULT_COLUMNS if c != "fit_seconds"]
    pd.testing.assert_frame_equal(a[cols].reset_index(drop=True), b[cols].reset_index(drop=True))


def test_results_frame_contract(family_fits, families_frame):
    fits = family_fits["pandas"]
    assert list(fits.columns) == RESULT_COLUMNS
    names = bestfit_accessor.list_distributions()
    assert len(fits) == len(names) * families_frame.shape[1]
    assert list(fits["column"].unique()) == list(families_frame.columns)
    for _, group in fits.groupby("column", sort=False):
        ok = group[group["status"] == "ok"]
        assert ok["aic"].is_monotonic_increasing
        assert list(ok["rank"]) == list(range(1, len(ok) + 1))
        assert group["rank"].iloc[: len(ok)].notna().all()
        assert set(group["distribution"]) == set(names)
    assert set(fits["status"]) <= {"ok", "failed", "timeout"}
    assert (fits.loc[fits["status"] != "ok", "message"].str.len() > 0).all()
    assert (fits["n_obs"] == N).all() and (fits["n_dropped"] == 0).all()
    ok = fits[fits["status"] == "ok"]
    # Most of the default set must actually fit; failures are the exception.
    assert len(ok) >= 0.95 * len(fits)
    for row in ok.head(20).itertuples():
        assert list(row.params) == bestfit_accessor.param_names(row.distribution)
        assert row.n_params == len(row.params)


@pytest.mark.parametrize("kind", ["pandas", pytest.param("modin", marks=requires_modin)])
@pytest.mark.parametrize("family", list(_families()))
def test_true_family_wins_and_matches_scipy(family_fits, families_frame, kind, family):
    fits = family_fits[kind]
    column = fits[(fits["column"] == family) & (fits["status"] == "ok")]
    best_aic = column["aic"].iloc[0]
    true_row = column[column["distribution"] == family].iloc[0]
    assert true_row["aic"] - best_aic <= 2.0, column.head(5)[["distribution", "aic"]]

    x = families_frame[family].to_numpy()
    dist = bestfit_accessor.get_distribution(family)
    reference = dict(zip(bestfit_accessor.param_names(family), dist.fit(x), strict=True))
    ours = true_row["params"]
    scale = reference["scale"]
    for name, value in reference.items():
        if name == "loc":
            assert abs(ours[name] - value) <= 0.03 * scale, (name, ours, reference)
        else:
            assert ours[name] == pytest.approx(value, rel=0.03), (name, ours, reference)
    ours_ll = dist.logpdf(x, *ours.values()).mean()
    assert ours_ll >= dist.logpdf(x, *reference.values()).mean() - 1e-4
    frozen = bestfit_accessor.to_scipy(true_row)
    assert frozen.mean() == pytest.approx(x.mean(), rel=0.02, abs=0.02 * x.std())


@requires_modin
def test_pandas_and_modin_give_identical_results(family_fits):
    _compare_frames(family_fits["pandas"], family_fits["modin"])


SHORT = ["norm", "gamma", "lognorm", "t"]


@pytest.fixture(scope="module")
def small_frame() -> pd.DataFrame:
    rng = np.random.default_rng(5)
    x = rng.gamma(3.0, 2.0, 30_001)
    y = rng.normal(0, 1, 30_001)
    x[::50] = np.nan
    y[3] = np.inf
    return pd.DataFrame({"x": x, "y": y, "label": "a"})


def test_partitioning_does_not_change_results(small_frame):
    runs = [fit_frame(small_frame, ["x", "y"], distributions=SHORT, random_state=3, n_blocks=k)
            for k in (1, 2, 5)]  # fmt: skip
    for other in runs[1:]:
        _compare_frames(runs[0], other)
    if requires_modin.args[0] is False:
        for k in (1, 2, 5):
            modin_fit = to_modin(small_frame, k).bestfit.fit(["x", "y"], distributions=SHORT,
                                                             random_state=3)  # fmt: skip
            _compare_frames(runs[0], modin_fit)


def test_same_seed_same_results_other_seed_other_sample(small_frame):
    a = small_frame.bestfit.fit("x", distributions=SHORT, random_state=1)
    b = small_frame.bestfit.fit("x", distributions=SHORT, random_state=1)
    c = small_frame.bestfit.fit("x", distributions=SHORT, random_state=2)
    _compare_frames(a, b)
    assert not np.allclose(a["ks_statistic"], c["ks_statistic"])


def test_nan_and_inf_are_dropped_and_counted(frame_kind, small_frame):
    df = make_frame(frame_kind, small_frame)
    fits = df.bestfit.fit(["x", "y"], distributions=["norm"], random_state=0)
    x_row = fits[fits["column"] == "x"].iloc[0]
    y_row = fits[fits["column"] == "y"].iloc[0]
    assert x_row["n_dropped"] == small_frame["x"].isna().sum()
    assert x_row["n_obs"] == small_frame["x"].notna().sum()
    assert y_row["n_dropped"] == 1 and y_row["n_obs"] == len(small_frame) - 1
    finite = small_frame["y"][np.isfinite(small_frame["y"])]
    assert y_row["params"]["loc"] == pytest.approx(finite.mean(), abs=1e-3)


def test_column_selection_forms(frame_kind, small_frame):
    df = make_frame(frame_kind, small_frame)
    every = df.bestfit.fit(distributions=["norm"], random_state=0)
    assert list(every["column"]) == ["x", "y"]  # the text column is not numeric
    assert list(df.bestfit.fit("y", distributions=["norm"])["column"]) == ["y"]
    assert list(df.bestfit.fit(["y", "x"], distributions=["norm"])["column"]) == ["y", "x"]
    series_fit = df["y"].bestfit.fit(distributions=["norm"], random_state=0)
    assert list(series_fit["column"]) == ["y"]
    _compare_frames(series_fit, every[every["column"] == "y"])


def test_progress_is_monotone_and_ends_at_total(small_frame):
    seen: list[tuple[int, int, float]] = []
    small_frame.bestfit.fit(["x", "y"], distributions=SHORT, progress=lambda *a: seen.append(a))
    total = 2 * len(SHORT)
    assert [s[0] for s in seen] == list(range(1, total + 1))
    assert {s[1] for s in seen} == {total}
    assert seen[-1][2] == pytest.approx(100.0)
    assert all(b[2] > a[2] for a, b in itertools.pairwise(seen))


def test_console_progress_bar(small_frame, capsys):
    small_frame.bestfit.fit("x", distributions=["norm", "gamma"], progress=True)
    err = capsys.readouterr().err
    assert "2/2 fits (100.0%)" in err


def test_slow_distribution_times_out_and_the_rest_finish(small_frame):
    started = time.monotonic()
    fits = small_frame.bestfit.fit("x", distributions=["norm", "studentized_range"], timeout=10)
    elapsed = time.monotonic() - started
    slow = fits[fits["distribution"] == "studentized_range"].iloc[0]
    assert slow["status"] == "timeout" and "10 s" in slow["message"] and pd.isna(slow["rank"])
    assert fits[fits["distribution"] == "norm"]["status"].iloc[0] == "ok"
    assert elapsed < 40
    # Ray stays usable after a worker was killed.
    again = small_frame.bestfit.fit("x", distributions=["norm"])
    assert again["status"].iloc[0] == "ok"


def test_other_ranking_metrics(small_frame):
    for metric in bestfit_accessor.METRICS:
        fits = small_frame.bestfit.fit("x", distributions=SHORT, metric=metric, random_state=0)
        ok = fits["status"] == "ok"
        assert fits.loc[ok, metric].is_monotonic_increasing
        assert list(fits["rank"].dropna()) == list(range(1, ok.sum() + 1))


def test_to_scipy_rejects_rows_without_params():
    with pytest.raises(ValueError, match="no parameters"):
        bestfit_accessor.to_scipy({"distribution": "norm", "params": None})
    frozen = bestfit_accessor.to_scipy({"distribution": "norm", "params": {"loc": 1, "scale": 2}})
    assert frozen.mean() == 1 and frozen.std() == 2
    assert st.norm(1, 2).cdf(0.3) == frozen.cdf(0.3)
