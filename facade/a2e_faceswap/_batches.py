"""``client.batch``: run a manifest of face swaps (see ``_batch`` for the rules), and its report.

``run(jobs, out_dir)`` reads and checks every row before anything is sent (``_manifest``), opens the
batch's journal (``_journal``; ``out_dir/.a2e-batch.sqlite`` by default), drives the scheduler to the
end, and writes ``out_dir/report.csv``: one line per row, texts from the server neutralised against
spreadsheet formulas. ``BatchReport.exit_code`` is the command line's: 0 every row saved, 1 some
failed, 75 rows left pending or in doubt (credits ran out, the budget was reached, a create's outcome
could not be settled): run again to continue.

With ``events=`` (a started ``webhooks.Listener``), every create carries ``webhook_url`` (the listener's
``url`` unless given: the address A2E can reach, e.g. a tunnel to it) and the listener's token as
``webhook_token``; statuses are then read on its events, and periodically only as a fallback (``_batch``).
"""

from __future__ import annotations

import csv
import io
import os
import secrets
from collections.abc import Callable, Mapping
from contextlib import nullcontext
from pathlib import Path
from typing import TYPE_CHECKING

import attrs
from attrs import frozen

from ._account import FACE_SWAP_TASK_ROUTE
from ._api import AsyncApi, SyncApi
from ._batch import BatchEvent, BatchScheduler, Inputs, Settings, run_async, run_sync
from ._batch_plan import BatchPlan, Jobs, journal_path, manifest_path, plan, quote_body, select
from ._download import Destination, local_errors, remove_leftovers
from ._logging import scrub
from ._resource import Resource
from .errors import A2EError, InvalidInputError, ManifestError

if TYPE_CHECKING:
    from ._account import Account, AsyncAccount
    from ._journal import Journal
    from ._manifest import Row
    from ._tasks import AsyncTasks, Tasks
    from ._uploads import AsyncUploads, Uploads
    from ._webhook_listener import Inbox, Listener

__all__ = ["AsyncBatch", "Batch", "BatchReport", "BatchRow"]

REPORT_NAME = "report.csv"
#: Exit code of a run that left rows to do (BSD's EX_TEMPFAIL: try again later).
EXIT_RERUN = 75
#: Exit code of a run stopped because A2E refused the API key (an API error, as for every command).
EXIT_AUTH = 3
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@frozen
class BatchRow:
    """One row of the report."""

    line: int
    key: str
    name: str | None
    face: str
    video: str
    output: str
    state: str
    task_id: str | None
    result_path: str | None
    message: str | None
    error_code: str | None


@frozen
class BatchReport:
    """What a batch run did: every row, the counts by state, and where the report and journal are."""

    batch_id: str
    rows: tuple[BatchRow, ...]
    counts: Mapping[str, int]
    report_path: Path
    journal_path: Path
    #: Why creation stopped early: ``"credits"`` (A2E answered 402), ``"budget"`` (max_credits reached,
    #: or the credits spent could not be told), ``"auth"`` (A2E refused the API key), or None.
    paused: str | None
    #: Credits this run spent (from the quote, or the balance), when known; with a quote, a create whose
    #: outcome is still unknown counts.
    credits_spent: float | None
    #: Credits the batch's runs spent so far, this one's included (what ``max_credits`` limits), when
    #: this run's is known.
    batch_credits_spent: float | None = None

    @property
    def exit_code(self) -> int:
        if self.paused == "auth":
            return EXIT_AUTH
        left = sum(self.counts.get(state, 0) for state in ("pending", "creating", "doubt", "created"))
        if left:
            return EXIT_RERUN
        if any(row.state != "saved" for row in self.rows):
            return 1
        return 0


def _settings(concurrency: object, max_credits: object, task_timeout: object, poll: object) -> Settings:
    def number(value: object, what: str) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
            raise InvalidInputError(f"{what} must be a number > 0, got {value!r}")
        return float(value)

    if isinstance(concurrency, bool) or not isinstance(concurrency, int) or concurrency < 1:
        raise InvalidInputError(f"concurrency must be an int >= 1, got {concurrency!r}")
    return Settings(
        concurrency=concurrency,
        max_credits=None if max_credits is None else number(max_credits, "max_credits"),
        task_timeout=number(task_timeout, "task_timeout"),
        poll_interval=number(poll, "poll_interval"),
    )


def _webhook(events: object, webhook_url: str | None) -> tuple[str, str] | None:
    """The (url, token) the creates carry, checked before anything is sent."""
    from ._validation import check_webhook_url

    if events is None:
        if webhook_url is not None:
            raise InvalidInputError("webhook_url needs events= (the webhooks.Listener it reaches)")
        return None
    from ._webhook_listener import Listener

    if not isinstance(events, Listener):
        raise InvalidInputError(f"events must be a webhooks.Listener, got {type(events).__name__}")
    url = events.url if webhook_url is None else webhook_url
    return check_webhook_url(url), events._token_for_tasks()


def _inbox(events: Listener | None) -> nullcontext[None] | Inbox:
    return nullcontext() if events is None else events.inbox()


def _cell(value: object, secret: str) -> str:
    text = "" if value is None else scrub(str(value), secret)
    return "'" + text if text.startswith(_FORMULA_START) else text


class _Run:
    """One run's setup, shared by both clients: rows checked, output folder made, journal opened."""

    def __init__(
        self,
        jobs: Jobs,
        out_dir: str | os.PathLike[str],
        journal: str | os.PathLike[str] | None,
        batch_id: str | None,
        shard: object,
        retry_failed: bool,
        webhook: tuple[str, str] | None = None,
    ) -> None:
        from ._journal import Journal

        rows, _ = select(jobs, shard, batch_id)
        self.rows: list[Row] = rows
        self.out_dir = Destination.of(os.fspath(out_dir) + os.sep).prepare().folder.absolute()
        self.journal_path = journal_path(self.out_dir, journal)
        manifest = manifest_path(jobs)
        _check_outputs(rows, self.out_dir, self.journal_path, manifest)
        self.journal: Journal = Journal.open(self.journal_path, batch_id=batch_id)
        try:
            self.journal.sync_rows(rows)
            if retry_failed:
                self.journal.retry_failed()
        except BaseException:
            self.journal.close()
            raise
        self.inputs = Inputs(rows, self.journal, webhook)
        self.outputs = {row.key: row.output for row in rows}
        # the journal's lock is ours: no run of this batch is writing these
        remove_leftovers([self.out_dir / output for output in (*self.outputs.values(), REPORT_NAME)])

    def scheduler(
        self, settings: Settings, api: SyncApi | AsyncApi, on_event: Callable[[BatchEvent], object] | None
    ) -> BatchScheduler:
        from ._manifest import task_name

        batch_id = self.journal.batch_id
        return BatchScheduler(
            self.journal,
            settings,
            api.config.retry,
            lambda key, attempt: task_name(batch_id, key, attempt),
            on_event=on_event,
        )

    def report(self, scheduler: BatchScheduler, secret: str) -> BatchReport:
        by_key = {row.key: row for row in self.rows}
        lines = []
        for record in self.journal.rows():
            row = by_key.get(record.key)
            if row is None:  # another shard's row, or one this manifest no longer lists
                continue
            note = scheduler.slot(record.key).note if record.key in scheduler else None
            lines.append(
                BatchRow(
                    line=record.line,
                    key=record.key,
                    name=row.name,
                    face=str(row.face),
                    video=str(row.video),
                    output=row.output,
                    state=record.state,
                    task_id=record.task_id,
                    result_path=record.result_path,
                    message=note or record.message,
                    error_code=record.code,
                )
            )
        lines.sort(key=lambda r: r.line)
        report_path = self.out_dir / REPORT_NAME
        self._write(report_path, lines, secret)
        counts: dict[str, int] = {}
        for line in lines:
            counts[line.state] = counts.get(line.state, 0) + 1
        return BatchReport(
            batch_id=self.journal.batch_id,
            rows=tuple(lines),
            counts=counts,
            report_path=report_path,
            journal_path=self.journal_path,
            paused=scheduler.paused,
            credits_spent=scheduler.credits_spent(),
            batch_credits_spent=scheduler.batch_credits_spent(),
        )

    @staticmethod
    def _write(path: Path, rows: list[BatchRow], secret: str) -> None:
        """report.csv, atomically: each cell scrubbed of the token and neutralised against formulas."""
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        fields = [
            "line",
            "key",
            "name",
            "face",
            "video",
            "output",
            "state",
            "task_id",
            "result_path",
            "message",
            "error_code",
        ]
        writer.writerow(fields)
        for row in rows:
            writer.writerow([_cell(getattr(row, field), secret) for field in fields])
        temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}.part")
        with local_errors("write", path):
            temporary.write_text(buffer.getvalue(), encoding="utf-8")
            temporary.replace(path)


def _real(path: Path, what: str) -> Path:
    """``path`` with its symlinks followed; one that cannot be (a NUL byte, a symlink loop) is refused."""
    try:
        return path.resolve()
    except (ValueError, OSError, RuntimeError) as error:  # RuntimeError: a symlink loop (Python 3.11)
        raise InvalidInputError(f"{what} {str(path)[:80]!r} cannot be used ({error})") from None


def _check_outputs(rows: list[Row], out_dir: Path, journal: Path, manifest: Path | None) -> None:
    """Before anything is sent: every output lands inside ``out_dir`` once symlinks are followed, and
    none is a file the batch reads or keeps (the manifest, the journal and its companions, an input)."""
    root = _real(out_dir, "output folder")
    real = _real(journal, "journal path")
    kept = {real.with_name(real.name + end) for end in ("", "-wal", "-shm", ".lock")}
    kept |= {_real(manifest, "manifest")} if manifest is not None else set()
    inputs = {
        _real(source, "input") for row in rows for source in (row.face, row.video) if isinstance(source, Path)
    }
    problems: list[tuple[int, str]] = []
    for row in rows:
        target = _real((out_dir / row.output).parent, "output") / Path(row.output).name
        if not target.is_relative_to(root):
            problems.append((row.line, f"output {row.output!r} leads outside the output folder (a symlink)"))
        elif target in kept or target in inputs:
            what = "an input of the batch" if target in inputs else "a file the batch keeps"
            problems.append((row.line, f"output {row.output!r} would overwrite {what} ({target})"))
    if problems:
        raise ManifestError(problems)


def _coins(credits: object) -> float | None:
    coins = getattr(credits, "coins", None)
    return float(coins) if isinstance(coins, int | float) and not isinstance(coins, bool) else None


class Batch(Resource[SyncApi]):
    """``client.batch`` (sync)."""

    def __init__(self, api: SyncApi, tasks: Tasks, uploads: Uploads, account: Account) -> None:
        self._api = api
        self._tasks = tasks
        self._uploads = uploads
        self._account = account

    def run(
        self,
        jobs: Jobs,
        out_dir: str | os.PathLike[str],
        *,
        journal: str | os.PathLike[str] | None = None,
        batch_id: str | None = None,
        concurrency: int = 8,
        max_credits: float | None = None,
        shard: str | tuple[int, int] | None = None,
        retry_failed: bool = False,
        task_timeout: float = 7200.0,
        poll_interval: float = 5.0,
        on_event: Callable[[BatchEvent], object] | None = None,
        events: Listener | None = None,
        webhook_url: str | None = None,
    ) -> BatchReport:
        """Run every row of ``jobs`` (a manifest path, or ``Job``s) into ``out_dir``; see ``_batch``.
        With ``events`` (a started ``webhooks.Listener``) statuses are read on its webhook events
        (``webhook_url``: where A2E reaches it, by default ``events.url``), polling every
        10 x ``poll_interval`` only as the fallback."""
        settings = _settings(concurrency, max_credits, task_timeout, poll_interval)
        webhook = _webhook(events, webhook_url)
        settings = attrs.evolve(settings, events=webhook is not None)
        run = _Run(jobs, out_dir, journal, batch_id, shard, retry_failed, webhook)
        with run.journal, _inbox(events) as inbox:
            scheduler = run.scheduler(settings, self._api, on_event)
            scheduler.cost = self._cost(run)  # also for the report's credits_spent
            if scheduler.cost is None:
                scheduler.balance(self._balance())
            elif scheduler.balance_to_catch_up:
                scheduler.catch_up(self._balance())
            run_sync(
                scheduler,
                run.inputs,
                self._api,
                self._tasks,
                self._uploads,
                run.out_dir,
                run.outputs,
                self._balance,
                self._api.sleep,
                inbox,
            )
            return run.report(scheduler, self._api.secret)

    def plan(
        self, jobs: Jobs, *, shard: str | tuple[int, int] | None = None, batch_id: str | None = None
    ) -> BatchPlan:
        """What ``run`` would do, sending nothing: the rows checked (every problem with its line) and
        the local files it would upload (once each, by content)."""
        return plan(jobs, shard=shard, batch_id=batch_id)

    def _cost(self, run: _Run) -> float | None:
        try:
            return self._account.quote(FACE_SWAP_TASK_ROUTE, quote_body(run.rows)).credits
        except A2EError:
            return None

    def _balance(self) -> float | None:
        try:
            return _coins(self._account.credits())
        except A2EError:
            return None


class AsyncBatch(Resource[AsyncApi]):
    """``client.batch`` (async): ``await client.batch.run(...)``, the same arguments."""

    def __init__(
        self, api: AsyncApi, tasks: AsyncTasks, uploads: AsyncUploads, account: AsyncAccount
    ) -> None:
        self._api = api
        self._tasks = tasks
        self._uploads = uploads
        self._account = account

    async def run(
        self,
        jobs: Jobs,
        out_dir: str | os.PathLike[str],
        *,
        journal: str | os.PathLike[str] | None = None,
        batch_id: str | None = None,
        concurrency: int = 8,
        max_credits: float | None = None,
        shard: str | tuple[int, int] | None = None,
        retry_failed: bool = False,
        task_timeout: float = 7200.0,
        poll_interval: float = 5.0,
        on_event: Callable[[BatchEvent], object] | None = None,
        events: Listener | None = None,
        webhook_url: str | None = None,
    ) -> BatchReport:
        """See ``Batch.run``."""
        settings = _settings(concurrency, max_credits, task_timeout, poll_interval)
        webhook = _webhook(events, webhook_url)
        settings = attrs.evolve(settings, events=webhook is not None)
        run = _Run(jobs, out_dir, journal, batch_id, shard, retry_failed, webhook)
        with run.journal, _inbox(events) as inbox:
            scheduler = run.scheduler(settings, self._api, on_event)
            scheduler.cost = await self._cost(run)  # also for the report's credits_spent
            if scheduler.cost is None:
                scheduler.balance(await self._balance())
            elif scheduler.balance_to_catch_up:
                scheduler.catch_up(await self._balance())
            await run_async(
                scheduler,
                run.inputs,
                self._api,
                self._tasks,
                self._uploads,
                run.out_dir,
                run.outputs,
                self._balance,
                self._api.sleep,
                inbox,
            )
            return run.report(scheduler, self._api.secret)

    def plan(
        self, jobs: Jobs, *, shard: str | tuple[int, int] | None = None, batch_id: str | None = None
    ) -> BatchPlan:
        """See ``Batch.plan`` (it sends nothing, so it is not awaited)."""
        return plan(jobs, shard=shard, batch_id=batch_id)

    async def _cost(self, run: _Run) -> float | None:
        try:
            return (await self._account.quote(FACE_SWAP_TASK_ROUTE, quote_body(run.rows))).credits
        except A2EError:
            return None

    async def _balance(self) -> float | None:
        try:
            return _coins(await self._account.credits())
        except A2EError:
            return None
