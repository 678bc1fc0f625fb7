"""Ray lifecycle cases, each run in its own process by tests/integration/test_ray_lifecycle.py.

A driver joins one Ray only, and these cases start, join or kill Rays, so each runs
here with its own ``RAY_TMPDIR`` (set by the test) and prints one line, ``REPORT``
and JSON:

  stale-record   a fit without init with Ray's record naming a dead cluster
  auto           address="auto" (init, RayBackend, RAY_ADDRESS) with only that record
  head-killed    the head of a two-node Cluster killed while a call waits on its tasks
  worker-lost    a worker node of a two-node Cluster killed mid-fit
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
import warnings
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("RAY_AUTH_MODE", "disabled")
sys.path.insert(0, str(Path(__file__).resolve().parents[3]))  # tests.helpers

import numpy as np
import pandas as pd
import psutil

import bestfit_accessor
from bestfit_accessor import RayBackend, StaleRayAddressWarning
from bestfit_accessor.runtime import ray_tasks

FIT_TASK_TITLE = "ray::_call_on_node"
DISTS = ["norm", "gamma", "lognorm", "t", "logistic", "gumbel_r", "weibull_min", "beta",
         "johnsonsu", "genextreme", "burr12", "exponweib"]  # fmt: skip


REPORT = "REPORT "  # starts the report line (Ray may print after it, at exit)


def _report(**fields) -> None:
    print(REPORT + json.dumps(fields, default=str), flush=True)


def _frame(n: int, seed: int = 0) -> pd.DataFrame:
    return pd.DataFrame({"x": np.random.default_rng(seed).gamma(2.0, 2.0, n)})


def _stale_warnings(caught: list) -> list[str]:
    return [str(w.message) for w in caught if issubclass(w.category, StaleRayAddressWarning)]


def stale_record() -> None:
    """Fit 10k rows (no init, no address), then start Ray again: how long, and what
    was said."""
    started = time.monotonic()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fits = _frame(10_000).bestfit.fit("x", distributions=["gamma", "norm"])
        seconds = time.monotonic() - started
        import ray

        gcs = ray.get_runtime_context().gcs_address
        bestfit_accessor.shutdown()
        bestfit_accessor.init()  # the same dead record again: no second warning
    _report(seconds=seconds, n_ok=int((fits["status"] == "ok").sum()), n_rows=len(fits),
            gcs=gcs, warnings=_stale_warnings(caught))  # fmt: skip


def auto() -> None:
    """Each way of asking for the recorded cluster: the error and how long it took."""
    attempts: dict[str, Callable[[], object]] = {
        "init": lambda: bestfit_accessor.init(address="auto"),
        "RayBackend": lambda: RayBackend(address="auto"),
        "RAY_ADDRESS": lambda: (os.environ.update(RAY_ADDRESS="auto"), bestfit_accessor.init()),
    }
    outcomes = {}
    for name, attempt in attempts.items():
        started = time.monotonic()
        try:
            attempt()
            outcomes[name] = {"error": None}
        except Exception as exc:
            outcomes[name] = {"error": type(exc).__name__, "message": str(exc)}
        outcomes[name]["seconds"] = time.monotonic() - started
    import ray

    _report(outcomes=outcomes, ray_initialized=ray.is_initialized())


def _two_node_cluster():
    from ray.cluster_utils import Cluster

    cluster = Cluster(initialize_head=True, head_node_args={"num_cpus": 1})
    worker = cluster.add_node(num_cpus=1)
    cluster.wait_for_nodes()
    return cluster, worker


def _raylet_pid(node) -> int:
    from ray._private import ray_constants

    return node.all_processes[ray_constants.PROCESS_TYPE_RAYLET][0].process.pid


def _running(title: str, raylet_pid: int | None = None) -> bool:
    """Whether a Ray worker (of the given raylet, if one is given) runs a ``title`` task."""
    root = psutil.Process() if raylet_pid is None else psutil.Process(raylet_pid)
    for proc in root.children(recursive=True):
        try:
            if any(title in part for part in proc.cmdline()):
                return True
        except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
            continue
    return False


def _kill_when(condition: Callable[[], bool], kill: Callable[[], None], log: dict) -> None:
    """In a thread: once ``condition()`` holds (within a minute), ``kill()``."""

    def watch() -> None:
        deadline = time.monotonic() + 60
        while not condition() and time.monotonic() < deadline:
            time.sleep(0.02)
        if time.monotonic() < deadline:
            kill()
            log["killed_at"] = time.monotonic()

    threading.Thread(target=watch, daemon=True).start()


def _sleep_block(block, seconds: float):
    time.sleep(seconds)
    return block


def _sleep_pair(seconds: float):
    time.sleep(seconds)
    return np.zeros(3), {"rows": 3}


def head_killed(calls: str) -> None:
    """For each of the comma-separated ``calls``: start a two-node Cluster, join it
    through its record, start the call, kill the head once the call's tasks run.
    Report per call the error and when it came; then whether a new call works."""
    from tests.helpers import SleepyNormal, registered

    reports = {}
    with registered("sleepy", SleepyNormal(delay=60.0, name="sleepy")):
        for call in calls.split(","):
            reports[call] = _kill_head_during(call)
    after = _frame(2_000).bestfit.fit("x", distributions=["gamma"])  # a fresh local Ray
    _report(calls=reports, after_status=list(after["status"]))


def _kill_head_during(call: str) -> dict:
    import ray

    cluster, _ = _two_node_cluster()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        bestfit_accessor.init()  # no address: the Cluster's record names a live head
    report = {"joined": ray.get_runtime_context().gcs_address == cluster.address,
              "join_warnings": _stale_warnings(caught)}  # fmt: skip
    frame = _frame(20_000)
    refs = [ray_tasks.put(np.arange(4.0)) for _ in range(2)]

    def fit() -> object:  # the sleepy fit outlives the test; gamma finishes
        return frame.bestfit.fit("x", distributions=["gamma", "sleepy"], timeout=60)

    def blocks() -> object:  # the path of correlations and summaries
        return ray_tasks.map_blocks(_sleep_block, refs, [(60.0,)] * len(refs))

    def pairs() -> object:  # the path of copula sampling
        return ray_tasks.map_to_refs(_sleep_pair, [(60.0,)] * 2)

    title, run = {"fit": (FIT_TASK_TITLE, fit), "map_blocks": ("ray::_sleep_block", blocks),
                  "map_to_refs": ("ray::_sleep_pair", pairs)}[call]  # fmt: skip
    log: dict = {}

    def kill() -> None:
        cluster.head_node.kill_all_processes(check_alive=False, allow_graceful=False)

    _kill_when(lambda: _running(title), kill, log)
    started = time.monotonic()
    try:
        report["returned"] = type(run()).__name__
    except Exception as exc:
        report.update(error=type(exc).__name__, message=str(exc))
    ended = time.monotonic()
    report.update(call_seconds=ended - started,
                  seconds_after_kill=ended - log["killed_at"] if log else None)  # fmt: skip
    cluster.shutdown()
    return report


def _warm_every_node() -> None:
    """A worker with the fitting code loaded on every node, so both nodes take tasks."""
    import ray
    from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

    def load() -> str:
        import bestfit_accessor.fitting  # noqa: F401

        return ray.get_runtime_context().get_node_id()

    task = ray.remote(load)
    nodes = [node["NodeID"] for node in ray.nodes() if node["Alive"]]
    ray.get([task.options(scheduling_strategy=NodeAffinitySchedulingStrategy(node, soft=False))
             .remote() for node in nodes])  # fmt: skip


def worker_lost() -> None:
    """Fit on two nodes, then fit again while the worker node is killed mid-fit."""
    from tests.helpers import assert_same_fits

    cluster, worker = _two_node_cluster()
    bestfit_accessor.init(address=cluster.address)
    _warm_every_node()
    frame = pd.DataFrame({"v": np.random.default_rng(21).gamma(2.0, 2.0, 200_000)})
    reference = frame.bestfit.fit("v", distributions=DISTS, random_state=1)
    log: dict = {}
    raylet = _raylet_pid(worker)
    _kill_when(lambda: _running(FIT_TASK_TITLE, raylet),
               lambda: cluster.remove_node(worker, allow_graceful=False), log)  # fmt: skip
    started = time.monotonic()
    again = frame.bestfit.fit("v", distributions=DISTS, random_state=1)
    seconds = time.monotonic() - started
    try:
        assert_same_fits(again, reference)
        difference = None
    except AssertionError as exc:
        difference = str(exc)
    _report(killed="killed_at" in log, seconds=seconds, difference=difference,
            nodes_before=reference.attrs["ray_nodes"],
            nodes_after=again.attrs["ray_nodes"])  # fmt: skip


if __name__ == "__main__":
    case, *args = sys.argv[1:]
    {"stale-record": stale_record, "auto": auto, "head-killed": head_killed,
     "worker-lost": worker_lost}[case](*args)  # fmt: skip
