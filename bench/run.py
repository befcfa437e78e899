"""``make bench``: every benchmark of issue 6 in one run, printed as a table and written to
bench/results/latest.json. Figures are ratios against raw httpx measured side by side in the same run
(machines are noisy, absolute times are not comparable between runs).

Usage: ``python bench/run.py [--quick]`` (``--quick``: fewer calls and rounds, for a smoke run).
Exit status 1 if a target is missed.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
import time

import base_install
import batch
import download_memory
import fanout
import httpx
import import_time
import overhead
import polling
import sim_capacity
import webhooks
from _harness import ROOT, Figure, fmt, simulator_process
from a2e_faceswap import __version__

RESULTS = ROOT / "bench" / "results" / "latest.json"


def _git_revision() -> str:
    out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    return out.stdout.strip() or "unknown"


def _environment() -> dict[str, str]:
    return {
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "revision": _git_revision(),
        "a2e_faceswap": __version__,
        "httpx": httpx.__version__,
        "python": platform.python_version(),
        "platform": f"{platform.system()} {platform.machine()}",
        "cpus": str(os.cpu_count()),
    }


def _status(figure: Figure) -> str:
    if figure.met is None:
        return "-"
    return "met" if figure.met else "MISSED"


def table(figures: list[Figure]) -> str:
    rows = [("Figure", "Value", "Target", "", "Detail")]
    rows += [(f.name, fmt(f.value, f.unit), f.target, _status(f), f.detail) for f in figures]
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    lines = []
    for n, row in enumerate(rows):
        cells = [cell.ljust(widths[i]) if i < 4 else cell for i, cell in enumerate(row)]
        lines.append("| " + " | ".join(cells) + " |")
        if n == 0:
            lines.append("|" + "|".join("-" * (w + 2) for w in [*widths, len(row[4])]) + "|")
    return "\n".join(lines)


def run(quick: bool) -> list[Figure]:
    figures: list[Figure] = []

    def step(label: str) -> None:
        print(f"... {label}", file=sys.stderr, flush=True)

    with simulator_process(speed=300.0, task_seconds=30.0) as sim:
        step("per-call overhead (sync, async)")
        figures += overhead.measure(sim, calls=300 if quick else 3000, warmup=50 if quick else 300)
        step("async fan-out")
        figures.append(fanout.measure(sim, workflows=200, rounds=1 if quick else 7))
    step("polling economy")
    figures.append(polling.measure())
    step("download memory")
    figures.append(download_memory.measure(size=(64 << 20) if quick else download_memory.GIB))
    step("batch: requests per row, wall time, peak RSS, resume")
    figures += batch.measure(quick)
    step("webhooks: lag to wait() and status reads, webhooks beside polling")
    figures += webhooks.measure(quick)
    step("base install (fresh venv, pip install .)")
    figures += base_install.measure()
    step("import time (fresh venv, pip install .)")
    figures += import_time.measure(runs=5 if quick else 15)
    step("simulator capacity")
    seconds = 1.0 if quick else 3.0
    for contract in (False, True):
        rate = sim_capacity.server_capacity(contract=contract, clients=2, seconds=seconds)
        checked = "checked" if contract else "unchecked"
        label = "contract checking on" if contract else "contract checking off"
        figures.append(
            Figure(
                name=f"simulator capacity, get_task ({checked})",
                value=rate,
                unit="req/s",
                target="(for scale)",
                met=None,
                detail=f"simulator process, 2 client processes, {label}",
            )
        )
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description="Run the a2e-faceswap benchmarks.")
    parser.add_argument("--quick", action="store_true", help="fewer calls and rounds (smoke run)")
    args = parser.parse_args()
    started = time.perf_counter()
    environment = _environment()
    figures = run(args.quick)
    environment["seconds"] = f"{time.perf_counter() - started:.0f}"
    print()
    print(", ".join(f"{k} {v}" for k, v in environment.items()))
    print(table(figures))
    missed = [f.name for f in figures if f.met is False]
    print("\nall targets met" if not missed else f"\ntargets missed: {', '.join(missed)}")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    payload = {"environment": environment, "quick": args.quick, "figures": [f.as_json() for f in figures]}
    RESULTS.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    print(f"written to {RESULTS.relative_to(ROOT)}")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
