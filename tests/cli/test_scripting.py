"""The command in scripts: plain stdout carries the result only (``ID=$(a2e-faceswap swap ... --no-wait)``),
usage errors under ``--json`` are JSON too, and ``--help`` shows flags without a ``<bool>`` type."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path
from typing import Any

import httpx
import pytest
import typer
from a2e_faceswap.cli import app
from a2e_faceswap.testing import Simulator

from tests.cli.conftest import document, invoke, script

FACE_URL = "https://example.com/face.png"
VIDEO_URL = "https://example.com/clip.mp4"
ID = re.compile(r"[0-9a-f]{24}")

# Each step's result is captured by $(...) and printed back tagged, so the test reads what a script got.
_SCRIPT = r"""
set -eu
ID=$("$A2E" swap --face "$FACE" --video "$VIDEO" --no-wait)
printf 'id=%s\n' "$ID"
URL=$("$A2E" upload "$FACE")
printf 'url=%s\n' "$URL"
SAVED=$("$A2E" tasks wait "$ID" -o "$DIR/" --poll 0.02)
printf 'saved=%s\n' "$SAVED"
SWAPPED=$("$A2E" swap --face "$URL" --video "$VIDEO" -o "$DIR/second.mp4" --poll 0.02)
printf 'swapped=%s\n' "$SWAPPED"
"""


def _env(sim: Simulator, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("A2E_")}
    return {**env, **sim.env(), "NO_COLOR": "1", "A2E": str(script()), **extra}


def test_a_shell_script_captures_each_result_with_command_substitution(
    sim: Simulator, tmp_path: Path
) -> None:
    face = tmp_path / "face.png"
    face.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    out = tmp_path / "out"
    env = _env(sim, FACE=str(face), VIDEO=VIDEO_URL, DIR=str(out))
    done = subprocess.run(
        ["bash", "-c", _SCRIPT], env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    got = dict(line.split("=", 1) for line in done.stdout.splitlines())
    assert list(got) == ["id", "url", "saved", "swapped"], done.stdout
    first, second = sim.tasks()
    assert ID.fullmatch(got["id"])
    assert got["id"] == first["_id"]
    assert httpx.get(got["url"]).content == face.read_bytes()
    assert got["saved"] == str(out / f"{got['id']}.mp4")
    assert Path(got["saved"]).read_bytes() == sim.result_bytes(got["id"])
    assert second["face_url"] == got["url"]
    assert got["swapped"] == str(out / "second.mp4")
    assert Path(got["swapped"]).read_bytes() == sim.result_bytes(second["_id"])
    # what a person watching sees went to stderr
    assert f"follow it with: a2e-faceswap tasks wait {got['id']}" in done.stderr
    assert f"waiting for task {got['id']}" in done.stderr
    assert "downloading result" in done.stderr


def test_a_saved_path_comes_back_byte_for_byte_even_when_it_is_not_utf8(
    sim: Simulator, tmp_path: Path
) -> None:
    folder = os.fsencode(tmp_path) + b"/r\xe9sultats"
    done = subprocess.run(
        [script(), "swap", "--face", FACE_URL, "--video", VIDEO_URL, "-o", folder + b"/", "--poll", "0.02"],
        env=_env(sim),
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    (task,) = sim.tasks()
    saved = folder + b"/" + task["_id"].encode() + b".mp4"
    assert done.stdout == saved + b"\n"
    assert Path(os.fsdecode(saved)).read_bytes() == sim.result_bytes(task["_id"])
    as_json = subprocess.run(
        [script(), "--json", "tasks", "wait", task["_id"], "-o", folder + b"/", "--poll", "0.02"],
        env=_env(sim),
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert as_json.returncode == 0, as_json.stderr
    output = json.loads(as_json.stdout.decode("utf-8"))["output"]  # valid UTF-8 JSON
    assert os.fsencode(output) == saved


# ------------------------------------------------------------------ usage errors under --json


@pytest.mark.parametrize(
    ("args", "what", "message"),
    [
        (["--bogus", "tasks", "list"], "a2e-faceswap", "No such option: --bogus"),
        (["tasks", "get"], "a2e-faceswap tasks get", "Missing argument 'task_id'"),
        (["swap", "--face", FACE_URL], "a2e-faceswap swap", "Missing option '--video'"),
        (["tasks", "list", "--page", "0"], "a2e-faceswap tasks list", "Invalid value for '--page'"),
        (["--max-retries", "many", "tasks", "list"], "a2e-faceswap", "'many' is not a valid int"),
        (["--region", "mars", "tasks", "list"], "a2e-faceswap", "Invalid value for '--region'"),
        (["no-such-command"], "a2e-faceswap", "No such command 'no-such-command'"),
        ([], "a2e-faceswap", "Missing command"),
        (["tasks"], "a2e-faceswap tasks", "Missing command"),
        (["faces", "delete"], "a2e-faceswap faces delete", "Missing argument"),
        (
            ["swap", "--face", FACE_URL, "--video", VIDEO_URL, "--no-wait", "extra"],
            "a2e-faceswap swap",
            "extra",
        ),
    ],
)
def test_the_parsers_usage_errors_give_one_json_document_under_json(
    sim: Simulator, args: list[str], what: str, message: str
) -> None:
    result = invoke(["--json", *args], sim=sim)
    assert result.exit_code == 2
    error = document(result)["error"]
    assert error["exit_code"] == 2
    assert error["what"] == what
    assert message in error["message"]
    assert error["hint"] == f"see `{what} --help`"
    assert error["type"].endswith(("Error", "Option", "Parameter"))
    (line,) = result.stderr.splitlines()
    assert line == f"error: {what}: {error['message']} -- {error['hint']}"
    assert sim.stats.requests.total() == 0
    plain = invoke(args, sim=sim)  # without --json: typer's own usage message (a missing command: help)
    assert plain.exit_code == 2
    assert "Usage:" in (plain.stdout if message == "Missing command" else plain.stderr)
    assert "{" not in plain.stdout


def test_a_token_typed_into_a_wrong_place_is_masked_in_a_usage_error(sim: Simulator) -> None:
    token = "sk_usage_canary_0123456789abcdef"
    for args, env in (
        (["--json", "--max-retries", token, "tasks", "list"], {"A2E_API_KEY": token}),
        (["--json", "--api-key", token, "--max-retries", token, "tasks", "list"], {"A2E_API_KEY": None}),
        (["--json", f"--api-key={token}", "tasks", "list", "--page", token], {"A2E_API_KEY": None}),
    ):
        result = invoke(args, sim=sim, env=env)
        assert result.exit_code == 2
        assert document(result)["error"]["exit_code"] == 2
        assert token not in result.stdout + result.stderr
        assert token[:12] not in result.stdout + result.stderr


# ------------------------------------------------------------------ --help


def _commands(command: Any, path: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], Any]]:
    found = [(path, command)]
    for name, sub in getattr(command, "commands", {}).items():
        found += _commands(sub, (*path, name))
    return found


def test_flags_have_no_type_in_help() -> None:
    root = typer.main.get_command(app)
    flags: list[str] = []
    for path, command in _commands(root):
        ctx = command.context_class(command, info_name=" ".join(("a2e-faceswap", *path)))
        for param in command.get_params(ctx):
            if getattr(param, "is_flag", False):
                flags.append(f"{' '.join(path)} {param.opts[0]}".strip())
                assert param.make_metavar(ctx) == "", (path, param.opts)
        if path != ("sim",):  # sim passes --help on to the simulator's own parser
            shown = invoke([*path, "--help"], env={"COLUMNS": "120"})
            assert shown.exit_code == 0, shown.stderr
            assert "--help" in shown.stdout
            assert "bool" not in shown.stdout.lower(), shown.stdout
    for flag in (
        "--json",
        "--debug",
        "--version",
        "swap --no-wait",
        "tasks list --all",
        "tasks delete --yes",
    ):
        assert flag in flags
    assert "tasks get --help" in flags


def test_version_and_json_documents_stay_one_line_or_one_document(sim: Simulator) -> None:
    assert invoke(["--version"]).stdout.count("\n") == 1
    listed = invoke(["--json", "tasks", "list"], sim=sim)
    assert json.loads(listed.stdout)["total"] == 0
