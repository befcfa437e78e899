"""Ids and URLs that cannot be sent (row 11 of issue 9).

The id format is decided once: 24 hex digits (a MongoDB ObjectId; the contract's ``pattern``, the
simulator's check). An id the caller gives that is anything else, a URL httpx would refuse (a NUL,
``https://[::1/a``, a port past 65535) and a NUL in a local path are ``InvalidInputError`` before any
request. An id the server gives that is not one (70 000 characters in a create answer) is the server's
fault: ``UnreadableResponseError``, never ``httpx.InvalidURL`` (which the CLI reported as its own bug,
exit 70).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from a2e_faceswap import A2E, AsyncA2E, InvalidInputError, UnreadableResponseError
from a2e_faceswap.cli import app
from typer.testing import CliRunner

from tests.hostile._server import Conn, HostileServer, Request, envelope

TOKEN = "sk_hostile_ids"
ID = "6674f1765699df7e9d25311a"
LONG = "a" * 70_000
URL = "https://cdn.example.com/face.jpg"
VIDEO = "https://cdn.example.com/clip.mp4"

Action = Callable[[Any], Any]


def _ok(request: Request, conn: Conn) -> None:
    """Answers everything as a record of an unknown task would be; a test asserts nothing came at all."""
    conn.respond(404, envelope(None, code=404, msg="not found"))


@pytest.fixture
def server() -> Iterator[HostileServer]:
    with HostileServer(_ok) as hostile:
        yield hostile


@pytest.fixture(params=["sync", "async"])
def kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def raised(kind: str, base_url: str, action: Action) -> BaseException | None:
    """Run ``action(client)`` with an ``A2E`` or (awaited) an ``AsyncA2E``; what it raised, if anything."""
    if kind == "sync":
        with A2E(api_key=TOKEN, base_url=base_url, max_retries=0, timeout=2) as client:
            try:
                action(client)
            except Exception as exc:
                return exc
        return None

    async def main() -> BaseException | None:
        async with AsyncA2E(api_key=TOKEN, base_url=base_url, max_retries=0, timeout=2) as client:
            try:
                await action(client)
            except Exception as exc:
                return exc
        return None

    return asyncio.run(main())


BAD_IDS: list[tuple[str, Action]] = [
    ("get 70 000 characters", lambda c: c.tasks.get(LONG)),
    ("get with a NUL", lambda c: c.tasks.get(ID[:-1] + "\x00")),
    ("get 23 hex digits", lambda c: c.tasks.get(ID[:-1])),
    ("get 24 non-hex", lambda c: c.tasks.get("z" * 24)),
    ("get with a path", lambda c: c.tasks.get(f"{ID}/../{ID}")),
    ("delete task", lambda c: c.tasks.delete(LONG)),
    ("delete face", lambda c: c.faces.delete("x" * 30)),
    ("preview", lambda c: c.previews.get(LONG)),
    ("get_many", lambda c: c.tasks.get_many([ID, LONG])),
    ("wait", lambda c: c.tasks.wait(LONG, timeout=1)),
    ("download", lambda c: c.tasks.download(LONG, "out.mp4")),
]


@pytest.mark.parametrize("action", [a for _, a in BAD_IDS], ids=[name for name, _ in BAD_IDS])
def test_an_id_that_is_not_24_hex_digits_is_refused_before_sending(
    server: HostileServer, kind: str, action: Action
) -> None:
    error = raised(kind, server.url, action)
    assert isinstance(error, InvalidInputError), repr(error)[:300]
    assert "24 hex digits" in str(error)
    assert LONG not in str(error)  # what was pasted is not echoed (it may be the token)
    assert server.requests == []


def test_an_id_in_capitals_or_with_blanks_is_sent_as_a2e_writes_it(server: HostileServer, kind: str) -> None:
    error = raised(kind, server.url, lambda c: c.tasks.get(f" {ID.upper()}\n"))
    assert type(error).__name__ == "NotFoundError", repr(error)
    assert [r.path for r in server.requests] == [f"/api/v1/userFaceSwapTask/{ID}"]


BAD_URLS: list[tuple[str, Action]] = [
    ("face [::1", lambda c: c.tasks.create(face="https://[::1/a", video=VIDEO)),
    ("video NUL", lambda c: c.tasks.create(face=URL, video="https://cdn.example.com/a\x00b.mp4")),
    ("cover NUL", lambda c: c.tasks.create(face=URL, video=VIDEO, cover_url="https://h/\x00")),
    ("webhook [::1", lambda c: c.tasks.create(face=URL, video=VIDEO, webhook_url="https://[::1/hook")),
    ("preview port", lambda c: c.previews.create(face="https://h:99999/f.jpg", video=VIDEO)),
    ("face image", lambda c: c.faces.add("https://[::1/a")),
    ("download [::1", lambda c: c.tasks.download("https://[::1/a.mp4", "out.mp4")),
    ("download NUL", lambda c: c.tasks.download("https://h/a\x00b.mp4", "out.mp4")),
    ("download 70 000", lambda c: c.tasks.download("https://h/" + LONG, "out.mp4")),
    # a NUL in a local path
    ("face path NUL", lambda c: c.tasks.create(face="face\x00.jpg", video=VIDEO)),
    ("download to NUL", lambda c: c.tasks.download(URL, "out\x00.mp4")),
    ("run to NUL", lambda c: c.tasks.run(face=URL, video=VIDEO, download_to="out/\x00/")),
    ("upload NUL", lambda c: c.uploads.upload("face\x00.jpg")),
]


def test_a_url_httpx_cannot_send_or_a_nul_in_a_path_is_refused_before_sending(
    server: HostileServer, kind: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    outcomes = {name: raised(kind, server.url, action) for name, action in BAD_URLS}
    wrong = {
        name: repr(error)[:200]
        for name, error in outcomes.items()
        if not isinstance(error, InvalidInputError)
    }
    assert wrong == {}
    assert server.requests == []
    assert list(tmp_path.iterdir()) == []


def _created_with_id(task_id: str) -> Callable[[Request, Conn], None]:
    def handler(request: Request, conn: Conn) -> None:
        if request.method == "POST" and request.path.endswith("/userFaceSwapTask/add"):
            name = json.loads(request.body)["name"]
            conn.respond(200, envelope({"_id": task_id, "name": name, "current_status": "initialized"}))
        else:
            conn.respond(404, envelope(None, code=404, msg="not found"))

    return handler


def test_a_server_id_that_is_not_an_id_is_unreadable_not_invalid_url(kind: str) -> None:
    with HostileServer(_created_with_id(LONG)) as server:
        error = raised(
            kind,
            server.url,
            lambda c: c.tasks.run(face=URL, video=VIDEO, name="n", timeout=2, poll_interval=0.01),
        )
        assert isinstance(error, UnreadableResponseError), repr(error)[:300]
        assert LONG not in str(error)
        assert [r.method for r in server.requests] == ["POST"]  # the create; no poll with that "id"


def test_cli_bad_ids_are_usage_errors_and_server_ids_api_errors(tmp_path: Path) -> None:
    runner = CliRunner()
    with HostileServer(_created_with_id(LONG)) as server:
        env = {"A2E_API_KEY": TOKEN, "A2E_BASE_URL": server.url, "A2E_LOG": None}
        given = runner.invoke(app, ["tasks", "get", LONG], env=env)
        swap = ["swap", "--face", URL, "--video", VIDEO, "--name", "n", "--timeout", "2", "-o", str(tmp_path)]
        answered = runner.invoke(app, swap, env=env)
        assert [r.method for r in server.requests] == ["POST"]
    assert given.exit_code == 2, given.output[-300:]
    assert answered.exit_code == 3, answered.output[-300:]
