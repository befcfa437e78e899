"""``client.account``: the balance and the quote, against the simulator (sync and async clients), and
the tolerant reading of the answers A2E does not document (``_account``), over real HTTP from a tiny
local server that sends the shapes the simulator does not."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from a2e_faceswap import (
    A2E,
    AsyncA2E,
    AuthenticationError,
    BadRequestError,
    Credits,
    InvalidInputError,
    Quote,
    RateLimitError,
    UnreadableResponseError,
)
from a2e_faceswap._account import FACE_SWAP_TASK_ROUTE, QUOTE_KEYS, credits_from, quote_from
from a2e_faceswap.testing import DEFAULT_COSTS, FaultKind, Simulator

from tests.facade.conftest import FAST_RETRY, Env, MakeApi
from tests.facade.support import FACE, FAST, VIDEO, Clients

TASK_BODY = {"name": "quote-me", "face_url": FACE, "video_url": VIDEO}


# ------------------------------------------------------------------ against the simulator
async def test_credits_are_the_accounts_balance_and_follow_what_tasks_spend(api: AsyncA2E, env: Env) -> None:
    before = env.requests_to("get_remaining_coins")  # the module's simulator counts every test's
    first = await api.account.credits()
    assert first == Credits(coins=1000, diamonds=first.diamonds)
    assert first.raw["code"] == 0
    assert first.raw["data"]["coins"] == 1000
    env.sim.set_credits(37, env.token)
    assert (await api.account.credits()).coins == 37
    task = await api.tasks.create(face=FACE, video=VIDEO)
    await api.tasks.wait(task.id, **FAST)
    cost = DEFAULT_COSTS["create_task"]
    assert (await api.account.credits()).coins == 37 - cost == env.sim.credits(env.token)
    assert env.requests_to("get_remaining_coins") - before == 3


async def test_a_face_swap_quote_is_the_task_cost_and_spends_nothing(kind: str) -> None:
    costs = {"create_task": 7, "create_preview": 2, "create_upload_url": 1}
    with Simulator(seed=5, strict=True, credits=100, costs=costs) as sim:
        clients = Clients(kind)
        api = clients.make(api_key=sim.token, base_url=sim.base_url, retry_policy=FAST_RETRY)
        try:
            quote = await api.account.quote(FACE_SWAP_TASK_ROUTE, TASK_BODY)
            assert quote == Quote(credits=7)
            assert quote.raw["data"]["credits"] == 7
            # A2E accepts the method in front of the route; the preview route is priced too
            assert (await api.account.quote("POST " + FACE_SWAP_TASK_ROUTE, TASK_BODY)).credits == 7
            preview = {"face_url": FACE, "video_url": VIDEO}
            assert (await api.account.quote("/api/v1/userFaceSwapPreview/add", preview)).credits == 2
        finally:
            await clients.close()
        assert sim.credits() == 100  # nothing charged, nothing created
        assert sim.stats.requests_to("create_task") == 0
        assert sim.stats.requests_to("quote_generation") == 3


async def test_a_route_the_server_does_not_price_is_its_400(api: AsyncA2E) -> None:
    with pytest.raises(BadRequestError) as refused:
        await api.account.quote("/api/v1/userWan25/start", {"model": "wan2.7-i2v"})
    assert refused.value.status == 400
    assert refused.value.operation == "quote_generation"


@pytest.mark.parametrize(
    ("endpoint", "body"),
    [
        ("", TASK_BODY),
        ("   ", TASK_BODY),
        (None, TASK_BODY),
        (FACE_SWAP_TASK_ROUTE, [1]),
        (FACE_SWAP_TASK_ROUTE, {1: 2}),
    ],
)
async def test_a_quote_that_cannot_be_asked_is_refused_before_sending(
    api: AsyncA2E, env: Env, endpoint: Any, body: Any
) -> None:
    before = env.requests_to("quote_generation")
    with pytest.raises(InvalidInputError):
        await api.account.quote(endpoint, body)
    assert env.requests_to("quote_generation") == before


async def test_both_are_retried_as_reads(api: AsyncA2E, env: Env) -> None:
    before = env.requests_to("get_remaining_coins"), env.requests_to("quote_generation")
    env.sim.faults.script("get_remaining_coins", [FaultKind.CODE_BUSY, FaultKind.HTTP_503])
    assert (await api.account.credits()).coins == 1000
    env.sim.faults.script("quote_generation", [FaultKind.HTTP_503, FaultKind.CODE_BUSY])
    assert (await api.account.quote(FACE_SWAP_TASK_ROUTE, TASK_BODY)).credits == DEFAULT_COSTS["create_task"]
    after = env.requests_to("get_remaining_coins"), env.requests_to("quote_generation")
    assert (after[0] - before[0], after[1] - before[1]) == (3, 3)


async def test_busy_past_the_retries_and_a_wrong_token_are_errors(make_api: MakeApi, env: Env) -> None:
    env.sim.faults.script("get_remaining_coins", [FaultKind.HTTP_429] * 3)
    with pytest.raises(RateLimitError):
        await make_api().account.credits()
    with pytest.raises(AuthenticationError):
        await make_api(api_key="sk_not_a_token").account.quote(FACE_SWAP_TASK_ROUTE, TASK_BODY)


# ------------------------------------------------------------------ shapes the simulator never sends
class _Canned(BaseHTTPRequestHandler):
    """Answers every request with the body set on the server."""

    def _answer(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        self.rfile.read(length)
        body = json.dumps(self.server.body).encode()  # type: ignore[attr-defined]
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = _answer

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def canned() -> Iterator[ThreadingHTTPServer]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Canned)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join(5)


def _client(server: ThreadingHTTPServer, answer: Any) -> A2E:
    server.body = answer  # type: ignore[attr-defined]
    host, port = server.server_address[:2]
    return A2E(api_key="sk_test", base_url=f"http://{host!s}:{port}", retry_policy=FAST_RETRY)


@pytest.mark.parametrize(
    ("data", "coins", "diamonds"),
    [
        ({"coins": 1293, "diamonds": 3}, 1293, 3),
        ({"coins": 12}, 12, None),
        ({"coins": 12.9, "diamonds": None}, 12, None),  # a fractional balance is rounded down
        ({"coins": "40", "diamonds": "x"}, 40, None),
        (1293, 1293, None),  # the bare number one third-party client accepts
        (0, 0, None),
    ],
)
def test_balance_shapes_over_http(
    canned: ThreadingHTTPServer, data: Any, coins: int, diamonds: int | None
) -> None:
    with _client(canned, {"code": 0, "data": data}) as client:
        assert client.account.credits() == Credits(coins=coins, diamonds=diamonds)


@pytest.mark.parametrize("data", [{"diamonds": 3}, {"coins": None}, {"coins": True}, "lots", None, [1]])
def test_a_balance_that_cannot_be_read_is_unreadable_never_zero(
    canned: ThreadingHTTPServer, data: Any
) -> None:
    with _client(canned, {"code": 0, "data": data}) as client, pytest.raises(UnreadableResponseError):
        client.account.credits()


@pytest.mark.parametrize(
    ("answer", "credits"),
    [
        ({"code": 0, "data": {"credits": 5, "generationRequestValidated": False}}, 5),
        ({"code": 0, "data": {"estimatedCredits": 4.2}}, 5),  # rounded up
        ({"code": 0, "data": {"cost": "3"}}, 3),
        ({"code": 0, "data": {"coins": 2, "credits": 9}}, 9),  # credits first
        ({"code": 0, "data": 6}, 6),
        ({"code": 0, "credits": 8}, 8),  # beside data rather than in it
        ({"code": 0, "data": {"credits": -1, "cost": 2}}, 2),  # a negative value is not an estimate
    ],
)
def test_quote_shapes_over_http(canned: ThreadingHTTPServer, answer: dict[str, Any], credits: int) -> None:
    with _client(canned, answer) as client:
        quote = client.account.quote(FACE_SWAP_TASK_ROUTE, TASK_BODY)
    assert quote.credits == credits
    assert dict(quote.raw) == answer


@pytest.mark.parametrize(
    "answer",
    [
        {"code": 0},
        {"code": 0, "data": None},
        {"code": 0, "data": {}},
        {"code": 0, "data": {"price": {"amount": 3}}},
        {"code": 0, "data": {"credits": True}},
        {"code": 0, "data": {"credits": "many"}},
        {"code": 0, "data": [5]},
        {"code": 0, "data": "5 credits"},
    ],
)
async def test_a_quote_without_a_readable_estimate_is_none_not_an_error(
    canned: ThreadingHTTPServer, answer: dict[str, Any]
) -> None:
    canned.body = answer  # type: ignore[attr-defined]
    host, port = canned.server_address[:2]
    async with AsyncA2E(api_key="sk_test", base_url=f"http://{host!s}:{port}") as client:
        quote = await client.account.quote(FACE_SWAP_TASK_ROUTE, TASK_BODY)
    assert quote == Quote(credits=None)
    assert dict(quote.raw) == answer


def test_the_readers_are_the_ones_the_clients_use() -> None:
    assert QUOTE_KEYS[0] == "credits"
    assert quote_from({"code": 0, "data": {"estimatedCoins": 1}}).credits == 1
    assert credits_from({"code": 0, "data": {"coins": 3.0}}).coins == 3
    assert Quote.from_dict(Quote(credits=2, raw={"x": 1}).to_dict()) == Quote(credits=2)
    assert Credits.from_dict({"coins": 4, "diamonds": None}) == Credits(coins=4)
