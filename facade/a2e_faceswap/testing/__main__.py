"""``python -m a2e_faceswap.testing``: run the simulator as a long-lived server for manual or external tests.

It prints the base URL and the token (a simulator token, worthless anywhere else), then serves until
interrupted (Ctrl-C or SIGTERM).
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Callable, Sequence
from types import FrameType

from a2e_faceswap.testing._simulator import Simulator


def _parser(prog: str | None = None) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=prog or "python -m a2e_faceswap.testing",
        description="Run the local A2E face swap simulator until interrupted.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8080, help="port to listen on; 0 picks a free one")
    parser.add_argument("--seed", type=int, default=0, help="seed of every random choice (ids, faults)")
    parser.add_argument("--speed", type=float, default=1.0, help="simulated seconds per real second")
    parser.add_argument("--task-seconds", type=float, default=30.0, help="simulated duration of a task")
    parser.add_argument("--preview-seconds", type=float, default=5.0, help="simulated duration of a preview")
    parser.add_argument("--credits", type=int, default=1000, help="credits of the default account")
    parser.add_argument("--result-size", type=int, default=1_000_000, help="bytes of each result file")
    parser.add_argument(
        "--faults",
        default="",
        help="fault spec, e.g. 'get_task:http_503:0.3,create_task=applied_then_reset/none'",
    )
    parser.add_argument("--slow-seconds", type=float, default=2.0, help="delay of a SLOW fault")
    parser.add_argument(
        "--lenient",
        action="store_true",
        help="collect contract violations instead of answering them with 400/500",
    )
    parser.add_argument("--no-contract", action="store_true", help="do not check the contract at all")
    return parser


def announce(sim: Simulator) -> None:
    """Print where the simulator listens and its token, as shell-friendly lines."""
    print(f"A2E simulator listening on {sim.base_url}", flush=True)
    print(f"A2E_BASE_URL={sim.base_url}", flush=True)
    print(f"A2E_API_KEY={sim.token}", flush=True)


def main(
    argv: Sequence[str] | None = None,
    *,
    prog: str | None = None,
    on_start: Callable[[Simulator], None] = announce,
) -> int:
    """Parse ``argv``, start the simulator, call ``on_start`` (default: ``announce``), serve until
    SIGINT/SIGTERM. ``prog`` names the command in usage messages (the ``a2e-faceswap sim`` command
    reuses this runner)."""
    args = _parser(prog).parse_args(argv)
    try:
        sim = Simulator(
            seed=args.seed,
            speed=args.speed,
            strict=not args.lenient,
            check_contract=not args.no_contract,
            task_seconds=args.task_seconds,
            preview_seconds=args.preview_seconds,
            result_size=args.result_size,
            credits=args.credits,
            faults=args.faults or None,
            slow_seconds=args.slow_seconds,
            host=args.host,
            port=args.port,
        )
        sim.start()
    except (ValueError, RuntimeError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    done = threading.Event()

    def _stop(signum: int, frame: FrameType | None) -> None:
        done.set()

    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    on_start(sim)
    try:
        while not done.wait(0.5):
            pass
    finally:
        sim.stop()
    violations = sim.stats.contract_violations
    if violations:
        print(f"{len(violations)} contract violation(s) seen:", file=sys.stderr)
        for violation in violations:
            print(f"  - {violation}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
