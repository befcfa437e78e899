"""Webhook deliveries: the simulator POSTs to a task's ``webhook_url`` when the task ends, by itself.

A task created with a ``webhook_url`` is tracked from its creation. A background thread (started with
the first such task, stopped with the simulator) watches the simulated clock and sends the delivery
as soon as the task's terminal instant has passed: with ``speed > 0`` it sleeps until then, and a
``clock.advance()`` or a speed change wakes it at once (the clock tells it). Nothing waits for a read.

Where it delivers: only to loopback hosts (127.0.0.0/8, ``::1``, ``localhost``), and only when the
simulator was created with ``webhooks_to_loopback=True``; any other URL is never called (a test must
not leave the machine) and is counted ``skipped``. The header ``X-A2e-Webhook-Token`` carries the
task's ``webhook_token`` (no header when it has none); the API token is never sent.

**The payload is assumed** (A2E documents none): ``{"event": "task.completed" | "task.failed",
"data": <the task's detail record at the moment of sending>}``, as JSON.

Faults (``sim.webhook_faults``, drawn once per task when it is created, from the seed):

- ``dropped``: never sent; ``delayed``: sent ``delay`` real seconds late (default 0.5);
- ``duplicated``: sent twice; ``early``: sent once, halfway through the task (its record then says
  ``processing``) and not again; ``wrong_token``: the header carries a wrong token.

``sim.stats.webhooks`` counts each POST's outcome, ``delivered`` (2xx), ``rejected`` (another status) or
``unreachable`` (no answer); ``skipped`` (a URL it may not call); and each fault drawn, by its kind
(``dropped`` ones are never sent, a ``duplicated`` one makes two POSTs).
"""

from __future__ import annotations

import heapq
import json
import random
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import httpx

from a2e_faceswap._validation import is_loopback_host

if TYPE_CHECKING:
    from collections.abc import Callable

    from a2e_faceswap.testing._clock import SimClock
    from a2e_faceswap.testing._state import SimTask
    from a2e_faceswap.testing._stats import SimStats

HEADER = "X-A2e-Webhook-Token"
#: Share of a task's duration at which an ``early`` delivery is sent.
_EARLY_AT = 0.5
#: Longest the sender sleeps without looking at the clock again (a safety net: the clock wakes it).
_MAX_NAP = 0.5
_SEND_TIMEOUT = 5.0


class WebhookFault(StrEnum):
    """What can go wrong with one task's delivery (see the module docstring)."""

    DROPPED = "dropped"
    DELAYED = "delayed"
    DUPLICATED = "duplicated"
    EARLY = "early"
    WRONG_TOKEN = "wrong_token"  # noqa: S105 - a fault name, not a secret


@dataclass
class _Rule:
    kind: WebhookFault
    probability: float
    times: int | None
    delay: float | None


class WebhookFaults:
    """Delivery faults, thread-safe: ``add(kind, probability, times=, delay=)`` draws per task at random
    (seeded); ``script([kind, None, ...])`` gives the next tasks exactly these first; ``clear()``."""

    def __init__(self, seed: int) -> None:
        self._lock = threading.Lock()
        self._rng = random.Random(f"{seed}:webhooks")  # noqa: S311 - reproducible on purpose
        self._rules: list[_Rule] = []
        self._script: deque[WebhookFault | None] = deque()
        #: Real seconds a ``delayed`` delivery waits unless its rule says otherwise.
        self.delay = 0.5

    def add(
        self,
        kind: WebhookFault | str,
        probability: float = 1.0,
        *,
        times: int | None = None,
        delay: float | None = None,
    ) -> None:
        if not 0.0 <= probability <= 1.0:
            raise ValueError(f"probability must be between 0 and 1, got {probability}")
        with self._lock:
            self._rules.append(_Rule(WebhookFault(kind), probability, times, delay))

    def script(self, kinds: list[WebhookFault | str | None]) -> None:
        with self._lock:
            self._script.extend(None if k is None else WebhookFault(k) for k in kinds)

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()
            self._script.clear()

    def draw(self) -> tuple[WebhookFault | None, float]:
        """The fault for the next task (and a delayed one's real seconds)."""
        with self._lock:
            if self._script:
                return self._script.popleft(), self.delay
            roll = self._rng.random()
            for rule in self._rules:
                if rule.times is not None and rule.times <= 0:
                    continue
                if roll < rule.probability:
                    if rule.times is not None:
                        rule.times -= 1
                    return rule.kind, (self.delay if rule.delay is None else rule.delay)
                roll -= rule.probability
            return None, self.delay


@dataclass(order=True)
class _Due:
    sim_at: float
    sequence: int
    task: SimTask = field(compare=False)
    fault: WebhookFault | None = field(compare=False)
    delay: float = field(compare=False)


def loopback(url: str) -> bool:
    """Whether ``url`` is http(s) to a loopback host (the client's own rule, ``is_loopback_host``)."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and is_loopback_host(host)


class WebhookSender:
    """Tracks tasks with a ``webhook_url`` and delivers their notifications on the simulated clock."""

    def __init__(self, *, clock: SimClock, stats: SimStats, faults: WebhookFaults, to_loopback: bool) -> None:
        self._clock = clock
        self._stats = stats
        self._faults = faults
        self._to_loopback = to_loopback
        self._wake = threading.Condition()
        self._due: list[_Due] = []  # heap on the simulated instant
        self._ready: list[tuple[float, int, _Due]] = []  # heap on the real instant (delayed ones)
        self._sequence = 0
        self._thread: threading.Thread | None = None
        self._stopped = False
        self._http: httpx.Client | None = None
        #: Renders a task's detail record for the payload (set by the simulator: needs the state).
        self.render: Callable[[SimTask], dict[str, Any]] | None = None
        clock.subscribe(self.poke)

    def poke(self) -> None:
        """The clock moved by hand (or changed speed): look again now."""
        with self._wake:
            self._wake.notify_all()

    def track(self, task: SimTask) -> None:
        """Called (under the state's lock) when a task with a ``webhook_url`` is created."""
        fault, delay = self._faults.draw()
        if fault is not None:
            self._stats.record_webhook(str(fault))
        share = _EARLY_AT if fault is WebhookFault.EARLY else 1.0
        with self._wake:
            if self._stopped:
                return
            self._sequence += 1
            heapq.heappush(
                self._due, _Due(task.created + task.duration * share, self._sequence, task, fault, delay)
            )
            if self._thread is None:  # its httpx client is made by the thread: not under the state's lock
                self._thread = threading.Thread(target=self._run, name="a2e-sim-webhooks", daemon=True)
                self._thread.start()
            self._wake.notify_all()

    def stop(self) -> None:
        with self._wake:
            self._stopped = True
            self._wake.notify_all()
            thread = self._thread
        if thread is not None:
            thread.join(timeout=_SEND_TIMEOUT + 1)
        if self._http is not None:
            self._http.close()

    # ------------------------------------------------------------------ the thread
    def _run(self) -> None:
        http = httpx.Client(timeout=_SEND_TIMEOUT, trust_env=False, follow_redirects=False)
        with self._wake:
            if self._stopped:
                http.close()
                return
            self._http = http
        while True:
            with self._wake:
                if self._stopped:
                    return
                batch = self._take()
                if not batch:
                    self._wake.wait(self._nap())
                    continue
            for due in batch:
                self._deliver(due)

    def _take(self) -> list[_Due]:
        """Deliveries whose moment has come (moving delayed ones to the real-time heap)."""
        now_sim, now_real = self._clock.now(), time.monotonic()
        out: list[_Due] = []
        while self._due and self._due[0].sim_at <= now_sim:
            due = heapq.heappop(self._due)
            if due.fault is WebhookFault.DELAYED:
                heapq.heappush(self._ready, (now_real + due.delay, due.sequence, due))
            else:
                out.append(due)
        while self._ready and self._ready[0][0] <= now_real:
            out.append(heapq.heappop(self._ready)[2])
        return out

    def _nap(self) -> float:
        nap = _MAX_NAP
        speed = self._clock.speed
        if self._due and speed > 0:
            nap = min(nap, max(0.0, (self._due[0].sim_at - self._clock.now()) / speed))
        if self._ready:
            nap = min(nap, max(0.0, self._ready[0][0] - time.monotonic()))
        return nap

    def _deliver(self, due: _Due) -> None:
        task = due.task
        url = task.webhook_url or ""
        if due.fault is WebhookFault.DROPPED:  # counted when drawn
            return
        if not (self._to_loopback and loopback(url)):
            self._stats.record_webhook("skipped")
            return
        record = self.render(task) if self.render is not None else {"_id": task.id}
        status = record.get("current_status")
        event = "task.failed" if status == "failed" or task.failure is not None else "task.completed"
        body = json.dumps({"event": event, "data": record}).encode()
        headers = {"Content-Type": "application/json"}
        if task.webhook_token:
            token = task.webhook_token
            headers[HEADER] = token + "-forged" if due.fault is WebhookFault.WRONG_TOKEN else token
        elif due.fault is WebhookFault.WRONG_TOKEN:
            headers[HEADER] = "forged"
        for _ in range(2 if due.fault is WebhookFault.DUPLICATED else 1):
            self._send(url, body, headers)

    def _send(self, url: str, body: bytes, headers: dict[str, str]) -> None:
        assert self._http is not None
        try:
            answer = self._http.post(url, content=body, headers=headers)
        except httpx.HTTPError:
            self._stats.record_webhook("unreachable")
            return
        self._stats.record_webhook("delivered" if 200 <= answer.status_code < 300 else "rejected")
