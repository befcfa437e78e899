"""What the command (``a2e_faceswap._cli``) needs from the client's internals, and nothing else.

The command otherwise uses only public names (``a2e_faceswap.A2E``, ``errors``, ``models``,
``testing.Simulator``); a test (tests/cli/test_imports.py) holds it to that and to this one module.
Each name here is one the command needs before or beside a client, so that it checks, masks and logs
exactly as the client does instead of keeping its own copy:

* ``clean_token``: the key as the client will send it, to mask that form in every output, even when
  the client refuses the key;
* ``media_source`` (its type ``MediaSource``), ``check_name``, ``Destination``: the client's own
  input checks, run before the command uploads or pays for anything;
* ``scrub``, ``register_secret``, ``RedactingFilter``, ``logger``: the token masking and the logger of
  ``_logging`` (whose docstring states the rules), for ``--debug`` and the command's output;
* ``plan`` (its record ``BatchPlan``), ``states``, ``FACE_SWAP_TASK_ROUTE``: ``batch --dry-run``
  checks the manifest and counts the uploads exactly as ``client.batch.run`` will, and asks the quote
  for the same route; ``states`` gives a resumed run's progress display its starting counts, and
  ``stored_spending`` the dry run what the batch already spent against ``--max-credits``;
* ``stored_batch_id``, ``journal_path``, ``new_batch_id``: the batch whose id ``batch
  --webhook-listen`` derives its token from (the journal's, or a new one given to the run);
* ``run_simulator`` / ``announce_simulator``: the simulator's runner (``python -m
  a2e_faceswap.testing``) reused by ``a2e-faceswap sim``; imported on call, as the ``testing`` extra
  may be missing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from ._account import FACE_SWAP_TASK_ROUTE
from ._batch_plan import BatchPlan, journal_path, plan, states, stored_batch_id, stored_spending
from ._client import clean_token
from ._download import Destination
from ._logging import RedactingFilter, logger, register_secret, scrub
from ._manifest import new_batch_id
from ._validation import MediaSource, check_name, media_source

if TYPE_CHECKING:
    from .testing import Simulator

__all__ = [
    "FACE_SWAP_TASK_ROUTE",
    "BatchPlan",
    "Destination",
    "MediaSource",
    "RedactingFilter",
    "announce_simulator",
    "check_name",
    "clean_token",
    "journal_path",
    "logger",
    "media_source",
    "new_batch_id",
    "plan",
    "register_secret",
    "run_simulator",
    "scrub",
    "states",
    "stored_batch_id",
    "stored_spending",
]


def announce_simulator(sim: Simulator) -> None:
    """The runner's own announcement (base URL and token as shell lines) on stdout."""
    from .testing.__main__ import announce

    announce(sim)


def run_simulator(argv: Sequence[str], *, prog: str, on_start: Callable[[Simulator], None]) -> int:
    """Run the simulator's runner with ``argv`` until interrupted; its exit status."""
    from .testing.__main__ import main

    return main(argv, prog=prog, on_start=on_start)
