"""``a2e-faceswap sim``: the simulator's own runner (``python -m a2e_faceswap.testing``) under this command.

Every option after ``sim`` goes to that runner unchanged, so both accept the same ones
(``a2e-faceswap sim --help`` lists them). The token it prints belongs to the simulator only.
"""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING

import typer

from .._cli_support import announce_simulator, run_simulator
from ..cli import PROG
from ._problems import needs_simulator
from ._session import session_of

if TYPE_CHECKING:
    from a2e_faceswap.testing import Simulator

__all__ = ["SIM_CONTEXT", "sim"]

#: pass every argument through, --help included, to the simulator's own parser
SIM_CONTEXT = {"allow_extra_args": True, "ignore_unknown_options": True, "help_option_names": []}


def _json_announce(sim: Simulator) -> None:
    sys.stdout.write(json.dumps({"base_url": sim.base_url, "token": sim.token, "env": sim.env()}) + "\n")
    sys.stdout.flush()


def sim(ctx: typer.Context) -> None:
    """Run the local A2E simulator as a server until Ctrl-C; prints its base URL and (simulator) token.

    Options: --port P (default 8080, 0 = any free port), --seed S, --faults SPEC
    (e.g. 'get_task:http_503:0.3'), --speed X, --task-seconds S, --credits N, ...
    see `a2e-faceswap sim --help`.
    """
    session = session_of(ctx)
    with session.guard("sim"):
        with needs_simulator(f"`{PROG} sim`"):
            from a2e_faceswap.testing import Simulator  # noqa: F401 (its dependencies are there)

        def human(started: Simulator) -> None:
            announce_simulator(started)
            print("Ctrl-C stops it.", file=sys.stderr, flush=True)

        code = run_simulator(
            ctx.args, prog=f"{PROG} sim", on_start=_json_announce if session.settings.json else human
        )
    raise typer.Exit(code)
