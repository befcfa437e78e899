"""The simulator's HTTP surface: starlette routes for every operation of openapi/a2e.yaml, the upload PUT,
the CDN copy of uploads and the result files; fault injection and contract checking around them.

Order of work for an API request: read the body (at most ``body_limit`` bytes: a bigger declared or sent
body is answered 413 before any more of it is read, whoever sends it), check the request against the
contract, draw a fault, answer the fault if it stops the request, otherwise authenticate and apply the
request, then check the answer against the contract and send it (or drop the connection, if the fault
says so). A body that is not JSON, or JSON nested too deep to parse, is a 400; a ``Range`` that cannot
be read (``bytes=5-2``) is ignored (200, the whole file), one past the end a 416.
"""

from __future__ import annotations

import asyncio
import json
import random
import re
import threading
import uuid
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass
from itertools import cycle
from typing import Any

from starlette.datastructures import QueryParams
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.routing import Route, Router
from starlette.types import Receive, Scope, Send

from a2e_faceswap import codes
from a2e_faceswap.testing._contract import ContractChecker
from a2e_faceswap.testing._faults import Fault, FaultKind, FaultPlan
from a2e_faceswap.testing._results import iter_bytes
from a2e_faceswap.testing._server import ConnectionRegistry
from a2e_faceswap.testing._state import Account, ApiError, SimState
from a2e_faceswap.testing._stats import NO_ANSWER, SimStats

#: (operationId, method, path) of every API operation, in the order routes are matched.
API_ROUTES: tuple[tuple[str, str, str], ...] = (
    ("add_face_image", "POST", "/api/v1/userFaceSwapImage/add"),
    ("list_face_images", "GET", "/api/v1/userFaceSwapImage/records"),
    ("delete_face_image", "DELETE", "/api/v1/userFaceSwapImage/{_id}"),
    ("create_preview", "POST", "/api/v1/userFaceSwapPreview/add"),
    ("get_preview_status", "GET", "/api/v1/userFaceSwapPreview/status"),
    ("create_task", "POST", "/api/v1/userFaceSwapTask/add"),
    ("list_task_records", "GET", "/api/v1/userFaceSwapTask/records"),
    ("list_task_statuses", "GET", "/api/v1/userFaceSwapTask/status"),
    ("batch_task_detail", "POST", "/api/v1/userFaceSwapTask/batchDetail"),
    ("get_task", "GET", "/api/v1/userFaceSwapTask/{_id}"),
    ("delete_task", "DELETE", "/api/v1/userFaceSwapTask/{_id}"),
    ("create_upload_url", "POST", "/api/v1/r2/upload-presigned-url"),
)

PREVIEW_RESULT_SIZE = 16 * 1024
API_BODY_LIMIT = 1024 * 1024
_EVERY_METHOD = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "CONNECT"]
_HTML = {
    502: "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway"
    "</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n",
    503: "<html>\r\n<head><title>503 Service Temporarily Unavailable</title></head>\r\n<body>\r\n<center>"
    "<h1>503 Service Temporarily Unavailable</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n"
    "</html>\r\n",
}
_NON_OBJECT_BODIES = (b"[]", b'"ok"', b"null", b"0")
_MALFORMED_BODY = b'{"code": 0, "data": {"_id": "6674f1765699df7e9d2'


@dataclass
class AppSettings:
    """What the app reads on every request; the Simulator changes these fields in place."""

    strict: bool
    result_size: int
    upload_limit: int
    #: Whether result files honour ``Range`` (False: a server that always sends the whole file).
    ranges: bool = True
    #: Largest API request body read (413 above); A2E's JSON bodies are a few KiB at most.
    body_limit: int = API_BODY_LIMIT


@dataclass
class _Call:
    """One API request as the handlers see it."""

    account: Account
    query: QueryParams
    path: Mapping[str, Any]
    body: Any
    fault: Fault | None


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def _json_object(raw: bytes) -> dict[str, Any]:
    try:
        body = json.loads(raw) if raw else None
    except (ValueError, RecursionError):  # RecursionError: nested too deep to parse
        raise ApiError(400, "the request body is not valid JSON") from None
    if not isinstance(body, dict):
        raise ApiError(400, "the request body must be a JSON object")
    return body


async def _bounded_body(request: Request, limit: int, what: str) -> bytes:
    """The request body, refused with a 413 as soon as it is known to exceed ``limit`` bytes: by its
    Content-Length before any byte is read, else while streaming (never buffering more than ``limit``)."""
    too_large = ApiError(413, f"the {what} is larger than the limit of {limit} bytes")
    declared = request.headers.get("content-length", "").strip()
    if declared.isdigit() and int(declared) > limit:
        raise too_large
    parts: list[bytes] = []
    received = 0
    async for chunk in request.stream():
        received += len(chunk)
        if received > limit:
            raise too_large
        parts.append(chunk)
    return b"".join(parts)


def _string(body: Mapping[str, Any], name: str, *, required: bool = True, max_length: int = 0) -> str | None:
    value = body.get(name)
    if value is None:
        if required:
            raise ApiError(400, f"'{name}' is required")
        return None
    if not isinstance(value, str) or (required and not value):
        raise ApiError(400, f"'{name}' must be a non-empty string")
    if max_length and len(value) > max_length:
        raise ApiError(400, f"'{name}' is longer than {max_length} characters")
    return value


def _number(body: Mapping[str, Any], name: str, minimum: float) -> float | None:
    value = body.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or value < minimum:
        raise ApiError(400, f"'{name}' must be a number >= {minimum:g}")
    return float(value)


def _query_int(query: QueryParams, name: str, low: int, high: int | None = None) -> int:
    raw = query.get(name)
    if raw is None:
        raise ApiError(400, f"query parameter '{name}' is required")
    try:
        value = int(raw)
    except ValueError:
        raise ApiError(400, f"query parameter '{name}' must be an integer") from None
    if value < low or (high is not None and value > high):
        bound = f"between {low} and {high}" if high is not None else f">= {low}"
        raise ApiError(400, f"query parameter '{name}' must be {bound}")
    return value


class _Dropped(Response):
    """No answer at all: the connection is reset."""

    def __init__(self, connections: ConnectionRegistry) -> None:
        super().__init__(status_code=NO_ANSWER)
        self._connections = connections

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self._connections.abort(scope.get("client"))


class _Chunked(Response):
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


class SimApp:
    """Builds the ASGI app of one simulator."""

    def __init__(
        self,
        *,
        state: SimState,
        faults: FaultPlan,
        stats: SimStats,
        settings: AppSettings,
        checker: ContractChecker | None,
        connections: ConnectionRegistry,
        stopping: threading.Event,
        seed: int,
    ) -> None:
        self.state = state
        self.faults = faults
        self.stats = stats
        self.settings = settings
        self.checker = checker
        self.connections = connections
        self.stopping = stopping
        self._trace_lock = threading.Lock()
        self._traces = random.Random(f"{seed}:traces")  # noqa: S311 - reproducible, not secret
        self._non_objects = cycle(_NON_OBJECT_BODIES)
        self._handlers: dict[str, Callable[[_Call], Any]] = {
            "add_face_image": self._add_face_image,
            "list_face_images": self._list_face_images,
            "delete_face_image": self._delete_face_image,
            "create_preview": self._create_preview,
            "get_preview_status": self._get_preview_status,
            "create_task": self._create_task,
            "list_task_records": self._list_task_records,
            "list_task_statuses": self._list_task_statuses,
            "batch_task_detail": self._batch_task_detail,
            "get_task": self._get_task,
            "delete_task": self._delete_task,
            "create_upload_url": self._create_upload_url,
        }
        by_path: dict[str, dict[str, str]] = {}
        for operation, method, path in API_ROUTES:
            by_path.setdefault(path, {})[method] = operation
        # One route per path, all methods: a method the contract does not list gets a 405 whose Allow
        # header names exactly the documented methods.
        routes = [
            Route(path, self._api_endpoint(path, methods), methods=_EVERY_METHOD)
            for path, methods in by_path.items()
        ]
        routes += [
            Route("/r2/put/{key:path}", self._upload_put, methods=["PUT"], name="upload_put"),
            Route("/cdn/{key:path}", self._cdn, methods=["GET"], name="cdn"),
            Route("/results/{name}", self._result, methods=["GET"], name="result"),
        ]
        self.asgi = Router(routes=routes, default=self._unknown)

    # ------------------------------------------------------------------ envelopes
    def _trace_id(self) -> str:
        with self._trace_lock:
            return str(uuid.UUID(int=self._traces.getrandbits(128), version=4))

    def _json(self, status: int, payload: Any, headers: Mapping[str, str] | None = None) -> Response:
        # ASCII escapes keep any string a client sent (even a lone surrogate) echoable as valid JSON.
        body = json.dumps(payload, separators=(",", ":")).encode()
        return Response(body, status_code=status, headers=headers, media_type="application/json")

    def _ok(self, data: Any) -> Response:
        return self._json(
            200, {"code": codes.OK, "msg": "success", "data": data, "trace_id": self._trace_id()}
        )

    def _error(
        self, status: int, message: str, code: int | None = None, headers: Mapping[str, str] | None = None
    ) -> Response:
        envelope = {"code": status if code is None else code, "msg": message, "trace_id": self._trace_id()}
        return self._json(status, envelope, headers)

    def _fault_answer(self, fault: Fault) -> Response:
        """The answer of a fault that stops the request before it is applied."""
        kind = fault.kind
        if kind is FaultKind.RESET:
            return _Dropped(self.connections)
        if kind is FaultKind.HTTP_500:
            return self._error(500, "internal server error (simulated fault)")
        if kind is FaultKind.HTTP_502:
            return self._error(502, "bad gateway (simulated fault)")
        if kind is FaultKind.HTTP_503:
            return self._error(503, "service unavailable (simulated fault)")
        if kind in (FaultKind.HTTP_502_HTML, FaultKind.HTTP_503_HTML):
            status = 502 if kind is FaultKind.HTTP_502_HTML else 503
            return Response(_HTML[status], status_code=status, media_type="text/html")
        if kind is FaultKind.HTTP_429:
            return self._error(429, "too many requests (simulated fault)")
        if kind is FaultKind.HTTP_429_RETRY_AFTER:
            return self._error(
                429, "too many requests (simulated fault)", headers={"Retry-After": str(fault.retry_after)}
            )
        if kind is FaultKind.MALFORMED_JSON:
            return Response(_MALFORMED_BODY, media_type="application/json")
        if kind is FaultKind.NON_OBJECT_JSON:
            return Response(next(self._non_objects), media_type="application/json")
        if kind is FaultKind.CODE_BUSY:
            return self._json(
                200,
                {
                    "code": codes.BUSY,
                    "msg": "the service is busy, try again later",
                    "data": None,
                    "trace_id": self._trace_id(),
                },
            )
        if kind is FaultKind.HTTP_403_MODERATION:
            return self._error(
                403, "content moderation refused the input: minor detected", code=codes.MODERATION_MINOR
            )
        if kind is FaultKind.CODE_MODERATION:
            return self._json(
                200,
                {
                    "code": codes.MODERATION_MINOR,
                    "msg": "content moderation refused the input: minor detected",
                    "data": None,
                    "trace_id": self._trace_id(),
                },
            )
        raise AssertionError(f"{kind} is applied, it has no answer of its own")  # pragma: no cover

    def _cut_off(self, response: Response) -> Response:
        """RESET_MID_BODY: the full headers, half of the body, then a reset."""
        body = bytes(response.body)
        headers = dict(response.headers)
        headers["content-length"] = str(len(body))
        return _Chunked(
            response.status_code,
            headers,
            _one(body[: len(body) // 2]),
            connections=self.connections,
            cut_off=True,
        )

    async def _sleep(self, seconds: float) -> None:
        """Wait ``seconds`` (a SLOW fault) without blocking other requests; cut short when stopping."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        while not self.stopping.is_set():
            remaining = deadline - loop.time()
            if remaining <= 0:
                return
            await asyncio.sleep(min(remaining, 0.05))

    def _draw(self, route: str) -> Fault | None:
        fault = self.faults.draw(route)
        if fault is not None:
            self.stats.record_fault(route, fault.kind)
        return fault

    def _count(self, route: str, response: Response) -> Response:
        self.stats.record_request(route, response.status_code)
        return response

    # ------------------------------------------------------------------ API operations
    def _api_endpoint(self, path: str, methods: Mapping[str, str]) -> Callable[[Request], Any]:
        allow = ", ".join(methods)

        async def endpoint(request: Request) -> Response:
            operation = methods.get(request.method)
            if operation is None:
                message = f"method {request.method} is not allowed on {path}"
                return self._count("unknown", self._error(405, message, headers={"Allow": allow}))
            try:
                response = await self._api(operation, path, request)
            except ClientDisconnect:  # the client gave up while sending: nobody is left to answer
                response = _Dropped(self.connections)
            except Exception as exc:  # a simulator bug: answer it, and make it fail strict tests
                message = f"{operation}: simulator error {type(exc).__name__}: {exc}"
                self.stats.record_violations([message])
                response = self._error(500, message)
            return self._count(operation, response)

        return endpoint

    async def _api(self, operation: str, path: str, request: Request) -> Response:
        try:
            raw = await _bounded_body(request, self.settings.body_limit, "request body")
        except ApiError as exc:
            return self._error(exc.status, exc.message, exc.code)
        checked = None
        if self.checker is not None:
            checked = self.checker.prepare(request, raw, path)
            try:
                violations = self.checker.request_violations(operation, checked)
            except RecursionError:
                violations = [f"{operation} request body: JSON nested too deep to parse"]
            if violations:
                self.stats.record_violations(violations)
                if self.settings.strict:
                    return self._error(400, "contract violation: " + "; ".join(violations))
        fault = self._draw(operation)
        if fault is not None and not fault.kind.applies_request:
            response = self._fault_answer(fault)
            if fault.kind.is_contract_shaped and self._lists(operation, response.status_code):
                response = self._checked(operation, checked, response)
            return response
        if fault is not None and fault.kind is FaultKind.SLOW:
            await self._sleep(fault.delay)
        try:
            account = self.state.account(_bearer(request))
            body = _json_object(raw) if request.method == "POST" else None
            call = _Call(account, request.query_params, request.path_params, body, fault)
            response = self._ok(self._handlers[operation](call))
        except ApiError as exc:
            response = self._error(exc.status, exc.message, exc.code)
        if fault is not None and fault.kind is FaultKind.APPLIED_THEN_RESET:
            return _Dropped(self.connections)
        response = self._checked(operation, checked, response)
        if fault is not None and fault.kind is FaultKind.RESET_MID_BODY:
            return self._cut_off(response)
        return response

    def _lists(self, operation: str, status: int) -> bool:
        """Whether the contract lists ``status`` for ``operation`` (a fault answer it does not list, such
        as a moderation 403 on a read, is off the contract and not checked)."""
        return self.checker is not None and self.checker.lists_status(operation, status)

    def _checked(self, operation: str, checked: Any, response: Response) -> Response:
        if self.checker is None or checked is None:
            return response
        violations = self.checker.response_violations(
            operation, checked, response.status_code, response.headers, bytes(response.body)
        )
        if not violations:
            return response
        self.stats.record_violations(violations)
        if self.settings.strict:
            return self._error(500, "contract violation: " + "; ".join(violations))
        return response

    # faces ---------------------------------------------------------------
    def _add_face_image(self, call: _Call) -> Any:
        face_url = _string(call.body, "face_url")
        assert face_url is not None
        self.state.check_media_url(face_url, "face_url")
        return self.state.add_face(call.account, face_url)

    def _list_face_images(self, call: _Call) -> Any:
        return self.state.faces(call.account)

    def _delete_face_image(self, call: _Call) -> Any:
        self.state.delete_face(call.account, call.path["_id"])
        return None

    # previews ------------------------------------------------------------
    def _create_preview(self, call: _Call) -> Any:
        face_url = _string(call.body, "face_url")
        video_url = _string(call.body, "video_url")
        assert face_url is not None
        assert video_url is not None
        self.state.check_media_url(face_url, "face_url")
        self.state.check_media_url(video_url, "video_url")
        fail = call.fault is not None and call.fault.kind is FaultKind.TASK_FAILURE
        return self.state.create_preview(call.account, face_url, video_url, fail=fail)

    def _get_preview_status(self, call: _Call) -> Any:
        preview_id = call.query.get("_id")
        if not preview_id:
            raise ApiError(400, "query parameter '_id' is required")
        return self.state.preview(call.account, preview_id)

    # tasks ---------------------------------------------------------------
    def _create_task(self, call: _Call) -> Any:
        body = call.body
        for name in ("name", "face_url", "video_url"):
            _string(body, name)
        _string(body, "cover_url", required=False)
        _string(body, "webhook_url", required=False, max_length=2048)
        _string(body, "webhook_token", required=False, max_length=256)
        if body.get("model_version") not in (None, "v1", "v2"):
            raise ApiError(400, "'model_version' must be 'v1' or 'v2'")
        self.state.check_media_url(body["face_url"], "face_url")
        self.state.check_media_url(body["video_url"], "video_url")
        fail = call.fault is not None and call.fault.kind is FaultKind.TASK_FAILURE
        data, name = self.state.create_task(call.account, body, fail=fail)
        self.stats.record_task(name)
        return data

    def _list_task_records(self, call: _Call) -> Any:
        page = _query_int(call.query, "pageNum", 1)
        page_size = _query_int(call.query, "pageSize", 1, 100)
        return self.state.task_records(call.account, page, page_size)

    def _list_task_statuses(self, call: _Call) -> Any:
        return self.state.task_statuses(call.account)

    def _batch_task_detail(self, call: _Call) -> Any:
        ids = call.body.get("ids")
        if not isinstance(ids, list) or not ids or not all(isinstance(i, str) and i for i in ids):
            raise ApiError(400, "'ids' must be a non-empty list of task ids")
        return self.state.batch_detail(call.account, ids)

    def _get_task(self, call: _Call) -> Any:
        return self.state.task(call.account, call.path["_id"])

    def _delete_task(self, call: _Call) -> Any:
        self.state.delete_task(call.account, call.path["_id"])
        return None

    # uploads -------------------------------------------------------------
    def _create_upload_url(self, call: _Call) -> Any:
        body = call.body
        key = _string(body, "key")
        assert key is not None
        try:
            key.encode("utf-8")
        except UnicodeEncodeError:
            raise ApiError(400, "'key' is not valid Unicode text") from None
        for name in ("bucket", "urlPrefix", "cdnDomain", "contentType"):
            _string(body, name, required=False)
        expires = _number(body, "expiresIn", 60)
        if expires is not None and not expires.is_integer():  # JSON Schema counts 60.0 as an integer
            raise ApiError(400, "'expiresIn' must be an integer >= 60")
        for name in ("fileSize", "contentLength"):
            _number(body, name, 0)  # the PUT enforces the upload limit
        return self.state.create_upload(call.account, body)

    # ------------------------------------------------------------------ file routes
    async def _file_fault(self, route: str) -> tuple[Fault | None, Response | None]:
        fault = self._draw(route)
        if fault is None:
            return None, None
        if not fault.kind.applies_request:
            return fault, self._fault_answer(fault)
        if fault.kind is FaultKind.SLOW:
            await self._sleep(fault.delay)
        return fault, None

    async def _upload_put(self, request: Request) -> Response:
        fault, answer = await self._file_fault("upload_put")
        if answer is None:
            try:
                answer = await self._store_upload(request)
            except ApiError as exc:
                answer = self._error(exc.status, exc.message, exc.code)
            except ClientDisconnect:  # the client gave up mid-upload: nothing is stored, nobody to answer
                answer = _Dropped(self.connections)
            if fault is not None and fault.kind is FaultKind.APPLIED_THEN_RESET:
                answer = _Dropped(self.connections)
            elif fault is not None and fault.kind is FaultKind.RESET_MID_BODY:
                answer = self._cut_off(answer)
        return self._count("upload_put", answer)

    async def _store_upload(self, request: Request) -> Response:
        key = request.path_params["key"]
        upload = self.state.pending_upload(key, request.query_params.get("sig"))
        content_type = request.headers.get("content-type", "").partition(";")[0].strip().lower()
        if upload.content_type and content_type != upload.content_type.lower():
            sent = content_type or "(none)"
            raise ApiError(400, f"Content-Type {sent!r} does not match the signed {upload.content_type!r}")
        data = await _bounded_body(request, self.settings.upload_limit, "upload")
        if upload.size is not None and len(data) != upload.size:
            raise ApiError(400, f"the upload has {len(data)} bytes, the signed size is {upload.size}")
        self.state.store_upload(upload, data, content_type)
        return Response(b"", status_code=200, headers={"ETag": f'"{uuid.uuid4().hex}"'})

    async def _cdn(self, request: Request) -> Response:
        fault, answer = await self._file_fault("cdn")
        if answer is None:
            upload = self.state.uploaded(request.path_params["key"])
            if upload is None or upload.data is None:
                answer = Response(b"Not Found", status_code=404, media_type="text/plain")
            else:
                answer = Response(upload.data, media_type=upload.stored_type)
            if fault is not None and fault.kind is FaultKind.APPLIED_THEN_RESET:
                answer = _Dropped(self.connections)
            elif fault is not None and fault.kind is FaultKind.RESET_MID_BODY and answer.status_code == 200:
                answer = self._cut_off(answer)
        return self._count("cdn", answer)

    async def _result(self, request: Request) -> Response:
        fault, answer = await self._file_fault("result")
        if answer is None:
            answer = self._result_file(request, fault)
        return self._count("result", answer)

    def _result_file(self, request: Request, fault: Fault | None) -> Response:
        resource_id, _, extension = request.path_params["name"].partition(".")
        media_type = self.state.result_media_type(resource_id, extension)
        if media_type is None:
            return Response(b"Not Found", status_code=404, media_type="text/plain")
        size = self.settings.result_size if extension == "mp4" else PREVIEW_RESULT_SIZE
        start, end, status = 0, size, 200
        etag = f'"{resource_id}-{size}"'
        headers = {"content-type": media_type, "etag": etag}
        wanted = None
        if self.settings.ranges:
            headers["accept-ranges"] = "bytes"
            # If-Range: the range only if the file is still the one the client saw (else the whole file)
            if_range = request.headers.get("if-range")
            if if_range is None or if_range.strip() == etag:
                wanted = _byte_range(request.headers.get("range"), size)
        if isinstance(wanted, str):
            return Response(b"", status_code=416, headers={"content-range": f"bytes */{size}"})
        if wanted is not None:
            start, end = wanted
            status = 206
            headers["content-range"] = f"bytes {start}-{end - 1}/{size}"
        headers["content-length"] = str(end - start)
        if fault is not None and fault.kind is FaultKind.APPLIED_THEN_RESET:
            return _Dropped(self.connections)
        cut_off = fault is not None and fault.kind is FaultKind.RESET_MID_BODY
        stream_end = start + (end - start) // 2 if cut_off else end

        async def chunks() -> AsyncIterator[bytes]:
            for chunk in iter_bytes(resource_id, start, stream_end):
                yield chunk

        return _Chunked(status, headers, chunks(), connections=self.connections, cut_off=cut_off)

    async def _unknown(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = self._error(404, f"no such endpoint: {scope.get('method')} {scope.get('path')}")
        self.stats.record_request("unknown", 404)
        await response(scope, receive, send)


def _byte_range(header: str | None, size: int) -> tuple[int, int] | str | None:
    """(start, end) of a single ``bytes=`` range, "unsatisfiable", or None to send the whole file.

    As RFC 9110 says, a range that cannot be read (not digits, several ranges, ``bytes=5-2``) is ignored:
    the whole file is sent. A range starting past the end (or an empty suffix ``-0``) is unsatisfiable.
    """
    match = _RANGE.fullmatch(header.strip()) if header else None
    if match is None or match.group(1) == match.group(2) == "":
        return None
    first, last = match.group(1), match.group(2)
    if first:
        start = int(first)
        end = int(last) + 1 if last else size
        if last and end <= start:  # bytes=5-2
            return None
    else:
        start, end = max(0, size - int(last)), size
        if int(last) == 0:
            return "unsatisfiable"
    if start >= size:
        return "unsatisfiable"
    return start, min(end, size)


_RANGE = re.compile(r"bytes=([0-9]*)-([0-9]*)")
