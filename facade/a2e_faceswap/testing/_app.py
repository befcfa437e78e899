"""The simulator's request pipeline: the ASGI app routing every operation of the contract (``_spec``) to its
handler (``_routes``) and the file routes (``_files``), with fault injection and contract checking around
them.

Order of work for an API request: read the body (at most ``body_limit`` bytes: a bigger declared or sent
body is answered 413 before any more of it is read, whoever sends it), check the request against the
contract, draw a fault, answer the fault if it stops the request, otherwise authenticate and apply the
request, then check the answer against the contract and send it (or drop the connection, if the fault
says so). A body that is not JSON, or JSON nested too deep to parse, is a 400.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.routing import Route, Router
from starlette.types import Receive, Scope, Send

from a2e_faceswap.testing._answers import Answers
from a2e_faceswap.testing._contract import ContractChecker
from a2e_faceswap.testing._faults import Fault, FaultKind, FaultPlan
from a2e_faceswap.testing._files import bounded_body, cdn_file, result_file, store_upload
from a2e_faceswap.testing._routes import HANDLERS, ApiCall
from a2e_faceswap.testing._server import ConnectionRegistry
from a2e_faceswap.testing._spec import operations
from a2e_faceswap.testing._state import Refusal, SimState
from a2e_faceswap.testing._stats import SimStats

API_BODY_LIMIT = 1024 * 1024
_EVERY_METHOD = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "CONNECT"]


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
        raise Refusal(400, "the request body is not valid JSON") from None
    if not isinstance(body, dict):
        raise Refusal(400, "the request body must be a JSON object")
    return body


def _api_paths() -> dict[str, dict[str, str]]:
    """operationId by method, by path; literal paths before templated ones (``/records`` is not an id)."""
    by_path: dict[str, dict[str, str]] = {}
    for operation in operations():
        by_path.setdefault(operation.path, {})[operation.method] = operation.id
    return dict(sorted(by_path.items(), key=lambda item: "{" in item[0]))


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
        self.answers = Answers(seed, connections)
        # One route per path, all methods: a method the contract does not list gets a 405 whose Allow
        # header names exactly the documented methods.
        routes = [
            Route(path, self._api_endpoint(path, methods), methods=_EVERY_METHOD)
            for path, methods in _api_paths().items()
        ]
        routes += [
            Route("/r2/put/{key:path}", self._upload_put, methods=["PUT"], name="upload_put"),
            Route("/cdn/{key:path}", self._cdn, methods=["GET"], name="cdn"),
            Route("/results/{name}", self._result, methods=["GET"], name="result"),
        ]
        self.asgi = Router(routes=routes, default=self._unknown)

    # ------------------------------------------------------------------ shared steps
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

    def _refused(self, refusal: Refusal) -> Response:
        return self.answers.error(refusal.status, refusal.message, refusal.code)

    def _after_applying(self, fault: Fault | None, response: Response, *, cut: bool = True) -> Response:
        """An applied fault's end: the connection dropped, or (with ``cut``) the body cut off midway."""
        if fault is not None and fault.kind is FaultKind.APPLIED_THEN_RESET:
            return self.answers.dropped()
        if cut and fault is not None and fault.kind is FaultKind.RESET_MID_BODY:
            return self.answers.cut_off(response)
        return response

    # ------------------------------------------------------------------ API operations
    def _api_endpoint(
        self, path: str, methods: Mapping[str, str]
    ) -> Callable[[Request], Awaitable[Response]]:
        allow = ", ".join(methods)

        async def endpoint(request: Request) -> Response:
            operation = methods.get(request.method)
            if operation is None:
                message = f"method {request.method} is not allowed on {path}"
                return self._count("unknown", self.answers.error(405, message, headers={"Allow": allow}))
            try:
                response = await self._api(operation, path, request)
            except ClientDisconnect:  # the client gave up while sending: nobody is left to answer
                response = self.answers.dropped()
            except Exception as exc:  # a simulator bug: answer it, and make it fail strict tests
                message = f"{operation}: simulator error {type(exc).__name__}: {exc}"
                self.stats.record_violations([message])
                response = self.answers.error(500, message)
            return self._count(operation, response)

        return endpoint

    async def _api(self, operation: str, path: str, request: Request) -> Response:
        try:
            raw = await bounded_body(request, self.settings.body_limit, "request body")
        except Refusal as refusal:
            return self._refused(refusal)
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
                    return self.answers.error(400, "contract violation: " + "; ".join(violations))
        fault = self._draw(operation)
        if fault is not None and not fault.kind.applies_request:
            response = self.answers.of_fault(fault)
            if fault.kind.is_contract_shaped and self._lists(operation, response.status_code):
                response = self._checked(operation, checked, response)
            return response
        if fault is not None and fault.kind is FaultKind.SLOW:
            await self._sleep(fault.delay)
        try:
            account = self.state.account(_bearer(request))
            body = _json_object(raw) if request.method == "POST" else None
            call = ApiCall(
                self.state, self.stats, account, request.query_params, request.path_params, body, fault
            )
            response = self.answers.ok(HANDLERS[operation](call))
        except Refusal as refusal:
            response = self._refused(refusal)
        if fault is not None and fault.kind is FaultKind.APPLIED_THEN_RESET:
            return self.answers.dropped()
        return self._after_applying(fault, self._checked(operation, checked, response))

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
            return self.answers.error(500, "contract violation: " + "; ".join(violations))
        return response

    # ------------------------------------------------------------------ file routes
    async def _file_fault(self, route: str) -> tuple[Fault | None, Response | None]:
        fault = self._draw(route)
        if fault is None:
            return None, None
        if not fault.kind.applies_request:
            return fault, self.answers.of_fault(fault)
        if fault.kind is FaultKind.SLOW:
            await self._sleep(fault.delay)
        return fault, None

    async def _upload_put(self, request: Request) -> Response:
        fault, answer = await self._file_fault("upload_put")
        if answer is None:
            try:
                answer = await store_upload(self.state, request, self.settings.upload_limit)
            except Refusal as refusal:
                answer = self._refused(refusal)
            except ClientDisconnect:  # the client gave up mid-upload: nothing is stored, nobody to answer
                answer = self.answers.dropped()
            answer = self._after_applying(fault, answer)
        return self._count("upload_put", answer)

    async def _cdn(self, request: Request) -> Response:
        fault, answer = await self._file_fault("cdn")
        if answer is None:
            answer = cdn_file(self.state, request.path_params["key"])
            answer = self._after_applying(fault, answer, cut=answer.status_code == 200)
        return self._count("cdn", answer)

    async def _result(self, request: Request) -> Response:
        fault, answer = await self._file_fault("result")
        if answer is None:
            answer = result_file(
                self.state,
                request,
                fault,
                task_size=self.settings.result_size,
                ranges=self.settings.ranges,
                connections=self.connections,
            )
        return self._count("result", answer)

    async def _unknown(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = self.answers.error(404, f"no such endpoint: {scope.get('method')} {scope.get('path')}")
        self.stats.record_request("unknown", 404)
        await response(scope, receive, send)
