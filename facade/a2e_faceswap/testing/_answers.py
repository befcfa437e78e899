"""What the simulator sends back: A2E's JSON envelopes (with a reproducible trace id), the answers of the
faults that stop a request, and the two answers that are not plain responses (a dropped connection, a
body cut off midway)."""

from __future__ import annotations

import json
import random
import threading
import uuid
from collections.abc import AsyncIterator, Mapping
from itertools import cycle
from typing import Any

from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from a2e_faceswap import codes
from a2e_faceswap.testing._faults import Fault, FaultKind
from a2e_faceswap.testing._server import ConnectionRegistry
from a2e_faceswap.testing._stats import NO_ANSWER

_HTML = {
    502: "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway"
    "</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n",
    503: "<html>\r\n<head><title>503 Service Temporarily Unavailable</title></head>\r\n<body>\r\n<center>"
    "<h1>503 Service Temporarily Unavailable</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n"
    "</html>\r\n",
}
_NON_OBJECT_BODIES = (b"[]", b'"ok"', b"null", b"0")
_MALFORMED_BODY = b'{"code": 0, "data": {"_id": "6674f1765699df7e9d2'
_MODERATION = "content moderation refused the input: minor detected"
#: Error answers of the faults that send one: (HTTP status, message).
_FAULT_ERRORS = {
    FaultKind.HTTP_500: (500, "internal server error (simulated fault)"),
    FaultKind.HTTP_502: (502, "bad gateway (simulated fault)"),
    FaultKind.HTTP_503: (503, "service unavailable (simulated fault)"),
    FaultKind.HTTP_429: (429, "too many requests (simulated fault)"),
    FaultKind.HTTP_429_RETRY_AFTER: (429, "too many requests (simulated fault)"),
}


class Dropped(Response):
    """No answer at all: the connection is reset."""

    def __init__(self, connections: ConnectionRegistry) -> None:
        super().__init__(status_code=NO_ANSWER)
        self._connections = connections

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self._connections.abort(scope.get("client"))


class Chunked(Response):
    """Status and headers, then the chunks; with ``cut_off`` the connection is reset after the chunks."""

    def __init__(
        self,
        status: int,
        headers: Mapping[str, str],
        chunks: AsyncIterator[bytes],
        *,
        connections: ConnectionRegistry,
        cut_off: bool = False,
    ) -> None:
        self.status_code = status
        self.background = None
        self._raw_headers = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()]
        self._chunks = chunks
        self._connections = connections
        self._cut_off = cut_off

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": self.status_code, "headers": self._raw_headers})
        if scope["method"] != "HEAD":
            async for chunk in self._chunks:
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
        if self._cut_off:
            await self._connections.abort(scope.get("client"))
            return
        await send({"type": "http.response.body", "body": b"", "more_body": False})


async def _one(data: bytes) -> AsyncIterator[bytes]:
    yield data


class Answers:
    """Builds the answers of one simulator (its trace ids derive from the seed)."""

    def __init__(self, seed: int, connections: ConnectionRegistry) -> None:
        self.connections = connections
        self._trace_lock = threading.Lock()
        self._traces = random.Random(f"{seed}:traces")  # noqa: S311 - reproducible, not secret
        self._non_objects = cycle(_NON_OBJECT_BODIES)

    def _trace_id(self) -> str:
        with self._trace_lock:
            return str(uuid.UUID(int=self._traces.getrandbits(128), version=4))

    @staticmethod
    def json(status: int, payload: Any, headers: Mapping[str, str] | None = None) -> Response:
        # ASCII escapes keep any string a client sent (even a lone surrogate) echoable as valid JSON.
        body = json.dumps(payload, separators=(",", ":")).encode()
        return Response(body, status_code=status, headers=headers, media_type="application/json")

    def ok(self, data: Any) -> Response:
        return self.json(
            200, {"code": codes.OK, "msg": "success", "data": data, "trace_id": self._trace_id()}
        )

    def error(
        self, status: int, message: str, code: int | None = None, headers: Mapping[str, str] | None = None
    ) -> Response:
        envelope = {"code": status if code is None else code, "msg": message, "trace_id": self._trace_id()}
        return self.json(status, envelope, headers)

    def _business_error(self, code: int, message: str) -> Response:
        """An error code under HTTP 200, as A2E sends busy and moderation answers."""
        return self.json(200, {"code": code, "msg": message, "data": None, "trace_id": self._trace_id()})

    def dropped(self) -> Response:
        return Dropped(self.connections)

    def of_fault(self, fault: Fault) -> Response:
        """The answer of a fault that stops the request before it is applied."""
        kind = fault.kind
        if kind in _FAULT_ERRORS:
            status, message = _FAULT_ERRORS[kind]
            retry_after = (
                {"Retry-After": str(fault.retry_after)} if kind is FaultKind.HTTP_429_RETRY_AFTER else None
            )
            return self.error(status, message, headers=retry_after)
        if kind is FaultKind.RESET:
            return self.dropped()
        if kind in (FaultKind.HTTP_502_HTML, FaultKind.HTTP_503_HTML):
            status = 502 if kind is FaultKind.HTTP_502_HTML else 503
            return Response(_HTML[status], status_code=status, media_type="text/html")
        if kind is FaultKind.MALFORMED_JSON:
            return Response(_MALFORMED_BODY, media_type="application/json")
        if kind is FaultKind.NON_OBJECT_JSON:
            return Response(next(self._non_objects), media_type="application/json")
        if kind is FaultKind.CODE_BUSY:
            return self._business_error(codes.BUSY, "the service is busy, try again later")
        if kind is FaultKind.HTTP_403_MODERATION:
            return self.error(403, _MODERATION, code=codes.MODERATION_MINOR)
        if kind is FaultKind.CODE_MODERATION:
            return self._business_error(codes.MODERATION_MINOR, _MODERATION)
        raise AssertionError(f"{kind} is applied, it has no answer of its own")  # pragma: no cover

    def cut_off(self, response: Response) -> Response:
        """RESET_MID_BODY: the full headers, half of the body, then a reset."""
        body = bytes(response.body)
        headers = dict(response.headers)
        headers["content-length"] = str(len(body))
        return Chunked(
            response.status_code,
            headers,
            _one(body[: len(body) // 2]),
            connections=self.connections,
            cut_off=True,
        )
