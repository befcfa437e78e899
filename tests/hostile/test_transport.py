"""API answers against servers that bomb, bloat or echo (issue 9, rows 3 and 4, API side), for the sync
and the async client.

An answer is read by the client with bounds: ``Content-Encoding`` decoded by a bounded decoder (16 MiB
of JSON for a success, past it ``ResponseTooLargeError``; an encoding it cannot decode is
``UnreadableResponseError``), error bodies read up to 64 KiB, also on the raw download / upload calls.
Peak RSS growth is measured in a fresh child process: under 50 MiB whatever the body.
"""

from __future__ import annotations

import asyncio
import gzip
import json
import struct
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from a2e_faceswap import A2E, AsyncA2E
from a2e_faceswap.errors import APIError, NotFoundError, ServerError, UnreadableResponseError
from a2e_faceswap.models import Task

from ._child import run_child
from ._server import Conn, HostileServer, Request, envelope

TOKEN = "sk-hostile-transport-0123456789"
TASK_ID = "a" * 24
MIB = 1024 * 1024
#: The issue's bound on peak RSS growth for any answer.
RSS_BOUND = 50 * MIB
RECORD = {"_id": TASK_ID, "current_status": "processing", "result_url": ""}


def _gzip_of_zeros(mib: int) -> Iterator[bytes]:
    """A valid gzip stream of ``mib`` MiB of zeros, made without compressing them all: after a full
    flush, each further MiB of zeros deflates to the same bytes."""
    zeros = bytes(MIB)
    deflate = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    first = deflate.compress(zeros) + deflate.flush(zlib.Z_FULL_FLUSH)
    unit = deflate.compress(zeros) + deflate.flush(zlib.Z_FULL_FLUSH)
    crc = 0
    for _ in range(mib):
        crc = zlib.crc32(zeros, crc)
    yield b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff" + first
    for _ in range(mib - 1):
        yield unit
    yield deflate.flush() + struct.pack("<II", crc, (mib * MIB) & 0xFFFFFFFF)


def _bomb_handler(kind: str) -> Callable[[Request, Conn], None]:
    if kind == "gzip-gzip":  # about 2.5 KB on the wire, 1 GiB once both layers are undone
        body = gzip.compress(b"".join(_gzip_of_zeros(1024)), 9)
        headers = [("Content-Encoding", "gzip, gzip"), ("Content-Length", str(len(body)))]
    else:  # one gzip layer, about 0.5 MB on the wire, 512 MiB decoded, streamed as it is made
        headers = [("Content-Encoding", "gzip")]

    def handler(request: Request, conn: Conn) -> None:
        if conn.head(200, [("Content-Type", "application/json"), *headers]):
            conn.stream([body] if kind == "gzip-gzip" else _gzip_of_zeros(512))

    return handler


def _huge_error_handler(status: int) -> Callable[[Request, Conn], None]:
    """``status`` with a 400 MiB body, made as it is sent."""
    size = 400 * MIB

    def handler(request: Request, conn: Conn) -> None:
        chunk = b"<html>" + b"x" * (MIB - 6)
        if conn.head(status, [("Content-Type", "text/html"), ("Content-Length", str(size))]):
            conn.stream(chunk for _ in range(size // MIB))

    return handler


#: Child-process setup: a sync and an async client on ``URL``, and ``outcome(fn)`` that names what a
#: call raised (or returned).
CHILD_SETUP = """
import asyncio, tempfile
from a2e_faceswap import A2E, AsyncA2E
URL, TOKEN, TASK_ID = {url!r}, {token!r}, {task_id!r}

def outcome(fn):
    try:
        return type(fn()).__name__
    except Exception as exc:
        return type(exc).__name__ + ": " + str(exc)[:300]

def sync_call(method, *args):
    with A2E(TOKEN, base_url=URL, max_retries=0) as client:
        return getattr(client.tasks, method)(*args)

def async_call(method, *args):
    async def go():
        async with AsyncA2E(TOKEN, base_url=URL, max_retries=0) as client:
            return await getattr(client.tasks, method)(*args)
    return asyncio.run(go())
"""


def _in_child(server: HostileServer, body: str) -> dict[str, Any]:
    setup = CHILD_SETUP.format(url=server.url, token=TOKEN, task_id=TASK_ID)
    return run_child(setup, body, timeout=120)


@pytest.mark.parametrize("bomb", ["gzip-gzip", "gzip-512MiB"])
def test_compression_bomb_answer_is_too_large_in_bounded_memory(serve: Any, bomb: str) -> None:
    server = serve(_bomb_handler(bomb))
    found = _in_child(
        server,
        """
        result = [outcome(lambda: sync_call("get", TASK_ID)), outcome(lambda: async_call("get", TASK_ID))]
        """,
    )
    for what in found["result"]:
        assert what.startswith("ResponseTooLargeError"), found
    assert found["growth"] < RSS_BOUND, f"peak RSS grew by {found['growth'] / MIB:.0f} MiB ({bomb})"


@pytest.mark.parametrize("status", [404, 500])
def test_huge_error_body_is_read_up_to_a_small_bound(serve: Any, status: int) -> None:
    server = serve(_huge_error_handler(status))
    found = _in_child(
        server,
        """
        target = tempfile.mkdtemp()
        url = URL + "/result.mp4"
        result = [
            outcome(lambda: sync_call("get", TASK_ID)),
            outcome(lambda: async_call("get", TASK_ID)),
            outcome(lambda: sync_call("download", url, target + "/sync.mp4")),
            outcome(lambda: async_call("download", url, target + "/async.mp4")),
        ]
        import os
        result.append(os.listdir(target))
        """,
    )
    *errors, written = found["result"]
    expected = "NotFoundError" if status == 404 else "ServerError"
    for what in errors:
        assert what.startswith(expected), found
        assert "xxxxxxxx" in what  # the error still quotes the start of the body
    assert written == []
    assert found["growth"] < RSS_BOUND, f"peak RSS grew by {found['growth'] / MIB:.0f} MiB ({status})"


# ------------------------------------------------------------------ in-process (small bodies)


def _call(kind: str, base_url: str, method: str = "get", *args: Any) -> Any:
    """The outcome (returned value or raised exception) of ``client.tasks.<method>``."""
    try:
        if kind == "sync":
            with A2E(TOKEN, base_url=base_url, max_retries=0) as client:
                return getattr(client.tasks, method)(*(args or (TASK_ID,)))

        async def go() -> Any:
            async with AsyncA2E(TOKEN, base_url=base_url, max_retries=0) as client:
                return await getattr(client.tasks, method)(*(args or (TASK_ID,)))

        return asyncio.run(go())
    except Exception as exc:  # the test inspects it
        return exc


def _answering(body: bytes, encoding: str | None, status: int = 200) -> Callable[[Request, Conn], None]:
    headers = [("Content-Encoding", encoding)] if encoding else []

    def handler(request: Request, conn: Conn) -> None:
        conn.respond(status, body, headers)

    return handler


KINDS = ["sync", "async"]


@pytest.mark.parametrize("kind", KINDS)
def test_encoding_the_client_cannot_decode_is_unreadable(serve: Any, kind: str) -> None:
    # the body happens to be plain JSON; labelled "br", it cannot be trusted (httpx without brotli
    # ignores the label and would parse it)
    server = serve(_answering(envelope(RECORD), "br"))
    error = _call(kind, server.url)
    assert isinstance(error, UnreadableResponseError), repr(error)
    assert "br" in str(error)


def _deflate(data: bytes, wbits: int) -> bytes:
    packer = zlib.compressobj(6, zlib.DEFLATED, wbits)
    return packer.compress(data) + packer.flush()


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(
    ("encoding", "encode"),
    [
        ("gzip", gzip.compress),
        ("x-gzip", gzip.compress),
        ("deflate", lambda data: _deflate(data, zlib.MAX_WBITS)),
        ("deflate", lambda data: _deflate(data, -zlib.MAX_WBITS)),  # raw deflate, as some servers send
        ("gzip, gzip", lambda data: gzip.compress(gzip.compress(data))),
        ("identity, gzip", gzip.compress),
    ],
)
def test_compressed_answers_are_still_read(
    serve: Any, kind: str, encoding: str, encode: Callable[[bytes], bytes]
) -> None:
    server = serve(_answering(encode(envelope(RECORD)), encoding))
    task = _call(kind, server.url)
    assert isinstance(task, Task), repr(task)
    assert task.id == TASK_ID


@pytest.mark.parametrize("kind", KINDS)
def test_answer_past_16_mib_is_too_large(serve: Any, kind: str) -> None:
    record = {**RECORD, "name": "n" * (17 * MIB)}
    server = serve(_answering(envelope(record), None))
    error = _call(kind, server.url)
    assert type(error).__name__ == "ResponseTooLargeError", type(error).__name__
    assert isinstance(error, UnreadableResponseError)


@pytest.mark.parametrize("kind", KINDS)
def test_corrupt_compressed_answer_is_unreadable(serve: Any, kind: str) -> None:
    server = serve(_answering(b"\x1f\x8b\x08\x00garbage-not-gzip" * 4, "gzip"))
    assert isinstance(_call(kind, server.url), UnreadableResponseError)


@pytest.mark.parametrize("kind", KINDS)
def test_token_echoed_by_the_server_is_scrubbed_before_parsing(serve: Any, kind: str, tmp_path: Path) -> None:
    echo = {**RECORD, "current_status": "failed", "faild_message": f"bad token {TOKEN}", "name": TOKEN}
    server = serve(_answering(gzip.compress(envelope(echo)), "gzip"))
    task = _call(kind, server.url)
    assert isinstance(task, Task), repr(task)
    assert TOKEN not in repr(task) + json.dumps(dict(task.raw)) + str(task.failure_message)

    server = serve(_answering(f"<html>proxy error for {TOKEN}</html>".encode(), None, status=502))
    error = _call(kind, server.url)
    assert isinstance(error, ServerError), repr(error)
    assert error.response is not None
    assert TOKEN not in str(error) + repr(error) + str(error.snippet) + error.response.text

    server = serve(_answering(f"no such file for {TOKEN}".encode(), None, status=404))
    error = _call(kind, server.url, "download", server.url + "/result.mp4", str(tmp_path / "out.mp4"))
    assert isinstance(error, NotFoundError), repr(error)
    assert isinstance(error, APIError)
    assert error.response is not None
    assert TOKEN not in str(error) + str(error.snippet) + error.response.text
