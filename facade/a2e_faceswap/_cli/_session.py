"""One run of the command: the global options, the client, the output, and the error guard."""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager

import typer
from attrs import define, field

from .. import A2E
from .._cli_support import RedactingFilter, clean_token, logger, register_secret
from ._output import Output
from ._problems import KEY_HINT, ExitCode, UsageProblem, describe, interrupted

__all__ = ["KEY_VARIABLE", "Session", "Settings", "api_secret", "session_of"]

#: the environment variable holding the API key (the client reads the same one)
KEY_VARIABLE = "A2E_API_KEY"


@define(kw_only=True)
class Settings:
    """The global options (``api_key`` is kept out of ``repr``)."""

    api_key: str | None = field(default=None, repr=False)
    base_url: str | None = None
    region: str | None = None
    max_retries: int | None = None
    json: bool = False
    debug: bool = False

    def check(self) -> None:
        """Raise ``UsageProblem`` for options that do not go together or are out of range."""
        if self.base_url is not None and self.region is not None:
            raise UsageProblem(
                "give --base-url or --region, not both", "--region picks A2E's server for that region"
            )
        if self.max_retries is not None and self.max_retries < 0:
            raise UsageProblem(
                f"--max-retries must be 0 or more, got {self.max_retries}", "0 turns retries off"
            )


def api_secret(given: str | None) -> str | None:
    """The API key the command uses: ``given`` (``--api-key``), else ``A2E_API_KEY``, cleaned as the
    client cleans it."""
    key = given or os.environ.get(KEY_VARIABLE)
    return clean_token(key) or None if key else None


class _StderrHandler(logging.Handler):
    """Writes to the current ``sys.stderr`` (which tests may swap)."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            sys.stderr.write(self.format(record) + "\n")
        except Exception:
            self.handleError(record)


class Session:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.out = Output(json_mode=settings.json, secret=self.secret)
        #: id of a task this run started or waits for (reported on Ctrl-C; never deleted)
        self.started: str | None = None
        #: a create_task request is in flight (Ctrl-C now may leave a task behind)
        self.creating = False
        #: the started task completed (Ctrl-C now interrupts the download)
        self.completed = False
        #: False when the server goes away with this run (the demo's simulator): nothing to resume
        self.resumable = True
        #: where the command saves the result (``-o``), repeated in the resume command
        self.output: str | None = None
        self._client: A2E | None = None
        self._handler: logging.Handler | None = None
        self._level = logger.level
        if settings.debug:
            self._log_to_stderr()

    def secret(self) -> str | None:
        """The API key as the client uses it (masked in every output, also when the client refuses it)."""
        return api_secret(self.settings.api_key)

    def client(self) -> A2E:
        """The client for the configured account and server (made once)."""
        if self._client is None:
            key = self.secret()
            if not key:
                raise UsageProblem("no API key", KEY_HINT)
            settings = self.settings
            self._client = A2E(
                api_key=key,
                base_url=settings.base_url,
                region=settings.region,
                max_retries=settings.max_retries,
            )
        return self._client

    def _log_to_stderr(self) -> None:
        handler = _StderrHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        key = self.secret()
        if key:  # as a client does with its token: masked also when the client refuses the key
            register_secret(key)
        handler.addFilter(RedactingFilter())
        logger.addHandler(handler)
        logger.setLevel(logging.DEBUG)
        self._handler = handler

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None
        if self._handler is not None:
            logger.removeHandler(self._handler)
            logger.setLevel(self._level)
            self._handler = None

    @contextmanager
    def guard(self, what: str) -> Iterator[None]:
        """Turn any failure inside into its one-line message and exit code (``typer.Exit``)."""
        try:
            yield
        except typer.Exit:
            raise
        except KeyboardInterrupt as error:
            if self.resumable:
                problem = interrupted(what, self.started, self.creating, self.completed, self.output)
            else:
                problem = interrupted(what, None, False, False)
            self.out.problem(problem, error, self.settings.debug)
            raise typer.Exit(ExitCode.INTERRUPTED) from None
        except Exception as error:
            problem = describe(error, what, self.started if self.resumable else None, self.output)
            self.out.problem(problem, error, self.settings.debug)
            raise typer.Exit(problem.code) from None


def session_of(ctx: typer.Context) -> Session:
    """The run's ``Session`` (set by the root callback)."""
    session = ctx.find_object(Session)
    if session is None:
        raise RuntimeError("no session: the root callback did not run")
    return session
