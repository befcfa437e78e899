"""Logging through the ``a2e_faceswap`` logger.

Silent by default (like any library). ``A2E_LOG=debug`` or ``A2E_LOG=info`` attaches a stderr handler
when a client is created. Requests are logged at DEBUG with their headers, the Authorization header
always replaced by ``[redacted]``; retries and waits at INFO. Query strings are logged only for API
paths: pre-signed upload URLs carry a signature in theirs.

The token is kept out of log lines twice over: each client's request log (``RequestLog``) masks its
own token wherever it appears in a URL (someone may pass it as an id), and the stderr handler's filter
masks ``Bearer <anything>`` and every token a client of this process was given.
"""

from __future__ import annotations

import logging
import os
import re
import sys
from collections.abc import Mapping
from typing import TextIO

import httpx

__all__ = [
    "RedactingFilter",
    "RequestLog",
    "logger",
    "redact_headers",
    "register_secret",
    "scrub",
    "setup_from_env",
]

logger = logging.getLogger("a2e_faceswap")

_SENSITIVE = frozenset(
    {"authorization", "proxy-authorization", "cookie", "set-cookie", "x-a2e-webhook-token"}
)
_BEARER = re.compile(r"(?i)\b(bearer)\s+[^\s'\",]+")
_REDACTED = "[redacted]"
_handler: logging.Handler | None = None
#: Tokens given to clients of this process, masked by ``RedactingFilter`` (short strings are not
#: registered: masking them would shred ordinary text).
_secrets: set[str] = set()
_MIN_SECRET = 8


def scrub(text: str, secret: str) -> str:
    """``text`` with every occurrence of ``secret`` replaced by ``[redacted]``."""
    return text.replace(secret, _REDACTED) if secret else text


def register_secret(secret: str) -> None:
    if len(secret) >= _MIN_SECRET:
        _secrets.add(secret)


def redact_headers(headers: Mapping[str, str]) -> dict[str, str]:
    return {k: (_REDACTED if k.lower() in _SENSITIVE else v) for k, v in headers.items()}


def redact_text(text: str) -> str:
    text = _BEARER.sub(rf"\1 {_REDACTED}", text)
    for secret in tuple(_secrets):
        text = scrub(text, secret)
    return text


class _StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever ``sys.stderr`` is at the time of each record (it may be replaced later)."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, _value: object) -> None:
        pass


class RedactingFilter(logging.Filter):
    """Last line of defence on our handler: masks ``Bearer <token>`` and every registered token."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact_text(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


def setup_from_env() -> None:
    """Honour ``A2E_LOG=debug|info`` (idempotent)."""
    global _handler
    level = {"debug": logging.DEBUG, "info": logging.INFO}.get(os.environ.get("A2E_LOG", "").strip().lower())
    if level is None:
        return
    if _handler is None:
        _handler = _StderrHandler()
        _handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        _handler.addFilter(RedactingFilter())
        logger.addHandler(_handler)
    logger.setLevel(level)


def _loggable_url(url: httpx.URL) -> str:
    if url.path.startswith("/api/"):
        return str(url)
    return str(url.copy_with(query=None, fragment=None))


class RequestLog:
    """The request/response log of one client: httpx event hooks that mask its token in URLs."""

    def __init__(self, secret: str) -> None:
        self._secret = secret
        register_secret(secret)

    def _url(self, url: httpx.URL) -> str:
        return scrub(_loggable_url(url), self._secret)

    def request(self, request: httpx.Request) -> None:
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug(
                "request %s %s headers=%s",
                request.method,
                self._url(request.url),
                redact_headers(request.headers),
            )

    def response(self, response: httpx.Response) -> None:
        if logger.isEnabledFor(logging.DEBUG):
            request = response.request
            logger.debug(
                "response %s %s -> %s %s",
                request.method,
                self._url(request.url),
                response.status_code,
                response.reason_phrase,
            )

    async def arequest(self, request: httpx.Request) -> None:
        self.request(request)

    async def aresponse(self, response: httpx.Response) -> None:
        self.response(response)
