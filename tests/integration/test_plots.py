"""Plots through the accessor on pandas and Modin: drawn from summaries gathered in Ray.

The drawing code itself is tested without Ray in tests/unit/test_plots.py; here
the summaries come from the frame's blocks, and the tests check that they do not
depend on the frame kind or its partitioning, and do not grow with the rows.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.stats as st

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from bestfit_accessor import InvalidArgumentError  # noqa: E402
from bestfit_accessor.dependence.correlation import corr_frame  # noqa: E402
from bestfit_accessor.plots.gather import column_plot_data  # noqa: E402

from ..helpers import make_frame, requires_modin, to_modin  # noqa: E402

N = 150_000  # above the exact-likelihood limit: the large-column path
CANDIDATES = ["gamma", "lognorm", "norm"]


def _claims(n: int = N, seed: int = 4) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    z = rng.standard_normal((n, 2)) @ np.linalg.cholesky([[1.0, 0.7], [0.7, 1.0]]).T
    u = st.norm.cdf(z)
    return pd.DataFrame({"claim": st.gamma(2.5, scale=3.0).ppf(u[:, 0]),
                         "cost": st.lognorm(0.5, scale=40.0).ppf(u[:, 1])})  # fmt: skip


@pytest.fixture(scope="module")
def claims() -> pd.DataFrame:
    return _claims()


@pytest.fixture(scope="module")
def fits(claims) -> pd.DataFrame:
    return claims.bestfit.fit(distributions=CANDIDATES, random_state=0)


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def _fit_lines(ax):
    return [line for line in ax.lines if str(line.get_gid()).startswith("fit:")]


def test_every_kind_draws_the_best_fits_of_the_column(frame_kind, claims, fits):
    df = make_frame(frame_kind, claims)
    best = fits[fits["column"] == "claim"].head(2)
    expected = [f"{row.distribution} (AIC {row.aic:,.1f})" for row in best.itertuples()]
    for kind in ("density", "cdf", "qq", "pp"):
        fig = df.bestfit.plot(fits, "claim", kind=kind, top=2)
        (ax,) = fig.axes
        assert [line.get_label() for line in _fit_lines(ax)] == expected, kind
        assert ax.get_title().startswith("claim:"), kind
    fig = df.bestfit.plot(fits, "claim", kind="diagnostics", top=2)
    assert len(fig.axes) == 4 and fig.get_suptitle().startswith("claim:")
    assert f"{N:,} finite values" in fig.get_suptitle()


def test_density_comes_from_every_row_of_the_column(claims, fits):
    fig = claims.bestfit.plot(fits, "cost", top=1)
    (ax,) = fig.axes
    (stairs,) = [p for p in ax.patches if p.get_gid() == "data"]
    data = stairs.get_data()
    assert np.sum(data.values * np.diff(data.edges)) == pytest.approx(1.0, abs=1e-9)
    assert f"data ({N:,} values)" in [t.get_text() for t in ax.get_legend().get_texts()]
    (line,) = _fit_lines(ax)
    best = fits[fits["column"] == "cost"].iloc[0]
    frozen = getattr(st, best["distribution"])(**best["params"])
    np.testing.assert_allclose(line.get_ydata(), frozen.pdf(line.get_xdata()), rtol=1e-12)


def test_axes_given_are_drawn_into(claims, fits):
    fig, (left, right) = plt.subplots(1, 2)
    assert claims.bestfit.plot(fits, "claim", ax=left) is fig
    assert claims.bestfit.plot(fits, "cost", kind="qq", ax=right, log_x=True) is fig
    assert len(_fit_lines(left)) == 3 and right.get_xscale() == "log"


def test_bad_requests_fail_before_any_work(claims, fits):
    with pytest.raises(InvalidArgumentError, match="are continuous"):
        claims.bestfit.plot(fits, "claim", kind="rootogram")
    with pytest.raises(InvalidArgumentError, match="name the one to plot with column="):
        claims.bestfit.plot(fits)
    with pytest.raises(InvalidArgumentError, match="pass fig="):
        claims.bestfit.plot(fits, "claim", kind="diagnostics", ax=plt.subplots()[1])
    with pytest.raises(InvalidArgumentError, match="log_x"):
        claims.bestfit.plot(fits, "claim", log_x="yes")


def test_rootogram_draws_the_exact_counts_of_every_block(frame_kind):
    rng = np.random.default_rng(11)
    visits = pd.DataFrame({"visits": rng.negative_binomial(3, 0.4, 60_000)})
    fits = visits.bestfit.fit(distributions=["nbinom", "poisson", "geom"], random_state=0)
    fig = make_frame(frame_kind, visits).bestfit.plot(fits, kind="rootogram", top=3)
    ax = fig.axes[0]
    bars = [p for p in ax.patches if p.get_gid() == "data"]
    observed = np.bincount(visits["visits"].to_numpy())
    assert [round(b.get_height() ** 2) for b in bars] == list(observed)
    ok = fits[fits["status"] == "ok"]  # geom (k ≥ 1) is a failed row: the column has zeros
    assert [line.get_gid() for line in _fit_lines(ax)] == [f"fit:{d}" for d in ok["distribution"]]
    assert fits["distribution"].iloc[0] == "nbinom"
    with pytest.raises(InvalidArgumentError, match="kind='rootogram'"):
        visits.bestfit.plot(fits, kind="density")


@requires_modin
def test_summaries_do_not_depend_on_the_frame_kind_or_its_partitions(claims):
    on_pandas = column_plot_data(claims, ["claim", "cost"], random_state=3)
    on_modin = column_plot_data(to_modin(claims, 5), ["claim", "cost"], random_state=3)
    for a, b in zip(on_pandas, on_modin, strict=True):
        np.testing.assert_array_equal(a.edges, b.edges)
        np.testing.assert_array_equal(a.counts, b.counts)
        np.testing.assert_array_equal(a.sample, b.sample)
        assert (a.n, a.mean, a.kurtosis) == pytest.approx((b.n, b.mean, b.kurtosis), rel=1e-12)


def test_the_driver_receives_summaries_bounded_whatever_the_rows(frame_kind):
    """What reaches the driver is a histogram and a sample of ``sample_size`` values:
    ten times the rows, the same size."""
    rng = np.random.default_rng(6)
    sizes = {}
    for n in (120_000, 1_200_000):
        frame = pd.DataFrame({"v": rng.lognormal(0.0, 1.0, n)})
        df = to_modin(frame, 4) if frame_kind == "modin" else frame
        (data,) = column_plot_data(df, "v", sample_size=2_000)
        assert data.n == data.n_binned == n
        assert data.sample.size == 2_000
        sizes[n] = data.nbytes
    assert sizes[1_200_000] <= 1.1 * sizes[120_000]
    assert sizes[1_200_000] < 100_000  # bytes: a 1.2M-row column is 9.6 MB


def test_describe_gives_the_moments_of_every_row_and_a_bootstrap_cloud(frame_kind, claims):
    df = make_frame(frame_kind, claims)
    table = df.bestfit.describe(n_boot=200)
    assert list(table["column"]) == ["claim", "cost"]
    for row in table.itertuples():
        x = claims[row.column].to_numpy()
        assert row.n == N
        assert row.mean == pytest.approx(x.mean(), rel=1e-12)
        assert row.sd == pytest.approx(x.std(ddof=1), rel=1e-12)
        assert row.skewness == pytest.approx(st.skew(x), rel=1e-9)
        assert row.kurtosis == pytest.approx(st.kurtosis(x, fisher=False), rel=1e-9)
        cloud = table.attrs["bootstrap"][row.column]
        assert list(cloud.columns) == ["skewness_sq", "kurtosis"] and len(cloud) == 200
    table2, fig = df.bestfit.describe("claim", plot=True, n_boot=50)
    assert len(table2) == 1 and table2.loc[0, "column"] == "claim"
    (ax,) = [a for a in fig.axes if a.get_visible()]
    assert ax.get_title().startswith("claim: Cullen–Frey")


def test_copula_plot_shows_sampled_rows_and_both_correlations(frame_kind, claims, fits):
    df = make_frame(frame_kind, claims)
    cop = df.bestfit.copula(fits)
    synthetic = cop.sample(40_000, random_state=1)
    fig = cop.plot(df, synthetic, size=1_500)
    panels = [ax for ax in fig.axes if ax.get_label() != "<colorbar>"]
    assert len(panels) == 4  # one pair (original | synthetic), then the two matrices
    original_points = next(line for line in panels[0].lines if line.get_gid() == "original")
    assert len(original_points.get_xdata()) == 1_500
    assert np.isin(original_points.get_xdata(), claims["claim"].to_numpy()).all()
    images = {im.get_gid(): im.get_array() for ax in panels for im in ax.images}
    np.testing.assert_allclose(images["corr:original"],
                               corr_frame(df, ["claim", "cost"], method="spearman"))
    np.testing.assert_allclose(images["corr:synthetic"],
                               corr_frame(synthetic, ["claim", "cost"], method="spearman"))
    assert images["corr:synthetic"][0, 1] == pytest.approx(images["corr:original"][0, 1],
                                                           abs=0.03)  # fmt: skip
