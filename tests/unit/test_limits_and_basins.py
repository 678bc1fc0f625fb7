"""The small-column fit where scipy's ``fit`` found optima our local search used to miss:
limit families (a shape running to a bound of its domain), multi-modal likelihoods,
support bounds whose density is finite, and parameters that rounding makes meaningless.

Each check holds on several seeds; the floor is scipy's own ``fit`` − 1e-3 (the
real-data issue's bar), the log-likelihood always scipy's ``logpdf`` sum.
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.stats as st

from bestfit_accessor.fitting.coordinates import Coordinates
from bestfit_accessor.fitting.fit import fit_distribution
from bestfit_accessor.fitting.likelihood import ExactValues, Model
from bestfit_accessor.fitting.optimiser import maximise
from bestfit_accessor.fitting.starts import cusp_point

from ..helpers import exact_on_rows, gathered_fit_data, large_fit_data
from .test_exact_likelihood import exact_fit_data

SEEDS = (0, 1, 2)


def _fit(name: str, x: np.ndarray) -> tuple[dict, float]:
    record = fit_distribution(name, exact_fit_data(x))
    assert record["status"] == "ok", record["message"]
    dist = getattr(st, name)
    exact = dist.logpdf(x, *record["params"].values()).sum()
    assert record["loglik"] == pytest.approx(exact, rel=1e-9)
    return record, exact


def _scipy_loglik(name: str, x: np.ndarray) -> float:
    dist = getattr(st, name)
    with np.errstate(all="ignore"):
        return float(dist.logpdf(x, *dist.fit(x)).sum())


@pytest.mark.parametrize(("name", "draw"), [
    # skewnorm on half-normal data: the optimum is the limit a → ∞.
    ("skewnorm", lambda rng: 2.0 + np.abs(rng.normal(0.0, 3.0, 300))),
    # powernorm on heavy right tails: c → 0 (its quartiles underflow below c ≈ 0.002).
    ("powernorm", lambda rng: rng.pareto(1.1, 300) + 1.0),
    # nakagami on symmetric data: an interior optimum far along the ridge to the normal.
    ("nakagami", lambda rng: rng.normal(5.0, 1.0, 300)),
])  # fmt: skip
def test_limit_families_reach_scipys_fit(name, draw):
    for seed in SEEDS:
        x = draw(np.random.default_rng(seed))
        _, ours = _fit(name, x)
        theirs = _scipy_loglik(name, x)
        assert ours >= theirs - 1e-3, (seed, ours, theirs)


@pytest.mark.parametrize("name", ["mielke", "burr"])
def test_regular_basin_found_next_to_a_ridge(name):
    """burr and mielke on Burr XII data: the best-scored starts lead to the ridge where
    one shape runs to infinity; the neutral start's basin holds the true optimum."""
    for seed in SEEDS:
        x = st.burr12.rvs(2.0, 1.5, size=500, random_state=seed)
        record, ours = _fit(name, x)
        theirs = _scipy_loglik(name, x)
        assert ours >= theirs - 1e-3, (seed, ours, theirs)
        assert max(list(record["params"].values())[:2]) < 1e3, record["params"]


def test_rdist_on_skewed_data_finds_its_normal_limit():
    """rdist is a symmetric beta; on skewed data its best member is near the normal
    (c in the thousands or more), never the U-shaped basin of c < 1."""
    for seed in SEEDS:
        x = st.burr12.rvs(2.0, 1.5, size=500, random_state=seed)
        record, ours = _fit("rdist", x)
        normal = st.norm.logpdf(x, *st.norm.fit(x)).sum()
        assert record["params"]["c"] > 1e3
        assert ours >= normal - 0.05, (seed, ours, normal)


def test_gennorm_cusp_start_on_the_densest_data(monkeypatch):
    """gennorm with a shape below 1 has a cusp at loc: a local maximum with loc on each
    observation. On log-logistic data the cusped start on the densest stretch gives a
    fit at least as good as the search without it, and on the seed where that search
    ended 11 log-units behind scipy's ``fit``, one beyond scipy's."""
    from bestfit_accessor.fitting import starts

    with_cusp = []
    for seed in SEEDS:
        x = st.fisk.rvs(1.2, size=100, random_state=seed)
        with_cusp.append(_fit("gennorm", x)[1])
    monkeypatch.setattr(starts, "CUSP_SHAPES", {})
    for seed, ours in zip(SEEDS, with_cusp, strict=True):
        x = st.fisk.rvs(1.2, size=100, random_state=seed)
        assert ours >= _fit("gennorm", x)[1] - 1e-6, seed
    x = st.fisk.rvs(1.2, size=100, random_state=np.random.default_rng([11, 4]))  # the suite's
    monkeypatch.undo()
    assert _fit("gennorm", x)[1] >= _scipy_loglik("gennorm", x)
    start = cusp_point("gennorm", np.array([0.0, 5.0, 5.01, 5.02, 5.03, 9.0, 20.0, 30.0]))
    assert start is not None and 5.0 <= start[1] <= 5.03
    assert cusp_point("norm", np.arange(10.0)) is None


@pytest.mark.parametrize("name", ["uniform", "genhalflogistic"])
def test_finite_density_bound_sits_on_the_extreme(name):
    """Where the density is finite at a support bound, the bound may meet the extreme
    observation (uniform's MLE is the sample's range); only a spike keeps its gap."""
    for seed in SEEDS:
        x = np.random.default_rng(seed).uniform(3.0, 7.0, 200)
        record, ours = _fit(name, x)
        assert ours >= _scipy_loglik(name, x) - 1e-3, seed
        if name == "uniform":
            p = record["params"]
            spacing = np.diff(np.sort(x)[:2])[0]
            assert x.min() - p["loc"] < 1e-6 * spacing
            assert p["loc"] + p["scale"] - x.max() < 1e-6 * spacing


def test_spiky_bound_keeps_its_gap_in_every_coordinate_system():
    """weibull_min with c < 1: free and quantile coordinates refuse (NaN loc) a bound
    closer to the minimum than the gap; uniform's bound may come that close."""
    x = np.sort(np.random.default_rng(4).weibull(0.6, 200) * 5.0 + 2.0)
    gap = 1e-4 * (x[1] - x[0])
    for mode in ("free", "quantile"):
        coords = Coordinates(st.weibull_min, np.array([0.6, 1.9, 5.0]), x[0], x[-1], mode,
                             min_gap=gap, exact_bounds=True)  # fmt: skip
        theta = coords.from_params(np.array([0.6, x[0] - 0.5 * gap, 5.0]))
        assert np.isnan(coords.to_params(theta)[-2]), mode
        theta = coords.from_params(np.array([0.6, x[0] - 2.0 * gap, 5.0]))
        assert coords.to_params(theta)[-2] == pytest.approx(x[0] - 2.0 * gap, abs=1e-9)
    wide = x[-1] - x[0] + 1.0
    coords = Coordinates(st.uniform, np.array([1.9, wide]), x[0], x[-1], "free", min_gap=gap,
                         exact_bounds=True)
    theta = coords.from_params(np.array([x[0] - 0.5 * gap, wide]))
    assert coords.to_params(theta)[-2] == pytest.approx(x[0] - 0.5 * gap, abs=1e-12)


def test_parameters_that_round_the_data_away_are_infeasible():
    """loc and scale a billion times the data: every (x − loc)/scale rounds to the same
    number, and a family far out in its tail would give them one garbage density."""
    x = np.random.default_rng(0).pareto(1.1, 300) + 1.0
    model = Model.exact(st.norm, ExactValues.from_values(x), x.min(), x.max())
    assert np.isfinite(model.loglik(np.array([3.0, 10.0])))
    assert model.loglik(np.array([-2.8e17, 1e9])) == -np.inf


def test_maximise_keeps_fixed_coordinates():
    x = np.random.default_rng(2).gamma(3.0, 2.0, 400)
    model = Model.exact(st.gamma, ExactValues.from_values(x), x.min(), x.max())
    start = np.array([1.5, -0.5, 3.0])
    coords = Coordinates(st.gamma, start, x.min(), x.max(), "free")
    theta0 = coords.from_params(start)
    theta, value, _ = maximise(model, coords, theta0, max_iter=30, fixed=(0,))
    assert theta[0] == theta0[0]
    assert value > model.loglik(start)
    free, best, _ = maximise(model, coords, theta0, max_iter=60)
    assert best >= value - 1e-9 and free[0] != theta0[0]


def _gathered_fit_data(x: np.ndarray):
    """FitData of a small column as the pipeline builds it: standardised by the sample's
    median and IQR, with every value gathered (data units kept for the report)."""
    from bestfit_accessor.fitting.fit import prepare_fit_data
    from bestfit_accessor.pipeline import standardize, standardizing_constants
    from bestfit_accessor.summaries import grid

    gathered = x[np.random.default_rng(0).permutation(x.size)]
    center, spread = standardizing_constants(gathered, x.min(), x.max())
    z = standardize(gathered, center, spread)
    layout = grid.design_layout(z, float(z.min()), float(z.max()))
    return prepare_fit_data("x", z, layout, grid.count_values(z, layout), layout.edges[0],
                            layout.edges[-1], z, gathered, center, spread)  # fmt: skip


def test_a_support_far_from_zero_survives_the_conversion_to_data_units():
    """truncnorm fitted far out in the normal's tail ([a, b] ≈ [258, 258.4]): moving
    both bounds outward by a few ulps must widen the support on both sides, or the
    minimum falls outside it in data units and a regular fit is reported failed."""
    from bestfit_accessor.fitting.fit import to_data_params

    x = st.lognorm(2.5).rvs(size=1000, random_state=np.random.default_rng([11, 1]))
    data = _gathered_fit_data(x)
    record = fit_distribution("truncnorm", data)
    assert record["status"] == "ok", record["message"]
    # The record is in the standardised units the pipeline converts back from.
    params = to_data_params(np.array(list(record["params"].values())), data.center,
                            data.spread)  # fmt: skip
    exact = st.truncnorm.logpdf(x, *params).sum()
    assert record["loglik"] - x.size * np.log(data.spread) == pytest.approx(exact, rel=1e-9)
    assert exact >= _scipy_loglik("truncnorm", x) - 1e-3


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize(("draw", "names"), [
    (st.lognorm(2.5), ["pearson3", "gamma", "invgamma", "genpareto"]),
    (st.pareto(1.1), ["pearson3", "weibull_min", "lomax"]),
])  # fmt: skip
def test_a_large_columns_ok_fit_has_a_finite_density_at_every_observation(draw, names, seed):
    """The binned terms cannot see a support bound that passes the minimum by a
    rounding error, or a density spike on it: an ``ok`` row of a large column has a
    finite log-density at every value in data units, else it is a failed row."""
    from bestfit_accessor.fitting.fit import to_data_params

    x = draw.rvs(size=300_000, random_state=np.random.default_rng([seed, 7]))
    data = large_fit_data(x)
    for name in names:
        record = fit_distribution(name, data)
        if record["status"] != "ok":
            assert "observed value" in record["message"]
            continue
        params = to_data_params(np.array(list(record["params"].values())), data.center,
                                data.spread)  # fmt: skip
        assert np.isfinite(getattr(st, name).logpdf(x, *params)).all(), name


def test_mielke_starts_next_to_the_data_on_a_million_heavy_tailed_rows():
    """A one-sided support's start bound sits within a scale of the minimum, not 1e-3
    of a heavy tail's range below it (~28 scales at 1M log-logistic rows, where mielke
    then climbed to a loglik 5e5 below scipy's fit)."""
    from bestfit_accessor.fitting.fit import to_data_params

    x = st.fisk(1.2).rvs(size=1_000_000, random_state=np.random.default_rng([11, 4]))
    data = large_fit_data(x)
    record = fit_distribution("mielke", data)
    params = to_data_params(np.array(list(record["params"].values())), data.center,
                            data.spread)  # fmt: skip
    # fisk(c) is mielke(k=c, s=c): the nested family's fit (loc = 0, true here) is a floor.
    nested = st.fisk.logpdf(x, *st.fisk.fit(x[:20_000], floc=0.0)).sum()
    assert np.isfinite(nested)
    assert st.mielke.logpdf(x, *params).sum() >= nested - 1.0


def test_a_large_columns_shape_at_its_domain_edge_is_climbed_on_the_compressed_terms():
    """skewcauchy on 1M lognormal rows: the binned search takes a → 1 (the edge of its
    domain) and stops with its scale at three times the optimum's, 2e5 log-units
    below scipy's own fit; the compressed climb reaches it."""
    from bestfit_accessor.fitting.fit import to_data_params

    x = st.lognorm(2.5).rvs(size=1_000_000, random_state=np.random.default_rng([11, 1]))
    data = large_fit_data(x)
    record = fit_distribution("skewcauchy", data)
    params = to_data_params(np.array(list(record["params"].values())), data.center,
                            data.spread)  # fmt: skip
    reference = st.skewcauchy.fit(x[:20_000])
    assert st.skewcauchy.logpdf(x, *params).sum() >= st.skewcauchy.logpdf(x, *reference).sum() - 1


@pytest.mark.parametrize("seed", [4, 5, 6])
def test_a_fit_far_from_the_data_takes_newton_steps_where_gauss_newton_stalls(seed):
    """trapezoid on 1M log-logistic rows is ~7 log-units per row below the histogram;
    Gauss–Newton's curvature there is no guide and its damping ran out 1e4–1.4e6
    log-units short of what the Hessian's steps reach (seeds 5 and 4; numpy 2.4,
    scipy 1.17). The bound asks for a tenth of the smallest gain."""
    import dataclasses
    import math

    x = st.fisk(1.2).rvs(size=1_000_000, random_state=np.random.default_rng([11, seed]))
    data = large_fit_data(x)
    gauss_newton_only = dataclasses.replace(data, misfit_loglik=-math.inf)
    ours = exact_on_rows("trapezoid", fit_distribution("trapezoid", data), data, x)
    before = exact_on_rows("trapezoid", fit_distribution("trapezoid", gauss_newton_only),
                            data, x)  # fmt: skip
    assert ours >= before + 1e3, (ours, before)


@pytest.mark.parametrize("seed", [4, 5, 6])
def test_a_climb_against_an_underflow_wall_is_finished_by_a_simplex(seed, monkeypatch):
    """moyal on 1M log-logistic rows: scipy's log-density underflows to -inf a little
    further out than the smallest row, so the optimum sits on that wall and Newton
    steps aim through it; the simplex finish follows it (3e4–2e5 log-units)."""
    from bestfit_accessor.fitting import fit as fit_module

    x = st.fisk(1.2).rvs(size=1_000_000, random_state=np.random.default_rng([11, seed]))
    data = large_fit_data(x)
    ours = exact_on_rows("moyal", fit_distribution("moyal", data), data, x)
    monkeypatch.setattr(fit_module, "_against_a_wall", lambda *args: False)
    without = exact_on_rows("moyal", fit_distribution("moyal", data), data, x)
    assert ours >= without + 1e3, (ours, without)


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("name", ["burr", "mielke"])
def test_a_large_columns_second_basin_is_reached_from_the_neutral_start(name, seed):
    """burr and mielke on 1M Burr XII rows: the binned search ends on the ridge where a
    shape runs to infinity; the neutral start, taken by Gauss–Newton in quantile
    coordinates, stays in the regular basin (burr was 3,400 log-units behind scipy).
    scipy's own fit with loc = 0 (the truth here, nested in ours) is the floor."""
    x = st.burr12(2.0, 1.5).rvs(size=1_000_000, random_state=np.random.default_rng([11, seed]))
    data = large_fit_data(x)
    ours = exact_on_rows(name, fit_distribution(name, data), data, x)
    dist = getattr(st, name)
    nested = dist.logpdf(x, *dist.fit(x[:20_000], floc=0.0)).sum()
    assert np.isfinite(nested)
    assert ours >= nested - 1.0, (ours, nested)


def _cauchy_mle(x: np.ndarray, start: tuple[float, float]) -> float:
    """The exact maximum log-likelihood of a Cauchy on every row (BFGS with the
    analytic score, from a nearby start)."""
    from scipy import optimize

    def negative(theta):
        loc, log_scale = theta
        z = (x - loc) / np.exp(log_scale)
        value = x.size * (np.log(np.pi) + log_scale) + np.log1p(z * z).sum()
        share = 2.0 * z / (1.0 + z * z)
        return value, np.array([-share.sum() / np.exp(log_scale), x.size - (share * z).sum()])

    result = optimize.minimize(negative, [start[0], np.log(start[1])], jac=True,
                               method="BFGS", options={"gtol": 1e-6})  # fmt: skip
    return -float(result.fun)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_ten_million_row_fit_is_climbed_where_binned_and_compressed_disagree(seed):
    """At 10M rows a tolerance of 1e-4 per row between the binned and the compressed
    likelihood is 1,000 log-units: cauchy on log-logistic rows stopped there, tens to
    hundreds of log-units below the exact optimum. Disagreement beyond 100 units in
    all sends it to the compressed climb, which ends within one unit of it."""
    x = st.fisk(1.2).rvs(size=10_000_000, random_state=np.random.default_rng([12, seed]))
    data = large_fit_data(x)
    record = fit_distribution("cauchy", data)
    ours = exact_on_rows("cauchy", record, data, x)
    from bestfit_accessor.fitting.fit import to_data_params

    loc, scale = to_data_params(np.array(list(record["params"].values())), data.center,
                                data.spread)  # fmt: skip
    best = _cauchy_mle(x, (loc, scale))
    assert best >= ours - 1e-6
    assert ours >= best - 1.0, (ours, best)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_light_tail_far_out_is_climbed_from_a_widened_start(seed):
    """gompertz (a double-exponential tail) on 10M log-logistic rows: the binned
    optimum gave the largest rows log-densities near −1e80 to −1e170 in all, which
    Newton steps shrank by a few orders of magnitude each; the widest start climbs
    to a sane fit (−2.6 to −5.6 per row measured on seeds 0–2)."""
    x = st.fisk(1.2).rvs(size=10_000_000, random_state=np.random.default_rng([11, seed]))
    data = large_fit_data(x)
    ours = exact_on_rows("gompertz", fit_distribution("gompertz", data), data, x)
    assert ours / x.size > -10.0, ours


@pytest.mark.parametrize("seed", [5, 6, 7])
def test_a_scale_as_wide_as_nine_decades_is_feasible(seed):
    """moyal on 100,000 inverse-gamma(0.8) rows (1 to 5e8): its log-density underflows
    past z ≈ 1,490, so its scale must reach the largest row; that scale was refused as
    rounding the bulk's gaps away, and the fit failed or ended where a row's density
    underflowed in data units. It now reaches scipy's fit."""
    x = st.invgamma(0.8).rvs(size=100_000, random_state=np.random.default_rng([11, seed]))
    data = gathered_fit_data(x)
    ours = exact_on_rows("moyal", fit_distribution("moyal", data), data, x)
    assert ours >= st.moyal.logpdf(x, *st.moyal.fit(x)).sum() - 1e-3


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_weibull_max_on_a_heavy_right_tail_reaches_its_gumbel_limit(seed):
    """As c → ∞ weibull_max tends to gumbel_r, the best it can do on 3M Burr XII rows.
    The binned optimum stopped at another point of that ridge, 1e4 log-units below
    gumbel_r's fit on seeds 0 and 2; the Gumbel-limit start and the simplex in
    ridge coordinates reach it (gumbel_r fitted to 200,000 rows and scored on all:
    measured +19 to +35). The bound allows 1."""
    x = st.burr12(2.0, 1.5).rvs(size=3_000_000, random_state=np.random.default_rng([11, seed]))
    data = large_fit_data(x)
    ours = exact_on_rows("weibull_max", fit_distribution("weibull_max", data), data, x)
    gumbel = st.gumbel_r.logpdf(x, *st.gumbel_r.fit(x[:200_000])).sum()
    assert ours >= gumbel - 1.0, (ours, gumbel)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_truncnorm_on_a_heavy_tail_heads_for_its_exponential_limit(seed):
    """truncnorm cut far into its tail is an exponential, the best it can do on 3M
    log-logistic rows. From a normal cut just outside the data the fit stayed 1.3e7
    to 1.9e7 in all, 2.7 per row, below the exponential's fit; from the limit start
    it is within 0.03 per row of it (seeds 0–2). The bound allows 0.1."""
    x = st.fisk(1.2).rvs(size=3_000_000, random_state=np.random.default_rng([11, seed]))
    data = large_fit_data(x)
    ours = exact_on_rows("truncnorm", fit_distribution("truncnorm", data), data, x)
    exponential = st.expon.logpdf(x, *st.expon.fit(x)).sum()
    assert (exponential - ours) / x.size <= 0.1, (ours, exponential)
