"""distributions="auto": which columns are counts, and discrete rows in the seed API
and in saved fits (no Ray)."""

from __future__ import annotations

import math
import pickle

import numpy as np
import pandas as pd
import pytest
import scipy.stats as st

import bestfit_accessor
from bestfit_accessor import (
    DiscreteDistributionFit,
    DiscreteFitResults,
    FitOptions,
    InvalidArgumentError,
)
from bestfit_accessor.discrete import DISCRETE_CANDIDATES, block_value_counts
from bestfit_accessor.discrete.auto import (
    AutoCandidates,
    count_limit,
    is_count_column,
    merge_block_counts,
    probe_counts,
)
from bestfit_accessor.discrete.run import fit_record
from bestfit_accessor.fitting.registry import DEFAULT_CANDIDATES
from bestfit_accessor.results import build_results, storage

from ..helpers import REALDATA, requires_realdata


def _decide(x: np.ndarray, n_blocks: int = 1) -> bool:
    """The auto rule as the pipeline runs it: per block, then merged."""
    x = np.asarray(x, dtype=float)
    limit = count_limit(x.size)
    parts = [probe_counts(part, limit) for part in np.array_split(x, n_blocks)]
    return is_count_column(merge_block_counts(parts))


@pytest.mark.parametrize("n_blocks", [1, 3])
def test_counts_are_recognised_and_measurements_are_not(n_blocks):
    rng = np.random.default_rng(0)
    assert _decide(st.poisson.rvs(4.0, size=500, random_state=1), n_blocks)
    assert _decide(st.nbinom.rvs(0.8, 0.05, size=5000, random_state=2), n_blocks)
    assert _decide(np.r_[np.zeros(30), np.ones(20)], n_blocks)  # 0/1 counts
    assert _decide(st.skellam.rvs(3, 4, size=400, random_state=3), n_blocks)  # negatives
    with_nan = st.poisson.rvs(2.0, size=300, random_state=4).astype(float)
    with_nan[::7] = np.nan
    assert _decide(with_nan, n_blocks)
    # a fraction anywhere, even after the probed head, is not counts
    late_fraction = st.poisson.rvs(3.0, size=10_000, random_state=5).astype(float)
    late_fraction[-1] = 2.5
    assert not _decide(late_fraction, n_blocks)
    assert not _decide(rng.normal(size=1000), n_blocks)
    # whole numbers on a lattice of 5: rounded measurements, not counts
    assert not _decide(np.round(rng.normal(200, 30, 2000) / 5) * 5, n_blocks)
    # whole numbers that rarely repeat: a measurement in whole units
    assert not _decide(np.round(rng.lognormal(8, 1, 1000)), n_blocks)
    assert not _decide(np.full(100, 3.0), n_blocks)  # constant: the continuous path's error


def test_the_distinct_value_rule_is_half_the_finite_values():
    counts = block_value_counts(np.r_[np.arange(50), np.arange(50)])  # 50 values, 100 rows
    assert is_count_column(counts)
    counts = block_value_counts(np.r_[np.arange(51), np.arange(49)])  # 51 values
    assert not is_count_column(counts)
    assert probe_counts(np.arange(10_000.0), count_limit(10_000)) is None  # block says no


@requires_realdata
def test_real_measurements_stay_continuous_and_toxocara_is_counts():
    for csv in sorted(REALDATA.glob("*.csv")):
        frame = pd.read_csv(csv)
        for column in frame.select_dtypes("number"):
            x = frame[column].to_numpy(dtype=float)
            assert _decide(x) == (csv.stem == "toxocara"), f"{csv.name}:{column}"


def test_statsmodels_columns_of_the_benchmarks_stay_continuous():
    smd = pytest.importorskip("statsmodels.datasets")
    for module, column in (("engel", "income"), ("engel", "foodexp"), ("nile", "volume")):
        x = getattr(smd, module).load_pandas().data[column].to_numpy(dtype=float)
        assert not _decide(x), f"{module}.{column}"


def test_auto_resolves_to_both_sets_and_pickles():
    names = FitOptions(distributions="auto").distributions
    assert isinstance(names, AutoCandidates)
    assert set(names) <= set(DEFAULT_CANDIDATES) and names.discrete == DISCRETE_CANDIDATES
    again = pickle.loads(pickle.dumps(names))
    assert again == names and again.discrete == names.discrete
    assert not isinstance(FitOptions().distributions, AutoCandidates)  # None: densities
    with pytest.raises(InvalidArgumentError, match="not comparable"):
        FitOptions(distributions=["nbinom", "gamma"])


# -- discrete rows: saved, loaded, frozen ------------------------------------------------


@pytest.fixture(scope="module")
def every_family():
    """Every discrete candidate fitted where it can be: counts from 0, from 1, and a
    bounded column (so integer, shifted, zero-inflated and hurdle rows all appear)."""
    columns = {
        "from0": st.nbinom.rvs(3, 0.4, size=800, random_state=0),
        "from1": st.zipf.rvs(2.5, size=800, random_state=1),
        "bounded": st.binom.rvs(12, 0.4, size=800, random_state=2),
    }
    from_one = ("geom", "logser", "yulesimon", "zipf", "zipfian")  # support k >= 1
    names = {"from0": [n for n in DISCRETE_CANDIDATES if n not in from_one],
             "from1": from_one, "bounded": ("binom", "poisson")}
    records = [fit_record(label, name, block_value_counts(x))
               for label, x in columns.items() for name in names[label]]
    records.append(fit_record("from0", "poisson", block_value_counts(columns["from0"]),
                              shift=True) | {"column": "shifted"})
    return build_results(records, "aic", [*columns, "shifted"]), columns


def test_every_fitted_family_freezes_to_its_reported_loglik(every_family):
    fits, columns = every_family
    ok = fits[fits["status"] == "ok"]
    assert set(DISCRETE_CANDIDATES) <= set(ok["distribution"])
    for _, row in ok.iterrows():
        x = columns.get(row["column"], columns["from0"])
        frozen = bestfit_accessor.to_scipy(row)
        assert frozen.logpmf(x).sum() == pytest.approx(row["loglik"], rel=1e-9, abs=1e-6), \
            (row["column"], row["distribution"])


@pytest.mark.parametrize("fmt", ["json", "parquet", "csv"])
def test_discrete_rows_round_trip_through_saved_fits(every_family, fmt, tmp_path):
    fits, _ = every_family
    if fmt == "parquet":
        pytest.importorskip("pyarrow")
    path = tmp_path / f"fits.{fmt}"
    getattr(storage, f"fits_to_{fmt}")(fits, path)
    back = getattr(storage, f"fits_from_{fmt}")(path)
    pd.testing.assert_frame_equal(back, fits)
    shifted = back[back["column"] == "shifted"].iloc[0]
    assert shifted["n_params"] == 2 and isinstance(shifted["params"]["loc"], int)


def test_a_saved_row_whose_kind_disagrees_with_its_family_is_rejected(every_family):
    fits, _ = every_family
    bad = fits.copy()
    bad.loc[0, "kind"] = "continuous"
    with pytest.raises(InvalidArgumentError, match="kind='continuous' disagrees"):
        storage.fits_from_json(storage.fits_to_json(fits).replace(
            '"kind": "discrete"', '"kind": "continuous"', 1))
    with pytest.raises(InvalidArgumentError, match="disagrees"):
        storage.fits_to_json(bad)


def test_discrete_fit_results_of_the_seed_api(every_family):
    fits, columns = every_family
    results = DiscreteFitResults(fits)
    best = results.best(n=1, column="bounded")[0]
    assert isinstance(best, DiscreteDistributionFit)
    n = best.params["n"]
    assert best.distribution == "binom" and isinstance(n, int) and n >= columns["bounded"].max()
    assert best.pmf(4) == pytest.approx(st.binom.pmf(4, n, best.params["p"]))
    assert best.logpmf(4) == pytest.approx(math.log(best.pmf(4)))
    assert isinstance(best.chisq_df, int) and 0.0 <= best.chisq_pvalue <= 1.0
    assert math.isnan(best.pvalue)  # no continuous KS p-value for counts
    draws = best.sample(1000, random_state=0)
    assert draws.dtype.kind == "i" and draws.min() >= 0 and draws.max() <= n
    assert "chisq_pvalue" in repr(best)
    with pytest.raises(InvalidArgumentError, match="pmf, not a density"):
        best.pdf(3)
    with pytest.raises(InvalidArgumentError, match="not defined for discrete"):
        results.best(metric="sse")
    assert [f.column_name for f in results.best()] == ["from0", "from1", "bounded", "shifted"]
