"""Every command against the simulator, in human and --json form."""

from __future__ import annotations

from pathlib import Path

import httpx
from a2e_faceswap import A2E
from a2e_faceswap.testing import FaultKind, Simulator

from tests.cli.conftest import FAST, Run, document, invoke
from tests.conftest import MakeSim

FACE_URL = "https://example.com/face.png"
VIDEO_URL = "https://example.com/clip.mp4"


def test_swap_json_uploads_waits_and_downloads(
    run: Run, sim: Simulator, media: tuple[Path, Path], tmp_path: Path
) -> None:
    face, video = media
    target = tmp_path / "out.mp4"
    result = run("--json", "swap", "--face", str(face), "--video", str(video), "-o", str(target), *FAST)
    assert result.exit_code == 0, result.stderr
    doc = document(result)
    task = doc["task"]
    assert task["status"] == "completed"
    assert doc["output"] == str(target)
    assert target.read_bytes() == sim.result_bytes(task["id"])
    assert [step["step"] for step in doc["steps"]] == [
        "upload face",
        "upload video",
        "create task",
        "wait",
        "download",
    ]
    uploaded = doc["steps"][0]["detail"]
    assert task["face_url"] == uploaded
    assert httpx.get(uploaded).content == face.read_bytes()
    # progress went to stderr, as plain lines
    assert f"waiting for task {task['id']}" in result.stderr
    assert "completed" in result.stderr
    assert "\x1b[" not in result.stdout + result.stderr


def test_swap_human_shows_status_lines_download_progress_and_result(
    run: Run, media: tuple[Path, Path], tmp_path: Path
) -> None:
    face, video = media
    result = run("swap", "--face", str(face), "--video", str(video), "-o", str(tmp_path), *FAST)
    assert result.exit_code == 0, result.stderr
    notes = result.stderr
    assert "uploading face face.png" in notes
    assert "waiting for task" in notes
    assert ": completed" in notes
    assert "downloading result" in notes
    for quarter in ("25%", "50%", "75%"):
        assert quarter in notes
    (saved,) = [path for path in tmp_path.glob("*.mp4") if path.name != "clip.mp4"]
    assert result.stdout == f"{saved}\n", "stdout: the saved path and nothing else"
    assert "\x1b[" not in result.stdout + notes, "no styling or animation when stderr is not a terminal"


def test_swap_no_wait_then_tasks_wait_downloads(run: Run, client: A2E, tmp_path: Path) -> None:
    started = run("--json", "swap", "--face", FACE_URL, "--video", VIDEO_URL, "--name", "later", "--no-wait")
    assert started.exit_code == 0, started.stderr
    doc = document(started)
    task_id = doc["task"]["id"]
    assert doc["task"]["name"] == "later"
    assert doc["output"] is None
    assert client.tasks.get(task_id).name == "later"

    waited = run("--json", "tasks", "wait", task_id, "-o", str(tmp_path), *FAST)
    assert waited.exit_code == 0, waited.stderr
    doc = document(waited)
    assert doc["task"]["status"] == "completed"
    assert Path(doc["output"]).is_file()
    assert Path(doc["output"]).parent == tmp_path


def test_swap_no_wait_human_prints_the_id_and_the_resume_command(run: Run, sim: Simulator) -> None:
    result = run("swap", "--face", FACE_URL, "--video", VIDEO_URL, "--no-wait")
    assert result.exit_code == 0, result.stderr
    (task,) = sim.tasks()
    assert result.stdout == f"{task['_id']}\n"
    assert f"follow it with: a2e-faceswap tasks wait {task['_id']}" in result.stderr


def test_upload_then_swap_with_urls_uploads_nothing(
    run: Run, sim: Simulator, media: tuple[Path, Path]
) -> None:
    face, _ = media
    uploaded = run("--json", "upload", str(face))
    assert uploaded.exit_code == 0, uploaded.stderr
    doc = document(uploaded)
    assert doc["size"] == face.stat().st_size
    assert httpx.get(doc["url"]).content == face.read_bytes()

    puts = sim.stats.requests[("upload_put", 200)]
    result = run("--json", "swap", "--face", doc["url"], "--video", VIDEO_URL, "--no-wait")
    assert result.exit_code == 0, result.stderr
    assert document(result)["task"]["face_url"] == doc["url"]
    assert sim.stats.requests[("upload_put", 200)] == puts


def test_upload_human(run: Run, media: tuple[Path, Path]) -> None:
    face, _ = media
    result = run("upload", str(face))
    assert result.exit_code == 0, result.stderr
    assert result.stderr.startswith(f"uploaded {face} (")
    url = result.stdout.removesuffix("\n")
    assert "/cdn/" in url
    assert "\n" not in url
    assert httpx.get(url).content == face.read_bytes()


def test_preview_prints_url_or_saves_the_image(run: Run, media: tuple[Path, Path], tmp_path: Path) -> None:
    face, video = media
    printed = run("preview", "--face", str(face), "--video", str(video), *FAST)
    assert printed.exit_code == 0, printed.stderr
    (url,) = printed.stdout.splitlines()
    assert url.startswith("http://")
    assert url.endswith(".jpg")
    assert "waiting for preview" in printed.stderr

    into = tmp_path / "frame.jpg"
    saved_human = run("preview", "--face", FACE_URL, "--video", VIDEO_URL, "-o", str(into), *FAST)
    assert saved_human.exit_code == 0, saved_human.stderr
    assert saved_human.stdout == f"{into}\n"

    target = tmp_path / "preview.jpg"
    saved = run("--json", "preview", "--face", FACE_URL, "--video", VIDEO_URL, "-o", str(target), *FAST)
    assert saved.exit_code == 0, saved.stderr
    doc = document(saved)
    assert doc["preview"]["status"] == "completed"
    assert doc["output"] == str(target)
    assert target.stat().st_size > 0
    assert httpx.get(doc["preview"]["result_url"]).content == target.read_bytes()


def _create(client: A2E, count: int) -> list[str]:
    return [client.tasks.create(face=FACE_URL, video=VIDEO_URL, name=f"t{i}").id for i in range(count)]


def test_tasks_list_pages_and_all(run: Run, client: A2E) -> None:
    ids = _create(client, 3)
    first = run("--json", "tasks", "list", "--page-size", "2")
    assert first.exit_code == 0, first.stderr
    doc = document(first)
    assert (doc["total"], doc["page"], doc["page_size"], doc["has_more"]) == (3, 1, 2, True)
    assert [item["id"] for item in doc["items"]] == ids[::-1][:2]

    second = document(run("--json", "tasks", "list", "--page", "2", "--page-size", "2"))
    assert [item["id"] for item in second["items"]] == ids[:1]
    assert second["has_more"] is False

    every = document(run("--json", "tasks", "list", "--all"))
    assert every["total"] == 3
    assert sorted(item["id"] for item in every["items"]) == sorted(ids)

    human = run("tasks", "list", "--page-size", "2")
    assert human.exit_code == 0
    assert ids[2] in human.stdout
    assert ids[0] not in human.stdout
    footer = "page 1 of 2, 3 task(s); next: a2e-faceswap tasks list --page 2 --page-size 2"
    assert footer in human.stderr
    assert "task(s)" not in human.stdout, "the table on stdout, the footer on stderr"

    everything = run("tasks", "list", "--all")
    assert all(task_id in everything.stdout for task_id in ids)
    assert "3 task(s)" in everything.stderr


def test_tasks_get(run: Run, client: A2E) -> None:
    (task_id,) = _create(client, 1)
    doc = document(run("--json", "tasks", "get", task_id))
    assert doc["id"] == task_id
    assert doc["name"] == "t0"
    assert doc["video_url"] == VIDEO_URL
    assert "raw" not in doc
    human = run("tasks", "get", task_id)
    assert human.exit_code == 0
    assert task_id in human.stdout
    assert "t0" in human.stdout
    assert VIDEO_URL in human.stdout


def test_tasks_active_lists_tasks_in_flight(make_sim: MakeSim) -> None:
    frozen = make_sim(speed=0.001)
    with A2E(api_key=frozen.token, base_url=frozen.base_url) as facade:
        (task_id,) = _create(facade, 1)
    doc = document(invoke(["--json", "tasks", "active"], sim=frozen))
    assert [item["id"] for item in doc["items"]] == [task_id]
    assert doc["items"][0]["status"] == "initialized"
    human = invoke(["tasks", "active"], sim=frozen)
    assert task_id in human.stdout
    assert "initialized" in human.stdout


def test_tasks_active_when_nothing_runs(run: Run) -> None:
    result = run("tasks", "active")
    assert result.exit_code == 0
    assert result.stdout == ""
    assert result.stderr.strip() == "no task in flight"
    assert document(run("--json", "tasks", "active")) == {"items": []}


def test_tasks_delete_asks_unless_yes(run: Run, client: A2E) -> None:
    first, second = _create(client, 2)
    refused = run("tasks", "delete", first)  # no terminal to answer: not confirmed
    assert refused.exit_code == 2
    assert "pass --yes" in refused.stderr
    declined = run("tasks", "delete", first, input="n\n")
    assert declined.exit_code == 2
    assert client.tasks.get(first).id == first

    confirmed = run("tasks", "delete", first, input="y\n")
    assert confirmed.exit_code == 0, confirmed.stderr
    assert f"deleted task {first}" in confirmed.stderr
    assert "Delete task" in confirmed.stderr, "the question goes to stderr"

    forced = run("--json", "tasks", "delete", second, "--yes")
    assert forced.exit_code == 0
    assert document(forced) == {"deleted": second}
    assert document(run("--json", "tasks", "list"))["total"] == 0


def test_faces_add_list_delete(run: Run, media: tuple[Path, Path]) -> None:
    face, _ = media
    added = run("--json", "faces", "add", str(face))
    assert added.exit_code == 0, added.stderr
    record = document(added)
    assert httpx.get(record["face_url"]).content == face.read_bytes()

    by_url = document(run("--json", "faces", "add", FACE_URL))
    assert by_url["face_url"] == FACE_URL

    listed = document(run("--json", "faces", "list"))
    assert sorted(item["id"] for item in listed["items"]) == sorted([record["id"], by_url["id"]])
    human = run("faces", "list")
    assert record["id"] in human.stdout
    assert by_url["id"] in human.stdout
    plain = run("faces", "add", FACE_URL)
    assert plain.exit_code == 0, plain.stderr
    (plain_id,) = plain.stdout.splitlines()
    assert f"added face {plain_id}: {FACE_URL}" in plain.stderr
    run("faces", "delete", plain_id, "--yes")

    deleted = run("faces", "delete", record["id"], "--yes")
    assert deleted.exit_code == 0, deleted.stderr
    assert f"deleted face {record['id']}" in deleted.stderr
    assert [item["id"] for item in document(run("--json", "faces", "list"))["items"]] == [by_url["id"]]
    run("faces", "delete", by_url["id"], "--yes")
    empty = run("faces", "list")
    assert (empty.stdout, empty.stderr.strip()) == ("", "no saved face")


def test_help_lists_every_command(run: Run) -> None:
    result = run("--help")
    assert result.exit_code == 0
    for command in ("swap", "preview", "upload", "tasks", "faces", "sim", "demo"):
        assert command in result.stdout
    tasks = run("tasks", "--help")
    for command in ("list", "get", "wait", "active", "delete"):
        assert command in tasks.stdout


def test_max_retries_sets_the_retry_budget(run: Run, sim: Simulator) -> None:
    assert "--max-retries" in run("--help").stdout
    sim.faults.script("list_task_records", [FaultKind.HTTP_503])
    no_retry = run("--json", "--max-retries", "0", "tasks", "list")
    assert no_retry.exit_code == 3  # the default budget (2) would have ridden out one 503
    assert document(no_retry)["error"]["status"] == 503
    assert sim.faults.pending_script("list_task_records") == []

    sim.faults.script("list_task_records", [FaultKind.HTTP_503, FaultKind.HTTP_503, None])
    one_retry = run("--json", "--max-retries", "1", "tasks", "list")
    assert one_retry.exit_code == 3  # two 503s: one more than the budget of 1
    assert sim.faults.pending_script("list_task_records") == [None]
    sim.faults.clear()

    sim.faults.script("list_task_records", [FaultKind.HTTP_503])
    ridden_out = run("--json", "--max-retries", "1", "tasks", "list")
    assert ridden_out.exit_code == 0, ridden_out.stderr
    assert document(ridden_out)["total"] == 0
    assert sim.faults.pending_script("list_task_records") == []
