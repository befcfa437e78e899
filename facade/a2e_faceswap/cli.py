"""The ``a2e-faceswap`` command: ``main`` is the console script, ``app`` the typer application.

The command lives in the ``cli`` extra (typer, rich); the base install is the client alone. This module
imports neither until the command runs (``app`` is loaded on first access), so the console script,
installed either way, can say in one line how to get the extra instead of showing a traceback.
``install_hint`` words that advice for every extra the command may need (the package is not on PyPI
yet, so the clone's form comes first). ``PROG`` is the command's name wherever the command writes it.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._cli import app

__all__ = ["PROG", "app", "install_hint", "main"]

#: the command's name (the console script declared in pyproject.toml)
PROG = "a2e-faceswap"

#: the exit status of a usage error (ExitCode.USAGE of the command)
_USAGE = 2


def install_hint(*extras: str) -> str:
    """How to install the package with ``extras``, from a clone and from PyPI: one line, no newline."""
    spec = ",".join(extras)
    return (
        f"pip install '.[{spec}]' in a clone of a2e-faceswap "
        f"(once on PyPI: pip install 'a2e-faceswap[{spec}]')"
    )


def _ours(name: str | None) -> bool:
    return name is not None and name.partition(".")[0] in {"a2e_faceswap", "a2e_api"}


def main() -> None:
    """Console script entry point (``a2e-faceswap``)."""
    try:
        from ._cli import main as run
    except ImportError as error:
        if _ours(error.name):  # a module of ours missing is a broken install, not a missing extra
            raise
        missing = (error.name or "a dependency").partition(".")[0]
        print(
            f"{PROG}: the command needs the 'cli' extra ({missing} is missing): {install_hint('cli')}",
            file=sys.stderr,
        )
        raise SystemExit(_USAGE) from None
    run()


def __getattr__(name: str) -> Any:
    if name == "app":
        from ._cli import app

        return app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
