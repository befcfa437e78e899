"""The error mapping (``_error_class``, ``error_from_response``, ``map_transport_error``) at its edges:
every status and code boundary, each message the client writes itself, and each transport failure's
class and ``outcome_unknown`` (which decides whether a paid create may be sent again)."""

from __future__ import annotations

from http import HTTPStatus

import httpx
import pytest
from a2e_api.models import ErrorResponse, TaskResponse
from a2e_api.types import Response
from a2e_faceswap import (
    APIConnectionError,
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
from a2e_faceswap._endpoints import CREATE_TASK
from a2e_faceswap._error_mapping import (
    _error_class,
    accepted,
    error_from_response,
    map_transport_error,
    outcome,
)
from a2e_faceswap.errors import A2EError, APIError

SECRET = "sk_mutation_secret_0123"


def _error(status: int, body: bytes, parse_error: BaseException | None = None, reason: str = "") -> APIError:
    extensions = {"reason_phrase": reason.encode()} if reason else {}
    response = httpx.Response(status, content=body, extensions=extensions)
    return error_from_response("op", response, SECRET, parse_error)


@pytest.mark.parametrize(
    ("status", "code", "expected"),
    [
        # an error code under HTTP 2xx (status None)
        (None, 1003, ModerationError),
        (None, 1004, ModerationError),
        (None, 429, RateLimitError),
        (None, 503, ServerError),
        (None, None, BadRequestError),
        (None, 399, BadRequestError),
        (None, 401, AuthenticationError),
        (None, 402, InsufficientCreditsError),
        (None, 404, NotFoundError),
        (None, 499, BadRequestError),
        (None, 500, ServerError),
        (None, 599, ServerError),
        (None, 600, BadRequestError),
        (None, 7001, BadRequestError),
        # an HTTP error status
        (403, 1004, ModerationError),
        (400, None, BadRequestError),
        (401, None, AuthenticationError),
        (402, None, InsufficientCreditsError),
        (403, None, PermissionDeniedError),
        (404, None, NotFoundError),
        (408, None, APIError),
        (429, None, RateLimitError),
        (405, None, BadRequestError),
        (499, None, BadRequestError),
        (500, None, ServerError),
        (502, None, ServerError),
        (599, None, ServerError),
        (300, None, APIError),
        (304, None, APIError),
        (399, None, APIError),
    ],
)
def test_error_class_of_each_status_and_code(status: int | None, code: int | None, expected: type) -> None:
    assert _error_class(status, code) is expected


def test_a_3xx_answer_is_an_error_not_a_success() -> None:
    # 300 is past the 2xx range: not an unreadable success, and its code 0 does not make it one
    for status in (300, 301):
        error = _error(status, b'{"code": 0, "msg": "moved"}')
        assert type(error) is APIError
        assert error.status == status
        assert error.code == 0
        assert error.message == "moved"
    last_ok = _error(299, b'{"code": 0, "msg": "fine"}')
    assert type(last_ok) is UnreadableResponseError
    first_ok = _error(200, b"")
    assert type(first_ok) is UnreadableResponseError
    before = _error(199, b"")
    assert type(before) is APIError


def test_the_message_field_is_read_under_either_name() -> None:
    assert _error(400, b'{"code": 400, "msg": "bad face"}').message == "bad face"
    assert _error(400, b'{"code": 400, "message": "bad video"}').message == "bad video"
    assert _error(400, b'{"code": 400, "msg": " ", "message": "second"}').message == "second"


def test_an_envelope_error_carries_code_trace_and_no_snippet() -> None:
    error = _error(402, b'{"code": 402, "msg": "no credits", "trace_id": "tr-1"}')
    assert type(error) is InsufficientCreditsError
    assert (error.status, error.code, error.message, error.trace_id) == (402, 402, "no credits", "tr-1")
    assert error.snippet is None
    assert error.operation == "op"
    assert error.response is not None
    assert error.response.status_code == 402


def test_an_empty_success_body_is_unreadable_with_its_own_message() -> None:
    error = _error(200, b"")
    assert type(error) is UnreadableResponseError
    assert error.message == "expected A2E's JSON envelope, got an empty body: ''"
    assert error.snippet == ""
    assert error.code is None


def test_a_success_body_that_is_not_an_object_is_unreadable_with_its_snippet() -> None:
    for body in (b"<html>hello</html>", b"[1, 2]", b'"text"'):
        error = _error(200, body)
        assert type(error) is UnreadableResponseError
        snippet = body.decode()
        assert error.snippet == snippet
        assert error.message == f"expected A2E's JSON envelope, got not a JSON object: {snippet!r}"


def test_a_contract_mismatch_names_the_parse_error_or_nothing() -> None:
    body = b'{"code": 0, "data": {"odd": true}}'
    plain = _error(200, body)
    assert type(plain) is UnreadableResponseError
    assert plain.message == "the answer does not match the contract"
    assert plain.snippet == body.decode()
    assert plain.code == 0
    detailed = _error(200, body, KeyError("data"))
    assert type(detailed) is UnreadableResponseError
    assert detailed.message == "the answer does not match the contract (KeyError: 'data')"
    none_code = _error(200, b'{"data": {}}', ValueError("no code"))
    assert type(none_code) is UnreadableResponseError
    assert none_code.message == "the answer does not match the contract (ValueError: no code)"


def test_an_error_code_under_200_is_the_code_s_error() -> None:
    error = _error(200, b'{"code": 1, "msg": "odd"}')
    assert type(error) is BadRequestError
    assert (error.status, error.code, error.message) == (200, 1, "odd")


def test_an_error_without_a_message_uses_the_reason_phrase_and_the_body() -> None:
    html = _error(502, b"<html>Bad   Gateway</html>", reason="Bad Gateway")
    assert type(html) is ServerError
    assert html.message == "Bad Gateway (body: '<html>Bad Gateway</html>')"
    assert html.snippet == "<html>Bad Gateway</html>"
    empty = _error(503, b"", reason="Service Unavailable")
    assert empty.message == "Service Unavailable"
    assert empty.snippet == ""
    envelope = _error(500, b'{"code": 500}', reason="Internal Server Error")
    assert envelope.message == "Internal Server Error"
    assert envelope.snippet is None
    nameless = _error(599, b'{"code": 599}')
    assert nameless.message == "error"


def test_an_unreadable_error_body_is_no_envelope() -> None:
    error = _error(500, b"{not json", reason="Internal Server Error")
    assert type(error) is ServerError
    assert error.code is None
    assert error.snippet == "{not json"
    deep = _error(500, b"[" * 100_000, reason="Internal Server Error")
    assert type(deep) is ServerError


def test_the_token_is_scrubbed_from_every_text_of_an_answer() -> None:
    envelope = _error(400, f'{{"code": 400, "msg": "bad {SECRET}", "trace_id": "t-{SECRET}"}}'.encode())
    assert SECRET not in envelope.message
    assert SECRET not in (envelope.trace_id or "")
    html = _error(500, f"<p>{SECRET}</p>".encode(), reason="Internal Server Error")
    assert SECRET not in html.message
    assert SECRET not in (html.snippet or "")
    mismatch = _error(200, f'{{"code": 0, "x": "{SECRET}"}}'.encode(), ValueError(SECRET))
    assert SECRET not in mismatch.message
    assert SECRET not in (mismatch.snippet or "")


_REQUEST = httpx.Request("POST", "https://a2e.example/api")


@pytest.mark.parametrize(
    ("exc", "expected", "outcome_unknown"),
    [
        (httpx.ConnectTimeout("c", request=_REQUEST), APITimeoutError, False),
        (httpx.PoolTimeout("p", request=_REQUEST), APITimeoutError, False),
        (httpx.ReadTimeout("r", request=_REQUEST), APITimeoutError, True),
        (httpx.WriteTimeout("w", request=_REQUEST), APITimeoutError, True),
        (httpx.ConnectError("refused", request=_REQUEST), APIConnectionError, False),
        (httpx.UnsupportedProtocol("ftp", request=_REQUEST), APIConnectionError, False),
        (httpx.RemoteProtocolError("cut", request=_REQUEST), APIConnectionError, True),
        (httpx.ReadError("reset", request=_REQUEST), APIConnectionError, True),
        (httpx.TooManyRedirects("loop", request=_REQUEST), APIConnectionError, True),
    ],
)
def test_each_transport_failure_says_whether_the_request_may_have_landed(
    exc: Exception, expected: type, outcome_unknown: bool
) -> None:
    error = map_transport_error("create_task", exc, SECRET)
    assert type(error) is expected
    assert isinstance(error, APIConnectionError)
    assert error.outcome_unknown is outcome_unknown
    assert error.operation == "create_task"
    assert error.message == f"{type(exc).__name__}: {exc}"


def test_a_transport_failure_without_text_is_named_by_its_class() -> None:
    error = map_transport_error("get_task", httpx.ReadError("", request=_REQUEST), SECRET)
    assert error.message == "ReadError"


def test_an_undecodable_body_is_unreadable() -> None:
    error = map_transport_error("get_task", httpx.DecodingError("bad gzip", request=_REQUEST), SECRET)
    assert type(error) is UnreadableResponseError
    assert error.message == "DecodingError: bad gzip"
    assert error.operation == "get_task"


def test_a_request_that_could_not_be_built_is_bad_input() -> None:
    error: A2EError = map_transport_error("get_task", httpx.InvalidURL("bad host"), SECRET)
    assert type(error) is InvalidInputError
    assert error.message == "get_task: the request could not be built (InvalidURL: bad host)"
    other = map_transport_error("get_task", ValueError("nul"), SECRET)
    assert type(other) is InvalidInputError


def test_the_token_is_scrubbed_from_a_transport_failure() -> None:
    for exc in (httpx.ConnectError(f"to {SECRET}", request=_REQUEST), httpx.InvalidURL(f"/{SECRET}")):
        assert SECRET not in str(map_transport_error("op", exc, SECRET))


# ------------------------------------------------------------------ a finished call: success or error

_TASK = {"code": 0, "data": {"_id": "a" * 24, "current_status": "initialized"}}


def _answer(status: int, parsed: object) -> tuple[httpx.Response, Response[object]]:
    response = httpx.Response(status, json=_TASK)
    detailed: Response[object] = Response(
        status_code=HTTPStatus.OK, content=response.content, headers={}, parsed=parsed
    )
    return response, detailed


@pytest.mark.parametrize(("status", "success"), [(199, False), (200, True), (299, True), (300, False)])
def test_a_parsed_success_counts_only_under_2xx(status: int, success: bool) -> None:
    parsed = TaskResponse.from_dict(_TASK)
    response, detailed = _answer(status, parsed)
    if success:
        assert outcome(CREATE_TASK, SECRET, response, detailed, None) is parsed
    else:
        with pytest.raises(APIError) as caught:
            outcome(CREATE_TASK, SECRET, response, detailed, None)
        assert caught.value.status == status


def test_a_parse_error_an_error_model_or_no_model_is_an_error() -> None:
    response, detailed = _answer(200, TaskResponse.from_dict(_TASK))
    problem = KeyError("data")
    with pytest.raises(UnreadableResponseError) as caught:
        outcome(CREATE_TASK, SECRET, response, detailed, problem)
    assert caught.value.__cause__ is problem
    assert caught.value.message == "the answer does not match the contract (KeyError: 'data')"
    refused = httpx.Response(200, json={"code": 400, "msg": "bad face"})
    error_model = Response(
        status_code=HTTPStatus(200),
        content=refused.content,
        headers={},
        parsed=ErrorResponse.from_dict({"code": 400, "msg": "bad face"}),
    )
    with pytest.raises(BadRequestError):
        outcome(CREATE_TASK, SECRET, refused, error_model, None)
    with pytest.raises(UnreadableResponseError):
        outcome(CREATE_TASK, SECRET, response, None, None)


def test_no_answer_at_all_is_the_transport_failure() -> None:
    cut = httpx.ReadError("reset", request=_REQUEST)
    with pytest.raises(APIConnectionError) as caught:
        outcome(CREATE_TASK, SECRET, None, None, cut)
    assert caught.value.operation == "create_task"
    assert caught.value.outcome_unknown is True
    assert caught.value.__cause__ is cut


@pytest.mark.parametrize(
    ("status", "accept", "expected"),
    [
        (199, (), False),
        (200, (), True),
        (299, (), True),
        (300, (), False),
        (416, (416,), True),
        (416, (), False),
    ],
)
def test_which_statuses_a_raw_call_accepts(status: int, accept: tuple[int, ...], expected: bool) -> None:
    assert accepted(status, frozenset(accept)) is expected


def test_a_finished_call_scrubs_the_token_from_its_error() -> None:
    leaked = httpx.Response(500, content=f"<p>{SECRET}</p>".encode())
    with pytest.raises(APIError) as caught:
        outcome(CREATE_TASK, SECRET, leaked, None, None)
    assert SECRET not in str(caught.value)
    assert SECRET not in (caught.value.snippet or "")
    cut = httpx.ReadError(f"reset by {SECRET}", request=_REQUEST)
    with pytest.raises(APIConnectionError) as lost:
        outcome(CREATE_TASK, SECRET, None, None, cut)
    assert SECRET not in str(lost.value)
