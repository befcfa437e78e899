"""verify() and parse(): good, forged, missing-header, oversized and malformed deliveries."""

from __future__ import annotations

import contextlib
import json

import httpx
import pytest
from a2e_faceswap import webhooks
from a2e_faceswap.errors import (
    A2EError,
    InvalidInputError,
    WebhookPayloadError,
    WebhookVerificationError,
)
from a2e_faceswap.models import TaskStatus
from hypothesis import given
from hypothesis import strategies as st
from starlette.datastructures import Headers

TOKEN = "whsec-test-0123456789"
TASK_ID = "0123456789abcdef01234567"
RECORD = {
    "_id": TASK_ID,
    "name": "clip",
    "current_status": "completed",
    "result_url": "https://cdn.example/r.mp4",
    "faild_message": "",
    "error_code": "0",
}


@pytest.mark.parametrize(
    "headers",
    [
        {"X-A2e-Webhook-Token": TOKEN},
        {"x-a2e-webhook-token": TOKEN},
        [("X-A2E-WEBHOOK-TOKEN", TOKEN)],
        [(b"x-a2e-webhook-token", TOKEN.encode())],
        httpx.Headers({"X-A2e-Webhook-Token": TOKEN}),
        Headers(raw=[(b"x-a2e-webhook-token", TOKEN.encode())]),
    ],
    ids=["dict", "dict-lower", "pairs", "asgi-bytes", "httpx", "starlette"],
)
def test_verify_accepts_the_token_whatever_the_header_case_or_container(headers: object) -> None:
    webhooks.verify(headers, TOKEN)


@pytest.mark.parametrize(
    ("headers", "why"),
    [
        ({}, "no X-A2e-Webhook-Token"),
        ({"Authorization": f"Bearer {TOKEN}"}, "no X-A2e-Webhook-Token"),
        ({"X-A2e-Webhook-Token": TOKEN + "x"}, "wrong"),
        ({"X-A2e-Webhook-Token": TOKEN[:-1]}, "wrong"),
        ({"X-A2e-Webhook-Token": ""}, "wrong"),
        ([("x-a2e-webhook-token", TOKEN), ("X-A2e-Webhook-Token", TOKEN)], "more than once"),
        (
            httpx.Headers([("x-a2e-webhook-token", "forged"), ("x-a2e-webhook-token", TOKEN)]),
            "more than once",
        ),
    ],
)
def test_verify_refuses_missing_wrong_and_repeated_tokens_without_naming_them(
    headers: object, why: str
) -> None:
    with pytest.raises(WebhookVerificationError, match=why) as caught:
        webhooks.verify(headers, TOKEN)
    assert TOKEN not in str(caught.value)
    assert TOKEN not in repr(caught.value)
    assert isinstance(caught.value, A2EError)


@pytest.mark.parametrize("bad", [42, "x-a2e-webhook-token", [("only-one",)]])
def test_verify_refuses_what_is_not_headers(bad: object) -> None:
    with pytest.raises(InvalidInputError):
        webhooks.verify(bad, TOKEN)


def test_verify_refuses_an_empty_expected_token() -> None:
    with pytest.raises(InvalidInputError):
        webhooks.verify({"X-A2e-Webhook-Token": ""}, "")


def test_parse_the_detail_record_itself() -> None:
    event = webhooks.parse(json.dumps(RECORD).encode())
    assert event.task_id == TASK_ID
    assert event.status is TaskStatus.COMPLETED
    assert event.event == "task.completed"
    assert event.task is not None
    assert event.task.id == TASK_ID
    assert event.task.result_url == "https://cdn.example/r.mp4"
    assert event.is_terminal


@pytest.mark.parametrize("key", ["data", "task", "record", "result"])
def test_parse_an_event_wrapper(key: str) -> None:
    failed = {**RECORD, "current_status": "failed", "faild_message": "no face"}
    event = webhooks.parse(json.dumps({"event": "task.failed", key: failed}))
    assert (event.task_id, event.event, event.status) == (TASK_ID, "task.failed", TaskStatus.FAILED)
    assert event.task is not None
    assert event.task.failure_message == "no face"


@pytest.mark.parametrize("key", ["_id", "id", "task_id"])
def test_parse_finds_the_id_under_each_spelling_and_the_status_from_the_event_name(key: str) -> None:
    event = webhooks.parse(json.dumps({"type": "task.completed", key: TASK_ID}))
    assert (event.task_id, event.status, event.task) == (TASK_ID, TaskStatus.COMPLETED, None)
    wrapped = webhooks.parse(json.dumps({"event": "task.failed", "data": {key: TASK_ID}}))
    assert (wrapped.task_id, wrapped.status) == (TASK_ID, TaskStatus.FAILED)


def test_parse_reads_an_id_beside_the_wrapper_and_a_status_field() -> None:
    event = webhooks.parse(json.dumps({"task_id": TASK_ID, "data": {"status": "processing"}}))
    assert (event.task_id, event.status, event.event) == (TASK_ID, TaskStatus.PROCESSING, None)
    assert event.task is not None
    assert not event.is_terminal


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"not json",
        b"\xff\xfe\x00garbage",
        b"[]",
        b'"task.completed"',
        b"null",
        b"{}",
        b'{"event": "task.completed"}',
        b'{"_id": 5}',
        b'{"_id": "   "}',
        b'{"_id": "' + b"a" * 500 + b'"}',
        b'{"data": {"_id": ["x"]}}',
        b"[" * 100_000 + b"]" * 100_000,
        b'{"a":' * 50_000 + b"1" + b"}" * 50_000,
        b'{"_id": "x"',
    ],
)
def test_parse_refuses_malformed_bodies_with_our_error(body: bytes) -> None:
    with pytest.raises(WebhookPayloadError) as caught:
        webhooks.parse(body)
    assert not caught.value.too_large


def test_parse_refuses_an_oversized_body_before_reading_it() -> None:
    body = json.dumps({**RECORD, "pad": "x" * webhooks.MAX_BODY}).encode()
    with pytest.raises(WebhookPayloadError) as caught:
        webhooks.parse(body)
    assert caught.value.too_large


def test_parse_refuses_what_is_not_a_body() -> None:
    with pytest.raises(InvalidInputError):
        webhooks.parse(123)  # type: ignore[arg-type]


@given(st.binary(max_size=512))
def test_parse_arbitrary_bytes_never_raise_anything_but_our_error(body: bytes) -> None:
    with contextlib.suppress(WebhookPayloadError):
        webhooks.parse(body)


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                [
                    "_id",
                    "id",
                    "task_id",
                    "event",
                    "type",
                    "data",
                    "task",
                    "current_status",
                    "status",
                    "result_url",
                    "x",
                ]
            ),
            children,
            max_size=5,
        )
    ),
    max_leaves=20,
)


@given(_json)
def test_parse_arbitrary_json_never_raises_anything_but_our_error(value: object) -> None:
    try:
        event = webhooks.parse(json.dumps(value))
    except WebhookPayloadError:
        return
    assert event.task_id


@given(
    st.dictionaries(st.text(max_size=20), st.text(max_size=40), max_size=6), st.text(min_size=1, max_size=40)
)
def test_verify_on_arbitrary_headers_raises_only_our_error(headers: dict[str, str], token: str) -> None:
    with contextlib.suppress(WebhookVerificationError):
        webhooks.verify(headers, token)


def test_the_module_imports_no_web_framework() -> None:
    import subprocess
    import sys

    code = "import sys, a2e_faceswap.webhooks; print('starlette' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
