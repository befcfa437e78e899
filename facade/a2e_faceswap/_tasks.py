"""``client.tasks``: face swap video tasks — create (duplicate-safe), read, list, wait, download, run."""

from __future__ import annotations

import builtins
import contextlib
import os
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from pathlib import Path

from a2e_api.models import BatchDetailRequest, CreateTaskRequest, TaskRecordsResponse
from a2e_api.types import UNSET
from attrs import frozen

from . import _endpoints as ep
from ._create import (
    LOOKUP_PAGE_SIZE,
    CreateFlow,
    Found,
    GiveUp,
    Identity,
    NextPage,
    Submit,
    default_task_name,
    resolution,
    still_unknown,
)
from ._download import MIN_RATE, RATE_WINDOW, Destination, DownloadSink, OnProgress, RateWatch
from ._paging import PageCursor
from ._polling import RequestTimeout, WaitMachine
from ._resource import Resource
from ._transport import NOT_GIVEN, AsyncTransport, SyncTransport, TimeoutArg
from ._uploads import AsyncUploads, Uploads
from ._validation import (
    MediaSource,
    answered_id,
    check_http_url,
    check_id,
    check_ids,
    check_model_version,
    check_name,
    check_page,
    check_page_size,
    check_webhook_token,
    check_webhook_url,
    media_source,
)
from ._waiting import wait_async, wait_sync
from .errors import A2EError, CreateOutcomeUnknownError, InvalidInputError, UnreadableResponseError
from .models import ActiveTask, RunResult, Task, TaskPage

__all__ = ["AsyncTasks", "Tasks"]

TASK_WAIT_TIMEOUT = 3600.0
TASK_POLL_INTERVAL = 5.0
#: ids per batch_task_detail request (A2E states 200 for its other batch operations; we stay below).
BATCH_SIZE = 100

PathArg = str | os.PathLike[str]


# ------------------------------------------------------------------ shared, no I/O


@frozen
class CreatePlan:
    """A validated ``tasks.create`` call: everything checked before the first request."""

    face: MediaSource
    video: MediaSource
    name: str
    cover_url: str | None
    model_version: str | None
    webhook_url: str | None
    webhook_token: str | None

    @classmethod
    def of(
        cls,
        face: object,
        video: object,
        name: str | None,
        cover_url: str | None,
        model_version: str | None,
        webhook_url: str | None,
        webhook_token: str | None,
    ) -> CreatePlan:
        return cls(
            face=media_source(face, "face"),
            video=media_source(video, "video"),
            name=default_task_name() if name is None else check_name(name),
            cover_url=None if cover_url is None else check_http_url(cover_url, "cover_url"),
            model_version=None if model_version is None else check_model_version(model_version).value,
            webhook_url=None if webhook_url is None else check_webhook_url(webhook_url),
            webhook_token=None if webhook_token is None else check_webhook_token(webhook_token),
        )

    def body(self, face_url: str, video_url: str) -> CreateTaskRequest:
        return CreateTaskRequest(
            name=self.name,
            face_url=face_url,
            video_url=video_url,
            cover_url=self.cover_url if self.cover_url is not None else UNSET,
            model_version=check_model_version(self.model_version)
            if self.model_version is not None
            else UNSET,
            webhook_url=self.webhook_url if self.webhook_url is not None else UNSET,
            webhook_token=self.webhook_token if self.webhook_token is not None else UNSET,
        )


def _create_flow(
    transport: SyncTransport | AsyncTransport, body: CreateTaskRequest, deadline: object
) -> CreateFlow:
    if deadline is not None and (
        not isinstance(deadline, int | float) or isinstance(deadline, bool) or not deadline > 0
    ):
        raise InvalidInputError(f"deadline must be a number of seconds > 0 or None, got {deadline!r}")
    return CreateFlow(
        transport.config.retry,
        Identity(body.name, body.face_url, body.video_url),
        deadline=None if deadline is None else transport.now() + float(deadline),
        clock=transport.now,
    )


def _page(answer: TaskRecordsResponse, page: int, page_size: int) -> TaskPage:
    rows = tuple(Task.from_wire(row.to_dict()) for row in answer.data.rows)
    total = answer.data.count if isinstance(answer.data.count, int) else len(rows)
    return TaskPage(items=rows, total=total, page=page, page_size=page_size)


def _by_id(tasks: Iterable[Task], wanted: builtins.list[str]) -> dict[str, Task]:
    found = {task.id: task for task in tasks}
    return {task_id: found[task_id] for task_id in wanted if task_id in found}


def _subject(task: str | Task) -> tuple[str, Task | None]:
    if isinstance(task, Task):
        return answered_id(task.id, "task"), task
    return check_id(task, "task_id"), None


def _download_source(task_or_url: object) -> tuple[str | None, str | None]:
    """(result URL, task id or None for a bare URL); the URL is None when the task must be fetched."""
    if isinstance(task_or_url, Task):
        return _result_url(task_or_url), task_or_url.id or None
    if isinstance(task_or_url, str) and "://" in task_or_url:
        return check_http_url(task_or_url, "url"), None
    return None, check_id(task_or_url, "task_or_url")


def _result_url(task: Task) -> str:
    if task.result_url is None:
        raise InvalidInputError(f"task {task.id} has no result yet (status {task.raw_status!r})")
    try:
        return check_http_url(task.result_url, "result_url")
    except InvalidInputError as error:  # the server's URL, not the caller's input
        raise UnreadableResponseError(
            f"task {task.id}: A2E gave a result URL that cannot be fetched ({error})", operation="download"
        ) from None


def _check_path(path: object) -> Destination:
    """Where a result will be saved, checked and its directory made before anything is paid for."""
    place = Destination.of(path)
    place.prepare()
    return place


@contextlib.contextmanager
def _concerning(task_id: str | None, note: str | None = None) -> Iterator[None]:
    """Our errors raised inside concern the paid task ``task_id``: they carry its id (and ``note``)."""
    try:
        yield
    except A2EError as error:
        if task_id is not None and error.task_id is None:
            error.task_id = task_id
        if task_id is not None and note is not None:
            error.add_note(note)
        raise


def _resume_note(task_id: str, download_to: PathArg | None) -> str:
    then = "" if download_to is None else f", then tasks.download(task, {os.fspath(download_to)!r})"
    return f"task {task_id} was created (and paid for): resume with tasks.wait({task_id!r}){then}"


def _machine(
    transport: SyncTransport | AsyncTransport, task_id: str, timeout: float | None, poll: float
) -> WaitMachine[Task]:
    return WaitMachine[Task](
        task_id, now=transport.now(), timeout=timeout, poll_interval=poll, retry=transport.config.retry
    )


# ------------------------------------------------------------------ sync


class Tasks(Resource[SyncTransport]):
    """``client.tasks`` (sync)."""

    def __init__(self, transport: SyncTransport, uploads: Uploads) -> None:
        self._t = transport
        self._uploads = uploads

    def create(
        self,
        *,
        face: str | os.PathLike[str],
        video: str | os.PathLike[str],
        name: str | None = None,
        cover_url: str | None = None,
        model_version: str | None = None,
        webhook_url: str | None = None,
        webhook_token: str | None = None,
        timeout: TimeoutArg = NOT_GIVEN,
        deadline: float | None = None,
    ) -> Task:
        """Start a face swap task (spends credits); never creates it twice (see ``_create``).

        When an attempt may have been applied, the task is looked up for the retry policy's
        ``settle_window`` before anything is sent again; ``deadline`` (seconds) bounds that. If it
        cannot be told whether the task exists, ``CreateOutcomeUnknownError`` is raised: pass it to
        ``resolve()`` later."""
        plan = CreatePlan.of(face, video, name, cover_url, model_version, webhook_url, webhook_token)
        body = plan.body(
            self._uploads.url_for(plan.face, timeout), self._uploads.url_for(plan.video, timeout)
        )
        flow = _create_flow(self._t, body, deadline)
        step = flow.first()
        while True:
            if isinstance(step, Found):
                return step.task
            if isinstance(step, GiveUp):
                raise step.error
            self._t.sleep(step.delay)
            if isinstance(step, Submit):
                try:
                    answer = self._t.call(ep.CREATE_TASK, timeout, retry=False, body=body)
                    return Task.from_wire(answer.data.to_dict())
                except A2EError as error:
                    step = flow.after_error(error)
            else:
                try:
                    step = flow.after_lookup_page(self.list(step.page, LOOKUP_PAGE_SIZE, timeout=timeout))
                except A2EError as error:
                    step = flow.after_lookup_error(error)

    def resolve(self, error: CreateOutcomeUnknownError, *, timeout: TimeoutArg = NOT_GIVEN) -> Task | None:
        """The task a create that raised ``error`` made, or ``None`` when a conclusive lookup shows it
        made none (then creating again cannot pay twice). Waits until ``error.resolvable_at`` first;
        raises ``CreateOutcomeUnknownError`` again if the records still cannot tell."""
        scan, wait = resolution(error)
        self._t.sleep(wait)
        page = 1
        while True:
            verdict = scan.feed(self.list(page, LOOKUP_PAGE_SIZE, timeout=timeout))
            if isinstance(verdict, Found):
                return verdict.task
            if not isinstance(verdict, NextPage):
                if verdict.conclusive:
                    return None
                raise still_unknown(error, verdict.reason)
            page = verdict.page

    def get(self, task_id: str, *, timeout: TimeoutArg = NOT_GIVEN) -> Task:
        """The task's current record (the source of truth for its state)."""
        answer = self._t.call(ep.GET_TASK, timeout, field_id=check_id(task_id, "task_id"))
        return Task.from_wire(answer.data.to_dict())

    def get_many(self, task_ids: Iterable[str], *, timeout: TimeoutArg = NOT_GIVEN) -> dict[str, Task]:
        """Records of several tasks, keyed by id in the order asked; unknown ids are absent."""
        wanted = check_ids(task_ids, "task_ids")
        found: builtins.list[Task] = []
        for start in range(0, len(wanted), BATCH_SIZE):
            body = BatchDetailRequest(ids=wanted[start : start + BATCH_SIZE])
            answer = self._t.call(ep.BATCH_TASK_DETAIL, timeout, body=body)
            found.extend(Task.from_wire(row.to_dict()) for row in answer.data)
        return _by_id(found, wanted)

    def list(self, page: int = 1, page_size: int = 10, *, timeout: TimeoutArg = NOT_GIVEN) -> TaskPage:
        """One page of task records, newest first, with the total count."""
        page, page_size = check_page(page), check_page_size(page_size)
        answer = self._t.call(ep.LIST_TASK_RECORDS, timeout, page_num=page, page_size=page_size)
        return _page(answer, page, page_size)

    def iter(self, page_size: int = 100, *, timeout: TimeoutArg = NOT_GIVEN) -> Iterator[Task]:
        """Every task record, newest first, fetching one page at a time as you go."""
        return self._walk(PageCursor(check_page_size(page_size)), timeout)

    def _walk(self, cursor: PageCursor, timeout: TimeoutArg) -> Iterator[Task]:
        page_size = cursor.page_size
        while (page := cursor.next_page()) is not None:
            batch = self.list(page, page_size, timeout=timeout)
            yield from cursor.feed(batch.items, batch.total)

    def active(self, *, timeout: TimeoutArg = NOT_GIVEN) -> builtins.list[ActiveTask]:
        """The tasks still in flight (A2E's status list)."""
        return [
            ActiveTask.from_wire(row.to_dict()) for row in self._t.call(ep.LIST_TASK_STATUSES, timeout).data
        ]

    def delete(self, task_id: str, *, timeout: TimeoutArg = NOT_GIVEN) -> None:
        """Delete a task record (A2E does not promise to stop processing that has started)."""
        self._t.call(ep.DELETE_TASK, timeout, field_id=check_id(task_id, "task_id"))

    def wait(
        self,
        task: str | Task,
        *,
        timeout: float | None = TASK_WAIT_TIMEOUT,
        poll_interval: float = TASK_POLL_INTERVAL,
        on_update: Callable[[Task], object] | None = None,
        request_timeout: TimeoutArg = NOT_GIVEN,
    ) -> Task:
        """Poll ``get_task`` until the task completes (returned) or fails (``TaskFailedError``).

        ``timeout`` is the overall deadline in seconds (``WaitTimeoutError``; the task is left alone),
        ``request_timeout`` the per-request one, clipped for each poll to the time left before the
        deadline (see ``_polling``); ``on_update(task)`` runs on every status change.
        """
        task_id, known = _subject(task)
        machine = _machine(self._t, task_id, timeout, poll_interval)

        def fetch(timeout: RequestTimeout) -> Task:
            return Task.from_wire(
                self._t.call(ep.GET_TASK, timeout, retry=False, field_id=task_id).data.to_dict()
            )

        default = self._t.timeout_for(request_timeout)
        return wait_sync(machine, fetch, known, on_update, self._t.sleep, self._t.now, default)

    def download(
        self,
        task_or_url: Task | str,
        path: PathArg,
        on_progress: OnProgress | None = None,
        *,
        timeout: TimeoutArg = NOT_GIVEN,
        min_rate: float = MIN_RATE,
        rate_window: float = RATE_WINDOW,
    ) -> Path:
        """Save a result (a completed ``Task``, a task id, or a result URL) to ``path``; return the
        file's path. ``path`` is the file, or a directory (one that exists, or any path ending with a
        separator: created) to save ``<task id>.<ext>`` into. Streamed, atomic; a download cut off
        midway is resumed with a Range request. ``timeout`` bounds each wait for bytes, not the whole
        download; an attempt averaging under ``min_rate`` bytes/s over ``rate_window`` seconds fails
        and is retried (see ``_download``)."""
        url, task_id = _download_source(task_or_url)
        watch = RateWatch.of(min_rate, rate_window)
        with _concerning(task_id):
            place = _check_path(path)
            if url is None:
                assert task_id is not None
                url = _result_url(self.get(task_id, timeout=timeout))
            with DownloadSink(place.target(url, task_id), on_progress, watch, self._t.now) as sink:

                def attempt() -> None:
                    while True:  # twice at most: a 416 or a foreign 206 is answered by one whole-file request
                        ask = sink.next_request()
                        with self._t.stream(
                            "download",
                            "GET",
                            url,
                            timeout,
                            accept=ask.accept,
                            headers=ask.headers,
                            follow_redirects=True,
                        ) as response:
                            if sink.begin(response.status_code, response.headers):
                                for chunk in response.iter_raw():  # never decoded (see _download)
                                    sink.write(chunk)
                                sink.end()
                                return

                self._t.retrying("download", True, attempt, progressed=sink.state.progressed)
        return sink.target

    def run(
        self,
        *,
        face: str | os.PathLike[str],
        video: str | os.PathLike[str],
        download_to: PathArg | None = None,
        name: str | None = None,
        cover_url: str | None = None,
        model_version: str | None = None,
        webhook_url: str | None = None,
        webhook_token: str | None = None,
        timeout: float | None = TASK_WAIT_TIMEOUT,
        poll_interval: float = TASK_POLL_INTERVAL,
        on_update: Callable[[Task], object] | None = None,
        on_progress: OnProgress | None = None,
        request_timeout: TimeoutArg = NOT_GIVEN,
    ) -> RunResult:
        """Create a task, wait for it, and download the result if ``download_to`` is given.

        ``download_to`` is checked (and its directory made) before the task is created; an error after
        that carries the paid task's id in ``error.task_id``, with a note on how to resume."""
        if download_to is not None:
            _check_path(download_to)
        task = self.create(
            face=face,
            video=video,
            name=name,
            cover_url=cover_url,
            model_version=model_version,
            webhook_url=webhook_url,
            webhook_token=webhook_token,
            timeout=request_timeout,
        )
        with _concerning(task.id, _resume_note(task.id, download_to)):
            task = self.wait(
                task,
                timeout=timeout,
                poll_interval=poll_interval,
                on_update=on_update,
                request_timeout=request_timeout,
            )
            if download_to is None:
                return RunResult(task=task)
            return RunResult(
                task=task, path=self.download(task, download_to, on_progress, timeout=request_timeout)
            )


# ------------------------------------------------------------------ async


class AsyncTasks(Resource[AsyncTransport]):
    """``client.tasks`` (async): the same methods as ``Tasks``, awaited (``iter`` is ``async for``)."""

    def __init__(self, transport: AsyncTransport, uploads: AsyncUploads) -> None:
        self._t = transport
        self._uploads = uploads

    async def create(
        self,
        *,
        face: str | os.PathLike[str],
        video: str | os.PathLike[str],
        name: str | None = None,
        cover_url: str | None = None,
        model_version: str | None = None,
        webhook_url: str | None = None,
        webhook_token: str | None = None,
        timeout: TimeoutArg = NOT_GIVEN,
        deadline: float | None = None,
    ) -> Task:
        """Start a face swap task (spends credits); never creates it twice (see ``Tasks.create``)."""
        plan = CreatePlan.of(face, video, name, cover_url, model_version, webhook_url, webhook_token)
        face_url = await self._uploads.url_for(plan.face, timeout)
        body = plan.body(face_url, await self._uploads.url_for(plan.video, timeout))
        flow = _create_flow(self._t, body, deadline)
        step = flow.first()
        while True:
            if isinstance(step, Found):
                return step.task
            if isinstance(step, GiveUp):
                raise step.error
            await self._t.sleep(step.delay)
            if isinstance(step, Submit):
                try:
                    answer = await self._t.call(ep.CREATE_TASK, timeout, retry=False, body=body)
                    return Task.from_wire(answer.data.to_dict())
                except A2EError as error:
                    step = flow.after_error(error)
            else:
                try:
                    page = await self.list(step.page, LOOKUP_PAGE_SIZE, timeout=timeout)
                    step = flow.after_lookup_page(page)
                except A2EError as error:
                    step = flow.after_lookup_error(error)

    async def resolve(
        self, error: CreateOutcomeUnknownError, *, timeout: TimeoutArg = NOT_GIVEN
    ) -> Task | None:
        """The task a create that raised ``error`` made, or ``None`` (see ``Tasks.resolve``)."""
        scan, wait = resolution(error)
        await self._t.sleep(wait)
        page = 1
        while True:
            verdict = scan.feed(await self.list(page, LOOKUP_PAGE_SIZE, timeout=timeout))
            if isinstance(verdict, Found):
                return verdict.task
            if not isinstance(verdict, NextPage):
                if verdict.conclusive:
                    return None
                raise still_unknown(error, verdict.reason)
            page = verdict.page

    async def get(self, task_id: str, *, timeout: TimeoutArg = NOT_GIVEN) -> Task:
        """The task's current record (the source of truth for its state)."""
        answer = await self._t.call(ep.GET_TASK, timeout, field_id=check_id(task_id, "task_id"))
        return Task.from_wire(answer.data.to_dict())

    async def get_many(self, task_ids: Iterable[str], *, timeout: TimeoutArg = NOT_GIVEN) -> dict[str, Task]:
        """Records of several tasks, keyed by id in the order asked; unknown ids are absent."""
        wanted = check_ids(task_ids, "task_ids")
        found: builtins.list[Task] = []
        for start in range(0, len(wanted), BATCH_SIZE):
            body = BatchDetailRequest(ids=wanted[start : start + BATCH_SIZE])
            answer = await self._t.call(ep.BATCH_TASK_DETAIL, timeout, body=body)
            found.extend(Task.from_wire(row.to_dict()) for row in answer.data)
        return _by_id(found, wanted)

    async def list(self, page: int = 1, page_size: int = 10, *, timeout: TimeoutArg = NOT_GIVEN) -> TaskPage:
        """One page of task records, newest first, with the total count."""
        page, page_size = check_page(page), check_page_size(page_size)
        answer = await self._t.call(ep.LIST_TASK_RECORDS, timeout, page_num=page, page_size=page_size)
        return _page(answer, page, page_size)

    def iter(self, page_size: int = 100, *, timeout: TimeoutArg = NOT_GIVEN) -> AsyncIterator[Task]:
        """Every task record, newest first, fetching one page at a time as you go (``async for``)."""
        return self._walk(PageCursor(check_page_size(page_size)), timeout)

    async def _walk(self, cursor: PageCursor, timeout: TimeoutArg) -> AsyncIterator[Task]:
        page_size = cursor.page_size
        while (page := cursor.next_page()) is not None:
            batch = await self.list(page, page_size, timeout=timeout)
            for task in cursor.feed(batch.items, batch.total):
                yield task

    async def active(self, *, timeout: TimeoutArg = NOT_GIVEN) -> builtins.list[ActiveTask]:
        """The tasks still in flight (A2E's status list)."""
        answer = await self._t.call(ep.LIST_TASK_STATUSES, timeout)
        return [ActiveTask.from_wire(row.to_dict()) for row in answer.data]

    async def delete(self, task_id: str, *, timeout: TimeoutArg = NOT_GIVEN) -> None:
        """Delete a task record (A2E does not promise to stop processing that has started)."""
        await self._t.call(ep.DELETE_TASK, timeout, field_id=check_id(task_id, "task_id"))

    async def wait(
        self,
        task: str | Task,
        *,
        timeout: float | None = TASK_WAIT_TIMEOUT,
        poll_interval: float = TASK_POLL_INTERVAL,
        on_update: Callable[[Task], object] | None = None,
        request_timeout: TimeoutArg = NOT_GIVEN,
    ) -> Task:
        """Poll ``get_task`` until the task completes or fails (see ``Tasks.wait``).

        ``on_update`` may be a plain function or a coroutine function."""
        task_id, known = _subject(task)
        machine = _machine(self._t, task_id, timeout, poll_interval)

        async def fetch(timeout: RequestTimeout) -> Task:
            answer = await self._t.call(ep.GET_TASK, timeout, retry=False, field_id=task_id)
            return Task.from_wire(answer.data.to_dict())

        default = self._t.timeout_for(request_timeout)
        return await wait_async(machine, fetch, known, on_update, self._t.sleep, self._t.now, default)

    async def download(
        self,
        task_or_url: Task | str,
        path: PathArg,
        on_progress: OnProgress | None = None,
        *,
        timeout: TimeoutArg = NOT_GIVEN,
        min_rate: float = MIN_RATE,
        rate_window: float = RATE_WINDOW,
    ) -> Path:
        """Save a result to ``path`` (see ``Tasks.download``)."""
        url, task_id = _download_source(task_or_url)
        watch = RateWatch.of(min_rate, rate_window)
        with _concerning(task_id):
            place = _check_path(path)
            if url is None:
                assert task_id is not None
                url = _result_url(await self.get(task_id, timeout=timeout))
            with DownloadSink(place.target(url, task_id), on_progress, watch, self._t.now) as sink:

                async def attempt() -> None:
                    while True:  # see Tasks.download
                        ask = sink.next_request()
                        async with self._t.stream(
                            "download",
                            "GET",
                            url,
                            timeout,
                            accept=ask.accept,
                            headers=ask.headers,
                            follow_redirects=True,
                        ) as response:
                            if sink.begin(response.status_code, response.headers):
                                async for chunk in response.aiter_raw():  # never decoded
                                    sink.write(chunk)
                                sink.end()
                                return

                await self._t.retrying("download", True, attempt, progressed=sink.state.progressed)
        return sink.target

    async def run(
        self,
        *,
        face: str | os.PathLike[str],
        video: str | os.PathLike[str],
        download_to: PathArg | None = None,
        name: str | None = None,
        cover_url: str | None = None,
        model_version: str | None = None,
        webhook_url: str | None = None,
        webhook_token: str | None = None,
        timeout: float | None = TASK_WAIT_TIMEOUT,
        poll_interval: float = TASK_POLL_INTERVAL,
        on_update: Callable[[Task], object] | None = None,
        on_progress: OnProgress | None = None,
        request_timeout: TimeoutArg = NOT_GIVEN,
    ) -> RunResult:
        """Create a task, wait for it, and download the result if ``download_to`` is given (see
        ``Tasks.run``: the path is checked before paying; later errors carry the task's id)."""
        if download_to is not None:
            _check_path(download_to)
        task = await self.create(
            face=face,
            video=video,
            name=name,
            cover_url=cover_url,
            model_version=model_version,
            webhook_url=webhook_url,
            webhook_token=webhook_token,
            timeout=request_timeout,
        )
        with _concerning(task.id, _resume_note(task.id, download_to)):
            task = await self.wait(
                task,
                timeout=timeout,
                poll_interval=poll_interval,
                on_update=on_update,
                request_timeout=request_timeout,
            )
            if download_to is None:
                return RunResult(task=task)
            path = await self.download(task, download_to, on_progress, timeout=request_timeout)
            return RunResult(task=task, path=path)
