"""Webhook deliveries an attacker shaped: odd header values and containers, tokens outside ASCII, log
injection through the path, bodies sent to a receiver without the token."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator

import httpx
import pytest
from a2e_faceswap import webhooks
from a2e_faceswap.errors import A2EError, WebhookVerificationError

TOKEN = "whsec-hostile-5550123"
TASK_ID = "0123456789abcdef01234567"
BODY = json.dumps({"event": "task.completed", "data": {"_id": TASK_ID, "current_status": "completed"}})


def _client(app: object) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
    return httpx.AsyncClient(transport=transport, base_url="http://receiver")


@pytest.mark.parametrize(
    ("headers", "token"),
    [
        ({webhooks.HEADER: "\ud800"}, TOKEN),  # a lone surrogate in what a framework handed us
        ({webhooks.HEADER: TOKEN}, "tok\udcff\ud800"),
        ([(webhooks.HEADER, "\udcff")], TOKEN),
    ],
)
def test_verify_meets_any_text_with_our_errors_only(headers: object, token: str) -> None:
    with pytest.raises(A2EError):
        webhooks.verify(headers, token)


class _Odd:
    def multi_items(self) -> int:
        return 5


def test_verify_refuses_a_headers_container_that_lies_with_our_error() -> None:
    with pytest.raises(A2EError):
        webhooks.verify(_Odd(), TOKEN)


@pytest.mark.parametrize("token", ["clé-secrète", "токен-42", "トークン"])
async def test_a_token_outside_ascii_sent_as_utf8_verifies_through_the_app(token: str) -> None:
    # webhook_token accepts any text at create; A2E sends it back as UTF-8 bytes, which ASGI frameworks
    # hand over decoded as latin-1
    events: list[webhooks.WebhookEvent] = []
    app = webhooks.app(token, on_event=events.append)
    async with _client(app) as client:
        answer = await client.post("/", content=BODY, headers=[(webhooks.HEADER.encode(), token.encode())])
    assert answer.status_code == 204
    assert [e.task_id for e in events] == [TASK_ID]
    webhooks.verify({webhooks.HEADER: token}, token)  # and as text, as a user's own code gives it
    with pytest.raises(WebhookVerificationError):
        webhooks.verify([(webhooks.HEADER.encode(), token.encode() + b"x")], token)


async def test_an_unsigned_request_puts_no_control_character_in_the_log_through_its_path(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG, logger="a2e_faceswap.webhooks")
    async with _client(webhooks.app(TOKEN)) as client:
        answer = await client.post("/x%1b[2K%1b[1Gwebhook%20event%20task.completed%08%7f", content=BODY)
    assert answer.status_code == 401
    assert caplog.records
    for record in caplog.records:
        assert record.getMessage().isprintable()


async def test_an_unsigned_delivery_is_refused_before_its_body_is_read() -> None:
    sent: list[int] = []

    async def body() -> AsyncIterator[bytes]:
        for n in range(16):
            sent.append(n)
            yield b" " * 65536

    async with _client(webhooks.app(TOKEN)) as client:
        answer = await client.post("/", content=body(), headers={webhooks.HEADER: "forged"})
    assert answer.status_code == 401
    assert len(sent) <= 1


async def test_no_token_reaches_logs_reprs_or_errors_of_a_near_miss(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    async with _client(webhooks.app(TOKEN)) as client:
        for value in (TOKEN + "x", TOKEN.upper(), TOKEN[:-1]):
            answer = await client.post("/", content=BODY, headers={webhooks.HEADER: value})
            assert answer.status_code == 401
    with pytest.raises(WebhookVerificationError) as caught:
        webhooks.verify({webhooks.HEADER: TOKEN + "x"}, TOKEN)
    shown = caplog.text + repr(caught.value) + str(caught.value) + repr(webhooks.Listener(TOKEN))
    assert TOKEN not in shown
    assert TOKEN[:-1] not in shown
