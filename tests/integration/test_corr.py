"""Distributed correlation: the accessor against numpy/pandas (kernels: unit/test_comoments)."""

from __future__ import annotations

from decimal import Decimal, localcontext
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest
import scipy.stats as st

import bestfit_accessor

from ..helpers import make_frame, mpd, requires_modin, to_modin

R3 = np.array([[1.0, 0.6, 0.3], [0.6, 1.0, 0.5], [0.3, 0.5, 1.0]])


def _correlated(n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, 3)) @ np.linalg.cholesky(R3).T


# ----------------------------------------------------------------------- the accessor


def test_pearson_matches_numpy_with_a_huge_mean(frame_kind):
    z = _correlated(200_000, 5)
    data = pd.DataFrame({"price": 1e9 + z[:, 0], "qty": z[:, 1] * 1e-3, "revenue": 7 + z[:, 2]})
    df = make_frame(frame_kind, data)
    corr = df.bestfit.corr(["price", "qty", "revenue"])
    assert isinstance(corr, pd.DataFrame)
    assert list(corr.index) == list(corr.columns) == ["price", "qty", "revenue"]
    reference = np.corrcoef(data.to_numpy().T)
    assert np.abs(corr.to_numpy() - reference).max() < 1e-10
    assert corr.attrs["n_obs"] == 200_000 and corr.attrs["n_dropped"] == 0
    assert np.abs(corr.to_numpy() - R3).max() < 0.01  # and it is the right matrix


@requires_modin
def test_pearson_on_many_modin_partitions_matches_numpy():
    z = _correlated(120_000, 6)
    data = pd.DataFrame(z + np.array([1e9, 0.0, -1e6]), columns=["a", "b", "c"])
    corr = to_modin(data, n_partitions=7).bestfit.corr()
    assert np.abs(corr.to_numpy() - np.corrcoef(data.to_numpy().T)).max() < 1e-10


def test_nan_and_inf_rows_dropped_consistently(frame_kind):
    z = _correlated(20_000, 7)
    data = pd.DataFrame(z, columns=["a", "b", "c"])
    data.loc[[3, 50, 51], "a"] = np.nan
    data.loc[[50, 900], "b"] = np.inf
    data.loc[[1000], "c"] = -np.inf
    df = make_frame(frame_kind, data)
    for method in ("pearson", "spearman"):
        corr = df.bestfit.corr(method=method)
        complete = data.replace([np.inf, -np.inf], np.nan).dropna()
        assert corr.attrs["n_dropped"] == 5 and corr.attrs["n_obs"] == len(complete) == 19_995
        expected = complete.corr(method=method).to_numpy()
        assert np.abs(corr.to_numpy() - expected).max() < 1e-9


def test_spearman_on_a_million_skewed_rows_within_bound():
    rng = np.random.default_rng(8)
    z = _correlated(1_000_000, 8)
    data = pd.DataFrame({
        "lognormal": np.exp(2.0 * z[:, 0]),
        "pareto": (1.0 - st.norm.cdf(z[:, 1])) ** -0.7,
        "gamma_mix": st.gamma(0.3).ppf(st.norm.cdf(z[:, 2])) + rng.exponential(0.01, 1_000_000),
    })  # fmt: skip
    corr = data.bestfit.corr(method="spearman")
    exact = data.corr(method="spearman").to_numpy()
    error = np.abs(corr.to_numpy() - exact).max()
    bound = corr.attrs["error_bound"]
    assert bound < 2e-3
    assert error <= bound
    assert corr.attrs["method"] == "spearman"


@requires_modin
def test_spearman_modin_equals_pandas_and_handles_ties():
    rng = np.random.default_rng(9)
    n = 150_000
    base = rng.standard_normal(n)
    data = pd.DataFrame({
        "counts": rng.poisson(np.exp(0.5 * base)).astype(float),  # heavy ties
        "zero_inflated": np.where(rng.random(n) < 0.4, 0.0, np.exp(base + rng.normal(0, 1, n))),
        "smooth": base + rng.normal(0, 0.5, n),
    })  # fmt: skip
    from_pandas = data.bestfit.corr(method="spearman")
    from_modin = to_modin(data, n_partitions=5).bestfit.corr(method="spearman")
    np.testing.assert_allclose(from_modin.to_numpy(), from_pandas.to_numpy(), atol=1e-12)
    exact = data.corr(method="spearman").to_numpy()
    assert np.abs(from_pandas.to_numpy() - exact).max() <= from_pandas.attrs["error_bound"]
    assert from_pandas.attrs["error_bound"] < 2e-3


@requires_modin
def test_modin_rows_never_reach_the_driver(monkeypatch):
    data = pd.DataFrame(_correlated(30_000, 10), columns=["a", "b", "c"])
    df = to_modin(data, n_partitions=3)

    def forbidden(*args, **kwargs):
        raise AssertionError("a Modin frame was collected to the driver")

    for name in ("_to_pandas", "to_numpy", "__array__", "to_pandas"):
        monkeypatch.setattr(mpd.DataFrame, name, forbidden, raising=False)
    pearson = df.bestfit.corr()
    spearman = df.bestfit.corr(method="spearman")
    monkeypatch.undo()
    assert np.abs(pearson.to_numpy() - data.corr().to_numpy()).max() < 1e-12
    assert np.abs(spearman.to_numpy() - data.corr("spearman").to_numpy()).max() < 1e-3


def test_series_and_integer_labels():
    data = pd.DataFrame(_correlated(5_000, 11))  # labels 0, 1, 2
    corr = data.bestfit.corr([2, 0])
    assert list(corr.columns) == [2, 0]
    assert corr.loc[2, 0] == pytest.approx(np.corrcoef(data[2], data[0])[0, 1], abs=1e-12)
    single = data[1].bestfit.corr()
    assert single.shape == (1, 1) and single.iloc[0, 0] == 1.0


def test_bad_arguments_are_clear_errors():
    df = pd.DataFrame({"a": [1.0, 2.0, 3.0], "b": [1.0, 0.0, 2.0], "s": ["x", "y", "z"]})
    with pytest.raises(bestfit_accessor.InvalidArgumentError, match="method"):
        df.bestfit.corr(method="kendall")
    with pytest.raises(bestfit_accessor.ColumnNotFoundError, match="nope"):
        df.bestfit.corr(["a", "nope"])
    with pytest.raises(bestfit_accessor.ColumnTypeError, match="'s'"):
        df.bestfit.corr(["a", "s"])
    sparse = pd.DataFrame({"a": [1.0, np.nan, 3.0], "b": [np.nan, 2.0, 1.0]})
    with pytest.raises(bestfit_accessor.InsufficientDataError, match="complete rows"):
        sparse.bestfit.corr()
    with pytest.raises(bestfit_accessor.InsufficientDataError, match="complete rows"):
        sparse.bestfit.corr(method="spearman")


def test_constant_column_gives_nan_like_numpy():
    data = pd.DataFrame({"a": np.arange(100.0), "b": np.full(100, 4.0), "c": np.arange(100.0) ** 2})
    corr = data.bestfit.corr()
    assert np.isnan(corr.loc["a", "b"]) and np.isnan(corr.loc["b", "b"])
    assert corr.loc["a", "c"] == pytest.approx(np.corrcoef(data["a"], data["c"])[0, 1], abs=1e-12)


def _rational_pearson(x: np.ndarray, y: np.ndarray) -> float:
    """Pearson correlation of the float64 values in exact rational arithmetic."""
    xs = [Fraction(v) for v in x]
    ys = [Fraction(v) for v in y]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    cxy = sum((a - mx) * (b - my) for a, b in zip(xs, ys, strict=True))
    cxx = sum((a - mx) ** 2 for a in xs)
    cyy = sum((b - my) ** 2 for b in ys)
    with localcontext() as ctx:
        ctx.prec = 40
        decimal = lambda f: Decimal(f.numerator) / Decimal(f.denominator)  # noqa: E731
        return float(decimal(cxy) / (decimal(cxx) * decimal(cyy)).sqrt())


def test_pearson_is_exact_to_rounding_at_a_1e12_offset():
    # numpy.corrcoef is ~1e-9 off here, and so is a reference built on a rounded mean.
    rng = np.random.default_rng(12)
    z = rng.multivariate_normal([0, 0], [[1, 0.7], [0.7, 1]], 20_000)
    frame = pd.DataFrame({"p": z[:, 0] + 1e12, "q": 2 * z[:, 1] - 1e12})
    exact = _rational_pearson(frame["p"].to_numpy(), frame["q"].to_numpy())
    assert abs(frame.bestfit.corr().loc["p", "q"] - exact) < 1e-14
