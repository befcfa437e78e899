"""The batch against hostile input: manifests, journals and output folders an attacker shaped, and a
server that lies about the tasks it made. Each test names the promise it attacks (money, files,
secrets, errors).
"""

from __future__ import annotations

import base64
import contextlib
import csv
import json
import os
import threading
import urllib.parse
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from a2e_faceswap import A2E, Job, RetryPolicy
from a2e_faceswap._batch_plan import plan
from a2e_faceswap._journal import Journal
from a2e_faceswap._manifest import parse_manifest
from a2e_faceswap.errors import A2EError, InvalidInputError, JournalError, ManifestError

from ._server import Conn, HostileServer, Request, envelope

TOKEN = "sk_hostile_batch_token_0123456789"
FACE = "https://media.example.com/face.jpg"


def _policy() -> RetryPolicy:
    return RetryPolicy(max_retries=1, initial_delay=0.01, max_delay=0.05, jitter=0.0, settle_window=0.2)


class BatchServer:
    """A2E's routes a batch uses. Tasks complete at once; ``answer_create(name, n)`` may return the
    record to answer the ``n``-th create with (default: a new task of that name); ``failure`` makes
    every task fail with that message."""

    def __init__(
        self,
        answer_create: Callable[[BatchServer, str, int], dict[str, Any] | None] | None = None,
        detail: Callable[[BatchServer, list[str]], list[dict[str, Any]]] | None = None,
        failure: str | None = None,
    ) -> None:
        self.tasks: dict[str, dict[str, Any]] = {}
        self.creates: list[str] = []
        self.answer_create = answer_create
        self.detail = detail
        self.failure = failure
        self.url = ""
        self._lock = threading.Lock()

    def record(self, name: str) -> dict[str, Any]:
        with self._lock:
            n = len(self.tasks) + 1
            task_id = f"{n:024x}"
            done = self.failure is None
            record = {
                "_id": task_id,
                "name": name,
                "face_url": FACE,
                "video_url": "https://media.example.com/v.mp4",
                "current_status": "completed" if done else "failed",
                "result_url": f"{self.url}/result/{task_id}.mp4" if done else "",
                "failed_message": self.failure or "",
                "createdAt": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
            }
            self.tasks[task_id] = record
            return record

    def __call__(self, request: Request, conn: Conn) -> None:
        path = request.path
        if request.method == "POST" and path == "/api/v1/userFaceSwapTask/add":
            name = json.loads(request.body)["name"]
            self.creates.append(name)
            answer = self.answer_create(self, name, len(self.creates)) if self.answer_create else None
            conn.respond(200, envelope(answer if answer is not None else self.record(name)))
        elif path == "/api/v1/userFaceSwapTask/batchDetail":
            ids = json.loads(request.body)["ids"]
            rows = self.detail(self, ids) if self.detail else [self.tasks[i] for i in ids if i in self.tasks]
            conn.respond(200, envelope(rows))
        elif path == "/api/v1/userFaceSwapTask/records":
            rows = sorted(self.tasks.values(), key=lambda r: r["_id"], reverse=True)
            conn.respond(200, envelope({"rows": rows, "count": len(rows)}))
        elif path.startswith("/result/"):
            conn.respond(200, path.encode(), content_type="video/mp4")
        else:
            conn.respond(404, b'{"code": 404, "msg": "no"}')


def run_batch(server: BatchServer, jobs: list[Job], out: Path, **options: Any) -> Any:
    with HostileServer(server) as hostile:
        server.url = hostile.url
        with A2E(api_key=TOKEN, base_url=hostile.url, timeout=5.0, retry_policy=_policy()) as client:
            options.setdefault("poll_interval", 0.05)
            options.setdefault("concurrency", 4)
            return client.batch.run(jobs, out, **options)


def videos(count: int) -> list[Job]:
    return [Job(FACE, f"https://media.example.com/v/{i}.mp4") for i in range(count)]


def journal_rows(path: Path) -> list[Any]:
    with Journal.open(path, batch_id=None, create=False, exclusive=False) as opened:
        return opened.rows()


# ------------------------------------------------------------------ money: a server that lies on create


def _another_rows_task(server: BatchServer, name: str, n: int) -> dict[str, Any] | None:
    return next(iter(server.tasks.values())) if n == 2 else None  # the 2nd create gets the 1st's task


def _a_strangers_task(server: BatchServer, name: str, n: int) -> dict[str, Any] | None:
    return server.record("someone-elses-task") if n == 1 else None


@pytest.mark.parametrize("answer", [_another_rows_task, _a_strangers_task])
def test_a_create_answered_with_a_task_that_is_not_the_rows_is_never_taken_as_it(
    tmp_path: Path, answer: Callable[[BatchServer, str, int], dict[str, Any] | None]
) -> None:
    server = BatchServer(answer_create=answer)
    report = run_batch(server, videos(2), tmp_path / "out")
    by_id = {task_id: record["name"] for task_id, record in server.tasks.items()}
    ids = [row.task_id for row in report.rows if row.task_id is not None]
    assert len(ids) == len(set(ids)), "two rows hold one task"
    for row in journal_rows(report.journal_path):
        if row.state == "saved":
            assert by_id[row.task_id] == row.task_name, "a row saved from a task that is not its own"


def test_status_reads_answering_ids_not_asked_and_duplicates_save_each_row_from_its_own_task(
    tmp_path: Path,
) -> None:
    def detail(server: BatchServer, ids: list[str]) -> list[dict[str, Any]]:
        stranger = {**next(iter(server.tasks.values())), "_id": "f" * 24, "result_url": "https://evil/x"}
        rows = [server.tasks[i] for i in ids]
        lying = [{**r, "current_status": "failed", "failed_message": "no"} for r in rows]
        return [stranger, *rows, *lying, *rows]  # unknown ids, then each asked id twice, disagreeing

    server = BatchServer(detail=detail)
    report = run_batch(server, videos(3), tmp_path / "out")
    assert report.exit_code == 0, report.rows
    for row in report.rows:
        assert row.task_id is not None
        assert (tmp_path / "out" / row.output).read_bytes() == f"/result/{row.task_id}.mp4".encode()


# ------------------------------------------------------------------ secrets and CSV injection in report.csv


def test_server_messages_and_names_reach_report_csv_neutralised_and_without_the_token(
    tmp_path: Path,
) -> None:
    token_forms = [
        TOKEN,
        urllib.parse.quote(TOKEN),
        base64.b64encode(TOKEN.encode()).decode(),
        base64.b64encode(f"Bearer {TOKEN}".encode()).decode(),
    ]
    failure = '=HYPERLINK("http://evil") ' + " ".join(token_forms)
    server = BatchServer(failure=failure)
    jobs = [
        Job(FACE, "https://media.example.com/v/1.mp4", name="=cmd|' /C calc'!A0"),
        Job(FACE, "https://media.example.com/v/2.mp4", name="@SUM(1+1)"),
        Job(FACE, "https://media.example.com/v/3.mp4", name="+1+1"),
        Job(FACE, "https://media.example.com/v/4.mp4", name="-1+1"),
    ]
    report = run_batch(server, jobs, tmp_path / "out")
    text = report.report_path.read_text(encoding="utf-8")
    for form in token_forms:
        assert form not in text
    with report.report_path.open(encoding="utf-8", newline="") as file:
        cells = [cell for line in csv.reader(file) for cell in line]
    assert not [cell for cell in cells if cell[:1] in ("=", "+", "-", "@", "\t", "\r")]


# ------------------------------------------------------------------ files: where results land


def test_a_manifest_whose_outputs_differ_only_by_unicode_normalisation_is_refused(tmp_path: Path) -> None:
    # macOS (APFS, HFS+) stores both names as one file: the second row would overwrite the first
    data = (
        "face,video,output\n"
        f"{FACE},https://media.example.com/1.mp4,caf\u00e9.mp4\n"
        f"{FACE},https://media.example.com/2.mp4,cafe\u0301.mp4\n"
    ).encode()
    with pytest.raises(ManifestError) as caught:
        parse_manifest(data, tmp_path, ".csv")
    assert [line for line, _ in caught.value.problems] == [3]


def test_a_manifest_never_uploads_local_files_that_are_not_media(tmp_path: Path) -> None:
    # a manifest from elsewhere naming a key, a config file, or the environment (which holds the token)
    (tmp_path / "id_rsa").write_text("-----BEGIN OPENSSH PRIVATE KEY-----\n")
    (tmp_path / "face.jpg").symlink_to(tmp_path / "id_rsa")
    (tmp_path / "real.jpg").write_bytes(b"not a jpeg, but named one")
    (tmp_path / "blob").write_bytes(b"\xff\xd8\xff\xe0" + bytes(64))  # a JPEG without an extension
    manifest = tmp_path / "jobs.csv"
    names = ["id_rsa", "face.jpg", "/proc/self/environ", "real.jpg", "blob"]
    manifest.write_text(
        "face,video\n"
        + "".join(f"{name},https://media.example.com/{i}.mp4\n" for i, name in enumerate(names))
    )
    server = BatchServer()
    with pytest.raises(ManifestError) as caught:
        run_batch(server, manifest, tmp_path / "out")  # type: ignore[arg-type]
    assert sorted(line for line, _ in caught.value.problems) == [2, 3, 4]
    assert server.creates == []


def test_an_output_in_a_symlinked_subfolder_never_lands_outside_the_output_folder(tmp_path: Path) -> None:
    out, elsewhere = tmp_path / "out", tmp_path / "elsewhere"
    out.mkdir()
    elsewhere.mkdir()
    (out / "sub").symlink_to(elsewhere, target_is_directory=True)
    jobs = [Job(FACE, "https://media.example.com/v/1.mp4", output="sub/result.mp4")]
    with contextlib.suppress(A2EError):  # refused: fine
        run_batch(BatchServer(), jobs, out)
    assert list(elsewhere.iterdir()) == []


@pytest.mark.parametrize("where", ["journal", "output subfolder"])
def test_a_symlink_loop_is_refused_as_bad_input_before_anything_is_sent(tmp_path: Path, where: str) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (tmp_path / "a").symlink_to(tmp_path / "b")
    (tmp_path / "b").symlink_to(tmp_path / "a")
    output = "r.mp4" if where == "journal" else "loop/r.mp4"
    if where != "journal":
        (out / "loop").symlink_to(out / "loop")
    server = BatchServer()
    jobs = [Job(FACE, "https://media.example.com/v/1.mp4", output=output)]
    journal = {"journal": tmp_path / "a"} if where == "journal" else {}
    with pytest.raises(InvalidInputError, match="cannot be used"):
        run_batch(server, jobs, out, **journal)
    assert server.creates == []


def test_an_output_that_is_a_symlink_is_replaced_not_written_through(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    (out / "r.mp4").symlink_to(victim)
    report = run_batch(BatchServer(), [Job(FACE, "https://media.example.com/v/1.mp4", output="r.mp4")], out)
    assert report.exit_code == 0
    assert victim.read_text() == "precious"
    assert not (out / "r.mp4").is_symlink()


@pytest.mark.parametrize("checked", [False, True], ids=["manifest", "plan"])
@pytest.mark.parametrize("what", ["manifest", "journal", "input"])
def test_an_output_naming_the_manifest_the_journal_or_an_input_is_refused(
    tmp_path: Path, what: str, checked: bool
) -> None:
    """Also when the jobs are the manifest's BatchPlan (checked once, as the command does)."""
    out = tmp_path / "out"
    out.mkdir()
    face = out / "face.jpg"
    face.write_bytes(b"\xff\xd8\xff" + b"0" * 64)
    output = {"manifest": "jobs.csv", "journal": "j.sqlite", "input": "face.jpg"}[what]
    manifest = out / "jobs.csv"
    manifest.write_text(f"face,video,output\nface.jpg,https://media.example.com/v/1.mp4,{output}\n")
    before = (out / output).read_bytes() if (out / output).exists() else None
    server = BatchServer()
    jobs = plan(manifest) if checked else manifest
    with pytest.raises(A2EError):
        run_batch(server, jobs, out, journal=out / "j.sqlite")  # type: ignore[arg-type]
    assert server.creates == []
    if before is not None:
        assert (out / output).read_bytes() == before


# ------------------------------------------------------------------ the journal


def test_a_lock_file_that_is_a_symlink_is_never_written_through(tmp_path: Path) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n")
    (tmp_path / "j.sqlite.lock").symlink_to(victim)
    with contextlib.suppress(A2EError):  # refused: fine
        Journal.open(tmp_path / "j.sqlite", batch_id="b1").close()
    assert victim.read_text() == "precious\n"


def test_two_runs_through_a_symlinked_journal_path_are_not_both_let_in(tmp_path: Path) -> None:
    real = tmp_path / "real.sqlite"
    (tmp_path / "alias.sqlite").symlink_to(real)
    with Journal.open(real, batch_id="b1"), pytest.raises(JournalError, match="in use"):
        Journal.open(tmp_path / "alias.sqlite", batch_id="b1")


def test_a_journal_path_with_a_nul_byte_is_our_error(tmp_path: Path) -> None:
    with pytest.raises(A2EError):
        Journal.open(os.fspath(tmp_path) + "/a\x00b.sqlite", batch_id="b1")
    server = BatchServer()
    with pytest.raises(A2EError):
        run_batch(server, videos(1), tmp_path / "out", journal=os.fspath(tmp_path) + "/j\x00.sqlite")
    assert server.creates == []


def test_a_fifo_journal_or_lock_is_refused_without_blocking(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "f.sqlite")
    with pytest.raises(JournalError):
        Journal.open(tmp_path / "f.sqlite", batch_id="b1")
    os.mkfifo(tmp_path / "g.sqlite.lock")
    with pytest.raises(A2EError):
        Journal.open(tmp_path / "g.sqlite", batch_id="b1")


# ------------------------------------------------------------------ secrets by other ways


WEBHOOK_TOKEN = "whsec-batch-hostile-7777777"


def _echo_webhook_token(server: BatchServer, name: str, n: int) -> dict[str, Any] | None:
    raise _Refuse(400, f"webhook_token {WEBHOOK_TOKEN} is not accepted")


class _Refuse(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


class _RefusingServer(BatchServer):
    def __call__(self, request: Request, conn: Conn) -> None:
        try:
            super().__call__(request, conn)
        except _Refuse as refusal:
            conn.respond(refusal.status, json.dumps({"code": refusal.status, "msg": str(refusal)}).encode())


def test_a_server_message_echoing_the_webhook_token_never_reaches_report_csv(tmp_path: Path) -> None:
    from a2e_faceswap import webhooks

    listener = webhooks.Listener(WEBHOOK_TOKEN)  # not started: the creates point at webhook_url
    server = _RefusingServer(answer_create=_echo_webhook_token)
    report = run_batch(
        server, videos(1), tmp_path / "out", events=listener, webhook_url="http://127.0.0.1:9/hook"
    )
    assert server.creates
    assert report.rows[0].state == "failed"
    assert WEBHOOK_TOKEN not in report.report_path.read_text(encoding="utf-8")


def test_the_api_token_pasted_into_a_row_never_reaches_report_csv(tmp_path: Path) -> None:
    jobs = [
        Job(FACE, f"https://media.example.com/v.mp4?key={TOKEN}", name=f"run with {TOKEN}"),
    ]
    report = run_batch(BatchServer(), jobs, tmp_path / "out")
    assert TOKEN not in report.report_path.read_text(encoding="utf-8")


# ------------------------------------------------------------------ a journal tampered with


_CHILD = """
import sys
from pathlib import Path
from tests.hostile.test_batch_hostile import BatchServer, run_batch, videos
from a2e_faceswap.errors import A2EError
try:
    report = run_batch(BatchServer(), videos(1), Path(sys.argv[1]), task_timeout=1)
    print("exit", report.exit_code, report.rows[0].state)
except A2EError as error:
    print("refused", type(error).__name__)
"""


def _rerun_in_child(out: Path, seconds: float = 20.0) -> str:
    """A run of the same batch in a child process (killed when it does not end within ``seconds``)."""
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[2]
    try:
        command = [sys.executable, "-c", _CHILD, str(out)]
        done = subprocess.run(command, cwd=root, capture_output=True, text=True, timeout=seconds)
    except subprocess.TimeoutExpired:
        return "hung"
    return done.stdout.strip() or done.stderr.strip()[-300:]


def _tamper(out: Path, sql: str) -> None:
    import sqlite3

    db = sqlite3.connect(out / ".a2e-batch.sqlite")
    db.execute(sql)
    db.commit()
    db.close()


def test_a_journal_row_holding_a_task_id_that_is_not_an_id_ends_the_run(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert run_batch(BatchServer(), videos(1), out).exit_code == 0
    _tamper(out, "UPDATE rows SET state = 'created', task_id = 'not-an-id', attempted_at = NULL")
    assert _rerun_in_child(out, seconds=10.0) in ("refused JournalError", "exit 1 failed")


def test_a_created_row_without_its_attempt_time_still_times_out(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert run_batch(BatchServer(), videos(1), out).exit_code == 0
    _tamper(
        out, "UPDATE rows SET state = 'created', task_id = 'ffffffffffffffffffffffff', attempted_at = NULL"
    )
    assert _rerun_in_child(out, seconds=10.0) == "exit 1 failed"
