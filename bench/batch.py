"""Batch (issue 12): ``client.batch.run`` against the threaded simulator, faults off. Four figures:

* API requests per row at 1 000 rows (one shared local face, 1 000 video URLs): every API route in
  ``sim.stats.requests`` (creates, upload URLs, status reads, lookups, balance, quote), not the upload
  PUT, CDN or result downloads. Beside it, per-task ``tasks.create`` + ``tasks.wait`` at the same poll
  interval, on fewer rows (a per-row figure: it does not depend on the number of rows).
* Wall time against the ideal, task_seconds / speed x rows / concurrency, on its own run (below).
* Peak RSS (``VmHWM``) of a fresh process running a 10 000-row batch, 256-byte results.
* Resume after SIGKILL: a child runs a batch; once half the rows are saved the next create is held
  back (a SLOW fault, applied after ``SLOW_CREATE`` s) and the child is killed while it waits, so a row
  is left ``creating`` with no task id. The rerun's requests before its first new create, its lookups,
  and its total.

Time is scaled: a simulated 60 s task takes ``TASK_REAL`` real seconds and the client reads statuses
every ``POLL`` s, ten reads in a task's life, as a 50 s task at the default 5 s interval. The driver
sends its requests one after another (``_batch``), spending some milliseconds per row (create, journal
commits, download with fsync), so the wall-time run asks for 10 rows/s (20 tasks of 2 s), not the
requests run's 50: a real batch (tasks of minutes) asks for far fewer. The simulator runs in this
process; the 10 000-row batch and the killed run are child processes.
"""

from __future__ import annotations

import asyncio
import csv
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from _harness import PYTHON, Figure

#: Routes the simulator counts that are not API requests (file transfers).
NOT_API = frozenset({"upload_put", "cdn", "result"})
TASK_SECONDS = 60.0  # simulated
TASK_REAL = 1.0  # real seconds per task in the requests and resume runs
POLL = 0.1  # real seconds between status reads (TASK_REAL / POLL = 10 reads in a task's life)
CONCURRENCY = 50
PER_TASK_CONCURRENCY = 10
WALL_TASK_REAL = 2.0
WALL_CONCURRENCY = 20
RSS_TASK_REAL = 0.2
RSS_CONCURRENCY = 100
RSS_TARGET_MIB = 150.0
SETTLE = 1.0  # the rerun's settle window (real seconds; the default 15 s would only add waiting)
SLOW_CREATE = 0.3  # how long the create in flight at the kill is held back (less than SETTLE)
FACE_BYTES = b"\xff\xd8\xff\xe0" + b"\x00" * 4092  # a made-up JPEG: the simulator does not decode it


def _api_requests(requests: Counter[tuple[str, int]]) -> Counter[str]:
    routes: Counter[str] = Counter()
    for (route, _status), count in requests.items():
        if route not in NOT_API:
            routes[route] += count
    return routes


def _manifest(folder: Path, rows: int, tag: str) -> Path:
    """A CSV manifest: the one local face (relative to the manifest) and ``rows`` video URLs."""
    face = folder / "face.jpg"
    if not face.exists():
        face.write_bytes(FACE_BYTES)
    path = folder / f"{tag}.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["face", "video"])
        writer.writerows(["face.jpg", f"https://media.example.com/{tag}/{i}.mp4"] for i in range(rows))
    return path


def _by_route(routes: Counter[str]) -> str:
    return ", ".join(f"{route} {n}" for route, n in routes.most_common())


# ------------------------------------------------------------------ 1 and 2: requests per row, wall time


def _per_task(sim: Any, face: Path, rows: int, concurrency: int) -> Counter[str]:
    """The same rows, one ``create`` + ``wait`` each (asyncio, ``concurrency`` at a time), the face
    uploaded once."""
    from a2e_faceswap import AsyncA2E

    async def main() -> None:
        gate = asyncio.Semaphore(concurrency)
        async with AsyncA2E(api_key=sim.token, base_url=sim.base_url) as client:
            face_url = await client.uploads.upload(face)

            async def one(i: int) -> None:
                async with gate:
                    video = f"https://media.example.com/per-task/{i}.mp4"
                    task = await client.tasks.create(face=face_url, video=video)
                    await client.tasks.wait(task, poll_interval=POLL)

            await asyncio.gather(*(one(i) for i in range(rows)))

    before = sim.stats.requests
    asyncio.run(main())
    return _api_requests(sim.stats.requests - before)


def _simulator(task_real: float, result_size: int = 1024, slow_seconds: float = 2.0) -> Any:
    """A threaded simulator, faults and contract checks off, where a task takes ``task_real`` s."""
    from a2e_faceswap.testing import Simulator

    return Simulator(
        seed=0,
        speed=TASK_SECONDS / task_real,
        task_seconds=TASK_SECONDS,
        result_size=result_size,
        credits=10_000_000,
        check_contract=False,
        upload_expires_in=10**8,  # simulated seconds: the upload must outlive the run at this speed
        slow_seconds=slow_seconds,
    )


def _batch(sim: Any, folder: Path, rows: int, concurrency: int) -> tuple[float, Counter[str]]:
    """One batch of ``rows`` rows: its wall time and the API requests it sent."""
    from a2e_faceswap import A2E

    manifest = _manifest(folder, rows, f"rows{rows}")
    before = sim.stats.requests
    with A2E(api_key=sim.token, base_url=sim.base_url) as client:
        start = time.perf_counter()
        report = client.batch.run(
            manifest, folder / f"out{rows}", concurrency=concurrency, poll_interval=POLL
        )
        seconds = time.perf_counter() - start
    if report.counts.get("saved") != rows:
        raise RuntimeError(f"the batch of {rows} rows ended with {dict(report.counts)}")
    return seconds, _api_requests(sim.stats.requests - before)


def measure_requests(rows: int, per_task_rows: int) -> Figure:
    with _simulator(TASK_REAL) as sim, tempfile.TemporaryDirectory(prefix="a2e-bench-") as folder:
        seconds, batch = _batch(sim, Path(folder), rows, CONCURRENCY)
        per_task = _per_task(sim, Path(folder) / "face.jpg", per_task_rows, PER_TASK_CONCURRENCY)
    per_row = sum(batch.values()) / rows
    per_task_row = sum(per_task.values()) / per_task_rows
    return Figure(
        name=f"batch, API requests per row ({rows} rows)",
        value=per_row,
        unit="requests",
        target="<= 2",
        met=per_row <= 2,
        detail=(
            f"{sum(batch.values())} requests ({_by_route(batch)}) in {seconds:.1f} s, concurrency "
            f"{CONCURRENCY}, task {TASK_REAL:g} s, poll_interval {POLL:g} s; per-task create + wait, "
            f"estimated on {per_task_rows} rows ({PER_TASK_CONCURRENCY} at a time): {per_task_row:.2f} "
            f"per row ({_by_route(per_task)})"
        ),
        data={"batch": dict(batch), "per_task": dict(per_task), "per_task_rows": per_task_rows},
    )


def measure_wall(rows: int) -> Figure:
    with _simulator(WALL_TASK_REAL) as sim, tempfile.TemporaryDirectory(prefix="a2e-bench-") as folder:
        seconds, _ = _batch(sim, Path(folder), rows, WALL_CONCURRENCY)
    ideal = WALL_TASK_REAL * rows / WALL_CONCURRENCY
    ratio = seconds / ideal
    return Figure(
        name=f"batch, wall time / ideal ({rows} rows)",
        value=ratio,
        unit="x",
        target="<= 1.2x",
        met=ratio <= 1.2,
        detail=(
            f"{seconds:.1f} s vs ideal {ideal:.1f} s = {WALL_TASK_REAL:g} s per task (task_seconds "
            f"{TASK_SECONDS:g} / speed {TASK_SECONDS / WALL_TASK_REAL:g}) x {rows} rows / concurrency "
            f"{WALL_CONCURRENCY}; poll_interval {POLL:g} s"
        ),
        data={"seconds": seconds, "ideal": ideal},
    )


# ------------------------------------------------------------------ 3: peak RSS in a fresh process


def _status_kib(field: str) -> int:
    """A size from /proc/self/status, in KiB. The peak is ``VmHWM``, not ``ru_maxrss``: Linux carries
    the parent's ``ru_maxrss`` across fork and exec, and the parent holds the simulator."""
    with open("/proc/self/status", encoding="ascii") as handle:
        for line in handle:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"no {field} in /proc/self/status")


def _child_rss(manifest: str, out_dir: str, concurrency: int) -> None:
    from a2e_faceswap import A2E

    baseline = _status_kib("VmRSS")
    with A2E() as client:
        start = time.perf_counter()
        report = client.batch.run(manifest, out_dir, concurrency=concurrency, poll_interval=POLL)
        seconds = time.perf_counter() - start
    peak = _status_kib("VmHWM")
    print(
        json.dumps({"baseline_kib": baseline, "peak_kib": peak, "seconds": seconds, "counts": report.counts})
    )


def _child_env(sim: Any) -> dict[str, str]:
    env = {**os.environ, **sim.env()}
    env.pop("A2E_LOG", None)
    return env


def measure_rss(rows: int) -> Figure:
    with (
        _simulator(RSS_TASK_REAL, result_size=256) as sim,
        tempfile.TemporaryDirectory(prefix="a2e-bench-") as folder,
    ):
        manifest = _manifest(Path(folder), rows, "rss")
        args = ["--child", "rss", str(manifest), str(Path(folder) / "out"), str(RSS_CONCURRENCY)]
        out = subprocess.run(
            [PYTHON, __file__, *args], env=_child_env(sim), capture_output=True, text=True, check=False
        )
        if out.returncode != 0:
            raise RuntimeError(f"the {rows}-row batch failed:\n{out.stderr}")
        result: dict[str, Any] = json.loads(out.stdout)
    if result["counts"].get("saved") != rows:
        raise RuntimeError(f"the {rows}-row batch saved {result['counts']}")
    peak = result["peak_kib"] / 1024
    return Figure(
        name=f"batch, peak RSS ({rows} rows)",
        value=peak,
        unit="MiB",
        target=f"< {RSS_TARGET_MIB:g} MiB",
        met=peak < RSS_TARGET_MIB,
        detail=(
            f"fresh process (VmHWM), {result['baseline_kib'] / 1024:.1f} MiB after imports; "
            f"{result['seconds']:.1f} s, concurrency {RSS_CONCURRENCY}, task {RSS_TASK_REAL:g} s, "
            f"256-byte results"
        ),
        data=result,
    )


# ------------------------------------------------------------------ 4: resume after SIGKILL


def _child_kill(manifest: str, out_dir: str, concurrency: int) -> None:
    """Prints one line per saved row (the parent kills this process after enough of them)."""
    from a2e_faceswap import A2E, BatchEvent

    def on_event(event: BatchEvent) -> None:
        if event.kind == "saved":
            print("saved", flush=True)

    with A2E() as client:
        client.batch.run(manifest, out_dir, concurrency=concurrency, poll_interval=POLL, on_event=on_event)


def measure_resume(rows: int) -> Figure:
    from a2e_faceswap import A2E, BatchEvent, RetryPolicy
    from a2e_faceswap._journal import Journal

    kill_at = rows // 2
    with (
        _simulator(TASK_REAL, slow_seconds=SLOW_CREATE) as sim,
        tempfile.TemporaryDirectory(prefix="a2e-bench-") as folder,
    ):
        manifest = _manifest(Path(folder), rows, "resume")
        out_dir = Path(folder) / "out"
        args = ["--child", "kill", str(manifest), str(out_dir), str(CONCURRENCY)]
        child = subprocess.Popen(
            [PYTHON, __file__, *args], env=_child_env(sim), stdout=subprocess.PIPE, text=True
        )
        assert child.stdout is not None
        saved = 0
        while saved < kill_at and child.stdout.readline():
            saved += 1
        # the next create is held back: kill the child while it waits for the answer, so that a row
        # is journaled `creating` with no task id (the create is applied SLOW_CREATE s after sending)
        sim.faults.add_spec("create_task=slow")
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not sim.stats.faults_injected:
            time.sleep(0.002)
        time.sleep(SLOW_CREATE / 3)
        child.send_signal(signal.SIGKILL)
        child.wait()
        time.sleep(SLOW_CREATE * 2)  # the held-back create ends on the server: counted with the killed run
        if saved < kill_at:
            raise RuntimeError(f"the batch to kill ended after {saved} rows (code {child.returncode})")
        with Journal.open(out_dir / ".a2e-batch.sqlite", batch_id=None, exclusive=False) as journal:
            at_kill = {state: n for state, n in journal.counts().items() if n}
        first_run = _api_requests(sim.stats.requests)
        names = sim.stats.tasks_created_by_name
        sim.stats.reset()

        before_create: list[Counter[str]] = []

        def on_event(event: BatchEvent) -> None:  # "creating": a create is about to be sent
            if event.kind == "creating" and not before_create:
                before_create.append(_api_requests(sim.stats.requests))

        policy = RetryPolicy(settle_window=SETTLE)
        with A2E(api_key=sim.token, base_url=sim.base_url, retry_policy=policy) as client:
            report = client.batch.run(
                manifest, out_dir, concurrency=CONCURRENCY, poll_interval=POLL, on_event=on_event
            )
        rerun = _api_requests(sim.stats.requests)
        names += sim.stats.tasks_created_by_name
    duplicates = sum(1 for n in names.values() if n > 1)
    # the `creating` row: found by the lookup (no create), or a conclusive miss (sent again)
    creating = at_kill.get("creating", 0)
    resent = rerun.get("create_task", 0) - at_kill.get("pending", 0)
    if report.counts.get("saved") != rows:
        raise RuntimeError(f"the resumed batch ended with {dict(report.counts)}")
    discovery = before_create[0] if before_create else rerun
    lookups = rerun.get("list_task_records", 0)
    spent = sum(discovery.values())
    return Figure(
        name=f"batch, resume after SIGKILL ({rows} rows)",
        value=spent,
        unit="requests",
        target="(for scale)",
        met=None,
        detail=(
            f"killed at {saved} saved (journal: {at_kill}); before its first create the rerun sent "
            f"{spent} ({_by_route(discovery) or 'none'}); {lookups} lookups in all; rerun total "
            f"{sum(rerun.values())} API requests ({_by_route(rerun)}), killed run {sum(first_run.values())}; "
            f"rows left creating: {creating - resent} found, {resent} sent again; {duplicates} names "
            f"created twice over both runs; settle window {SETTLE:g} s"
        ),
        data={
            "at_kill": at_kill,
            "before_first_create": dict(discovery),
            "rerun": dict(rerun),
            "killed_run": dict(first_run),
            "duplicate_names": duplicates,
            "creating_sent_again": resent,
        },
    )


def measure(quick: bool = False) -> list[Figure]:
    rows = 200 if quick else 1000
    figures = [measure_requests(rows, 50 if quick else 100), measure_wall(100 if quick else 300)]
    figures.append(measure_rss(2000 if quick else 10_000))
    figures.append(measure_resume(200 if quick else 500))
    return figures


if __name__ == "__main__":
    if len(sys.argv) == 6 and sys.argv[1] == "--child":
        child = _child_rss if sys.argv[2] == "rss" else _child_kill
        child(sys.argv[3], sys.argv[4], int(sys.argv[5]))
    else:
        for figure in measure(quick="--quick" in sys.argv):
            print(f"{figure.name}: {figure.value:.2f} {figure.unit}  {figure.detail}")
