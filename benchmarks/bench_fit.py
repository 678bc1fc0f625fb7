"""Benchmark of the per-column fit against spark-bestfit and a naive Ray baseline.

Run with ``make bench`` (it builds ``.bench-venv`` with spark-bestfit, which is never
a dependency of the library) or ``.bench-venv/bin/python benchmarks/bench_fit.py``.
``--quick`` is a smoke run (small N, one repeat, no 10M/100M rows).

Sections, all in one Ray session with 2 CPUs so the tools run side by side warm:

1. Speed on 1M normal rows, default candidate sets, every metric computed:
   ``df.bestfit.fit("value")``; spark-bestfit's
   ``DistributionFitter(backend=RayBackend()).fit(df, column="value")``; and the
   naive baseline, ``scipy dist.fit`` on a 10k sample for each of our default
   candidates as plain Ray tasks with the same metrics. Medians of the repeats.
2. Accuracy: for every distribution both tools fit, the mean exact log-density per
   row over all rows, with our parameters and with spark-bestfit's.
3. The AIC-best pick for draws from 9 families at several N (ours, with the exact
   check of any failing cell, see ``bench_families.py``; and spark-bestfit's).
4. Scaling: a 2-column Modin frame built from blocks generated in Ray tasks, at
   N = 10k … 100M, with the growth of the driver's resident memory during the call.
"""

from __future__ import annotations

import argparse
import itertools
import os
import platform
import statistics
import threading
import time
import warnings

os.environ.setdefault("RAY_AUTH_MODE", "disabled")
os.environ.setdefault("MODIN_ENGINE", "ray")
warnings.filterwarnings("ignore")

import bench_families  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import psutil  # noqa: E402
import ray  # noqa: E402
import scipy  # noqa: E402
import scipy.stats as st  # noqa: E402
from bench_families import FAMILIES, md_table  # noqa: E402
from timing import timed  # noqa: E402

import bestfit_accessor  # noqa: E402
from bestfit_accessor.fitting import metrics  # noqa: E402

# --------------------------------------------------------------------------- naive


@ray.remote
def _naive_fit(name: str, sample: np.ndarray, n_bins: int) -> tuple[str, tuple | None]:
    """scipy's fit on the sample plus loglik/AIC/BIC/KS/AD/SSE, as a user would write it."""
    warnings.filterwarnings("ignore")
    dist = getattr(st, name)
    try:
        with np.errstate(all="ignore"):
            params = dist.fit(sample)
            loglik = float(np.sum(dist.logpdf(sample, *params)))
            k = len(params)
            _aic, _bic = 2 * k - 2 * loglik, k * np.log(sample.size) - 2 * loglik
            st.kstest(sample, dist.cdf, args=params)
            metrics.anderson_darling(dist, params, np.sort(sample))
            density, edges = np.histogram(sample, bins=n_bins, density=True)
            centres = 0.5 * (edges[1:] + edges[:-1])
            float(np.sum((density - dist.pdf(centres, *params)) ** 2))
        return name, tuple(float(p) for p in params)
    except Exception:
        return name, None


def naive_baseline(x: np.ndarray, names: list[str], seed: int = 0) -> dict:
    sample = np.random.default_rng(seed).choice(x, 10_000, replace=False)
    ref = ray.put(sample)
    return dict(ray.get([_naive_fit.remote(name, ref, 100) for name in names]))


# ----------------------------------------------------------------------- accuracy


@ray.remote
def _mean_logpdf(x: np.ndarray, name: str, ours, theirs) -> tuple[str, float, float]:
    warnings.filterwarnings("ignore")
    dist = getattr(st, name)
    with np.errstate(all="ignore"):
        a = float(np.mean(dist.logpdf(x, *ours))) if ours is not None else -np.inf
        b = float(np.mean(dist.logpdf(x, *theirs))) if theirs is not None else -np.inf
    return name, a, b


def compare_logliks(x: np.ndarray, ours: pd.DataFrame, theirs: pd.DataFrame) -> pd.DataFrame:
    ref = ray.put(x)
    spark_params = {r.distribution: tuple(r.parameters) for r in theirs.itertuples()}
    jobs = []
    for row in ours.itertuples():
        if row.distribution in spark_params:
            params = tuple(row.params.values()) if isinstance(row.params, dict) else None
            jobs.append(_mean_logpdf.remote(ref, row.distribution, params,
                                            spark_params[row.distribution]))  # fmt: skip
    rows = ray.get(jobs)
    out = pd.DataFrame(rows, columns=["distribution", "ours", "spark"])
    out["diff"] = out["ours"] - out["spark"]
    finite_spark = np.isfinite(out["spark"])
    out["ok"] = ~finite_spark | (out["diff"] >= -1e-4)
    return out.sort_values("diff").reset_index(drop=True)


# ------------------------------------------------------------------------ scaling


@ray.remote
def _make_block(seed: int, n: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"a": rng.gamma(2.5, 3.0, n), "b": rng.normal(50.0, 10.0, n)})


def modin_frame(n_rows: int, block_rows: int = 5_000_000):
    """A 2-column Modin frame whose blocks are generated in Ray tasks (never on the driver)."""
    from modin.distributed.dataframe.pandas import from_partitions

    n_blocks = max(1, -(-n_rows // block_rows))
    bounds = np.linspace(0, n_rows, n_blocks + 1).astype(np.int64)
    refs = [_make_block.remote(1000 + i, int(hi - lo))
            for i, (lo, hi) in enumerate(itertools.pairwise(bounds))]  # fmt: skip
    ray.wait(refs, num_returns=len(refs))
    return from_partitions(refs, axis=0, index=pd.RangeIndex(n_rows), columns=["a", "b"])


class PeakRSS:
    """Largest growth of this process's resident memory while the block runs."""

    def __init__(self, interval: float = 0.01) -> None:
        self.interval = interval
        self.peak = 0

    def __enter__(self):
        self._proc = psutil.Process()
        self.base = self._proc.memory_info().rss
        self.peak = self.base
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()
        return self

    def _watch(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self._proc.memory_info().rss)
            time.sleep(self.interval)

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self._proc.memory_info().rss)

    @property
    def growth_mb(self) -> float:
        return (self.peak - self.base) / 2**20


# ------------------------------------------------------------------------ families

#: The random stream of the family check (each N takes the first N values of it).
FAMILY_SEED = 7


def spark_picks(fitter, sizes) -> pd.DataFrame:
    """spark-bestfit's AIC-best pick for the same draws as ours."""
    rows = []
    for family in FAMILIES:
        row = [family]
        for n in sizes:
            data = pd.DataFrame({"v": bench_families.draw(family, n, FAMILY_SEED)})
            frame = fitter.fit(data, column="v").df
            frame = frame[np.isfinite(frame["aic"])].sort_values("aic")
            best = frame.iloc[0]
            true = frame[frame.distribution == family]
            delta = float(true["aic"].iloc[0] - best["aic"]) if len(true) else np.inf
            verdict = bench_families.mark(family, best.distribution, delta)
            row.append(f"{verdict} {best.distribution}"
                       + ("" if verdict == "✓" else f" (Δ{delta:.1f})"))  # fmt: skip
        rows.append(row)
    return pd.DataFrame(rows, columns=["family", *[f"N={n:,}" for n in sizes]])


# --------------------------------------------------------------------------- main


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as fh:
            cpu = next(line.split(":", 1)[1].strip() for line in fh if "model name" in line)
    except (OSError, StopIteration):
        pass
    mem = psutil.virtual_memory().total / 2**30
    return (f"{os.cpu_count()} CPUs ({cpu}), {mem:.0f} GiB RAM, "
            f"Python {platform.python_version()}, "
            f"ray {ray.__version__}, numpy {np.__version__}, scipy {scipy.__version__}, "
            f"pandas {pd.__version__}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small smoke run")
    parser.add_argument("--repeats", type=int, default=None)
    parser.add_argument("--skip", nargs="*", default=[],
                        choices=["speed", "accuracy", "families", "scaling"])  # fmt: skip
    parser.add_argument("--max-rows", type=int, default=None, help="largest N of the scaling")
    args = parser.parse_args()
    quick = args.quick
    repeats = args.repeats or (1 if quick else 5)
    n_speed = 100_000 if quick else 1_000_000

    # address="local": a Ray of our own even when another one runs on this machine.
    ray.init(address="local", num_cpus=2, include_dashboard=False, log_to_driver=False,
             logging_level="ERROR")  # fmt: skip
    from spark_bestfit import DistributionFitter, RayBackend

    out: list[str] = [f"Machine: {machine()}", ""]

    def emit(text: str = "") -> None:
        print(text, flush=True)
        out.append(text)

    names = bestfit_accessor.list_distributions()
    x = np.random.default_rng(0).normal(50.0, 10.0, n_speed)
    df = pd.DataFrame({"value": x})
    ours = theirs = None
    if "speed" not in args.skip:
        fitter = DistributionFitter(backend=RayBackend())
        t_ours, ours = timed(lambda: df.bestfit.fit("value", random_state=0), repeats)
        t_spark, spark_res = timed(lambda: fitter.fit(df, column="value"), repeats)
        theirs = spark_res.df
        t_naive, _ = timed(lambda: naive_baseline(x, names), repeats)
        m_ours, m_spark, m_naive = (statistics.median(t) for t in (t_ours, t_spark, t_naive))
        n_spark = len(theirs)
        emit(f"## Speed: {n_speed:,} normal rows, one column, warm Ray, median of {repeats}")
        emit()
        emit(md_table(pd.DataFrame([
            ["bestfit_accessor `df.bestfit.fit('value')`", len(names), f"{m_ours:.2f}",
             " ".join(f"{t:.2f}" for t in t_ours), "1.0"],
            ["spark-bestfit RayBackend, defaults", n_spark, f"{m_spark:.2f}",
             " ".join(f"{t:.2f}" for t in t_spark), f"{m_spark / m_ours:.1f}× slower"],
            ["naive: scipy fit on 10k sample per candidate, Ray tasks", len(names),
             f"{m_naive:.2f}", " ".join(f"{t:.2f}" for t in t_naive),
             f"{m_naive / m_ours:.1f}× slower"],
        ], columns=["tool", "distributions", "median s", "all runs s", "vs ours"])))  # fmt: skip
        emit()
        ok = ours[ours.status == "ok"]
        slow = ok.sort_values("fit_seconds", ascending=False).head(8)
        emit(f"Our candidates: {int((ours.status == 'ok').sum())}/{len(ours)} ok; "
             f"summed fit time {ok.fit_seconds.sum():.2f} s of CPU; slowest: "
             + ", ".join(f"{r.distribution} {r.fit_seconds:.2f} s" for r in slow.itertuples()))
        emit(f"Best by AIC: {ours.iloc[0].distribution}; spark-bestfit's best (KS): "
             f"{spark_res.best(n=1)[0].distribution}")
        emit()

    if "accuracy" not in args.skip and ours is not None:
        cmp = compare_logliks(x, ours, theirs)
        worse = cmp[~cmp.ok]
        emit(f"## Accuracy: mean log-density per row on all {n_speed:,} rows, "
             f"ours vs spark-bestfit's parameters")
        emit()
        emit(f"{int(cmp.ok.sum())}/{len(cmp)} distributions fitted by both are no worse than "
             f"spark-bestfit's − 1e-4 ({100 * cmp.ok.mean():.1f}%); better by > 1e-4: "
             f"{int((cmp['diff'] > 1e-4).sum())}; median difference {cmp['diff'].median():+.2e}")
        if len(worse):
            emit("Worse: " + ", ".join(f"{r.distribution} ({r.diff:+.1e})"
                                       for r in worse.itertuples()))  # fmt: skip
        emit()

    if "families" not in args.skip:
        sizes = (10_000, 100_000) if quick else bench_families.SIZES
        emit(f"## AIC-best pick per family and N, seed {FAMILY_SEED} "
             "(✓ true family; ≈ true family within ΔAIC ≤ 2)")  # fmt: skip
        emit()
        emit("Ours, binned likelihood of all rows. A ✗ carries the exact check on all rows "
             "(benchmarks/bench_families.py): `draw` when exact AIC fails the cell too.")
        emit()
        cells = bench_families.run([FAMILY_SEED], sizes, emit=emit)
        emit(bench_families.summary(cells))
        emit()
        emit("spark-bestfit, defaults, picking by its own AIC (`best(metric='aic')`):")
        emit()
        emit(md_table(spark_picks(DistributionFitter(backend=RayBackend()), sizes)))
        emit()

    if "scaling" not in args.skip:
        sizes = [10_000, 100_000, 1_000_000] if quick else [
            10_000, 100_000, 1_000_000, 10_000_000, 100_000_000]
        if args.max_rows:
            sizes = [n for n in sizes if n <= args.max_rows]
        rows = []
        for n in sizes:
            frame = modin_frame(n)
            reps = 1 if quick else (3 if n >= 100_000_000 else repeats)
            frame.bestfit.fit(random_state=0)  # warm-up
            times, growth = [], []
            for _ in range(reps):
                with PeakRSS() as rss:
                    started = time.perf_counter()
                    fits = frame.bestfit.fit(random_state=0)
                    times.append(time.perf_counter() - started)
                growth.append(rss.growth_mb)
            best = fits.groupby("column").head(1)
            rows.append([f"{n:,}", f"{statistics.median(times):.2f}",
                         " ".join(f"{t:.2f}" for t in times), f"{max(growth):.0f}",
                         ", ".join(best.distribution)])  # fmt: skip
            del frame
        base = float(rows[min(2, len(rows) - 1)][1])
        for row in rows:
            row.insert(2, f"{float(row[1]) / base:.2f}")
        emit("## Scaling: 2-column Modin frame (gamma, normal) already in Ray, default candidates")
        emit()
        emit(md_table(pd.DataFrame(rows, columns=[
            "rows", "median s", "vs 1M", "all runs s", "driver RSS growth MB",
            "best (a, b)"])))  # fmt: skip
        emit()

    if not (quick or args.skip):  # only a full run replaces the recorded results
        with open(os.path.join(os.path.dirname(__file__), "latest_results.md"), "w") as fh:
            fh.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
