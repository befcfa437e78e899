"""The ``a2e-faceswap`` typer application: global options and the command tree.

Two things typer does not do by itself, done by the command classes here: a usage error found by the
argument parser (unknown option, missing argument, bad value) gives, when ``--json`` is on the command
line, the one JSON error document and one stderr line of every other error (exit 2) instead of
typer's usage box; and flags are shown in ``--help`` without a ``<bool>`` type.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from typing import Annotated, Any, NoReturn

import typer
from typer._click.exceptions import UsageError  # typer's own click
from typer.core import TyperCommand, TyperGroup

from .. import __version__
from ..cli import PROG
from . import _batch as batches
from . import _commands as commands
from . import _webhook as webhooks
from ._demo import demo
from ._output import Output
from ._problems import ExitCode, Problem
from ._session import KEY_VARIABLE, Session, Settings, api_secret
from ._sim import SIM_CONTEXT, sim

__all__ = ["app", "main"]


class Region(enum.StrEnum):
    GLOBAL = "global"
    CN = "cn"


def _without_bool_type(params: list[Any]) -> list[Any]:
    """Flags (ours and ``--help``) get an empty metavar: typer >= 0.28 shows ``<bool>`` otherwise."""
    for param in params:
        if getattr(param, "is_flag", False) and param.metavar is None:
            param.metavar = ""
    return params


def _json_requested(args: Sequence[str]) -> bool:
    arguments = list(args)
    return "--json" in (arguments[: arguments.index("--")] if "--" in arguments else arguments)


def _given_key(args: Sequence[str]) -> str | None:
    arguments = list(args)
    for index, argument in enumerate(arguments):
        if argument == "--api-key" and index + 1 < len(arguments):
            return arguments[index + 1]
        if argument.startswith("--api-key="):
            return argument.partition("=")[2]
    return None


def _usage_error(error: UsageError, args: Sequence[str]) -> NoReturn:
    """Report a parser's usage error as every other error is reported under ``--json``."""
    command = error.ctx.command_path if error.ctx is not None else PROG
    message = error.format_message()
    problem = Problem(ExitCode.USAGE, type(error).__name__, command, message, f"see `{command} --help`")
    session = error.ctx.find_object(Session) if error.ctx is not None else None
    if session is not None and session.out.json_mode:
        session.out.problem(problem, None, session.settings.debug)
    else:
        Output(json_mode=True, secret=lambda: api_secret(_given_key(args))).problem(problem, None, False)
    raise typer.Exit(ExitCode.USAGE)


class _Command(TyperCommand):
    def get_params(self, ctx: Any) -> list[Any]:
        return _without_bool_type(super().get_params(ctx))


class _Group(TyperGroup):
    def get_params(self, ctx: Any) -> list[Any]:
        return _without_bool_type(super().get_params(ctx))

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        if not args and self.no_args_is_help and _json_requested(ctx.find_root().meta.get(_ARGS, [])):
            raise UsageError("Missing command.", ctx)  # typer would print the help on stdout
        return super().parse_args(ctx, args)


class _RootGroup(_Group):
    """The root command: usage errors of the whole tree under ``--json`` (see the module docstring)."""

    def make_context(self, info_name: str | None, args: list[str], parent: Any = None, **extra: Any) -> Any:
        try:
            ctx = super().make_context(info_name, list(args), parent, **extra)
        except UsageError as error:
            if _json_requested(args):
                _usage_error(error, args)
            raise
        ctx.meta[_ARGS] = list(args)
        return ctx

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except UsageError as error:
            args = ctx.meta.get(_ARGS, [])
            if _json_requested(args):
                _usage_error(error, args)
            raise


_ARGS = "a2e_faceswap.args"

app = typer.Typer(
    name=PROG,
    cls=_RootGroup,
    help="Face swap with A2E (https://video.a2e.ai) from the terminal. "
    f"Try it without an account: `{PROG} demo`.",
    epilog="Plain output: stdout carries the result only (a task id, URL, path or table); progress and "
    "messages go to stderr. Exit codes: 0 success, 1 task failed or timed out, 2 usage or input error, "
    "3 API or network error, 4 result not saved (resume with tasks wait), 75 batch rows left to do (run "
    "it again to continue), 130 interrupted.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)
tasks_app = typer.Typer(
    help="Face swap tasks: list, show, wait for, delete.", no_args_is_help=True, cls=_Group
)
faces_app = typer.Typer(help="Face images saved in the account.", no_args_is_help=True, cls=_Group)
app.add_typer(tasks_app, name="tasks")
webhook_app = typer.Typer(help="Receive A2E's webhook deliveries.", no_args_is_help=True, cls=_Group)
app.add_typer(faces_app, name="faces")
app.add_typer(webhook_app, name="webhook")


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
            envvar=KEY_VARIABLE,
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
        typer.Option("--json", help="Machine output: one JSON document on stdout, errors included."),
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


app.command("swap", cls=_Command)(commands.swap)
app.command("preview", cls=_Command)(commands.preview)
app.command("upload", cls=_Command)(commands.upload)
tasks_app.command("list", cls=_Command)(commands.tasks_list)
tasks_app.command("get", cls=_Command)(commands.tasks_get)
tasks_app.command("wait", cls=_Command)(commands.tasks_wait)
tasks_app.command("active", cls=_Command)(commands.tasks_active)
tasks_app.command("delete", cls=_Command)(commands.tasks_delete)
faces_app.command("add", cls=_Command)(commands.faces_add)
faces_app.command("list", cls=_Command)(commands.faces_list)
faces_app.command("delete", cls=_Command)(commands.faces_delete)
app.command("batch", cls=_Command)(batches.batch)
app.command("credits", cls=_Command)(batches.credits)
webhook_app.command("listen", cls=_Command)(webhooks.listen)
app.command("sim", cls=_Command, context_settings=SIM_CONTEXT, add_help_option=False)(sim)
app.command("demo", cls=_Command)(demo)


def main() -> None:
    """Console script entry point (``a2e-faceswap``)."""
    app(prog_name=PROG)
