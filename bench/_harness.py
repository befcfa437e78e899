"""Shared pieces of the benchmarks: a simulator in its own process, a fresh venv holding this tree,
timing statistics, the result rows.

The simulator runs in a separate process (``python -m a2e_faceswap.testing``) for every figure that
compares a client with raw httpx, so the server's work never competes with the client for the GIL:
what differs between the two sides is the client code alone. The figures of a real base install
(its package list, its import time) are measured in a new venv with ``pip install .`` only
(``fresh_install``).
"""

from __future__ import annotations

import contextlib
import math
import os
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
#: Made-up media URLs: the simulator accepts any http(s) URL outside itself without fetching it.
FACE_URL = "https://media.example.com/bench/face.jpg"
VIDEO_URL = "https://media.example.com/bench/clip.mp4"
TASK_PATH = "/api/v1/userFaceSwapTask/"
CREATE_PATH = "/api/v1/userFaceSwapTask/add"
#: pip's own limit; the client's three packages install in seconds
PIP_TIMEOUT = 300.0


@dataclass(frozen=True)
class SimEndpoint:
    base_url: str
    token: str


@contextlib.contextmanager
def simulator_process(
    *, speed: float = 300.0, task_seconds: float = 30.0, contract: bool = False, credits: int = 10_000_000
) -> Iterator[SimEndpoint]:
    """A simulator in a child process on a free loopback port; stopped (SIGTERM, then kill) on exit."""
    args = [
        PYTHON,
        "-m",
        "a2e_faceswap.testing",
        "--port",
        "0",
        "--speed",
        str(speed),
        "--task-seconds",
        str(task_seconds),
        "--credits",
        str(credits),
        "--seed",
        "0",
    ]
    if not contract:
        args.append("--no-contract")
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, text=True, cwd=ROOT, env=_child_env())
    try:
        found: dict[str, str] = {}
        assert proc.stdout is not None
        while "A2E_API_KEY" not in found:
            line = proc.stdout.readline()
            if not line:
                raise RuntimeError(f"the simulator process exited early (code {proc.wait()})")
            key, sep, value = line.strip().partition("=")
            if sep:
                found[key] = value
        yield SimEndpoint(found["A2E_BASE_URL"], found["A2E_API_KEY"])
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _child_env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("A2E_LOG", None)
    return env


def venv_env() -> dict[str, str]:
    """The environment of a process run in a fresh venv: none of this interpreter's or pip's settings."""
    return {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "PIP_", "VIRTUAL_ENV"))}


def pip_install(python: Path, *requirements: str) -> None:
    subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", *requirements],
        check=True,
        cwd=ROOT,
        env=venv_env(),
        timeout=PIP_TIMEOUT,
        capture_output=True,
        text=True,
    )


@contextlib.contextmanager
def fresh_venv() -> Iterator[Path]:
    """A new, empty venv in a temporary directory (removed on exit); yields its python."""
    with tempfile.TemporaryDirectory(prefix="a2e-bench-venv-") as folder:
        venv = Path(folder) / "venv"
        subprocess.run([PYTHON, "-m", "venv", str(venv)], check=True, env=venv_env(), timeout=120)
        yield venv / "bin" / "python"


@contextlib.contextmanager
def fresh_install(*requirements: str) -> Iterator[Path]:
    """A new venv with ``pip install <requirements>`` (default: this tree); yields its python."""
    with fresh_venv() as python:
        pip_install(python, *(requirements or (str(ROOT),)))
        yield python


def percentile(values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile (``fraction`` in 0..1)."""
    ordered = sorted(values)
    if not ordered:
        raise ValueError("no values")
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


@dataclass
class Figure:
    """One row of the table: a measured figure, its target and whether it was met."""

    name: str
    value: float
    unit: str
    target: str
    met: bool | None
    detail: str = ""
    data: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def ratio_figure(name: str, ratio: float, target: float, detail: str, data: dict[str, Any]) -> Figure:
    """A row whose value is a ratio against raw httpx, met at or below ``target``."""
    return Figure(
        name=name,
        value=ratio,
        unit="x",
        target=f"<= {target:.2f}x",
        met=ratio <= target,
        detail=detail,
        data=data,
    )


def fmt(value: float, unit: str) -> str:
    if unit == "x":
        return f"{value:.3f}x"
    if unit == "MiB":
        return f"{value:.1f} MiB"
    if unit == "req/s":
        return f"{value:,.0f} req/s"
    if unit == "requests":
        return f"{value:.2f}"
    return f"{value:g} {unit}"
