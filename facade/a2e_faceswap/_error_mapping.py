"""What went wrong, as one of our errors: an HTTP answer (``error_from_response``), an httpx exception
(``map_transport_error``), or a finished call to a generated function (``outcome``: the success model,
or the error it stands for). Pure functions, no I/O; the exception tree is drawn in ``errors``.

An error code under HTTP 2xx is judged by the code (A2E sends business errors with HTTP 200); an
unreadable 2xx answer is ``UnreadableResponseError``; texts taken from the answer are scrubbed of the
token and cut to a short snippet.
"""

from __future__ import annotations

import contextlib
from collections.abc import Collection, Iterator
from typing import TYPE_CHECKING, Any, TypeVar

import httpx

from . import _parsing, codes
from ._logging import scrub
from .errors import (
    A2EError,
    APIConnectionError,
    APIError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    InsufficientCreditsError,
    InvalidInputError,
    ModerationError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ServerError,
    UnreadableResponseError,
)

if TYPE_CHECKING:
    from a2e_api.types import Response

    from ._endpoints import Endpoint

__all__ = [
    "PARSE_ERRORS",
    "accepted",
    "error_from_response",
    "map_transport_error",
    "mapped_errors",
    "outcome",
]

S = TypeVar("S")

_SNIPPET = 200


def _snippet(content: bytes, secret: str) -> str:
    text = " ".join(content[: _SNIPPET * 4].decode("utf-8", "replace").split())
    text = scrub(text, secret)
    return text[:_SNIPPET] + ("…" if len(text) > _SNIPPET else "")


def _error_class(status: int | None, code: int | None) -> type[APIError]:
    """``status`` is ``None`` for an error code sent under HTTP 2xx."""
    if code in codes.MODERATION_CODES:
        return ModerationError
    if status is None:
        if code == codes.BUSY:
            return RateLimitError
        if code == codes.UNAVAILABLE:
            return ServerError
        if code is None or not 400 <= code <= 599:
            return BadRequestError
        status = code
    by_status: dict[int, type[APIError]] = {
        400: BadRequestError,
        401: AuthenticationError,
        402: InsufficientCreditsError,
        403: PermissionDeniedError,
        404: NotFoundError,
        408: APIError,
        429: RateLimitError,
    }
    if status in by_status:
        return by_status[status]
    if 400 <= status < 500:
        return BadRequestError
    if status >= 500:
        return ServerError
    return APIError


def error_from_response(
    operation: str, response: httpx.Response, secret: str, parse_error: BaseException | None = None
) -> APIError:
    """The error an answer stands for. Call it only on a read response whose body is bounded (the
    transport's own reads keep at most ``ERROR_LIMIT`` bytes of an error body)."""
    status = response.status_code
    content = response.content
    try:
        body = response.json() if content else None
    except (ValueError, RecursionError):  # RecursionError: JSON nested too deep for the parser
        body = None
    envelope: dict[str, Any] | None = body if isinstance(body, dict) else None
    snippet = None if envelope is not None else _snippet(content, secret)
    code = _parsing.code(envelope.get("code")) if envelope is not None else None
    message = _parsing.first_text(envelope, "msg", "message") if envelope is not None else None
    trace_id = _parsing.text(envelope.get("trace_id")) if envelope is not None else None
    ok = 200 <= status < 300
    cls: type[APIError]
    if ok and (code is None or code == 0):
        cls = UnreadableResponseError
        if envelope is None:
            kind = "an empty body" if not content else "not a JSON object"
            message = f"expected A2E's JSON envelope, got {kind}: {snippet!r}"
        else:
            reason = f" ({type(parse_error).__name__}: {parse_error})" if parse_error is not None else ""
            message = f"the answer does not match the contract{reason}"
            snippet = _snippet(content, secret)
    else:
        cls = _error_class(None if ok else status, code)
        if message is None:
            message = response.reason_phrase or "error"
            if snippet:
                message += f" (body: {snippet!r})"
    return cls(
        scrub(message, secret),
        status=status,
        code=code,
        trace_id=scrub(trace_id, secret) if trace_id is not None else None,
        response=response,
        operation=operation,
        snippet=snippet,
    )


def map_transport_error(operation: str, exc: Exception, secret: str) -> A2EError:
    """An httpx exception (no answer) as one of ours, telling whether the request may have landed."""
    text = scrub(f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__, secret)
    if isinstance(exc, httpx.ConnectTimeout | httpx.PoolTimeout):
        return APITimeoutError(text, outcome_unknown=False, operation=operation)
    if isinstance(exc, httpx.TimeoutException):
        return APITimeoutError(text, outcome_unknown=True, operation=operation)
    if isinstance(exc, httpx.ConnectError | httpx.UnsupportedProtocol):
        return APIConnectionError(text, outcome_unknown=False, operation=operation)
    if isinstance(exc, httpx.TransportError):
        return APIConnectionError(text, outcome_unknown=True, operation=operation)
    if isinstance(exc, httpx.DecodingError):
        return UnreadableResponseError(text, operation=operation)
    if not isinstance(exc, httpx.HTTPError):  # raised while building the request: nothing was sent
        return InvalidInputError(f"{operation}: the request could not be built ({text})")
    return APIConnectionError(text, outcome_unknown=True, operation=operation)


#: What generated parsing raises on a body that does not match the contract.
PARSE_ERRORS = (ValueError, KeyError, TypeError, AttributeError, IndexError, RecursionError)


def outcome(
    endpoint: Endpoint[S],
    secret: str,
    response: httpx.Response | None,
    detailed: Response[Any] | None,
    exc: Exception | None,
) -> S:
    """Judge one finished call: return the success model or raise the matching error."""
    if response is None:
        assert exc is not None
        raise map_transport_error(endpoint.name, exc, secret) from exc
    from a2e_api.models.error_response import ErrorResponse

    parsed = detailed.parsed if detailed is not None else None
    if (
        exc is None
        and isinstance(parsed, endpoint.load().success)
        and not isinstance(parsed, ErrorResponse)
        and 200 <= response.status_code < 300
        and _parsing.code(getattr(parsed, "code", None)) == codes.OK
    ):
        return parsed
    raise error_from_response(endpoint.name, response, secret, exc) from exc


def accepted(status: int, accept: Collection[int]) -> bool:
    """A raw call's answer is a success: 2xx, or a status the caller takes (a download's 416)."""
    return 200 <= status < 300 or status in accept


@contextlib.contextmanager
def mapped_errors(operation: str, secret: str) -> Iterator[None]:
    """Turn httpx exceptions raised inside the block (raw calls) into ours."""
    try:
        yield
    except (httpx.HTTPError, httpx.InvalidURL) as exc:
        raise map_transport_error(operation, exc, secret) from exc
