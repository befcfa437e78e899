"""The seams users and tests expect: ``A2E(http_client=httpx.Client(...))`` /
``AsyncA2E(http_client=httpx.AsyncClient(...))`` and ``default_headers=``.

A user's client is used as is and never closed by us, and every guarantee of the hostile-server issue
holds with it: answers decoded with bounds, the request's timeout bounding the whole attempt (also
with a custom transport, between chunks), the token only to the API origin and never in logs, no
redirects followed, absolute URLs whatever the client's base_url. Its own settings are left as they
were. Both clients, against the simulator and small hostile servers.
"""

from __future__ import annotations

import asyncio
import functools
import gzip
import http.cookiejar
import logging
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from a2e_faceswap import (
    A2E,
    APIError,
    APITimeoutError,
    AsyncA2E,
    InvalidInputError,
    ResponseTooLargeError,
    Task,
)
from a2e_faceswap.testing import Simulator

from tests.hostile._server import Conn, HostileServer, Request, envelope

TOKEN = "sk-seams-0123456789abcdef"
TASK_ID = "b" * 24
RECORD = {"_id": TASK_ID, "current_status": "processing", "result_url": ""}
FACE = "https://cdn.example.com/face.jpg"
VIDEO = "https://cdn.example.com/clip.mp4"
MIB = 1024 * 1024


def _user_client_settings(http: httpx.Client | httpx.AsyncClient) -> dict[str, Any]:
    """What we must not change on a user's client."""
    return {
        "base_url": str(http.base_url),
        "headers": dict(http.headers),
        "auth": http.auth,
        "follow_redirects": http.follow_redirects,
        "timeout": http.timeout,
        "hooks": {k: list(v) for k, v in http.event_hooks.items()},
    }


def _foreign_options() -> dict[str, Any]:
    """A user's client set up for something else: every one of these must not reach API calls."""
    return {
        "base_url": "https://elsewhere.example/v9/",
        "auth": ("someone", "else"),
        "follow_redirects": True,
        "timeout": 0.001,
        "headers": {"Accept-Encoding": "br", "X-Theirs": "1"},
    }


def _run_sync(sim: Simulator, http: httpx.Client, **options: Any) -> Task:
    with A2E(api_key=sim.token, base_url=sim.base_url, http_client=http, **options) as client:
        created = client.tasks.create(face=FACE, video=VIDEO, name="seam")
        return client.tasks.get(created.id)


def test_sync_user_client_is_used_as_is_and_left_open(sim: Simulator) -> None:
    seen: list[httpx.Request] = []
    with httpx.Client(**_foreign_options(), event_hooks={"request": [seen.append]}) as http:
        before = _user_client_settings(http)
        task = _run_sync(sim, http, default_headers={"X-Team": "faces"})
        assert isinstance(task, Task)
        assert not http.is_closed  # closing the A2E left the user's client open
        assert _user_client_settings(http) == before
    api = [r for r in seen if r.url.path.startswith("/api/")]
    assert len(api) == 2
    for request in api:
        assert str(request.url).startswith(sim.base_url + "/api/")  # not under the client's base_url
        assert request.headers["Authorization"] == f"Bearer {sim.token}"  # ours, not their basic auth
        assert request.headers["Accept-Encoding"] == "gzip, deflate"
        assert request.headers["X-Team"] == "faces"
        assert request.headers["X-Theirs"] == "1"  # their headers still go along
        assert request.headers["User-Agent"].startswith("a2e-faceswap/")


async def test_async_user_client_is_used_as_is_and_left_open(sim: Simulator) -> None:
    seen: list[httpx.Request] = []

    async def hook(request: httpx.Request) -> None:
        seen.append(request)

    async with httpx.AsyncClient(**_foreign_options(), event_hooks={"request": [hook]}) as http:
        before = _user_client_settings(http)
        async with AsyncA2E(
            api_key=sim.token, base_url=sim.base_url, http_client=http, default_headers={"X-Team": "faces"}
        ) as client:
            created = await client.tasks.create(face=FACE, video=VIDEO, name="seam")
            assert isinstance(await client.tasks.get(created.id), Task)
        assert not http.is_closed
        assert _user_client_settings(http) == before
    api = [r for r in seen if r.url.path.startswith("/api/")]
    assert len(api) == 2
    assert all(r.headers["Authorization"] == f"Bearer {sim.token}" for r in api)
    assert all(r.headers["X-Team"] == "faces" for r in api)


def test_a_mock_transport_client_works_as_a_test_double() -> None:
    """The seam users' own tests use: ``httpx.MockTransport`` (respx works the same way)."""
    asked: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        asked.append(str(request.url))
        return httpx.Response(200, content=envelope(RECORD))

    http = httpx.Client(transport=httpx.MockTransport(answer))
    with A2E(api_key=TOKEN, base_url="https://api.example", http_client=http) as client:
        assert client.tasks.get(TASK_ID).id == TASK_ID
    assert asked == [f"https://api.example/api/v1/userFaceSwapTask/{TASK_ID}"]


def test_the_wrong_kind_of_client_is_refused_before_any_request() -> None:
    with pytest.raises(InvalidInputError, match=r"httpx\.Client"):
        A2E(api_key=TOKEN, http_client=httpx.AsyncClient())  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError, match=r"httpx\.AsyncClient"):
        AsyncA2E(api_key=TOKEN, http_client=httpx.Client())  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError, match="default_headers"):
        A2E(api_key=TOKEN, default_headers={"X-Count": 3})  # type: ignore[dict-item]


# ------------------------------------------------------------------ hostile servers, through a user's client


def _sync_get(server: HostileServer, http: httpx.Client, timeout: float = 5.0) -> object:
    with A2E(api_key=TOKEN, base_url=server.url, http_client=http, max_retries=0, timeout=timeout) as c:
        return c.tasks.get(TASK_ID)


def _async_get(server: HostileServer, timeout: float = 5.0, **options: Any) -> object:
    async def go() -> object:
        async with (
            httpx.AsyncClient(**options) as http,
            AsyncA2E(
                api_key=TOKEN, base_url=server.url, http_client=http, max_retries=0, timeout=timeout
            ) as c,
        ):
            return await c.tasks.get(TASK_ID)

    return asyncio.run(go())


def _outcome(call: Callable[[], object]) -> object:
    try:
        return call()
    except Exception as exc:
        return exc


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_answers_are_decoded_with_bounds(serve: Any, mode: str) -> None:
    def gzipped(request: Request, conn: Conn) -> None:
        if request.path.endswith(TASK_ID):
            conn.respond(200, gzip.compress(envelope(RECORD)), [("Content-Encoding", "gzip")])

    def too_large(request: Request, conn: Conn) -> None:
        body = gzip.compress(envelope({**RECORD, "pad": "x" * (17 * MIB)}))
        conn.respond(200, body, [("Content-Encoding", "gzip")])

    for handler, expected in ((gzipped, Task), (too_large, ResponseTooLargeError)):
        server = serve(handler)
        if mode == "sync":
            with httpx.Client(headers={"Accept-Encoding": "br, zstd"}) as http:
                result = _outcome(functools.partial(_sync_get, server, http))
        else:
            result = _outcome(functools.partial(_async_get, server, headers={"Accept-Encoding": "br"}))
        assert isinstance(result, expected), result
        assert server.requests[0].headers["accept-encoding"] == "gzip, deflate"


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_the_timeout_bounds_the_whole_attempt(serve: Any, mode: str) -> None:
    """A server trickling its answer a byte every 50 ms (each read well inside the timeout)."""

    def trickle(request: Request, conn: Conn) -> None:
        body = envelope({**RECORD, "pad": "x" * 400})
        if conn.head(200, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]):
            conn.trickle(body, 0.05)

    server = serve(trickle)
    start = time.monotonic()
    if mode == "sync":
        with httpx.Client() as http:
            result = _outcome(lambda: _sync_get(server, http, timeout=0.5))
    else:
        result = _outcome(lambda: _async_get(server, timeout=0.5))
    assert isinstance(result, APITimeoutError), result
    assert time.monotonic() - start < 2.5


class _SlowStream(httpx.SyncByteStream, httpx.AsyncByteStream):
    """A custom transport's body: 40 chunks, 50 ms apart (2 s in all)."""

    def __iter__(self) -> Iterator[bytes]:
        yield b'{"code": 0, "data": '
        for _ in range(40):
            time.sleep(0.05)
            yield b" "
        yield b"null}"

    async def __aiter__(self) -> Any:
        yield b'{"code": 0, "data": '
        for _ in range(40):
            await asyncio.sleep(0.05)
            yield b" "
        yield b"null}"


def test_the_timeout_holds_between_chunks_with_a_custom_transport() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, stream=_SlowStream())

    async def async_answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, stream=_SlowStream())

    start = time.monotonic()
    http = httpx.Client(transport=httpx.MockTransport(answer))
    with A2E(
        api_key=TOKEN, base_url="https://api.example", http_client=http, timeout=0.4, max_retries=0
    ) as client:
        sync_result = _outcome(lambda: client.tasks.get(TASK_ID))
    assert isinstance(sync_result, APITimeoutError), sync_result

    async def go() -> object:
        http = httpx.AsyncClient(transport=httpx.MockTransport(async_answer))
        async with AsyncA2E(
            api_key=TOKEN, base_url="https://api.example", http_client=http, timeout=0.4, max_retries=0
        ) as c:
            return await _aoutcome(c.tasks.get(TASK_ID))

    async_result = asyncio.run(go())
    assert isinstance(async_result, APITimeoutError), async_result
    assert time.monotonic() - start < 1.6  # 0.4 s each; 2 s each unbounded


async def _aoutcome(call: Any) -> object:
    try:
        return await call
    except Exception as exc:
        return exc


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_no_redirect_is_followed_and_the_token_stays_at_the_api_origin(serve: Any, mode: str) -> None:
    """The user's client follows redirects; an API call through it does not, so the other origin
    (another port) never hears from us, with or without the token."""
    elsewhere = serve(lambda request, conn: conn.json({"code": 0, "data": RECORD}))

    def redirect(request: Request, conn: Conn) -> None:
        conn.respond(302, b"", [("Location", f"{elsewhere.url}/api/v1/userFaceSwapTask/{TASK_ID}")])

    server = serve(redirect)
    if mode == "sync":
        with httpx.Client(follow_redirects=True) as http:
            result = _outcome(lambda: _sync_get(server, http))
    else:
        result = _outcome(lambda: _async_get(server, follow_redirects=True))
    assert isinstance(result, APIError), result
    assert result.status == 302
    assert elsewhere.count() == 0
    assert server.requests[0].headers["authorization"] == f"Bearer {TOKEN}"


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_the_request_log_holds_with_a_user_client_and_never_shows_the_token(
    serve: Any, mode: str, caplog: pytest.LogCaptureFixture
) -> None:
    def echo(request: Request, conn: Conn) -> None:  # a server echoing the token back in the answer
        conn.json({"code": 0, "data": {**RECORD, "note": TOKEN}}, headers=[("X-Echo", f"Bearer {TOKEN}")])

    server = serve(echo)
    caplog.set_level(logging.DEBUG)  # every logger: ours, httpx, httpcore
    if mode == "sync":
        with httpx.Client() as http:
            result = _sync_get(server, http)
    else:
        result = _async_get(server)
    assert isinstance(result, Task)
    assert TOKEN not in repr(result)
    assert f"request GET {server.url}/api/v1/userFaceSwapTask/{TASK_ID}" in caplog.text  # our log ran
    assert "-> 200" in caplog.text
    assert TOKEN not in caplog.text + "".join(repr(r.__dict__) for r in caplog.records)


def test_a_user_async_client_is_refused_in_a_second_event_loop(sim: Simulator) -> None:
    """Issue 9 row 13's clear error: the first loop is still running, the second is refused before
    sending (the simulator sees one request), and the user's client is theirs to close."""
    http = httpx.AsyncClient()
    client = AsyncA2E(api_key=sim.token, base_url=sim.base_url, http_client=http)
    with asyncio.Runner() as first:
        first.run(client.tasks.list())
        with pytest.raises(InvalidInputError, match="event loop"):
            asyncio.run(client.tasks.list())
        first.run(client.close())
        assert not http.is_closed
        first.run(http.aclose())
    assert sum(n for (route, _), n in sim.stats.requests.items() if route == "list_task_records") == 1


# ------------------------------------------------------------------ import time (figures: make bench)


def _loaded_after(code: str) -> set[str]:
    """Top-level packages a fresh interpreter holds after ``code``."""
    probe = f"import sys; {code}; print(' '.join(sorted({{m.split('.')[0] for m in sys.modules}})))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    return set(out.stdout.split())


def test_importing_the_package_defers_what_a_first_call_needs() -> None:
    heavy = {"httpcore", "asyncio", "dateutil", "a2e_api"}
    assert _loaded_after("import a2e_faceswap") & {*heavy, "httpx"} == set()
    # A2E itself: nothing heavy either; the generated package comes with the first call.
    assert _loaded_after("from a2e_faceswap import A2E") & heavy == set()
    assert "asyncio" not in _loaded_after("from a2e_faceswap import AsyncA2E")


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_our_pool_keeps_the_cookies_a_server_sets_and_skips_the_jar_otherwise(
    serve: Any, mode: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The pool we make (no ``http_client``) hands an answer to ``http.cookiejar`` only when it sets a
    cookie (the per-call overhead, docs/bench.md); a cookie that is set is kept and sent back, as
    httpx does."""
    passes: list[str] = []
    extract = http.cookiejar.CookieJar.extract_cookies

    def counting(jar: http.cookiejar.CookieJar, response: Any, request: Any) -> None:
        passes.append(request.get_full_url())
        extract(jar, response, request)

    monkeypatch.setattr(http.cookiejar.CookieJar, "extract_cookies", counting)

    def sets_a_cookie_once(request: Request, conn: Conn) -> None:
        cookie = [("Set-Cookie", "sid=abc; Path=/")] if len(server.requests) == 1 else []
        conn.respond(200, envelope(RECORD), cookie)

    server = serve(sets_a_cookie_once)
    if mode == "sync":
        with A2E(api_key=TOKEN, base_url=server.url, max_retries=0) as client:
            tasks = [client.tasks.get(TASK_ID) for _ in range(3)]
    else:

        async def three() -> list[Task]:
            async with AsyncA2E(api_key=TOKEN, base_url=server.url, max_retries=0) as client:
                return [await client.tasks.get(TASK_ID) for _ in range(3)]

        tasks = asyncio.run(three())
    assert [task.id for task in tasks] == [TASK_ID] * 3
    assert [r.headers.get("cookie") for r in server.requests] == [None, "sid=abc", "sid=abc"]
    assert passes == [f"{server.url}/api/v1/userFaceSwapTask/{TASK_ID}"]


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_a_cookie_set_on_a_download_redirect_reaches_the_next_hop(
    serve: Any, mode: str, tmp_path: Path
) -> None:
    """Downloads follow redirects: a cookie the redirect sets goes with the next hop, as httpx does."""

    def handler(request: Request, conn: Conn) -> None:
        if request.path == "/r/start":
            conn.respond(302, b"", [("Location", "/r/final.mp4"), ("Set-Cookie", "hop=1; Path=/")])
        elif "hop=1" in request.headers.get("cookie", ""):
            conn.respond(200, b"the result", content_type="video/mp4")
        else:
            conn.respond(403, b"no cookie")

    server = serve(handler)
    url = f"{server.url}/r/start"
    if mode == "sync":
        with A2E(api_key=TOKEN, base_url=server.url, max_retries=0) as client:
            path = client.tasks.download(url, tmp_path / "out.mp4")
    else:

        async def fetch() -> Path:
            async with AsyncA2E(api_key=TOKEN, base_url=server.url, max_retries=0) as client:
                return await client.tasks.download(url, tmp_path / "out.mp4")

        path = asyncio.run(fetch())
    assert path.read_bytes() == b"the result"
    assert [r.path for r in server.requests] == ["/r/start", "/r/final.mp4"]
