"""The batch journal (``_journal``): created, reopened, refused when foreign or corrupt (and never
written then), every state change on disk when its call returns, and whole after a SIGKILL."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from a2e_faceswap._journal import SCHEMA_VERSION, Journal, RowRecord
from a2e_faceswap._manifest import Job, Row, rows_from_jobs
from a2e_faceswap.errors import InvalidInputError, JournalError, LocalFileError

AT = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def make_rows(count: int, start: int = 0) -> list[Row]:
    jobs = [
        Job(f"https://cdn.example.com/face-{i}.jpg", f"https://cdn.example.com/v-{i}.mp4")
        for i in range(count)
    ]
    rows = rows_from_jobs(jobs[start:], Path.cwd())
    return [Row(r.line + start, r.key, r.face, r.video, r.name, r.output) for r in rows]


def reopen(path: Path) -> Journal:
    return Journal.open(path, batch_id=None, create=False)


def one(journal: Journal, key: str) -> RowRecord:
    return next(r for r in journal.rows() if r.key == key)


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / ".a2e-batch.sqlite"


# ------------------------------------------------------------------ opening


def test_a_new_journal_has_a_batch_id_wal_and_no_leftovers(path: Path) -> None:
    with Journal.open(path, batch_id=None) as journal:
        assert len(journal.batch_id) == 12
        int(journal.batch_id, 16)
        first = journal.batch_id
    with Journal.open(path, batch_id=None) as journal:
        assert journal.batch_id == first
    with Journal.open(path, batch_id=first) as journal:
        assert journal.batch_id == first
    connection = sqlite3.connect(path)
    assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert connection.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    connection.close()
    assert sorted(p.name for p in path.parent.iterdir()) == [path.name, path.name + ".lock"]


def test_what_a_killed_build_left_is_swept(path: Path) -> None:
    stale, fresh = (path.with_name(f".{path.name}.{tag}.new") for tag in ("0000aaaa", "1111bbbb"))
    for leftover in (stale, Path(f"{stale}-wal"), fresh):
        leftover.write_bytes(b"half a journal")
    old = time.time() - 120
    os.utime(stale, (old, old))
    os.utime(f"{stale}-wal", (old, old))
    Journal.open(path, batch_id="b").close()
    assert not stale.exists()
    assert not Path(f"{stale}-wal").exists()
    assert fresh.exists()  # perhaps another run building right now


def test_given_batch_id_is_kept_and_checked(path: Path, tmp_path: Path) -> None:
    with Journal.open(path, batch_id="night-run_1") as journal:
        assert journal.batch_id == "night-run_1"
    for bad in ("", "a b", "../x", "x" * 40):
        with pytest.raises(InvalidInputError):
            Journal.open(tmp_path / "other.sqlite", batch_id=bad)
    assert not (tmp_path / "other.sqlite").exists()


def test_an_empty_file_becomes_a_journal(path: Path) -> None:
    path.touch()
    with Journal.open(path, batch_id="b1") as journal:
        journal.sync_rows(make_rows(2))
    with reopen(path) as journal:
        assert journal.batch_id == "b1"
        assert len(journal.rows()) == 2


def test_missing_journal_without_create(path: Path) -> None:
    with pytest.raises(JournalError, match="no batch journal"):
        Journal.open(path, batch_id=None, create=False)
    assert not path.exists()


def test_paths_that_cannot_be_a_journal(tmp_path: Path) -> None:
    with pytest.raises(JournalError, match="not a regular file"):
        Journal.open(tmp_path, batch_id=None)
    with pytest.raises(LocalFileError):
        Journal.open(tmp_path / "no" / "such" / "dir" / "j.sqlite", batch_id=None)


def untouched(path: Path) -> tuple[bytes, int, list[str]]:
    return path.read_bytes(), path.stat().st_mtime_ns, sorted(p.name for p in path.parent.iterdir())


def test_another_batch_id_is_foreign_and_left_alone(path: Path) -> None:
    with Journal.open(path, batch_id="first") as journal:
        journal.sync_rows(make_rows(3))
    before = untouched(path)
    with pytest.raises(JournalError, match="journal of batch 'first', not 'second'"):
        Journal.open(path, batch_id="second")
    assert untouched(path) == before


def test_another_schema_version_is_foreign_and_left_alone(path: Path) -> None:
    Journal.open(path, batch_id="b").close()
    connection = sqlite3.connect(path)
    connection.execute(f"PRAGMA user_version={SCHEMA_VERSION + 1}")
    connection.close()
    before = untouched(path)
    with pytest.raises(JournalError, match=f"schema version {SCHEMA_VERSION + 1}"):
        Journal.open(path, batch_id=None)
    assert untouched(path) == before


@pytest.mark.parametrize("seed", range(5))
def test_random_bytes_are_corrupt_and_left_alone(path: Path, seed: int) -> None:
    path.write_bytes(random.Random(seed).randbytes(1 + seed * 3000))
    before = untouched(path)
    with pytest.raises(JournalError, match="left as it is"):  # a file under 512 bytes reads as empty SQLite
        Journal.open(path, batch_id=None)
    assert untouched(path) == before


def test_an_sqlite_file_without_our_tables_is_refused(path: Path) -> None:
    connection = sqlite3.connect(path)
    connection.execute("CREATE TABLE notes (text TEXT)")
    connection.execute("INSERT INTO notes VALUES ('mine')")
    connection.commit()
    connection.close()
    before = untouched(path)
    with pytest.raises(JournalError, match="not an a2e-faceswap batch journal"):
        Journal.open(path, batch_id=None)
    assert untouched(path) == before


def test_a_journal_missing_a_table_is_refused(path: Path) -> None:
    Journal.open(path, batch_id="b").close()
    connection = sqlite3.connect(path)
    connection.execute("DROP TABLE uploads")
    connection.close()
    with pytest.raises(JournalError, match="without the journal's tables"):
        Journal.open(path, batch_id=None)


def test_a_truncated_journal_is_refused_not_crashed(path: Path) -> None:
    with Journal.open(path, batch_id="b") as journal:
        journal.sync_rows(make_rows(300))
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(JournalError, match="corrupt"):  # found as it is opened (the schema's pages are lost)
        Journal.open(path, batch_id=None)


def test_a_bad_value_in_a_row_is_refused(path: Path) -> None:
    with Journal.open(path, batch_id="b") as journal:
        journal.sync_rows(make_rows(1))
    connection = sqlite3.connect(path)
    connection.execute("UPDATE rows SET state = 'exploded'")
    connection.commit()
    connection.close()
    with reopen(path) as journal, pytest.raises(JournalError, match="corrupt"):
        journal.rows()


# ------------------------------------------------------------------ the rows of a run and the next


def test_appended_rows_are_added_and_known_rows_kept(path: Path) -> None:
    rows = make_rows(5)
    with Journal.open(path, batch_id="b") as journal:
        journal.sync_rows(rows[:3])
        journal.mark_created(rows[0].key, "a" * 24)
    with reopen(path) as journal:
        journal.sync_rows(rows)
        records = journal.rows()
        assert [r.key for r in records] == [r.key for r in rows]
        assert [r.state for r in records] == ["created", "pending", "pending", "pending", "pending"]
        assert records[3].line == 4
        assert (records[3].face, records[3].video, records[3].output) == (
            rows[3].face,
            rows[3].video,
            rows[3].output,
        )


def test_reordered_rows_keep_their_state_and_take_their_new_line(path: Path) -> None:
    rows = make_rows(3)
    with Journal.open(path, batch_id="b") as journal:
        journal.sync_rows(rows)
        journal.mark_doubt(rows[2].key, "timeout")
        moved = [Row(4 - r.line, r.key, r.face, r.video, r.name, r.output) for r in rows]
        journal.sync_rows(moved)
        record = one(journal, rows[2].key)
        assert (record.line, record.state) == (1, "doubt")


def test_a_changed_row_is_refused_with_its_line(path: Path) -> None:
    rows = make_rows(4)
    with Journal.open(path, batch_id="b") as journal:
        journal.sync_rows(rows)
        changed = list(rows)
        other = rows_from_jobs(
            [Job("https://cdn.example.com/new.jpg", "https://cdn.example.com/v.mp4")], Path.cwd()
        )
        changed[2] = Row(3, other[0].key, other[0].face, other[0].video, None, other[0].output)
        with pytest.raises(JournalError, match="line 3: changed"):
            journal.sync_rows(changed)
        assert [r.key for r in journal.rows()] == [r.key for r in rows]  # nothing written


def test_a_removed_row_is_refused_with_its_line(path: Path) -> None:
    rows = make_rows(4)
    with Journal.open(path, batch_id="b") as journal:
        journal.sync_rows(rows)
    with reopen(path) as journal:
        with pytest.raises(JournalError, match="line 2: removed") as error:
            journal.sync_rows([rows[0], rows[2], rows[3]])
        assert "line 1" not in str(error.value)
        assert len(journal.rows()) == 4


# ------------------------------------------------------------------ state changes, on disk when they return


def test_every_state_change_survives_close_and_reopen(path: Path) -> None:
    rows = make_rows(3)
    key, other, third = (r.key for r in rows)
    with Journal.open(path, batch_id="b") as journal:
        journal.sync_rows(rows)

    steps: list[tuple[Callable[[Journal], None], str]] = [
        (lambda j: j.mark_creating(key, "a2e-batch-b-k-1", 1, AT), "creating"),
        (lambda j: j.mark_doubt(key, "read timeout after sending"), "doubt"),
        (lambda j: j.mark_pending(key), "pending"),
        (lambda j: j.mark_creating(key, "a2e-batch-b-k-1", 1, AT + timedelta(seconds=9)), "creating"),
        (lambda j: j.mark_created(key, "b" * 24), "created"),
        (lambda j: j.mark_completed(key, "https://cdn.example.com/result.mp4"), "completed"),
        (lambda j: j.mark_saved(key, path.parent / "out.mp4"), "saved"),
    ]
    for step, state in steps:
        with reopen(path) as journal:
            step(journal)
        with reopen(path) as journal:
            assert one(journal, key).state == state
    with reopen(path) as journal:
        record = one(journal, key)
    assert record.task_name == "a2e-batch-b-k-1"
    assert record.attempt == 1
    assert record.attempted_at == AT + timedelta(seconds=9)
    assert record.task_id == "b" * 24
    assert record.result_url == "https://cdn.example.com/result.mp4"
    assert record.result_path == str(path.parent / "out.mp4")
    assert record.message is None

    with reopen(path) as journal:
        journal.mark_creating(other, "n2", 1, datetime(2026, 1, 1, 12, 0))  # naive: taken as UTC
        journal.mark_created(other, "c" * 24)
        journal.mark_failed(other, "the task failed: no face", "1003")
        journal.mark_creating(third, "n3", 1, AT)
        journal.mark_failed(third, "rejected", None, task_id="d" * 24)
    with reopen(path) as journal:
        failed = one(journal, other)
        assert (failed.state, failed.message, failed.code, failed.task_id) == (
            "failed",
            "the task failed: no face",
            "1003",
            "c" * 24,
        )
        assert failed.attempted_at == datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
        assert one(journal, third).task_id == "d" * 24
        assert journal.counts() == {
            "pending": 0,
            "creating": 0,
            "created": 0,
            "completed": 0,
            "saved": 1,
            "failed": 2,
            "doubt": 0,
        }
        assert [r.key for r in journal.rows(["failed"])] == [other, third]
        assert journal.rows([]) == []


def test_retry_failed_takes_the_next_attempt(path: Path) -> None:
    rows = make_rows(3)
    with Journal.open(path, batch_id="b") as journal:
        journal.sync_rows(rows)
        for row in rows[:2]:
            journal.mark_creating(row.key, "n", 1, AT)
            journal.mark_failed(row.key, "boom", "500", task_id="e" * 24)
        journal.mark_creating(rows[2].key, "n", 1, AT)
    with reopen(path) as journal:
        assert journal.retry_failed() == 2
    with reopen(path) as journal:
        first, second, third = journal.rows()
        for record in (first, second):
            assert (record.state, record.attempt) == ("pending", 2)
            assert (record.task_name, record.task_id, record.message, record.code) == (None, None, None, None)
        assert (third.state, third.attempt) == ("creating", 1)
        assert journal.retry_failed() == 0
        journal.mark_creating(first.key, "n", 2, AT)
        journal.mark_failed(first.key, "again", None)
        assert journal.retry_failed() == 1
        assert one(journal, first.key).attempt == 3


def test_an_unknown_key_is_refused(path: Path) -> None:
    with Journal.open(path, batch_id="b") as journal:
        journal.sync_rows(make_rows(1))
        with pytest.raises(JournalError, match="no row"):
            journal.mark_created("0123456789abcdef", "a" * 24)
        key = journal.rows()[0].key
        journal.mark_created(key, "a" * 24)  # the refused change left no transaction open
    with reopen(path) as journal:
        assert one(journal, key).state == "created"
    with pytest.raises(JournalError):
        journal.counts()  # closed


def test_uploads_are_remembered(path: Path) -> None:
    with Journal.open(path, batch_id="b") as journal:
        assert journal.upload_for("ab" * 32) is None
        journal.record_upload("ab" * 32, "https://cdn.example.com/up/1.jpg")
    with reopen(path) as journal:
        assert journal.upload_for("ab" * 32) == "https://cdn.example.com/up/1.jpg"
        assert journal.upload_for("cd" * 32) is None


# ------------------------------------------------------------------ a kill at any moment


CHILD = textwrap.dedent(
    """
    import sys
    from datetime import UTC, datetime
    from a2e_faceswap._journal import Journal

    journal = Journal.open(sys.argv[1], batch_id=None, create=False)
    for record in journal.rows(["pending"]):
        journal.mark_creating(record.key, "name-" + record.key, 1, datetime.now(UTC))
        print("creating", record.key, flush=True)
        journal.mark_created(record.key, record.key.rjust(24, "0"))
        print("created", record.key, flush=True)
    print("done", flush=True)
    """
)


def test_a_killed_writer_leaves_every_committed_mark(path: Path) -> None:
    rows = make_rows(2000)
    with Journal.open(path, batch_id="crash") as journal:
        journal.sync_rows(rows)
    seen: dict[str, str] = {}
    for stop_after in (7, 40, 3):  # each run continues the last one's pending rows
        child = subprocess.Popen(
            [sys.executable, "-c", CHILD, str(path)], stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        assert child.stdout is not None
        lines = 0
        deadline = time.monotonic() + 30
        while lines < stop_after and time.monotonic() < deadline:
            line = child.stdout.readline().decode().split()
            if not line or line[0] == "done":
                break
            seen[line[1]] = line[0]
            lines += 1
        child.send_signal(signal.SIGKILL)
        _, error = child.communicate(timeout=10)
        assert child.returncode == -signal.SIGKILL, error.decode()
        assert lines == stop_after, error.decode()
        with reopen(path) as journal:
            records = {r.key: r for r in journal.rows()}
            for key, state in seen.items():
                record = records[key]
                if state == "created":
                    assert (record.state, record.task_id) == ("created", key.rjust(24, "0"))
                else:  # a creating mark may have been followed by a created one the output never showed
                    assert record.state in ("creating", "created")
                    assert record.task_name == "name-" + key
            moved = [r for r in records.values() if r.state != "pending"]
            assert {r.key for r in moved} >= set(seen)
            for record in moved:  # rows marked after the last line read: each mark whole
                assert record.task_name == "name-" + record.key
                assert record.state == "creating" or record.task_id == record.key.rjust(24, "0")
            assert sum(journal.counts().values()) == len(rows)
    assert sorted(p.name for p in path.parent.iterdir()) == [path.name, path.name + ".lock"]


def test_a_reader_sees_the_runs_commits(path: Path) -> None:
    rows = make_rows(2)
    with (
        Journal.open(path, batch_id="b") as writer,
        Journal.open(path, batch_id="b", exclusive=False) as reader,
    ):
        writer.sync_rows(rows)
        writer.mark_creating(rows[0].key, "n", 1, AT)
        assert one(reader, rows[0].key).state == "creating"


def test_one_run_at_a_time(path: Path) -> None:
    Journal.open(path, batch_id="b").close()
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys; from a2e_faceswap._journal import Journal; "
            "j = Journal.open(sys.argv[1], batch_id=None); print('open', flush=True); sys.stdin.read()",
            str(path),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline() == b"open\n"
        with pytest.raises(JournalError, match=f"in use by another run \\(process {holder.pid}\\)"):
            Journal.open(path, batch_id=None)
        Journal.open(path, batch_id=None, exclusive=False).close()
    finally:
        holder.kill()
        holder.communicate(timeout=10)
    with Journal.open(path, batch_id=None) as journal:  # the lock died with its process
        with pytest.raises(JournalError, match="in use"):  # and holds within one process too
            Journal.open(path, batch_id=None)
        assert journal.batch_id == "b"
    Journal.open(path, batch_id=None).close()  # closing let it go


def test_file_mode_is_not_world_writable(path: Path) -> None:
    Journal.open(path, batch_id="b").close()
    assert not os.stat(path).st_mode & 0o002
