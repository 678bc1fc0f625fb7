"""Driver memory and time of the plots on a large Modin frame (issue #14).

The plots are drawn from summaries gathered in Ray tasks, so the driver should
hold the figure and a few hundred kilobytes of summaries, never a column. This
script builds a Modin frame whose partitions are generated inside Ray tasks (the
rows never pass through the driver), fits it, and measures the driver's resident
memory (psutil RSS, sampled every 20 ms in a thread) around each plot call::

    .venv/bin/python benchmarks/bench_plots.py                        # 100M rows
    .venv/bin/python benchmarks/bench_plots.py --rows 10000000 100000000
    .venv/bin/python benchmarks/bench_plots.py --quick                # 2M rows, smoke run

For each call it reports the wall time, the RSS growth after the call (after
closing the figure and collecting garbage: what stays), the peak growth during the
call, and for comparison the growth of drawing the same figure from the summaries
alone (no Ray work: the cost of the figure itself). One column of 100M float64
rows is 800 MB; the growths are megabytes.
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import time
import warnings

os.environ.setdefault("RAY_AUTH_MODE", "disabled")
os.environ.setdefault("MODIN_ENGINE", "ray")
warnings.filterwarnings("ignore")

import matplotlib  # noqa: E402

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import psutil  # noqa: E402
import ray  # noqa: E402
from timing import PeakRSS, ray_side_frame, rss  # noqa: E402

import bestfit_accessor  # noqa: E402
from bestfit_accessor.plots import plot_diagnostics, top_fits  # noqa: E402
from bestfit_accessor.plots.gather import column_plot_data  # noqa: E402

CANDIDATES = ["gamma", "lognorm", "weibull_min"]
MB = 1024 * 1024


@ray.remote
def _make_partition(n: int, seed: int) -> pd.DataFrame:
    """Correlated gamma and lognormal columns, made where the partition lives."""
    from scipy.special import ndtr
    from scipy.stats import gamma

    rng = np.random.default_rng(seed)
    z1 = rng.standard_normal(n)
    z2 = 0.7 * z1 + np.sqrt(1 - 0.49) * rng.standard_normal(n)
    return pd.DataFrame({"claim": gamma(2.5, scale=3.0).ppf(ndtr(z1)),
                         "cost": np.exp(np.log(40.0) + 0.5 * z2)})  # fmt: skip


def frame_of(n_rows: int):
    """A Modin frame over partitions generated in Ray tasks."""
    return ray_side_frame(_make_partition, n_rows, ["claim", "cost"])


def settle() -> int:
    plt.close("all")
    gc.collect()
    return rss()


def measure(label: str, call) -> dict:
    """Run ``call`` (returning a Figure or a tuple ending with one); RSS before/peak/after."""
    before = settle()
    started = time.perf_counter()
    with PeakRSS() as peak:
        result = call()
        figure = result[-1] if isinstance(result, tuple) else result
        figure.savefig(os.devnull, format="png", dpi=100)  # rendered: the figure is all there
    seconds = time.perf_counter() - started
    after_with_figure = rss()
    del result, figure
    after = settle()
    row = {"call": label, "seconds": seconds,
           "peak_growth_mb": (peak.peak - before) / MB,
           "growth_with_figure_mb": (after_with_figure - before) / MB,
           "growth_after_close_mb": (after - before) / MB}  # fmt: skip
    print(f"  {label:<34} {seconds:7.1f} s   peak +{row['peak_growth_mb']:6.1f} MB   "
          f"with figure +{row['growth_with_figure_mb']:6.1f} MB   "
          f"after close +{row['growth_after_close_mb']:6.1f} MB", flush=True)  # fmt: skip
    return row


def run(n_rows: int) -> list[dict]:
    print(f"\n{n_rows:,} rows x 2 columns ({2 * 8 * n_rows / MB:,.0f} MB of float64), Modin "
          f"frame built in Ray tasks", flush=True)  # fmt: skip
    started = time.perf_counter()
    df = frame_of(n_rows)
    print(f"  frame built in {time.perf_counter() - started:.1f} s; driver RSS "
          f"{rss() / MB:,.0f} MB", flush=True)  # fmt: skip
    started = time.perf_counter()
    fits = df.bestfit.fit(distributions=CANDIDATES, random_state=0)
    print(f"  fit ({len(CANDIDATES)} candidates x 2 columns) in "
          f"{time.perf_counter() - started:.1f} s", flush=True)  # fmt: skip
    rows = [
        measure("plot(kind='density')", lambda: df.bestfit.plot(fits, "claim")),
        measure("plot(kind='diagnostics')",
                lambda: df.bestfit.plot(fits, "claim", kind="diagnostics")),
        measure("describe(plot=True, n_boot=500)",
                lambda: df.bestfit.describe(plot=True, n_boot=500)),
    ]  # fmt: skip
    (summary,) = column_plot_data(df, "claim")
    curves = top_fits(fits, "claim")
    print(f"  summaries of one column on the driver: {summary.nbytes / 1024:.0f} KiB "
          f"({summary.counts.size} bins, {summary.sample.size:,} sampled values)")
    rows.append(measure("diagnostics from summaries only", lambda: plot_diagnostics(
        summary, curves)))  # fmt: skip
    cop = df.bestfit.copula(fits)
    synthetic = cop.sample(n_rows // 10, random_state=1)
    rows.append(measure(f"copula.plot(df, {n_rows // 10:,}-row sample)",
                        lambda: cop.plot(df, synthetic)))  # fmt: skip
    for row in rows:
        row["rows"] = n_rows
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[100_000_000])
    parser.add_argument("--quick", action="store_true", help="2M rows: a smoke run")
    args = parser.parse_args()
    bestfit_accessor.init()
    print(f"{platform.platform()}, {psutil.cpu_count()} CPUs, "
          f"{psutil.virtual_memory().total / 1024**3:.0f} GiB; Ray "
          f"{ray.cluster_resources().get('CPU', 0):.0f} CPUs")  # fmt: skip
    # Warm up imports, Ray task definitions and matplotlib's caches on a small frame.
    warm = frame_of(200_000)
    warm_fits = warm.bestfit.fit(distributions=CANDIDATES, random_state=0)
    plt.close(warm.bestfit.plot(warm_fits, "claim", kind="diagnostics"))
    plt.close(warm.bestfit.describe(plot=True, n_boot=10)[1])
    warm_cop = warm.bestfit.copula(warm_fits)
    plt.close(warm_cop.plot(warm, warm_cop.sample(20_000, random_state=0)))
    del warm, warm_fits, warm_cop
    results = []
    for n in [2_000_000] if args.quick else args.rows:
        results.extend(run(n))
    table = pd.DataFrame(results)
    print("\n" + table.to_string(index=False, float_format=lambda v: f"{v:.1f}"))


if __name__ == "__main__":
    main()
