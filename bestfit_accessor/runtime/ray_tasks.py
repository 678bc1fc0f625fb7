"""Ray lifecycle and task submission: the only module that imports Ray.

Uses the Ray the user already started, or starts a quiet local one (all CPUs, no
dashboard, worker logs kept out of the driver). A Ray this module did not start is
never shut down by it. No call hangs on a Ray that is gone: addresses are probed
before Ray is asked to join them, and every wait for tasks watches the cluster (see
:mod:`.liveness`), ending in :class:`RayClusterLostError` if it dies.
"""

from __future__ import annotations

import contextlib
import importlib
import logging
import os
import sys
import threading
import time
import warnings
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import ray
from ray.exceptions import GetTimeoutError, RayError, RayTaskError, TaskCancelledError

from ..exceptions import (
    RayAlreadyRunningWarning,
    RayClusterLostError,
    RayConnectionError,
    StaleRayAddressWarning,
)
from ..options import InstanceOf, Interval, validate
from ..progress import pass_progress
from .addresses import default_record_path, probe, read_record, unreachable_reason
from .liveness import ClusterWatch

__all__ = ["TaskOutcome", "init", "is_initialized", "map_blocks", "put", "run_tasks", "shutdown"]

_lock = threading.Lock()
_started_here = False
_remote_cache: dict[Callable, Any] = {}
_warned_stale: set[tuple[str, str]] = set()
_client_address: str | None = None  # the ray:// address init connected to, if any
_watch: tuple[str, ClusterWatch] | None = None  # (the GCS it watches, the watch)

#: Seconds to wait for a TCP connection to a cluster address before giving up.
CONNECT_TIMEOUT = 10.0
#: Seconds to wait for the cluster named in Ray's record (a local file: the cluster
#: is usually on this machine or its network, and a dead one must not cost much).
RECORD_CONNECT_TIMEOUT = 2.0
#: Seconds the head (or this machine's Ray node) may stop answering during a call
#: before the call gives up with :class:`RayClusterLostError`.
CLUSTER_LOST_AFTER = 10.0
#: Longest single wait on Ray between two looks at the cluster, in seconds.
WAIT_SLICE = 1.0


def init(
    address: str | None = None,
    *,
    num_cpus: int | None = None,
    **ray_init_kwargs: Any,
) -> None:
    """Start or join Ray for bestfit_accessor.

    ``address=None`` joins the cluster named by ``RAY_ADDRESS`` or by Ray's record of
    the last ``ray start`` on this machine when it answers, and otherwise starts a
    local Ray (a record of a cluster that is gone gives a
    :class:`StaleRayAddressWarning`); ``num_cpus`` caps a local Ray and then always
    starts a new one (default all cores).
    ``"auto"`` joins the cluster running on this machine, failing fast with
    :class:`RayConnectionError` when the recorded one is gone;
    ``"ray://host:10001"`` connects through Ray Client. If Ray is already
    initialised it is used as it is, with a :class:`RayAlreadyRunningWarning` when
    ``num_cpus`` or ``ray.init`` keywords were given (they cannot apply to a running
    Ray). Extra keyword arguments go to :func:`ray.init`.
    """
    global _started_here, _client_address
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
        kwargs["address"] = _checked_address(kwargs.get("address"), kwargs.get("_temp_dir"))
        try:
            ray.init(**kwargs)
        except Exception as exc:
            where = "a local Ray" if address is None else f"the Ray cluster at {address!r}"
            raise RayConnectionError(f"could not start or join {where}: {exc}") from exc
        _started_here = address is None
        target = kwargs["address"] or os.environ.get("RAY_ADDRESS") or ""
        _client_address = target if target.startswith("ray://") else None


def _checked_address(requested: str | None, temp_dir: str | None) -> str | None:
    """The address to hand to ``ray.init``, once what it leads to answers.

    Follows Ray's own order: an explicit address; else ``RAY_ADDRESS``; else (for
    None and ``"auto"``) the record of the last cluster started on this machine.
    Ray would spend minutes on a recorded cluster that is gone: for None this starts
    a local Ray instead (with a warning), for ``"auto"`` it is an error.
    """
    if requested == "local":
        return requested
    from_environment = os.environ.get("RAY_ADDRESS") or None
    target = from_environment if requested in (None, "auto") and from_environment else requested
    if target == "local":
        return requested
    if target not in (None, "auto"):
        probe(target, CONNECT_TIMEOUT)
        return requested
    record = _record_path(temp_dir)
    recorded = read_record(record)
    if recorded is None:
        return requested  # None starts a local Ray; "auto" looks for a running one
    reason = unreachable_reason(recorded, RECORD_CONNECT_TIMEOUT)
    if reason is None:
        return requested  # Ray joins the recorded cluster
    if target == "auto":
        asked = "address='auto'" if requested == "auto" else "RAY_ADDRESS=auto"
        raise RayConnectionError(
            f"{asked} found no running Ray: the cluster recorded in {record} at "
            f"{recorded} is gone ({reason}). Start one with `ray start --head` (or clear "
            "the stale record with `ray stop`), set RAY_ADDRESS to a running cluster, or "
            "call bestfit_accessor.init() without an address to run on a local Ray."
        )
    if (recorded, record) not in _warned_stale:
        _warned_stale.add((recorded, record))
        warnings.warn(
            f"Ray's record of the last cluster on this machine ({record}) names "
            f"{recorded}, which is gone ({reason}); starting a local Ray instead. "
            "`ray stop` clears the record; set RAY_ADDRESS or pass an address to join "
            "a running cluster.",
            StaleRayAddressWarning,
            stacklevel=_caller_stacklevel(),
        )
    return "local"


def _record_path(temp_dir: str | None) -> str:
    """Ray's file naming the last cluster started on this machine, found as Ray
    finds it (honouring ``_temp_dir``, ``RAY_TMPDIR`` and ``TMPDIR``)."""
    for module in ("ray._common.utils", "ray._private.utils"):  # where Ray kept it
        try:
            finder = importlib.import_module(module).get_ray_address_file
        except (ImportError, AttributeError):
            continue
        return finder(temp_dir)
    return default_record_path(temp_dir)


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


def _probe(address: str) -> None:
    """Fail fast on an unreachable address: Ray itself retries for minutes."""
    probe(address, CONNECT_TIMEOUT)


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
    """A Ray to run on: the one this process is connected to, if it is still there."""
    if not ray.is_initialized():
        init()
    else:
        _check_cluster(settle=True)


def _endpoints() -> dict[str, str]:
    """What must keep answering for this process's Ray to work: the head (its GCS)
    and this machine's Ray node, or with Ray Client the client server."""
    from ray.util.client import ray as client

    if client.is_connected():
        return {} if _client_address is None else {"the Ray Client server": _client_address}
    worker = ray._private.worker.global_worker
    found = {}
    with contextlib.suppress(Exception):  # private API: watch what can be found
        found[_HEAD] = str(worker.gcs_client.address)
    with contextlib.suppress(Exception):
        node = worker.node
        found[_THIS_NODE] = f"{node.node_ip_address}:{node.node_manager_port}"
    return found


_HEAD = "the head node's GCS"
_THIS_NODE = "this machine's Ray node"  # its raylet: once gone, it does not come back


def _check_cluster(*, settle: bool = False, fresh: bool = False) -> None:
    """Raise :class:`RayClusterLostError` if the Ray this process uses is gone.

    Called before every step that touches the object store (this machine's raylet
    is probed each time: a step on a dead one ends this process). ``settle`` waits
    (up to :data:`CLUSTER_LOST_AFTER`) for an endpoint that failed its last probe
    instead of carrying on; ``fresh`` probes the head now rather than trusting a
    probe of the last second.
    """
    global _watch
    endpoints = _endpoints()
    if not endpoints:
        return
    key = repr(sorted(endpoints.items()))
    if _watch is None or _watch[0] != key:
        watch = ClusterWatch(endpoints, grace=CLUSTER_LOST_AFTER, final=frozenset({_THIS_NODE}),
                             interval=WAIT_SLICE)  # fmt: skip
        _watch = (key, watch)
    watch = _watch[1]
    reason = watch.settle(fresh=fresh) if settle else watch.lost(force=fresh)
    if reason is None:
        return
    _disconnect()
    raise RayClusterLostError(
        f"the Ray this call ran on is gone: {reason}. The call was abandoned and returns "
        "no results, and this process has disconnected from that Ray. Start the cluster "
        "again (or point RAY_ADDRESS or address= at a running one) and repeat the call; "
        "with no cluster to join, the call runs on a new local Ray."
    )


#: Seconds to let ``ray.shutdown`` close this process's side of a dead Ray.
DISCONNECT_WAIT = 20.0


def _disconnect() -> None:
    """Drop this process's connection to a Ray that is gone.

    Without this, Ray ends the whole process a minute after losing its head; with
    it, the next call starts or joins a Ray afresh. A dead Ray can make
    ``ray.shutdown`` slow, so it gets :data:`DISCONNECT_WAIT` seconds in a thread.
    """
    global _started_here, _watch
    _started_here, _watch = False, None

    def close() -> None:
        with contextlib.suppress(Exception):
            ray.shutdown()

    closer = threading.Thread(target=close, name="bestfit-ray-disconnect", daemon=True)
    closer.start()
    closer.join(DISCONNECT_WAIT)


def _wait(refs: list, *, num_returns: int, timeout: float | None) -> tuple[list, list]:
    """``ray.wait`` in slices of :data:`WAIT_SLICE` s, looking at the cluster between
    slices (a wait on a Ray whose head died never returns on its own).

    It only learns which tasks finished, without fetching their values
    (``fetch_local=False``): a fetch that meets this machine's raylet dead ends the
    process, so values are fetched only just after the raylet was seen answering.
    """
    deadline = None if timeout is None else time.monotonic() + timeout
    while True:
        _check_cluster()
        left = WAIT_SLICE if deadline is None else max(0.0, deadline - time.monotonic())
        ready, rest = ray.wait(refs, num_returns=num_returns, timeout=min(WAIT_SLICE, left),
                               fetch_local=False)  # fmt: skip
        if len(ready) >= num_returns or (deadline is not None and time.monotonic() >= deadline):
            _check_cluster()  # the caller fetches the ready values next
            return ready, rest


def _gather(refs: list) -> list:
    """``ray.get(refs)``, looking at the cluster while waiting and when a task was
    lost rather than raising an error of its own."""
    if not refs:
        return []
    _wait(refs, num_returns=len(refs), timeout=None)
    try:
        return ray.get(refs)
    except RayError as exc:
        if not isinstance(exc, RayTaskError):
            _check_cluster(settle=True, fresh=True)
        raise


def total_cpus() -> int:
    _ensure()
    return max(1, int(ray.cluster_resources().get("CPU", 1)))


def cluster_memory_bytes() -> float:
    """Memory the cluster offers to tasks plus its object store."""
    _ensure()
    resources = ray.cluster_resources()
    return float(resources.get("memory", 0) + resources.get("object_store_memory", 0))


def put(value: Any) -> ray.ObjectRef:
    _ensure()  # a put to a dead node's object store would end this process
    return ray.put(value)


def get(refs: Sequence[ray.ObjectRef]) -> list:
    """The values behind object refs, fetched to the driver."""
    _ensure()
    return _gather(list(refs))


def _remote(fn: Callable, **options: Any):
    key = (fn, tuple(sorted(options.items())))
    if key not in _remote_cache:
        _remote_cache[key] = ray.remote(**options)(fn) if options else ray.remote(fn)
    return _remote_cache[key]


def map_blocks(fn: Callable, blocks: Sequence[Any], per_block_args: Sequence[tuple], *,
               label: str | None = None) -> list:  # fmt: skip
    """Run ``fn(block, *args)`` as one Ray task per block; results in block order.

    ``label`` names the pass for the active progress reporter (see
    :func:`bestfit_accessor.progress.reporting`), which then hears of each task done.
    """
    _ensure()
    task = _remote(fn)
    refs = [task.remote(block, *args) for block, args in zip(blocks, per_block_args, strict=True)]
    try:
        update = None if label is None else pass_progress(label, len(refs))
        if update is not None:
            waiting, done = list(refs), 0
            while waiting:
                ready, waiting = _wait(waiting, num_returns=1, timeout=None)
                done += len(ready)
                update(done)
        return _gather(refs)
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
    if not ray.is_initialized():  # disconnected from a Ray that is gone: nothing runs
        return  # (and a Ray call now would start a new Ray just to cancel)
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
    lost_tasks = False  # a task failed by Ray's doing (worker or node died), not its own

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
            ready, _ = _wait(list(pending), num_returns=1, timeout=wait_for)
            if ready:
                ready, _ = ray.wait(list(pending), num_returns=len(pending), timeout=0,
                                    fetch_local=False)  # fmt: skip
            for ref in ready:
                index, _ = pending.pop(ref)
                try:
                    node_id, value = ray.get(ref)
                    finish(index, TaskOutcome("ok", value, node_id=node_id))
                except (RayError, GetTimeoutError) as exc:
                    lost_tasks |= not isinstance(exc, RayTaskError)
                    finish(index, TaskOutcome("failed", message=_describe(exc)))
            if timeout is not None:
                now = time.monotonic()
                expired = [ref for ref, (_, t0) in pending.items() if now - t0 >= timeout]
                _cancel(expired)
                for ref in expired:
                    index, _ = pending.pop(ref)
                    finish(index, TaskOutcome("timeout", message=f"cancelled after {timeout:g} s"))
        if lost_tasks:  # failures of a Ray that is gone are not results
            _check_cluster(settle=True, fresh=True)
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
        infos = _gather([pair[1] for pair in pairs])
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
