"""``a2e-faceswap batch`` (a manifest of swaps, through ``client.batch.run``) and ``a2e-faceswap credits``.

``batch`` writes, on stdout, the report's path (plain) or one summary document (``--json``); progress
goes to stderr: a live table when stderr is a terminal, else one line per row event. Its exit code is
the report's (``BatchReport.exit_code``): 0 every row saved, 1 some failed, 75 rows left to do (run the
same command again to continue); 2 and 3 as for every command. ``--dry-run`` checks the manifest,
counts the rows and the uploads and asks A2E's quote (free), and sends nothing that is paid for.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from .. import A2E, BatchEvent, BatchReport
from .._cli_support import (
    FACE_SWAP_TASK_ROUTE,
    BatchPlan,
    journal_path,
    new_batch_id,
    plan,
    scrub,
    states,
    stored_batch_id,
    stored_spending,
)
from ..errors import A2EError
from ._output import Output
from ._problems import ExitCode, Problem
from ._render import human_duration, human_size
from ._session import Session, session_of
from ._webhook import batch_listener, parse_host_port

if TYPE_CHECKING:
    from rich.table import Table

__all__ = ["BatchProgress", "batch", "credits", "run_batch"]

#: the states shown, each with the journal states it gathers (see ``_batch``'s docstring)
GROUPS: tuple[tuple[str, frozenset[str]], ...] = (
    ("pending", frozenset({"pending"})),
    ("in flight", frozenset({"creating", "created", "doubt"})),
    ("completed", frozenset({"completed"})),
    ("saved", frozenset({"saved"})),
    ("failed", frozenset({"failed"})),
)
_RERUN_HINT = "run the same command again to continue (the journal keeps every row's state)"


def _group(state: str) -> str:
    return next((name for name, members in GROUPS if state in members), state)


class BatchProgress:
    """Rows by state, fed by ``on_event`` (each event carries the run's counts and credits spent): a
    live table on a terminal, one stderr line per event else. ``known`` holds the states a resumed run
    starts from (``states``), shown before the first event."""

    def __init__(self, out: Output, keys: Sequence[str], known: Mapping[str, str], mask: str) -> None:
        self._out = out
        self._total = len(keys)
        self._by_state: Mapping[str, int] = Counter(known.get(key, "pending") for key in keys)
        self._spent: float | None = None
        self._mask = mask
        self._start = time.monotonic()
        self._done_at_start = self.done()
        self.paused: str | None = None
        self._live: Any = None

    def counts(self) -> dict[str, int]:
        return {name: sum(self._by_state.get(state, 0) for state in members) for name, members in GROUPS}

    def done(self) -> int:
        counts = self.counts()
        return counts["saved"] + counts["failed"]

    def eta(self) -> float | None:
        """Seconds left at this run's pace (rows saved or failed per second), when there is one."""
        finished = self.done() - self._done_at_start
        left = self._total - self.done()
        elapsed = time.monotonic() - self._start
        if finished <= 0 or left <= 0 or elapsed <= 0:
            return None
        return left * elapsed / finished

    def spent(self) -> float | None:
        return self._spent

    def _text(self, text: str) -> str:
        return scrub(text, self._mask)

    def __call__(self, event: BatchEvent) -> None:
        self._by_state, self._spent = event.counts, event.credits_spent
        if event.kind in ("paused", "budget"):
            self.paused = event.message or event.kind
        if self._live is not None:
            self._live.update(self.table())
            return
        if event.key is None:
            self._out.note(f"batch {event.kind}: {self._text(event.message or '')}")
            return
        line = f"[{self.done()}/{self._total}] line {event.line}: {event.kind}"
        if event.task_id:
            line += f" (task {event.task_id})"
        if event.message:
            line += f": {self._text(event.message)}"
        self._out.note(line)

    def table(self) -> Table:
        from rich import box
        from rich.table import Table

        counts = self.counts()
        table = Table(box=box.SIMPLE, title=f"batch: {self.done()}/{self._total} done", title_justify="left")
        for name, _ in GROUPS:
            table.add_column(name, justify="right")
        table.add_column("credits", justify="right")
        table.add_column("ETA", justify="right")
        spent = self.spent()
        table.add_row(
            *(str(counts[name]) for name, _ in GROUPS),
            "-" if spent is None else f"{spent:g}",
            human_duration(self.eta()),
        )
        if self.paused:
            table.caption = f"creation paused: {self._text(self.paused)}"
        return table

    @contextmanager
    def shown(self) -> Iterator[BatchProgress]:
        """The live table while inside (on a terminal); plain lines otherwise."""
        if not self._out.animate:
            yield self
            return
        from rich.live import Live

        with Live(self.table(), console=self._out.notes, refresh_per_second=4) as live:
            self._live = live
            try:
                yield self
            finally:
                live.update(self.table())
                self._live = None


def _tolerant(call: Callable[[], Any]) -> Any:
    """``call()``, or None when A2E refuses or cannot be reached (quotes and balances are optional)."""
    try:
        return call()
    except A2EError:
        return None


def run_batch(
    session: Session,
    client: A2E,
    manifest: Path,
    out_dir: Path,
    *,
    journal: Path | None = None,
    **options: Any,
) -> BatchReport:
    """``client.batch.run(manifest, out_dir, ...)`` with the progress display; ``options`` go to ``run``."""
    out = session.out
    checked = plan(manifest, shard=options.get("shard"), batch_id=options.get("batch_id"), uploads=False)
    known = states(out_dir, journal)
    keys = [row.key for row in checked.rows]
    progress = BatchProgress(out, keys, known, session.secret() or "")
    out.note(
        f"batch {manifest}: {len(keys)} row(s)"
        + (f" of {checked.manifest_rows} (shard {options['shard']})" if options.get("shard") else "")
        + f", {progress.counts()['saved']} already saved; results in {out_dir}"
    )
    with progress.shown():
        return client.batch.run(
            checked, out_dir, journal=journal, on_event=progress, **options
        )  # checked once


def _summary(report: BatchReport) -> dict[str, Any]:
    return {
        "batch_id": report.batch_id,
        "rows": len(report.rows),
        "counts": dict(report.counts),
        "report": str(report.report_path),
        "journal": str(report.journal_path),
        "exit_code": report.exit_code,
        "paused": report.paused,
        "credits_spent": report.credits_spent,
        "batch_credits_spent": report.batch_credits_spent,
    }


def _summary_lines(out: Output, report: BatchReport, mask: str) -> None:
    counts = ", ".join(f"{n} {state}" for state, n in sorted(report.counts.items()))
    out.note(f"batch {report.batch_id}: {counts}")
    if report.credits_spent is not None:
        total = report.batch_credits_spent
        whole = (
            f" ({total:g} by the whole batch)" if total is not None and total != report.credits_spent else ""
        )
        out.note(f"credits spent: {report.credits_spent:g}{whole}")
    for row in report.rows:
        if row.state == "failed":
            where = f" (task {row.task_id})" if row.task_id else ""
            out.note(f"  line {row.line} failed{where}: {scrub(row.message or '?', mask)}")
    if report.exit_code in (ExitCode.RERUN, ExitCode.API):
        why = {
            "credits": "A2E says the credits ran out",
            "budget": "the batch reached --max-credits (a larger one lets it go on), or its spending "
            "could not be told",
            "auth": "A2E refused the API key: set a valid one",
        }.get(report.paused or "", "some rows are not settled yet")
        out.note(f"{why}: rows are left to do; {_RERUN_HINT}")
    out.note("report: ", (str(report.report_path), "bold"))


def _dry_run(
    session: Session, manifest: Path, out_dir: Path, journal: Path | None, options: dict[str, Any]
) -> None:
    out = session.out
    checked: BatchPlan = plan(manifest, shard=options.get("shard"), batch_id=options.get("batch_id"))
    known = states(out_dir, journal)
    redo = {"pending", "failed"} if options.get("retry_failed") else {"pending"}
    to_create = sum(1 for row in checked.rows if known.get(row.key, "pending") in redo)
    cost = balance = None
    if session.secret():  # the quote and the balance spend nothing; without a key, the check alone
        client = session.client()
        quote = _tolerant(lambda: client.account.quote(FACE_SWAP_TASK_ROUTE, checked.quote_body()))
        cost = None if quote is None else quote.credits
        credits_ = _tolerant(client.account.credits)
        balance = None if credits_ is None else credits_.coins
    estimate = None if cost is None else cost * to_create
    limit = options.get("max_credits")
    spent = stored_spending(out_dir, journal, balance)  # by earlier runs: the limit is the batch's
    rows: list[dict[str, Any]] = [
        {
            "line": row.line,
            "key": row.key,
            "name": row.name,
            "face": str(row.face),
            "video": str(row.video),
            "output": row.output,
            "state": known.get(row.key, "pending"),
        }
        for row in checked.rows
    ]
    document = {
        "dry_run": True,
        "manifest_rows": checked.manifest_rows,
        "rows": rows,
        "uploads": [
            {"sha256": digest, "path": str(path), "size": size} for digest, path, size in checked.uploads
        ],
        "to_create": to_create,
        "credits_per_task": cost,
        "estimate": estimate,
        "balance": balance,
        "max_credits": limit,
        "batch_credits_spent": spent,
    }

    def human() -> None:
        from rich import box
        from rich.table import Table

        table = Table(box=box.SIMPLE)
        for column in ("line", "key", "output", "face", "video", "state"):
            table.add_column(column, overflow="fold")
        for row in rows:
            table.add_row(*(str(row[c]) for c in ("line", "key", "output", "face", "video", "state")))
        out.show(table)
        size = sum(size for _, _, size in checked.uploads)
        out.note(
            f"{len(checked.rows)} row(s) of {checked.manifest_rows}, {to_create} to create; "
            f"{len(checked.uploads)} unique local file(s) to upload ({human_size(size)})"
        )
        if estimate is not None:
            text = f"estimate: {estimate:g} credits ({cost:g} a task)"
            if balance is not None:
                text += f"; balance {balance}"
            if limit is not None and spent + estimate > limit:
                room = max(0.0, limit - spent)
                text += (
                    f"; --max-credits {limit} stops after {int(room // cost) if cost else to_create} task(s)"
                )
            out.note(text)
        elif session.secret():
            out.note(
                "estimate: A2E's quote gave none" + (f"; balance {balance}" if balance is not None else "")
            )
        else:
            out.note("estimate: needs an API key (the quote spends nothing)")
        if spent or limit is not None:
            text = f"{spent:g} credit(s) spent by earlier runs"
            out.note(text + (f" of --max-credits {limit}" if limit is not None else ""))
        out.note("dry run: nothing was sent that costs credits")

    out.emit(document, human)


# ------------------------------------------------------------------ the commands


def batch(
    ctx: typer.Context,
    manifest: Annotated[
        Path,
        typer.Argument(
            help="CSV (header: face,video[,name][,output]) or JSON Lines with the same keys; face and "
            "video are http(s) URLs or local files (relative to the manifest).",
            show_default=False,
        ),
    ],
    output: Annotated[
        Path,
        typer.Option(
            "--output", "-o", help="Folder for the results, report.csv and the journal.", show_default=False
        ),
    ],
    concurrency: Annotated[
        int, typer.Option("--concurrency", "-c", min=1, metavar="N", help="Tasks in flight at most.")
    ] = 8,
    journal: Annotated[
        Path | None,
        typer.Option(
            "--journal", help="The batch's journal (default: DIR/.a2e-batch.sqlite).", show_default=False
        ),
    ] = None,
    max_credits: Annotated[
        int | None,
        typer.Option(
            "--max-credits",
            min=1,
            metavar="N",
            help="Stop creating tasks before the batch (all its runs) spends this many credits (exit 75).",
            show_default=False,
        ),
    ] = None,
    batch_id: Annotated[
        str | None,
        typer.Option(
            "--batch-id",
            metavar="ID",
            help="The batch's id (default: a random one, kept in the journal); needed with --shard.",
            show_default=False,
        ),
    ] = None,
    shard: Annotated[
        str | None,
        typer.Option(
            "--shard",
            metavar="K/N",
            help="Take only the rows of shard K of N (0 <= K < N), same --batch-id on every machine.",
            show_default=False,
        ),
    ] = None,
    dry_run: Annotated[
        bool,
        typer.Option(
            "--dry-run", help="Check the manifest, print rows, uploads and estimate; send nothing paid."
        ),
    ] = False,
    retry_failed: Annotated[
        bool, typer.Option("--retry-failed", help="Run failed rows again (as new tasks).")
    ] = False,
    task_timeout: Annotated[
        float,
        typer.Option(
            "--task-timeout", min=1.0, metavar="S", help="Fail a row whose task runs longer (seconds)."
        ),
    ] = 7200.0,
    poll: Annotated[
        float,
        typer.Option(
            "--poll",
            min=0.01,
            metavar="S",
            help="Seconds between status reads (with --webhook-listen: 10 x S, as the fallback).",
        ),
    ] = 5.0,
    webhook_listen: Annotated[
        str | None,
        typer.Option(
            "--webhook-listen",
            metavar="HOST:PORT",
            help="Receive A2E's webhooks here and read statuses when they come (polling only as the "
            "fallback); the batch's own webhook token, the same when it is resumed.",
            show_default=False,
        ),
    ] = None,
    webhook_url: Annotated[
        str | None,
        typer.Option(
            "--webhook-url",
            metavar="URL",
            help="The URL A2E calls, reaching --webhook-listen (e.g. through a tunnel; https). "
            "Default: http://HOST:PORT/ (a local server only, e.g. the simulator).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Run a manifest of face swaps into a folder: resumable, within budget; print the report's path."""
    session = session_of(ctx)
    options: dict[str, Any] = {
        "batch_id": batch_id,
        "concurrency": concurrency,
        "max_credits": max_credits,
        "shard": shard,
        "retry_failed": retry_failed,
        "task_timeout": task_timeout,
        "poll_interval": poll,
    }
    what = f"batch {manifest}"
    with session.guard(what):
        if dry_run:
            if webhook_listen is not None:
                parse_host_port(webhook_listen, "--webhook-listen")
            _dry_run(session, manifest, output, journal, options)
            return
        try:
            client = session.client()
            key, hooked = session.secret() or "", _webhook_batch(webhook_listen, output, journal, options)
            with batch_listener(webhook_listen, webhook_url, key, hooked) as (listener, url):
                if listener is not None:
                    options.update(events=listener, webhook_url=url)
                report = run_batch(session, client, manifest, output, journal=journal, **options)
        except KeyboardInterrupt as error:
            problem = Problem(ExitCode.INTERRUPTED, "KeyboardInterrupt", what, "interrupted", _RERUN_HINT)
            session.out.problem(problem, error, session.settings.debug)
            raise typer.Exit(ExitCode.INTERRUPTED) from None

        def human() -> None:
            _summary_lines(session.out, report, session.secret() or "")
            session.out.result(str(report.report_path))

        session.out.emit(_summary(report), human)
    if report.exit_code:
        raise typer.Exit(report.exit_code)


def _webhook_batch(
    listen: str | None, output: Path, journal: Path | None, options: dict[str, Any]
) -> str | None:
    """The id of the batch ``--webhook-listen`` derives its token from: the one given, else the one its
    journal keeps, else a new one, given to the run (``None``: a journal that cannot be read, or a
    shard without ``--batch-id``, which the run refuses: every machine must share one id)."""
    if listen is None:
        return None
    found: str | None = options["batch_id"] or stored_batch_id(output, journal)
    if found is None and options["shard"] is None and not journal_path(output, journal).exists():
        found = options["batch_id"] = new_batch_id()
    return found


def credits(ctx: typer.Context) -> None:
    """Print the account's remaining credits (coins); --json adds diamonds."""
    session = session_of(ctx)
    with session.guard("credits"):
        balance = session.client().account.credits()
        session.out.emit(
            {"coins": balance.coins, "diamonds": balance.diamonds},
            lambda: session.out.result(str(balance.coins)),
        )
