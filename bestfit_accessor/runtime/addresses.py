"""Ray cluster addresses: read ``host:port``, probe it over TCP, read Ray's record.

Ray retries an address that does not answer for minutes, printing GCS time-outs, so
every address is probed here first with a short TCP connect. Sockets and files only:
this module does not import Ray.
"""

from __future__ import annotations

import os
import socket
import sys

from ..exceptions import RayConnectionError

__all__ = ["default_record_path", "host_and_port", "probe", "read_record", "unreachable_reason"]

#: The file ``ray start`` (and ``ray.cluster_utils.Cluster``) writes the address of the
#: last cluster started on this machine to, inside Ray's temp dir.
RECORD_NAME = "ray_current_cluster"


def host_and_port(address: str) -> tuple[str, int]:
    """``(host, port)`` of ``"host:port"``, ``"ray://host:port"`` or ``"[v6]:port"``."""
    target = address.strip().removeprefix("ray://").rsplit("/", 1)[0]
    host, _, port = target.rpartition(":")
    if not host or not port.isdigit():
        raise RayConnectionError(
            f"cannot read a host:port from Ray address {address!r} "
            "(expected 'auto', 'host:port' or 'ray://host:port')"
        )
    return host.strip("[]"), int(port)


def unreachable_reason(address: str, timeout: float) -> str | None:
    """Why a TCP connection to ``address`` fails within ``timeout`` s; None if it opens."""
    try:
        host, port = host_and_port(address)
    except RayConnectionError:
        return "not a host:port address"
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return None
    except OSError as exc:
        return str(exc) or type(exc).__name__


def probe(address: str, timeout: float) -> None:
    """Raise :class:`RayConnectionError` unless ``address`` accepts a TCP connection."""
    host_and_port(address)  # an address that cannot be read says so
    reason = unreachable_reason(address, timeout)
    if reason is not None:
        raise RayConnectionError(
            f"the Ray cluster at {address!r} is unreachable ({reason}); is it running, "
            "and is the port open?"
        )


def default_record_path(temp_dir: str | None = None) -> str:
    """Where Ray keeps its record of the last cluster, by Ray's own rule: the temp
    dir given to ``ray.init(_temp_dir=...)``, else ``$RAY_TMPDIR/ray``, else
    ``$TMPDIR/ray`` (Linux), else ``/tmp/ray``.

    Used only when the installed Ray no longer offers its own function for this.
    """
    if temp_dir is None:
        if "RAY_TMPDIR" in os.environ:
            root = os.environ["RAY_TMPDIR"]
        elif sys.platform.startswith("linux") and "TMPDIR" in os.environ:
            root = os.environ["TMPDIR"]
        else:
            root = os.path.join(os.sep, "tmp")
        temp_dir = os.path.join(root, "ray")
    return os.path.join(temp_dir, RECORD_NAME)


def read_record(path: str) -> str | None:
    """The address recorded in ``path``, or None when there is no (readable) record."""
    try:
        with open(path, encoding="utf-8") as handle:
            address = handle.read().strip()
    except OSError:
        return None
    return address or None
