"""Synthetic data: fit several columns, fit a Gaussian copula, sample a new frame,
and compare its statistics with the original.

Run: ``.venv/bin/python examples/ray/usecase_synthetic_data.py [rows]``
"""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd

from bestfit_accessor import DistributionFitter, GaussianCopula, RayBackend


def make_orders(rows: int, seed: int = 7) -> pd.DataFrame:
    """Orders whose price, quantity and revenue depend on each other."""
    rng = np.random.default_rng(seed)
    corr = np.array([[1.0, -0.3, 0.5], [-0.3, 1.0, 0.6], [0.5, 0.6, 1.0]])
    z = rng.multivariate_normal(np.zeros(3), corr, rows)
    return pd.DataFrame({
        "price": 20.0 + 4.0 * z[:, 0],
        "quantity": np.exp(1.5 + 0.4 * z[:, 1]),
        "revenue": np.exp(4.0 + 0.5 * z[:, 2]),
    })  # fmt: skip


def main(rows: int = 200_000, distributions: list[str] | None = None) -> dict:
    fitter = DistributionFitter(backend=RayBackend())
    df = make_orders(rows)
    results = fitter.fit(df, columns=list(df.columns), distributions=distributions,
                         random_state=1)  # fmt: skip
    for fit in results.best(n=1):
        print(f"{fit.column_name:>9}: {fit.distribution}")

    copula = GaussianCopula.fit(results, df)
    synthetic = copula.sample(n=rows, random_state=3)

    summary = pd.DataFrame({
        "mean (data)": df.mean(), "mean (synthetic)": synthetic.mean(),
        "std (data)": df.std(), "std (synthetic)": synthetic.std(),
    })  # fmt: skip
    print(summary.round(3).to_string())
    print("Spearman correlation, data:")
    print(df.corr("spearman").round(3).to_string())
    print("Spearman correlation, synthetic:")
    print(synthetic.corr("spearman").round(3).to_string())
    return {"frame": df, "synthetic": synthetic, "copula": copula, "results": results}


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200_000)
