"""Import time: ``import a2e_faceswap`` against ``import httpx`` in a FRESH venv holding only
``pip install .`` (the dev venv flatters the ratio: there httpx imports rich and click for its own CLI).

Each import runs in a fresh process, the runs alternating; the figure is the ratio of the medians of
wall time (interpreter start included on both sides; ``python -c pass`` is shown for scale). A second
row measures ``from a2e_faceswap import A2E``, what a program actually does; the details give the
number of modules each import loads.
"""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

from _harness import Figure, fresh_install, median, ratio_figure, venv_env

TARGET = 1.25

CODES = {
    "import a2e_faceswap": "import a2e_faceswap",
    "from a2e_faceswap import A2E": "from a2e_faceswap import A2E",
    "import httpx": "import httpx",
    "python": "pass",
}


def _once(python: Path, code: str, cwd: Path) -> float:
    start = time.perf_counter()
    subprocess.run([str(python), "-c", code], check=True, cwd=cwd, env=venv_env())
    return time.perf_counter() - start


def _modules(python: Path, code: str, cwd: Path) -> int:
    out = subprocess.run(
        [str(python), "-c", f"import sys; n = len(sys.modules); {code}; print(len(sys.modules) - n)"],
        check=True,
        cwd=cwd,
        env=venv_env(),
        capture_output=True,
        text=True,
    )
    return int(out.stdout)


def measure(runs: int = 15) -> list[Figure]:
    with fresh_install() as python:
        where = python.parents[2]  # the venv's folder: nothing importable there
        times: dict[str, list[float]] = {name: [] for name in CODES}
        for code in CODES.values():  # warm the file cache and write the bytecode
            _once(python, code, where)
        for i in range(runs):
            order = list(CODES.items())
            for name, code in order if i % 2 == 0 else reversed(order):
                times[name].append(_once(python, code, where))
        modules = {name: _modules(python, code, where) for name, code in CODES.items() if code != "pass"}
    medians = {name: median(values) for name, values in times.items()}
    theirs, bare = medians["import httpx"], medians["python"]
    figures = []
    for name in ("import a2e_faceswap", "from a2e_faceswap import A2E"):
        ours = medians[name]
        ratio = ours / theirs
        detail = (
            f"{ours * 1000:.0f} ms, {modules[name]} modules vs import httpx {theirs * 1000:.0f} ms, "
            f"{modules['import httpx']} modules (bare interpreter {bare * 1000:.0f} ms; fresh venv, "
            f"pip install . only; median of {runs})"
        )
        data = {
            "seconds": ours,
            "httpx_seconds": theirs,
            "python_seconds": bare,
            "modules": modules[name],
            "httpx_modules": modules["import httpx"],
            "runs": runs,
        }
        figures.append(ratio_figure(f"import time vs httpx ({name})", ratio, TARGET, detail, data))
    return figures


if __name__ == "__main__":
    for figure in measure():
        print(f"{figure.name}: {figure.value:.3f}x  {figure.detail}")
