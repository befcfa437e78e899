"""Contract checking: every API request the simulator receives and every answer it sends, against the spec.

The spec is read by ``_spec``; the openapi-core validators are built from it once per process, and a
check then costs well under a millisecond. Security is left out of the request check on purpose: a missing or
wrong token is a case the simulator answers (401, as the contract documents), not a contract breach.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from typing import Any

from openapi_core import OpenAPI
from openapi_core.contrib.starlette.requests import StarletteOpenAPIRequest
from openapi_core.datatypes import RequestParameters
from openapi_core.validation.request.exceptions import (
    ParameterValidationError,
    RequestBodyValidationError,
    SecurityValidationError,
)
from openapi_core.validation.response.exceptions import DataValidationError, HeaderValidationError
from starlette.datastructures import Headers
from starlette.requests import Request

from a2e_faceswap.testing._spec import load_spec, operation

_MAX_MESSAGE = 300


class ContractViolationError(AssertionError):
    """The simulator saw a request, or was about to send an answer, that openapi/a2e.yaml does not allow.

    Raised (in strict mode) by ``Simulator.check()`` and when the simulator stops. Each entry of
    ``violations`` names the operation, the direction, the field and what is wrong with it.
    """

    def __init__(self, violations: Iterable[str]) -> None:
        self.violations = list(violations)
        lines = "\n".join(f"  - {violation}" for violation in self.violations)
        super().__init__(f"{len(self.violations)} contract violation(s) against openapi/a2e.yaml:\n{lines}")


@functools.cache
def _openapi() -> OpenAPI:
    spec = load_spec()
    # The simulator serves the API at its own root, whatever host and port it runs on.
    spec["servers"] = [{"url": "/"}]
    return OpenAPI.from_dict(spec)


class _Request(StarletteOpenAPIRequest):
    """openapi-core's starlette request adapter, told which route matched (no path search needed)."""

    def __init__(self, request: Request, body: bytes, path_pattern: str) -> None:
        super().__init__(request, body)
        self.path_pattern = path_pattern
        self.parameters = RequestParameters(
            query=request.query_params,
            header=request.headers,
            cookie=request.cookies,
            path=dict(request.path_params),
        )


class _Response:
    def __init__(self, status_code: int, headers: Mapping[str, str], body: bytes) -> None:
        self.status_code = status_code
        self.headers = Headers(headers=dict(headers))
        self.content_type = self.headers.get("content-type", "")
        self.data = body


def _short(text: str) -> str:
    return text if len(text) <= _MAX_MESSAGE else text[: _MAX_MESSAGE - 3] + "..."


def _text(exc: BaseException) -> str:
    try:
        return str(exc)
    except Exception:  # some openapi-core errors cannot describe a body that is not UTF-8
        return type(exc).__name__


def _describe(where: str, exc: BaseException) -> list[str]:
    cause = exc.__cause__
    schema_errors = getattr(cause, "schema_errors", None)
    if not schema_errors:
        return [_short(f"{where}: {_text(cause or exc)}")]
    return [message for error in schema_errors for message in _schema_messages(where, error)]


def _schema_messages(where: str, error: Any, label: str = "") -> list[str]:
    """One message per problem. A body matching none of a oneOf/anyOf (every 200: the success envelope
    or BusinessError) gets the problems of each alternative, named, instead of one line quoting it all."""
    alternatives = error.validator_value
    if error.validator in ("oneOf", "anyOf") and error.context and isinstance(alternatives, list):
        messages = []
        for sub in error.context:
            index = sub.schema_path[0]
            name = _alternative_name(alternatives[index]) or f"alternative {index}"
            messages += _schema_messages(where, sub, f"{label}/{name}" if label else name)
        return messages
    path = ".".join(str(part) for part in error.absolute_path)
    field = f" field {path}" if path else ""
    alternative = f" (as {label})" if label else ""
    return [_short(f"{where}{field}{alternative}: {error.message}")]


def _alternative_name(schema: Any) -> str | None:
    ref = schema.get("$ref") if isinstance(schema, dict) else None
    return ref.rsplit("/", 1)[-1] if isinstance(ref, str) else None


class ContractChecker:
    """Checks requests and answers of the API operations against the contract."""

    def __init__(self) -> None:
        self._api = _openapi()

    @staticmethod
    def lists_status(operation_id: str, status: int) -> bool:
        """Whether the contract lists ``status`` among the answers of the operation."""
        known = operation(operation_id)
        return known is not None and status in known.statuses

    def prepare(self, request: Request, body: bytes, path_pattern: str) -> _Request:
        return _Request(request, body, path_pattern)

    def request_violations(self, operation: str, request: _Request) -> list[str]:
        """What is wrong with the request, one message per problem (empty: it conforms)."""
        found: list[str] = []
        for exc in self._api.iter_request_errors(request):
            if isinstance(exc, SecurityValidationError):
                continue
            if isinstance(exc, ParameterValidationError):
                where = f"{exc.location} parameter {exc.name!r}"
            elif isinstance(exc, RequestBodyValidationError):
                where = "request body"
            else:
                where = "request"
            found.extend(_describe(f"{operation} {where}", exc))
        return found

    def response_violations(
        self, operation: str, request: _Request, status: int, headers: Mapping[str, str], body: bytes
    ) -> list[str]:
        """What is wrong with the answer, one message per problem (empty: it conforms)."""
        found: list[str] = []
        response = _Response(status, headers, body)
        for exc in self._api.iter_response_errors(request, response):
            if isinstance(exc, HeaderValidationError):
                where = f"response {status} header {exc.name!r}"
            elif isinstance(exc, DataValidationError):
                where = f"response {status} body"
            else:
                where = f"response {status}"
            found.extend(_describe(f"{operation} {where}", exc))
        return found
