"""Each error class, raised by both clients for what the simulator really answers."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from a2e_faceswap import (
    A2E,
    A2EError,
    APIConnectionError,
    APIError,
    APITimeoutError,
    AsyncA2E,
    AuthenticationError,
    BadRequestError,
    InsecureURLError,
    InsufficientCreditsError,
    InvalidInputError,
    ModerationError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ServerError,
    TaskFailedError,
    UnreadableResponseError,
    WaitTimeoutError,
)
from a2e_faceswap._error_mapping import error_from_response
from a2e_faceswap.testing import FaultKind

from tests.facade.conftest import Env, MakeApi
from tests.facade.support import FACE, FAST, VIDEO, listing

UNKNOWN_ID = "0123456789abcdef01234567"


@pytest.fixture
def frozen_clock(env: Env) -> Iterator[None]:
    speed = env.sim.clock.speed
    env.sim.clock.speed = 0
    yield
    env.sim.clock.speed = speed


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


async def test_bad_request_not_found_and_their_envelope(api: AsyncA2E) -> None:
    with pytest.raises(BadRequestError) as bad:  # the simulator's 400 for a face at an upload URL
        await api.faces.add(f"{api.base_url}/r2/put/face.jpg")
    error = bad.value
    assert error.status == 400
    assert error.code == 400
    assert error.trace_id
    assert "upload URL" in error.message
    assert isinstance(error.response, httpx.Response)
    assert error.operation == "add_face_image"
    assert "HTTP 400" in str(error)
    assert error.trace_id in str(error)
    with pytest.raises(NotFoundError) as missing:
        await api.tasks.get(UNKNOWN_ID)
    assert missing.value.status == 404
    with pytest.raises(NotFoundError):
        await api.previews.get(UNKNOWN_ID)
    with pytest.raises(NotFoundError):
        await api.faces.delete(UNKNOWN_ID)
    with pytest.raises(NotFoundError):
        await api.tasks.delete(UNKNOWN_ID)


async def test_authentication_error_for_a_wrong_token(make_api: MakeApi) -> None:
    api = make_api(api_key="sk_wrong_token")
    with pytest.raises(AuthenticationError) as caught:
        await api.tasks.list()
    assert caught.value.status == 401
    assert caught.value.code == 401


async def test_insufficient_credits(api: AsyncA2E, env: Env) -> None:
    env.sim.set_credits(0, env.token)
    with pytest.raises(InsufficientCreditsError) as caught:
        await api.tasks.create(face=FACE, video=VIDEO)
    assert caught.value.status == 402
    assert "credits" in caught.value.message
    with pytest.raises(InsufficientCreditsError):
        await api.uploads.upload(b"data", "application/octet-stream")


async def test_moderation_under_http_403(api: AsyncA2E, env: Env) -> None:
    env.sim.faults.script("create_task", [FaultKind.HTTP_403_MODERATION])
    with pytest.raises(ModerationError) as caught:
        await api.tasks.create(face=FACE, video=VIDEO)
    assert caught.value.status == 403
    assert caught.value.code == 1003
    assert env.sim.tasks(env.token) == []  # refused, not looked up, not sent again


async def test_moderation_code_under_http_200(api: AsyncA2E, env: Env) -> None:
    env.sim.faults.script("create_preview", [FaultKind.CODE_MODERATION])
    with pytest.raises(ModerationError) as caught:
        await api.previews.create(face=FACE, video=VIDEO)
    assert isinstance(caught.value, BadRequestError)
    assert caught.value.status == 200
    assert caught.value.code == 1003
    assert "minor" in caught.value.message


def test_status_and_code_mapping_for_answers_the_simulator_never_gives() -> None:
    def error(status: int, body: bytes) -> APIError:
        return error_from_response("op", httpx.Response(status, content=body), "sk_secret")

    assert type(error(403, b'{"code": 403, "msg": "no"}')) is PermissionDeniedError
    assert type(error(403, b'{"code": 1004, "msg": "suspected minor"}')) is ModerationError
    assert type(error(408, b"")) is APIError
    assert type(error(418, b"{}")) is BadRequestError
    assert type(error(200, b'{"code": 503, "msg": "later"}')) is ServerError
    assert type(error(200, b'{"code": 7001, "msg": "odd"}')) is BadRequestError
    assert type(error(200, b'{"code": 401, "msg": "token"}')) is AuthenticationError
    leaked = error(500, b"<html>token sk_secret leaked</html>")
    assert "sk_secret" not in str(leaked)
    assert "sk_secret" not in (leaked.snippet or "")


async def test_rate_limit_and_busy_code(make_api: MakeApi, env: Env) -> None:
    api = make_api(max_retries=0)
    env.sim.faults.script("create_preview", [FaultKind.HTTP_429])
    with pytest.raises(RateLimitError) as http_429:
        await api.previews.create(face=FACE, video=VIDEO)
    assert http_429.value.status == 429
    env.sim.faults.script("list_task_records", [FaultKind.CODE_BUSY])
    with pytest.raises(RateLimitError) as busy:
        await api.tasks.list()
    assert busy.value.status == 200
    assert busy.value.code == 429


@pytest.mark.parametrize(
    ("operation", "call"),
    [
        ("get_task", lambda api: api.tasks.get(UNKNOWN_ID)),
        ("create_task", lambda api: api.tasks.create(face=FACE, video=VIDEO)),
        ("delete_task", lambda api: api.tasks.delete(UNKNOWN_ID)),
    ],
)
async def test_a_busy_code_under_http_200_is_parsed_by_the_generated_client_as_an_error(
    make_api: MakeApi, env: Env, operation: str, call: Callable[[AsyncA2E], Any]
) -> None:
    api = make_api(max_retries=0)
    env.sim.faults.script(operation, [FaultKind.CODE_BUSY])
    with pytest.raises(RateLimitError) as caught:
        await call(api)
    error = caught.value
    assert error.__cause__ is None  # the contract's BusinessError parsed it; nothing raised KeyError
    assert (error.status, error.code, error.operation) == (200, 429, operation)
    sent = error.response.json() if error.response is not None else {}
    assert error.message == sent["msg"] == "the service is busy, try again later"
    assert error.trace_id == sent["trace_id"]
    assert error.trace_id
    assert error.snippet is None


async def test_server_errors_json_and_html(make_api: MakeApi, env: Env) -> None:
    api = make_api(max_retries=0)
    env.sim.faults.script("get_task", [FaultKind.HTTP_500, FaultKind.HTTP_503_HTML])
    with pytest.raises(ServerError) as json_500:
        await api.tasks.get(UNKNOWN_ID)
    assert json_500.value.status == 500
    assert json_500.value.snippet is None
    with pytest.raises(ServerError) as html_503:
        await api.tasks.get(UNKNOWN_ID)
    assert html_503.value.status == 503
    assert html_503.value.code is None
    assert html_503.value.snippet is not None
    assert html_503.value.snippet.startswith("<html>")


@pytest.mark.parametrize("fault", [FaultKind.MALFORMED_JSON, FaultKind.NON_OBJECT_JSON])
async def test_unreadable_answers(api: AsyncA2E, env: Env, fault: FaultKind) -> None:
    task = await api.tasks.create(face=FACE, video=VIDEO)
    env.sim.faults.script("get_task", [fault] * 4)
    with pytest.raises(UnreadableResponseError) as caught:
        await api.tasks.get(task.id)
    assert caught.value.status == 200
    assert caught.value.snippet
    assert env.sim.faults.pending_script("get_task") == [fault] * 3  # not retried


async def test_unreadable_answer_of_a_contract_shape_mismatch(api: AsyncA2E, env: Env) -> None:
    env.sim.faults.script("list_task_records", [FaultKind.NON_OBJECT_JSON] * 4)
    for _ in range(4):  # "[]", '"ok"', "null", "0": none is an envelope
        with pytest.raises(UnreadableResponseError):
            await api.tasks.list()


async def test_connection_errors(make_api: MakeApi, env: Env) -> None:
    api = make_api(max_retries=0)
    env.sim.faults.script("get_task", [FaultKind.RESET])
    with pytest.raises(APIConnectionError) as reset:
        await api.tasks.get(UNKNOWN_ID)
    assert reset.value.outcome_unknown
    assert not isinstance(reset.value, APITimeoutError)
    closed = make_api(base_url=f"http://127.0.0.1:{_closed_port()}", max_retries=0)
    with pytest.raises(APIConnectionError) as refused:
        await closed.tasks.list()
    assert not refused.value.outcome_unknown


async def test_timeout_error(make_api: MakeApi, env: Env) -> None:
    api = make_api(max_retries=0)
    env.sim.faults.add(FaultKind.SLOW, route="get_task", times=1, delay=1.0)
    with pytest.raises(APITimeoutError) as caught:
        await api.tasks.get(UNKNOWN_ID, timeout=0.1)
    assert caught.value.outcome_unknown


async def test_task_failed_error(api: AsyncA2E, env: Env) -> None:
    env.sim.fail_next_task(error_code="1003", message="a minor was detected")
    task = await api.tasks.create(face=FACE, video=VIDEO)
    with pytest.raises(TaskFailedError) as caught:
        await api.tasks.wait(task.id, **FAST)
    assert caught.value.error_code == "1003"
    assert caught.value.failure_message == "a minor was detected"
    assert caught.value.task.is_failed
    assert caught.value.task.id == task.id
    env.sim.faults.script("create_preview", [FaultKind.TASK_FAILURE])
    preview = await api.previews.create(face=FACE, video=VIDEO)
    with pytest.raises(TaskFailedError) as preview_failed:
        await api.previews.wait(preview, **FAST)
    assert preview_failed.value.task.id == preview.id


async def test_wait_timeout_leaves_the_task_alone(api: AsyncA2E, env: Env, frozen_clock: None) -> None:
    deletes = env.requests_to("delete_task")
    task = await api.tasks.create(face=FACE, video=VIDEO)
    with pytest.raises(WaitTimeoutError) as caught:
        await api.tasks.wait(task, timeout=0.1, poll_interval=0.02)
    assert caught.value.task is not None
    assert caught.value.task.raw_status == "initialized"
    assert 0.1 <= caught.value.waited < 2.0
    assert (await api.tasks.get(task.id)).id == task.id  # not deleted
    assert env.requests_to("delete_task") == deletes


async def _attempt(call: Callable[[AsyncA2E], Any], api: AsyncA2E) -> None:
    """Make the call and drive it (await it, or take the first item of an iterator)."""
    result = call(api)
    if hasattr(result, "__await__"):
        await result
    elif hasattr(result, "__anext__"):
        await result.__anext__()


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda c: c.tasks.get(""), "task_id"),
        (lambda c: c.tasks.get("   "), "task_id"),
        (lambda c: c.tasks.delete(None), "task_id"),
        (lambda c: c.faces.delete(""), "face_id"),
        (lambda c: c.previews.get(""), "preview_id"),
        (lambda c: c.tasks.get_many("abc"), "list of ids"),
        (lambda c: c.tasks.get_many([UNKNOWN_ID, ""]), "24 hex digits"),
        (lambda c: c.tasks.list(page=0), "page"),
        (lambda c: c.tasks.list(page_size=0), "page_size"),
        (lambda c: c.tasks.list(page_size=101), "page_size"),
        (lambda c: c.tasks.iter(page_size=500), "page_size"),
        (lambda c: c.tasks.create(face="ftp://x/y.jpg", video=VIDEO), r"http\(s\)"),
        (lambda c: c.tasks.create(face="/no/such/file.jpg", video=VIDEO), "existing file"),
        (lambda c: c.tasks.create(face=FACE, video=VIDEO, webhook_url="http://plain.example/hook"), "https"),
        (
            lambda c: c.tasks.create(face=FACE, video=VIDEO, webhook_url="https://x.example/" + "a" * 2048),
            "2048",
        ),
        (lambda c: c.tasks.create(face=FACE, video=VIDEO, webhook_token="t" * 257), "256"),
        (lambda c: c.tasks.create(face=FACE, video=VIDEO, model_version="v3"), "model_version"),
        (lambda c: c.tasks.create(face=FACE, video=VIDEO, name=""), "name"),
        (lambda c: c.tasks.create(face=FACE, video=VIDEO, cover_url="cover.jpg"), "cover_url"),
        (lambda c: c.tasks.wait("", timeout=1), "task_id"),
        (lambda c: c.tasks.wait(UNKNOWN_ID, timeout=-1), "timeout"),
        (lambda c: c.tasks.wait(UNKNOWN_ID, poll_interval=0), "poll_interval"),
        (lambda c: c.tasks.download(UNKNOWN_ID, None), "path"),
        (lambda c: c.uploads.upload(b""), "empty"),
        (lambda c: c.uploads.upload("/no/such/file"), "no such file"),
        (lambda c: c.uploads.upload(b"x", content_type="png"), "MIME"),
        (lambda c: c.previews.create(face=FACE, video=""), "video"),
        (lambda c: c.faces.add(42), "face"),
        (lambda c: c.tasks.get(UNKNOWN_ID, timeout=-5), "timeout"),
        (lambda c: c.with_options(max_retries=-1), "max_retries"),
        (lambda c: c.with_options(timeout=0), "timeout"),
    ],
)
async def test_input_checks_before_any_request(
    make_api: MakeApi, call: Callable[[AsyncA2E], Any], message: str
) -> None:
    # Nothing listens on this port: any request would end in APIConnectionError, not in the check.
    api = make_api(base_url=f"http://127.0.0.1:{_closed_port()}", max_retries=0)
    with pytest.raises(InvalidInputError, match=message) as caught:
        await _attempt(call, api)
    assert isinstance(caught.value, ValueError)
    assert isinstance(caught.value, A2EError)


async def test_download_of_an_unfinished_task_is_refused(
    api: AsyncA2E, tmp_path: Path, frozen_clock: None
) -> None:
    task = await api.tasks.create(face=FACE, video=VIDEO)
    with pytest.raises(InvalidInputError, match="no result yet"):
        await api.tasks.download(task, tmp_path)
    with pytest.raises(InvalidInputError, match="no result yet"):
        await api.tasks.download(task.id, tmp_path)
    assert listing(tmp_path) == []


def test_construction_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("A2E_API_KEY", raising=False)
    monkeypatch.delenv("A2E_BASE_URL", raising=False)
    for cls in (A2E, AsyncA2E):
        with pytest.raises(AuthenticationError, match="A2E_API_KEY") as missing:
            cls()
        assert missing.value.status is None
        with pytest.raises(AuthenticationError):
            cls(api_key="  ")
        with pytest.raises(InsecureURLError, match="plain http"):
            cls(api_key="sk_x", base_url="http://video.a2e.ai")
        with pytest.raises(InvalidInputError, match="region"):
            cls(api_key="sk_x", region="mars")
        with pytest.raises(InvalidInputError, match="base_url"):
            cls(api_key="sk_x", base_url="ftp://video.a2e.ai")
