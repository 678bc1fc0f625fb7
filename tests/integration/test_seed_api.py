"""The seed document's code blocks, run with ``spark_bestfit`` → ``bestfit_accessor``
(made small: fewer rows, short distribution lists where the block allows)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import ray

import bestfit_accessor
from bestfit_accessor import RayConnectionError

ROOT = Path(__file__).resolve().parents[2]
SHORT = ["norm", "gamma", "lognorm", "logistic"]


def test_quick_start_block():
    from bestfit_accessor import DistributionFitter, RayBackend

    # Auto-initializes Ray if not already running
    backend = RayBackend()
    fitter = DistributionFitter(backend=backend)

    # Works with pandas DataFrames
    df = pd.DataFrame({"value": np.random.normal(50, 10, 10000)})  # noqa: NPY002 (as in the seed)
    results = fitter.fit(df, column="value")

    best = results.best(n=1)[0]
    print(f"Best: {best.distribution} (KS={best.ks_statistic:.4f})")

    table = results.df
    assert len(table) == len(bestfit_accessor.list_distributions())
    pd.testing.assert_frame_equal(results.to_pandas(), table)
    ok = table[table["status"] == "ok"]
    assert best.distribution == ok.sort_values("aic").iloc[0]["distribution"]
    assert best.column_name == "value" and best.pvalue == ok.iloc[0]["ks_pvalue"]
    assert best.aic == ok["aic"].min()
    # Every attribute is the value of the best row, and a finite number.
    row = ok.iloc[0]
    assert best.params == row["params"] and best.parameters == list(row["params"].values())
    assert best.param_names == bestfit_accessor.param_names(best.distribution)
    for attribute, field in [("loglik", "loglik"), ("aic", "aic"), ("bic", "bic"),
                             ("ks_statistic", "ks_statistic"), ("pvalue", "ks_pvalue"),
                             ("ad_statistic", "ad_statistic"), ("sse", "sse")]:  # fmt: skip
        value = getattr(best, attribute)
        assert value == row[field] and np.isfinite(value), (attribute, value, row[field])
    assert np.isfinite(best.parameters).all() and best.n_obs == len(df)
    frozen = best.get_scipy_dist()
    q = np.array([0.1, 0.5, 0.9])
    np.testing.assert_allclose(best.cdf(best.ppf(q)), q, rtol=1e-6)
    np.testing.assert_allclose(best.pdf([50.0]), frozen.pdf([50.0]))
    assert frozen.mean() == pytest.approx(df["value"].mean(), abs=0.5)
    draws = best.sample(1000, random_state=0)
    assert draws.shape == (1000,) and abs(draws.mean() - 50) < 2


def test_best_by_metric_and_per_column():
    from bestfit_accessor import DistributionFitter

    rng = np.random.default_rng(0)
    df = pd.DataFrame({"a": rng.gamma(2, 2, 5_000), "b": rng.normal(0, 1, 5_000)})
    results = DistributionFitter().fit(df, columns=["a", "b"], distributions=SHORT)
    top = results.best(n=2)
    assert [f.column_name for f in top] == ["a", "a", "b", "b"]
    ks_best = results.best(n=1, metric="ks_statistic", column="b")[0]
    b_rows = results.df[results.df["column"] == "b"]
    assert ks_best.ks_statistic == b_rows["ks_statistic"].min()
    with pytest.raises(ValueError, match="metric"):
        results.best(metric="r2")
    with pytest.raises(ValueError, match="no fits for column 'zzz'"):
        results.best(column="zzz")


def test_ray_dataset_block_matches_pandas():
    from bestfit_accessor import DistributionFitter

    fitter = DistributionFitter()
    df = pd.DataFrame({"value": np.random.default_rng(3).lognormal(1, 0.4, 20_000)})
    ds = ray.data.from_pandas(df).repartition(4)

    # Distributed histogram computation and fitting
    results = fitter.fit(ds, column="value", distributions=SHORT, random_state=9)
    reference = fitter.fit(df, column="value", distributions=SHORT, random_state=9)
    cols = [c for c in results.df.columns if c != "fit_seconds"]
    pd.testing.assert_frame_equal(results.df[cols], reference.df[cols])


def test_connecting_blocks_reuse_running_ray():
    from bestfit_accessor import RayAlreadyRunningWarning, RayBackend

    # Ray already runs (the test session's): these reuse it and never restart it.
    before = ray.get_runtime_context().get_node_id()
    cpus = int(ray.cluster_resources()["CPU"])
    wanted = 8 if cpus != 8 else 16
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # joining the running Ray: nothing to warn about
        auto = RayBackend(address="auto")
    with pytest.warns(RayAlreadyRunningWarning) as caught:
        capped = RayBackend(num_cpus=wanted)
    assert len(caught) == 1
    assert str(caught[0].message).startswith(
        f"Ray is already running with {cpus} CPUs; num_cpus={wanted} cannot apply to a running Ray"
    )
    assert caught[0].filename == __file__  # points at the user's line, not the package
    assert repr(auto) == "RayBackend(address='auto', num_cpus=None)"
    assert repr(capped) == f"RayBackend(address=None, num_cpus={wanted})"
    assert ray.get_runtime_context().get_node_id() == before
    assert int(ray.cluster_resources()["CPU"]) == cpus


def test_init_on_a_running_ray_warns_about_settings_it_cannot_apply():
    from bestfit_accessor import RayAlreadyRunningWarning

    cpus = int(ray.cluster_resources()["CPU"])
    with pytest.warns(RayAlreadyRunningWarning,
                      match=rf"^Ray is already running with {cpus} CPUs; num_cpus={cpus + 1}, "
                            r"object_store_memory=1000000000 cannot apply"):  # fmt: skip
        bestfit_accessor.init(num_cpus=cpus + 1, object_store_memory=10**9)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # what is running already: nothing to warn about
        bestfit_accessor.init(num_cpus=cpus)
        bestfit_accessor.init(num_cpus=np.int64(cpus))
        bestfit_accessor.init()


@pytest.mark.parametrize("num_cpus", [True, False, np.bool_(True), 2.0, "2"])
def test_num_cpus_of_the_wrong_type_is_a_type_error(num_cpus):
    from bestfit_accessor import ArgumentTypeError, RayBackend

    pattern = r"^num_cpus must be a positive integer or None; got "
    with pytest.raises(ArgumentTypeError, match=pattern) as info:
        bestfit_accessor.init(num_cpus=num_cpus)
    assert isinstance(info.value, TypeError)
    with pytest.raises(ArgumentTypeError, match=pattern):
        RayBackend(num_cpus=num_cpus)


def test_unreachable_cluster_fails_fast_with_clear_error():
    from bestfit_accessor.runtime.ray_tasks import _probe

    started = time.monotonic()
    with pytest.raises(RayConnectionError, match=r"'ray://127.0.0.1:9' is unreachable"):
        _probe("ray://127.0.0.1:9")
    with pytest.raises(RayConnectionError, match="cannot read a host:port"):
        _probe("ray://cluster-head")
    assert time.monotonic() - started < 30


def test_console_progress_block(capsys):
    from bestfit_accessor import DistributionFitter
    from bestfit_accessor.progress import console_progress

    df = pd.DataFrame({"value": np.random.default_rng(1).normal(0, 1, 5_000),
                       "other": np.random.default_rng(2).normal(0, 1, 5_000)})  # fmt: skip
    DistributionFitter().fit(df, columns=["value", "other"], distributions=SHORT,
                             progress_callback=console_progress())  # fmt: skip
    out = capsys.readouterr().out
    lines = [line for line in out.split("\r") if line.strip()]
    total = 2 * len(SHORT)
    assert lines[-1].strip() == f"Progress: {total}/{total} distributions (100.0%)"
    pattern = re.compile(r"^Progress: (\d+)/(\d+) distributions \((\d+\.\d)%\)$")
    counts = []
    for line in lines:
        match = pattern.match(line.strip())
        assert match, line
        done, of, pct = int(match[1]), int(match[2]), float(match[3])
        assert of == total and pct == round(100 * done / total, 1)
        counts.append(done)
    assert counts == list(range(1, total + 1))


def test_gaussian_copula_block():
    from bestfit_accessor import DistributionFitter, GaussianCopula

    rng = np.random.default_rng(5)
    z = rng.multivariate_normal([0, 0, 0], [[1, 0.6, 0.3], [0.6, 1, 0.5], [0.3, 0.5, 1]], 20_000)
    df = pd.DataFrame({"price": 20 + 3 * z[:, 0], "quantity": np.exp(1 + 0.3 * z[:, 1]),
                       "revenue": np.exp(4 + 0.5 * z[:, 2])})  # fmt: skip
    fitter = DistributionFitter()

    # Fit multiple columns
    results = fitter.fit(df, columns=["price", "quantity", "revenue"], distributions=SHORT)

    # Fit copula with Ray-computed correlations
    copula = GaussianCopula.fit(results, df)

    # Generate correlated samples
    samples = copula.sample(n=100_000)

    assert isinstance(samples, pd.DataFrame) and samples.shape == (100_000, 3)
    assert list(samples.columns) == ["price", "quantity", "revenue"]
    spearman = samples.corr("spearman").to_numpy()
    np.testing.assert_allclose(spearman, df.corr("spearman").to_numpy(), atol=0.03)


@pytest.mark.slow
@pytest.mark.cluster
def test_two_node_cluster_runs_tasks_on_both_nodes_with_same_results():
    """A two-node ray.cluster_utils.Cluster, in its own process (one Ray per driver)."""
    distributions = ["norm", "gamma", "lognorm", "t", "logistic", "gumbel_r", "expon", "laplace",
                     "cauchy", "rayleigh", "weibull_min", "invgauss", "fisk", "moyal", "hypsecant",
                     "chi2"]  # fmt: skip
    # Its own Ray temp root: the cluster's record must not outlive it in /tmp/ray,
    # where every bare ray.init() on the machine would find it.
    ray_tmpdir = tempfile.mkdtemp(prefix="bfray", dir="/tmp")
    env = {key: value for key, value in os.environ.items() if key != "RAY_ADDRESS"}
    env["RAY_TMPDIR"] = ray_tmpdir
    try:
        proc = subprocess.run(
            [sys.executable, str(ROOT / "tests" / "integration" / "scripts" / "two_node_fit.py"),
             ",".join(distributions)],
            capture_output=True, text=True, timeout=300, cwd=ROOT, env=env,
        )  # fmt: skip
    finally:
        shutil.rmtree(ray_tmpdir, ignore_errors=True)
    assert proc.returncode == 0, proc.stderr[-3000:]
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    assert len(report["nodes"]) == 2, report["nodes"]
    assert sum(report["nodes"].values()) == len(distributions)

    df = pd.DataFrame({"value": np.random.default_rng(11).gamma(2.0, 3.0, 20_000)})
    single = df.bestfit.fit("value", distributions=distributions, random_state=4)
    cluster = pd.DataFrame(report["rows"])
    for column in ("distribution", "status"):
        assert list(cluster[column]) == list(single[column])
    for column in ("loglik", "aic", "bic", "ks_statistic", "ad_statistic", "sse"):
        np.testing.assert_allclose(cluster[column], single[column], rtol=1e-12)
    for mine, theirs in zip(single["params"], cluster["params"], strict=True):
        assert mine == pytest.approx(theirs, rel=1e-12)


def test_package_exports_match_all():
    for name in bestfit_accessor.__all__:
        assert hasattr(bestfit_accessor, name), name
