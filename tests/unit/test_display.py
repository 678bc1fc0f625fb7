"""Text and HTML views of fits and copulas, and the top-k table, without Ray."""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd
import pytest
import scipy.stats as st

import bestfit_accessor
from bestfit_accessor import FitResults, GaussianCopula, InvalidArgumentError
from bestfit_accessor.results import build_results, failed_record, new_record
from bestfit_accessor.results.display import correlation_html, format_params, matrix_text


def _record(column: str, name: str, x: np.ndarray) -> dict:
    dist = getattr(st, name)
    params = dist.fit(x)
    names = [*(s.strip() for s in (dist.shapes or "").split(",") if s.strip()), "loc", "scale"]
    loglik = float(np.sum(dist(*params).logpdf(x)))
    record = new_record(column, name, len(params), x.size)
    record.update(params=dict(zip(names, map(float, params), strict=True)), loglik=loglik,
                  aic=2 * len(params) - 2 * loglik,
                  bic=len(params) * math.log(x.size) - 2 * loglik,
                  ks_statistic=float(st.kstest(x, dist(*params).cdf).statistic))  # fmt: skip
    return record


@pytest.fixture(scope="module")
def fits() -> pd.DataFrame:
    rng = np.random.default_rng(3)
    amount, delay = rng.gamma(2.5, 40.0, 500), rng.lognormal(1.0, 0.6, 400)
    records = [_record("amount", n, amount) for n in ("gamma", "norm", "expon", "lognorm")]
    records += [_record("delay", n, delay) for n in ("lognorm", "expon")]
    records.append(failed_record("delay", "gamma", 3, delay.size, message="ValueError: no"))
    return build_results(records, "aic", ["amount", "delay"])


def test_top_keeps_k_best_ok_rows_per_column_in_rank_order(fits):
    table = bestfit_accessor.top(fits, k=3)
    assert list(table.index) == [("amount", 1), ("amount", 2), ("amount", 3), ("delay", 1),
                                 ("delay", 2)]  # fmt: skip
    ranked = fits[fits["rank"].notna()]
    expected = ranked.groupby("column", sort=False).head(3)
    assert list(table["distribution"]) == list(expected["distribution"])
    np.testing.assert_array_equal(table["aic"], expected["aic"])
    assert list(table.columns) == ["distribution", "params", "aic", "delta_aic", "bic",
                                   "ks_statistic"]  # fmt: skip
    assert table.loc[("amount", 1), "delta_aic"] == 0.0
    assert (table["delta_aic"] >= 0).all()
    assert table.loc[("amount", 1), "params"].startswith("a=")
    by_ks = bestfit_accessor.top(fits, k=1, metric="ks_statistic", columns="delay")
    assert list(by_ks.columns[:4]) == ["distribution", "params", "ks_statistic",
                                       "delta_ks_statistic"]  # fmt: skip
    assert list(by_ks.index) == [("delay", 1)]
    with pytest.raises(InvalidArgumentError, match="metric must be"):
        bestfit_accessor.top(fits, metric="r2")


def test_format_params_is_short_and_exact_to_four_digits():
    assert format_params({"a": 2.50001, "loc": -0.000123456, "scale": 3e12}) == (
        "a=2.5, loc=-0.0001235, scale=3e+12")


def test_fit_results_repr_and_html_show_the_best_per_column(fits):
    results = FitResults(fits)
    text = repr(results)
    assert text.startswith("FitResults: 7 fits of 2 column(s), 1 not ok; best by AIC:")
    best = fits.groupby("column", sort=False).head(1)
    for label, name in zip(best["column"], best["distribution"], strict=True):
        assert re.search(rf"^  {label}: {name}\(", text, re.MULTILINE)
    page = results._repr_html_()
    assert page.count("<tr>") == 1 + 5  # the header and the 3 + 2 best rows
    assert "amount" in page and "delta_aic" in page
    assert results.summary(1).shape[0] == 2


def test_distribution_fit_repr_names_column_family_and_parameters(fits):
    best = FitResults(fits).best(n=1, column="delay")[0]
    text = repr(best)
    assert text.startswith(f"DistributionFit('delay': {best.distribution}(")
    assert "aic=" in text and "n_obs=400" in text
    assert "<table" in best._repr_html_()


def _copula() -> GaussianCopula:
    corr = [[1.0, 0.6, -0.3], [0.6, 1.0, 0.0], [-0.3, 0.0, 1.0]]
    return GaussianCopula(["price", "qty", "<b>"], [("norm", {"loc": 20.0, "scale": 4.0}),
                          ("lognorm", {"s": 0.4, "loc": 0.0, "scale": 4.5}),
                          ("expon", {"loc": 0.0, "scale": 2.0})], corr)  # fmt: skip


def test_copula_repr_lists_marginals_and_the_matrix():
    lines = repr(_copula()).splitlines()
    assert lines[0] == "GaussianCopula: 3 columns, source 'pandas'"
    assert lines[1] == "marginals:"
    assert lines[2].split() == ["price", "norm(loc=20,", "scale=4)"]
    assert lines[3].split() == ["qty", "lognorm(s=0.4,", "loc=0,", "scale=4.5)"]
    assert lines[5] == "correlation:"
    assert lines[7].split() == ["price", "+1.000", "+0.600", "-0.300"]


def test_copula_html_escapes_labels_and_shades_by_sign_and_strength():
    page = _copula()._repr_html_()
    assert "<b>" not in page.replace("<b>GaussianCopula", "")  # the label is escaped
    assert "&lt;b&gt;" in page
    cells = re.findall(r'<td style="[^"]*background:rgb\((\d+),(\d+),(\d+)\)[^"]*">([^<]+)</td>',
                       page)  # fmt: skip
    colours = {float(text): (int(r), int(g), int(b)) for r, g, b, text in cells}
    assert colours[0.0] == (255, 255, 255)
    assert colours[0.6][0] > colours[0.6][2]  # positive: red
    assert colours[-0.3][2] > colours[-0.3][0]  # negative: blue
    assert sum(colours[1.0]) < sum(colours[0.6])  # stronger is deeper


def test_large_matrix_text_is_summarised_by_its_strongest_pairs():
    k = 20
    matrix = np.eye(k)
    matrix[3, 7] = matrix[7, 3] = -0.9
    text = matrix_text(matrix, [f"c{i}" for i in range(k)])
    assert text.strip().startswith("20x20; strongest: c3~c7 -0.900")
    assert "<table" in correlation_html(matrix, list(range(k)))
