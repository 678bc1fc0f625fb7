"""End-to-end demo on built-in example data: fit every numeric column, print the best."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

import bestfit_accessor


def example_claims(n: int = 200_000, seed: int = 1) -> pd.DataFrame:
    """Synthetic insurance claims: gamma amounts, Weibull delays, lognormal costs."""
    rng = np.random.default_rng(seed)
    return pd.DataFrame({
        "claim": rng.gamma(2.5, 3.0, n),
        "delay": rng.weibull(1.5, n) * 10.0,
        "repair_cost": rng.lognormal(6.0, 0.4, n),
    })  # fmt: skip


def main() -> None:
    df = example_claims()
    print(f"Fitting {len(bestfit_accessor.list_distributions())} distributions to "
          f"{df.shape[1]} columns of {len(df):,} rows in Ray tasks...")  # fmt: skip
    started = time.perf_counter()
    fits = df.bestfit.fit(progress=True, random_state=0)
    elapsed = time.perf_counter() - started
    with pd.option_context("display.width", 160, "display.max_colwidth", 70):
        best = fits.groupby("column").head(3)
        print(best[["column", "rank", "distribution", "params", "aic", "ks_statistic"]]
              .to_string(index=False))  # fmt: skip
    failed = fits[fits["status"] != "ok"]
    print(f"\n{len(fits)} fits in {elapsed:.1f} s; {len(failed)} did not finish cleanly.")
    for column in df.columns:
        top = fits[fits["column"] == column].iloc[0]
        frozen = bestfit_accessor.to_scipy(top)
        print(f"{column}: best {top['distribution']}, mean {frozen.mean():.3f} "
              f"(data {df[column].mean():.3f})")  # fmt: skip


if __name__ == "__main__":
    main()
