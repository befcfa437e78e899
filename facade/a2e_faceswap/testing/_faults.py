"""Fault injection: which requests the simulator answers badly, and how.

A fault is drawn for each request before it is handled, from (in this order) the route's scripted
sequence, then the probability rules that match the route. Every route has its own random stream
derived from the simulator's seed, so the faults one route sees do not depend on how its requests
interleave with other routes' requests.
"""

from __future__ import annotations

import random
import threading
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from a2e_faceswap.testing._spec import operations

#: operationIds of openapi/a2e.yaml, the routes of the API proper (read from the spec, see ``_spec``).
API_OPERATIONS: tuple[str, ...] = tuple(operation.id for operation in operations())
#: Routes outside the API: the upload PUT, the CDN copy of uploads and the result files.
FILE_ROUTES: tuple[str, ...] = ("upload_put", "cdn", "result")
#: Route name matching every API operation (but not the file routes, which must be named).
ANY_API_ROUTE = "*"


class FaultKind(StrEnum):
    """What can go wrong with one request. The values are the names used in fault spec strings."""

    #: HTTP 500 with A2E's JSON error envelope. Not applied.
    HTTP_500 = "http_500"
    #: HTTP 502 with a JSON envelope (a gateway answer, outside the contract). Not applied.
    HTTP_502 = "http_502"
    #: HTTP 503 with A2E's JSON error envelope. Not applied.
    HTTP_503 = "http_503"
    #: HTTP 502 with an HTML page, as a load balancer sends it. Not applied.
    HTTP_502_HTML = "http_502_html"
    #: HTTP 503 with an HTML page, as a load balancer sends it. Not applied.
    HTTP_503_HTML = "http_503_html"
    #: HTTP 429 without Retry-After. Not applied.
    HTTP_429 = "http_429"
    #: HTTP 429 with ``Retry-After`` (``FaultPlan.retry_after`` seconds). Not applied.
    HTTP_429_RETRY_AFTER = "http_429_retry_after"
    #: The TCP connection is reset before any answer; the request is not applied.
    RESET = "reset"
    #: The normal answer, delayed by ``delay`` (or ``FaultPlan.slow_seconds``) real seconds. Applied.
    SLOW = "slow"
    #: HTTP 200, ``application/json``, body cut off mid-object. Not applied.
    MALFORMED_JSON = "malformed_json"
    #: HTTP 200, ``application/json``, a JSON value that is not an object (``[]``, ``"ok"``, ...).
    #: Not applied.
    NON_OBJECT_JSON = "non_object_json"
    #: HTTP 200 with ``{"code": 429, "msg": ...}``: busy, not applied, safe to retry.
    CODE_BUSY = "code_busy"
    #: HTTP 200 with ``{"code": 1003, "msg": ...}``: refused by moderation, not applied.
    CODE_MODERATION = "code_moderation"
    #: HTTP 403 with ``{"code": 1003, "msg": ...}``: moderation as A2E's reference documents it for its
    #: other face products (the contract lists 403 on create_task and create_preview). Not applied.
    HTTP_403_MODERATION = "http_403_moderation"
    #: The request succeeds, but the task or preview it creates ends ``failed``.
    TASK_FAILURE = "task_failure"
    #: The request is applied (the task is created, credits are spent), then the connection drops
    #: without an answer.
    APPLIED_THEN_RESET = "applied_then_reset"
    #: The request is applied; the status line, the headers (with the full Content-Length) and part of
    #: the body are sent, then the connection drops. On ``result`` this is a download cut off midway.
    RESET_MID_BODY = "reset_mid_body"

    @property
    def applies_request(self) -> bool:
        """Whether the simulator carries the request out despite the fault."""
        return self in _APPLIED

    @property
    def needs_socket(self) -> bool:
        """Whether the fault acts on the TCP connection (a reset), which only the threaded server has: an
        in-process simulator (``Simulator(in_process=True)``) refuses these kinds."""
        return self in SOCKET_FAULTS

    @property
    def is_contract_shaped(self) -> bool:
        """Whether the answer has a shape the contract describes, so the simulator checks it (strict mode
        turns a mismatch into a violation), or is deliberately off the contract: an HTML page, broken or
        non-object JSON, a dropped connection, a 502 the contract does not list. An HTTP 200 carrying an
        error code (CODE_BUSY, CODE_MODERATION) is contract-shaped: every 200 of the contract is its
        success envelope or BusinessError. HTTP_403_MODERATION is checked only on the operations whose
        contract lists 403 (the simulator asks the contract); elsewhere it stays an off-contract answer."""
        return self not in _OFF_CONTRACT


_APPLIED = frozenset(
    {FaultKind.SLOW, FaultKind.TASK_FAILURE, FaultKind.APPLIED_THEN_RESET, FaultKind.RESET_MID_BODY}
)
#: Faults that reset the connection: the threaded server only.
SOCKET_FAULTS = frozenset({FaultKind.RESET, FaultKind.APPLIED_THEN_RESET, FaultKind.RESET_MID_BODY})
_OFF_CONTRACT = frozenset(
    {
        FaultKind.HTTP_502,
        FaultKind.HTTP_502_HTML,
        FaultKind.HTTP_503_HTML,
        FaultKind.MALFORMED_JSON,
        FaultKind.NON_OBJECT_JSON,
        FaultKind.RESET,
        FaultKind.APPLIED_THEN_RESET,
        FaultKind.RESET_MID_BODY,
    }
)


@dataclass
class FaultRule:
    """A probability rule: each request on ``route`` gets ``kind`` with ``probability``."""

    kind: FaultKind
    route: str = ANY_API_ROUTE
    probability: float = 1.0
    #: How many more times the rule may fire (None: no limit).
    times: int | None = None
    #: SLOW only: real seconds to wait (None: the plan's ``slow_seconds``).
    delay: float | None = None

    def matches(self, route: str) -> bool:
        if self.times is not None and self.times <= 0:
            return False
        if self.route == ANY_API_ROUTE:
            return route in API_OPERATIONS
        return self.route == route


@dataclass(frozen=True)
class Fault:
    """A fault drawn for one request."""

    kind: FaultKind
    #: SLOW: real seconds to wait. 429 with Retry-After: the header's value.
    delay: float = 0.0
    retry_after: int = 1


def _route(route: str) -> str:
    if route != ANY_API_ROUTE and route not in API_OPERATIONS and route not in FILE_ROUTES:
        known = ", ".join((ANY_API_ROUTE, *API_OPERATIONS, *FILE_ROUTES))
        raise ValueError(f"unknown route {route!r}; known routes: {known}")
    return route


def _kind(kind: FaultKind | str) -> FaultKind:
    try:
        return FaultKind(kind.lower() if isinstance(kind, str) else kind)
    except ValueError:
        known = ", ".join(k.value for k in FaultKind)
        raise ValueError(f"unknown fault kind {kind!r}; known kinds: {known}") from None


class FaultPlan:
    """The faults a simulator injects. Thread-safe; change it at any time, also while requests run::

    plan.add(FaultKind.HTTP_503, route="get_task", probability=0.3)
    plan.script("create_task", [FaultKind.APPLIED_THEN_RESET, None, FaultKind.HTTP_500])
    plan.add_spec("list_task_records:http_429_retry_after:0.5,delete_task=reset/none")
    """

    def __init__(self, seed: int = 0, *, slow_seconds: float = 2.0, retry_after: int = 1) -> None:
        self._seed = seed
        self._lock = threading.Lock()
        self._rules: list[FaultRule] = []
        self._scripts: dict[str, deque[tuple[FaultKind | None, float | None]]] = {}
        self._rngs: dict[str, random.Random] = {}
        self._history: list[tuple[str, FaultKind]] = []
        #: Real seconds a SLOW answer waits unless its rule says otherwise.
        self.slow_seconds = slow_seconds
        #: Value of the Retry-After header of HTTP_429_RETRY_AFTER.
        self.retry_after = retry_after
        #: Why socket faults are refused (set by ``refuse_socket_faults``), or None.
        self._no_sockets: str | None = None

    # ------------------------------------------------------------------ configuration
    def add(
        self,
        kind: FaultKind | str,
        route: str = ANY_API_ROUTE,
        probability: float = 1.0,
        *,
        times: int | None = None,
        delay: float | None = None,
    ) -> FaultRule:
        """Inject ``kind`` into requests on ``route`` (``"*"``: every API operation) with ``probability``.

        Several rules on one route share one draw per request: their probabilities add up (capped at 1).
        ``times`` limits how often the rule fires; ``delay`` sets a SLOW rule's wait in real seconds.
        """
        if not 0.0 <= probability <= 1.0:
            raise ValueError(f"probability must be between 0 and 1, got {probability}")
        if times is not None and times < 0:
            raise ValueError(f"times must be >= 0, got {times}")
        rule = FaultRule(self._allowed(_kind(kind)), _route(route), probability, times, delay)
        with self._lock:
            self._rules.append(rule)
        return rule

    def script(
        self, route: str, sequence: Iterable[FaultKind | str | tuple[FaultKind | str, float] | None]
    ) -> None:
        """Give the next requests on ``route`` exactly these faults, in order (None: no fault; a
        ``(kind, delay)`` pair gives a SLOW fault its own delay).

        The script is consumed one entry per request and takes precedence over probability rules; once
        used up, the rules apply again. Calling it again appends to what is left of the script.
        """
        route = _route(route)
        if route == ANY_API_ROUTE:
            raise ValueError("a script needs one route, not '*'")
        items = [_scripted(item) for item in sequence]
        for kind, _ in items:
            if kind is not None:
                self._allowed(kind)
        with self._lock:
            self._scripts.setdefault(route, deque()).extend(items)

    def add_spec(self, spec: str) -> None:
        """Apply a fault spec string (the format of ``--faults``), see ``parse_fault_spec``."""
        rules, scripts = parse_fault_spec(spec)
        for rule in rules:
            self.add(rule.kind, rule.route, rule.probability, times=rule.times, delay=rule.delay)
        for route, sequence in scripts:
            self.script(route, sequence)

    def refuse_socket_faults(self, reason: str) -> None:
        """From now on ``add`` / ``script`` raise ValueError (with ``reason``) for kinds that need a
        socket (``FaultKind.needs_socket``); raises at once if a rule or script already holds one."""
        with self._lock:
            self._no_sockets = reason
            held = [rule.kind for rule in self._rules] + [
                kind for script in self._scripts.values() for kind, _ in script if kind is not None
            ]
        for kind in held:
            self._allowed(kind)

    def _allowed(self, kind: FaultKind) -> FaultKind:
        if self._no_sockets is not None and kind.needs_socket:
            raise ValueError(f"fault {kind.value!r} needs a socket: {self._no_sockets}")
        return kind

    def clear(self) -> None:
        """Remove every rule and script (the random streams and the history are kept)."""
        with self._lock:
            self._rules.clear()
            self._scripts.clear()

    # ------------------------------------------------------------------ inspection
    @property
    def rules(self) -> list[FaultRule]:
        with self._lock:
            return list(self._rules)

    @property
    def history(self) -> list[tuple[str, FaultKind]]:
        """Every fault injected so far, as (route, kind), in the order they were drawn."""
        with self._lock:
            return list(self._history)

    def pending_script(self, route: str) -> list[FaultKind | None]:
        with self._lock:
            return [kind for kind, _ in self._scripts.get(route, ())]

    # ------------------------------------------------------------------ drawing
    def draw(self, route: str) -> Fault | None:
        """The fault for the next request on ``route``, or None."""
        with self._lock:
            kind: FaultKind | None = None
            rule: FaultRule | None = None
            scripted_delay: float | None = None
            script = self._scripts.get(route)
            if script:
                kind, scripted_delay = script.popleft()
            else:
                matching = [r for r in self._rules if r.matches(route)]
                if not matching:
                    return None
                rng = self._rngs.get(route)
                if rng is None:
                    rng = self._rngs[route] = random.Random(f"{self._seed}:faults:{route}")  # noqa: S311
                u = rng.random()
                total = 0.0
                for candidate in matching:
                    total += candidate.probability
                    if u < total:
                        rule = candidate
                        kind = candidate.kind
                        if candidate.times is not None:
                            candidate.times -= 1
                        break
            if kind is None:
                return None
            self._history.append((route, kind))
            delay = rule.delay if rule is not None and rule.delay is not None else scripted_delay
            if delay is None:
                delay = self.slow_seconds
            return Fault(kind, delay=delay, retry_after=self.retry_after)


def _scripted(
    item: FaultKind | str | tuple[FaultKind | str, float] | None,
) -> tuple[FaultKind | None, float | None]:
    if isinstance(item, tuple):
        return _kind(item[0]), float(item[1])
    return (None if item is None or item == "none" else _kind(item)), None


def parse_fault_spec(spec: str) -> tuple[list[FaultRule], list[tuple[str, list[FaultKind | None]]]]:
    """Parse a fault spec string into probability rules and scripts.

    The spec is a comma-separated list of items (blanks ignored):

    - ``ROUTE:KIND[:PROBABILITY]`` a probability rule (probability defaults to 1);
      e.g. ``get_task:http_503:0.3``, ``*:reset:0.05``.
    - ``ROUTE=KIND/KIND/...`` a scripted sequence, ``none`` for "no fault";
      e.g. ``create_task=applied_then_reset/none/http_500``.

    ROUTE is an operationId, ``*`` (every API operation), ``upload_put``, ``cdn`` or ``result``; KIND is a
    ``FaultKind`` value such as ``http_429_retry_after`` (case does not matter).
    """
    rules: list[FaultRule] = []
    scripts: list[tuple[str, list[FaultKind | None]]] = []
    for raw in spec.split(","):
        item = raw.strip()
        if not item:
            continue
        if "=" in item:
            route, _, sequence = item.partition("=")
            kinds = [part.strip().lower() for part in sequence.split("/")]
            if not all(kinds):
                raise ValueError(f"empty entry in fault script {item!r}")
            scripts.append(
                (_route(route.strip()), [None if kind == "none" else _kind(kind) for kind in kinds])
            )
            continue
        parts = [part.strip() for part in item.split(":")]
        if len(parts) not in (2, 3):
            raise ValueError(f"fault rule {item!r} is not ROUTE:KIND[:PROBABILITY]")
        probability = 1.0
        if len(parts) == 3:
            try:
                probability = float(parts[2])
            except ValueError:
                raise ValueError(f"probability of fault rule {item!r} is not a number") from None
            if not 0.0 <= probability <= 1.0:
                raise ValueError(f"probability of fault rule {item!r} is not between 0 and 1")
        rules.append(FaultRule(_kind(parts[1]), _route(parts[0]), probability))
    return rules, scripts
