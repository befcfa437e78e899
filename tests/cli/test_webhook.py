"""``a2e-faceswap webhook listen`` in a real process (deliveries POSTed to it, Ctrl-C), and ``batch
--webhook-listen`` against a simulator that delivers webhooks to it."""

from __future__ import annotations

import json
import re
import signal
import socket
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
from a2e_faceswap import webhooks
from a2e_faceswap._cli._webhook import batch_token
from a2e_faceswap.errors import InvalidInputError

from tests.conftest import MakeSim

from .conftest import invoke
from .test_process import _env, _process, _read_until

HOOK_TOKEN = "whsec-cli-listen-3141592653"
TASK_ID = "65ab0123456789abcdef0123"
DELIVERY = {"event": "task.completed", "data": {"_id": TASK_ID, "current_status": "completed"}}


def _post(url: str, token: str, body: bytes) -> int:
    return httpx.post(url, content=body, headers={webhooks.HEADER: token}, timeout=5).status_code


@pytest.mark.parametrize("json_lines", [False, True])
def test_listen_prints_one_line_per_verified_delivery_and_stops_on_ctrl_c(json_lines: bool) -> None:
    args = ["webhook", "listen", "--port", "0", "--token", HOOK_TOKEN, *(["--json"] if json_lines else [])]
    with _process(args, _env()) as process:
        started = "".join(_read_until(process.stderr, "listening on"))
        url = re.search(r"http://127\.0\.0\.1:\d+/", started)
        assert url is not None, started
        assert _post(url.group(), "not-the-token", json.dumps(DELIVERY).encode()) == 401
        assert _post(url.group() + "any/path", HOOK_TOKEN, json.dumps(DELIVERY).encode()) == 204
        assert process.stdout is not None
        line = process.stdout.readline()
        process.send_signal(signal.SIGINT)
        stdout, stderr = process.communicate(timeout=15)
    assert process.returncode == 130
    assert stdout == ""  # the forged delivery printed nothing: the one line is the verified one
    if json_lines:
        record = json.loads(line)
        assert (record["task_id"], record["event"], record["status"]) == (
            TASK_ID,
            "task.completed",
            "completed",
        )
    else:
        assert f"task.completed task {TASK_ID} status completed" in line
    for text in (started, line, stderr):
        assert HOOK_TOKEN not in text
        assert "not-the-token" not in text


def test_listen_without_the_webhooks_extra_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "uvicorn", None)  # import uvicorn now raises ImportError
    result = invoke(["webhook", "listen", "--port", "0", "--token", HOOK_TOKEN])
    assert result.exit_code == 2
    assert "'webhooks' extra" in result.stderr
    assert "pip install '.[cli,webhooks]'" in result.stderr
    assert HOOK_TOKEN not in result.stderr + result.stdout


def test_batch_with_webhook_listen_reads_statuses_on_the_deliveries(
    make_sim: MakeSim, tmp_path: Path
) -> None:
    sim = make_sim(webhooks_to_loopback=True)
    rows = 5
    manifest = _manifest(tmp_path / "manifest.csv", rows)
    out = tmp_path / "out"
    result = invoke(
        ["--json", "batch", str(manifest), "-o", str(out), "--poll", "3", "--webhook-listen", "127.0.0.1:0"],
        sim=sim,
    )
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["counts"] == {"saved": rows}
    assert sim.stats.webhooks["delivered"] == rows
    # no periodic read was due (every 30 s with --poll 3): each read came from a delivery
    assert 1 <= sim.stats.requests_to("batch_task_detail") <= rows
    assert "receiving webhooks on http://127.0.0.1:" in result.stderr
    assert sim.token not in result.stdout + result.stderr


def test_batch_webhook_url_needs_webhook_listen(make_sim: MakeSim, tmp_path: Path) -> None:
    sim = make_sim()
    manifest = tmp_path / "manifest.csv"
    manifest.write_text("face,video\nhttps://example.com/f.jpg,https://example.com/v.mp4\n", encoding="utf-8")
    result = invoke(
        ["batch", str(manifest), "-o", str(tmp_path / "out"), "--webhook-url", "https://hooks.example.com/"],
        sim=sim,
    )
    assert result.exit_code == 2
    assert "--webhook-url needs --webhook-listen" in result.stderr
    assert sum(sim.stats.requests.values()) == 0


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def _manifest(path: Path, rows: int) -> Path:
    lines = ["face,video"] + [
        f"https://example.com/face.jpg,https://example.com/v/{i}.mp4" for i in range(rows)
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_a_resumed_batch_receives_the_deliveries_of_the_tasks_an_earlier_run_made(
    make_sim: MakeSim, tmp_path: Path
) -> None:
    """The first run's task is delivered 5 s late (a ``delayed`` fault), after that run ended. The batch
    is then moved to another folder and run again, listening on the same address: that run verifies
    the late delivery (the token is the batch's, derived from its id, not the run's or the folder's), so
    it counts as delivered, not rejected."""
    sim = make_sim(webhooks_to_loopback=True, speed=100.0, task_seconds=40.0)  # 0.4 s tasks
    sim.webhook_faults.delay = 5.0
    sim.webhook_faults.script(["delayed"])
    listen = f"127.0.0.1:{_free_port()}"

    def run(out: Path, manifest: Path) -> dict[str, Any]:
        args = ["--json", "batch", str(manifest), "-o", str(out), "--poll", "0.05", "-c", "1"]
        result = invoke([*args, "--webhook-listen", listen], sim=sim)
        assert result.exit_code == 0, result.stderr
        return dict(json.loads(result.stdout))

    first = run(tmp_path / "out", _manifest(tmp_path / "one.csv", 1))
    assert sim.stats.webhooks.get("delivered", 0) == 0  # its delivery is still on its way
    (tmp_path / "out").rename(tmp_path / "moved")
    # the same batch again, with 13 more rows (0.4 s each, one at a time): it outlives the late delivery
    second = run(tmp_path / "moved", _manifest(tmp_path / "more.csv", 14))
    assert second["batch_id"] == first["batch_id"]
    assert second["counts"] == {"saved": 14}
    assert sim.stats.webhooks.get("rejected", 0) == 0
    assert sim.stats.webhooks["delivered"] == 14


def test_the_batch_webhook_token_is_the_batchs_own() -> None:
    """The same for the same batch and key, another for another batch or key; it does not show the key,
    and there is none without a key."""
    key = "sk-batch-token-key-0123456789"
    token = batch_token(key, "b1")
    assert batch_token(key, "b1") == token
    assert batch_token(key, "b2") != token
    assert batch_token(key + "x", "b1") != token
    assert len(token) == 32
    assert key not in token
    with pytest.raises(InvalidInputError):
        batch_token("", "b1")


def test_batch_webhook_listen_with_a_shard_still_needs_the_batch_id(
    make_sim: MakeSim, tmp_path: Path
) -> None:
    """The id a webhook token is derived from is never made up for a shard: every machine must share
    one, so the run refuses as it does without --webhook-listen."""
    sim = make_sim(webhooks_to_loopback=True)
    manifest = _manifest(tmp_path / "manifest.csv", 2)
    args = ["batch", str(manifest), "-o", str(tmp_path / "out"), "--shard", "0/2"]
    result = invoke([*args, "--webhook-listen", "127.0.0.1:0"], sim=sim)
    assert result.exit_code == 2, result.stderr
    assert "batch id" in result.stderr
    assert sum(sim.stats.requests.values()) == 0
