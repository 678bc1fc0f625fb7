"""The results schema, ranking and storage, without Ray: records built by hand from
scipy fits of seeded samples."""

from __future__ import annotations

import io
import json
import math
import re
import sys

import numpy as np
import pandas as pd
import pytest
import scipy.stats as st

import bestfit_accessor
from bestfit_accessor import DistributionFit, InvalidArgumentError, MissingDependencyError
from bestfit_accessor.results import (
    FIELDS,
    METRICS,
    RESULT_COLUMNS,
    best_rows,
    build_results,
    empty_frame,
    failed_record,
    fits_from_csv,
    fits_from_json,
    fits_from_parquet,
    fits_to_csv,
    fits_to_json,
    fits_to_parquet,
    jsonio,
    new_record,
    params_of,
    schema,
    storage,
    to_data_units,
    to_scipy,
)

LEGACY_COLUMNS = [
    "column", "distribution", "rank", "params", "n_params", "loglik", "aic", "bic",
    "ks_statistic", "ks_pvalue", "ad_statistic", "sse", "n_obs", "n_dropped",
    "fit_seconds", "status", "message",
]  # fmt: skip


def _anderson_darling(cdf: np.ndarray) -> float:
    u = np.clip(np.sort(cdf), 1e-300, 1.0 - 1e-16)
    n = u.size
    i = np.arange(1, n + 1)
    return float(-n - np.mean((2 * i - 1) * (np.log(u) + np.log1p(-u[::-1]))))


def _scored(column, name: str, x: np.ndarray, params: tuple | None = None) -> dict:
    """A record as a fit would make it: scipy's MLE and every measure computed on ``x``."""
    dist = getattr(st, name)
    params = dist.fit(x) if params is None else params
    record = new_record(column, name, len(params), x.size)
    names = [*(s.strip() for s in (dist.shapes or "").split(",") if s.strip()), "loc", "scale"]
    frozen = dist(*params)
    loglik = float(np.sum(frozen.logpdf(x)))
    ks = st.kstest(x, frozen.cdf)
    density, edges = np.histogram(x, bins=30, density=True)
    record.update(
        params=dict(zip(names, map(float, params), strict=True)),
        loglik=loglik,
        aic=2 * len(params) - 2 * loglik,
        bic=len(params) * math.log(x.size) - 2 * loglik,
        ks_statistic=float(ks.statistic),
        ks_pvalue=float(ks.pvalue),
        ad_statistic=_anderson_darling(frozen.cdf(x)),
        sse=float(np.sum(np.diff(edges)
                         * (density - frozen.pdf((edges[:-1] + edges[1:]) / 2)) ** 2)),
        n_dropped=3,
        fit_seconds=0.01,
    )
    return record


@pytest.fixture(scope="module")
def fits() -> pd.DataFrame:
    rng = np.random.default_rng(7)
    amount = rng.gamma(2.5, 40.0, 400) + 5.0
    delay = rng.lognormal(1.0, 0.6, 300)
    records = [
        _scored("amount", "gamma", amount),
        _scored("amount", "norm", amount),
        _scored("amount", "expon", amount),
        failed_record("amount", "weibull_min", 3, amount.size, message="ValueError: no luck"),
        _scored("delay", "lognorm", delay),
        _scored("delay", "expon", delay),
        failed_record("delay", "gamma", 3, delay.size, status="timeout", fit_seconds=120.0),
    ]
    return build_results(records, "aic", ["amount", "delay"])


def _same_frozen(a, b) -> None:
    assert a.dist.name == b.dist.name
    assert a.args == b.args and a.kwds == b.kwds
    assert a.mean() == b.mean() and a.ppf(0.3) == b.ppf(0.3)


# -- the schema ---------------------------------------------------------------------------
def test_schema_keeps_the_version_1_columns_in_order():
    assert RESULT_COLUMNS == [f.name for f in FIELDS]
    assert [f.name for f in FIELDS if f.since == 1] == LEGACY_COLUMNS
    later = [f for f in FIELDS if f.since > 1]
    assert all(f.default is not schema.REQUIRED for f in later)
    assert schema.FITS_VERSION == max(f.since for f in FIELDS)
    assert METRICS == ("aic", "bic", "ks_statistic", "ad_statistic", "sse")
    assert bestfit_accessor.METRICS == METRICS
    measures = {f.name for f in FIELDS if f.measure}
    assert measures == {"loglik", "aic", "bic", "ks_statistic", "ks_pvalue", "ad_statistic",
                        "sse"}  # fmt: skip
    assert all(f.computed_on for f in FIELDS if f.measure)
    assert {f.name: f.to_data for f in FIELDS if f.to_data != "same"} == {
        "params": "loc_scale", "loglik": "loglik", "aic": "criterion", "bic": "criterion",
        "sse": "per_s",
    }  # fmt: skip


def test_new_and_failed_records_hold_every_field():
    record = new_record("x", "gamma", 3, 250)
    assert list(record) == RESULT_COLUMNS
    assert all(math.isnan(record[name]) for name in schema.MEASURES)
    assert record["status"] == "ok" and record["params"] is None and record["rank"] is None
    assert (record["n_params"], record["n_obs"], record["message"]) == (3, 250, "")
    failed = failed_record("x", "gamma", 3, 250, status="timeout", message="slow",
                           fit_seconds=5.0)  # fmt: skip
    assert (failed["status"], failed["message"], failed["fit_seconds"]) == ("timeout", "slow", 5.0)
    with pytest.raises(ValueError, match="'failed' or 'timeout'"):
        failed_record("x", "gamma", 3, 250, status="ok")


def test_a_field_declaration_is_checked():
    with pytest.raises(ValueError, match="unknown dtype"):
        schema.Field("kind", "category", "the kind of data")
    with pytest.raises(ValueError, match="needs a default"):
        schema.Field("kind", "text", "the kind of data", since=2)
    with pytest.raises(ValueError, match="must be a measure"):
        schema.Field("score", "float64", "a score", ranks=True)


def test_build_results_dtypes_match_the_empty_frame(fits):
    empty = empty_frame()
    assert list(empty.columns) == RESULT_COLUMNS and len(empty) == 0
    # Column labels keep the dtype pandas infers for them (object for str labels in
    # pandas 2, its string dtype in pandas 3); every declared dtype is exact.
    declared = [f.name for f in schema.FIELDS if f.dtype != "label"]
    assert fits[declared].dtypes.to_dict() == empty[declared].dtypes.to_dict()
    assert fits["rank"].dtype == "Int64" and fits["n_obs"].dtype == np.int64


def test_to_data_units_matches_scipy_on_the_data():
    """Fit on z = (x − c)/s, map back, and check every measure against scipy on x."""
    rng = np.random.default_rng(11)
    x = rng.gamma(3.0, 2.0e6, 500) + 4.0e9
    center, spread = float(np.median(x)), float(np.subtract(*np.quantile(x, [0.75, 0.25])))
    z = (x - center) / spread
    on_z = _scored("c", "gamma", z)
    before = dict(on_z["params"])
    back = to_data_units(on_z, center, spread)
    a, loc, scale = (on_z["params"][k] for k in ("a", "loc", "scale"))
    assert back["params"] == {"a": a, "loc": center + spread * loc, "scale": spread * scale}
    on_x = _scored("c", "gamma", x, tuple(back["params"].values()))
    for name in ("loglik", "aic", "bic"):
        assert back[name] == pytest.approx(on_x[name], rel=1e-9)
    for name in ("ks_statistic", "ks_pvalue", "ad_statistic"):
        assert back[name] == on_z[name]
        assert back[name] == pytest.approx(on_x[name], rel=1e-6, abs=1e-12)
    assert back["sse"] == pytest.approx(on_z["sse"] / spread, rel=1e-12)
    assert on_z["params"] == before  # the input is not modified


def test_to_data_units_overflow_fails_the_record():
    record = _scored("c", "norm", np.random.default_rng(1).normal(size=50))
    record["params"]["loc"] = 1e10
    out = to_data_units(record, 0.0, 1e300)
    assert out["status"] == "failed" and "overflow" in out["message"]
    assert out["params"] is None
    assert all(math.isnan(out[name]) for name in schema.MEASURES)
    failed = failed_record("c", "norm", 2, 50)
    assert to_data_units(failed, 3.0, 2.0) == failed


# -- ranking ------------------------------------------------------------------------------
def _frame(rows: list[dict]) -> pd.DataFrame:
    base = []
    for row in rows:
        record = new_record(row["column"], row["distribution"], 2, 100)
        record.update(params={"loc": 0.0, "scale": 1.0}, loglik=-1.0, ks_statistic=0.1,
                      ks_pvalue=0.5, ad_statistic=0.2, sse=0.01, bic=1.0)  # fmt: skip
        record.update(row)
        base.append(record)
    return pd.DataFrame.from_records(base, columns=RESULT_COLUMNS)


def test_best_rows_one_nan_rule_and_name_ties():
    frame = _frame([
        {"column": "a", "distribution": "norm", "aic": 3.0},
        {"column": "b", "distribution": "norm", "aic": np.nan},         # ok but no metric
        {"column": "b", "distribution": "cauchy", "aic": 1.0, "status": "failed"},
        {"column": "a", "distribution": "logistic", "aic": 3.0},        # ties with norm
        {"column": "b", "distribution": "laplace", "aic": np.inf},
        {"column": "a", "distribution": "cauchy", "aic": 5.0},
        {"column": "b", "distribution": "gumbel_r", "aic": 7.0},
        {"column": "c", "distribution": "norm", "aic": np.nan},         # no qualifying row
    ])  # fmt: skip
    best = best_rows(frame, "aic", n=1)
    assert list(zip(best["column"], best["distribution"], strict=True)) == [
        ("a", "logistic"), ("b", "gumbel_r")]  # fmt: skip
    assert list(best.index) == [3, 6]  # rows keep their index in fits
    every = best_rows(frame, "aic", n=None)
    assert list(every["distribution"]) == ["logistic", "norm", "cauchy", "gumbel_r"]
    two = best_rows(frame, "aic", n=2, columns=["b", "a"])
    assert list(zip(two["column"], two["distribution"], strict=True)) == [
        ("b", "gumbel_r"), ("a", "logistic"), ("a", "norm")]  # fmt: skip
    assert best_rows(frame, "aic", columns="c").empty
    with pytest.raises(InvalidArgumentError, match="column 'zzz' is not in fits"):
        best_rows(frame, "aic", columns=["zzz"])
    with pytest.raises(InvalidArgumentError, match="metric must be one of"):
        best_rows(frame, "r2")
    for bad in (0, True, 1.5):
        with pytest.raises(InvalidArgumentError, match="positive integer"):
            best_rows(frame, "aic", n=bad)
    with pytest.raises(InvalidArgumentError, match="lacks the columns"):
        best_rows(frame.drop(columns="status"))


def test_best_rows_ignores_the_order_rows_arrive_in(fits):
    shuffled = fits.sample(frac=1.0, random_state=3)
    for metric in METRICS:
        left = best_rows(fits, metric, n=None).reset_index(drop=True)
        right = best_rows(shuffled, metric, n=None, columns=["amount", "delay"])
        pd.testing.assert_frame_equal(left, right.reset_index(drop=True))
        first_seen = list(dict.fromkeys(shuffled["column"]))
        assert list(best_rows(shuffled, metric)["column"]) == first_seen


def test_build_results_orders_columns_and_ranks(fits):
    assert list(fits["column"]) == ["amount"] * 4 + ["delay"] * 3
    amount = fits[fits["column"] == "amount"]
    assert amount["rank"].iloc[:3].tolist() == [1, 2, 3] and amount["rank"].isna().iloc[3]
    assert amount["aic"].iloc[:3].is_monotonic_increasing
    assert amount["status"].iloc[3] == "failed"
    delay = fits[fits["column"] == "delay"]
    assert delay["rank"].iloc[:2].tolist() == [1, 2] and delay["rank"].isna().iloc[2]
    assert delay["status"].iloc[2] == "timeout"
    assert fits["distribution"].iloc[0] == "gamma"  # the true family wins on AIC
    again = build_results(list(reversed(fits.to_dict("records"))), "aic", ["delay", "amount"])
    assert list(again["column"]) == ["delay"] * 3 + ["amount"] * 4
    by_bic = build_results(fits.to_dict("records"), "bic", ["amount", "delay"])
    ranked = by_bic[by_bic["rank"].notna()]
    assert ranked.groupby("column")["bic"].apply(lambda s: s.is_monotonic_increasing).all()


def test_fit_results_best_and_from_row_use_the_schema(fits):
    results = bestfit_accessor.FitResults(fits)
    best = results.best(n=2)
    assert [(b.column_name, b.distribution) for b in best] == list(
        zip(fits["column"].iloc[[0, 1, 4, 5]], fits["distribution"].iloc[[0, 1, 4, 5]],
            strict=True))  # fmt: skip
    top = best[0]
    row = fits.iloc[0]
    assert isinstance(top, DistributionFit)
    assert (top.aic, top.bic, top.loglik, top.sse) == (row["aic"], row["bic"], row["loglik"],
                                                       row["sse"])  # fmt: skip
    assert top.pvalue == row["ks_pvalue"] and top.n_obs == 400 and isinstance(top.n_obs, int)
    assert top.params == row["params"]
    _same_frozen(top.get_scipy_dist(), to_scipy(row))
    assert results.best(column="delay", metric="ks_statistic")[0].column_name == "delay"


# -- params in every stored form ----------------------------------------------------------
@pytest.mark.parametrize(
    "stored",
    [
        {"a": 2.5, "loc": 1.0, "scale": 3.0},
        {"scale": 3.0, "a": np.float64(2.5), "loc": 1},
        '{"a": 2.5, "loc": 1.0, "scale": 3.0}',
        {"a": 2.5, "b": None, "c": None, "loc": 1.0, "s": None, "scale": 3.0},
        [("a", 2.5), ("loc", 1.0), ("scale", 3.0)],
        np.array([("a", 2.5), ("loc", 1.0), ("scale", 3.0)], dtype=object),
    ],
)
def test_params_of_reads_every_stored_form(stored):
    row = {"column": "x", "distribution": "gamma", "params": stored}
    assert params_of(row) == {"a": 2.5, "loc": 1.0, "scale": 3.0}
    assert list(params_of(row)) == ["a", "loc", "scale"]
    _same_frozen(to_scipy(row), st.gamma(2.5, loc=1.0, scale=3.0))


@pytest.mark.parametrize(
    ("stored", "match"),
    [
        (None, "has no parameters"),
        (np.nan, "has no parameters"),
        ({"a": None, "loc": 1.0, "scale": 3.0}, "parameter a=None is not a finite number"),
        ({"a": 2.5, "loc": 1.0, "scale": 3.0, "c": 0.5}, r"gamma takes parameters"),
        ({"a": 2.5, "loc": 1.0}, r"gamma takes parameters"),
        ({"a": 2.5, "loc": 1.0, "scale": -3.0}, "scale must be > 0"),
        ({"a": float("inf"), "loc": 1.0, "scale": 3.0}, "not a finite number"),
        ({"a": True, "loc": 1.0, "scale": 3.0}, "not a finite number"),
        ('{"a": NaN, "loc": 1.0, "scale": 3.0}', "not valid JSON"),
        ("{not json", "not valid JSON"),
        ([("a", 2.5), ("a", 2.5), ("loc", 1.0), ("scale", 3.0)], "given twice"),
        ([(1, 2.5), ("loc", 1.0), ("scale", 3.0)], "names must be strings"),
        ([2.5, 1.0, 3.0], r"\(name, value\) pairs"),
        (42, "must be a mapping"),
    ],
)
def test_params_of_rejects_what_is_not_a_fit(stored, match):
    with pytest.raises(InvalidArgumentError, match=match):
        params_of({"column": "x", "distribution": "gamma", "params": stored})


def test_params_of_needs_a_known_distribution():
    with pytest.raises(InvalidArgumentError, match="unknown distribution 'gama'"):
        params_of({"distribution": "gama", "params": {"loc": 0, "scale": 1}})
    with pytest.raises(InvalidArgumentError, match="'distribution' and 'params'"):
        to_scipy({"params": {"loc": 0, "scale": 1}})


# -- JSON ---------------------------------------------------------------------------------
def test_json_round_trip_is_exact(fits, tmp_path):
    path = tmp_path / "fits.json"
    text = fits_to_json(fits, path)
    assert path.read_text() == text
    loaded = fits_from_json(path)
    pd.testing.assert_frame_equal(loaded, fits)
    assert fits_to_json(loaded) == text
    pd.testing.assert_frame_equal(fits_from_json(text), fits)
    for i in range(len(fits)):
        if fits["status"].iloc[i] == "ok":
            _same_frozen(to_scipy(loaded.iloc[i]), to_scipy(fits.iloc[i]))


def test_json_round_trip_of_integer_labels_and_empty_frames():
    x = np.random.default_rng(2).normal(5.0, 2.0, 200)
    frame = build_results([_scored(3, "norm", x), _scored(3, "logistic", x)], "aic", [3])
    pd.testing.assert_frame_equal(fits_from_json(fits_to_json(frame)), frame)
    pd.testing.assert_frame_equal(fits_from_json(fits_to_json(empty_frame())), empty_frame())


def _saved(fits: pd.DataFrame) -> dict:
    return json.loads(fits_to_json(fits))


def _hostile(change) -> str:
    def apply(fits):
        data = _saved(fits)
        change(data)
        return json.dumps(data)

    return apply


def _set_row(field, value, row=0):
    def change(data):
        data["rows"][row][field] = value

    return change


HOSTILE_JSON = [
    ("wrong format", _hostile(lambda d: d.update(format="pickle")), "not saved fits"),
    ("newer version", _hostile(lambda d: d.update(version=99)), "unsupported fits version 99"),
    ("bool version", _hostile(lambda d: d.update(version=True)), "unsupported fits version"),
    ("no rows", _hostile(lambda d: d.pop("rows")), "format, version and rows"),
    ("rows not a list", _hostile(lambda d: d.update(rows={"a": 1})), "rows must be a list"),
    ("row not an object", _hostile(lambda d: d["rows"].append(3)), "row 7 must be a JSON object"),
    ("NaN literal", lambda f: fits_to_json(f).replace('"loglik": null', '"loglik": NaN', 1),
     "NaN is not a finite number"),
    ("Infinity literal",
     lambda f: fits_to_json(f).replace('"loglik": null', '"loglik": -Infinity', 1),
     "Infinity is not a finite number"),
    ("overflowing number", lambda f: fits_to_json(f).replace('"sse": null', '"sse": 1e999', 1),
     "sse must be a finite number"),
    ("non-finite params", _hostile(_set_row("params", {"a": 1e308 * 10, "loc": 0, "scale": 1})),
     None),
    ("huge param", lambda f: re.sub(r'"a": [-+.0-9e]+', '"a": 1e999', fits_to_json(f), count=1),
     "parameter a=inf is not a finite number"),
    ("unknown distribution", _hostile(_set_row("distribution", "os.system")),
     "unknown distribution 'os.system'"),
    ("distribution not a string", _hostile(_set_row("distribution", ["norm"])),
     "distribution must be a string"),
    ("extra field", _hostile(_set_row("pickle", "x")), r"unexpected \['pickle'\]"),
    ("missing field", _hostile(lambda d: d["rows"][1].pop("aic")), r"missing \['aic'\]"),
    ("count as text", _hostile(_set_row("n_obs", "400")), "n_obs must be a 64-bit integer"),
    ("count as float", _hostile(_set_row("n_obs", 400.0)), "n_obs must be a 64-bit integer"),
    ("missing count", _hostile(_set_row("n_obs", None)), "n_obs must not be missing"),
    ("bool count", _hostile(_set_row("n_dropped", True)), "n_dropped must be a 64-bit integer"),
    ("giant count", _hostile(_set_row("n_obs", 2**70)), "n_obs must be a 64-bit integer"),
    ("negative rank", _hostile(_set_row("rank", -1)), r"rank must be in \[1, None\]"),
    ("rank zero", _hostile(_set_row("rank", 0)), r"rank must be in \[1, None\]"),
    ("metric as text", _hostile(_set_row("aic", "12.5")), "aic must be a finite number"),
    ("KS above one", _hostile(_set_row("ks_statistic", 1.5)), r"ks_statistic must be in \[0"),
    ("status", _hostile(_set_row("status", "great")), "status must be one of"),
    ("message type", _hostile(_set_row("message", 12)), "message must be a string"),
    ("label missing", _hostile(_set_row("column", None)), "column must not be missing"),
    ("label type", _hostile(_set_row("column", 1.5)), "column name must be a string or an int"),
    ("bool label", _hostile(_set_row("column", True)), "column name must be a string or an int"),
    ("params of an ok fit", _hostile(_set_row("params", None)), "has no parameters"),
    ("params as list", _hostile(_set_row("params", [2.0, 0.0, 1.0])), r"\(name, value\) pairs"),
    ("scale zero", _hostile(_set_row("params", {"a": 2.0, "loc": 0.0, "scale": 0.0})),
     "scale must be > 0"),
    ("n_params", _hostile(_set_row("n_params", 4)), "n_params=4 is more than the 3"),
    ("deep nesting", lambda f: "[" * 100_000 + "]" * 100_000, "nested too deeply"),
    ("not JSON", lambda f: "{\"format\": ", "not valid JSON"),
]  # fmt: skip


@pytest.mark.parametrize(("case", "make", "match"), HOSTILE_JSON, ids=[c[0] for c in HOSTILE_JSON])
def test_hostile_json_is_rejected_naming_the_problem(fits, case, make, match):
    text = make(fits)
    with pytest.raises(InvalidArgumentError, match=match or "not a finite number|1e999"):
        fits_from_json(text)


def test_hostile_json_files_too_large(fits, tmp_path, monkeypatch):
    path = tmp_path / "fits.json"
    fits_to_json(fits, path)
    monkeypatch.setattr(jsonio, "MAX_JSON_BYTES", 100)
    with pytest.raises(InvalidArgumentError, match="larger than 100 bytes"):
        fits_from_json(path)
    monkeypatch.undo()
    monkeypatch.setattr(storage, "MAX_SAVED_ROWS", 3)
    with pytest.raises(InvalidArgumentError, match="at most 3 rows, got 7"):
        fits_from_json(path)
    (tmp_path / "bin.json").write_bytes(b"\xff\xfe{}")
    with pytest.raises(InvalidArgumentError, match="not UTF-8"):
        fits_from_json(tmp_path / "bin.json")


def test_saving_checks_the_frame(fits):
    with pytest.raises(InvalidArgumentError, match=r"missing \['rank'\]"):
        fits_to_json(fits.drop(columns="rank"))
    with pytest.raises(InvalidArgumentError, match="takes the DataFrame"):
        fits_to_csv(fits.to_dict())
    broken = fits.copy()
    broken.at[0, "params"] = {"a": np.nan, "loc": 0.0, "scale": 1.0}
    with pytest.raises(InvalidArgumentError, match="row 0: parameter a=nan"):
        fits_to_json(broken)
    # a failed fit's leftover params that would not load are dropped, not saved
    leftover = fits.copy()
    leftover.at[3, "params"] = {"a": np.nan, "loc": 0.0, "scale": 1.0, "c": 2.0}
    assert fits_from_json(fits_to_json(leftover))["params"].iloc[3] is None


# -- Parquet and CSV ----------------------------------------------------------------------
def test_parquet_round_trip_is_exact(fits, tmp_path):
    path = tmp_path / "fits.parquet"
    fits_to_parquet(fits, path)
    loaded = fits_from_parquet(path)
    pd.testing.assert_frame_equal(loaded, fits)
    plain = pd.read_parquet(path)  # the map column comes back as (key, value) pairs
    assert plain["rank"].dtype == "Int64"
    for i in np.flatnonzero(fits["status"] == "ok"):
        assert isinstance(plain["params"].iloc[i], list)
        _same_frozen(to_scipy(plain.iloc[i]), to_scipy(fits.iloc[i]))


def test_plain_to_parquet_then_read_parquet_gives_the_same_distributions(fits, tmp_path):
    path = tmp_path / "plain.parquet"
    fits.to_parquet(path)
    plain = pd.read_parquet(path)
    union = plain["params"].iloc[0]
    assert set(union) == {"a", "s", "loc", "scale"} and union["s"] is None  # the struct union
    for i in np.flatnonzero(fits["status"] == "ok"):
        _same_frozen(to_scipy(plain.iloc[i]), to_scipy(fits.iloc[i]))
        assert params_of(plain.iloc[i]) == fits["params"].iloc[i]
    pd.testing.assert_frame_equal(fits_from_parquet(path), fits)
    best = best_rows(plain, "aic")
    assert best["params"].tolist() == best_rows(fits, "aic")["params"].tolist()


def test_parquet_with_integer_labels_and_its_limits(tmp_path):
    x = np.random.default_rng(4).exponential(2.0, 300)
    frame = build_results([_scored(0, "expon", x), _scored(1, "expon", x + 1.0)], "aic", [0, 1])
    fits_to_parquet(frame, tmp_path / "int.parquet")
    pd.testing.assert_frame_equal(fits_from_parquet(tmp_path / "int.parquet"), frame)
    mixed = pd.concat([frame, frame.assign(column="b")], ignore_index=True)
    with pytest.raises(InvalidArgumentError, match="strings or all integers"):
        fits_to_parquet(mixed, tmp_path / "mixed.parquet")
    (tmp_path / "junk.parquet").write_bytes(b"PAR1 not really")
    with pytest.raises(InvalidArgumentError, match="cannot read saved fits from Parquet"):
        fits_from_parquet(tmp_path / "junk.parquet")
    frame.assign(extra=1).to_parquet(tmp_path / "extra.parquet")
    with pytest.raises(InvalidArgumentError, match=r"unexpected \['extra'\]"):
        fits_from_parquet(tmp_path / "extra.parquet")
    bad = frame.copy()
    bad["distribution"] = "not_a_distribution"
    bad.to_parquet(tmp_path / "bad.parquet")
    with pytest.raises(InvalidArgumentError, match="row 0: unknown distribution"):
        fits_from_parquet(tmp_path / "bad.parquet")


def test_parquet_without_pyarrow_is_a_clear_error(fits, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    with pytest.raises(MissingDependencyError, match="needs pyarrow"):
        fits_to_parquet(fits, tmp_path / "f.parquet")
    with pytest.raises(MissingDependencyError, match="fits_from_parquet needs pyarrow"):
        fits_from_parquet(tmp_path / "f.parquet")


def test_csv_round_trip_is_exact(fits, tmp_path):
    path = tmp_path / "fits.csv"
    messy = fits.copy()
    messy.at[3, "message"] = 'ValueError: "quoted", with a comma\nand a new line'
    fits_to_csv(messy, path)
    loaded = fits_from_csv(path)
    pd.testing.assert_frame_equal(loaded, messy)
    text = fits_to_csv(messy)
    pd.testing.assert_frame_equal(fits_from_csv(io.StringIO(text)), messy)
    plain = pd.read_csv(path)
    for i in np.flatnonzero(fits["status"] == "ok"):
        assert isinstance(plain["params"].iloc[i], str)
        _same_frozen(to_scipy(plain.iloc[i]), to_scipy(fits.iloc[i]))


def test_csv_keeps_integer_labels():
    x = np.random.default_rng(5).normal(size=100)
    frame = build_results([_scored(10, "norm", x), _scored(-2, "norm", x)], "aic", [10, -2])
    pd.testing.assert_frame_equal(fits_from_csv(io.StringIO(fits_to_csv(frame))), frame)


@pytest.mark.parametrize(
    ("field", "text", "match"),
    [
        ("status", "great", "row 0: status must be one of"),
        ("fit_seconds", "nan", "row 0: fit_seconds must be a number or empty"),
        ("fit_seconds", "1_000", "row 0: fit_seconds must be a number or empty"),
        ("fit_seconds", "1e999", "row 0: fit_seconds must be a finite number"),
        ("n_obs", "400.5", "row 0: n_obs must be an integer"),
        ("n_obs", "", "row 0: n_obs must not be missing"),
        ("rank", "-1", r"row 0: rank must be in \[1"),
        ("params", '{"a": NaN, "loc": 0, "scale": 1}', "row 0: params is not valid JSON"),
        ("params", '{"a": 1, "loc": 0, "scale": 1, "b": 2}', "gamma takes parameters"),
        ("params", "", "row 0 has no parameters"),
        ("distribution", "gamma_not", "row 0: unknown distribution 'gamma_not'"),
    ],
)
def test_hostile_csv_is_rejected(fits, field, text, match):
    cells = pd.read_csv(io.StringIO(fits_to_csv(fits)), dtype=str, keep_default_na=False)
    assert cells.at[0, "distribution"] == "gamma"
    cells.at[0, field] = text
    with pytest.raises(InvalidArgumentError, match=match):
        fits_from_csv(io.StringIO(cells.to_csv(index=False)))


def test_csv_with_wrong_columns_is_rejected(fits):
    cells = pd.read_csv(io.StringIO(fits_to_csv(fits)), dtype=str, keep_default_na=False)
    renamed = cells.rename(columns={"column": "col"}).to_csv(index=False)
    with pytest.raises(InvalidArgumentError, match=r"missing \['column'\], unexpected \['col'\]"):
        fits_from_csv(io.StringIO(renamed))


def test_csv_that_is_not_csv():
    with pytest.raises(InvalidArgumentError, match="cannot read saved fits from CSV"):
        fits_from_csv(io.StringIO(""))


def test_json_of_an_older_version_loads_with_the_later_fields_defaulted(fits):
    data = _saved(fits)
    later = [f for f in FIELDS if f.since > 1]
    data["version"] = 1
    for row in data["rows"]:
        for f in later:
            row.pop(f.name)
    old = fits_from_json(json.dumps(data))
    assert list(old.columns) == RESULT_COLUMNS
    for f in later:  # a missing default (NaN, NA) is missing in every row
        assert (old[f.name].isna() if schema.is_missing(f.default)
                else old[f.name] == f.default).all()
    same = [f.name for f in FIELDS if f.since == 1]
    pd.testing.assert_frame_equal(old[same], fits[same])
    if later:  # a version-1 file cannot hold a field added later
        data["rows"][0][later[0].name] = later[0].default
        with pytest.raises(InvalidArgumentError, match=f"unexpected \\['{later[0].name}'\\]"):
            fits_from_json(json.dumps(data))
