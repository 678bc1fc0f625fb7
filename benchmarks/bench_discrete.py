"""Time and driver memory of a count column fitted on Modin (issue #13).

A count column reaches the fits as its exact value counts, merged from one Ray task
per partition: the driver holds one entry per distinct value (a few hundred here),
never a row. This script builds a Modin frame whose partitions are generated inside
Ray tasks (no row passes through the driver), then times ``frame.bestfit.fit()``
(``distributions="auto"``, the default: one pass decides the column is counts and
returns its counts, then the 21 discrete candidates are fitted in Ray tasks) and
measures the driver's resident memory (psutil RSS, sampled every 20 ms; the helper
of ``bench_plots.py``)::

    .venv/bin/python benchmarks/bench_discrete.py                      # 1M, 10M, 100M
    .venv/bin/python benchmarks/bench_discrete.py --rows 1000000 10000000
    .venv/bin/python benchmarks/bench_discrete.py --quick              # 1M rows

The column is negative binomial (n = 2.5, p = 0.3; mean 5.8, a few hundred distinct
values at 100M rows), int64: 800 MB at 100M rows.
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

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import psutil  # noqa: E402
import ray  # noqa: E402
from timing import ROWS_PER_PARTITION, PeakRSS, ray_side_frame, rss  # noqa: E402

import bestfit_accessor  # noqa: E402

TRUE_N, TRUE_P = 2.5, 0.3
MB = 1024 * 1024


@ray.remote
def _make_partition(n: int, seed: int) -> pd.DataFrame:
    """Negative binomial counts, drawn where the partition lives."""
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"claims": rng.negative_binomial(TRUE_N, TRUE_P, n)})


def frame_of(n_rows: int):
    """A Modin frame over partitions generated in Ray tasks."""
    return ray_side_frame(_make_partition, n_rows, ["claims"])


def run(n_rows: int) -> dict:
    frame = frame_of(n_rows)
    gc.collect()
    before = rss()
    started = time.perf_counter()
    with PeakRSS() as peak:
        fits = frame.bestfit.fit("claims")
    seconds = time.perf_counter() - started
    gc.collect()
    after = rss()
    best = fits.iloc[0]
    nbinom = fits[fits["distribution"] == "nbinom"].iloc[0]
    row = {"rows": n_rows, "partitions": frame._query_compiler._modin_frame._partitions.shape[0],
           "seconds": seconds, "peak_growth_mb": (peak.peak - before) / MB,
           "growth_after_mb": (after - before) / MB, "kind": best["kind"],
           "best": best["distribution"], "nbinom_n": nbinom["params"]["n"],
           "nbinom_p": nbinom["params"]["p"], "n_obs": int(best["n_obs"]),
           "fits_ok": int((fits["status"] == "ok").sum()), "fits": len(fits)}  # fmt: skip
    print(f"  {n_rows:>12,} rows  {seconds:7.1f} s   peak +{row['peak_growth_mb']:6.1f} MB   "
          f"after +{row['growth_after_mb']:6.1f} MB   best {row['best']}", flush=True)
    del frame, fits
    return row


def table(rows: list[dict]) -> str:
    lines = ["| rows | partitions | wall (s) | driver RSS peak growth (MB) | driver RSS growth "
             "after (MB) | kind | best (AIC) | nbinom n, p (true 2.5, 0.3) | fits ok |",
             "|---:|---:|---:|---:|---:|---|---|---|---:|"]
    for r in rows:
        lines.append(f"| {r['rows']:,} | {r['partitions']} | {r['seconds']:.1f} | "
                     f"{r['peak_growth_mb']:.1f} | {r['growth_after_mb']:.1f} | {r['kind']} | "
                     f"{r['best']} | {r['nbinom_n']:.4f}, {r['nbinom_p']:.5f} | "
                     f"{r['fits_ok']}/{r['fits']} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+",
                        default=[1_000_000, 10_000_000, 100_000_000])
    parser.add_argument("--quick", action="store_true", help="1M rows only")
    parser.add_argument("--num-cpus", type=int, default=2)
    args = parser.parse_args()
    sizes = [1_000_000] if args.quick else args.rows
    bestfit_accessor.init(num_cpus=args.num_cpus)
    print(f"bench_discrete: {platform.python_version()}, {args.num_cpus} Ray CPUs, "
          f"{psutil.virtual_memory().total / 1024**3:.0f} GiB RAM, "
          f"{ROWS_PER_PARTITION:,} rows per partition", flush=True)
    frame_of(1000).bestfit.fit("claims", distributions=["poisson"])  # warm-up
    results = [run(n) for n in sizes]
    print()
    print(table(results))


if __name__ == "__main__":
    main()
