"""The only part of the package that imports Ray: lifecycle, task submission, timeouts.

Ray is imported on first use, not on ``import bestfit_accessor``: the pure kernels
(``fitting``, ``summaries``, the maths of ``dependence``) and the accessor load
without it, and a script pays Ray's import time only when it runs work.

``ray_tasks`` talks to Ray; ``addresses`` (probing cluster addresses, reading Ray's
record of the last cluster) and ``liveness`` (watching a cluster during a call) use
sockets and files only, so that no call waits on a Ray that is gone.
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = [
    "TaskOutcome",
    "cluster_memory_bytes",
    "dataset_from_pandas_refs",
    "get",
    "init",
    "is_initialized",
    "map_blocks",
    "map_to_refs",
    "put",
    "quiet_ray_data",
    "run_tasks",
    "shutdown",
    "total_cpus",
]


def __getattr__(name: str) -> Any:
    if name in __all__:
        return getattr(importlib.import_module(".ray_tasks", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def init(
    address: str | None = None, *, num_cpus: int | None = None, **ray_init_kwargs: Any
) -> None:
    """Start or join Ray for bestfit_accessor (see :func:`.ray_tasks.init`)."""
    from .ray_tasks import init as _init

    _init(address, num_cpus=num_cpus, **ray_init_kwargs)


def shutdown() -> None:
    """Shut down Ray only if bestfit_accessor started it."""
    import sys

    module = sys.modules.get(f"{__name__}.ray_tasks")
    if module is not None:  # never imported: nothing of ours to shut down
        module.shutdown()
