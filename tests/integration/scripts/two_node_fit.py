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


def _load_fitting() -> str:
    import ray

    import bestfit_accessor.fitting  # noqa: F401  (what a fit task imports)

    return ray.get_runtime_context().get_node_id()


def _warm_every_node() -> None:
    """Start a worker with the fitting code loaded on every node, so that the fit's
    tasks are not all done by one node while another is still starting a worker."""
    import ray
    from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

    task = ray.remote(_load_fitting)
    nodes = [node["NodeID"] for node in ray.nodes() if node["Alive"]]
    warmed = ray.get([
        task.options(scheduling_strategy=NodeAffinitySchedulingStrategy(node, soft=False)).remote()
        for node in nodes
    ])  # fmt: skip
    assert sorted(warmed) == sorted(nodes)


def main() -> None:
    distributions = sys.argv[1].split(",")
    cluster = Cluster(initialize_head=True, head_node_args={"num_cpus": 1})
    cluster.add_node(num_cpus=1)
    cluster.wait_for_nodes()
    try:
        backend = RayBackend(address=cluster.address)
        df = pd.DataFrame({"value": np.random.default_rng(11).gamma(2.0, 3.0, 20_000)})
        fitter = DistributionFitter(backend=backend)
        _warm_every_node()
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
