"""Counters a test can assert on. Every property returns a snapshot (safe to keep and compare)."""

from __future__ import annotations

import threading
from collections import Counter
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from a2e_faceswap.testing._faults import FaultKind
    from a2e_faceswap.testing._server import ConnectionRegistry

#: The status recorded for a request whose connection was dropped without an HTTP answer.
NO_ANSWER = 0


class SimStats:
    """What the simulator has seen.

    ``requests`` counts answers per (route, HTTP status); route is the operationId, or ``upload_put``,
    ``cdn``, ``result`` (``unknown`` for paths outside the API). A dropped connection counts as
    status 0 (``NO_ANSWER``); a cut-off body counts with the status that was sent.
    """

    def __init__(self, connections: ConnectionRegistry) -> None:
        self._lock = threading.Lock()
        self._connections = connections
        self._requests: Counter[tuple[str, int]] = Counter()
        self._tasks: Counter[str] = Counter()
        self._faults: Counter[tuple[str, FaultKind]] = Counter()
        self._violations: list[str] = []
        self._webhooks: Counter[str] = Counter()

    # ------------------------------------------------------------------ reading
    @property
    def requests(self) -> Counter[tuple[str, int]]:
        with self._lock:
            return Counter(self._requests)

    def requests_to(self, route: str) -> int:
        """Requests answered (or dropped) on one route, whatever their status."""
        with self._lock:
            return sum(n for (r, _), n in self._requests.items() if r == route)

    @property
    def tasks_created_by_name(self) -> Counter[str]:
        """Tasks created per ``name`` (a name seen twice means a duplicate paid task)."""
        with self._lock:
            return Counter(self._tasks)

    @property
    def faults_injected(self) -> Counter[tuple[str, FaultKind]]:
        with self._lock:
            return Counter(self._faults)

    @property
    def webhooks(self) -> Counter[str]:
        """Webhook POSTs by outcome (``delivered``, ``rejected``, ``unreachable``), ``skipped`` URLs and
        the faults drawn, by kind (``dropped``, ``delayed``...; see ``_webhooks``)."""
        with self._lock:
            return Counter(self._webhooks)

    @property
    def contract_violations(self) -> list[str]:
        with self._lock:
            return list(self._violations)

    @property
    def open_connections(self) -> int:
        """TCP connections to the simulator that are open right now."""
        return self._connections.open

    @property
    def connections_total(self) -> int:
        """TCP connections accepted since the simulator started."""
        return self._connections.total

    # ------------------------------------------------------------------ recording (server side)
    def record_request(self, route: str, status: int) -> None:
        with self._lock:
            self._requests[(route, status)] += 1

    def record_task(self, name: str) -> None:
        with self._lock:
            self._tasks[name] += 1

    def record_fault(self, route: str, kind: FaultKind) -> None:
        with self._lock:
            self._faults[(route, kind)] += 1

    def record_webhook(self, outcome: str) -> None:
        with self._lock:
            self._webhooks[outcome] += 1

    def record_violations(self, messages: list[str]) -> None:
        with self._lock:
            self._violations.extend(messages)

    def violations_since(self, index: int) -> list[str]:
        with self._lock:
            return self._violations[index:]

    def reset(self) -> None:
        """Forget the request, task, fault and webhook counters (contract violations are kept)."""
        with self._lock:
            self._requests.clear()
            self._tasks.clear()
            self._faults.clear()
            self._webhooks.clear()

    def __repr__(self) -> str:
        requests = sum(self.requests.values())
        tasks = sum(self.tasks_created_by_name.values())
        return (
            f"SimStats(requests={requests}, tasks={tasks}, open_connections={self.open_connections},"
            f" contract_violations={len(self.contract_violations)})"
        )
