"""Faults: killed workers, hung distributions, interrupts, unreachable clusters."""

from __future__ import annotations

import _thread
import os
import signal
import subprocess
import sys
import threading
import time

import numpy as np
import pandas as pd
import psutil
import pytest

from ..helpers import SleepyNormal, assert_same_fits, registered

FIT_TASK_TITLE = "ray::_call_on_node"
DISTS = ["norm", "gamma", "lognorm", "t", "logistic", "gumbel_r", "weibull_min", "beta",
         "johnsonsu", "genextreme", "burr12", "exponweib"]  # fmt: skip


def _running_fit_workers() -> list[psutil.Process]:
    """Workers of this test session's Ray (its descendants) running a fit task now."""
    found = []
    for proc in psutil.Process().children(recursive=True):
        try:
            if any(FIT_TASK_TITLE in part for part in proc.cmdline()):
                found.append(proc)
        except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
            continue
    return found


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    return pd.DataFrame({"v": np.random.default_rng(21).gamma(2.0, 2.0, 200_000)})


@pytest.fixture
def sleepy():
    """A registered distribution whose every evaluation sleeps a minute: its fit never
    ends within a test, whatever the machine."""
    with registered("sleepy", SleepyNormal(delay=60.0, name="sleepy")):
        yield "sleepy"


@pytest.mark.fault
def test_sigkill_of_a_worker_mid_fit_is_retried_to_identical_results(frame):
    reference = frame.bestfit.fit("v", distributions=DISTS, random_state=1)
    outcome: dict = {}
    runner = threading.Thread(target=lambda: outcome.update(
        fits=frame.bestfit.fit("v", distributions=DISTS, random_state=1)))  # fmt: skip
    runner.start()
    killed = None
    deadline = time.monotonic() + 30
    while killed is None and time.monotonic() < deadline and runner.is_alive():
        for proc in _running_fit_workers():
            os.kill(proc.pid, signal.SIGKILL)
            killed = proc.pid
            break
        time.sleep(0.02)
    runner.join(timeout=300)
    assert not runner.is_alive(), "the fit hung after a worker was killed"
    assert killed is not None, "no fit task was seen running"
    assert_same_fits(outcome["fits"], reference)


@pytest.mark.fault
def test_keyboard_interrupt_cancels_outstanding_tasks(frame, sleepy):
    finished = threading.Event()

    def interrupt_once_fitting() -> None:
        deadline = time.monotonic() + 60
        while not _running_fit_workers() and time.monotonic() < deadline:
            time.sleep(0.02)
        if not finished.is_set():  # an interrupt after the fit would end the session
            _thread.interrupt_main()

    threading.Thread(target=interrupt_once_fitting, daemon=True).start()
    try:
        with pytest.raises(KeyboardInterrupt):
            # The sleepy fit needs minutes, so the fit is surely running when interrupted.
            frame.bestfit.fit("v", distributions=[*DISTS, sleepy], random_state=1)
    finally:
        finished.set()
    interrupted = time.monotonic()
    while _running_fit_workers() and time.monotonic() - interrupted < 5:
        time.sleep(0.05)
    assert not _running_fit_workers(), "fit tasks still running 5 s after the interrupt"
    again = frame.bestfit.fit("v", distributions=["gamma"], random_state=1)
    assert again["status"].iloc[0] == "ok"


@pytest.mark.fault
def test_a_distribution_that_never_returns_is_a_timeout_row(frame, sleepy):
    fits = frame.bestfit.fit("v", distributions=["gamma", sleepy], timeout=8)
    status = dict(zip(fits["distribution"], fits["status"], strict=True))
    assert status == {"gamma": "ok", sleepy: "timeout"}


@pytest.mark.fault
def test_unreachable_ray_address_from_environment_fails_within_30_s():
    script = "import bestfit_accessor; bestfit_accessor.init()"
    env = {**os.environ, "RAY_ADDRESS": "127.0.0.1:9"}
    started = time.monotonic()
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          env=env, timeout=60)  # fmt: skip
    assert time.monotonic() - started < 30
    assert proc.returncode != 0
    assert "RayConnectionError" in proc.stderr and "'127.0.0.1:9' is unreachable" in proc.stderr


def test_invalid_num_cpus_is_rejected():
    import bestfit_accessor

    with pytest.raises(ValueError, match="num_cpus must be a positive integer"):
        bestfit_accessor.init(num_cpus=0)
