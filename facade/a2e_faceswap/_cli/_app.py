"""The ``a2e-faceswap`` typer application: global options and the command tree."""

from __future__ import annotations

import enum
from typing import Annotated

import typer

from .._version import __version__
from . import _commands as commands
from ._demo import demo
from ._session import Session, Settings
from ._sim import SIM_CONTEXT, sim

__all__ = ["app", "main"]

PROG = "a2e-faceswap"


class Region(enum.StrEnum):
    GLOBAL = "global"
    CN = "cn"


app = typer.Typer(
    name=PROG,
    help="Face swap with A2E (https://video.a2e.ai) from the terminal. "
    "Try it without an account: `a2e-faceswap demo`.",
    epilog="Exit codes: 0 success, 1 task failed or timed out, 2 usage or input error, "
    "3 API or network error, 130 interrupted.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)
tasks_app = typer.Typer(help="Face swap tasks: list, show, wait for, delete.", no_args_is_help=True)
faces_app = typer.Typer(help="Face images saved in the account.", no_args_is_help=True)
app.add_typer(tasks_app, name="tasks")
app.add_typer(faces_app, name="faces")


def _version(value: bool) -> None:
    if value:
        print(f"{PROG} {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    api_key: Annotated[
        str | None,
        typer.Option(
            "--api-key",
            envvar="A2E_API_KEY",
            help="A2E API token (default: $A2E_API_KEY). Never printed.",
            show_default=False,
        ),
    ] = None,
    base_url: Annotated[
        str | None,
        typer.Option(
            "--base-url",
            help="Server root (default: $A2E_BASE_URL, else https://video.a2e.ai). "
            "Plain http only to a loopback host.",
            show_default=False,
        ),
    ] = None,
    region: Annotated[
        Region | None,
        typer.Option("--region", help="A2E region instead of --base-url.", show_default=False),
    ] = None,
    max_retries: Annotated[
        int | None,
        typer.Option(
            "--max-retries",
            metavar="N",
            help="Retries (default: 2; 0 = none) of a request that failed for a passing reason "
            "(network, timeout, busy, HTTP 502-504), when sending it again is safe. A download counts "
            "them in a row: a cut that still brought new bytes starts the count again.",
            show_default=False,
        ),
    ] = None,
    json_: Annotated[
        bool,
        typer.Option("--json", help="Machine output: one JSON document on stdout, progress on stderr."),
    ] = False,
    debug: Annotated[
        bool, typer.Option("--debug", help="Log HTTP traffic (token redacted) and show tracebacks.")
    ] = False,
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit."),
    ] = False,
) -> None:
    session = Session(
        Settings(
            api_key=api_key,
            base_url=base_url,
            region=region.value if region is not None else None,
            max_retries=max_retries,
            json=json_,
            debug=debug,
        )
    )
    ctx.obj = session
    ctx.call_on_close(session.close)
    with session.guard("options"):  # reported like every other problem (one JSON document under --json)
        session.settings.check()


app.command("swap")(commands.swap)
app.command("preview")(commands.preview)
app.command("upload")(commands.upload)
tasks_app.command("list")(commands.tasks_list)
tasks_app.command("get")(commands.tasks_get)
tasks_app.command("wait")(commands.tasks_wait)
tasks_app.command("active")(commands.tasks_active)
tasks_app.command("delete")(commands.tasks_delete)
faces_app.command("add")(commands.faces_add)
faces_app.command("list")(commands.faces_list)
faces_app.command("delete")(commands.faces_delete)
app.command("sim", context_settings=SIM_CONTEXT, add_help_option=False)(sim)
app.command("demo")(demo)


def main() -> None:
    """Console script entry point (``a2e-faceswap``)."""
    app(prog_name=PROG)
