"""The drawing code of bestfit_accessor.plots on the Agg backend, without Ray.

Plots are drawn from real summaries built by the package's own pure kernels (the
moments, sample and fine histogram of a column) and real scipy fits; the tests
read back what was drawn: the curves' values against scipy, labels, the 45° line.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
import scipy.stats as st
from scipy.integrate import trapezoid

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from bestfit_accessor.discrete.counts import block_value_counts  # noqa: E402
from bestfit_accessor.discrete.registry import freeze_discrete  # noqa: E402
from bestfit_accessor.exceptions import InvalidArgumentError  # noqa: E402
from bestfit_accessor.pipeline import (  # noqa: E402
    ColumnProfile,
    standardize,
    standardizing_constants,
)
from bestfit_accessor.plots import (  # noqa: E402
    ColumnPlotData,
    CopulaPlotData,
    FittedCurve,
    beta_region,
    bootstrap_moments,
    cullen_frey_table,
    plot_cdf,
    plot_copula,
    plot_cullen_frey,
    plot_density,
    plot_diagnostics,
    plot_pp,
    plot_qq,
    plot_rootogram,
    reference_lines,
    reference_points,
    top_fits,
)
from bestfit_accessor.plots.summary import coarsen  # noqa: E402
from bestfit_accessor.plots.univariate import check_kind, draw, qq_points  # noqa: E402
from bestfit_accessor.summaries.grid import (  # noqa: E402
    choose_core_scale,
    count_values,
    design_layout,
)
from bestfit_accessor.summaries.moments import (  # noqa: E402
    merge_summaries,
    sample_positions,
    summarize_values,
)
from bestfit_accessor.summaries.point_masses import PointMass  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def plot_data(x: np.ndarray, label: str = "amount", sample_size: int = 5_000, seed: int = 0,
              n_blocks: int = 3, mass: float | None = None) -> ColumnPlotData:  # fmt: skip
    """A column's plot summaries made by the package's pure kernels, as the fit makes them."""
    positions = sample_positions(x.size, min(x.size, sample_size), seed)
    bounds = np.linspace(0, x.size, n_blocks + 1).astype(int)
    parts = []
    for lo, hi in itertools.pairwise(bounds):
        inside = (positions >= lo) & (positions < hi)
        parts.append(summarize_values(x[lo:hi], positions[inside] - lo, np.flatnonzero(inside)))
    summary = merge_summaries(parts)
    raw = summary.sample(positions.size)
    rest = x[np.isfinite(x)]
    point_mass = None
    if mass is not None:
        raw, rest = raw[raw != mass], rest[rest != mass]
        point_mass = PointMass(mass, int(np.sum(x == mass)), summary.n)
    center, spread = standardizing_constants(raw, rest.min(), rest.max())
    z = standardize(raw, center, spread)
    zmin, zmax = standardize(np.array([rest.min(), rest.max()]), center, spread)
    origin = float(standardize(np.array([0.0]), center, spread)[0])
    layout = design_layout(z, float(zmin), float(zmax),
                           core_scale=choose_core_scale(z, origin, float(zmin)))  # fmt: skip
    counts = count_values(standardize(rest, center, spread), layout)
    profile = ColumnProfile(label, summary, z, layout, counts, center, spread,
                            point_mass=point_mass)  # fmt: skip
    return ColumnPlotData.from_profile(profile, sample_size)


def fits_frame(x: np.ndarray, names: list[str], column: str = "amount") -> pd.DataFrame:
    """A results frame of scipy's own maximum-likelihood fits, ranked by AIC."""
    rows = []
    for name in names:
        dist = getattr(st, name)
        params = dist.fit(x)
        keys = [*(dist.shapes.split(", ") if dist.shapes else []), "loc", "scale"]
        loglik = float(np.sum(dist.logpdf(x, *params)))
        rows.append({"column": column, "distribution": name, "status": "ok",
                     "params": dict(zip(keys, map(float, params), strict=True)),
                     "aic": 2 * len(params) - 2 * loglik})  # fmt: skip
    return pd.DataFrame(rows).sort_values("aic", ignore_index=True)


@pytest.fixture(scope="module")
def gamma_column():
    x = np.random.default_rng(5).gamma(2.5, 3.0, 40_000)
    return x, plot_data(x), fits_frame(x, ["gamma", "norm", "expon"])


def fit_lines(ax):
    return [line for line in ax.lines if str(line.get_gid()).startswith("fit:")]


# -- density --------------------------------------------------------------------------------
def test_density_draws_the_top_fits_with_scipy_pdf_values_and_names_with_aic(gamma_column):
    _, data, fits = gamma_column
    curves = top_fits(fits, "amount", top=2)
    fig = plot_density(data, curves)
    ax = fig.axes[0]
    lines = fit_lines(ax)
    assert [line.get_gid() for line in lines] == ["fit:gamma", "fit:norm"]
    for line, curve in zip(lines, curves, strict=True):
        xs, ys = line.get_xdata(), line.get_ydata()
        np.testing.assert_allclose(ys, curve.frozen.pdf(xs), rtol=1e-12)
        np.testing.assert_allclose(ys, getattr(st, curve.distribution)(
            **fits.set_index("distribution").loc[curve.distribution, "params"]).pdf(xs),
            rtol=1e-12)  # fmt: skip
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    aic = fits.set_index("distribution")["aic"]
    assert labels[1:] == [f"gamma (AIC {aic['gamma']:,.1f})", f"norm (AIC {aic['norm']:,.1f})"]
    assert "amount" in ax.get_title() and ax.get_ylabel() == "density"
    assert ax.get_xlabel() == "amount"


def test_density_histogram_and_true_curve_integrate_to_one(gamma_column):
    _, data, fits = gamma_column
    ax = plot_density(data, top_fits(fits, "amount", top=1)).axes[0]
    (stairs,) = [p for p in ax.patches if p.get_gid() == "data"]
    heights, edges = stairs.get_data().values, stairs.get_data().edges
    assert np.sum(heights * np.diff(edges)) == pytest.approx(1.0, abs=1e-9)
    assert 20 <= heights.size <= 130  # coarsened from the fine layout for display
    (line,) = fit_lines(ax)
    assert trapezoid(line.get_ydata(), line.get_xdata()) == pytest.approx(1.0, abs=2e-3)


def test_density_on_log_x_is_the_density_of_log_x():
    x = np.random.default_rng(2).lognormal(1.0, 1.5, 30_000)
    data, fits = plot_data(x), fits_frame(x, ["lognorm"])
    ax = plot_density(data, top_fits(fits, "amount", 1), log_x=True).axes[0]
    assert ax.get_xscale() == "log" and ax.get_ylabel() == "density of ln x"
    (line,) = fit_lines(ax)
    xs = line.get_xdata()
    frozen = st.lognorm(**fits.loc[0, "params"])
    np.testing.assert_allclose(line.get_ydata(), xs * frozen.pdf(xs), rtol=1e-12)
    (stairs,) = [p for p in ax.patches if p.get_gid() == "data"]
    heights, edges = stairs.get_data().values, stairs.get_data().edges
    assert np.sum(heights * np.diff(np.log(edges))) == pytest.approx(1.0, abs=1e-9)
    assert trapezoid(line.get_ydata(), np.log(xs)) == pytest.approx(1.0, abs=5e-3)


def test_log_x_refuses_a_column_reaching_zero_or_below(gamma_column):
    x = np.random.default_rng(1).normal(size=5_000)
    with pytest.raises(InvalidArgumentError, match="log_x needs positive values"):
        plot_density(plot_data(x), top_fits(fits_frame(x, ["norm"]), "amount", 1), log_x=True)


def test_a_heavy_tail_shows_the_central_range_and_says_so():
    x = np.random.default_rng(4).standard_cauchy(50_000)
    data = plot_data(x)
    ax = plot_density(data, top_fits(fits_frame(x, ["cauchy"]), "amount", 1)).axes[0]
    lo, hi = ax.get_xlim()
    assert data.vmin < lo and hi < data.vmax
    assert "central 99.8% shown" in ax.get_xlabel()


def test_an_axes_given_is_drawn_into_and_its_figure_returned(gamma_column):
    _, data, fits = gamma_column
    fig, ax = plt.subplots()
    assert plot_density(data, top_fits(fits, "amount", 1), ax=ax) is fig
    assert len(fit_lines(ax)) == 1
    with pytest.raises(InvalidArgumentError, match="ax must be a matplotlib Axes"):
        plot_density(data, top_fits(fits, "amount", 1), ax="left")


def test_point_mass_is_left_out_of_the_histogram_and_named_in_the_title():
    rng = np.random.default_rng(9)
    x = np.concatenate([np.zeros(6_000), rng.gamma(2.0, 1.0, 14_000)])
    rng.shuffle(x)
    data = plot_data(x, mass=0.0)
    assert data.n == 20_000 and data.n_binned == 14_000 and data.point_mass_count == 6_000
    assert (data.sample == 0).sum() > 0 and not (data.fitted_sample == 0).any()
    ax = plot_density(data, top_fits(fits_frame(x[x != 0], ["gamma"]), "amount", 1)).axes[0]
    assert "point mass at 0 (30.0%) left out" in ax.get_title()


# -- CDF, Q-Q, P-P ---------------------------------------------------------------------------
def test_cdf_is_monotone_in_0_1_and_the_fitted_cdfs_are_scipy_s(gamma_column):
    _, data, fits = gamma_column
    curves = top_fits(fits, "amount", 3)
    ax = plot_cdf(data, curves).axes[0]
    (empirical,) = [line for line in ax.lines if line.get_gid() == "data"]
    y = empirical.get_ydata()
    assert y[0] == 0 and y[-1] == 1 and np.all(np.diff(y) >= 0)
    lines = fit_lines(ax)
    assert len(lines) == 3
    for line, curve in zip(lines, curves, strict=True):
        ys = line.get_ydata()
        assert np.all((ys >= 0) & (ys <= 1)) and np.all(np.diff(ys) >= 0)
        np.testing.assert_allclose(ys, curve.frozen.cdf(line.get_xdata()), rtol=1e-12)
    assert ax.get_ylabel() == "cumulative probability"


def test_qq_points_of_the_true_family_follow_the_45_degree_line_and_a_wrong_one_does_not(
        gamma_column):  # fmt: skip
    _, data, fits = gamma_column
    curves = {c.distribution: c for c in top_fits(fits, "amount", 3)}
    spread = {}
    for name in ("gamma", "norm"):
        theoretical, observed = qq_points(data, curves[name])
        body = slice(len(observed) // 40, -len(observed) // 40)  # the 2.5 %–97.5 % ranks
        spread[name] = np.max(np.abs(theoretical[body] - observed[body])) / data.sd
    assert spread["gamma"] < 0.1
    assert spread["norm"] > 0.3
    ax = plot_qq(data, list(curves.values())).axes[0]
    (reference,) = [line for line in ax.lines if line.get_gid() == "reference"]
    np.testing.assert_array_equal(reference.get_xdata(), reference.get_ydata())
    assert len(fit_lines(ax)) == 3
    assert "amount" in ax.get_ylabel() and ax.get_xlabel() == "fitted quantiles"


def test_pp_reads_the_histogram_cdf_at_every_edge(gamma_column):
    _, data, fits = gamma_column
    curves = {c.distribution: c for c in top_fits(fits, "amount", 3)}
    ax = plot_pp(data, [curves["gamma"], curves["norm"]]).axes[0]
    true_line, wrong_line = fit_lines(ax)
    np.testing.assert_allclose(true_line.get_xdata(), curves["gamma"].frozen.cdf(data.edges))
    np.testing.assert_allclose(true_line.get_ydata(), data.ecdf_at_edges())
    assert np.max(np.abs(true_line.get_xdata() - true_line.get_ydata())) < 0.01
    assert np.max(np.abs(wrong_line.get_xdata() - wrong_line.get_ydata())) > 0.03


def test_diagnostics_fills_a_2x2_panel_of_the_figure_given_or_a_new_one(gamma_column):
    _, data, fits = gamma_column
    curves = top_fits(fits, "amount", 2)
    fig = plot_diagnostics(data, curves)
    assert len(fig.axes) == 4 and "amount" in fig.get_suptitle()
    assert [len(fit_lines(ax)) for ax in fig.axes] == [2, 2, 2, 2]
    titles = [ax.get_title() for ax in fig.axes]
    assert any("Q-Q" in t for t in titles) and any("P-P" in t for t in titles)
    mine = plt.figure()
    assert draw("diagnostics", data, curves, fig=mine) is mine and len(mine.axes) == 4
    with pytest.raises(InvalidArgumentError, match="pass fig="):
        draw("diagnostics", data, curves, ax=mine.axes[0])


def test_unknown_kinds_are_clear_errors():
    assert check_kind("rootogram") == "rootogram"
    with pytest.raises(InvalidArgumentError, match="kind must be one of"):
        check_kind("violin")


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_rootogram_hangs_the_observed_counts_from_the_best_fit_s_expected_ones(seed):
    counts = np.random.default_rng(seed).poisson(3.5, 5_000)
    vc = block_value_counts(counts.astype(float))
    curves = [FittedCurve("poisson", freeze_discrete("poisson", {"mu": counts.mean(), "loc": 0}),
                          1.0),
              FittedCurve("geom", freeze_discrete("geom", {"p": 1 / (1 + counts.mean()),
                                                           "loc": -1}), 2.0)]  # fmt: skip
    fig = plot_rootogram(vc, curves, "visits")
    ax = fig.axes[0]
    bars = [p for p in ax.patches if p.get_gid() == "data"]
    values = np.arange(counts.min(), counts.max() + 1)
    assert [b.get_x() + b.get_width() / 2 for b in bars] == pytest.approx(values)
    observed = np.bincount(counts - counts.min())
    assert [b.get_height() ** 2 for b in bars] == pytest.approx(observed)
    expected = counts.size * st.poisson(counts.mean()).pmf(values)
    tops = [b.get_y() + b.get_height() for b in bars]
    assert tops == pytest.approx(np.sqrt(expected))  # hung from the best fit
    lines = fit_lines(ax)
    assert [line.get_gid() for line in lines] == ["fit:poisson", "fit:geom"]
    assert lines[0].get_ydata() ** 2 == pytest.approx(expected)
    # the true family hangs its bars near zero; the geometric leaves gaps of several √units
    geom_gap = np.abs(np.sqrt(observed) - lines[1].get_ydata()).max()
    poisson_gap = np.abs(np.sqrt(observed) - lines[0].get_ydata()).max()
    assert poisson_gap < 2.0 < geom_gap


def test_rootogram_refuses_continuous_fits(gamma_column):
    _, _, fits = gamma_column
    vc = block_value_counts(np.arange(20.0))
    with pytest.raises(InvalidArgumentError, match="are continuous"):
        plot_rootogram(vc, top_fits(fits, "amount", 2), "amount")


def test_top_fits_picks_the_best_ok_rows_and_rejects_bad_requests(gamma_column):
    _, _, fits = gamma_column
    broken = fits.copy()
    broken.loc[broken["distribution"] == "gamma", "status"] = "failed"
    assert [c.distribution for c in top_fits(broken, "amount", 5)] == ["norm", "expon"]
    with pytest.raises(InvalidArgumentError, match="top must be a positive integer"):
        top_fits(fits, "amount", 0)
    with pytest.raises(InvalidArgumentError, match="not in fits"):
        top_fits(fits, "other", 1)


# -- the summaries ---------------------------------------------------------------------------
def test_plot_summaries_do_not_grow_with_the_row_count():
    rng = np.random.default_rng(0)
    small = plot_data(rng.gamma(2.0, 1.0, 20_000), sample_size=2_000)
    large = plot_data(rng.gamma(2.0, 1.0, 400_000), sample_size=2_000)
    assert small.sample.size == large.sample.size == 2_000
    assert large.nbytes <= small.nbytes * 1.1 and large.nbytes < 100_000
    assert large.n_binned == 400_000


def test_histogram_quantiles_and_ecdf_agree_with_the_rows(gamma_column):
    x, data, _ = gamma_column
    cdf = data.ecdf_at_edges()
    np.testing.assert_allclose(cdf[1:-1], [np.mean(x < e) for e in data.edges[1:-1]],
                               atol=1.0 / x.size)  # fmt: skip
    q = data.quantiles([0.1, 0.5, 0.9])
    np.testing.assert_allclose(q, np.quantile(x, [0.1, 0.5, 0.9]), rtol=5e-3)


def test_coarsen_keeps_counts_and_spaces_display_bins_evenly():
    edges = np.concatenate([np.linspace(0, 10, 1001), [12, 16, 24, 40]])
    counts = np.arange(edges.size - 1)
    grouped_edges, grouped = coarsen(edges, counts, 0.0, 40.0, 40)
    assert grouped.sum() == counts.sum() and np.all(np.diff(grouped_edges) > 0)
    assert set(grouped_edges) <= set(edges)
    widths = np.diff(grouped_edges)[:9]
    np.testing.assert_allclose(widths, 1.0)  # the uniform part: one display bin per unit


# -- Cullen–Frey -----------------------------------------------------------------------------
def test_reference_points_are_scipy_s_moments_of_each_family():
    points = reference_points()
    for name, dist in (("normal", st.norm), ("uniform", st.uniform), ("exponential", st.expon),
                       ("logistic", st.logistic)):  # fmt: skip
        skew, excess = dist.stats(moments="sk")
        assert points[name] == pytest.approx((float(skew) ** 2, float(excess) + 3.0))
    assert points["normal"] == pytest.approx((0.0, 3.0))
    assert points["uniform"] == pytest.approx((0.0, 1.8))
    assert points["exponential"] == pytest.approx((4.0, 9.0))
    assert points["logistic"] == pytest.approx((0.0, 4.2))


def test_reference_lines_and_beta_region_have_their_known_shapes():
    lines = reference_lines()
    gamma = lines["gamma"]
    np.testing.assert_allclose(gamma[:, 1], 3 + 1.5 * gamma[:, 0], rtol=1e-9)
    s = np.geomspace(1e-3, 1.2, len(lines["lognormal"]))
    w = np.exp(s**2)
    np.testing.assert_allclose(lines["lognormal"][:, 0], (w + 2) ** 2 * (w - 1), rtol=1e-6)
    np.testing.assert_allclose(lines["lognormal"][:, 1], w**4 + 2 * w**3 + 3 * w**2 - 3,
                               rtol=1e-6)  # fmt: skip
    region = beta_region(100)
    lower, upper = region[:100], region[100:]
    np.testing.assert_allclose(lower[:, 1], 1 + lower[:, 0], atol=1e-4)
    np.testing.assert_allclose(upper[:, 1], 3 + 1.5 * upper[:, 0], rtol=1e-4)
    # a beta point lies inside the region
    skew, excess = st.beta(2.0, 5.0).stats(moments="sk")
    b2, k = float(skew) ** 2, float(excess) + 3
    assert 1 + b2 < k < 3 + 1.5 * b2


def test_cullen_frey_table_and_bootstrap_match_scipy_on_the_column(gamma_column):
    x, data, _ = gamma_column
    table = cullen_frey_table([data])
    row = table.iloc[0]
    assert row["n"] == x.size and row["column"] == "amount"
    assert row["mean"] == pytest.approx(x.mean(), rel=1e-12)
    assert row["sd"] == pytest.approx(x.std(ddof=1), rel=1e-12)
    assert row["skewness"] == pytest.approx(st.skew(x), rel=1e-9)
    assert row["kurtosis"] == pytest.approx(st.kurtosis(x, fisher=False), rel=1e-9)
    cloud = bootstrap_moments(data.sample, 300, 1)
    assert cloud.shape == (300, 2)
    np.testing.assert_array_equal(cloud, bootstrap_moments(data.sample, 300, 1))
    assert np.median(cloud[:, 0]) == pytest.approx(st.skew(data.sample) ** 2, rel=0.2)
    assert np.median(cloud[:, 1]) == pytest.approx(st.kurtosis(data.sample, fisher=False),
                                                   rel=0.1)  # fmt: skip
    ax = plot_cullen_frey(table, [cloud]).axes[0]
    (observed,) = [line for line in ax.lines if line.get_gid() == "data"]
    assert (observed.get_xdata()[0], observed.get_ydata()[0]) == pytest.approx(
        (row["skewness"] ** 2, row["kurtosis"]))
    (normal,) = [line for line in ax.lines if line.get_gid() == "reference:normal"]
    assert (normal.get_xdata()[0], normal.get_ydata()[0]) == pytest.approx((0.0, 3.0))
    (boot,) = [line for line in ax.lines if line.get_gid() == "bootstrap"]
    assert len(boot.get_xdata()) == 300
    assert ax.yaxis_inverted() and "amount" in ax.get_title()
    assert ax.get_xlabel() == "square of skewness" and ax.get_ylabel() == "kurtosis"


def test_cullen_frey_draws_one_axes_per_column():
    rng = np.random.default_rng(3)
    table = cullen_frey_table([plot_data(rng.normal(size=3_000), label=c) for c in "abcd"])
    fig = plot_cullen_frey(table)
    visible = [ax for ax in fig.axes if ax.get_visible()]
    assert [ax.get_title().split(":")[0] for ax in visible] == list("abcd")


# -- copula ----------------------------------------------------------------------------------
def test_copula_plot_shows_each_pair_and_both_matrices():
    rng = np.random.default_rng(8)
    cov = [[1, 0.7, 0.2], [0.7, 1, 0.1], [0.2, 0.1, 1]]
    original, synthetic = rng.multivariate_normal([0, 0, 0], cov, size=(2, 2_000))
    labels = ["a", "b", "c"]
    corr_o = pd.DataFrame(np.corrcoef(original.T), index=labels, columns=labels)
    corr_s = pd.DataFrame(np.corrcoef(synthetic.T), index=labels, columns=labels)
    data = CopulaPlotData(labels, original, synthetic, corr_o, corr_s, method="pearson")
    fig = plot_copula(data)
    panels = [ax for ax in fig.axes if ax.get_label() != "<colorbar>"]
    assert len(panels) == 2 * (3 + 1)
    scatter = [line for ax in panels for line in ax.lines]
    assert sorted({line.get_gid() for line in scatter}) == ["original", "synthetic"]
    first = next(line for line in scatter if line.get_gid() == "original")
    np.testing.assert_array_equal(first.get_xdata(), original[:, 0])
    np.testing.assert_array_equal(first.get_ydata(), original[:, 1])
    images = {im.get_gid(): im.get_array() for ax in panels for im in ax.images}
    np.testing.assert_allclose(images["corr:original"], corr_o.to_numpy())
    np.testing.assert_allclose(images["corr:synthetic"], corr_s.to_numpy())
    assert "pearson" in panels[-2].get_title()
