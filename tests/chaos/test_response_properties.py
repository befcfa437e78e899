"""Property tests of the response handling: whatever status, headers and body come back, every client
method either returns its model or raises one of our errors - nothing else - and the token never
shows in an error.

The bytes are fed to the real code (the generated parsers, the transport's judgement, the models)
through an ``httpx.MockTransport`` under the facade's own transport objects; nothing of ours is mocked.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
from a2e_faceswap import (
    A2E,
    A2EError,
    ActiveTask,
    AsyncA2E,
    FaceImage,
    Preview,
    RetryPolicy,
    Task,
    TaskPage,
)
from a2e_faceswap._error_mapping import error_from_response
from a2e_faceswap._retry import retry_after_seconds
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

BASE_URL = "https://api.a2e.example"
SECRET = "sk_property_5e1f0a77c3d94b2e8d6a"
ID = "6674f1765699df7e9d2a0b1c"
FACE = "https://media.example.com/face.jpg"
VIDEO = "https://media.example.com/clip.mp4"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(32)
#: no retries, no sleeping: one answer per call (the create lookup reads the same kind of answer)
POLICY = RetryPolicy(max_retries=0, initial_delay=0.0, max_delay=0.0, retry_after_cap=0.0, settle_window=0.0)

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=12,
)
TASK = {
    "_id": ID,
    "name": "a2e-faceswap-20261121T120000-0a1b2c3d",
    "face_url": FACE,
    "video_url": VIDEO,
    "current_status": "completed",
    "result_url": "https://cdn.example.com/r.mp4",
    "error_code": "0",
    "faild_message": "",
    "duration": 12,
    "createdAt": "2026-11-21T12:00:00.000Z",
    "updatedAt": "2026-11-21T12:01:00.000Z",
    # an upload target (create_upload_url) and a face image (add_face_image) share the record strategy
    "uploadUrl": "https://bucket.example.com/put/x?sig=1",
    "cdnUrl": "https://cdn.example.com/x",
}


#: fields the generated models require (dropping one makes the answer unreadable, by contract)
REQUIRED = frozenset({"_id", "current_status", "face_url", "video_url", "name", "uploadUrl"})


@st.composite
def records(draw: st.DrawFn, keep_required: bool = False) -> dict[str, Any]:
    """A task-like record with some fields dropped, replaced by any JSON, or added."""
    record: dict[str, Any] = {}
    for key, value in TASK.items():
        choice = draw(st.sampled_from(["keep", "keep", "drop", "replace"]))
        if keep_required and key in REQUIRED:
            choice = "keep"
        if choice == "keep":
            record[key] = value
        elif choice == "replace":
            record[key] = draw(JSON)
    record.update(draw(st.dictionaries(st.text(max_size=8), JSON, max_size=3)))
    return record


DATA = (
    records()
    | st.lists(records(), max_size=3)
    | st.fixed_dictionaries({"rows": st.lists(records(), max_size=3), "count": JSON})
    | JSON
)
CODES = st.just(0) | st.sampled_from([429, 503, 1003, 1004, 401, 500]) | JSON


@st.composite
def envelopes(draw: st.DrawFn) -> bytes:
    envelope: dict[str, Any] = {"code": draw(CODES), "data": draw(DATA)}
    for key in ("msg", "message", "trace_id"):
        if draw(st.booleans()):
            envelope[key] = draw(JSON | st.text(max_size=30).map(lambda t: t + SECRET))
    if draw(st.booleans()):
        envelope.pop(draw(st.sampled_from(["code", "data"])))
    return json.dumps(envelope).encode()


@st.composite
def well_formed(draw: st.DrawFn) -> bytes:
    """A success envelope whose data has the shape of one of the operations, odd values inside."""
    kept = records(keep_required=True)
    data = draw(
        kept
        | st.lists(kept, max_size=3)
        | st.fixed_dictionaries({"rows": st.lists(kept, max_size=3), "count": st.integers(0, 10) | JSON})
        | st.none()
    )
    envelope: dict[str, Any] = {"code": draw(st.sampled_from([0, "0"])), "data": data, "msg": "success"}
    return json.dumps(envelope).encode()


BODIES = (
    envelopes()
    | JSON.map(lambda value: json.dumps(value).encode())
    | st.binary(max_size=200)
    | st.text(max_size=100).map(lambda t: f"<html>{t} Bearer {SECRET}</html>".encode())
    | st.integers(500, 3_000).map(lambda depth: b"[" * depth)  # nested past the parser's stack
    | st.just(b"")
)
JSON_HEADERS = st.fixed_dictionaries({"content-type": st.just("application/json")})
STATUSES = st.sampled_from([200, 200, 200, 201, 204, 400, 401, 402, 403, 404, 408, 429, 500, 502, 503]) | (
    st.integers(200, 599)
)
HEADER_TEXT = st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=40)
HEADERS = st.fixed_dictionaries(
    {},
    optional={
        "content-type": st.sampled_from(["application/json", "text/html", "text/plain", ""]) | HEADER_TEXT,
        "retry-after": st.sampled_from(["1", "-5", "nan", "inf", "1e308", "Wed, 21 Oct 2015 07:28:00 GMT"])
        | HEADER_TEXT,
        "content-encoding": st.sampled_from(["gzip", "deflate", "identity", "zstd", "x-unknown"]),
        "set-cookie": st.just(f"session={SECRET}"),
    },
)


#: (status, headers, body): anything at all, or a well-formed success (so models come out too)
ANSWERS = st.tuples(STATUSES, HEADERS, BODIES) | st.tuples(st.just(200), JSON_HEADERS, well_formed())


class Answer:
    def __init__(self, status: int, headers: dict[str, str], body: bytes) -> None:
        self.status, self.headers, self.body = status, headers, body

    def __call__(self, request: httpx.Request) -> httpx.Response:
        return httpx.Response(self.status, headers=self.headers, content=self.body)


def sync_client(answer: Answer) -> A2E:
    """A client whose answers come from ``answer`` (a mock transport: nothing to close)."""
    http = httpx.Client(transport=httpx.MockTransport(answer))
    return A2E(api_key=SECRET, base_url=BASE_URL, timeout=5.0, retry_policy=POLICY, http_client=http)


def async_client(answer: Answer) -> AsyncA2E:
    """Made inside the event loop that uses it (a user's AsyncClient belongs to one loop)."""

    async def handler(request: httpx.Request) -> httpx.Response:
        return answer(request)

    http = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    return AsyncA2E(api_key=SECRET, base_url=BASE_URL, timeout=5.0, retry_policy=POLICY, http_client=http)


#: (name, call, what a success must be)
CALLS: list[tuple[str, Callable[[Any], Any], Callable[[object], bool]]] = [
    ("tasks.get", lambda c: c.tasks.get(ID), lambda r: isinstance(r, Task)),
    ("tasks.list", lambda c: c.tasks.list(), lambda r: isinstance(r, TaskPage)),
    (
        "tasks.get_many",
        lambda c: c.tasks.get_many([ID]),
        lambda r: isinstance(r, dict) and all(isinstance(t, Task) for t in r.values()),
    ),
    (
        "tasks.active",
        lambda c: c.tasks.active(),
        lambda r: isinstance(r, list) and all(isinstance(t, ActiveTask) for t in r),
    ),
    ("tasks.delete", lambda c: c.tasks.delete(ID), lambda r: r is None),
    (
        "tasks.create",
        lambda c: c.tasks.create(face=FACE, video=VIDEO, name="p"),
        lambda r: isinstance(r, Task),
    ),
    ("previews.get", lambda c: c.previews.get(ID), lambda r: isinstance(r, Preview)),
    (
        "previews.create",
        lambda c: c.previews.create(face=FACE, video=VIDEO),
        lambda r: isinstance(r, Preview),
    ),
    ("faces.add", lambda c: c.faces.add(FACE), lambda r: isinstance(r, FaceImage)),
    ("uploads.upload", lambda c: c.uploads.upload(PNG), lambda r: isinstance(r, str) and "://" in r),
    (
        "faces.list",
        lambda c: c.faces.list(),
        lambda r: isinstance(r, list) and all(isinstance(f, FaceImage) for f in r),
    ),
]


def _judge(name: str, valid: Callable[[object], bool], call: Callable[[], object]) -> None:
    """The call returns a valid result, or raises one of ours (anything else fails the test as is)."""
    error: A2EError | None = None
    try:
        result = call()
    except A2EError as raised:
        error = raised
    if error is None:
        assert valid(result), f"{name} returned {result!r}"
        return
    for text in (str(error), repr(error)):
        assert SECRET not in text, f"{name}: the token leaked into {type(error).__name__}: {text[:200]}"


SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


Call = tuple[str, Callable[[Any], Any], Callable[[object], bool]]


@SETTINGS
@given(st.sampled_from(CALLS), ANSWERS)
def test_sync_client_answers_with_a_model_or_our_error(
    call: Call, answer: tuple[int, dict[str, str], bytes]
) -> None:
    name, method, valid = call
    with sync_client(Answer(*answer)) as client:
        _judge(name, valid, lambda: method(client))


@SETTINGS
@given(st.sampled_from(CALLS), ANSWERS)
def test_async_client_answers_with_a_model_or_our_error(
    call: Call, answer: tuple[int, dict[str, str], bytes]
) -> None:
    name, method, valid = call

    async def run() -> object:
        async with async_client(Answer(*answer)) as client:
            awaitable: Awaitable[object] = method(client)
            return await awaitable

    _judge(name, valid, lambda: asyncio.run(run()))


@SETTINGS
@given(STATUSES, HEADERS, BODIES)
def test_error_from_response_always_gives_a_scrubbed_api_error(
    status: int, headers: dict[str, str], body: bytes
) -> None:
    request = httpx.Request("GET", f"{BASE_URL}/api/v1/userFaceSwapTask/{ID}")
    try:  # httpx reads (and decodes) a body given as bytes at once
        response = httpx.Response(status, headers=headers, content=body, request=request)
    except httpx.DecodingError:
        return  # the transport maps this one before judging the body (covered by the client tests)
    error = error_from_response("get_task", response, SECRET)
    assert isinstance(error, A2EError)
    assert SECRET not in str(error)
    assert SECRET not in repr(error)
    assert error.snippet is None or SECRET not in error.snippet


@given(HEADER_TEXT)
def test_any_retry_after_gives_a_finite_delay_or_none(value: str) -> None:
    request = httpx.Request("GET", BASE_URL)
    error = error_from_response(
        "get_task", httpx.Response(429, headers={"retry-after": value}, request=request), SECRET
    )
    seconds = retry_after_seconds(error)
    assert seconds is None or 0.0 <= seconds < float("inf")
    policy = RetryPolicy(max_retries=1, retry_after_cap=30.0)
    delay = policy.decide(0, error, idempotent=True)
    assert delay is not None
    assert 0.0 <= delay <= max(30.0, policy.max_delay)


@pytest.mark.parametrize("depth", [1_000, 100_000])
def test_json_nested_past_the_parser_stack_is_unreadable_not_a_crash(depth: int) -> None:
    answer = Answer(200, {"content-type": "application/json"}, b"[" * depth)
    with sync_client(answer) as client, pytest.raises(A2EError) as info:
        client.tasks.get(ID)
    assert type(info.value).__name__ == "UnreadableResponseError"
