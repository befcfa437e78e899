"""Every error a2e_faceswap raises.

Nothing else escapes a client call: no bare ``KeyError``, ``ValueError``, ``OSError``, JSON or httpx
errors. Every error met after a task was created (and so paid for) carries its id in ``task_id``.

::

    A2EError (.task_id: the paid task this error concerns, when there is one)
    ├── InvalidInputError (also a ValueError) ... refused before any request was sent
    │   ├── InsecureURLError ..................... the token would travel over plain http
    │   ├── ManifestError ........................ a batch's rows were refused (.problems: (line, text))
    │   └── JournalError ......................... a batch journal is foreign, corrupt, in use, or no
    │                                              longer matches the manifest (the file is left as it was)
    ├── LocalFileError (also an OSError) ......... a local file could not be read or written (.filename)
    ├── APIError ................................. A2E answered, with an error
    │   │                                          (.status .code .message .trace_id .response)
    │   ├── BadRequestError ...................... 400 and other refusals of the input
    │   │   └── ModerationError .................. codes 1003 / 1004 (minor detected)
    │   ├── AuthenticationError .................. 401, or no API key configured
    │   ├── PermissionDeniedError ................ 403 without a moderation code
    │   ├── InsufficientCreditsError ............. 402
    │   ├── NotFoundError ........................ 404
    │   ├── RateLimitError ....................... 429, or the "busy" code under HTTP 200
    │   ├── ServerError .......................... 5xx, or the "unavailable" code under HTTP 200
    │   ├── UnreadableResponseError .............. the body is not the JSON A2E promises (.snippet)
    │   │   └── ResponseTooLargeError ............ a body (or its decoding) passed the client's bound
    │   └── CreateOutcomeUnknownError ............ a create may or may not have made a task: resolve it
    │                                              later with ``tasks.resolve(error)``
    ├── APIConnectionError ....................... no answer at all (.outcome_unknown)
    │   └── APITimeoutError ...................... the request timed out
    ├── TaskFailedError .......................... the task / preview ended "failed" (.task)
    ├── WaitTimeoutError ......................... the wait deadline passed (.task = last state seen)
    └── WebhookError ............................. a webhook delivery was refused (a2e_faceswap.webhooks)
        ├── WebhookVerificationError ............. its X-A2e-Webhook-Token header is missing or wrong
        └── WebhookPayloadError .................. its body is too large or not a notification we can read

``APIError`` itself is raised for answers no subclass describes (for example HTTP 408). An
``APIError`` may come with HTTP 200: A2E reports many errors as ``{"code": <non-zero>, "msg": ...}``
under status 200, and those are errors too. The API token never appears in ``str()`` or ``repr()``
of any of these: answers are scrubbed as they are read, and every message is masked once more of each
token a client of this process was given (in every form, ``_logging.scrub``).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import httpx

from ._logging import redact_text

if TYPE_CHECKING:
    from .models import Preview, Task

__all__ = [
    "A2EError",
    "APIConnectionError",
    "APIError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "CreateOutcomeUnknownError",
    "InsecureURLError",
    "InsufficientCreditsError",
    "InvalidInputError",
    "JournalError",
    "LocalFileError",
    "ManifestError",
    "ModerationError",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitError",
    "ResponseTooLargeError",
    "ServerError",
    "TaskFailedError",
    "UnreadableResponseError",
    "WaitTimeoutError",
    "WebhookError",
    "WebhookPayloadError",
    "WebhookVerificationError",
]


class A2EError(Exception):
    """Root of every error raised by a2e_faceswap.

    ``task_id`` is the id of the (paid) task the failure concerns when one exists: an error met while
    waiting for or downloading a task that was created carries it, so the task is never lost.
    """

    task_id: str | None = None

    def __init__(self, message: str) -> None:
        message = redact_text(message)  # last line: no token a client of this process was given
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r})"


class InvalidInputError(A2EError, ValueError):
    """An argument was refused before anything was sent (empty id, bad URL, page size out of range...)."""


class InsecureURLError(InvalidInputError):
    """The base URL is plain http and its host is not loopback: the token would travel in clear text."""


class ManifestError(InvalidInputError):
    """A batch's rows were refused before anything was sent. ``problems`` lists every ``(line,
    message)`` (line 0: the manifest as a whole); the message shows the first ``SHOWN``."""

    SHOWN = 20

    def __init__(self, problems: list[tuple[int, str]]) -> None:
        self.problems = sorted(problems, key=lambda p: p[0])
        shown = [f"line {line}: {text}" if line else text for line, text in self.problems[: self.SHOWN]]
        if len(self.problems) > self.SHOWN:
            shown.append(f"... and {len(self.problems) - self.SHOWN} more")
        count = len(self.problems)
        head = "the manifest was refused" if count == 1 else f"the manifest was refused ({count} problems)"
        super().__init__(head + ":\n  " + "\n  ".join(shown))


class JournalError(InvalidInputError):
    """A batch journal was refused: foreign (another batch or schema version), corrupt, in use by
    another run, or no longer matching the manifest (a row changed or removed)."""


class LocalFileError(A2EError, OSError):
    """A local file could not be read (an input) or written (a result). Also an ``OSError``, so both
    ``except A2EError`` and ``except OSError`` catch it; ``errno`` and ``filename`` are set when known."""

    def __init__(self, message: str, *, filename: str | None = None, errno: int | None = None) -> None:
        A2EError.__init__(self, message)
        self.filename = filename
        self.errno = errno
        self.strerror = message

    def __str__(self) -> str:
        return self.message


class APIError(A2EError):
    """A2E answered, and the answer is an error.

    Attributes:
        status: HTTP status of the answer (200 when A2E put a non-zero ``code`` under HTTP 200;
            ``None`` when no answer exists, e.g. a missing API key found at construction).
        code: A2E's envelope ``code`` when the body had one.
        message: A2E's ``msg`` or ``message``, or a description written by the client.
        trace_id: A2E's ``trace_id`` (quote it when reporting a problem to A2E).
        response: the ``httpx.Response`` (its request's Authorization header is masked by httpx's repr).
        operation: the operation that failed (an operationId such as ``"get_task"``, or
            ``"upload_put"`` / ``"download"`` for the two raw calls).
        snippet: the start of a body that could not be read as A2E's JSON envelope, else ``None``.
    """

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        code: int | None = None,
        trace_id: str | None = None,
        response: httpx.Response | None = None,
        operation: str | None = None,
        snippet: str | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.trace_id = trace_id
        self.response = response
        self.operation = operation
        self.snippet = snippet

    def __str__(self) -> str:
        parts = []
        if self.status is not None:
            parts.append(f"HTTP {self.status}")
        if self.code is not None:
            parts.append(f"code {self.code}")
        head = ", ".join(parts)
        text = f"{head}: {self.message}" if head else self.message
        if self.operation:
            text = f"{self.operation}: {text}"
        if self.trace_id:
            text += f" (trace_id {self.trace_id})"
        return text

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(status={self.status!r}, code={self.code!r}, "
            f"message={self.message!r}, trace_id={self.trace_id!r}, operation={self.operation!r})"
        )


class BadRequestError(APIError):
    """A2E refused the input (HTTP 400, another 4xx without a dedicated class, or an error code)."""


class ModerationError(BadRequestError):
    """Content moderation refused the input (codes 1003 / 1004: a minor was detected or suspected)."""


class AuthenticationError(APIError):
    """The API token is missing, wrong or revoked (HTTP 401)."""


class PermissionDeniedError(APIError):
    """HTTP 403 without a moderation code."""


class InsufficientCreditsError(APIError):
    """The account has not enough credits (HTTP 402)."""


class NotFoundError(APIError):
    """No such record for this account (HTTP 404)."""


class RateLimitError(APIError):
    """Too many requests (HTTP 429), or A2E's "busy" code under HTTP 200."""


class ServerError(APIError):
    """A2E or a proxy in front of it failed (HTTP 5xx), or the "unavailable" code under HTTP 200."""


class UnreadableResponseError(APIError):
    """The answer is not A2E's JSON envelope: HTML, non-JSON, a JSON array or string, or JSON that
    lacks the fields the contract requires. ``snippet`` holds its first characters."""


class ResponseTooLargeError(UnreadableResponseError):
    """An answer's body (or what its ``Content-Encoding`` decodes to) passed the bound the client reads:
    nothing past the bound was kept in memory or written."""


class CreateOutcomeUnknownError(APIError):
    """A create was sent and may have made a (paid) task, but looking it up could not tell.

    It was not sent again: that could pay twice. ``tasks.resolve(error)`` looks again later and returns
    the task, or ``None`` once a conclusive lookup shows nothing was created.

    Attributes:
        name: the task name the create sent.
        face_url, video_url: the inputs it sent.
        attempts: when each attempt was sent (aware UTC datetimes, the client's clock).
        resolvable_at: from when a lookup can be conclusive (the end of the settle window, UTC).
        reason: why the outcome is unknown (the lookup's failure, a page cap, a foreign record...).
    """

    def __init__(
        self,
        message: str,
        *,
        name: str,
        face_url: str,
        video_url: str,
        attempts: tuple[datetime, ...],
        resolvable_at: datetime,
        reason: str,
    ) -> None:
        super().__init__(message, operation="create_task")
        self.name = name
        self.face_url = face_url
        self.video_url = video_url
        self.attempts = attempts
        self.resolvable_at = resolvable_at
        self.reason = reason

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(name={self.name!r}, attempts={len(self.attempts)}, "
            f"resolvable_at={self.resolvable_at.isoformat()!r}, reason={self.reason!r})"
        )


class APIConnectionError(A2EError):
    """No answer came back.

    ``outcome_unknown`` is ``False`` when the request certainly never reached A2E (the connection
    could not be opened) and ``True`` when it may have been applied (the connection broke or timed
    out after the request was sent). Only the former lets a POST be sent again blindly.
    """

    def __init__(self, message: str, *, outcome_unknown: bool, operation: str | None = None) -> None:
        super().__init__(message)
        self.outcome_unknown = outcome_unknown
        self.operation = operation

    def __str__(self) -> str:
        text = f"{self.operation}: {self.message}" if self.operation else self.message
        if self.outcome_unknown:
            text += " (the request may have been applied)"
        return text

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(message={self.message!r}, outcome_unknown={self.outcome_unknown!r}, "
            f"operation={self.operation!r})"
        )


class APITimeoutError(APIConnectionError):
    """The request timed out (connecting, sending, reading or waiting for a pooled connection)."""


class TaskFailedError(A2EError):
    """The task or preview ended ``failed``. ``task`` is its last state; ``error_code`` and
    ``failure_message`` repeat A2E's reason."""

    def __init__(self, task: Task | Preview) -> None:
        reason = task.failure_message or "no reason given"
        code = f" (error_code {task.error_code})" if task.error_code else ""
        super().__init__(f"{type(task).__name__.lower()} {task.id} failed: {reason}{code}")
        self.task = task
        self.task_id = task.id or None
        self.error_code = task.error_code
        self.failure_message = task.failure_message


class WaitTimeoutError(A2EError):
    """The deadline passed before the task or preview finished (or while it said ``completed`` without
    a result URL: the message says so). Nothing was cancelled or deleted: it may still complete.
    ``task`` is the last state seen (``None`` if no poll ever succeeded)."""

    def __init__(self, subject_id: str, waited: float, task: Task | Preview | None) -> None:
        state = f"; last status {task.raw_status!r}" if task is not None else ""
        super().__init__(f"{subject_id} not finished after {waited:.1f}s{state}")
        self.subject_id = subject_id
        self.task_id = subject_id
        self.waited = waited
        self.task = task


class WebhookError(A2EError):
    """A webhook delivery was refused by ``a2e_faceswap.webhooks`` (the token never appears in it)."""


class WebhookVerificationError(WebhookError):
    """The delivery's ``X-A2e-Webhook-Token`` header is missing, repeated or not the expected token:
    treat the request as forged (answer 401)."""


class WebhookPayloadError(WebhookError):
    """The delivery's body is past the size bound, or not a notification we can read (not JSON, nested
    too deep, no task id). ``too_large`` tells the first case (answer 413)."""

    def __init__(self, message: str, *, too_large: bool = False) -> None:
        super().__init__(message)
        self.too_large = too_large
