"""Shared pieces of the benchmarks: a simulator in its own process, timing statistics, the result rows.

The simulator runs in a separate process (``python -m a2e_faceswap.testing``) for every figure that
compares a client with raw httpx, so the server's work never competes with the client for the GIL:
what differs between the two sides is the client code alone.
"""

from __future__ import annotations

import contextlib
import math
import os
import statistics
import subprocess
import sys
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
