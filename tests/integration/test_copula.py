"""Gaussian copula: fitting, sampling to new frames, fast inverse CDFs, JSON."""

from __future__ import annotations

import copy
import json
import pickle

import numpy as np
import pandas as pd
import pytest
import scipy.stats as st
from scipy.special import ndtri

import bestfit_accessor
from bestfit_accessor.dependence import copula as copula_module
from bestfit_accessor.dependence.copula import (
    CorrelationRepairWarning,
    GaussianCopula,
    nearest_correlation,
)
from bestfit_accessor.dependence.normal_scores import build_table
from bestfit_accessor.results import jsonio

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
    assert np.linalg.eigvalsh(c).min() > copula_module.MIN_EIGENVALUE
    assert c[0, 1] > 0.999 and np.all(np.diag(c) == 1.0)
    assert copula.sample(1000, random_state=0).shape == (1000, 3)


def test_nearest_correlation_matches_highams_example():
    a = np.array([[1.0, 1.0, 0.0], [1.0, 1.0, 1.0], [0.0, 1.0, 1.0]])
    x = nearest_correlation(a)
    expected = np.array([[1.0, 0.7607, 0.1573], [0.7607, 1.0, 0.7607], [0.1573, 0.7607, 1.0]])
    assert np.abs(x - expected).max() < 1e-3  # Higham (2002), section 4
    assert np.linalg.eigvalsh(x).min() > 0 and np.array_equal(x, x.T)
    np.testing.assert_allclose(nearest_correlation(RHO), RHO, atol=1e-9)  # valid: unchanged


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
        with pytest.raises(bestfit_accessor.InvalidArgumentError, match="GiB, more than"):
            copula.sample(10**15, kind=kind)
    assert copula.sample(np.int64(3), random_state=0).shape == (3, 3)


def test_fast_ppf_error_within_1e_8():
    u = np.concatenate([
        np.geomspace(1e-10, 0.5, 30_000),
        1.0 - np.geomspace(1e-10, 0.5, 30_000),
        np.random.default_rng(0).random(30_000),
    ])  # fmt: skip
    cases = [(name, dict(params)) for name, params in SLOW_PPF] + [
        ("gennorm", {"beta": 0.6, "loc": 3.0, "scale": 2.0}),
        ("gennorm", {"beta": 6.0, "loc": -1.0, "scale": 0.1}),
        ("betaprime", {"a": 0.7, "b": 1.2, "loc": 0.0, "scale": 5.0}),
        ("gengamma", {"a": 0.4, "c": -1.5, "loc": 1.0, "scale": 2.0}),
        ("lognorm", {"s": 1.2, "loc": 0.0, "scale": 30.0}),
        ("gamma", {"a": 0.3, "loc": 0.0, "scale": 1.0}),
        ("t", {"df": 1.5, "loc": 0.0, "scale": 1.0}),
        ("triang", {"c": 0.3, "loc": 0.0, "scale": 1.0}),  # a kink at the mode
        ("foldnorm", {"c": 1.0, "loc": 0.0, "scale": 1.0}),  # scipy ppf is a root search
    ]
    for name, params in cases:
        table = build_table(name, params)
        x = table.ppf(u)
        frozen = bestfit_accessor.to_scipy({"distribution": name, "params": params})
        error = np.abs(frozen.cdf(x) - u).max()
        assert error <= 1e-8, (name, params, error)
        # The inverse direction (normal scores) agrees with scipy too.
        z = table.to_z(x[(u > 1e-6) & (u < 1 - 1e-6)])
        exact = ndtri(frozen.cdf(x[(u > 1e-6) & (u < 1 - 1e-6)]))
        assert np.abs(z - exact).max() < 1e-6, name


def test_fast_ppf_beyond_the_grid_is_exact():
    table = build_table("gennorm", SLOW_PPF[0][1])
    z = np.array([-40.0, -9.0, 9.0, 12.0, np.inf, -np.inf])
    frozen = st.gennorm(1.5)
    with np.errstate(all="ignore"):
        expected = np.where(z < 0, frozen.ppf(st.norm.cdf(z)), frozen.isf(st.norm.sf(z)))
    np.testing.assert_array_equal(table.from_z(z), expected)


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


def test_integer_column_names_round_trip():
    copula = GaussianCopula([0, 7], SLOW_PPF[:2], RHO[:2, :2])
    assert GaussianCopula.from_json(copula.to_json()).columns == [0, 7]


def _valid() -> dict:
    return _gennorm_copula().to_dict()


def _mutations() -> dict:
    def edit(fn):
        data = _valid()
        fn(data)
        return data

    def setitem(path, value):
        def fn(data):
            target = data
            for key in path[:-1]:
                target = target[key]
            target[path[-1]] = value
        return fn

    not_pd = [[1.0, 0.9, -0.9], [0.9, 1.0, 0.9], [-0.9, 0.9, 1.0]]
    return {  # case: (data, what the message must say)
        "unknown distribution": (edit(setitem(["marginals", 0, "distribution"], "normal")),
                                 "unknown distribution 'normal'"),
        "attribute, not a distribution": (edit(setitem(["marginals", 0, "distribution"],
                                                       "__class__")), "unknown distribution"),
        "non-string distribution": (edit(setitem(["marginals", 0, "distribution"], ["norm"])),
                                    "must be a string"),
        "missing parameter": (edit(lambda d: d["marginals"][1]["params"].pop("b")),
                              "takes parameters"),
        "extra parameter": (edit(setitem(["marginals", 1, "params", "c"], 1.0)),
                            "takes parameters"),
        "string parameter": (edit(setitem(["marginals", 0, "params", "beta"], "1.5")),
                             "not a finite number"),
        "boolean parameter": (edit(setitem(["marginals", 0, "params", "beta"], True)),
                              "not a finite number"),
        "negative scale": (edit(setitem(["marginals", 0, "params", "scale"], -1.0)),
                           "scale must be > 0"),
        "invalid shape": (edit(setitem(["marginals", 0, "params", "beta"], -2.0)),
                          "not valid parameters of gennorm"),
        "marginal extra key": (edit(setitem(["marginals", 0, "weight"], 1)), "exactly the keys"),
        "too few marginals": (edit(lambda d: d["marginals"].pop()), "3 columns but 2 marginals"),
        "wrong shape": (edit(setitem(["correlation"], [[1.0, 0.0], [0.0, 1.0]])), "3×3"),
        "ragged matrix": (edit(setitem(["correlation", 2], [0.3, 0.5])), "3×3"),
        "not symmetric": (edit(setitem(["correlation", 0, 1], 0.59)), "not symmetric"),
        "diagonal not one": (edit(setitem(["correlation", 1, 1], 0.99)), "unit diagonal"),
        "entry above one": (edit(setitem(["correlation"], [[1.0, 1.5, 0], [1.5, 1.0, 0],
                                                           [0, 0, 1.0]])), r"\[-1, 1\]"),
        "not positive definite": (edit(setitem(["correlation"], not_pd)),
                                  "not positive definite"),
        "string entry": (edit(setitem(["correlation", 0, 2], "0.3")), "3×3 nested list"),
        "duplicate columns": (edit(setitem(["columns"], ["x", "x", "z"])), "unique"),
        "one column": (edit(lambda d: d.update(columns=["x"], marginals=d["marginals"][:1],
                                               correlation=[[1.0]])), "between 2 and"),
        "float column name": (edit(setitem(["columns", 0], 1.5)), "string or an integer"),
        "huge column list": (edit(setitem(["columns"], [f"c{i}" for i in range(5000)])),
                             "at most 1024 columns"),
        "wrong format": (edit(setitem(["format"], "spark_bestfit.GaussianCopula")),
                         "not a saved GaussianCopula"),
        "future version": (edit(setitem(["version"], 2)), "version 2"),
        "boolean version": (edit(setitem(["version"], True)), "version True"),
        "unknown source": (edit(setitem(["source"], "polars")), "source must be one of"),
        "missing field": (edit(lambda d: d.pop("correlation")), r"missing \['correlation'\]"),
        "extra field": (edit(setitem(["pickle"], "gASV...")), r"unexpected \['pickle'\]"),
        "top-level list": ([_valid()], "must be a JSON object"),
    }  # fmt: skip


@pytest.mark.parametrize("case", sorted(_mutations()))
def test_malformed_copula_json_is_rejected(case, tmp_path):
    data, message = _mutations()[case]
    text = json.dumps(data)
    path = tmp_path / "bad.json"
    path.write_text(text)
    with pytest.raises(bestfit_accessor.InvalidArgumentError, match=message) as info:
        GaussianCopula.from_json(path)
    assert isinstance(info.value, ValueError) and str(info.value)
    clone = pickle.loads(pickle.dumps(info.value))  # errors survive Ray's pickling
    assert type(clone) is type(info.value) and str(clone) == str(info.value)
    if isinstance(data, dict):
        with pytest.raises(bestfit_accessor.InvalidArgumentError, match=message):
            GaussianCopula.from_dict(copy.deepcopy(data))


@pytest.mark.parametrize("text", [
    "{not json",
    '{"format": NaN}',
    '{"correlation": [[Infinity]]}',
    '{"version": ' + "9" * 5000 + "}",
    "",
    '{"a": ' * 100_000 + "null" + "}" * 100_000,  # deeply nested junk
    "[" * 100_000 + "]" * 100_000,
])  # fmt: skip
def test_invalid_json_text_is_rejected(text, tmp_path):
    path = tmp_path / "bad.json"
    path.write_text(text)
    with pytest.raises(bestfit_accessor.InvalidArgumentError) as info:
        GaussianCopula.from_json(path)
    assert "copula" in str(info.value) or "JSON" in str(info.value)


def test_oversized_file_is_rejected_before_parsing(tmp_path, monkeypatch):
    path = tmp_path / "big.json"
    path.write_text(_gennorm_copula().to_json())
    monkeypatch.setattr(jsonio, "MAX_JSON_BYTES", 100)
    with pytest.raises(bestfit_accessor.InvalidArgumentError, match="larger than"):
        GaussianCopula.from_json(path)


def test_direct_construction_validates_too():
    with pytest.raises(bestfit_accessor.InvalidArgumentError, match="positive definite"):
        GaussianCopula(["a", "b"], SLOW_PPF[:2], [[1.0, 1.0], [1.0, 1.0]])
    with pytest.raises(bestfit_accessor.InvalidArgumentError, match="unknown distribution"):
        GaussianCopula(["a", "b"], [("nope", {}), SLOW_PPF[0]], np.eye(2))
    nearly = np.array([[1.0, 0.3 + 1e-15], [0.3, 1.0 - 1e-15]])  # e.g. numpy.corrcoef output
    stored = GaussianCopula(["a", "b"], SLOW_PPF[:2], nearly).correlation_matrix
    assert np.array_equal(stored, stored.T) and np.all(np.diag(stored) == 1.0)
    labelled = GaussianCopula([("a", 1), ("b", 2)], SLOW_PPF[:2], np.eye(2))
    assert labelled.sample(10, random_state=0).columns.tolist() == [("a", 1), ("b", 2)]
    with pytest.raises(bestfit_accessor.InvalidArgumentError, match="column name"):
        labelled.to_json()


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
