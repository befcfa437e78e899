"""Receiving A2E's webhook notifications: verify a delivery, read it, serve a receiver.

A2E calls a task's ``webhook_url`` once it reaches a terminal state (``task.completed`` /
``task.failed``), sending the task's ``webhook_token`` back in the ``X-A2e-Webhook-Token`` header.
Delivery is best effort: a single attempt, no retries. An event is therefore a hint, never the truth:
read the task with ``tasks.get`` before acting on it (A2E's docs say the detail endpoint stays the
source of truth), and keep polling as the safety net for a delivery that never comes.

From any web framework (Flask, Django...), in the view::

    from a2e_faceswap import webhooks

    webhooks.verify(request.headers, token)    # WebhookVerificationError -> answer 401
    event = webhooks.parse(request.get_data())  # WebhookPayloadError -> answer 400 (413 if too_large)
    # event.task_id, event.event, event.status, event.task (or None)

``app(token, on_event=..., queue=...)`` is a ready receiver: a Starlette ASGI app (the ``webhooks``
extra) to mount in FastAPI/Starlette or serve with uvicorn. ``Listener(token)`` serves one on a local
port (or feeds one you mount) and lets ``tasks.wait(task, events=listener)`` wake on its events, with
polling kept as the safety net. This module itself imports no web framework.

**The payload is not documented by A2E.** ``parse`` accepts these assumed shapes (an object at the
top, the rest tolerated):

- the task record itself, as the detail endpoint gives it (``_id``, ``current_status``, ...);
- a wrapper ``{"event": "task.completed", "data": {...record...}}`` (also ``type`` for ``event``;
  ``task``, ``record`` or ``result`` for ``data``);
- the task id under ``_id``, ``id`` or ``task_id`` (in the record or the wrapper).

The status comes from the record's ``current_status`` (or ``status``), else from the event's name.
``event.task`` is a ``Task`` only when the record carries a status. Anything else (no JSON object, no
task id, nesting too deep, a body past ``MAX_BODY``) is a ``WebhookPayloadError``, never a bare Python
error. Neither token ever appears in an error or a log line.
"""

from __future__ import annotations

import contextlib
import hmac
import json
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ._logging import register_secret
from .errors import InvalidInputError, WebhookPayloadError, WebhookVerificationError
from .models import Task, TaskStatus

if TYPE_CHECKING:
    import asyncio

    from starlette.applications import Starlette

    from ._webhook_listener import Inbox, Listener, Watch

__all__ = [
    "HEADER",
    "MAX_BODY",
    "Inbox",
    "Listener",
    "Watch",
    "WebhookEvent",
    "app",
    "parse",
    "verify",
]

#: The header A2E sends the task's ``webhook_token`` back in (compared case-insensitively).
HEADER = "X-A2e-Webhook-Token"
#: Largest body ``parse`` and ``app`` read (1 MiB): a task record is a few KiB.
MAX_BODY = 1024 * 1024
#: Longest task id accepted (A2E's are 24 hex digits; this only bounds what a forged body can make us keep).
_MAX_ID = 128

_EVENT_STATUS = {"task.completed": TaskStatus.COMPLETED, "task.failed": TaskStatus.FAILED}
_STATUS_EVENT = {status: name for name, status in _EVENT_STATUS.items()}
_WRAPPED = ("data", "task", "record", "result")
_OWS = " \t"


@dataclass(frozen=True)
class WebhookEvent:
    """One delivery, as read by ``parse``. A hint: read the task with ``tasks.get`` before trusting it.

    ``task_id`` is ``None`` only for a delivery that verified but could not be read (``app`` still
    passes it on, so a waiter can read the tasks it waits on once); ``event`` is the name sent (or the
    one its status implies), ``status`` the status it claims, ``task`` the record when it carried one.
    """

    task_id: str | None
    event: str | None = None
    status: TaskStatus | None = None
    task: Task | None = None
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def is_terminal(self) -> bool:
        """The delivery claims a terminal state (check it with ``tasks.get``)."""
        return self.status is not None and self.status.is_terminal


def _pairs(headers: object) -> list[object]:
    try:
        if isinstance(headers, Mapping) or hasattr(headers, "multi_items"):
            multi = getattr(headers, "multi_items", None)  # starlette / httpx: every value, not joined
            if callable(multi):
                return list(multi())
            raw = getattr(headers, "raw", None)  # httpx.Headers without multi_items (older versions)
            if isinstance(raw, list):
                return raw
            return list(headers.items())  # type: ignore[attr-defined]
        if isinstance(headers, Iterable) and not isinstance(headers, str | bytes):
            return list(headers)
    except (TypeError, ValueError, AttributeError):  # a container that is not what it claims
        pass
    raise InvalidInputError("verify: headers must be a mapping or a list of (name, value) pairs")


def _text(value: object) -> str | None:
    if isinstance(value, bytes):
        return value.decode("latin-1")
    return value if isinstance(value, str) else None


def verify(headers: object, token: str) -> None:
    """Check that a delivery carries ``token`` in its ``X-A2e-Webhook-Token`` header.

    ``headers``: a mapping (``dict``, Starlette's / httpx's / Flask's / Django's headers) or a list of
    ``(name, value)`` pairs (text or bytes, as in an ASGI scope). The name is compared
    case-insensitively, the value in constant time, as the bytes sent (a token outside ASCII arrives
    as UTF-8, which frameworks decode as latin-1) or as text. A missing, repeated or wrong header raises
    ``WebhookVerificationError`` (its message never holds either value).
    """
    if not isinstance(token, str) or not token:
        raise InvalidInputError("verify: the expected webhook token must be a non-empty string")
    register_secret(token)  # masked in any log line or error of this process from now on
    wanted = HEADER.lower()
    found: list[str] = []
    for pair in _pairs(headers):
        if not isinstance(pair, tuple | list) or len(pair) != 2:
            raise InvalidInputError("verify: headers must be a mapping or a list of (name, value) pairs")
        name, value = _text(pair[0]), _text(pair[1])
        if name is not None and name.strip().lower() == wanted:
            found.append(value if value is not None else "")
    if not found:
        raise WebhookVerificationError(f"webhook delivery refused: no {HEADER} header")
    if len(found) > 1:
        raise WebhookVerificationError(f"webhook delivery refused: {HEADER} header sent more than once")
    expected = token.strip(_OWS).encode("utf-8", "surrogatepass")
    matches = [hmac.compare_digest(sent, expected) for sent in _wire_forms(found[0])]  # each compared
    if not any(matches):
        raise WebhookVerificationError(f"webhook delivery refused: wrong {HEADER} header")


def _wire_forms(value: str) -> list[bytes]:
    """The bytes a header value may have been sent as: ASGI and WSGI frameworks (and ``_text`` for
    bytes) decode the wire as latin-1; a user's own code writes the token as text (sent as UTF-8)."""
    text = value.strip(_OWS)  # HTTP drops blanks around a value; str.strip() would eat UTF-8's 0xA0
    forms = [text.encode("utf-8", "surrogatepass")]
    with contextlib.suppress(UnicodeEncodeError):
        forms.append(text.encode("latin-1"))
    return forms


def _task_id(*records: Mapping[str, Any]) -> str | None:
    for record in records:
        for key in ("_id", "id", "task_id"):
            value = record.get(key)
            if isinstance(value, str) and value.strip() and len(value) <= _MAX_ID and value.isprintable():
                return value.strip()
    return None


def parse(body: bytes | bytearray | str) -> WebhookEvent:
    """Read a delivery's body (see the module docstring for the shapes accepted).

    Raises ``WebhookPayloadError`` for a body past ``MAX_BODY`` (``too_large``), not JSON, not a JSON
    object, nested too deep, or without a task id.
    """
    if isinstance(body, str):
        data = body.encode("utf-8", "surrogatepass")
    elif isinstance(body, bytes | bytearray):
        data = bytes(body)
    else:
        raise InvalidInputError("parse: body must be bytes or str")
    if len(data) > MAX_BODY:
        raise WebhookPayloadError(f"webhook body over {MAX_BODY} bytes", too_large=True)
    try:
        loaded = json.loads(data)
    except (ValueError, RecursionError, UnicodeError) as exc:
        raise WebhookPayloadError(f"webhook body is not JSON ({type(exc).__name__})") from None
    if not isinstance(loaded, dict):
        raise WebhookPayloadError(f"webhook body is JSON {type(loaded).__name__}, not an object")
    outer: dict[str, Any] = loaded
    inner: Mapping[str, Any] = outer
    for key in _WRAPPED:
        candidate = outer.get(key)
        if isinstance(candidate, dict):
            inner = candidate
            break
    task_id = _task_id(inner, outer) if inner is not outer else _task_id(outer)
    if task_id is None:
        raise WebhookPayloadError("webhook body names no task (no _id, id or task_id)")
    names = (outer.get("event"), outer.get("type"), inner.get("event"))
    name = next((v.strip() for v in names if isinstance(v, str) and v.strip()), None)
    raw_status = inner.get("current_status", inner.get("status"))
    status: TaskStatus | None = None
    task: Task | None = None
    if isinstance(raw_status, str) and raw_status.strip():
        status = TaskStatus.parse(raw_status)
        record = dict(inner)
        record["_id"] = task_id
        record["current_status"] = raw_status
        task = Task.from_wire(record)
    elif name is not None:
        status = _EVENT_STATUS.get(name.lower())
    if name is None and status is not None:
        name = _STATUS_EVENT.get(status)
    return WebhookEvent(task_id=task_id, event=name, status=status, task=task, raw=outer)


def app(
    token: str,
    on_event: Callable[[WebhookEvent], Awaitable[None] | None] | None = None,
    queue: asyncio.Queue[WebhookEvent] | None = None,
    *,
    max_body: int = MAX_BODY,
) -> Starlette:
    """A Starlette ASGI app receiving deliveries on any path (needs the ``webhooks`` extra).

    Each POST is verified and read, answered 204 at once, and its ``WebhookEvent`` handed to
    ``on_event`` (a function or a coroutine function; keep it short, it runs before the answer) and/or
    put on ``queue``. A wrong or missing token is answered 401 (logged without any token), a body past
    ``max_body`` 413. A delivery that verifies but cannot be read is still passed on, as an event with
    ``task_id=None``: the listener then reads the tasks it waits on, so a wrong guess about the payload
    costs a request, not the notification. Mount it in FastAPI/Starlette with
    ``parent.mount("/a2e-webhook", webhooks.app(token, queue=q))``.
    """
    from ._webhook_app import build

    return build(token, on_event=on_event, queue=queue, max_body=max_body)


def __getattr__(name: str) -> Any:
    if name in ("Inbox", "Listener", "Watch"):  # on first use: it brings asyncio and threading
        from . import _webhook_listener

        return getattr(_webhook_listener, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
