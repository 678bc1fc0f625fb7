"""Ray lifecycle and task submission: the only module that imports Ray.

Uses the Ray the user already started, or starts a quiet local one (all CPUs, no
dashboard, worker logs kept out of the driver). A Ray this module did not start is
never shut down by it.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import sys
import threading
import time
import warnings
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import ray
from ray.exceptions import GetTimeoutError, RayError, TaskCancelledError

from ..exceptions import RayAlreadyRunningWarning, RayConnectionError
from ..options import InstanceOf, Interval, validate

__all__ = ["TaskOutcome", "init", "is_initialized", "map_blocks", "put", "run_tasks", "shutdown"]

_lock = threading.Lock()
_started_here = False
_remote_cache: dict[Callable, Any] = {}


def init(
    address: str | None = None,
    *,
    num_cpus: int | None = None,
    **ray_init_kwargs: Any,
) -> None:
    """Start or join Ray for bestfit_accessor.

    ``address=None`` starts a local Ray (``num_cpus`` caps it and then always starts
    a new one; default all cores);
    ``"auto"`` joins the cluster running on this machine; ``"ray://host:10001"``
    connects through Ray Client. If Ray is already initialised it is used as it is,
    with a :class:`RayAlreadyRunningWarning` when ``num_cpus`` or ``ray.init``
    keywords were given (they cannot apply to a running Ray).
    Extra keyword arguments go to :func:`ray.init`.
    """
    global _started_here
    address = validate("address", address, (InstanceOf(str, "a Ray address string"), None))
    num_cpus = validate("num_cpus", num_cpus, (Interval(int, 1, None), None))
    with _lock:
        if ray.is_initialized():
            _warn_settings_ignored(num_cpus, ray_init_kwargs)
            return
        os.environ.setdefault("RAY_AUTH_MODE", "disabled")
        kwargs: dict[str, Any] = {
            "include_dashboard": False,
            "log_to_driver": False,
            "logging_level": logging.ERROR,
            "configure_logging": True,
            "ignore_reinit_error": True,
        }
        if address is None:
            kwargs["num_cpus"] = num_cpus
            if num_cpus is not None:
                # A capped Ray of our own: a bare ray.init() would join a cluster
                # already running on this machine, which refuses num_cpus.
                kwargs["address"] = "local"
        else:
            kwargs["address"] = address
            if address.startswith("ray://"):
                import bestfit_accessor  # workers of a remote cluster may not have the package

                package_dir = os.path.dirname(os.path.abspath(bestfit_accessor.__file__))
                kwargs["runtime_env"] = {"py_modules": [package_dir]}
        kwargs.update(ray_init_kwargs)
        target = kwargs.get("address", os.environ.get("RAY_ADDRESS"))
        if target and target not in ("auto", "local"):
            _probe(target)
        try:
            ray.init(**kwargs)
        except Exception as exc:
            where = "a local Ray" if address is None else f"the Ray cluster at {address!r}"
            raise RayConnectionError(f"could not start or join {where}: {exc}") from exc
        _started_here = address is None


def _warn_settings_ignored(num_cpus: int | None, ray_init_kwargs: dict[str, Any]) -> None:
    """Say which start-up settings a running Ray cannot take, and its CPU count."""
    cpus = int(ray.cluster_resources().get("CPU", 0))
    ignored = [f"{key}={value!r}" for key, value in ray_init_kwargs.items()]
    if num_cpus is not None and num_cpus != cpus:
        ignored.insert(0, f"num_cpus={num_cpus}")
    if ignored:
        warnings.warn(
            f"Ray is already running with {cpus} CPUs; {', '.join(ignored)} cannot apply "
            "to a running Ray and is ignored (call ray.shutdown() first to start Ray "
            "with these settings)",
            RayAlreadyRunningWarning,
            stacklevel=_caller_stacklevel(),
        )


def _caller_stacklevel() -> int:
    """The ``stacklevel`` of the first frame outside this package (the user's call)."""
    package = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep
    frame, level = sys._getframe(1), 1
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(package):
        frame, level = frame.f_back, level + 1
    return level


#: Seconds to wait for a TCP connection to a cluster address before giving up.
CONNECT_TIMEOUT = 10.0


def _probe(address: str) -> None:
    """Fail fast on an unreachable address: Ray itself retries for minutes."""
    target = address.removeprefix("ray://").rsplit("/", 1)[0]
    host, _, port = target.rpartition(":")
    if not host or not port.isdigit():
        raise RayConnectionError(
            f"cannot read a host:port from Ray address {address!r} "
            "(expected 'auto', 'host:port' or 'ray://host:port')"
        )
    try:
        with socket.create_connection((host.strip("[]"), int(port)), timeout=CONNECT_TIMEOUT):
            pass
    except OSError as exc:
        raise RayConnectionError(
            f"the Ray cluster at {address!r} is unreachable ({exc}); is it running, "
            "and is the port open?"
        ) from exc


def is_initialized() -> bool:
    return ray.is_initialized()


def shutdown() -> None:
    """Shut down Ray only if this module started it."""
    global _started_here
    with _lock:
        if _started_here and ray.is_initialized():
            ray.shutdown()
        _started_here = False


def _ensure() -> None:
    if not ray.is_initialized():
        init()


def total_cpus() -> int:
    _ensure()
    return max(1, int(ray.cluster_resources().get("CPU", 1)))


def cluster_memory_bytes() -> float:
    """Memory the cluster offers to tasks plus its object store."""
    _ensure()
    resources = ray.cluster_resources()
    return float(resources.get("memory", 0) + resources.get("object_store_memory", 0))


def put(value: Any) -> ray.ObjectRef:
    _ensure()
    return ray.put(value)


def get(refs: Sequence[ray.ObjectRef]) -> list:
    """The values behind object refs, fetched to the driver."""
    _ensure()
    return ray.get(list(refs))


def _remote(fn: Callable, **options: Any):
    key = (fn, tuple(sorted(options.items())))
    if key not in _remote_cache:
        _remote_cache[key] = ray.remote(**options)(fn) if options else ray.remote(fn)
    return _remote_cache[key]


def map_blocks(fn: Callable, blocks: Sequence[Any], per_block_args: Sequence[tuple]) -> list:
    """Run ``fn(block, *args)`` as one Ray task per block; results in block order."""
    _ensure()
    task = _remote(fn)
    refs = [task.remote(block, *args) for block, args in zip(blocks, per_block_args, strict=True)]
    try:
        return ray.get(refs)
    except BaseException:
        _cancel(refs)
        raise


@contextlib.contextmanager
def quiet_ray_data() -> Iterator[None]:
    """Silence Ray Data's progress bars and INFO logs for the duration of our call."""
    from ray.data import DataContext

    context = DataContext.get_current()
    bars = context.enable_progress_bars
    logger = logging.getLogger("ray.data")
    level = logger.level
    context.enable_progress_bars = False
    logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        context.enable_progress_bars = bars
        logger.setLevel(level)


def _cancel(refs: Sequence[ray.ObjectRef]) -> None:
    for ref in refs:
        try:
            ray.cancel(ref, force=True)
        except Exception:  # already finished or gone
            pass


@dataclass
class TaskOutcome:
    """What became of one task: ``status`` is ``ok``, ``failed`` or ``timeout``."""

    status: str
    value: Any = None
    message: str = ""
    node_id: str | None = None  # the Ray node that ran it, when it finished


def _call_on_node(fn: Callable, *args: Any) -> tuple[str, Any]:
    """Run ``fn`` and report the node it ran on (for cluster diagnostics)."""
    return ray.get_runtime_context().get_node_id(), fn(*args)


def run_tasks(
    fn: Callable,
    calls: Sequence[tuple],
    *,
    timeout: float | None,
    on_done: Callable[[int, int], None] | None = None,
    weights: Sequence[int] | None = None,
) -> list[TaskOutcome]:
    """Run ``fn(*args)`` for each ``args`` in ``calls`` as Ray tasks.

    At most as many tasks are in flight as the cluster has CPUs, so a task starts
    soon after it is submitted and ``timeout`` (seconds from submission) measures
    its own run time. A task past its timeout is cancelled with its worker killed.
    ``on_done(done, total)`` is called after every finished task; with
    ``weights`` (units of work per task, e.g. fits in a batch) it counts units,
    once per unit. On any interruption (``KeyboardInterrupt`` included)
    outstanding tasks are cancelled.
    """
    _ensure()
    # SPREAD: fits are CPU-bound and their inputs small, so use every node.
    task = _remote(_call_on_node, scheduling_strategy="SPREAD")
    total = len(calls)
    outcomes: list[TaskOutcome | None] = [None] * total
    limit = total_cpus()
    pending: dict[ray.ObjectRef, tuple[int, float]] = {}
    next_call = 0
    done = 0
    units = [1] * total if weights is None else [int(w) for w in weights]
    total_units = sum(units)

    def finish(index: int, outcome: TaskOutcome) -> None:
        nonlocal done
        outcomes[index] = outcome
        for _ in range(units[index]):
            done += 1
            if on_done is not None:
                on_done(done, total_units)

    try:
        while next_call < total or pending:
            while next_call < total and len(pending) < limit:
                ref = task.remote(fn, *calls[next_call])
                pending[ref] = (next_call, time.monotonic())
                next_call += 1
            wait_for = None
            if timeout is not None:
                oldest = min(started for _, started in pending.values())
                wait_for = max(0.0, oldest + timeout - time.monotonic())
            ready, _ = ray.wait(list(pending), num_returns=1, timeout=wait_for)
            if ready:
                ready, _ = ray.wait(list(pending), num_returns=len(pending), timeout=0)
            for ref in ready:
                index, _ = pending.pop(ref)
                try:
                    node_id, value = ray.get(ref)
                    finish(index, TaskOutcome("ok", value, node_id=node_id))
                except (RayError, GetTimeoutError) as exc:
                    finish(index, TaskOutcome("failed", message=_describe(exc)))
            if timeout is not None:
                now = time.monotonic()
                expired = [ref for ref, (_, t0) in pending.items() if now - t0 >= timeout]
                _cancel(expired)
                for ref in expired:
                    index, _ = pending.pop(ref)
                    finish(index, TaskOutcome("timeout", message=f"cancelled after {timeout:g} s"))
    except BaseException:
        _cancel(list(pending))
        raise
    return outcomes  # type: ignore[return-value]


def _describe(exc: BaseException) -> str:
    if isinstance(exc, TaskCancelledError):
        return "task was cancelled"
    cause = getattr(exc, "cause", None)
    if cause is not None:
        return f"{type(cause).__name__}: {cause}"
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[-1] if text else ''}"


def map_to_refs(fn: Callable, calls: Sequence[tuple]) -> tuple[list, list]:
    """Run ``fn(*args)`` per call as Ray tasks returning ``(value, info)``.

    The values stay in the object store and come back as refs (e.g. to become
    Modin partitions without a trip through the driver); the small infos are
    fetched, which also raises any task's error here.
    """
    _ensure()
    task = _remote(fn, num_returns=2)
    pairs = [task.remote(*args) for args in calls]
    values = [pair[0] for pair in pairs]
    try:
        infos = ray.get([pair[1] for pair in pairs])
    except BaseException:
        _cancel(values)
        raise
    return values, infos


def dataset_from_pandas_refs(refs: Sequence[ray.ObjectRef]) -> Any:
    """A Ray Dataset over pandas frames already in the object store."""
    _ensure()
    import ray.data

    with quiet_ray_data():
        return ray.data.from_pandas_refs(list(refs))
