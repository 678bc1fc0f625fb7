"""Gaussian copula on Ray: fitting, sampling to new frames, JSON of fitted copulas.

The pure maths (linear algebra, normal-score tables, sampling kernels, JSON
validation) is tested without Ray in tests/unit/test_dependence_maths.py.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import scipy.stats as st
from scipy.special import ndtri

import bestfit_accessor
from bestfit_accessor import CorrelationRepairWarning, GaussianCopula
from bestfit_accessor.dependence import linalg

from ..helpers import HAVE_MODIN, make_frame, mpd, requires_modin

RHO = np.array([[1.0, 0.6, 0.3], [0.6, 1.0, 0.5], [0.3, 0.5, 1.0]])
CANDIDATES = ["norm", "lognorm", "expon", "gamma"]
N = 200_000
SLOW_PPF = [
    ("gennorm", {"beta": 1.5, "loc": 0.0, "scale": 1.0}),
    ("betaprime", {"a": 2.5, "b": 3.5, "loc": 0.0, "scale": 1.0}),
    ("gengamma", {"a": 2.0, "c": 1.5, "loc": 0.0, "scale": 1.0}),
]


def _claims(n: int = N, seed: int = 3) -> pd.DataFrame:
    """Normal, lognormal and exponential columns joined by a Gaussian copula RHO."""
    rng = np.random.default_rng(seed)
    z = rng.standard_normal((n, 3)) @ np.linalg.cholesky(RHO).T
    u = st.norm.cdf(z)
    return pd.DataFrame({
        "amount": st.norm(100.0, 15.0).ppf(u[:, 0]),
        "cost": st.lognorm(0.6, scale=40.0).ppf(u[:, 1]),
        "delay": st.expon(scale=3.0).ppf(u[:, 2]),
    })  # fmt: skip


@pytest.fixture(scope="module")
def claims() -> pd.DataFrame:
    return _claims()


_FITTED: dict[str, GaussianCopula] = {}


@pytest.fixture
def fitted(frame_kind, claims) -> GaussianCopula:
    """One copula per frame kind, fitted once for the module."""
    if frame_kind not in _FITTED:
        df = make_frame(frame_kind, claims)
        _FITTED[frame_kind] = df.bestfit.copula(distributions=CANDIDATES, random_state=0)
    return _FITTED[frame_kind]


def _gennorm_copula(source: str = "pandas") -> GaussianCopula:
    return GaussianCopula(["x", "y", "z"], SLOW_PPF, RHO, source=source)


# --------------------------------------------------------------------------- fitting


def test_copula_recovers_the_correlation(fitted, frame_kind):
    assert fitted.columns == ["amount", "cost", "delay"]
    assert fitted.source == frame_kind
    assert np.abs(fitted.correlation.to_numpy() - RHO).max() < 0.02
    names = {c: m.distribution for c, m in fitted.marginals.items()}
    assert names["amount"] == "norm" and names["cost"] == "lognorm"
    assert names["delay"] in ("expon", "gamma")  # gamma nests the exponential
    assert fitted.n_obs == N and fitted.n_dropped == 0


def test_sample_matches_marginals_and_dependence(fitted, frame_kind):
    sample = fitted.sample(N, random_state=11)
    expected_type = pd.DataFrame if frame_kind == "pandas" else mpd.DataFrame
    assert type(sample) is expected_type
    local = sample if frame_kind == "pandas" else sample._to_pandas()
    assert list(local.columns) == ["amount", "cost", "delay"] and len(local) == N
    scores = []
    for column, marginal in fitted.marginals.items():
        frozen = marginal.frozen()
        assert st.kstest(local[column].to_numpy(), frozen.cdf).pvalue > 0.01
        scores.append(ndtri(np.clip(frozen.cdf(local[column].to_numpy()), 1e-12, 1 - 1e-12)))
    observed = np.corrcoef(scores)
    assert np.abs(observed - fitted.correlation.to_numpy()).max() < 0.02


def test_copula_from_a_fits_frame_takes_the_best_ok_rows(claims):
    fits = claims.bestfit.fit(distributions=CANDIDATES, random_state=0)
    copula = claims.bestfit.copula(fits, columns=["delay", "amount"])
    assert copula.columns == ["delay", "amount"]
    for column in ["delay", "amount"]:
        ok = fits[(fits["column"] == column) & (fits["status"] == "ok")]
        best = ok.sort_values("aic").iloc[0]
        assert copula.marginals[column].distribution == best["distribution"]
        assert dict(copula.marginals[column].params) == pytest.approx(best["params"])
    # A failed best row is skipped: the next one by the metric is used instead.
    broken = fits.copy()
    top = broken.index[(broken["column"] == "amount") & (broken["rank"] == 1)][0]
    broken.loc[top, "status"] = "failed"
    runner_up = fits[(fits["column"] == "amount") & (fits["rank"] == 2)].iloc[0]
    other = claims.bestfit.copula(broken, columns=["amount", "cost"], metric="aic")
    assert other.marginals["amount"].distribution == runner_up["distribution"]
    with pytest.raises(bestfit_accessor.InvalidArgumentError, match="not in fits"):
        claims.bestfit.copula(fits[fits["column"] != "cost"], columns=["amount", "cost"])


def test_at_least_two_columns(claims):
    with pytest.raises(bestfit_accessor.InvalidArgumentError, match="at least two"):
        claims.bestfit.copula(columns=["amount"], distributions=["norm"])
    with pytest.raises(bestfit_accessor.InvalidArgumentError, match="at least two"):
        claims["amount"].bestfit.copula(distributions=["norm"])


def test_singular_correlation_is_repaired_with_a_warning():
    rng = np.random.default_rng(5)
    x = rng.normal(size=20_000)
    df = pd.DataFrame({"a": x, "b": x.copy(), "c": rng.normal(size=20_000) + x})
    with pytest.warns(CorrelationRepairWarning, match="not positive definite"):
        copula = df.bestfit.copula(distributions=["norm"])
    c = copula.correlation.to_numpy()
    assert np.linalg.eigvalsh(c).min() > linalg.MIN_EIGENVALUE
    assert c[0, 1] > 0.999 and np.all(np.diag(c) == 1.0)
    assert copula.sample(1000, random_state=0).shape == (1000, 3)


# -------------------------------------------------------------------------- sampling


def test_same_random_state_same_frame_whatever_the_task_count():
    copula = _gennorm_copula()
    n = 300_001  # several chunks and a ragged last one
    first = copula.sample(n, random_state=7, n_partitions=1)
    for parts in (2, 3, 5):
        assert first.equals(copula.sample(n, random_state=7, n_partitions=parts))
    assert not first.equals(copula.sample(n, random_state=8))
    seeded = copula.sample(n, random_state=np.random.SeedSequence(7), n_partitions=4)
    assert first.equals(seeded)
    assert isinstance(first.index, pd.RangeIndex) and list(first.columns) == ["x", "y", "z"]
    # A prefix of the chunks does not depend on n either.
    short = copula.sample(70_000, random_state=7)
    assert short.equals(first.iloc[:70_000])


@requires_modin
def test_modin_in_modin_out_from_partitions(claims):
    copula = GaussianCopula(["a", "b"], SLOW_PPF[:2], RHO[:2, :2], source="modin")
    n = 1_000_000
    sample = copula.sample(n, random_state=3)
    assert isinstance(sample, mpd.DataFrame)
    partitions = sample._query_compiler._modin_frame._partitions
    assert partitions.shape[0] > 1
    assert isinstance(sample.index, pd.RangeIndex) and sample.index.equals(pd.RangeIndex(n))
    assert sample.index.is_unique and list(sample.columns) == ["a", "b"]
    local = copula.sample(n, random_state=3, kind="pandas")
    assert sample._to_pandas().equals(local)  # identical rows whatever the output kind
    assert sample["a"].sum() == pytest.approx(local["a"].sum())


def test_sample_validates_n_and_random_state():
    copula = _gennorm_copula()
    for bad in (0, -1, 1.5, True, "10", None, np.float64(3.0)):
        with pytest.raises(bestfit_accessor.InvalidArgumentError, match="positive integer"):
            copula.sample(bad)
    for bad in (-1, 1.5, "seed", np.random.default_rng(0)):
        with pytest.raises(bestfit_accessor.InvalidArgumentError, match="random_state"):
            copula.sample(10, random_state=bad)
    with pytest.raises(bestfit_accessor.InvalidArgumentError, match="kind"):
        copula.sample(10, kind="polars")
    for kind in ("pandas", "dataset"):  # a clear error, not an allocation attempt
        with pytest.raises(bestfit_accessor.MemoryLimitError, match="GiB, more than"):
            copula.sample(10**15, kind=kind)
    assert copula.sample(np.int64(3), random_state=0).shape == (3, 3)


# ----------------------------------------------------------------------- serialisation


def test_json_round_trip_is_exact(tmp_path, fitted):
    path = tmp_path / "claims-copula.json"
    text = fitted.to_json(path)
    loaded = GaussianCopula.from_json(path)
    assert loaded == fitted
    assert loaded.source == fitted.source and loaded.columns == fitted.columns
    assert np.array_equal(loaded.correlation.to_numpy(), fitted.correlation.to_numpy())
    assert GaussianCopula.from_json(str(path)) == fitted
    assert GaussianCopula.from_json(text) == fitted
    assert GaussianCopula.from_dict(fitted.to_dict()) == fitted
    assert json.loads(text)["source"] == fitted.source
    a = loaded.sample(5_000, random_state=1, kind="pandas")
    b = fitted.sample(5_000, random_state=1, kind="pandas")
    assert a.equals(b)


def test_tuple_column_labels_sample():
    labelled = GaussianCopula([("a", 1), ("b", 2)], SLOW_PPF[:2], np.eye(2))
    assert labelled.sample(10, random_state=0).columns.tolist() == [("a", 1), ("b", 2)]


def test_modin_source_survives_json(tmp_path):
    copula = _gennorm_copula(source="modin")
    loaded = GaussianCopula.from_json(copula.to_json())
    assert loaded.source == "modin"
    if HAVE_MODIN:
        assert isinstance(loaded.sample(100, random_state=0), mpd.DataFrame)


def test_ray_dataset_in_ray_dataset_out():
    ray = pytest.importorskip("ray")
    pytest.importorskip("ray.data")
    data = _claims(20_000, seed=9)
    fits = data.bestfit.fit(distributions=CANDIDATES, random_state=0)
    dataset = ray.data.from_pandas(data).repartition(3)
    from_dataset = GaussianCopula.fit(dataset, fits)
    from_pandas = GaussianCopula.fit(data, fits)
    assert from_dataset.source == "dataset"
    np.testing.assert_allclose(from_dataset.correlation.to_numpy(),
                               from_pandas.correlation.to_numpy(), atol=1e-12)  # fmt: skip
    sample = from_dataset.sample(150_000, random_state=2)
    assert isinstance(sample, ray.data.Dataset) and sample.count() == 150_000
    local = sample.to_pandas().reset_index(drop=True)
    pd.testing.assert_frame_equal(local, from_dataset.sample(150_000, random_state=2,
                                                             kind="pandas"))  # fmt: skip


def test_seed_api_spellings(claims, tmp_path):
    """``GaussianCopula.fit(results, df)``, ``sample(n=...)``, ``save``/``load`` work."""
    from bestfit_accessor import DistributionFitter

    small = claims.iloc[:20_000]
    results = DistributionFitter().fit(small, columns=list(small.columns),
                                       distributions=CANDIDATES)  # fmt: skip
    seed_order = GaussianCopula.fit(results, small)
    ours = GaussianCopula.fit(small, results.df)
    assert seed_order == ours and seed_order.column_names == list(small.columns)
    assert GaussianCopula.fit(results.df, small, backend=object()) == ours
    np.testing.assert_array_equal(seed_order.correlation_matrix, ours.correlation.to_numpy())
    uniform = seed_order.sample(n=50_000, random_state=1, return_uniform=True)
    assert uniform.to_numpy().min() > 0 and uniform.to_numpy().max() < 1
    for column in uniform.columns:
        assert st.kstest(uniform[column].to_numpy(), "uniform").pvalue > 0.01
    values = seed_order.sample(n=50_000, random_state=1)
    frozen = seed_order.marginals["cost"].frozen()
    np.testing.assert_allclose(frozen.cdf(values["cost"]), uniform["cost"], atol=1e-8)
    assert seed_order.sample_distributed(1000, random_seed=4).equals(
        seed_order.sample(1000, random_state=4))
    seed_order.save(tmp_path / "c.json")
    assert GaussianCopula.load(tmp_path / "c.json") == seed_order
    with pytest.raises(bestfit_accessor.InvalidArgumentError, match="no pickle"):
        seed_order.save(tmp_path / "c.pkl", format="pickle")
    with pytest.raises(bestfit_accessor.InvalidArgumentError, match="fits must be"):
        GaussianCopula.fit(small, fits=[1, 2, 3])
