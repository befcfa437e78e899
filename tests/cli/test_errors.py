"""Exit codes and error messages: one line on stderr, a JSON error document under --json, no secret."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from a2e_faceswap import A2E
from a2e_faceswap._cli._problems import describe, interrupted
from a2e_faceswap.testing import FaultKind, Simulator
from typer.testing import Result

from tests.cli.conftest import FAST, Run, document, invoke
from tests.conftest import MakeSim

FACE_URL = "https://example.com/face.png"
VIDEO_URL = "https://example.com/clip.mp4"
CANARY = "sk_canary_0123456789abcdef_do_not_print"


def _error_line(result: Result) -> str:
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert lines, "an error must say something on stderr"
    assert lines[-1].startswith("error: "), lines
    return lines[-1]


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# ------------------------------------------------------------------ 1: task failed


def test_failed_task_exits_1_with_the_reason(run: Run, sim: Simulator) -> None:
    sim.fail_next_task(error_code="2001", message="no face found in the image")
    result = run("swap", "--face", FACE_URL, "--video", VIDEO_URL, *FAST)
    assert result.exit_code == 1
    line = _error_line(result)
    assert "failed: no face found in the image (error_code 2001)" in line
    assert "a2e-faceswap tasks get" in line
    assert [row for row in result.stderr.splitlines() if row.startswith("error:")] == [line]
    assert "Traceback" not in result.stderr, "no traceback without --debug"
    assert result.stdout == ""


def test_failed_task_json(run: Run, sim: Simulator) -> None:
    sim.fail_next_task(error_code="2001", message="no face found in the image")
    result = run("--json", "swap", "--face", FACE_URL, "--video", VIDEO_URL, *FAST)
    assert result.exit_code == 1
    error = document(result)["error"]
    assert error["type"] == "TaskFailedError"
    assert error["exit_code"] == 1
    assert (error["error_code"], error["failure"]) == ("2001", "no face found in the image")
    assert sim.tasks()[0]["_id"] == error["id"]


def test_wait_timeout_exits_1_and_says_how_to_resume(make_sim: MakeSim) -> None:
    slow = make_sim(speed=0.001)
    with A2E(api_key=slow.token, base_url=slow.base_url) as client:
        task = client.tasks.create(face=FACE_URL, video=VIDEO_URL)
    result = invoke(["tasks", "wait", task.id, "--timeout", "0.2", *FAST], sim=slow)
    assert result.exit_code == 1
    assert f"resume with `a2e-faceswap tasks wait {task.id}`" in _error_line(result)


def test_preview_timeout_exits_1_without_a_task_to_resume(make_sim: MakeSim) -> None:
    slow = make_sim(speed=0.001)
    args = ["preview", "--face", FACE_URL, "--video", VIDEO_URL, "--timeout", "0.2", *FAST]
    result = invoke(args, sim=slow)
    assert result.exit_code == 1
    line = _error_line(result)
    assert "try again with a longer --timeout" in line
    assert "tasks wait" not in line


# ------------------------------------------------------------------ 2: usage or input


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["swap", "--face", "/no/such/face.png", "--video", VIDEO_URL], "--face must be an http(s) URL"),
        (
            ["swap", "--face", FACE_URL, "--video", "ftp://example.com/v.mp4"],
            "--video must be an http(s):// URL",
        ),
        (["upload", "/no/such/file.png"], "no such file"),
        (["--base-url", "http://example.com", "tasks", "list"], "refusing plain http"),
        (["swap", "--face", FACE_URL, "--video", VIDEO_URL, "--name", " "], "name must be a non-empty"),
    ],
)
def test_bad_input_exits_2_before_sending_anything(
    run: Run, sim: Simulator, args: list[str], message: str
) -> None:
    result = run(*args)
    assert result.exit_code == 2, result.stderr
    assert message in _error_line(result)
    assert sim.stats.requests.total() == 0


@pytest.mark.parametrize(
    "args",
    [
        ["swap", "--face", FACE_URL],  # --video missing
        ["tasks", "get"],
        ["tasks", "list", "--page", "0"],
        ["tasks", "list", "--all", "--page", "2"],
        ["--base-url", "http://127.0.0.1:1", "--region", "cn", "tasks", "list"],
        ["--max-retries", "-1", "tasks", "list"],
        ["--max-retries", "many", "tasks", "list"],
        ["--region", "mars", "tasks", "list"],
        ["no-such-command"],
        ["swap", "--face", FACE_URL, "--video", VIDEO_URL, "--poll", "0"],
    ],
)
def test_usage_errors_exit_2(run: Run, sim: Simulator, args: list[str]) -> None:
    result = run(*args)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert sim.stats.requests.total() == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--base-url", "http://127.0.0.1:1", "--region", "cn", "tasks", "list"], "not both"),
        (["--max-retries", "-1", "tasks", "list"], "--max-retries must be 0 or more, got -1"),
        (["--max-retries", "-3", "demo"], "--max-retries must be 0 or more"),
        (["tasks", "list", "--all", "--page", "2"], "do not combine it with --page"),
    ],
)
def test_our_usage_checks_give_one_json_document_under_json(
    run: Run, sim: Simulator, args: list[str], message: str
) -> None:
    result = run("--json", *args)
    assert result.exit_code == 2
    error = document(result)["error"]
    assert (error["type"], error["exit_code"]) == ("UsageProblem", 2)
    assert message in error["message"]
    assert error["hint"]
    assert message in _error_line(result)  # the same one line on stderr as without --json
    human = run(*args)
    assert human.exit_code == 2
    assert human.stdout == ""
    assert message in _error_line(human)
    assert sim.stats.requests.total() == 0


def test_missing_token_exits_2_and_says_how_to_set_it() -> None:
    result = invoke(["tasks", "list"])
    assert result.exit_code == 2
    line = _error_line(result)
    assert "no API key" in line
    assert "A2E_API_KEY" in line
    assert "--api-key" in line

    as_json = invoke(["--json", "tasks", "list"], env={"A2E_API_KEY": "  "})
    assert as_json.exit_code == 2
    assert document(as_json)["error"]["exit_code"] == 2


# ------------------------------------------------------------------ 3: API or network


def test_unreachable_server_exits_3() -> None:
    port = _closed_port()
    result = invoke(
        ["--json", "tasks", "list"], env={"A2E_API_KEY": CANARY, "A2E_BASE_URL": f"http://127.0.0.1:{port}"}
    )
    assert result.exit_code == 3
    line = _error_line(result)
    assert "list tasks" in line
    assert "Connection refused" in line
    assert "--base-url" in line
    error = document(result)["error"]
    assert (error["type"], error["outcome_unknown"]) == ("APIConnectionError", False)


def test_wrong_token_exits_3(sim: Simulator) -> None:
    result = invoke(["--api-key", CANARY, "tasks", "list"], sim=sim)
    assert result.exit_code == 3
    line = _error_line(result)
    assert "HTTP 401" in line
    assert "trace_id" in line
    assert "A2E_API_KEY" in line


def test_server_error_names_code_message_and_trace_id(run: Run, sim: Simulator) -> None:
    sim.faults.script("get_task", [FaultKind.HTTP_500])
    result = run("--json", "tasks", "get", "0123456789abcdef01234567")
    assert result.exit_code == 3
    error = document(result)["error"]
    assert (error["type"], error["status"], error["operation"]) == ("ServerError", 500, "get_task")
    assert error["trace_id"]
    line = _error_line(result)
    assert f"trace_id {error['trace_id']}" in line
    assert "HTTP 500" in line
    assert "try again later" in line


def test_unreadable_answer_exits_3(run: Run, sim: Simulator) -> None:
    sim.faults.script("list_face_images", [FaultKind.MALFORMED_JSON])
    result = run("faces", "list")
    assert result.exit_code == 3
    assert "check --base-url" in _error_line(result)


def test_not_found_and_out_of_credits_exit_3(run: Run, sim: Simulator) -> None:
    missing = run("tasks", "delete", "0123456789abcdef01234567", "--yes")
    assert missing.exit_code == 3
    assert "HTTP 404" in _error_line(missing)
    assert "a2e-faceswap tasks list" in _error_line(missing)
    sim.set_credits(0)
    broke = run("swap", "--face", FACE_URL, "--video", VIDEO_URL)
    assert broke.exit_code == 3
    assert "add credits" in _error_line(broke)


# ------------------------------------------------------------------ the token is never printed


def _canary_runs(sim: Simulator, tmp_path: Path) -> list[Result]:
    """Every error path reachable with a bad or unusable key, with the key as an option and in the
    environment, plain, --debug, --json and both."""
    closed = f"http://127.0.0.1:{_closed_port()}"
    sim.faults.script("get_task", [FaultKind.HTTP_500] * 8)
    every = [[], ["--debug"], ["--json"], ["--debug", "--json"]]
    plans: list[tuple[list[str], dict[str, str | None], list[list[str]]]] = [
        (["tasks", "list"], {}, every),  # 401 from the simulator
        (["tasks", "get", "0123456789abcdef01234567"], {}, every),
        (["--base-url", "http://example.com", "tasks", "list"], {}, every),
        (["swap", "--face", str(tmp_path / "missing.png"), "--video", VIDEO_URL], {}, every),
        (["tasks", "get", CANARY], {}, every),
        # each unreachable run spends ~1.5 s in connect retries: fewer variants
        (["tasks", "list"], {"A2E_BASE_URL": closed}, [["--debug", "--json"]]),
    ]
    results = []
    for args, env, variants in plans:
        for extra in variants:
            results.append(invoke(["--api-key", CANARY, *extra, *args], sim=sim, env=env))
            results.append(invoke([*extra, *args], sim=sim, env={"A2E_API_KEY": CANARY, **env}))
    return results


def test_the_api_key_is_never_printed(sim: Simulator, tmp_path: Path) -> None:
    results = _canary_runs(sim, tmp_path)
    assert {result.exit_code for result in results} == {2, 3}
    for result in results:
        assert CANARY not in result.stdout
        assert CANARY not in result.stderr
    assert any("Traceback" in result.stderr for result in results), "--debug shows tracebacks"
    assert any("[redacted]" in result.stderr for result in results), "--debug logs the masked header"


def test_a_working_token_is_not_printed_either(run: Run, sim: Simulator, media: tuple[Path, Path]) -> None:
    face, video = media
    result = run("--debug", "--json", "swap", "--face", str(face), "--video", str(video), "--no-wait")
    assert result.exit_code == 0, result.stderr
    assert "authorization" in result.stderr.lower(), "--debug logs request headers"
    assert sim.token not in result.stdout + result.stderr


# ------------------------------------------------------------------ messages without a server


def test_interrupted_messages_fit_the_phase() -> None:
    task_id = "0123456789abcdef01234567"
    downloading = interrupted("swap", task_id, creating=False, completed=True)
    assert downloading.code == 130
    assert f"download it with `a2e-faceswap tasks wait {task_id} -o PATH`" in downloading.line()
    creating = interrupted("swap", None, creating=True, completed=False)
    assert "may exist" in creating.line()
    assert "a2e-faceswap tasks list" in creating.line()
    plain = interrupted("preview", None, creating=False, completed=False)
    assert plain.line() == "error: preview: interrupted"


def test_an_unexpected_exception_is_reported_as_a_bug() -> None:
    problem = describe(RuntimeError("boom"), "swap")
    assert problem.code == 70
    assert problem.line().startswith("error: swap: unexpected RuntimeError: boom -- this is a bug")
