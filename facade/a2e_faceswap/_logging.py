"""Logging through the ``a2e_faceswap`` logger.

Silent by default (like any library). ``A2E_LOG=debug`` or ``A2E_LOG=info`` attaches a stderr handler
when a client is created. Requests are logged at DEBUG with their headers, the Authorization header
always replaced by ``[redacted]``; retries and waits at INFO. Query strings are logged only for API
paths: pre-signed upload URLs carry a signature in theirs.

The token is kept out of log lines twice over: each client's request log (``RequestLog``) masks its
own token wherever it appears in a URL (someone may pass it as an id), and the stderr handler's filter
masks ``Bearer <anything>`` and every token a client of this process was given; the same filter sits
on httpx's and httpcore's loggers (which log response headers a server may echo the token in), for
applications that turn on DEBUG everywhere.

``scrub`` / ``scrub_bytes`` find a token in every form it travels in (raw, repr- or JSON-escaped,
``\\uXXXX`` escapes of any of its characters, percent-encoded, base64 at any alignment). The
transport runs ``scrub_bytes`` on every API answer body before anything reads it, so a server echoing
the token reaches no model, error, repr or log; the error mapping scrubs its texts once more.
"""

from __future__ import annotations

import base64
import functools
import logging
import os
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TextIO
from urllib.parse import quote_plus

import httpx

__all__ = [
    "RedactingFilter",
    "RequestLog",
    "logger",
    "redact_headers",
    "redact_text",
    "register_secret",
    "scrub",
    "scrub_bytes",
    "setup_from_env",
]

logger = logging.getLogger("a2e_faceswap")

_SENSITIVE = frozenset(
    {"authorization", "proxy-authorization", "cookie", "set-cookie", "x-a2e-webhook-token"}
)
_BEARER = re.compile(r"(?i)\b(bearer)\s+[^\s'\",]+")
_REDACTED = "[redacted]"
_REDACTED_B = _REDACTED.encode()
#: What no percent-encoder escapes (RFC 3986's unreserved characters are added by ``quote`` itself).
_UNRESERVED = "!'()*"
#: Base64 forms shorter than this are not masked (they would shred ordinary text).
_MIN_B64 = 8
_HEX_DIGITS = {"u": 4, "x": 2, "U": 8}
#: How far before a match ``_kept`` looks for the escape it may be inside (a longer run of
#: backslashes than this is read as even).
_LOOK_BACK = 64
_handler: logging.Handler | None = None
#: Tokens given to clients of this process, masked by ``RedactingFilter`` (short strings are not
#: registered: masking them would shred ordinary text).
_secrets: set[str] = set()
#: The loggers of httpx and httpcore (a filter on a parent logger does not see its children's records).
_THIRD_PARTY = ("httpx", "httpcore.connection", "httpcore.http11", "httpcore.http2", "httpcore.proxy")
_MIN_SECRET = 8


def _hex(value: int, width: int) -> str:
    """A regex matching ``value`` written in ``width`` hex digits, either case."""
    return "".join(f"[{d}{d.upper()}]" if d.isalpha() else d for d in f"{value:0{width}x}")


def _spellings(char: str) -> str:
    """A regex for one character of a token: an escape of it (JSON, repr, repr of JSON: after one
    backslash or more), its percent-encoded UTF-8 bytes, or itself. Each alternative starts with a
    plain character, so a search skips ahead to where one may begin."""
    code = ord(char)
    tails = ["U" + _hex(code, 8)]
    if code <= 0xFFFF:
        tails.append("u" + _hex(code, 4))
    else:  # a JSON surrogate pair
        high, low = 0xD800 + ((code - 0x10000) >> 10), 0xDC00 + ((code - 0x10000) & 0x3FF)
        tails.append("u" + _hex(high, 4) + r"\\+u" + _hex(low, 4))
    if code <= 0xFF:
        tails.append("x" + _hex(code, 2))
    if char in "\"'/\\":
        tails.append(re.escape(char))
    alts = [r"\\\\*(?:" + "|".join(tails) + ")"]
    alts.append("".join("%" + _hex(b, 2) for b in char.encode("utf-8", "surrogatepass")))
    if char == " ":
        alts.append(r"\+")
    alts.append(re.escape(char))  # last: a backslash tries its escaped form (two of them) first
    return "(?:" + "|".join(alts) + ")"


def _b64_cores(data: bytes) -> set[str]:
    """The base64 characters that depend on ``data`` alone at each of its three possible alignments
    inside a longer encoded text (``user:token`` encoded is found too), standard and urlsafe alphabets;
    padding never matters."""
    cores: set[str] = set()
    for shift in range(3):
        first, end = -(-8 * shift // 6), 8 * (shift + len(data)) // 6
        for encode in (base64.b64encode, base64.urlsafe_b64encode):
            core = encode(b"\0" * shift + data)[first:end].decode("ascii")
            if len(core) >= _MIN_B64:
                cores.add(core)
    return cores


@dataclass(frozen=True)
class _Forms:
    """A token's precomputed forms. ``literals``: its usual spellings (raw, repr/JSON-escaped,
    percent-encoded, base64; the ``Bearer <token>`` form, encoded or not, holds one of them). None of
    them in a text, and no backslash or ``%`` there (no other escape), means nothing to do; else
    ``spelled`` (the token with each character literal or escaped, in any mix) and the base64 forms
    are replaced."""

    literals: tuple[str, ...]
    literals_b: tuple[bytes, ...]
    b64: tuple[str, ...]
    b64_b: tuple[bytes, ...]
    spelled: re.Pattern[str]
    spelled_b: re.Pattern[bytes]

    def absent(self, text: str) -> bool:
        return "\\" not in text and "%" not in text and not any(f in text for f in self.literals)

    def absent_b(self, content: bytes) -> bool:
        return b"\\" not in content and b"%" not in content and not any(f in content for f in self.literals_b)


@functools.lru_cache(maxsize=32)
def _forms(secret: str) -> _Forms:
    utf8 = secret.encode("utf-8", "surrogatepass")
    b64 = sorted(_b64_cores(utf8), key=len, reverse=True)
    # Every escaped or percent-encoded form holds a backslash or a '%' (which ``absent`` looks for),
    # except a space written '+'. No codec is looked up here: that may import a module lazily.
    forms = {secret, quote_plus(secret, safe=_UNRESERVED, errors="surrogatepass"), *b64}
    # A form containing another is found through it: only the others are searched for.
    literals = sorted(f for f in forms if not any(o != f and o in f for o in forms))
    spelled = "".join(_spellings(char) for char in secret)
    return _Forms(
        literals=tuple(literals),
        literals_b=tuple(f.encode("utf-8", "surrogatepass") for f in literals),
        b64=tuple(b64),
        b64_b=tuple(core.encode("ascii") for core in b64),
        spelled=re.compile(spelled),
        spelled_b=re.compile(spelled.encode("utf-8", "surrogatepass")),
    )


def _escaped(text: str, at: int) -> bool:
    """Whether ``text[at]`` follows an odd run of backslashes (it is an escape's letter)."""
    run = 0
    while run < at and text[at - run - 1] == "\\":
        run += 1
    return run % 2 == 1


def _kept(text: str, start: int, end: int) -> int:
    """How many characters from ``start`` finish an escape begun before it (``\\n``, or the hex digits
    of ``\\uXXXX``, ``\\xXX``, ``\\UXXXXXXXX``): kept, so that a JSON or repr text stays well-formed
    once redacted."""
    if _escaped(text, start):
        return min(_HEX_DIGITS.get(text[start], 0) + 1, end - start)
    for back in range(1, 9):
        letter = start - back
        if letter < 1 or text[letter] not in _HEX_DIGITS:
            continue
        finish = letter + 1 + _HEX_DIGITS[text[letter]]
        if finish > start and _escaped(text, letter):
            return min(finish - start, end - start)
    return 0


def scrub(text: str, secret: str) -> str:
    """``text`` with ``secret`` replaced by ``[redacted]`` in every form it can travel in: raw,
    repr- or JSON-escaped (``\\uXXXX`` of any of its characters included, in any mix),
    percent-encoded, base64 (standard or urlsafe, any alignment, padded or not), so ``Bearer <token>``
    in each of these too. ``text`` itself (no copy) when no form is there."""
    if not secret:
        return text
    forms = _forms(secret)
    if forms.absent(text):
        return text

    def redact(match: re.Match[str]) -> str:
        keep = _kept(text, match.start(), match.end())
        return match.group(0)[:keep] + _REDACTED

    text = forms.spelled.sub(redact, text)
    for core in forms.b64:
        text = text.replace(core, _REDACTED)
    return text


def scrub_bytes(content: bytes, secret: str) -> bytes:
    """``scrub`` for an answer's body, called on every one: ``content`` itself (no copy, a few
    substring searches) when no usual form of the token, no backslash and no ``%`` is there."""
    if not secret:
        return content
    forms = _forms(secret)
    if forms.absent_b(content):
        return content

    def redact(match: re.Match[bytes]) -> bytes:
        start = max(0, match.start() - _LOOK_BACK)  # latin-1: one character per byte, offsets line up
        text = content[start : match.end()].decode("latin-1")
        keep = _kept(text, match.start() - start, match.end() - start)
        return match.group(0)[:keep] + _REDACTED_B

    content = forms.spelled_b.sub(redact, content)
    for core in forms.b64_b:
        content = content.replace(core, _REDACTED_B)
    return content


def register_secret(secret: str) -> None:
    if len(secret) >= _MIN_SECRET:
        _secrets.add(secret)
    for name in _THIRD_PARTY:  # they log raw response headers at DEBUG, where a server may echo it
        third = logging.getLogger(name)
        if not any(isinstance(f, RedactingFilter) for f in third.filters):
            third.addFilter(RedactingFilter())


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
