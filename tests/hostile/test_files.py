"""Hostile servers and careless paths against downloads (issue 9, rows 3, 5, 6, 7, 8 and 14).

Result servers that compress what was not asked for, trickle, or name their file ``.bashrc``; paths
that end with ``/``, cannot be written or name a directory. Every case runs with the sync and the
async client; memory is measured in a fresh child process, permissions as an unprivileged user.
"""

from __future__ import annotations

import asyncio
import errno
import functools
import os
import shutil
import stat
import tempfile
import time
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

import pytest
from a2e_faceswap import (
    A2E,
    APIConnectionError,
    APITimeoutError,
    AsyncA2E,
    InvalidInputError,
    ResponseTooLargeError,
    RetryPolicy,
    Task,
    UnreadableResponseError,
)
from a2e_faceswap.testing import FaultKind, Simulator

from tests.cli.conftest import FAST, invoke
from tests.hostile._child import run_child
from tests.hostile._server import Conn, HostileServer, Request

TOKEN = "hostile-files-token-0123456789"
TASK_ID = "0123456789abcdef01234567"
FACE_URL = "https://example.com/face.png"
VIDEO_URL = "https://example.com/clip.mp4"
KINDS = ["sync", "async"]
MIB = 1024 * 1024
NOBODY = 65534


# ------------------------------------------------------------------ helpers


def _client_call(
    kind: str, base_url: str, method: str, *args: Any, max_retries: int = 0, **kwargs: Any
) -> Any:
    """``client.tasks.<method>(*args, **kwargs)`` on a new sync or async client (quick retries)."""
    policy = RetryPolicy(max_retries=max_retries, initial_delay=0.01, max_delay=0.05)
    if kind == "sync":
        with A2E(api_key=TOKEN, base_url=base_url, retry_policy=policy) as client:
            return getattr(client.tasks, method)(*args, **kwargs)

    async def main() -> Any:
        async with AsyncA2E(api_key=TOKEN, base_url=base_url, retry_policy=policy) as client:
            return await getattr(client.tasks, method)(*args, **kwargs)

    return asyncio.run(main())


def _local_file_error(error: BaseException | None) -> bool:
    """A ``LocalFileError`` (by name, so that against code without it the test fails on its assertion)."""
    return "LocalFileError" in {cls.__name__ for cls in type(error).__mro__}


def _outcome(call: Callable[[], Any]) -> tuple[Any, BaseException | None]:
    """(value, None) or (None, the exception): the tests assert on what was raised, whatever it is."""
    try:
        return call(), None
    except Exception as error:
        return None, error


def _download(kind: str, server: HostileServer, source: Any, path: Any, **kwargs: Any) -> tuple[Any, Any]:
    return _outcome(lambda: _client_call(kind, server.url, "download", source, path, **kwargs))


def _task(url: str) -> Task:
    return Task.from_wire({"_id": TASK_ID, "current_status": "completed", "result_url": url})


def _files(folder: Path) -> list[str]:
    return sorted(os.listdir(folder))


BODY = b"the result bytes\n" * 64


def _gzip(data: bytes) -> bytes:
    deflate = zlib.compressobj(6, zlib.DEFLATED, 31)
    return deflate.compress(data) + deflate.flush()


SMALL = {
    "gzip": _gzip(BODY),
    "gzip, gzip": _gzip(_gzip(BODY)),
    "br": b"\x0b\x02\x80hi\x03",
    "deflate": zlib.compress(BODY),
}


def _send_encoded(conn: Conn, encoding: str, body: bytes) -> None:
    headers = [("Content-Encoding", encoding), ("Content-Length", str(len(body)))]
    if conn.head(200, [("Content-Type", "video/mp4"), *headers]):
        conn.stream(body[i : i + 65536] for i in range(0, len(body), 65536))


def _serve_body(request: Request, conn: Conn) -> None:
    if request.path.startswith("/enc/"):  # /enc/<encoding>/...: BODY so encoded
        encoding = unquote(request.path.split("/")[2])
        _send_encoded(conn, encoding, SMALL[encoding])
    else:
        conn.respond(200, BODY, content_type="video/mp4")


@pytest.fixture(scope="module")
def plain() -> Iterator[HostileServer]:
    """A result server that answers with BODY (shared: count requests as differences)."""
    with HostileServer(_serve_body) as server:
        yield server


# ------------------------------------------------------------------ row 3: unasked Content-Encoding


@functools.cache
def _bombs() -> dict[str, bytes]:
    """256 MiB of zeros gzipped (about 260 KB), and that gzipped again (about 600 bytes)."""
    deflate = zlib.compressobj(6, zlib.DEFLATED, 31)
    zeros = bytes(4 * MIB)
    single = b"".join(deflate.compress(zeros) for _ in range(64)) + deflate.flush()
    return {"gzip": single, "gzip, gzip": _gzip(single)}


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("encoding", list(SMALL))
def test_an_unasked_content_encoding_is_refused_and_nothing_is_written(
    kind: str, encoding: str, tmp_path: Path, plain: HostileServer
) -> None:
    before = plain.count()
    _, error = _download(kind, plain, f"{plain.url}/enc/{quote(encoding)}/out.mp4", tmp_path)
    assert isinstance(error, UnreadableResponseError), error
    assert "Content-Encoding" in str(error)
    assert plain.count() == before + 1  # refused, not retried
    assert plain.requests[-1].headers["accept-encoding"] == "identity"
    assert _files(tmp_path) == []


_BOMB_SETUP = """
import asyncio, os
from a2e_faceswap import A2E, AsyncA2E
url, folder = {url!r}, {folder!r}

def download(kind):
    if kind == "sync":
        with A2E(api_key="hostile-files-token-0123456789", base_url=url, max_retries=0) as client:
            client.tasks.download(url + "/r/out.mp4", folder)
    else:
        async def main():
            async with AsyncA2E(api_key="hostile-files-token-0123456789", base_url=url, max_retries=0) as c:
                await c.tasks.download(url + "/r/out.mp4", folder)
        asyncio.run(main())
"""

_BOMB_BODY = """
result = []
for kind in ("sync", "async"):
    try:
        download(kind)
        result.append(["ok", os.listdir(folder)])
    except Exception as error:
        result.append([type(error).__name__, os.listdir(folder)])
"""


@pytest.mark.parametrize("encoding", ["gzip, gzip", "gzip"], ids=["600B-double-gzip", "260KB-gzip"])
def test_a_compression_bomb_costs_no_memory_and_no_disk(encoding: str, tmp_path: Path) -> None:
    # 256 MiB once decoded: the sync client, then the async one, in one fresh process.
    bomb = _bombs()[encoding]
    with HostileServer(lambda request, conn: _send_encoded(conn, encoding, bomb)) as server:
        setup = _BOMB_SETUP.format(url=server.url, folder=str(tmp_path))
        child = run_child(setup, _BOMB_BODY, timeout=60)
    assert child["growth"] < 50 * MIB, f"peak RSS grew by {child['growth'] / MIB:.0f} MiB"
    assert child["result"] == [["UnreadableResponseError", []]] * 2


# ------------------------------------------------------------------ row 5: a minimum rate, not a deadline


def _trickling(size: int, fast: int, delay: float, *, ranges: bool) -> Callable[[Request, Conn], None]:
    """A result of ``size`` bytes: the first ``fast`` at once, then one byte every ``delay`` seconds;
    with ``ranges``, a Range request gets the rest at once (206)."""
    body = bytes(range(256)) * (size // 256)

    def handler(request: Request, conn: Conn) -> None:
        wanted = request.headers.get("range", "")
        if ranges and wanted.startswith("bytes="):
            first = int(wanted[6:].rstrip("-"))
            rest = body[first:]
            conn.respond(
                206,
                rest,
                [("Content-Range", f"bytes {first}-{size - 1}/{size}"), ("ETag", '"v1"')],
                content_type="video/mp4",
            )
            return
        head = [("Content-Type", "video/mp4"), ("Content-Length", str(size)), ("ETag", '"v1"')]
        if conn.head(200, head) and conn.send(body[:fast]):
            conn.trickle(body[fast:], delay)

    return handler


@pytest.mark.parametrize("kind", KINDS)
def test_a_trickling_download_fails_on_its_minimum_rate_within_its_window(kind: str, tmp_path: Path) -> None:
    with HostileServer(_trickling(256, 16, 0.05, ranges=False)) as server:
        started = time.monotonic()
        _, error = _download(
            kind, server, f"{server.url}/r/x.mp4", tmp_path, timeout=1, min_rate=100, rate_window=0.3
        )
        took = time.monotonic() - started
    # 20 bytes/s against a minimum of 100: the attempt ends once a window has passed (the trickle
    # alone would take 12 s, and each byte comes well within the idle timeout).
    assert isinstance(error, APITimeoutError), error
    assert error.outcome_unknown  # retryable (see the next test)
    assert took < 1.5
    assert _files(tmp_path) == []


@pytest.mark.parametrize("kind", KINDS)
def test_a_download_that_slowed_down_resumes_where_it_stopped(kind: str, tmp_path: Path) -> None:
    with HostileServer(_trickling(4096, 1024, 0.05, ranges=True)) as server:
        path, error = _download(
            kind, server, f"{server.url}/r/x.mp4", tmp_path, max_retries=1, min_rate=100, rate_window=0.3
        )
        assert error is None, error
        assert server.count() == 2
        first = int(server.requests[1].headers["range"][6:].rstrip("-"))
        assert first >= 1024  # the second request asked for the rest only
    assert path.read_bytes() == bytes(range(256)) * 16


def _steady(chunks: int, size: int, delay: float) -> Callable[[Request, Conn], None]:
    def handler(request: Request, conn: Conn) -> None:
        head = [("Content-Type", "video/mp4"), ("Content-Length", str(chunks * size))]
        if conn.head(200, head):
            for _ in range(chunks):
                if not (conn.send(b"x" * size) and conn.sleep(delay)):
                    return

    return handler


@pytest.mark.parametrize("kind", KINDS)
def test_a_download_longer_than_its_timeout_finishes_while_bytes_keep_coming(
    kind: str, tmp_path: Path
) -> None:
    # A 1 GiB result takes minutes: ``timeout`` bounds each wait for bytes, not the whole download.
    # a gap of 0.1 s against a 1 s timeout: room for a loaded machine's stalls; 1.6 s in all
    with HostileServer(_steady(16, 4096, 0.1)) as server:
        started = time.monotonic()
        path, error = _download(kind, server, f"{server.url}/r/x.mp4", tmp_path / "x.mp4", timeout=1.0)
        assert error is None, error
        assert time.monotonic() - started > 1.2
    assert path.stat().st_size == 16 * 4096


# ------------------------------------------------------------------ a bound on size (disk)


def _announcing(size: int) -> Callable[[Request, Conn], None]:
    """Announces ``size`` bytes and sends a little of them."""

    def handler(request: Request, conn: Conn) -> None:
        if conn.head(200, [("Content-Type", "video/mp4"), ("Content-Length", str(size))]):
            conn.send(b"x" * 4096)

    return handler


def _endless(sent: list[int]) -> Callable[[Request, Conn], None]:
    """No length, then 64 KiB chunks for as long as the client reads (``sent`` counts them)."""

    def chunks() -> Iterator[bytes]:
        while sent[0] < 100_000:  # 6 GiB: a bound for the test, never reached
            sent[0] += 1
            yield b"y" * 65536

    def handler(request: Request, conn: Conn) -> None:
        if conn.head(200, [("Content-Type", "video/mp4")]):
            conn.stream(chunks())

    return handler


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(("announced", "limit"), [(17 * 1024**3, "default"), (2 * MIB, MIB)])
def test_a_result_announced_over_max_bytes_is_refused_before_a_byte_is_written(
    kind: str, announced: int, limit: Any, tmp_path: Path
) -> None:
    options = {} if limit == "default" else {"max_bytes": limit}
    with HostileServer(_announcing(announced)) as server:
        task = _task(f"{server.url}/r/out.mp4")
        _, error = _outcome(
            lambda: _client_call(kind, server.url, "download", task, tmp_path, max_retries=2, **options)
        )
        assert server.count() == 1  # not retried
    assert isinstance(error, ResponseTooLargeError), error
    assert f"{announced} bytes" in str(error)
    assert error.task_id == TASK_ID
    assert _files(tmp_path) == []


@pytest.mark.parametrize("kind", KINDS)
def test_an_endless_body_is_cut_at_max_bytes_and_leaves_no_file(kind: str, tmp_path: Path) -> None:
    sent = [0]
    with HostileServer(_endless(sent)) as server:
        _, error = _download(kind, server, f"{server.url}/r/out.mp4", tmp_path, max_bytes=4 * MIB)
        assert server.count() == 1
    assert isinstance(error, ResponseTooLargeError), error
    assert "max_bytes (4194304 bytes)" in str(error)
    assert _files(tmp_path) == []
    assert sent[0] < 1000  # the client stopped reading: the server could not send on (64 MiB)


@pytest.mark.parametrize("kind", KINDS)
def test_a_result_of_exactly_max_bytes_is_saved(kind: str, tmp_path: Path, plain: HostileServer) -> None:
    path, error = _download(kind, plain, f"{plain.url}/r/out.mp4", tmp_path, max_bytes=len(BODY))
    assert error is None, error
    assert path.read_bytes() == BODY
    _, error = _download(kind, plain, f"{plain.url}/r/out.mp4", tmp_path / "no-bound.mp4", max_bytes=None)
    assert error is None, error


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("bad", [0, -1, True, 1.5, "10"])
def test_a_bad_max_bytes_is_refused_before_any_request(
    kind: str, bad: object, tmp_path: Path, plain: HostileServer
) -> None:
    before = plain.count()
    _, error = _download(kind, plain, f"{plain.url}/r/out.mp4", tmp_path, max_bytes=bad)
    assert isinstance(error, InvalidInputError), error
    assert "max_bytes" in str(error)
    assert plain.count() == before
    assert _files(tmp_path) == []


def test_the_rate_watch_judges_the_last_window_only() -> None:
    from a2e_faceswap._download import RateWatch

    watch = RateWatch(min_rate=100, window=1.0)
    watch.start(0.0)
    for tick in range(1, 40):  # 2 bytes every 0.05 s: 40 bytes/s, but the first window is not over
        now = tick * 0.05
        if now < 1.0:
            watch.feed(now, 2)
    with pytest.raises(APITimeoutError):
        watch.feed(1.0, 2)
    fast = RateWatch(min_rate=100, window=1.0)
    fast.start(0.0)
    for tick in range(1, 200):  # 10 bytes every 0.05 s (200 bytes/s) for 10 s: never too slow
        fast.feed(tick * 0.05, 10)
    with pytest.raises(APITimeoutError):  # then a stall: one byte after 1.5 s of nothing
        fast.feed(9.95 + 1.5, 1)
    off = RateWatch(min_rate=0, window=1.0)
    off.start(0.0)
    off.feed(100.0, 1)
    with pytest.raises(InvalidInputError):
        RateWatch.of(-1, 1)
    with pytest.raises(InvalidInputError):
        RateWatch.of(1, 0)


# ------------------------------------------------------------------ row 6: names


HOSTILE_TAILS = {
    "dotfile": "/.bashrc",
    "dot-dot": "/..",
    "nul": "/a%00b.mp4",
    "long": "/" + "x" * 241 + ".mp4",  # 245 characters
    "subdirectory": "/sub",
    "encoded-traversal": "/%2e%2e%2fescape.webm",
    "no-extension": "/result",
    "exe": "/result.sh",
}


def _hostile_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "DIR"
    folder.mkdir()
    (folder / ".bashrc").write_text("# mine\n")
    (folder / "sub").mkdir()
    return folder


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("tail", list(HOSTILE_TAILS.values()), ids=list(HOSTILE_TAILS))
def test_a_result_saved_into_a_directory_is_named_after_its_task(
    kind: str, tail: str, tmp_path: Path, plain: HostileServer
) -> None:
    folder = _hostile_dir(tmp_path)
    url = plain.url + tail
    ext = ".webm" if tail.endswith(".webm") else ".mp4"
    path, error = _download(kind, plain, _task(url), folder)
    assert error is None, error
    assert path == folder / f"{TASK_ID}{ext}"
    assert path.read_bytes() == BODY
    assert (folder / ".bashrc").read_text() == "# mine\n"
    assert (folder / "sub").is_dir()
    assert _files(folder) == sorted([".bashrc", "sub", f"{TASK_ID}{ext}"])
    assert _files(tmp_path) == ["DIR"]


@pytest.mark.parametrize("kind", KINDS)
def test_a_task_id_is_fetched_and_named_after_itself(kind: str, tmp_path: Path) -> None:
    def handler(request: Request, conn: Conn) -> None:
        if request.path.startswith("/r/"):
            conn.respond(200, BODY, content_type="video/mp4")
        else:  # the task record, whatever the API path: its result URL ends in /.bashrc
            record = {"_id": TASK_ID, "current_status": "completed", "result_url": f"{server.url}/r/.bashrc"}
            conn.json({"code": 0, "data": record})

    with HostileServer(handler) as server:
        folder = _hostile_dir(tmp_path)
        path, error = _download(kind, server, TASK_ID, folder)
    assert error is None, error
    assert path == folder / f"{TASK_ID}.mp4"
    assert (folder / ".bashrc").read_text() == "# mine\n"


BARE_NAMES = {
    "dotfile": ("/.bashrc", "bashrc"),
    "dot-dot": ("/..", "result.mp4"),
    "empty": ("/", "result.mp4"),
    "nul": ("/a%00b.mp4", "a_b.mp4"),
    "encoded-traversal": ("/%2e%2e%2fescape.webm", "_escape.webm"),
    "control": ("/a%0a%0db%7f.png", "a__b_.png"),
    "plain": ("/clip.mov", "clip.mov"),
}


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("case", list(BARE_NAMES.values()), ids=list(BARE_NAMES))
def test_a_bare_url_gets_a_sanitised_name_inside_the_directory(
    kind: str, case: tuple[str, str], tmp_path: Path, plain: HostileServer
) -> None:
    tail, name = case
    folder = _hostile_dir(tmp_path)
    path, error = _download(kind, plain, plain.url + tail, folder)
    assert error is None, error
    assert path == folder / name
    assert path.read_bytes() == BODY
    assert (folder / ".bashrc").read_text() == "# mine\n"
    assert _files(tmp_path) == ["DIR"]


def test_a_long_bare_name_is_capped_and_keeps_its_extension() -> None:
    from a2e_faceswap._download import MAX_NAME_BYTES, result_name

    name = result_name("https://cdn.example/r/" + "é" * 300 + ".mp4", None)
    assert name.endswith(".mp4")
    assert len(name.encode()) <= MAX_NAME_BYTES
    assert result_name("https://cdn.example/r/" + "x" * 241 + ".mp4", None).endswith(".mp4")
    assert result_name("https://cdn.example/r/...", None) == "result.mp4"
    assert result_name("https://cdn.example/r/x.EXE", TASK_ID) == f"{TASK_ID}.mp4"
    assert result_name("https://cdn.example/r/x.JPEG", TASK_ID) == f"{TASK_ID}.jpeg"


@pytest.mark.parametrize("kind", KINDS)
def test_a_name_that_is_a_directory_is_refused_before_any_byte(
    kind: str, tmp_path: Path, plain: HostileServer
) -> None:
    folder = _hostile_dir(tmp_path)
    (folder / f"{TASK_ID}.mp4").mkdir()
    before = plain.count()
    for source in (plain.url + "/sub", _task(plain.url + "/r/x.mp4")):
        _, error = _download(kind, plain, source, folder)
        assert _local_file_error(error), error
        assert isinstance(error, OSError)
        assert error.errno == errno.EISDIR
        assert getattr(error, "task_id", None) == (None if isinstance(source, str) else TASK_ID)
    assert plain.count() == before


BAD_PATHS: dict[str, Callable[[Path], Any]] = {
    "nul": lambda tmp: str(tmp / "a\x00b.mp4"),
    "name-too-long": lambda tmp: tmp / ("x" * 300 + ".mp4"),
    "parent-is-a-file": lambda tmp: tmp / "file" / "x.mp4",
    "empty": lambda tmp: "",
    "not-a-path": lambda tmp: 42,
}


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("make", list(BAD_PATHS.values()), ids=list(BAD_PATHS))
def test_a_bad_path_is_our_error_before_any_byte(
    kind: str, make: Callable[[Path], Any], tmp_path: Path, plain: HostileServer
) -> None:
    (tmp_path / "file").write_text("a file")
    before = plain.count()
    _, error = _download(kind, plain, _task(plain.url + "/r/x.mp4"), make(tmp_path))
    assert isinstance(error, InvalidInputError) or _local_file_error(error), error
    assert getattr(error, "task_id", None) == TASK_ID
    assert plain.count() == before
    assert _files(tmp_path) == ["file"]


# ------------------------------------------------------------------ row 14 (and 6): modes


@pytest.fixture
def umask() -> Iterator[Callable[[int], int]]:
    saved = os.umask(0o022)
    yield os.umask
    os.umask(saved)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("mask", [0o022, 0o027, 0o002])
def test_a_new_file_follows_the_umask(
    kind: str, mask: int, tmp_path: Path, plain: HostileServer, umask: Callable[[int], int]
) -> None:
    umask(mask)
    path, error = _download(kind, plain, _task(plain.url + "/r/x.mp4"), tmp_path)
    assert error is None, error
    assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~mask


@pytest.mark.parametrize("kind", KINDS)
def test_replacing_the_same_tasks_result_is_atomic_and_keeps_its_mode(
    kind: str, tmp_path: Path, plain: HostileServer
) -> None:
    old = tmp_path / f"{TASK_ID}.mp4"
    old.write_bytes(b"yesterday")
    old.chmod(0o604)
    inode = old.stat().st_ino
    path, error = _download(kind, plain, _task(plain.url + "/r/x.mp4"), tmp_path)
    assert error is None, error
    assert path == old
    assert path.read_bytes() == BODY
    assert stat.S_IMODE(path.stat().st_mode) == 0o604
    assert path.stat().st_ino != inode  # a new file renamed over the old one, not rewritten in place
    assert _files(tmp_path) == [f"{TASK_ID}.mp4"]


# ------------------------------------------------------------------ row 7: a trailing separator


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("suffix", ["out/", "a/b/c/"])
def test_a_trailing_separator_means_a_directory_created_with_its_parents(
    kind: str, suffix: str, tmp_path: Path, plain: HostileServer
) -> None:
    path, error = _download(kind, plain, _task(plain.url + "/r/x.mp4"), f"{tmp_path}/{suffix}")
    assert error is None, error
    folder = tmp_path / suffix
    assert folder.is_dir()
    assert path == folder / f"{TASK_ID}.mp4"
    assert path.read_bytes() == BODY


# ------------------------------------------------------------------ row 8: checked before paying


def _run(kind: str, sim: Simulator, download_to: Any, **kwargs: Any) -> tuple[Any, Any]:
    def call() -> Any:
        if kind == "sync":
            with A2E(api_key=sim.token, base_url=sim.base_url, max_retries=0) as client:
                return client.tasks.run(
                    face=FACE_URL, video=VIDEO_URL, download_to=download_to, poll_interval=0.02, **kwargs
                )

        async def main() -> Any:
            async with AsyncA2E(api_key=sim.token, base_url=sim.base_url, max_retries=0) as client:
                return await client.tasks.run(
                    face=FACE_URL, video=VIDEO_URL, download_to=download_to, poll_interval=0.02, **kwargs
                )

        return asyncio.run(main())

    return _outcome(call)


@pytest.mark.parametrize("kind", KINDS)
def test_run_checks_the_output_path_before_paying(kind: str, tmp_path: Path, sim: Simulator) -> None:
    (tmp_path / "file").write_text("a file")
    for target in ("/proc/nope/x.mp4", tmp_path / "file" / "x.mp4", f"{tmp_path}/file/"):
        _, error = _run(kind, sim, target)
        assert _local_file_error(error), (target, error)
        assert isinstance(error, OSError)
        assert sim.tasks() == []  # nothing was paid for


@pytest.mark.parametrize("kind", KINDS)
def test_run_makes_a_new_directory_before_paying(kind: str, tmp_path: Path, sim: Simulator) -> None:
    seen: list[bool] = []
    target = tmp_path / "new" / "dir"

    def on_update(task: Task) -> None:
        seen.append(target.is_dir())

    result, error = _run(kind, sim, f"{target}/", on_update=on_update)
    assert error is None, error
    assert seen
    assert seen[0]  # the directory was there when the task first reported
    assert result.path == target / f"{result.task.id}.mp4"
    assert result.path.read_bytes() == sim.result_bytes(result.task.id)


@pytest.mark.parametrize("kind", KINDS)
def test_a_failure_after_paying_carries_the_task_id_and_how_to_resume(
    kind: str, tmp_path: Path, sim: Simulator
) -> None:
    sim.faults.script("result", [FaultKind.RESET])
    _, error = _run(kind, sim, tmp_path)
    assert isinstance(error, APIConnectionError), error
    (task,) = sim.tasks()
    assert getattr(error, "task_id", None) == task["_id"]
    notes = " ".join(getattr(error, "__notes__", []))
    assert task["_id"] in notes
    assert str(tmp_path) in notes
    assert _files(tmp_path) == []


@pytest.mark.parametrize("kind", KINDS)
def test_a_local_write_failure_during_a_download_is_a_local_file_error(
    kind: str, tmp_path: Path, plain: HostileServer
) -> None:
    folder = tmp_path / "out"
    folder.mkdir()

    def remove_the_folder(done: int, total: int | None) -> None:
        if folder.exists():
            shutil.rmtree(folder)

    _, error = _download(kind, plain, _task(plain.url + "/r/x.mp4"), folder, on_progress=remove_the_folder)
    assert _local_file_error(error), error
    assert isinstance(error, OSError)
    assert error.errno == errno.ENOENT
    assert getattr(error, "task_id", None) == TASK_ID


# ------------------------------------------------------------------ permissions (an unprivileged child)


@pytest.fixture
def shared_tmp() -> Iterator[Path]:
    """A directory the unprivileged child can reach (pytest's tmp_path is private to root)."""
    folder = Path(tempfile.mkdtemp(prefix="a2e-hostile-files-"))
    folder.chmod(0o755)
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


_NOBODY_SETUP = """
import asyncio, encodings.idna, os
import anyio._backends._asyncio  # imported now: the unprivileged user cannot read the interpreter's home
from a2e_faceswap import A2E, AsyncA2E
base, token, targets, url = {base!r}, {token!r}, {targets!r}, {url!r}
with A2E(api_key=token, base_url=base) as first:  # what the package imports lazily, likewise:
    first.tasks  # the resource's modules (made on first use), httpcore, ssl
import a2e_faceswap._network
os.setgroups([]); os.setgid({uid}); os.setuid({uid})

def call(kind, method, **kwargs):
    if kind == "sync":
        with A2E(api_key=token, base_url=base, max_retries=0) as client:
            return getattr(client.tasks, method)(**kwargs)
    async def main():
        async with AsyncA2E(api_key=token, base_url=base, max_retries=0) as client:
            return await getattr(client.tasks, method)(**kwargs)
    return asyncio.run(main())
"""

_NOBODY_BODY = """
result = []
for kind in ("sync", "async"):
    for target in targets:
        run = dict(face="https://example.com/f.png", video="https://example.com/v.mp4", download_to=target)
        for method, kwargs in (("run", run), ("download", dict(task_or_url=url, path=target))):
            try:
                call(kind, method, **kwargs)
                result.append([kind, method, target, "ok", None])
            except Exception as error:
                errno = isinstance(error, OSError) and error.errno
                result.append([kind, method, target, type(error).__name__, errno])
"""


def test_an_unwritable_output_is_refused_before_paying(shared_tmp: Path, sim: Simulator) -> None:
    # As an unprivileged user (as root, every directory is writable).
    locked = shared_tmp / "locked"
    locked.mkdir()
    locked.chmod(0o555)  # root's: readable by all, writable by root only
    targets = [str(locked / "x.mp4"), f"{locked}/", str(locked / "new" / "x.mp4"), f"{locked}/new/"]
    url = f"{sim.base_url}/r/x.mp4"
    setup = _NOBODY_SETUP.format(base=sim.base_url, token=sim.token, targets=targets, url=url, uid=NOBODY)
    child = run_child(setup, _NOBODY_BODY, timeout=60)
    expected = [
        [kind, method, target, "LocalFileError", errno.EACCES]
        for kind in KINDS
        for target in targets
        for method in ("run", "download")
    ]
    assert child["result"] == expected
    assert sim.tasks() == []  # nothing was paid for
    assert os.listdir(locked) == []


# ------------------------------------------------------------------ the command line


def test_swap_checks_its_output_before_paying(sim: Simulator, tmp_path: Path) -> None:
    result = invoke(
        ["swap", "--face", FACE_URL, "--video", VIDEO_URL, "-o", "/proc/nope/x.mp4", *FAST], sim=sim
    )
    assert result.exit_code == 2, result.stderr
    assert "nothing was sent" in result.stderr or "check the path" in result.stderr
    assert sim.tasks() == []


def test_swap_to_a_new_directory_creates_it(sim: Simulator, tmp_path: Path) -> None:
    folder = tmp_path / "newdir"
    result = invoke(
        ["--json", "swap", "--face", FACE_URL, "--video", VIDEO_URL, "-o", f"{folder}/", *FAST], sim=sim
    )
    assert result.exit_code == 0, result.stderr
    (task,) = sim.tasks()
    assert folder.is_dir()
    assert _files(folder) == [f"{task['_id']}.mp4"]


def test_a_failure_after_paying_prints_the_task_and_the_resume_command_with_o(
    sim: Simulator, tmp_path: Path
) -> None:
    sim.faults.script("result", [FaultKind.RESET])
    out = tmp_path / "my results"
    args = ["--max-retries", "0", "swap", "--face", FACE_URL, "--video", VIDEO_URL, "-o", f"{out}/", *FAST]
    result = invoke(args, sim=sim)
    (task,) = sim.tasks()
    assert result.exit_code == 3, result.stderr
    assert f"a2e-faceswap tasks wait {task['_id']} -o '{out}/'" in result.stderr
    resumed = invoke(["tasks", "wait", task["_id"], "-o", f"{out}/", *FAST], sim=sim)
    assert resumed.exit_code == 0, resumed.stderr
    assert _files(out) == [f"{task['_id']}.mp4"]
