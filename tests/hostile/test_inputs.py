"""Local inputs (issue 9, row 12): a face or video file that cannot be read is refused before any
request (nothing paid for, not even an upload URL), and a local file failing during the upload is
``LocalFileError`` (an ``A2EError`` that is also an ``OSError``), never a bare ``PermissionError``.

Permission cases run in a child process as an unprivileged user: the tests run as root, for whom a
mode-000 file is still readable (and ``os.access`` says yes).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from a2e_faceswap import A2E, A2EError, AsyncA2E, InvalidInputError, Job, LocalFileError, ManifestError
from a2e_faceswap._manifest import read_manifest

from tests.conftest import MakeSim
from tests.hostile._child import run_child
from tests.hostile._server import Conn, HostileServer, Request, envelope

VIDEO = "https://media.example.com/clip.mp4"
TOKEN = "sk_hostile_inputs_0123456789"
NOBODY = 65534


@pytest.fixture
def shared_dir() -> Iterator[Path]:
    """A directory the unprivileged child can enter (pytest's tmp_path is root's alone)."""
    path = Path(tempfile.mkdtemp(prefix="a2e-inputs-"))
    path.chmod(0o755)
    yield path
    shutil.rmtree(path, ignore_errors=True)


#: The child imports (and warms up) everything as root, then becomes ``nobody``: the interpreter lives
#: under /root (mode 0700 here), so ``run_child(user=...)``'s drop before ``exec`` cannot start it, and
#: a fresh clone (``mktemp -d``, mode 0700) holds the package, whose resources load on first use.
_CHILD_SETUP = """
import asyncio, os
import anyio._backends._asyncio, h11, httpcore, httpx
from a2e_faceswap import A2E, AsyncA2E
from a2e_faceswap.cli import app
from typer.testing import CliRunner
CliRunner().invoke(app, ["swap", "--face", "/nonexistent.jpg", "--video", "https://e.example/v.mp4"])
for warm in (A2E(TOKEN, base_url=URL), AsyncA2E(TOKEN, base_url=URL)):
    warm.tasks, warm.uploads, warm.previews, warm.faces
asyncio.run(asyncio.sleep(0))
"x".encode("unicode_escape"), "x".encode("idna")  # codecs load lazily
os.setgroups([])
os.setgid(NOBODY)
os.setuid(NOBODY)
"""

_CHILD_BODY = """
def outcome(call):
    try:
        call()
    except BaseException as error:
        return {
            "type": type(error).__name__,
            "ours": type(error).__module__.startswith("a2e_faceswap"),
            "oserror": isinstance(error, OSError),
            "message": str(error),
        }
    return {"type": None}

result = {}
sync = A2E(TOKEN, base_url=URL)
aclient = AsyncA2E(TOKEN, base_url=URL)
for name, path in PATHS.items():
    result[name] = [
        outcome(lambda: sync.tasks.create(face=path, video=VIDEO)),
        outcome(lambda: sync.uploads.upload(path)),
        outcome(lambda: sync.previews.create(face=VIDEO, video=path)),
        outcome(lambda: asyncio.run(aclient.tasks.create(face=path, video=VIDEO))),
        outcome(lambda: asyncio.run(aclient.faces.add(path))),
    ]
    cli = CliRunner().invoke(
        app, ["swap", "--face", path, "--video", VIDEO, "--no-wait"],
        env={"A2E_API_KEY": TOKEN, "A2E_BASE_URL": URL, "A2E_LOG": None},
    )
    result[name].append({"exit": cli.exit_code, "output": cli.stdout + cli.stderr + repr(cli.exception)})
sync.close()
"""


def test_an_unreadable_face_or_video_is_refused_before_any_request(
    make_sim: MakeSim, shared_dir: Path
) -> None:
    sim = make_sim()
    token = sim.add_account(credits=100)
    unreadable = shared_dir / "face.jpg"
    unreadable.write_bytes(b"\xff\xd8\xff face")
    unreadable.chmod(0o000)
    closed = shared_dir / "private"
    closed.mkdir(mode=0o700)
    (closed / "clip.mp4").write_bytes(b"\x00\x00\x00\x18ftypmp42")
    directory = shared_dir / "a-directory.mp4"
    directory.mkdir()
    fifo = shared_dir / "pipe.mp4"
    os.mkfifo(fifo)
    paths = {
        "mode 000": str(unreadable),
        "in a closed directory": str(closed / "clip.mp4"),
        "a directory": str(directory),
        "a fifo": str(fifo),
        "a NUL in the name": str(shared_dir / "face\x00.jpg"),
    }
    values = f"TOKEN, URL, VIDEO, PATHS, NOBODY = {token!r}, {sim.base_url!r}, {VIDEO!r}, {paths!r}, {NOBODY}"
    outcomes = run_child(values + _CHILD_SETUP, _CHILD_BODY, timeout=60)["result"]
    for name, results in outcomes.items():
        *calls, cli = results
        for call in calls:
            assert call["ours"], (name, call)
            refused = name in ("mode 000", "in a closed directory")
            assert call["type"] == ("LocalFileError" if refused else "InvalidInputError"), (name, call)
            assert call["oserror"] == (call["type"] == "LocalFileError")
            assert token not in call["message"]
        assert cli["exit"] == 2, (name, cli)  # "nothing was sent"
        assert "Traceback" not in cli["output"]
    assert sim.stats.requests_to("create_upload_url") == 0
    assert sim.stats.requests_to("create_task") == 0
    assert sum(sim.stats.requests.values()) == 0


class _UploadServer:
    """Answers create_upload_url after doing ``before_answer`` to the local file (it vanishes, grows,
    loses its permissions...), with an upload URL on itself; counts the PUTs that arrive."""

    def __init__(self, path: Path, action: str) -> None:
        self.path, self.action = path, action
        self.server = HostileServer(self.handle)

    def handle(self, request: Request, conn: Conn) -> None:
        if request.method == "POST" and request.path == "/api/v1/r2/upload-presigned-url":
            if self.action == "vanish":
                self.path.unlink()
            elif self.action == "grow":
                with self.path.open("ab") as handle:
                    handle.write(b"more")
            elif self.action == "shrink":
                self.path.write_bytes(b"\xff")
            data = {
                "uploadUrl": f"{self.server.url}/put/face.jpg?sig=1",
                "cdnUrl": "https://cdn.example/f.jpg",
            }
            conn.respond(200, envelope(data))
        elif request.method == "PUT":
            conn.respond(200, b"", content_type="text/plain")
        else:
            conn.respond(500, b"{}")


@pytest.mark.parametrize("action", ["vanish", "grow", "shrink"])
@pytest.mark.parametrize("cls", [A2E, AsyncA2E])
async def test_a_file_that_changes_during_the_upload_is_a_local_file_error(
    tmp_path: Path, action: str, cls: type[A2E | AsyncA2E]
) -> None:
    face = tmp_path / "face.jpg"
    face.write_bytes(b"\xff\xd8\xff" + b"x" * 1000)
    upload = _UploadServer(face, action)
    error: BaseException | None = None
    with upload.server as server:
        try:
            if cls is A2E:
                with A2E(TOKEN, base_url=server.url, max_retries=1) as client:
                    client.uploads.upload(face)
            else:
                async with AsyncA2E(TOKEN, base_url=server.url, max_retries=1) as aclient:
                    await aclient.uploads.upload(face)
        except Exception as raised:  # whatever it is: the assertions below say what it must be
            error = raised
    assert type(error).__name__ == "LocalFileError", repr(error)
    assert isinstance(error, A2EError)
    assert isinstance(error, OSError)
    assert error.filename == str(face)
    assert server.count("POST") == 1
    # the body stops where the file went wrong: no PUT completes with wrong bytes
    assert all(len(r.body) <= 1003 for r in server.requests if r.method == "PUT")


@pytest.mark.parametrize("path", ["~\x00", "~\x00/face.jpg", "~no-such-user-a2e-test/face.jpg"])
def test_a_tilde_path_that_cannot_be_expanded_is_our_error_before_any_request(
    make_sim: MakeSim, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, path: str
) -> None:
    """``~`` with a NUL byte or an unknown user: Python raises ``ValueError`` / ``RuntimeError`` while
    expanding it; every entry point that takes a path answers with our error instead."""
    monkeypatch.chdir(tmp_path)  # an unexpanded "~user/..." is a relative path: nothing lands elsewhere
    sim = make_sim()
    with A2E(api_key=sim.token, base_url=sim.base_url) as client:
        calls: dict[str, Callable[[], object]] = {
            "tasks.create": lambda: client.tasks.create(face=path, video=VIDEO),
            "uploads.upload": lambda: client.uploads.upload(path),
            "read_manifest": lambda: read_manifest(path),
            "a Job's face": lambda: client.batch.run([Job(path, VIDEO)], tmp_path / "out"),
        }
        if "\x00" in path:  # an unknown user's "~" is a relative path there, a valid one
            calls["tasks.download"] = lambda: client.tasks.download("https://cdn.example.com/r.mp4", path)
            calls["a batch's journal"] = lambda: client.batch.run(
                [Job(VIDEO, VIDEO)], tmp_path / "o", journal=path
            )
        for name, call in calls.items():
            with pytest.raises(A2EError) as caught:
                call()
            assert isinstance(caught.value, InvalidInputError | LocalFileError | ManifestError), (
                name,
                caught,
            )
    assert sum(sim.stats.requests.values()) == 0
