"""The ``a2e-faceswap`` command line tool (typer + rich); public entry point: ``a2e_faceswap.cli``."""

from ._app import app, main

__all__ = ["app", "main"]
