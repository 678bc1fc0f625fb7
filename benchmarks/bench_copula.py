"""Benchmark of the Gaussian copula against spark-bestfit, side by side on one Ray.

Run in the benchmark venv (spark-bestfit is never a dependency of the library)::

    .bench-venv/bin/python benchmarks/bench_copula.py            # full run
    .bench-venv/bin/python benchmarks/bench_copula.py --quick    # smoke run

Data: 1M rows, 3 columns with gennorm(1.5) / betaprime(2.5, 3.5) / gengamma(2, 1.5)
marginals joined by a Gaussian copula (ρ = 0.6, 0.3, 0.5), made with scipy's own ppf.

(a) End to end, default candidate sets on both sides: fit the 3 columns, build the
    copula, sample 1M rows into a pandas frame. Ours: ``df.bestfit.fit()``,
    ``df.bestfit.copula(fits)``, ``cop.sample(1_000_000)``. spark-bestfit:
    ``DistributionFitter(backend=RayBackend()).fit(df, columns=...)``,
    ``GaussianCopula.fit(results, df)``, ``pd.DataFrame(cop.sample(n=1_000_000))``.
(b) Sampling only, both copulas given the same marginals (gennorm, betaprime,
    gengamma) and correlation: ``sample(n=1_000_000)``. Ours is timed cold (a new
    copula object each time, so its inverse-CDF tables are built inside the timing)
    and warm; spark-bestfit returns a dict of arrays, ours a DataFrame.

Times are medians of the repeats after one warm-up call, on a 2-CPU Ray.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
import warnings

os.environ.setdefault("RAY_AUTH_MODE", "disabled")
os.environ.setdefault("MODIN_ENGINE", "ray")
warnings.filterwarnings("ignore")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import scipy  # noqa: E402
import scipy.stats as st  # noqa: E402
from timing import timed  # noqa: E402

import bestfit_accessor  # noqa: E402
from bestfit_accessor import GaussianCopula  # noqa: E402

RHO = np.array([[1.0, 0.6, 0.3], [0.6, 1.0, 0.5], [0.3, 0.5, 1.0]])
COLUMNS = ["price", "qty", "revenue"]
MARGINALS = [
    ("gennorm", {"beta": 1.5, "loc": 0.0, "scale": 1.0}),
    ("betaprime", {"a": 2.5, "b": 3.5, "loc": 0.0, "scale": 1.0}),
    ("gengamma", {"a": 2.0, "c": 1.5, "loc": 0.0, "scale": 1.0}),
]


def median_time(fn, repeats: int) -> tuple[float, object]:
    """Median wall time of ``repeats`` calls after a warm-up call; the last result."""
    times, result = timed(fn, repeats)
    return statistics.median(times), result


def make_data(n: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    u = st.norm.cdf(rng.standard_normal((n, 3)) @ np.linalg.cholesky(RHO).T)
    return pd.DataFrame({
        column: bestfit_accessor.to_scipy({"distribution": name, "params": params}).ppf(u[:, i])
        for i, (column, (name, params)) in enumerate(zip(COLUMNS, MARGINALS, strict=True))
    })  # fmt: skip


def spark_copula(marginals: list, correlation: np.ndarray):
    """spark-bestfit's GaussianCopula over the given (name, params) marginals."""
    from spark_bestfit import GaussianCopula as SparkCopula
    from spark_bestfit.storage import DistributionFitResult

    results = {
        column: DistributionFitResult(
            distribution=name, parameters=list(params.values()), sse=0.0, column_name=column
        )
        for column, (name, params) in zip(COLUMNS, marginals, strict=True)
    }
    return SparkCopula(column_names=list(COLUMNS), marginals=results,
                       correlation_matrix=np.array(correlation, dtype=float))  # fmt: skip


def two_sample_ks(ours: pd.DataFrame, theirs: dict) -> str:
    stats = [st.ks_2samp(ours[c].to_numpy()[:200_000], np.asarray(theirs[c])[:200_000]).statistic
             for c in COLUMNS]  # fmt: skip
    return ", ".join(f"{c} {s:.4f}" for c, s in zip(COLUMNS, stats, strict=True))


def normal_score_corr(frame: pd.DataFrame | dict, marginals: list) -> np.ndarray:
    scores = []
    for column, (name, params) in zip(COLUMNS, marginals, strict=True):
        frozen = bestfit_accessor.to_scipy({"distribution": name, "params": params})
        x = np.asarray(frame[column])[:200_000]
        scores.append(scipy.special.ndtri(np.clip(frozen.cdf(x), 1e-12, 1 - 1e-12)))
    return np.corrcoef(scores)


def bench_sampling(n: int, repeats: int) -> None:
    print(f"\n(b) Sampling only: {n:,} rows × 3 columns, marginals "
          f"{', '.join(m[0] for m in MARGINALS)}, identical correlation")  # fmt: skip
    ours_warm = GaussianCopula(COLUMNS, MARGINALS, RHO)
    def cold() -> pd.DataFrame:
        return GaussianCopula(COLUMNS, MARGINALS, RHO).sample(n, random_state=1)

    t_cold, sample = median_time(cold, repeats)
    t_warm, _ = median_time(lambda: ours_warm.sample(n, random_state=1), repeats)
    theirs = spark_copula(MARGINALS, RHO)
    t_spark, spark_sample = median_time(lambda: theirs.sample(n=n, random_state=1), repeats)
    ours_modin = GaussianCopula(COLUMNS, MARGINALS, RHO, source="modin")
    t_modin, modin_sample = median_time(lambda: ours_modin.sample(n, random_state=1), repeats)
    parts = modin_sample._query_compiler._modin_frame._partitions.shape[0]
    rows = [
        ("bestfit_accessor sample → pandas, cold (tables built)", t_cold),
        ("bestfit_accessor sample → pandas, warm", t_warm),
        (f"bestfit_accessor sample → Modin ({parts} partitions), warm", t_modin),
        ("spark-bestfit GaussianCopula.sample(n) → dict of arrays", t_spark),
    ]
    for label, seconds in rows:
        print(f"  {label:<62s} {seconds:8.3f} s")
    print(f"  ratio spark-bestfit / ours (cold): {t_spark / t_cold:6.1f}×   "
          f"(warm: {t_spark / t_warm:.1f}×)")  # fmt: skip
    print(f"  same distribution? two-sample KS statistics: {two_sample_ks(sample, spark_sample)}")
    print("  normal-score correlation, max |Δ| to ρ: ours "
          f"{np.abs(normal_score_corr(sample, MARGINALS) - RHO).max():.4f}, spark-bestfit "
          f"{np.abs(normal_score_corr(spark_sample, MARGINALS) - RHO).max():.4f}")


def bench_end_to_end(df: pd.DataFrame, n: int, repeats: int) -> None:
    from spark_bestfit import DistributionFitter, RayBackend
    from spark_bestfit import GaussianCopula as SparkCopula

    print(f"\n(a) End to end on {len(df):,} rows × 3 columns, default candidate sets: "
          f"fit + copula + sample {n:,} rows")  # fmt: skip

    def ours():
        t0 = time.perf_counter()
        fits = df.bestfit.fit(COLUMNS, random_state=0)
        t1 = time.perf_counter()
        copula = df.bestfit.copula(fits)
        t2 = time.perf_counter()
        sample = copula.sample(n, random_state=0)
        t3 = time.perf_counter()
        return (t1 - t0, t2 - t1, t3 - t2), fits, copula, sample

    fitter = DistributionFitter(backend=RayBackend())

    def theirs():
        t0 = time.perf_counter()
        results = fitter.fit(df, columns=list(COLUMNS))
        t1 = time.perf_counter()
        copula = SparkCopula.fit(results, df)
        t2 = time.perf_counter()
        sample = pd.DataFrame(copula.sample(n=n, random_state=0))
        t3 = time.perf_counter()
        return (t1 - t0, t2 - t1, t3 - t2), results, copula, sample

    def staged(fn) -> tuple[float, list[float], tuple]:
        """Medians over the repeats (after a warm-up) of the total and of each stage."""
        fn()
        runs = [fn() for _ in range(repeats)]
        stages = [statistics.median(run[0][i] for run in runs) for i in range(3)]
        return statistics.median(sum(run[0]) for run in runs), stages, runs[-1]

    t_ours, stages_ours, (_, fits, copula, _) = staged(ours)
    t_spark, stages_spark, (_, _, spark_cop, _) = staged(theirs)
    n_ours = fits["distribution"].nunique()
    n_ok = int((fits["status"] == "ok").sum())
    print(f"  {'':<44s} {'total':>8s} {'fit':>8s} {'copula':>8s} {'sample':>8s}")
    for label, total, stages in (
        (f"bestfit_accessor ({n_ours} candidates, {n_ok} ok fits)", t_ours, stages_ours),
        ("spark-bestfit RayBackend, defaults", t_spark, stages_spark),
    ):
        print(f"  {label:<44s} {total:7.2f}s " + " ".join(f"{s:7.2f}s" for s in stages))
    print(f"  ratio spark-bestfit / ours (end to end): {t_spark / t_ours:6.1f}×")
    picks_ours = {c: m.distribution for c, m in copula.marginals.items()}
    picks_spark = {c: m.distribution for c, m in spark_cop.marginals.items()}
    print(f"  marginals picked: ours {picks_ours}; spark-bestfit {picks_spark}")
    print("  correlation used: ours (normal scores) "
          f"{np.round(copula.correlation.to_numpy()[np.triu_indices(3, 1)], 4).tolist()}; "
          "spark-bestfit (Spearman, unconverted) "
          f"{np.round(spark_cop.correlation_matrix[np.triu_indices(3, 1)], 4).tolist()}; "
          f"true ρ {RHO[np.triu_indices(3, 1)].tolist()}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="100k rows, one repeat")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--skip-e2e", action="store_true", help="only the sampling benchmark")
    args = parser.parse_args()
    n = 100_000 if args.quick else 1_000_000
    repeats = 1 if args.quick else args.repeats

    import ray
    import spark_bestfit

    bestfit_accessor.init(num_cpus=2)
    print(f"Python {platform.python_version()}, {os.cpu_count()} CPUs, Ray {ray.__version__} "
          f"(num_cpus=2), numpy {np.__version__}, scipy {scipy.__version__}, pandas "
          f"{pd.__version__}, spark-bestfit {spark_bestfit.__version__}, bestfit_accessor "
          f"{bestfit_accessor.__version__}; medians of {repeats} after a warm-up")  # fmt: skip
    bench_sampling(n, repeats)
    if not args.skip_e2e:
        started = time.perf_counter()
        df = make_data(n)
        print(f"\n  (data made with scipy ppf in {time.perf_counter() - started:.1f} s)")
        bench_end_to_end(df, n, repeats)


if __name__ == "__main__":
    main()
