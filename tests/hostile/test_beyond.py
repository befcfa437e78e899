"""Hostile classes beyond the issue's list: servers that redirect, rename fields, send JSON that
Python's parser reads oddly, bomb the headers, or lie about a body's length. Each answer ends as a
record or as one of our errors (never a raw exception), the token never follows a redirect, and no
file is left behind (sync and async)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from a2e_faceswap import (
    A2EError,
    APIConnectionError,
    APIError,
    AsyncA2E,
    Task,
    UnreadableResponseError,
)

from tests.facade.support import Clients, listing
from tests.hostile._server import Conn, HostileServer, Request, envelope

ID = "a" * 24
TOKEN = "sk_hostile_beyond_0123456789"
MakeClient = Callable[[str], AsyncA2E]


@pytest.fixture
def make_client(clients: Clients) -> MakeClient:
    def make(base_url: str) -> AsyncA2E:
        return clients.make(api_key=TOKEN, base_url=base_url, max_retries=0)

    return make


def _answer(body: bytes, headers: tuple[tuple[str, str], ...] = ()) -> Callable[[Request, Conn], None]:
    def handler(request: Request, conn: Conn) -> None:
        conn.respond(200, body, headers)

    return handler


TASK = {"_id": ID, "current_status": "processing"}
ODD_ANSWERS: list[tuple[str, bytes, type[Exception] | None]] = [
    # renamed: the envelope's data or the record's id under another name
    ("data renamed", json.dumps({"code": 0, "result": TASK}).encode(), UnreadableResponseError),
    ("id renamed", envelope({"id": ID, "current_status": "processing"}), UnreadableResponseError),
    ("status renamed", envelope({"_id": ID, "state": "processing"}), UnreadableResponseError),
    # what json.loads reads in its own way
    ("NaN duration", envelope({**TASK, "duration": float("nan")}), None),
    ("5000-digit code", b'{"code": ' + b"9" * 5000 + b', "msg": "x"}', UnreadableResponseError),
    ("5000-digit field", b'{"code": 0, "data": {"duration": ' + b"9" * 5000 + b"}}", UnreadableResponseError),
    (
        "not UTF-8",
        b'{"code": 0, "data": {"_id": "' + ID.encode() + b'", "current_status": "\xff"}}',
        A2EError,
    ),
    ("BOM", b"\xef\xbb\xbf" + envelope(TASK), None),
    ("code as a string", json.dumps({"code": "0", "data": TASK}).encode(), UnreadableResponseError),
    ("duplicate code key", b'{"code": 0, "code": 7, "msg": "second wins"}', APIError),
    ("data null", envelope(None), UnreadableResponseError),
    ("empty object", b"{}", UnreadableResponseError),
]


@pytest.mark.parametrize(("what", "body", "expected"), ODD_ANSWERS, ids=[a[0] for a in ODD_ANSWERS])
async def test_odd_answers_are_records_or_our_errors(
    make_client: MakeClient, what: str, body: bytes, expected: type[Exception] | None
) -> None:
    with HostileServer(_answer(body)) as server:
        api = make_client(server.url)
        if expected is None:
            assert isinstance(await api.tasks.get(ID), Task)
        else:
            with pytest.raises(expected) as caught:
                await api.tasks.get(ID)
            assert TOKEN not in str(caught.value)
            assert TOKEN not in repr(caught.value)


async def test_a_header_bomb_is_our_connection_error(make_client: MakeClient) -> None:
    def handler(request: Request, conn: Conn) -> None:
        conn.head(200, [("X-Pad", "a" * 300_000)])
        conn.send(b"{}")

    with HostileServer(handler) as server:
        api = make_client(server.url)
        with pytest.raises(APIConnectionError):
            await api.tasks.get(ID)


async def test_an_api_redirect_is_not_followed_and_the_token_goes_nowhere_else(
    make_client: MakeClient,
) -> None:
    with HostileServer(_answer(envelope(TASK))) as elsewhere:

        def handler(request: Request, conn: Conn) -> None:
            conn.respond(307, b"", [("Location", elsewhere.url + request.target)])

        with HostileServer(handler) as server:
            api = make_client(server.url)
            with pytest.raises(APIError) as caught:
                await api.tasks.get(ID)
            assert caught.value.status == 307
            assert elsewhere.requests == []
            assert server.requests[0].headers["authorization"] == f"Bearer {TOKEN}"


@pytest.mark.parametrize(
    "location",
    ["/loop", "file:///etc/passwd", "ftp://127.0.0.1/x.mp4", "http://[::1/broken"],
    ids=["loop", "file", "ftp", "broken"],
)
async def test_a_download_redirected_nowhere_good_is_our_error_and_leaves_no_file(
    make_client: MakeClient, tmp_path: Path, location: str
) -> None:
    def handler(request: Request, conn: Conn) -> None:
        conn.respond(302, b"", [("Location", location)])

    with HostileServer(handler) as server:
        api = make_client(server.url)
        with pytest.raises(A2EError):
            await api.tasks.download(server.url + "/loop", tmp_path / "out.mp4")
    assert listing(tmp_path) == []


async def test_a_download_redirected_to_another_host_carries_no_token(
    make_client: MakeClient, tmp_path: Path
) -> None:
    with HostileServer(_answer(b"video bytes", (("Content-Type", "video/mp4"),))) as cdn:

        def handler(request: Request, conn: Conn) -> None:
            conn.respond(302, b"", [("Location", cdn.url + "/r.mp4")])

        with HostileServer(handler) as server:
            api = make_client(server.url)
            saved = await api.tasks.download(server.url + "/results/r.mp4", tmp_path / "r.mp4")
    assert saved.read_bytes() == b"video bytes"
    assert all("authorization" not in r.headers for r in [*server.requests, *cdn.requests])


@pytest.mark.parametrize("announced", [1000, 10])
async def test_a_body_shorter_or_longer_than_announced(
    make_client: MakeClient, tmp_path: Path, announced: int
) -> None:
    """Shorter: a cut (our error after the retries, no file). Longer: HTTP/1.1 reads what was
    announced and no more."""

    def handler(request: Request, conn: Conn) -> None:
        conn.head(200, [("Content-Length", str(announced))])
        conn.send(b"x" * 100)

    target = tmp_path / "r.mp4"
    with HostileServer(handler) as server:
        api = make_client(server.url)
        if announced > 100:
            with pytest.raises(APIConnectionError):
                await api.tasks.download(server.url + "/r.mp4", target)
            assert listing(tmp_path) == []
        else:
            await api.tasks.download(server.url + "/r.mp4", target)
            assert target.read_bytes() == b"x" * announced


def _record(**fields: Any) -> bytes:
    return envelope({**TASK, **fields})


async def test_a_record_with_fields_of_every_wrong_type_is_still_a_record(make_client: MakeClient) -> None:
    odd = _record(
        name=["a"],
        face_url={"u": 1},
        duration="long",
        result_url=5,
        error_code=[1],
        faild_message={"x": "y"},
        createdAt="yesterday",
        updatedAt=12,
    )
    with HostileServer(_answer(odd)) as server:
        api = make_client(server.url)
        try:
            task = await api.tasks.get(ID)
        except UnreadableResponseError:
            return  # the contract's types refused it: our error, fine too
        assert task.id == ID
        assert task.created_at is None


@pytest.mark.parametrize("url", ["https://[::1/broken", "javascript:alert(1)", "https://"], ids=str)
async def test_a_result_url_that_cannot_be_fetched_is_the_servers_fault(
    make_client: MakeClient, tmp_path: Path, url: str
) -> None:
    with HostileServer(_answer(_record(current_status="completed", result_url=url))) as server:
        api = make_client(server.url)
        with pytest.raises(UnreadableResponseError):
            await api.tasks.download(ID, tmp_path)
    assert listing(tmp_path) == []
