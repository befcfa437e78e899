"""Import time: ``python -c "import a2e_faceswap"`` against ``python -c "import httpx"``, each in a fresh
process, the runs alternating; the ratio of the medians of wall time (interpreter start included, on
both sides; ``python -c pass`` is shown for scale)."""

from __future__ import annotations

import os
import subprocess
import time

from _harness import PYTHON, ROOT, Figure, median

TARGET = 2.0


def _once(code: str) -> float:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    start = time.perf_counter()
    subprocess.run([PYTHON, "-c", code], check=True, cwd=ROOT, env=env)
    return time.perf_counter() - start


def measure(runs: int = 15) -> Figure:
    codes = {"a2e_faceswap": "import a2e_faceswap", "httpx": "import httpx", "python": "pass"}
    times: dict[str, list[float]] = {name: [] for name in codes}
    for code in codes.values():  # warm the file cache and the bytecode
        _once(code)
    for i in range(runs):
        order = list(codes.items())
        for name, code in order if i % 2 == 0 else reversed(order):
            times[name].append(_once(code))
    ours, theirs, bare = (median(times[name]) for name in codes)
    ratio = ours / theirs
    return Figure(
        name="import time vs httpx",
        value=ratio,
        unit="x",
        target=f"<= {TARGET:.1f}x",
        met=ratio <= TARGET,
        detail=(
            f"import a2e_faceswap {ours * 1000:.0f} ms vs import httpx {theirs * 1000:.0f} ms "
            f"(bare interpreter {bare * 1000:.0f} ms; median of {runs})"
        ),
        data={"a2e_faceswap_seconds": ours, "httpx_seconds": theirs, "python_seconds": bare, "runs": runs},
    )


if __name__ == "__main__":
    figure = measure()
    print(f"{figure.name}: {figure.value:.3f}x  {figure.detail}")
