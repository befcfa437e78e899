"""The installed console script in a real process: --version, demo, sim, and Ctrl-C (SIGINT)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

import a2e_faceswap
import httpx
import pytest
from a2e_faceswap import A2E
from a2e_faceswap.testing import Simulator

from tests.cli.conftest import document, invoke, script
from tests.conftest import MakeSim

FACE_URL = "https://example.com/face.png"
VIDEO_URL = "https://example.com/clip.mp4"


def _env(sim: Simulator | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("A2E_")}
    env.update({"NO_COLOR": "1", "COLUMNS": "200"})
    if sim is not None:
        env.update(sim.env())
    return env


@contextmanager
def _process(args: list[str], env: dict[str, str]) -> Iterator[subprocess.Popen[str]]:
    process = subprocess.Popen(
        [str(script()), *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(10)
        for stream in (process.stdout, process.stderr):
            if stream is not None:
                stream.close()


def _read_until(stream: IO[str] | None, needle: str, timeout: float = 20.0) -> list[str]:
    """Lines of ``stream`` up to the first one containing ``needle``."""
    assert stream is not None
    lines: list[str] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = stream.readline()
        if not line:
            break
        lines.append(line)
        if needle in line:
            return lines
    raise AssertionError(f"{needle!r} never came; got {lines!r}")


def test_version() -> None:
    done = subprocess.run(
        [str(script()), "--version"], env=_env(), capture_output=True, text=True, timeout=30, check=False
    )
    assert done.returncode == 0
    assert done.stdout == f"a2e-faceswap {a2e_faceswap.__version__}\n"
    assert invoke(["--version"]).stdout == done.stdout


def test_demo_shows_the_workflow_progress_and_summary(tmp_path: Path) -> None:
    done = subprocess.run(
        [str(script()), "demo", "-o", str(tmp_path)],
        env=_env(),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    out = done.stderr  # progress and summary; stdout: the result's path only
    for expected in (
        "A2E simulator started at http://127.0.0.1:",
        "uploading face sample-face.png",
        "uploading video sample-video.mp4",
        "waiting for preview",
        "waiting for task",
        ": processing",
        ": completed",
        "downloading result",
        "75%",
        "a2e-faceswap demo: done in",
        "result file: ",
        "line 6: saved",
        "batch: 5 of 5 clips saved",
    ):
        assert expected in out, expected
    results = [path for path in tmp_path.glob("*.mp4") if path.name != "sample-video.mp4"]
    assert len(results) == 1
    assert results[0].stat().st_size == 3_000_000
    assert done.stdout == f"{results[0]}\n"
    for step in ("upload face", "upload video", "preview", "create task", "wait", "download"):
        assert f"│ {step}" in out, step
    assert (tmp_path / "sample-face.png").read_bytes().startswith(b"\x89PNG\r\n\x1a\n")


def test_demo_json(tmp_path: Path) -> None:
    result = invoke(["--json", "demo", "-o", str(tmp_path), "--speed", "600"])
    assert result.exit_code == 0, result.stderr
    doc = document(result)
    assert doc["task"]["status"] == "completed"
    assert doc["preview"]["status"] == "completed"
    assert Path(doc["output"]).is_file()
    assert [step["step"] for step in doc["steps"]] == [
        "upload face",
        "upload video",
        "preview",
        "create task",
        "wait",
        "download",
    ]
    assert doc["simulator"].startswith("http://127.0.0.1:")
    assert "waiting for task" in result.stderr
    assert doc["batch"]["counts"] == {"saved": 5}  # one face into five clips, after the single swap
    assert sorted(path.name for path in (tmp_path / "batch").glob("*.mp4")) == [
        f"swapped-{number}.mp4" for number in range(1, 6)
    ]


def test_sim_serves_until_interrupted() -> None:
    with _process(["--json", "sim", "--port", "0", "--speed", "600", "--seed", "3"], _env()) as process:
        (line,) = _read_until(process.stdout, "base_url")
        announced = json.loads(line)
        assert announced["env"] == {"A2E_BASE_URL": announced["base_url"], "A2E_API_KEY": announced["token"]}
        listed = invoke(["--json", "tasks", "list"], env=announced["env"])
        assert listed.exit_code == 0, listed.stderr
        assert document(listed)["total"] == 0
        process.send_signal(signal.SIGINT)
        assert process.wait(20) == 0
    with pytest.raises(httpx.ConnectError):
        httpx.get(announced["base_url"], timeout=2)


def test_sim_human_prints_url_and_token_and_rejects_bad_faults() -> None:
    with _process(["sim", "--port", "0"], _env()) as process:
        lines = _read_until(process.stdout, "A2E_API_KEY=")
        assert lines[0].startswith("A2E simulator listening on http://127.0.0.1:")
        assert lines[-1].startswith("A2E_API_KEY=sk_sim_")
        process.send_signal(signal.SIGINT)
        assert process.wait(20) == 0
        assert process.stdout is not None
        assert process.stderr is not None
        assert "Ctrl-C" not in process.stdout.read(), "stdout: the simulator's address and token only"
        assert "Ctrl-C stops it." in process.stderr.read()
    bad = invoke(["sim", "--port", "0", "--faults", "get_task:no_such_fault:1"])
    assert bad.exit_code == 2
    assert "error:" in bad.stderr


def test_ctrl_c_while_waiting_keeps_the_task_and_prints_its_id(make_sim: MakeSim) -> None:
    slow = make_sim(speed=0.001)
    with A2E(api_key=slow.token, base_url=slow.base_url) as client:
        task = client.tasks.create(face=FACE_URL, video=VIDEO_URL)
        with _process(["tasks", "wait", task.id, "--poll", "0.05"], _env(slow)) as process:
            _read_until(process.stderr, f"task {task.id}: initialized")
            process.send_signal(signal.SIGINT)
            assert process.wait(20) == 130
            assert process.stderr is not None
            assert process.stdout is not None
            stderr = process.stderr.read()
            assert process.stdout.read() == ""
        assert f"task {task.id} was started and keeps running" in stderr
        assert f"a2e-faceswap tasks wait {task.id}" in stderr
        assert "Traceback" not in stderr
        assert client.tasks.get(task.id).id == task.id, "the task was not deleted"
    assert slow.stats.requests[("delete_task", 200)] == 0


def test_ctrl_c_during_swap_prints_the_started_task(make_sim: MakeSim) -> None:
    slow = make_sim(speed=0.001)
    args = ["--json", "swap", "--face", FACE_URL, "--video", VIDEO_URL, "--poll", "0.05"]
    with _process(args, _env(slow)) as process:
        started = _read_until(process.stderr, "waiting for task")[-1].split()[-1]
        process.send_signal(signal.SIGINT)
        assert process.wait(20) == 130
        assert process.stdout is not None
        error = json.loads(process.stdout.read())["error"]
    assert (error["exit_code"], error["id"]) == (130, started)
    assert f"a2e-faceswap tasks wait {started}" in error["hint"]
    assert [task["_id"] for task in slow.tasks()] == [started]
