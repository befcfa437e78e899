"""``a2e-faceswap batch`` and ``credits`` against the simulator: stdout holds the report path (plain) or
one summary (``--json``), a dry run sends nothing, rows left when credits run out give exit 75."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from a2e_faceswap import BatchEvent
from a2e_faceswap._cli._batch import BatchProgress
from a2e_faceswap._cli._demo import sample_face_png, sample_video_bytes
from a2e_faceswap._cli._output import Output
from a2e_faceswap.testing import Simulator
from rich.console import Console

from tests.conftest import MakeSim

from .conftest import FAST, Run, document, invoke

CLIPS = 3


def _manifest(folder: Path, clips: int = CLIPS) -> Path:
    """One face into ``clips`` different local clips; outputs named after the clips."""
    (folder / "face.png").write_bytes(sample_face_png(32))
    lines = ["face,video,output"]
    for number in range(1, clips + 1):
        (folder / f"clip-{number}.mp4").write_bytes(sample_video_bytes() + bytes([number]))
        lines.append(f"face.png,clip-{number}.mp4,out-{number}.mp4")
    manifest = folder / "manifest.csv"
    manifest.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return manifest


def _report(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as file:
        return list(csv.DictReader(file))


def test_batch_prints_only_the_report_path_and_saves_every_row(
    run: Run, sim: Simulator, tmp_path: Path
) -> None:
    manifest = _manifest(tmp_path)
    out = tmp_path / "results"
    result = run("batch", str(manifest), "-o", str(out), *FAST)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == f"{out / 'report.csv'}\n"
    rows = _report(out / "report.csv")
    assert [row["state"] for row in rows] == ["saved"] * CLIPS
    for number in range(1, CLIPS + 1):
        assert (out / f"out-{number}.mp4").stat().st_size > 0
        assert f"line {number + 1}: saved" in result.stderr  # one plain line per row event
    assert sorted(sim.stats.tasks_created_by_name.values()) == [1] * CLIPS
    assert sim.stats.requests_to("create_upload_url") == CLIPS + 1  # the face once, each clip once


def test_batch_json_summary_and_a_rerun_creates_nothing(run: Run, sim: Simulator, tmp_path: Path) -> None:
    manifest = _manifest(tmp_path)
    out = tmp_path / "results"
    result = run("--json", "batch", str(manifest), "-o", str(out), *FAST)
    assert result.exit_code == 0, result.stderr
    doc = document(result)
    assert doc["counts"] == {"saved": CLIPS}
    assert doc["rows"] == CLIPS
    assert doc["exit_code"] == 0
    assert doc["paused"] is None
    assert Path(doc["report"]) == out / "report.csv"
    assert Path(doc["journal"]) == out / ".a2e-batch.sqlite"
    assert doc["batch_id"]
    again = run("--json", "batch", str(manifest), "-o", str(out), *FAST)
    assert again.exit_code == 0, again.stderr
    assert document(again)["batch_id"] == doc["batch_id"]
    assert sim.stats.requests_to("create_task") == CLIPS


def test_dry_run_of_a_bad_manifest_lists_every_line_and_sends_nothing(sim: Simulator, tmp_path: Path) -> None:
    _manifest(tmp_path)
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "face,video,output\n"
        "face.png,clip-1.mp4,../escape.mp4\n"
        "missing.png,clip-2.mp4,b.mp4\n"
        "face.png,ftp://example.com/x.mp4,c.mp4\n",
        encoding="utf-8",
    )
    out = tmp_path / "results"
    plain = invoke(["batch", str(bad), "-o", str(out), "--dry-run"], sim=sim)
    assert plain.exit_code == 2
    assert plain.stdout == ""
    for line in (2, 3, 4):
        assert f"line {line}: " in plain.stderr
    machine = invoke(["--json", "batch", str(bad), "-o", str(out), "--dry-run"], sim=sim)
    assert machine.exit_code == 2
    error = document(machine)["error"]
    assert error["exit_code"] == 2
    assert [problem["line"] for problem in error["problems"]] == [2, 3, 4]
    real = invoke(["batch", str(bad), "-o", str(out)], sim=sim)  # a real run refuses it just the same
    assert real.exit_code == 2
    assert sum(sim.stats.requests.values()) == 0
    assert not out.exists()


def test_dry_run_counts_rows_unique_uploads_and_the_estimate(
    run: Run, sim: Simulator, tmp_path: Path
) -> None:
    manifest = _manifest(tmp_path)
    (tmp_path / "copy.mp4").write_bytes((tmp_path / "clip-1.mp4").read_bytes())  # same content
    with manifest.open("a", encoding="utf-8") as file:
        file.write("face.png,copy.mp4,copy-out.mp4\n")
    result = run("--json", "batch", str(manifest), "-o", str(tmp_path / "results"), "--dry-run")
    assert result.exit_code == 0, result.stderr
    doc = document(result)
    assert doc["dry_run"] is True
    assert [row["line"] for row in doc["rows"]] == [2, 3, 4, 5]
    assert len(doc["uploads"]) == CLIPS + 1  # the copy is uploaded once with clip-1
    assert doc["to_create"] == 4
    assert doc["credits_per_task"] is not None  # the simulator quotes (an assumed shape)
    assert doc["estimate"] == doc["credits_per_task"] * 4
    assert doc["balance"] == sim.credits()
    for paid in ("create_task", "create_upload_url", "create_preview"):
        assert sim.stats.requests_to(paid) == 0
    assert not (tmp_path / "results").exists()
    plain = run("batch", str(manifest), "-o", str(tmp_path / "results"), "--dry-run")
    assert plain.exit_code == 0, plain.stderr
    assert "4 to create" in plain.stderr
    assert "copy-out.mp4" in plain.stdout


def test_credits_running_out_leaves_rows_pending_with_exit_75_and_a_rerun_finishes(
    make_sim: MakeSim, tmp_path: Path
) -> None:
    sim = make_sim(credits=4)  # the face's and two clips' uploads and one task, then 402
    manifest = _manifest(tmp_path)
    out = tmp_path / "results"
    paused = invoke(["--json", "batch", str(manifest), "-o", str(out), *FAST], sim=sim)
    assert paused.exit_code == 75, paused.stderr
    doc = document(paused)
    assert doc["exit_code"] == 75
    assert doc["paused"] == "credits"
    assert doc["counts"].get("pending", 0) >= 1
    assert "failed" not in doc["counts"]
    states = [row["state"] for row in _report(out / "report.csv")]
    assert "pending" in states
    assert "failed" not in states
    plain = invoke(["batch", str(manifest), "-o", str(out), *FAST], sim=sim)
    assert plain.exit_code == 75
    assert "run the same command again to continue" in plain.stderr
    assert plain.stdout == f"{out / 'report.csv'}\n"
    sim.set_credits(100)
    done = invoke(["--json", "batch", str(manifest), "-o", str(out), *FAST], sim=sim)
    assert done.exit_code == 0, done.stderr
    assert document(done)["counts"] == {"saved": CLIPS}
    assert sorted(sim.stats.tasks_created_by_name.values()) == [1] * CLIPS


def test_max_credits_stops_creating_with_exit_75(run: Run, sim: Simulator, tmp_path: Path) -> None:
    manifest = _manifest(tmp_path)
    out = tmp_path / "results"
    result = run("--json", "batch", str(manifest), "-o", str(out), "--max-credits", "1", *FAST)
    assert result.exit_code == 75, result.stderr
    doc = document(result)
    assert doc["paused"] == "budget"
    assert doc["counts"].get("saved", 0) == 1
    assert sim.stats.requests_to("create_task") == 1
    assert doc["credits_spent"] == doc["batch_credits_spent"] == 1
    # the limit is the batch's: the same command again creates nothing more, and says why
    again = run("--json", "batch", str(manifest), "-o", str(out), "--max-credits", "1", *FAST)
    assert again.exit_code == 75, again.stderr
    assert (document(again)["credits_spent"], document(again)["batch_credits_spent"]) == (0, 1)
    assert sim.stats.requests_to("create_task") == 1
    dry = run("--json", "batch", str(manifest), "-o", str(out), "--max-credits", "1", "--dry-run")
    assert document(dry)["batch_credits_spent"] == 1
    plain = run("batch", str(manifest), "-o", str(out), "--max-credits", "1", "--dry-run")
    assert "1 credit(s) spent by earlier runs of --max-credits 1" in plain.stderr
    assert "--max-credits 1 stops after 0 task(s)" in plain.stderr


def test_shard_needs_a_batch_id(run: Run, sim: Simulator, tmp_path: Path) -> None:
    manifest = _manifest(tmp_path)
    result = run("batch", str(manifest), "-o", str(tmp_path / "results"), "--shard", "0/2")
    assert result.exit_code == 2
    assert "batch id" in result.stderr
    assert sum(sim.stats.requests.values()) == 0


def test_credits_prints_the_coins(run: Run, sim: Simulator) -> None:
    plain = run("credits")
    assert plain.exit_code == 0, plain.stderr
    assert plain.stdout == f"{sim.credits()}\n"
    machine = run("--json", "credits")
    assert machine.exit_code == 0, machine.stderr
    doc = json.loads(machine.stdout)
    assert doc["coins"] == sim.credits()
    assert set(doc) == {"coins", "diamonds"}


def test_credits_without_a_key_is_a_usage_error() -> None:
    result = invoke(["credits"])
    assert result.exit_code == 2
    assert "no API key" in result.stderr


def test_the_live_display_counts_rows_by_state_and_masks_the_key() -> None:
    """On a terminal the progress is a live table (rows by state, credits, ETA) fed by ``on_event``."""
    screen = io.StringIO()
    out = Output(json_mode=False, secret=lambda: None)
    out.notes = Console(file=screen, force_terminal=True, width=120)
    out.animate = True
    keys = ["a" * 16, "b" * 16, "c" * 16]
    progress = BatchProgress(out, keys, {"c" * 16: "saved"}, "sk_secret_key_0123")
    assert progress.counts() == {"pending": 2, "in flight": 0, "completed": 0, "saved": 1, "failed": 0}
    with progress.shown():
        progress(
            BatchEvent("created", keys[0], 2, "t1", counts={"created": 2, "saved": 1}, credits_spent=2.0)
        )
        assert progress.counts() == {"pending": 0, "in flight": 2, "completed": 0, "saved": 1, "failed": 0}
        progress(BatchEvent("saved", keys[0], 2, "t1", counts={"created": 1, "saved": 2}, credits_spent=4.0))
        done = {"saved": 2, "failed": 1}
        progress(BatchEvent("failed", keys[1], 3, "t2", "moderation", counts=done, credits_spent=4.0))
        progress(
            BatchEvent("paused", message="balance 0 for sk_secret_key_0123", counts=done, credits_spent=4.0)
        )
    assert progress.counts() == {"pending": 0, "in flight": 0, "completed": 0, "saved": 2, "failed": 1}
    assert progress.spent() == 4.0
    shown = screen.getvalue()
    for expected in ("in flight", "credits", "ETA", "batch: 3/3 done", "creation paused"):
        assert expected in shown, expected
    assert "sk_secret_key_0123" not in shown


def test_dry_runs_of_two_shards_split_the_rows(run: Run, sim: Simulator, tmp_path: Path) -> None:
    manifest = _manifest(tmp_path, clips=6)
    lines: list[list[int]] = []
    for shard in ("0/2", "1/2"):
        result = run(
            "--json", "batch", str(manifest), "-o", str(tmp_path / "r"), "--dry-run",
            "--shard", shard, "--batch-id", "shared-1",
        )  # fmt: skip
        assert result.exit_code == 0, result.stderr
        doc = document(result)
        assert doc["manifest_rows"] == 6
        lines.append([row["line"] for row in doc["rows"]])
    assert sorted(lines[0] + lines[1]) == [2, 3, 4, 5, 6, 7]
