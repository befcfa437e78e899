"""Whole batch runs (``client.batch.run``) against the simulator over real HTTP: faults on, runs killed
with SIGKILL and resumed, failed rows retried, shards, credits running out, creates applied late, the
credit limit, and the journal or manifest refused. After every finished run each row is saved once:
one task per row name, the file's bytes those the simulator serves for that task, no ``.part`` left.

The runs that get killed are child processes (``_child.py``); the simulator stays in this process.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from a2e_faceswap import A2E, AsyncA2E, BatchEvent, Job, RetryPolicy
from a2e_faceswap._batch_plan import JOURNAL_NAME, states, stored_batch_id
from a2e_faceswap._journal import Journal, RowRecord
from a2e_faceswap._manifest import task_name
from a2e_faceswap.errors import InvalidInputError, JournalError, ManifestError, RateLimitError
from a2e_faceswap.testing import Simulator
from a2e_faceswap.testing._faults import FaultKind

from tests.conftest import MakeSim

CHILD = Path(__file__).with_name("_child.py")
ROWS = 200
#: Faults on the batch's two busy routes: refused, lost and applied-then-lost creates, failed reads.
FAULTS = (
    "create_task:http_503:0.05,create_task:reset:0.03,create_task:applied_then_reset:0.03,"
    "batch_task_detail:http_503:0.1,batch_task_detail:reset:0.05"
)
#: A settle window short enough for a test, longer than any late create the tests make.
SETTLE = 1.0
CLIENT: dict[str, Any] = {"timeout": 5.0, "settle_window": SETTLE}
RUN: dict[str, Any] = {"concurrency": 40, "poll_interval": 0.05}


def policy(settle_window: float = SETTLE) -> RetryPolicy:
    return RetryPolicy(settle_window=settle_window, initial_delay=0.01, max_delay=0.1, jitter=0.0)


def client(sim: Simulator, timeout: float = 5.0, settle_window: float = SETTLE) -> A2E:
    return A2E(api_key=sim.token, base_url=sim.base_url, timeout=timeout, retry_policy=policy(settle_window))


def async_client(sim: Simulator) -> AsyncA2E:
    return AsyncA2E(api_key=sim.token, base_url=sim.base_url, timeout=5.0, retry_policy=policy())


def jobs(count: int, tag: str = "v") -> list[Job]:
    return [
        Job("https://media.example.com/face.jpg", f"https://media.example.com/{tag}/{i}.mp4")
        for i in range(count)
    ]


def write_manifest(path: Path, rows: list[Job]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(["face", "video"])
        writer.writerows([[str(job.face), str(job.video)] for job in rows])
    return path


def records(journal: Path) -> list[RowRecord]:
    with Journal.open(journal, batch_id=None, create=False, exclusive=False) as opened:
        return opened.rows()


def check_all_saved(sim: Simulator, out: Path, journal: Path | None = None) -> list[RowRecord]:
    """Every row saved from its one task, bytes as served, no partial file; no task outside the rows."""
    rows = records(journal or out / ".a2e-batch.sqlite")
    assert Counter(r.state for r in rows) == {"saved": len(rows)}
    by_name = sim.stats.tasks_created_by_name
    ids = {task["name"]: task["_id"] for task in sim.tasks()}
    for row in rows:
        assert row.task_name is not None
        assert row.task_id is not None
        assert by_name[row.task_name] == 1, row.task_name
        assert ids[row.task_name] == row.task_id
        data = (out / row.output).read_bytes()
        assert hashlib.sha256(data).hexdigest() == sim.result_sha256(row.task_id), row.output
    assert sum(by_name.values()) == len(rows)
    assert not [p.name for p in out.rglob("*.part")]
    return rows


# ------------------------------------------------------------------ 1. a batch with faults on


def test_a_200_row_batch_with_faults_saves_every_row_once(make_sim: MakeSim, tmp_path: Path) -> None:
    sim = make_sim(faults=FAULTS)
    out = tmp_path / "out"
    events: list[str] = []
    with client(sim) as api:
        options = {**RUN, "poll_interval": 0.2}  # reads a machine's load cannot multiply past the bound
        report = api.batch.run(jobs(ROWS), out, on_event=lambda e: events.append(e.kind), **options)
    assert (report.exit_code, dict(report.counts)) == (0, {"saved": ROWS})
    rows = check_all_saved(sim, out)
    assert {r.key for r in rows} == {r.key for r in report.rows}
    assert all(r.task_name == task_name(report.batch_id, r.key, 1) for r in rows)
    assert events.count("saved") == ROWS
    faults = Counter(kind for route, kind in sim.faults.history)
    assert min(faults[k] for k in (FaultKind.APPLIED_THEN_RESET, FaultKind.HTTP_503, FaultKind.RESET)) > 0
    # statuses are read many ids a request, never one GET per task
    assert not [k for k in sim.stats.requests if k[0] == "get_task"]
    reads = sum(n for (route, _), n in sim.stats.requests.items() if route == "batch_task_detail")
    assert reads < ROWS / 2
    with (out / "report.csv").open(encoding="utf-8") as file:
        assert sum(1 for line in csv.DictReader(file) if line["state"] == "saved") == ROWS


# ------------------------------------------------------------------ 2. killed at chosen moments, resumed


class Progress:
    """The journal's counts by state, read from the child's journal (read-only) and its folder."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self.journal = out / ".a2e-batch.sqlite"

    def counts(self) -> Counter[str]:
        if not self.journal.exists():
            return Counter()
        try:
            connection = sqlite3.connect(f"file:{self.journal}?mode=ro", uri=True, timeout=0.5)
            try:
                found = connection.execute("SELECT state, count(*) FROM rows GROUP BY state").fetchall()
            finally:
                connection.close()
        except sqlite3.Error:
            return Counter()
        return Counter({state: n for state, n in found})

    def parts(self) -> int:
        return sum(1 for name in os.listdir(self.out) if name.endswith(".part")) if self.out.exists() else 0


def started(counts: Counter[str]) -> int:
    return sum(n for state, n in counts.items() if state != "pending")


Moment = Callable[[Progress, Counter[str]], bool]

MOMENTS: list[tuple[str, Moment]] = [
    ("the first create journaled", lambda p, at: started(p.counts()) > started(at)),
    ("30 more creates journaled", lambda p, at: started(p.counts()) >= started(at) + 30),
    ("a create in flight", lambda p, at: p.counts()["creating"] > 0 and started(p.counts()) > started(at)),
    ("a download half written", lambda p, at: p.parts() > 0),
    ("20 more rows saved", lambda p, at: p.counts()["saved"] >= at["saved"] + 20),
    ("60 more rows saved", lambda p, at: p.counts()["saved"] >= at["saved"] + 60),
]


@pytest.fixture
def children() -> Iterator[list[subprocess.Popen[str]]]:
    started: list[subprocess.Popen[str]] = []
    yield started
    for child in started:
        if child.poll() is None:
            child.kill()
        child.wait(10)


def spawn(
    sim: Simulator, manifest: Path, out: Path, children: list[subprocess.Popen[str]], **run: Any
) -> subprocess.Popen[str]:
    options = {**CLIENT, **RUN, **run}
    child = subprocess.Popen(
        [sys.executable, str(CHILD), str(manifest), str(out), json.dumps(options)],
        env={**os.environ, **sim.env()},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    children.append(child)
    return child


def kill_when(child: subprocess.Popen[str], progress: Progress, moment: Moment, what: str) -> None:
    at = progress.counts()
    deadline = time.monotonic() + 30
    while not moment(progress, at):
        if child.poll() is not None:
            _, err = child.communicate()
            pytest.fail(f"the run ended (exit {child.returncode}) before {what}: {err[-2000:]}")
        if time.monotonic() > deadline:
            pytest.fail(f"no {what} within 30 s")
        time.sleep(0.002)
    child.send_signal(signal.SIGKILL)
    assert child.wait(10) == -signal.SIGKILL


def test_killed_at_six_moments_and_resumed_saves_every_row_once(
    make_sim: MakeSim, tmp_path: Path, children: list[subprocess.Popen[str]]
) -> None:
    sim = make_sim(faults=FAULTS, result_size=512 * 1024)
    manifest = write_manifest(tmp_path / "rows.csv", jobs(ROWS))
    out = tmp_path / "out"
    progress = Progress(out)
    for what, moment in MOMENTS:
        if what == "a create in flight":  # the next creates take a while, and are applied after the kill
            sim.faults.script("create_task", [(FaultKind.SLOW, 0.6)] * 3)
        kill_when(spawn(sim, manifest, out, children), progress, moment, what)
    assert started(progress.counts()) < ROWS or progress.counts()["saved"] < ROWS
    child = spawn(sim, manifest, out, children)
    stdout, stderr = child.communicate(timeout=60)
    assert child.returncode == 0, stderr[-3000:]
    assert json.loads(stdout)["counts"] == {"saved": ROWS}
    check_all_saved(sim, out)


# ------------------------------------------------------------------ 3. failed rows retried


async def test_retry_failed_reruns_only_the_failed_rows_under_new_names(
    make_sim: MakeSim, tmp_path: Path
) -> None:
    sim = make_sim()
    # rows 3 and 9 get a task that fails, row 6 is refused by moderation (creates go in row order)
    script: list[FaultKind | None] = [None] * 10
    script[2] = script[8] = FaultKind.TASK_FAILURE
    script[5] = FaultKind.CODE_MODERATION
    sim.faults.script("create_task", script)
    out = tmp_path / "out"
    async with async_client(sim) as api:
        first = await api.batch.run(jobs(12), out, concurrency=1, poll_interval=0.02)
        failed = {row.key: row for row in first.rows if row.state == "failed"}
        assert first.exit_code == 1
        assert sorted(row.line for row in failed.values()) == [3, 6, 9]
        assert failed[next(k for k, r in failed.items() if r.line == 6)].task_id is None
        creates = sim.stats.requests[("create_task", 200)]
        second = await api.batch.run(jobs(12), out, retry_failed=True, concurrency=4, poll_interval=0.02)
    assert second.exit_code == 0
    assert sim.stats.requests[("create_task", 200)] - creates == 3
    by_name = sim.stats.tasks_created_by_name
    batch = second.batch_id
    for row in second.rows:
        again = task_name(batch, row.key, 2)
        assert by_name[again] == (1 if row.key in failed else 0)
    for key in failed:
        assert by_name[task_name(batch, key, 1)] == (0 if failed[key].line == 6 else 1)
    rows = records(out / ".a2e-batch.sqlite")
    assert {r.key: r.attempt for r in rows} == {r.key: 2 if r.key in failed else 1 for r in rows}
    assert not list(out.rglob("*.part"))


# ------------------------------------------------------------------ 4. shards


def test_three_shards_in_three_processes_cover_each_row_once(
    make_sim: MakeSim, tmp_path: Path, children: list[subprocess.Popen[str]]
) -> None:
    sim = make_sim(faults="create_task:http_503:0.05,batch_task_detail:reset:0.05")
    count = 60
    manifest = write_manifest(tmp_path / "rows.csv", jobs(count))
    outs = [tmp_path / f"shard{k}" for k in range(3)]
    running = [
        spawn(sim, manifest, outs[k], children, batch_id="shared-batch", shard=f"{k}/3") for k in range(3)
    ]
    for child in running:
        _, stderr = child.communicate(timeout=60)
        assert child.returncode == 0, stderr[-3000:]
    keys: Counter[str] = Counter()
    for out in outs:
        rows = records(out / ".a2e-batch.sqlite")
        assert rows, f"{out.name} has no rows"
        assert all(r.state == "saved" and r.task_name == task_name("shared-batch", r.key, 1) for r in rows)
        keys.update(r.key for r in rows)
        assert not list(out.rglob("*.part"))
    assert (len(keys), set(keys.values())) == (count, {1})
    assert sum(sim.stats.tasks_created_by_name.values()) == count
    assert set(sim.stats.tasks_created_by_name.values()) == {1}


def test_a_shard_needs_a_batch_id(sim: Simulator, tmp_path: Path) -> None:
    with client(sim) as api, pytest.raises(InvalidInputError, match="batch id"):
        api.batch.run(jobs(3), tmp_path / "out", shard="0/3")
    assert not sim.stats.requests


# ------------------------------------------------------------------ 5. credits run out


def test_credits_running_out_pause_the_batch_and_a_later_run_finishes(
    make_sim: MakeSim, tmp_path: Path
) -> None:
    sim = make_sim(credits=15)
    out = tmp_path / "out"
    events: list[str] = []
    with client(sim) as api:
        report = api.batch.run(jobs(40), out, on_event=lambda e: events.append(e.kind), **RUN)
        assert report.exit_code == 75
        assert report.paused == "credits"
        assert dict(report.counts) == {"saved": 15, "pending": 25}
        assert ("paused" in events, "failed" in events) == (True, False)
        assert sim.stats.requests[("create_task", 402)] >= 1
        sim.set_credits(100)
        again = api.batch.run(jobs(40), out, **RUN)
    assert (again.exit_code, again.paused, dict(again.counts)) == (0, None, {"saved": 40})
    check_all_saved(sim, out)


# ------------------------------------------------------------------ 6. creates applied late


def test_creates_applied_late_never_give_a_row_two_tasks(make_sim: MakeSim, tmp_path: Path) -> None:
    sim = make_sim()
    timeout, settle = 0.5, 2.0
    # the client gives up after 0.5 s; these creates are applied 0.3 to 1.2 s later, within the window
    late = [(FaultKind.SLOW, timeout + d) for d in (0.3, 0.7, 1.2)]
    sim.faults.script("create_task", [late[0], None, late[1], FaultKind.APPLIED_THEN_RESET, None, late[2]])
    out = tmp_path / "out"
    events: list[tuple[str, str | None]] = []
    with client(sim, timeout=timeout, settle_window=settle) as api:
        report = api.batch.run(
            jobs(20),
            out,
            on_event=lambda e: events.append((e.kind, e.message)),
            concurrency=8,
            poll_interval=0.05,
        )
    assert report.exit_code == 0, report.counts
    assert [kind for kind, _ in events].count("doubt") >= 4
    assert ("created", "found after a doubtful create") in events
    check_all_saved(sim, out)


# ------------------------------------------------------------------ 7. the credit limit


def test_max_credits_stops_creating_at_the_quoted_limit(make_sim: MakeSim, tmp_path: Path) -> None:
    sim = make_sim(costs={"create_task": 2, "create_preview": 1, "create_upload_url": 1})
    out = tmp_path / "out"
    with client(sim) as api:
        report = api.batch.run(jobs(30), out, max_credits=21, **RUN)
    assert (report.paused, report.exit_code) == ("budget", 75)
    assert dict(report.counts) == {"saved": 10, "pending": 20}
    assert report.credits_spent == 20
    assert sum(sim.stats.tasks_created_by_name.values()) == 10
    assert sim.stats.requests[("quote_generation", 200)] == 1


def test_a_create_lost_after_it_was_applied_holds_its_share_of_the_quoted_limit(
    make_sim: MakeSim, tmp_path: Path
) -> None:
    # the first create is applied, then its answer is lost: the row is in doubt, then found. Counted
    # only once found, two more tasks would have been created meanwhile and 6 credits spent of 5.
    sim = make_sim(costs={"create_task": 2, "create_preview": 1, "create_upload_url": 1})
    sim.faults.script("create_task", [FaultKind.APPLIED_THEN_RESET])
    with client(sim) as api:
        report = api.batch.run(jobs(4), tmp_path / "out", max_credits=5, **RUN)
    assert (report.paused, report.exit_code) == ("budget", 75)
    assert dict(report.counts) == {"saved": 2, "pending": 2}
    assert sum(sim.stats.tasks_created_by_name.values()) == 2
    assert report.credits_spent == 4
    assert sim.faults.pending_script("create_task") == []


@pytest.mark.parametrize("event_kind", ["created", "completed", "saved"])
@pytest.mark.parametrize("kind", ["sync", "async"])
async def test_an_error_raised_while_an_answer_is_taken_in_ends_the_run(
    sim: Simulator, tmp_path: Path, kind: str, event_kind: str
) -> None:
    # the user's callback raising our error on an event: it is not the request's failure (a created
    # task taken for a failed create was sent again: a second paid task), so it ends the run, and the
    # next run carries on without a second task
    out = tmp_path / "out"

    def on_event(event: BatchEvent) -> None:
        if event.kind == event_kind:
            raise RateLimitError("the caller's own rate limit", status=429)

    async def first_run() -> None:
        if kind == "sync":
            with client(sim) as api:
                api.batch.run(jobs(2), out, on_event=on_event, **RUN)
        else:
            async with async_client(sim) as async_api:
                await async_api.batch.run(jobs(2), out, on_event=on_event, **RUN)

    with pytest.raises(RateLimitError, match="caller's own"):
        await first_run()
    assert set(sim.stats.tasks_created_by_name.values()) == {1}
    with client(sim) as api:
        report = api.batch.run(jobs(2), out, **RUN)
    assert (report.exit_code, dict(report.counts)) == (0, {"saved": 2})
    assert sorted(sim.stats.tasks_created_by_name.values()) == [1, 1]


def test_max_credits_limits_the_whole_batch_across_its_runs(make_sim: MakeSim, tmp_path: Path) -> None:
    sim = make_sim(costs={"create_task": 2, "create_preview": 1, "create_upload_url": 1})
    out = tmp_path / "out"
    start = sim.credits()
    with client(sim) as api:
        first = api.batch.run(jobs(6), out, max_credits=5, **RUN)
        again = api.batch.run(jobs(6), out, max_credits=5, **RUN)  # a restart spends nothing more
        more = api.batch.run(jobs(6), out, max_credits=9, **RUN)  # a larger limit lets it go on
    assert (first.paused, first.credits_spent, first.batch_credits_spent) == ("budget", 4, 4)
    assert (again.paused, again.exit_code, again.credits_spent, again.batch_credits_spent) == (
        "budget",
        75,
        0,
        4,
    )
    assert dict(again.counts) == {"saved": 2, "pending": 4}
    assert (more.paused, more.credits_spent, more.batch_credits_spent) == ("budget", 4, 8)
    assert dict(more.counts) == {"saved": 4, "pending": 2}
    assert sum(sim.stats.tasks_created_by_name.values()) == 4
    assert start - sim.credits() == 8  # what A2E took


def test_a_journal_whose_spending_is_unreadable_is_refused_before_anything_is_sent(
    make_sim: MakeSim, tmp_path: Path
) -> None:
    sim = make_sim()
    out = tmp_path / "out"
    with client(sim) as api:
        api.batch.run(jobs(2), out, **RUN)
    with sqlite3.connect(out / JOURNAL_NAME) as db:
        db.execute("INSERT OR REPLACE INTO meta (name, value) VALUES ('credits_spent', 'nan')")
    db.close()
    before = sum(sim.stats.requests.values())
    with client(sim) as api, pytest.raises(JournalError, match="credits spent"):
        api.batch.run(jobs(3), out, max_credits=10, **RUN)
    assert sum(sim.stats.requests.values()) == before


def test_max_credits_falls_back_to_the_balance_when_the_quote_is_refused(
    make_sim: MakeSim, tmp_path: Path
) -> None:
    sim = make_sim(credits=500, faults="quote_generation:http_500")
    out = tmp_path / "out"
    concurrency, limit = 4, 10
    with client(sim) as api:
        report = api.batch.run(jobs(40), out, max_credits=limit, concurrency=concurrency, poll_interval=0.05)
    created = sum(sim.stats.tasks_created_by_name.values())
    assert (report.paused, report.exit_code) == ("budget", 75)
    # never off: it stops at the limit, past it by at most one round of creates
    assert limit <= created <= limit + concurrency
    assert report.credits_spent == 500 - sim.credits() == created
    assert sim.stats.requests[("get_remaining_coins", 200)] >= 2
    assert report.counts.get("failed", 0) == 0


# ------------------------------------------------------------------ 8. refused journals and manifests


def test_a_corrupt_journal_is_refused_and_left_as_it_is(sim: Simulator, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    journal = out / ".a2e-batch.sqlite"
    journal.write_bytes(b"this is not a journal\n" * 100)
    with client(sim) as api, pytest.raises(JournalError, match="corrupt"):
        api.batch.run(jobs(3), out, **RUN)
    assert journal.read_bytes() == b"this is not a journal\n" * 100
    assert not sim.stats.requests


def test_a_manifest_row_changed_between_runs_is_refused_with_its_line(sim: Simulator, tmp_path: Path) -> None:
    rows = jobs(5)
    manifest = write_manifest(tmp_path / "rows.csv", rows)
    out = tmp_path / "out"
    with client(sim) as api:
        first = api.batch.run(manifest, out, **RUN)
        assert first.exit_code == 0
        line = next(row.line for row in first.rows if row.video == str(rows[2].video))
        rows[2] = Job(rows[2].face, "https://media.example.com/other.mp4")
        write_manifest(manifest, rows)
        requests = sim.stats.requests.total()
        with pytest.raises(JournalError, match=f"line {line}\\b") as refused:
            api.batch.run(manifest, out, **RUN)
    assert "changed" in str(refused.value)
    assert sim.stats.requests.total() == requests
    assert check_all_saved(sim, out)


def test_a_bad_manifest_is_refused_before_anything_is_sent(sim: Simulator, tmp_path: Path) -> None:
    manifest = tmp_path / "rows.csv"
    manifest.write_text("face,video,output\nhttps://a.example/f.jpg,https://a.example/v.mp4,../x.mp4\n")
    with client(sim) as api, pytest.raises(ManifestError, match="line 2"):
        api.batch.run(manifest, tmp_path / "out")
    assert not sim.stats.requests


def test_a_rerun_removes_the_partial_downloads_of_its_rows_only(sim: Simulator, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    rows = [Job(job.face, job.video, output=f"clip-{i}.mp4") for i, job in enumerate(jobs(2))]
    ours = [out / ".clip-0.mp4.0123abcd.part", out / ".report.csv.deadbeef.part"]
    others = [out / ".clip-9.mp4.0123abcd.part", out / "notes.part", out / ".clip-1.mp4.not-hex!.part"]
    for path in ours + others:
        path.write_bytes(b"half")
    with client(sim) as api:
        assert api.batch.run(rows, out, **RUN).exit_code == 0
    assert [p.exists() for p in ours + others] == [False, False, True, True, True]


def test_a_local_face_is_uploaded_once_for_the_batch_and_reused_by_a_later_run(
    sim: Simulator, tmp_path: Path
) -> None:
    face = tmp_path / "face.jpg"
    face.write_bytes(b"\xff\xd8\xff\xe0" + bytes(5000))
    rows = [Job(face, job.video) for job in jobs(30)]
    out = tmp_path / "out"
    with client(sim) as api:
        assert api.batch.run(rows[:20], out, **RUN).exit_code == 0
        assert api.batch.run(rows, out, **RUN).exit_code == 0  # ten rows appended
    assert (sim.stats.requests[("create_upload_url", 200)], sim.stats.requests[("upload_put", 200)]) == (1, 1)
    check_all_saved(sim, out)


def test_the_journal_read_beside_a_run_is_the_one_the_run_keeps_also_under_a_tilde(
    sim: Simulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``states`` and ``stored_batch_id`` (the command's progress display and webhook token) expand
    ``~`` as the run does, so they find the run's journal however the folder is written."""
    monkeypatch.setenv("HOME", str(tmp_path))
    with client(sim) as c:
        report = c.batch.run(jobs(2), "~/out", poll_interval=0.05)
    assert (tmp_path / "out" / JOURNAL_NAME).exists()
    assert stored_batch_id("~/out") == report.batch_id
    assert states("~/out") == {row.key: "saved" for row in report.rows}
    assert stored_batch_id(tmp_path / "elsewhere") is None
    assert states(tmp_path / "elsewhere") == {}
