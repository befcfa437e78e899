"""``make chaos``: the full chaos run - 300 concurrent ``tasks.run`` workflows against a simulator that
answers ~30 % of all requests with injected faults of every kind it has (see tests/chaos/engine.py,
whose smaller seeded run is part of ``make test``). Prints the tally; exit status 1 on any problem
(an exception outside our error tree, a task created twice, a partial file, an open connection...).

Usage: ``python bench/chaos.py [--workflows 300] [--seed 0] [--fault-rate 0.3]``.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # the engine lives in the tests package

from tests.chaos.engine import ChaosConfig, run_chaos  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description="Run the a2e-faceswap chaos suite.")
    parser.add_argument("--workflows", type=int, default=300, help="concurrent tasks.run workflows")
    parser.add_argument("--seed", type=int, default=0, help="seed of the simulator's fault draws")
    parser.add_argument("--fault-rate", type=float, default=0.30, help="share of requests given a fault")
    args = parser.parse_args()
    config = ChaosConfig(workflows=args.workflows, seed=args.seed, fault_rate=args.fault_rate)
    with tempfile.TemporaryDirectory(prefix="a2e-chaos-") as folder:
        tally = asyncio.run(run_chaos(config, Path(folder)))
    print(tally.report())
    if tally.problems:
        print(f"\n{len(tally.problems)} problem(s):")
        for problem in tally.problems:
            print(f"  - {problem}")
        return 1
    print("\nno unhandled exceptions, no duplicates, no partial files, no open connections")
    return 0


if __name__ == "__main__":
    sys.exit(main())
