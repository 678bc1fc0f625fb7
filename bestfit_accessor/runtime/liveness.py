"""Is the Ray a call runs on still there? TCP probes of its head and this node.

When the head node dies, Ray blocks a driver's waits until, a minute later, it ends
the whole process, and a ``ray.put`` to a dead node's object store ends it at once.
A :class:`ClusterWatch` notices first, with a connect per endpoint at most once per
check, so a call can end with a typed error instead. Sockets only: no Ray import.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from .addresses import unreachable_reason

__all__ = ["ClusterWatch"]


@dataclass
class ClusterWatch:
    """Endpoints (what → ``host:port``) that must keep accepting connections.

    An endpoint counts as lost once it has refused or timed out on every probe for
    ``grace`` seconds (a restarting head may come back). Endpoints in ``final`` (this
    machine's raylet, which does not come back and whose death turns the next object
    store access into an exit of this process) are probed at every check and lost at
    their first failed probe; the others at most once per ``interval`` s while they
    answer.
    """

    endpoints: dict[str, str]
    grace: float = 10.0
    final: frozenset[str] = frozenset()
    probe_timeout: float = 1.0
    interval: float = 1.0
    _down_since: dict[str, float] = field(default_factory=dict, repr=False)
    _checked_at: float = field(default=float("-inf"), repr=False)

    def lost(self, *, force: bool = False) -> str | None:
        """A description of a lost endpoint, or None while none is lost."""
        now = time.monotonic()
        due = force or bool(self._down_since) or now - self._checked_at >= self.interval
        if due:
            self._checked_at = now
        for what, address in self.endpoints.items():
            if not (due or what in self.final):
                continue
            reason = unreachable_reason(address, self.probe_timeout)
            if reason is None:
                self._down_since.pop(what, None)
                continue
            since = self._down_since.setdefault(what, now)
            if what in self.final or now - since >= self.grace:
                waited = f" for {now - since:.0f} s" if now > since else ""
                return f"{what} at {address} has not answered{waited} ({reason})"
        return None

    def is_down(self) -> bool:
        """Whether an endpoint failed its latest probe (it may still come back)."""
        return bool(self._down_since)

    def settle(self, *, fresh: bool = False) -> str | None:
        """Wait until every endpoint answers (None) or one is lost (its description).

        Used before a step that a dead node would turn into a crash of this process,
        and before trusting failed tasks as the whole story. ``fresh`` probes every
        endpoint now, not only those due.
        """
        reason = self.lost(force=fresh)
        while reason is None and self.is_down():
            time.sleep(min(self.interval, self.grace))
            reason = self.lost(force=True)
        return reason
