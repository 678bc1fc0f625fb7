"""Ray lifecycle: a dead cluster never makes a call hang (issue #15).

Every case that starts, joins or kills a Ray runs tests/integration/scripts/ray_lifecycle.py
in its own process with its own ``RAY_TMPDIR`` (Ray's record of the last cluster lives
there), so the session Ray of this tier and the machine's ``/tmp/ray`` are untouched.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

import pytest

from bestfit_accessor import RayConnectionError
from bestfit_accessor.runtime.addresses import (
    default_record_path,
    host_and_port,
    read_record,
    unreachable_reason,
)
from bestfit_accessor.runtime.liveness import ClusterWatch

from ..helpers import ROOT

SCRIPT = ROOT / "tests" / "integration" / "scripts" / "ray_lifecycle.py"


def _closed_port() -> int:
    """A local TCP port nothing listens on (bound once, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def ray_tmpdir():
    """A Ray temp root of the test's own, short enough for Ray's socket paths."""
    path = tempfile.mkdtemp(prefix="bfray", dir="/tmp")
    yield path
    shutil.rmtree(path, ignore_errors=True)


def _write_record(ray_tmpdir: str, address: str) -> str:
    path = os.path.join(ray_tmpdir, "ray", "ray_current_cluster")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as handle:
        handle.write(address)
    return path


def _run(ray_tmpdir: str, *args: str, timeout: float = 240) -> dict:
    env = {key: value for key, value in os.environ.items() if key != "RAY_ADDRESS"}
    env.update(RAY_TMPDIR=ray_tmpdir, PYTHONPATH=str(ROOT))
    proc = subprocess.run([sys.executable, str(SCRIPT), *args], capture_output=True, text=True,
                          env=env, cwd=ROOT, timeout=timeout)  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-4000:]
    reports = [line for line in proc.stdout.splitlines() if line.startswith("REPORT ")]
    assert len(reports) == 1, proc.stdout[-4000:]
    return json.loads(reports[0].removeprefix("REPORT "))


# Addresses and records, without Ray.


def test_addresses_are_read_as_ray_writes_them():
    assert host_and_port("10.0.0.5:6379") == ("10.0.0.5", 6379)
    assert host_and_port("ray://head:10001") == ("head", 10001)
    assert host_and_port(" [::1]:6379\n") == ("::1", 6379)
    with pytest.raises(RayConnectionError, match="cannot read a host:port"):
        host_and_port("ray://head")
    assert unreachable_reason("head-without-port", 0.1) == "not a host:port address"


def test_record_is_found_where_ray_looks(monkeypatch, ray_tmpdir):
    from ray._common.utils import get_ray_address_file

    from bestfit_accessor.runtime.ray_tasks import _record_path

    monkeypatch.setenv("RAY_TMPDIR", ray_tmpdir)
    expected = os.path.join(ray_tmpdir, "ray", "ray_current_cluster")
    assert default_record_path() == get_ray_address_file(None) == _record_path(None) == expected
    monkeypatch.delenv("RAY_TMPDIR")
    monkeypatch.setenv("TMPDIR", ray_tmpdir)
    assert default_record_path() == get_ray_address_file(None) == expected
    assert default_record_path("/elsewhere") == get_ray_address_file("/elsewhere")

    assert read_record(expected) is None
    _write_record(ray_tmpdir, "192.0.2.7:6379\n")
    assert read_record(expected) == "192.0.2.7:6379"
    _write_record(ray_tmpdir, "  ")
    assert read_record(expected) is None


def test_watch_allows_a_head_its_grace_but_not_a_dead_node():
    listener = socket.create_server(("127.0.0.1", 0))
    address = f"127.0.0.1:{listener.getsockname()[1]}"
    watch = ClusterWatch({"head": address, "node": address}, grace=0.5, final=frozenset({"node"}))
    assert watch.lost(force=True) is None and not watch.is_down()
    listener.close()
    only_head = ClusterWatch({"head": address}, grace=0.5)
    assert only_head.lost(force=True) is None and only_head.is_down()  # within its grace
    time.sleep(0.6)
    assert f"head at {address} has not answered for" in only_head.lost()
    assert watch.lost(force=True).startswith(f"node at {address} has not answered (")
    started = time.monotonic()
    assert "has not answered" in ClusterWatch({"head": address}, grace=0.5).settle()
    assert 0.4 < time.monotonic() - started < 5


# A dead record never blocks a fit; an explicit request for it fails fast.


@pytest.mark.cluster
def test_stale_record_starts_a_local_ray_and_warns_once(ray_tmpdir):
    stale = f"127.0.0.1:{_closed_port()}"
    record = _write_record(ray_tmpdir, stale)
    started = time.monotonic()
    report = _run(ray_tmpdir, "stale-record")
    assert time.monotonic() - started < 120
    assert report["n_ok"] == report["n_rows"] == 2
    assert report["gcs"] != stale
    assert len(report["warnings"]) == 1, report["warnings"]  # two starts, one warning
    assert stale in report["warnings"][0] and record in report["warnings"][0]


def test_auto_with_only_a_stale_record_fails_fast_naming_it(ray_tmpdir):
    stale = f"127.0.0.1:{_closed_port()}"
    record = _write_record(ray_tmpdir, stale)
    report = _run(ray_tmpdir, "auto")
    assert set(report["outcomes"]) == {"init", "RayBackend", "RAY_ADDRESS"}
    for outcome in report["outcomes"].values():
        assert outcome["error"] == "RayConnectionError", outcome
        assert outcome["seconds"] < 10
        for hint in (stale, record, "ray start --head", "bestfit_accessor.init()"):
            assert hint in outcome["message"], (hint, outcome["message"])
    assert "RAY_ADDRESS=auto" in report["outcomes"]["RAY_ADDRESS"]["message"]
    assert not report["ray_initialized"]


# The Ray a call runs on dies during the call.


def _assert_lost_in_time(report: dict, timeout: float = 60) -> None:
    assert report["joined"] and report["join_warnings"] == [], report  # a live record is joined
    assert report["error"] == "RayClusterLostError", report  # not partial results
    assert "no results" in report["message"] and "has not answered" in report["message"]
    assert report["seconds_after_kill"] is not None, "the head was never killed"
    assert report["seconds_after_kill"] < 30 and report["call_seconds"] < timeout


@pytest.mark.cluster
@pytest.mark.fault
def test_head_killed_mid_fit_is_a_typed_error_then_a_local_ray_takes_over(ray_tmpdir):
    report = _run(ray_tmpdir, "head-killed", "fit")
    _assert_lost_in_time(report["calls"]["fit"])
    assert report["after_status"] == ["ok"]


@pytest.mark.slow
@pytest.mark.cluster
@pytest.mark.fault
def test_head_killed_while_block_and_sampling_tasks_run_is_a_typed_error(ray_tmpdir):
    """``map_blocks`` carries summaries and correlations, ``map_to_refs`` sampling."""
    report = _run(ray_tmpdir, "head-killed", "map_blocks,map_to_refs")
    for call in ("map_blocks", "map_to_refs"):
        _assert_lost_in_time(report["calls"][call])
    assert report["after_status"] == ["ok"]


@pytest.mark.cluster
@pytest.mark.fault
def test_worker_node_lost_mid_fit_recovers_with_identical_results(ray_tmpdir):
    report = _run(ray_tmpdir, "worker-lost")
    assert report["killed"], "no fit task was seen running on the worker node"
    assert report["difference"] is None, report["difference"]
    assert len(report["nodes_before"]) == 2, report["nodes_before"]
    assert sum(report["nodes_after"].values()) == sum(report["nodes_before"].values())
