"""The package's shape: the base install is the client alone, the command lives in the ``cli`` extra.

pyproject.toml is read as written (no network, no install); `make bench` installs it in a fresh venv
and lists what came along. The guard of the console script runs in child processes where typer, rich
or the simulator cannot be imported (``sys.modules[name] = None`` makes every import of it fail).
httpx imports rich and click for its own command when they are there, as in this venv: the import
test blocks that (``httpx._main``), as a base install, which has neither, would.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
from a2e_faceswap.cli import install_hint
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[2]
BASE = {"httpx", "attrs", "python-dateutil"}
CLI = {"typer", "rich"}
#: what the command (typer and what it pulls in) would import
COMMAND_MODULES = ("typer", "rich", "click", "pydantic", "shellingham")


def _project() -> dict[str, Any]:
    with (ROOT / "pyproject.toml").open("rb") as file:
        project: dict[str, Any] = tomllib.load(file)["project"]
    return project


def _names(requirements: list[str]) -> set[str]:
    return {Requirement(text).name.lower() for text in requirements}


def test_base_dependencies_are_the_client_only() -> None:
    assert _names(_project()["dependencies"]) == BASE


def test_the_command_dependencies_are_in_the_cli_extra() -> None:
    extras = _project()["optional-dependencies"]
    assert _names(extras["cli"]) == CLI
    assert not _names(extras["testing"]) & CLI  # the simulator does not need the command


def test_the_console_script_is_the_guard() -> None:
    assert _project()["scripts"] == {"a2e-faceswap": "a2e_faceswap.cli:main"}


def _child(code: str, *, blocked: tuple[str, ...] = ()) -> subprocess.CompletedProcess[str]:
    """Run ``code`` in a fresh interpreter where importing any of ``blocked`` fails."""
    prelude = "import sys\n" + "".join(f"sys.modules[{name!r}] = None\n" for name in blocked)
    return subprocess.run(
        [sys.executable, "-c", prelude + code], capture_output=True, text=True, timeout=60, cwd=ROOT
    )


@pytest.mark.parametrize("module", ["a2e_faceswap", "a2e_faceswap.cli"])
def test_importing_the_client_loads_nothing_of_the_command(module: str) -> None:
    code = f"import {module}\nprint([m for m in sys.modules if m.partition('.')[0] in {COMMAND_MODULES!r}])"
    out = _child(code, blocked=("httpx._main",))
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def test_the_import_test_sees_the_command_modules() -> None:
    code = "import a2e_faceswap.cli\nprint(type(a2e_faceswap.cli.app).__name__, 'typer' in sys.modules)"
    out = _child(code, blocked=("httpx._main",))
    assert out.stdout.split() == ["Typer", "True"], out.stderr


@pytest.mark.parametrize("missing", ["typer", "rich"])
def test_without_the_cli_extra_the_command_says_how_to_install_it(missing: str) -> None:
    code = "sys.argv = ['a2e-faceswap', '--version']\nfrom a2e_faceswap.cli import main\nmain()"
    out = _child(code, blocked=(missing,))
    assert out.returncode == 2
    assert out.stdout == ""
    assert out.stderr.count("\n") == 1, out.stderr  # one line, no traceback
    assert "Traceback" not in out.stderr
    assert f"({missing} is missing)" in out.stderr
    assert "pip install '.[cli]'" in out.stderr
    assert "pip install 'a2e-faceswap[cli]'" in out.stderr


def test_a_module_of_ours_missing_is_not_blamed_on_the_extra() -> None:
    code = "from a2e_faceswap.cli import main\nmain()"
    out = _child(code, blocked=("a2e_faceswap._cli._render",))
    assert out.returncode == 1
    assert "Traceback" in out.stderr
    assert "[cli]" not in out.stderr


def test_with_the_extra_the_command_runs_and_app_loads_on_access() -> None:
    code = (
        "import a2e_faceswap.cli as cli\n"
        "assert 'typer' not in sys.modules\n"
        "print(type(cli.app).__name__)\n"
        "sys.argv = ['a2e-faceswap', '--version']\n"
        "cli.main()"
    )
    out = _child(code)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split("\n")[0] == "Typer"
    assert out.stdout.split("\n")[1].startswith("a2e-faceswap ")


@pytest.mark.parametrize("command", ["demo", "sim"])
def test_demo_and_sim_without_the_simulator_name_the_testing_extra(command: str) -> None:
    code = f"sys.argv = ['a2e-faceswap', {command!r}]\nfrom a2e_faceswap.cli import main\nmain()"
    out = _child(code, blocked=("starlette",))
    assert out.returncode == 2, out.stderr
    assert out.stderr.count("\n") == 1, out.stderr
    assert re.search(r"\(starlette[.\w]* is missing\)", out.stderr), out.stderr
    assert install_hint("cli", "testing") in out.stderr
    assert "pip install '.[cli,testing]'" in out.stderr


def test_an_unknown_name_is_still_an_attribute_error() -> None:
    import a2e_faceswap.cli as cli

    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        _ = cli.nope
