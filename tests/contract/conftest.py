"""Fixtures of the contract diff tests: the real spec, a generated tree, throw-away git repositories."""

from __future__ import annotations

import copy
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

TOOLS = Path(__file__).resolve().parents[2] / "tools"
if str(TOOLS) not in sys.path:
    sys.path.insert(0, str(TOOLS))  # tools/ is a folder of scripts, not a package

import contract_diff  # noqa: E402
from generate import generate  # noqa: E402

_SPEC = contract_diff.load_spec(contract_diff.SPEC)


@pytest.fixture
def spec() -> dict[str, Any]:
    """A private deep copy of openapi/a2e.yaml, free to break."""
    return copy.deepcopy(_SPEC)


@pytest.fixture(scope="session")
def generated_tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """generate() run once on the real spec; tests copy it before editing anything."""
    out = tmp_path_factory.mktemp("generated") / "generated"
    generate(out)
    return out


GitRepo = Callable[..., str]


@pytest.fixture
def git_repo(tmp_path: Path) -> tuple[Path, GitRepo]:
    """An empty git repository and `commit(text, message)`, which commits openapi/a2e.yaml."""
    repo = tmp_path / "repo"
    (repo / "openapi").mkdir(parents=True)

    def git(*args: str) -> str:
        proc = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, check=True)
        return proc.stdout.strip()

    git("init", "--quiet")
    git("config", "user.name", "contract tests")
    git("config", "user.email", "contract-tests@example.invalid")
    git("config", "commit.gpgsign", "false")

    def commit(text: str, message: str = "spec") -> str:
        (repo / "openapi" / "a2e.yaml").write_text(text)
        git("add", "openapi/a2e.yaml")
        git("commit", "--quiet", "--allow-empty", "-m", message)
        return git("rev-parse", "HEAD")

    return repo, commit
