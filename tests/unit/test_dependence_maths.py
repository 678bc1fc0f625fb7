"""The copula's pure maths without Ray: linear algebra, normal-score tables, sampling
kernels, marginal checks and the JSON validation of hand-built copulas."""

from __future__ import annotations

import copy
import json
import pickle

import numpy as np
import pytest
import scipy.stats as st
from scipy.special import ndtri

import bestfit_accessor
from bestfit_accessor import CorrelationRepairWarning, GaussianCopula
from bestfit_accessor.dependence import linalg, sampling
from bestfit_accessor.dependence.linalg import nearest_correlation
from bestfit_accessor.dependence.normal_scores import build_table
from bestfit_accessor.results import jsonio

RHO = np.array([[1.0, 0.6, 0.3], [0.6, 1.0, 0.5], [0.3, 0.5, 1.0]])
SLOW_PPF = [
    ("gennorm", {"beta": 1.5, "loc": 0.0, "scale": 1.0}),
    ("betaprime", {"a": 2.5, "b": 3.5, "loc": 0.0, "scale": 1.0}),
    ("gengamma", {"a": 2.0, "c": 1.5, "loc": 0.0, "scale": 1.0}),
]


def _gennorm_copula(source: str = "pandas") -> GaussianCopula:
    return GaussianCopula(["x", "y", "z"], SLOW_PPF, RHO, source=source)


# ------------------------------------------------------------------- linear algebra


def test_nearest_correlation_matches_highams_example():
    a = np.array([[1.0, 1.0, 0.0], [1.0, 1.0, 1.0], [0.0, 1.0, 1.0]])
    x = nearest_correlation(a)
    expected = np.array([[1.0, 0.7607, 0.1573], [0.7607, 1.0, 0.7607], [0.1573, 0.7607, 1.0]])
    assert np.abs(x - expected).max() < 1e-3  # Higham (2002), section 4
    assert np.linalg.eigvalsh(x).min() > 0 and np.array_equal(x, x.T)
    np.testing.assert_allclose(nearest_correlation(RHO), RHO, atol=1e-9)  # valid: unchanged


def test_an_estimate_that_is_not_positive_definite_is_repaired_with_a_warning():
    singular = np.array([[1.0, 1.0, 0.5], [1.0, 1.0, 0.5], [0.5, 0.5, 1.0]])
    with pytest.warns(CorrelationRepairWarning, match=r"\['a', 'b', 'c'\].*not positive definite"):
        repaired = linalg.positive_definite_correlation(singular.copy(), ["a", "b", "c"])
    assert np.linalg.eigvalsh(repaired).min() > linalg.MIN_EIGENVALUE
    assert np.all(np.diag(repaired) == 1.0) and np.array_equal(repaired, repaired.T)
    assert repaired[0, 1] > 0.999
    np.linalg.cholesky(repaired)  # the sampler's factorisation succeeds
    asymmetric = RHO + np.triu(np.full((3, 3), 1e-15), 1)
    kept = linalg.positive_definite_correlation(asymmetric, ["a", "b", "c"])
    assert np.array_equal(kept, kept.T) and np.abs(kept - RHO).max() < 1e-14


def test_cholesky_factor_reproduces_the_matrix():
    chol = linalg.cholesky(RHO)
    assert np.allclose(chol @ chol.T, RHO, atol=1e-15) and np.allclose(chol, np.tril(chol))


# ------------------------------------------------------------------ normal scores


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


# --------------------------------------------------------------- sampling kernels


def _rows(first: int, stop: int, n: int, tables=None, chunk_rows: int = 1000) -> np.ndarray:
    seed = np.random.SeedSequence(7)
    return sampling.generate(first, stop, n, chunk_rows, seed.entropy, tuple(seed.spawn_key),
                             np.linalg.cholesky(RHO), tables)  # fmt: skip


def test_chunks_do_not_depend_on_how_they_are_split():
    n = 4_321  # five chunks of 1000, the last one ragged
    whole = _rows(0, 5, n)
    split = np.concatenate([_rows(0, 2, n), _rows(2, 3, n), _rows(3, 5, n)], axis=1)
    assert whole.shape == (3, n) and np.array_equal(whole, split)
    assert np.array_equal(_rows(0, 2, 2_000), whole[:, :2_000])  # a prefix is independent of n
    assert not np.array_equal(whole, _rows(0, 5, n, chunk_rows=999)[:, :n])


def test_chunk_normals_have_the_copula_correlation_and_uniform_margins():
    u = _rows(0, 200, 200_000)
    assert u.min() > 0 and u.max() < 1
    for row in u:
        assert st.kstest(row, "uniform").pvalue > 1e-3
    z = ndtri(u)
    assert np.abs(np.corrcoef(z) - RHO).max() < 0.01


def test_elementwise_product_equals_the_matrix_product():
    chol = np.linalg.cholesky(RHO)
    draws = sampling.chunk_normals(np.random.default_rng(3), chol, 10_000)
    g = np.random.default_rng(3).standard_normal((10_000, 3)).T
    np.testing.assert_allclose(draws, chol @ g, rtol=1e-13, atol=1e-13)


def test_tables_map_normals_to_marginal_values():
    tables = [build_table(name, params) for name, params in SLOW_PPF]
    values = _rows(0, 3, 3_000, tables)
    uniforms = _rows(0, 3, 3_000)
    for row, u, (name, params) in zip(values, uniforms, SLOW_PPF, strict=True):
        frozen = bestfit_accessor.to_scipy({"distribution": name, "params": params})
        np.testing.assert_allclose(frozen.cdf(row), u, atol=1e-8)


def test_sample_arguments_are_checked_before_any_work():
    for bad in (0, -1, 1.5, True, "10", None, np.float64(3.0)):
        with pytest.raises(bestfit_accessor.InvalidArgumentError, match="positive integer"):
            sampling.check_n(bad)
    assert sampling.check_n(np.int64(3)) == 3
    with pytest.raises(TypeError):  # a wrong type is a TypeError, a bad value a ValueError
        sampling.check_n("10")
    with pytest.raises(ValueError):
        sampling.check_n(0)
    for bad in (-1, 1.5, "seed", np.random.default_rng(0)):
        with pytest.raises(bestfit_accessor.InvalidArgumentError, match="random_state"):
            sampling.seed_sequence(bad)
    seed = sampling.seed_sequence(np.random.SeedSequence(7))
    assert seed.entropy == 7 and sampling.seed_sequence(7).entropy == 7
    with pytest.raises(bestfit_accessor.InvalidArgumentError, match="kind must be one of"):
        sampling.output_adapter("polars")
    assert sampling.output_adapter("modin").name == "modin"
    assert sampling.chunk_ranges(300_001, 2) == [(0, 2), (2, 5)]
    assert sampling.chunk_ranges(10, 8) == [(0, 1)]  # at most one task per chunk
    for bad in (0, True, 2.0):
        with pytest.raises(bestfit_accessor.InvalidArgumentError, match="n_partitions"):
            sampling.chunk_ranges(10, bad)


# ------------------------------------------------------------- JSON and validation


def test_integer_column_names_round_trip():
    copula = GaussianCopula([0, 7], SLOW_PPF[:2], RHO[:2, :2])
    assert GaussianCopula.from_json(copula.to_json()).columns == [0, 7]


def test_hand_built_copula_round_trips_exactly(tmp_path):
    copula = _gennorm_copula(source="modin")
    path = tmp_path / "c.json"
    text = copula.to_json(path)
    for loaded in (GaussianCopula.from_json(path), GaussianCopula.from_json(text),
                   GaussianCopula.from_dict(json.loads(text))):  # fmt: skip
        assert loaded == copula and loaded.source == "modin"
        assert np.array_equal(loaded.correlation_matrix, copula.correlation_matrix)
    assert copula != _gennorm_copula(source="pandas")


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
    assert labelled.columns == [("a", 1), ("b", 2)]
    with pytest.raises(bestfit_accessor.InvalidArgumentError, match="column name"):
        labelled.to_json()
    with pytest.raises(bestfit_accessor.InvalidArgumentError, match="source must be one of"):
        GaussianCopula(["a", "b"], SLOW_PPF[:2], np.eye(2), source="polars")
