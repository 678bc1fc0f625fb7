"""Discrete rows in the results frame: schema fields, ranking, params, to_scipy."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import scipy.stats as st

import bestfit_accessor
from bestfit_accessor import InvalidArgumentError, NonIntegerValuesError
from bestfit_accessor.discrete import block_value_counts, merge_value_counts
from bestfit_accessor.discrete.run import check_counts, fit_record
from bestfit_accessor.results import best_rows, build_results, params_of


@pytest.fixture(scope="module")
def fits():
    vc = block_value_counts(st.binom.rvs(20, 0.3, size=2000, random_state=0))
    records = [fit_record("c", name, vc) for name in ("poisson", "binom", "zi_poisson",
                                                      "zipfian")]  # fmt: skip
    return build_results(records, "aic", ["c"])


def test_discrete_rows_fill_the_schema(fits):
    assert set(fits["kind"]) == {"discrete"}
    ok = fits[fits["status"] == "ok"]
    assert ok["chisq"].notna().all() and ok["chisq_df"].notna().all()
    assert ok["ks_pvalue"].isna().all() and ok["ad_statistic"].isna().all()
    assert fits.iloc[0]["distribution"] == "binom" and fits.iloc[0]["rank"] == 1
    failed = fits.set_index("distribution").loc["zipfian"]  # support from 1, zeros present
    assert failed["status"] == "failed" and math.isnan(failed["aic"])


def test_best_rows_and_to_scipy_work_on_discrete_rows(fits):
    best = best_rows(fits).iloc[0]
    assert best["distribution"] == "binom" and isinstance(best["params"]["n"], int)
    frozen = bestfit_accessor.to_scipy(best)
    n, p = best["params"]["n"], best["params"]["p"]
    assert frozen.pmf(6) == pytest.approx(st.binom.pmf(6, n, p))
    zero = fits[fits["distribution"] == "zi_poisson"].iloc[0]
    assert bestfit_accessor.to_scipy(zero).cdf(50) == pytest.approx(1.0)
    # params stored as JSON text (CSV) read back the same
    row = {"distribution": "binom", "params": json.dumps(best["params"])}
    assert params_of(row) == best["params"]


def test_discrete_params_are_checked():
    with pytest.raises(InvalidArgumentError, match="must be an integer"):
        params_of({"distribution": "binom", "params": {"n": 20.5, "p": 0.3, "loc": 0}})
    with pytest.raises(InvalidArgumentError, match="takes parameters"):
        params_of({"distribution": "poisson", "params": {"mu": 2.0, "loc": 0, "scale": 1}})


def test_check_counts_names_the_column_and_a_non_integer_value():
    vc = merge_value_counts(block_value_counts(np.arange(40.0)),
                            block_value_counts(np.array([3.5, 7.0])))
    with pytest.raises(NonIntegerValuesError, match=r"'amount'.*3\.5"):
        check_counts("amount", vc)
