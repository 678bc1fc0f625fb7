"""RayBackend basics: fit a column, read the best fits, progress, a Ray Dataset.

Run: ``.venv/bin/python examples/ray/ray_demo.py [rows]``
"""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd
import ray

from bestfit_accessor import DistributionFitter, RayBackend
from bestfit_accessor.progress import console_progress


def main(rows: int = 200_000, distributions: list[str] | None = None) -> dict:
    backend = RayBackend()  # joins a running Ray, or starts a local one
    fitter = DistributionFitter(backend=backend)
    rng = np.random.default_rng(42)
    df = pd.DataFrame({"latency_ms": rng.lognormal(3.0, 0.6, rows),
                       "load": rng.normal(50, 10, rows)})  # fmt: skip

    print(f"Fitting {rows:,} rows on {ray.cluster_resources().get('CPU', 0):.0f} CPUs")
    results = fitter.fit(df, columns=["latency_ms", "load"], distributions=distributions,
                         progress_callback=console_progress(), random_state=0)  # fmt: skip
    for fit in results.best(n=3):
        params = np.round(fit.parameters, 4).tolist()
        print(f"  {fit.column_name:>10}: {fit.distribution:<12} AIC={fit.aic:,.1f} "
              f"KS={fit.ks_statistic:.4f} params={params}")  # fmt: skip

    best = results.best(n=1, column="latency_ms")[0]
    p50, p99 = best.ppf([0.5, 0.99])
    print(f"latency_ms by {best.distribution}: median {p50:.1f}, p99 {p99:.1f} "
          f"(data: {df['latency_ms'].median():.1f}, {df['latency_ms'].quantile(0.99):.1f})")

    failed = results.df[results.df["status"] != "ok"]
    print(f"{len(results)} fits, {len(failed)} not ok")

    ds = ray.data.from_pandas(df)  # the same fit from a Ray Dataset: no rows collected
    from_ds = fitter.fit(ds, column="load", distributions=distributions, random_state=0)
    print(f"Ray Dataset best for load: {from_ds.best(n=1)[0].distribution}")
    return {"results": results, "dataset_results": from_ds, "frame": df}


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200_000)
