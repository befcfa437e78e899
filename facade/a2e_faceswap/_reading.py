"""How an API answer is read, sans I/O: the attempt's deadline and the bounded body reader.

Its two drivers, ``read_body_sync`` and ``read_body_async``, only move raw bytes (``iter_raw`` /
``aiter_raw``) into ``BodyReader.feed``; ``decoded`` puts the result, the token scrubbed, back into
the response. The deadline of the running API request is in ``DEADLINE`` (a context variable), where
the network guard (``_network``) asks how long each socket operation may take.

Deadline: an API request's ``timeout`` bounds each attempt as a whole, from waiting for a pooled
connection to the last byte of the answer, not each httpx phase. A float ``t`` allows ``t`` seconds;
an ``httpx.Timeout`` keeps its per-phase limits and the whole attempt is bounded by its longest part;
``None`` means no limit. Each phase's httpx timeout is clipped to the time left when the request is
sent, and each socket operation to the time left when it starts (see ``_network``).

Body: httpx decodes ``Content-Encoding`` whole and without bound (a 1 KB ``gzip, gzip`` bomb is a
gigabyte). Here raw chunks are decoded by bounded ``zlib`` decompressors (``gzip``, ``deflate``,
stacked in any order; ``identity`` ignored), ``STEP`` bytes of output at a time, and kept only up to
``limit`` decoded bytes:

* a success answer (2xx) past ``SUCCESS_LIMIT`` (16 MiB of JSON) is ``ResponseTooLargeError``; an
  encoding this reader cannot decode, or a corrupt stream, is ``UnreadableResponseError``;
* an error answer keeps its first ``ERROR_LIMIT`` bytes (64 KiB, plenty for a snippet) and the rest is
  never read (the connection is dropped); an undecodable error body counts as empty.

Raw bytes on the wire are bounded by the same limit (plus one ``STEP``): bytes past the end of a
compressed stream are dropped, never stored.
"""

from __future__ import annotations

import contextvars
import time
import zlib
from typing import Protocol

import httpx

from ._logging import scrub_bytes
from .errors import APITimeoutError, ResponseTooLargeError, UnreadableResponseError

__all__ = [
    "DEADLINE",
    "ERROR_LIMIT",
    "STEP",
    "SUCCESS_LIMIT",
    "BodyReader",
    "Deadline",
    "RequestTimeout",
    "attempt_limit",
    "clip_timeout",
    "decoded",
    "read_body_async",
    "read_body_sync",
]

#: A per-request timeout as httpx takes it (None: no limit).
RequestTimeout = float | httpx.Timeout | None
SUCCESS_LIMIT = 16 * 1024 * 1024
ERROR_LIMIT = 64 * 1024
#: Most bytes one decompress call may produce.
STEP = 64 * 1024
#: What this reader decodes (``x-gzip`` is gzip's old name).
_WBITS = {"gzip": 16 + zlib.MAX_WBITS, "x-gzip": 16 + zlib.MAX_WBITS, "deflate": 0}


def clip_timeout(timeout: RequestTimeout, limit: float) -> RequestTimeout:
    """``timeout`` with no part longer than ``limit`` seconds (an unlimited part becomes ``limit``)."""
    if timeout is None:
        return limit
    if isinstance(timeout, httpx.Timeout):
        connect, read, write, pool = timeout.connect, timeout.read, timeout.write, timeout.pool
        if (  # nothing to clip: the usual case when a request is sent (written out: every call)
            connect is not None
            and read is not None
            and write is not None
            and pool is not None
            and max(connect, read, write, pool) <= limit
        ):
            return timeout

        def part(value: float | None) -> float:
            return limit if value is None else min(value, limit)

        return httpx.Timeout(connect=part(connect), read=part(read), write=part(write), pool=part(pool))
    return min(timeout, limit)


def attempt_limit(timeout: RequestTimeout) -> float | None:
    """How long one attempt may take as a whole (see the module rules)."""
    if isinstance(timeout, httpx.Timeout):
        connect, read, write, pool = timeout.connect, timeout.read, timeout.write, timeout.pool
        if connect is not None and read is not None and write is not None and pool is not None:
            return max(connect, read, write, pool)  # the usual case
        parts = [p for p in (connect, read, write, pool) if p is not None]
        return max(parts) if parts else None
    return timeout


class Deadline:
    """When one attempt must be over (monotonic seconds; ``None``: never)."""

    __slots__ = ("at",)

    def __init__(self, at: float | None) -> None:
        self.at = at

    @classmethod
    def start(cls, timeout: RequestTimeout, now: float) -> Deadline:
        limit = attempt_limit(timeout)
        return cls(None if limit is None else now + limit)

    def phases(self, timeout: RequestTimeout, now: float) -> RequestTimeout:
        """The httpx timeout for a request sent at ``now``: each phase clipped to the time left."""
        if self.at is None:
            return timeout
        return clip_timeout(timeout, max(self.at - now, 0.0))

    def limit(self, timeout: float | None, now: float) -> float | None:
        """The timeout of one network operation starting at ``now``; ``<= 0`` means the deadline is
        past (the caller raises its phase's timeout error: a zero socket timeout would not block)."""
        if self.at is None:
            return timeout
        left = self.at - now
        return left if timeout is None else min(timeout, left)

    def expired(self, now: float) -> bool:
        return self.at is not None and now >= self.at


#: The deadline of the API request running in this context (None: none, e.g. a download).
DEADLINE: contextvars.ContextVar[Deadline | None] = contextvars.ContextVar("a2e_deadline", default=None)


class _Answer(Protocol):
    """What the reader needs of an ``httpx.Response`` (no I/O)."""

    @property
    def status_code(self) -> int: ...

    @property
    def headers(self) -> httpx.Headers: ...


def _encodings(headers: httpx.Headers) -> list[str]:
    """``Content-Encoding`` codings in the order they must be undone (last applied first)."""
    if "content-encoding" not in headers:
        return []  # the usual case, kept cheap
    codings = [c.strip().lower() for c in headers.get_list("content-encoding", split_commas=True)]
    return [c for c in reversed(codings) if c and c != "identity"]


class _Undecodable(Exception):
    pass


class BodyReader:
    """Feeds on raw chunks, keeps at most ``limit`` decoded bytes (see the module rules).

    ``feed`` returns ``True`` when nothing more should be read (an error body reached its bound);
    ``body()`` is the decoded bytes once the stream ended or ``feed`` said stop.
    """

    def __init__(
        self, response: _Answer, operation: str, deadline: Deadline, *, limit: int | None = None
    ) -> None:
        self._response = response
        self._operation = operation
        self._deadline = deadline
        self._success = 200 <= response.status_code < 300
        self._limit = limit if limit is not None else (SUCCESS_LIMIT if self._success else ERROR_LIMIT)
        self._parts: list[bytes] = []
        self._kept = 0
        self._raw = 0
        self.done = False
        # deflate is zlib-wrapped or raw: decided from its first bytes (None until then)
        self._stages: list[zlib._Decompress | None] = []
        codings = _encodings(response.headers)
        if codings:
            unknown = [c for c in codings if c not in _WBITS]
            if unknown:
                if self._success:
                    raise self._unreadable(f"the answer's Content-Encoding {unknown[0]!r} is not supported")
                self.done = True  # an error body we cannot decode: judged by its status alone
                return
            self._stages = [zlib.decompressobj(_WBITS[c]) if _WBITS[c] else None for c in codings]

    def feed(self, chunk: bytes, now: float) -> bool:
        if self._deadline.expired(now):
            raise APITimeoutError(
                "the answer did not arrive before the request's timeout",
                outcome_unknown=True,
                operation=self._operation,
            )
        if self.done:
            return True
        self._raw += len(chunk)
        try:
            self._push(0, chunk)
        except _Undecodable as exc:
            if self._success:
                raise self._unreadable(f"the answer's compressed body is corrupt ({exc})") from None
            self.done = True
        if not self.done and self._raw > self._limit + STEP:
            self._over()
        return self.done

    def whole(self, content: bytes) -> bytes:
        """An answer httpx already read and decoded (a mock transport's): only the bound applies."""
        if len(content) > self._limit:
            self._over()
            return content[: self._limit]
        return content

    def body(self) -> bytes:
        if not self.done:
            try:
                self._drain()
            except _Undecodable as exc:
                if self._success:
                    raise self._unreadable(f"the answer's compressed body is corrupt ({exc})") from None
        if len(self._parts) == 1:
            return self._parts[0]  # the common case: no copy
        return b"".join(self._parts)

    # -- decoding

    def _push(self, stage: int, data: bytes) -> None:
        if stage == len(self._stages):
            self._keep(data)
            return
        decoder = self._stages[stage]
        if decoder is None:
            decoder = self._stages[stage] = self._deflate(data)
        try:
            while data and not decoder.eof and not self.done:
                out = decoder.decompress(data, STEP)
                data = decoder.unconsumed_tail
                if out:
                    self._push(stage + 1, out)
        except zlib.error as exc:
            raise _Undecodable(str(exc)) from None
        # bytes after the end of a compressed stream are dropped, never decoded

    def _drain(self) -> None:
        """Decode what the decoders still hold once the stream ended."""
        for stage, decoder in enumerate(self._stages):
            if decoder is None or self.done:
                continue
            try:
                while not decoder.eof and not self.done:
                    out = decoder.decompress(decoder.unconsumed_tail, STEP)
                    if not out:
                        out = decoder.flush()
                        if out:
                            self._push(stage + 1, out)
                        break
                    self._push(stage + 1, out)
            except zlib.error as exc:
                raise _Undecodable(str(exc)) from None

    @staticmethod
    def _deflate(first: bytes) -> zlib._Decompress:
        zlib_header = len(first) >= 2 and first[0] & 0x0F == 8 and (first[0] * 256 + first[1]) % 31 == 0
        return zlib.decompressobj(zlib.MAX_WBITS if zlib_header else -zlib.MAX_WBITS)

    def _keep(self, data: bytes) -> None:
        room = self._limit - self._kept
        if len(data) > room:
            self._over()
            data = data[:room]
        self._parts.append(data)
        self._kept += len(data)

    def _over(self) -> None:
        if self._success:
            raise ResponseTooLargeError(
                f"the answer is larger than the {_mib(self._limit)} this client reads",
                status=self._response.status_code,
                operation=self._operation,
            )
        self.done = True  # an error body: its first bytes are enough

    def _unreadable(self, message: str) -> UnreadableResponseError:
        return UnreadableResponseError(message, status=self._response.status_code, operation=self._operation)


def _mib(size: int) -> str:
    return f"{size / 1048576:g} MiB" if size >= 1048576 else f"{size} bytes"


# ------------------------------------------------------------------ the drivers


def read_body_sync(response: httpx.Response, reader: BodyReader) -> bytes:
    """The body of a streamed answer, through ``reader`` (its bounds, its deadline)."""
    if response.is_stream_consumed:  # a transport that answers with a read response (a mock)
        return reader.whole(response.content)
    if not reader.done:
        for chunk in response.iter_raw():
            if reader.feed(chunk, time.monotonic()):
                break
    return reader.body()


async def read_body_async(response: httpx.Response, reader: BodyReader) -> bytes:
    """``read_body_sync`` for an async response."""
    if response.is_stream_consumed:
        return reader.whole(response.content)
    if not reader.done:
        async for chunk in response.aiter_raw():
            if reader.feed(chunk, time.monotonic()):
                break
    return reader.body()


def decoded(response: httpx.Response, body: bytes, secret: str) -> httpx.Response:
    """A read response holding ``body`` (decoded, the token scrubbed) in place of the stream."""
    content = scrub_bytes(body, secret)
    if "content-encoding" not in response.headers:
        # The usual case: this response, its content set (httpx 0.28 keeps it in ``_content``; a new
        # Response would cost more than the rest of the reading).
        response._content = content
        return response
    headers = response.headers.copy()
    del headers["content-encoding"]
    headers.pop("content-length", None)
    return httpx.Response(
        response.status_code,
        headers=headers,
        content=content,
        request=response.request,
        extensions=response.extensions,
    )
