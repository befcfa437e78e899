"""Where everything the command writes goes (so that ``ID=$(a2e-faceswap swap ... --no-wait)`` works).

* stdout carries the result and nothing else. Plain mode: the one value a script wants, as a bare
  line (``swap --no-wait`` the task id, ``upload`` the URL, ``swap`` / ``tasks wait -o`` the saved
  path), or the table that is a listing's result (``tasks list``, ``tasks get``, ``faces list``).
  ``--json``: exactly one JSON document.
* stderr carries everything else, in both modes: progress, status lines, notes, hints, summaries,
  questions. Live status lines and progress bars only when stderr is a terminal; plain lines
  otherwise.
* Errors: one plain line on stderr (never wrapped, never styled), every secret masked; under ``--json``
  also the JSON error document on stdout.
"""

from __future__ import annotations

import json
import os
import sys
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from rich.console import Console, RenderableType
from rich.markup import escape
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)
from rich.text import Text

from .._cli_support import scrub
from ..models import Preview, Task
from ._problems import Problem
from ._render import human_size

__all__ = ["Output", "Stopwatch"]

#: Width of rich output when it is not a terminal (rich's default of 80 folds ids and URLs).
_PIPE_WIDTH = 132
_QUARTERS = (25, 50, 75)


def _console(stderr: bool) -> Console:
    console = Console(stderr=stderr, highlight=False, soft_wrap=True)
    if not console.is_terminal:
        console.width = _PIPE_WIDTH
    return console


class Output:
    def __init__(self, *, json_mode: bool, secret: Callable[[], str | None]) -> None:
        self.json_mode = json_mode
        self._secret = secret
        self.stdout = _console(stderr=False)
        self.stderr = _console(stderr=True)
        #: where progress and notes go (never stdout: it holds the result only)
        self.notes = self.stderr
        self.animate = self.notes.is_terminal
        self._emitted = False

    def _masked(self, text: str) -> str:
        """``text`` with the API key masked in every form (``_logging.scrub``)."""
        return scrub(text, self._secret() or "")

    # ------------------------------------------------------------------ results
    def emit(self, document: Any, human: Callable[[], None] | None = None) -> None:
        """The command's result: ``document`` under --json, else ``human()`` (if given)."""
        if self.json_mode:
            if self._emitted:
                raise RuntimeError("a command emitted two JSON documents")
            self._emitted = True
            text = json.dumps(document, indent=2, ensure_ascii=False, default=str)
            try:
                text.encode("utf-8")
            except UnicodeEncodeError:  # a non-UTF-8 file name: escaped (\udcXX), the JSON stays UTF-8
                text = json.dumps(document, indent=2, default=str)
            sys.stdout.write(self._masked(text) + "\n")
            sys.stdout.flush()
        elif human is not None:
            human()

    def show(self, renderable: RenderableType) -> None:
        """A table that is the command's result, on stdout."""
        self.stdout.print(renderable)

    def result(self, value: str) -> None:
        """The command's one result value (an id, a URL, a path) as a bare line on stdout, unstyled and
        unwrapped; a path's undecodable bytes are written back as they are on disk."""
        line = self._masked(value) + "\n"
        try:
            data = os.fsencode(line)
        except UnicodeEncodeError:  # not from a file name (a lone surrogate sent by the server)
            data = line.encode("utf-8", "backslashreplace")
        sys.stdout.flush()
        binary = getattr(sys.stdout, "buffer", None)
        if binary is None:
            sys.stdout.write(data.decode("utf-8", "backslashreplace"))
            sys.stdout.flush()
        else:
            binary.write(data)
            binary.flush()

    def note(self, *parts: str | tuple[str, str] | Text) -> None:
        """A progress or information line on stderr (``(text, style)`` tuples are styled)."""
        self.notes.print(Text.assemble(*parts))

    def aside(self, renderable: RenderableType) -> None:
        """Anything else on stderr (a summary table)."""
        self.notes.print(renderable)

    # ------------------------------------------------------------------ errors
    def problem(self, problem: Problem, error: BaseException | None, debug: bool) -> None:
        if debug and error is not None:
            sys.stderr.write(self._masked("".join(traceback.format_exception(error))))
        sys.stderr.write(self._masked(problem.line()) + "\n")
        sys.stderr.flush()
        if self.json_mode and not self._emitted:
            self.emit(problem.document())

    # ------------------------------------------------------------------ progress
    @contextmanager
    def waiting(self, kind: str, subject_id: str) -> Iterator[Callable[[Task | Preview], None]]:
        """A live status line while ``kind`` ``subject_id`` runs (plain lines when not animated);
        yields the ``on_update`` callback."""
        label = f"{kind} {subject_id}"
        if not self.animate:
            self.note(f"waiting for {label}")

            def plain(record: Task | Preview) -> None:
                self.note(f"  {label}: ", (record.raw_status or "?", "bold"))

            yield plain
            return
        progress = Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            TimeElapsedColumn(),
            console=self.notes,
            transient=True,
        )
        with progress:
            row = progress.add_task(f"{escape(label)}: waiting for the first status", total=None)

            def live(record: Task | Preview) -> None:
                progress.update(
                    row, description=f"{escape(label)}: [bold]{escape(record.raw_status or '?')}[/]"
                )

            yield live

    @contextmanager
    def downloading(self, what: str) -> Iterator[Callable[[int, int | None], None]]:
        """A progress bar while downloading (quarter lines when not animated); yields ``on_progress``."""
        if not self.animate:
            self.note(f"downloading {what}")
            printed: set[int] = set()

            def plain(done: int, total: int | None) -> None:
                if not total:
                    return
                for quarter in _QUARTERS:
                    if done * 100 >= quarter * total and quarter not in printed:
                        printed.add(quarter)
                        self.note(f"  {quarter}% ({human_size(done)} of {human_size(total)})")

            yield plain
            return
        progress = Progress(
            TextColumn("downloading"),
            BarColumn(),
            DownloadColumn(),
            TransferSpeedColumn(),
            TimeRemainingColumn(),
            console=self.notes,
        )
        with progress:
            row = progress.add_task("download", total=None)

            def live(done: int, total: int | None) -> None:
                progress.update(row, completed=done, total=total)

            yield live


class Stopwatch:
    """Seconds since it was made."""

    def __init__(self) -> None:
        self._start = time.monotonic()

    def __call__(self) -> float:
        return time.monotonic() - self._start
