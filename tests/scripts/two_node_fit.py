"""Fit on a two-node Ray cluster started on this machine; print the results as JSON.

Run in its own process by tests/test_seed_api.py, since a driver joins one Ray only.
"""

from __future__ import annotations

import json
import os
import sys

os.environ.setdefault("RAY_AUTH_MODE", "disabled")

import numpy as np
import pandas as pd
from ray.cluster_utils import Cluster

from bestfit_accessor import DistributionFitter, RayBackend


def main() -> None:
    distributions = sys.argv[1].split(",")
    cluster = Cluster(initialize_head=True, head_node_args={"num_cpus": 1})
    cluster.add_node(num_cpus=1)
    cluster.wait_for_nodes()
    try:
        backend = RayBackend(address=cluster.address)
        df = pd.DataFrame({"value": np.random.default_rng(11).gamma(2.0, 3.0, 20_000)})
        fitter = DistributionFitter(backend=backend)
        # A first fit starts a worker process on each node; the second is reported.
        fitter.fit(df, column="value", distributions=distributions, random_state=4)
        results = fitter.fit(df, column="value", distributions=distributions, random_state=4)
        frame = results.df
        print(json.dumps({
            "nodes": frame.attrs["ray_nodes"],
            "rows": frame.drop(columns=["fit_seconds"]).to_dict(orient="records"),
        }))  # fmt: skip
    finally:
        import ray

        ray.shutdown()
        cluster.shutdown()


if __name__ == "__main__":
    main()
