"""``client.tasks``: face swap video tasks — create (duplicate-safe), read, list, wait, download, run."""

from __future__ import annotations

import builtins
import contextlib
import os
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from . import _endpoints as endpoints
from ._api import AsyncApi, SyncApi
from ._create import (
    LOOKUP_PAGE_SIZE,
    CreatePlan,
    create_async,
    create_sync,
    resolve_async,
    resolve_sync,
)
from ._download import (
    MAX_RESULT_BYTES,
    MIN_RATE,
    RATE_WINDOW,
    Destination,
    OnProgress,
    RateWatch,
    download_async,
    download_sync,
    max_bytes_setting,
)
from ._paging import PageCursor
from ._reading import RequestTimeout
from ._resource import Resource
from ._types import NOT_GIVEN, TimeoutArg
from ._uploads import AsyncUploads, Uploads
from ._validation import answered_id, check_http_url, check_id, check_ids, check_page, check_page_size
from ._waiting import wait_async, wait_sync
from .errors import A2EError, CreateOutcomeUnknownError, InvalidInputError, UnreadableResponseError
from .models import ActiveTask, RunResult, Task, TaskPage

if TYPE_CHECKING:
    from a2e_api.models import BatchDetailRequest, TaskRecordsResponse

    from ._webhook_listener import Listener

__all__ = ["AsyncTasks", "Tasks"]

TASK_WAIT_TIMEOUT = 3600.0
TASK_POLL_INTERVAL = 5.0
#: ids per batch_task_detail request (A2E states 200 for its other batch operations; we stay below).
BATCH_SIZE = 100

PathArg = str | os.PathLike[str]


# ------------------------------------------------------------------ shared, no I/O


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


def _batch_body(ids: builtins.list[str]) -> BatchDetailRequest:
    from a2e_api.models.batch_detail_request import BatchDetailRequest

    return BatchDetailRequest(ids=ids)


# ------------------------------------------------------------------ sync


class Tasks(Resource[SyncApi]):
    """``client.tasks`` (sync)."""

    def __init__(self, api: SyncApi, uploads: Uploads) -> None:
        self._api = api
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
        plan = CreatePlan.of(
            face, video, name, cover_url, model_version, webhook_url, webhook_token, deadline
        )
        body = plan.body(
            self._uploads.url_for(plan.face, timeout), self._uploads.url_for(plan.video, timeout)
        )
        return create_sync(self._api, plan, body, self._lookup(timeout), timeout)

    def _lookup(self, timeout: TimeoutArg) -> Callable[[int], TaskPage]:
        return lambda page: self.list(page, LOOKUP_PAGE_SIZE, timeout=timeout)

    def resolve(self, error: CreateOutcomeUnknownError, *, timeout: TimeoutArg = NOT_GIVEN) -> Task | None:
        """The task a create that raised ``error`` made, or ``None`` when a conclusive lookup shows it
        made none (then creating again cannot pay twice). Waits until ``error.resolvable_at`` first;
        raises ``CreateOutcomeUnknownError`` again if the records still cannot tell."""
        return resolve_sync(self._api, error, self._lookup(timeout))

    def get(self, task_id: str, *, timeout: TimeoutArg = NOT_GIVEN) -> Task:
        """The task's current record (the source of truth for its state)."""
        answer = self._api.call(endpoints.GET_TASK, timeout, field_id=check_id(task_id, "task_id"))
        return Task.from_wire(answer.data.to_dict())

    def get_many(self, task_ids: Iterable[str], *, timeout: TimeoutArg = NOT_GIVEN) -> dict[str, Task]:
        """Records of several tasks, keyed by id in the order asked; unknown ids are absent."""
        wanted = check_ids(task_ids, "task_ids")
        found: builtins.list[Task] = []
        for start in range(0, len(wanted), BATCH_SIZE):
            body = _batch_body(wanted[start : start + BATCH_SIZE])
            answer = self._api.call(endpoints.BATCH_TASK_DETAIL, timeout, body=body)
            found.extend(Task.from_wire(row.to_dict()) for row in answer.data)
        return _by_id(found, wanted)

    def list(self, page: int = 1, page_size: int = 10, *, timeout: TimeoutArg = NOT_GIVEN) -> TaskPage:
        """One page of task records, newest first, with the total count."""
        page, page_size = check_page(page), check_page_size(page_size)
        answer = self._api.call(endpoints.LIST_TASK_RECORDS, timeout, page_num=page, page_size=page_size)
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
            ActiveTask.from_wire(row.to_dict())
            for row in self._api.call(endpoints.LIST_TASK_STATUSES, timeout).data
        ]

    def delete(self, task_id: str, *, timeout: TimeoutArg = NOT_GIVEN) -> None:
        """Delete a task record (A2E does not promise to stop processing that has started)."""
        self._api.call(endpoints.DELETE_TASK, timeout, field_id=check_id(task_id, "task_id"))

    def wait(
        self,
        task: str | Task,
        *,
        timeout: float | None = TASK_WAIT_TIMEOUT,
        poll_interval: float = TASK_POLL_INTERVAL,
        on_update: Callable[[Task], object] | None = None,
        request_timeout: TimeoutArg = NOT_GIVEN,
        events: Listener | None = None,
    ) -> Task:
        """Poll ``get_task`` until the task completes (returned) or fails (``TaskFailedError``).

        ``timeout`` is the overall deadline in seconds (``WaitTimeoutError``; the task is left alone),
        ``request_timeout`` the per-request one, clipped for each poll to the time left before the
        deadline (see ``_polling``); ``on_update(task)`` runs on every status change. With ``events``
        (a ``webhooks.Listener`` the task's ``webhook_url`` points at) an event for the task ends the
        current sleep and the task is read at once; polling stays the safety net, so give a long
        ``poll_interval`` (see ``_waiting``).
        """
        subject = _subject(task)
        task_id = subject[0]

        def fetch(timeout: RequestTimeout) -> Task:
            answer = self._api.call(endpoints.GET_TASK, timeout, retry=False, field_id=task_id)
            return Task.from_wire(answer.data.to_dict())

        return wait_sync(
            self._api, fetch, subject, timeout, poll_interval, on_update, request_timeout, events
        )

    def download(
        self,
        task_or_url: Task | str,
        path: PathArg,
        on_progress: OnProgress | None = None,
        *,
        timeout: TimeoutArg = NOT_GIVEN,
        min_rate: float = MIN_RATE,
        rate_window: float = RATE_WINDOW,
        max_bytes: int | None = MAX_RESULT_BYTES,
    ) -> Path:
        """Save a result (a completed ``Task``, a task id, or a result URL) to ``path``; return the
        file's path. ``path`` is the file, or a directory (one that exists, or any path ending with a
        separator: created) to save ``<task id>.<ext>`` into. Streamed, atomic; a download cut off
        midway is resumed with a Range request. ``timeout`` bounds each wait for bytes, not the whole
        download; an attempt averaging under ``min_rate`` bytes/s over ``rate_window`` seconds fails
        and is retried; a result over ``max_bytes`` (16 GiB; ``None``: no bound) is refused, leaving no
        file (``ResponseTooLargeError``; see ``_download``)."""
        url, task_id = _download_source(task_or_url)
        watch, limit = RateWatch.of(min_rate, rate_window), max_bytes_setting(max_bytes)
        with _concerning(task_id):
            place = Destination.of(path).prepare()
            if url is None:
                assert task_id is not None
                url = _result_url(self.get(task_id, timeout=timeout))
            target = place.target(url, task_id)
            return download_sync(self._api, url, target, on_progress, watch, timeout, limit)

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
        events: Listener | None = None,
    ) -> RunResult:
        """Create a task, wait for it, and download the result if ``download_to`` is given.

        ``download_to`` is checked (and its directory made) before the task is created; an error after
        that carries the paid task's id in ``error.task_id``, with a note on how to resume. ``events``
        goes to the wait (see ``wait``): pass ``webhook_url=listener.url`` and the listener's token."""
        if download_to is not None:
            Destination.of(download_to).prepare()
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
                events=events,
            )
            if download_to is None:
                return RunResult(task=task)
            return RunResult(
                task=task, path=self.download(task, download_to, on_progress, timeout=request_timeout)
            )


# ------------------------------------------------------------------ async


class AsyncTasks(Resource[AsyncApi]):
    """``client.tasks`` (async): the same methods as ``Tasks``, awaited (``iter`` is ``async for``)."""

    def __init__(self, api: AsyncApi, uploads: AsyncUploads) -> None:
        self._api = api
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
        plan = CreatePlan.of(
            face, video, name, cover_url, model_version, webhook_url, webhook_token, deadline
        )
        face_url = await self._uploads.url_for(plan.face, timeout)
        body = plan.body(face_url, await self._uploads.url_for(plan.video, timeout))
        return await create_async(self._api, plan, body, self._lookup(timeout), timeout)

    def _lookup(self, timeout: TimeoutArg) -> Callable[[int], Awaitable[TaskPage]]:
        return lambda page: self.list(page, LOOKUP_PAGE_SIZE, timeout=timeout)

    async def resolve(
        self, error: CreateOutcomeUnknownError, *, timeout: TimeoutArg = NOT_GIVEN
    ) -> Task | None:
        """The task a create that raised ``error`` made, or ``None`` (see ``Tasks.resolve``)."""
        return await resolve_async(self._api, error, self._lookup(timeout))

    async def get(self, task_id: str, *, timeout: TimeoutArg = NOT_GIVEN) -> Task:
        """The task's current record (the source of truth for its state)."""
        answer = await self._api.call(endpoints.GET_TASK, timeout, field_id=check_id(task_id, "task_id"))
        return Task.from_wire(answer.data.to_dict())

    async def get_many(self, task_ids: Iterable[str], *, timeout: TimeoutArg = NOT_GIVEN) -> dict[str, Task]:
        """Records of several tasks, keyed by id in the order asked; unknown ids are absent."""
        wanted = check_ids(task_ids, "task_ids")
        found: builtins.list[Task] = []
        for start in range(0, len(wanted), BATCH_SIZE):
            body = _batch_body(wanted[start : start + BATCH_SIZE])
            answer = await self._api.call(endpoints.BATCH_TASK_DETAIL, timeout, body=body)
            found.extend(Task.from_wire(row.to_dict()) for row in answer.data)
        return _by_id(found, wanted)

    async def list(self, page: int = 1, page_size: int = 10, *, timeout: TimeoutArg = NOT_GIVEN) -> TaskPage:
        """One page of task records, newest first, with the total count."""
        page, page_size = check_page(page), check_page_size(page_size)
        answer = await self._api.call(
            endpoints.LIST_TASK_RECORDS, timeout, page_num=page, page_size=page_size
        )
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
        answer = await self._api.call(endpoints.LIST_TASK_STATUSES, timeout)
        return [ActiveTask.from_wire(row.to_dict()) for row in answer.data]

    async def delete(self, task_id: str, *, timeout: TimeoutArg = NOT_GIVEN) -> None:
        """Delete a task record (A2E does not promise to stop processing that has started)."""
        await self._api.call(endpoints.DELETE_TASK, timeout, field_id=check_id(task_id, "task_id"))

    async def wait(
        self,
        task: str | Task,
        *,
        timeout: float | None = TASK_WAIT_TIMEOUT,
        poll_interval: float = TASK_POLL_INTERVAL,
        on_update: Callable[[Task], object] | None = None,
        request_timeout: TimeoutArg = NOT_GIVEN,
        events: Listener | None = None,
    ) -> Task:
        """Poll ``get_task`` until the task completes or fails (see ``Tasks.wait``, also for ``events``).

        ``on_update`` may be a plain function or a coroutine function."""
        subject = _subject(task)
        task_id = subject[0]

        async def fetch(timeout: RequestTimeout) -> Task:
            answer = await self._api.call(endpoints.GET_TASK, timeout, retry=False, field_id=task_id)
            return Task.from_wire(answer.data.to_dict())

        return await wait_async(
            self._api, fetch, subject, timeout, poll_interval, on_update, request_timeout, events
        )

    async def download(
        self,
        task_or_url: Task | str,
        path: PathArg,
        on_progress: OnProgress | None = None,
        *,
        timeout: TimeoutArg = NOT_GIVEN,
        min_rate: float = MIN_RATE,
        rate_window: float = RATE_WINDOW,
        max_bytes: int | None = MAX_RESULT_BYTES,
    ) -> Path:
        """Save a result to ``path`` (see ``Tasks.download``)."""
        url, task_id = _download_source(task_or_url)
        watch, limit = RateWatch.of(min_rate, rate_window), max_bytes_setting(max_bytes)
        with _concerning(task_id):
            place = Destination.of(path).prepare()
            if url is None:
                assert task_id is not None
                url = _result_url(await self.get(task_id, timeout=timeout))
            target = place.target(url, task_id)
            return await download_async(self._api, url, target, on_progress, watch, timeout, limit)

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
        events: Listener | None = None,
    ) -> RunResult:
        """Create a task, wait for it, and download the result if ``download_to`` is given (see
        ``Tasks.run``: the path is checked before paying; later errors carry the task's id)."""
        if download_to is not None:
            Destination.of(download_to).prepare()
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
                events=events,
            )
            if download_to is None:
                return RunResult(task=task)
            path = await self.download(task, download_to, on_progress, timeout=request_timeout)
            return RunResult(task=task, path=path)
