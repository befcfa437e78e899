"""The ``a2e-faceswap`` command: ``main`` is the console script, ``app`` the typer application.

Imported only by the command; ``import a2e_faceswap`` does not load typer or rich.
"""

from ._cli import app, main

__all__ = ["app", "main"]
