"""Fixtures of the command line tests: a runner bound to a simulator, sample media, the console script."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from a2e_faceswap import A2E
from a2e_faceswap._cli._demo import sample_face_png, sample_video_bytes
from a2e_faceswap.cli import app
from a2e_faceswap.testing import Simulator
from typer.testing import CliRunner, Result

#: poll fast: the test simulators run their clock 600x
FAST = ("--poll", "0.02")

Run = Callable[..., Result]


def invoke(
    args: list[str],
    *,
    sim: Simulator | None = None,
    env: Mapping[str, str | None] | None = None,
    input: str | None = None,
) -> Result:
    """Run the command in-process. With ``sim``, A2E_API_KEY / A2E_BASE_URL point at it; else both are
    unset. ``env`` overrides (``None`` unsets)."""
    variables: dict[str, str | None] = {"A2E_API_KEY": None, "A2E_BASE_URL": None, "A2E_LOG": None}
    if sim is not None:
        variables.update(sim.env())
    variables.update(env or {})
    return CliRunner().invoke(app, args, env=variables, input=input)


@pytest.fixture
def run(sim: Simulator) -> Run:
    """``run("tasks", "list")``: the command against the ``sim`` fixture."""

    def call(*args: str, **kwargs: Any) -> Result:
        return invoke(list(args), sim=sim, **kwargs)

    return call


def document(result: Result) -> Any:
    """stdout parsed as exactly one JSON document (json.loads fails on anything else there)."""
    return json.loads(result.stdout)


@pytest.fixture
def media(tmp_path: Path) -> tuple[Path, Path]:
    """A small PNG face and a stand-in .mp4."""
    face, video = tmp_path / "face.png", tmp_path / "clip.mp4"
    face.write_bytes(sample_face_png(32))
    video.write_bytes(sample_video_bytes())
    return face, video


@pytest.fixture
def client(sim: Simulator) -> Iterator[A2E]:
    """A facade client on the ``sim`` fixture, to arrange state and check the command's effects."""
    with A2E(api_key=sim.token, base_url=sim.base_url) as facade:
        yield facade


def script() -> Path:
    """The installed console script (the entry point declared in pyproject.toml)."""
    path = Path(sys.executable).parent / "a2e-faceswap"
    assert path.is_file(), f"the console script is not installed at {path}; run make venv"
    return path
