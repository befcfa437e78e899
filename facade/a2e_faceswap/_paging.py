"""Walking A2E's task records page by page, sans I/O (the sync and async ``tasks.iter`` drive it).

A2E answers ``{rows, count}`` where ``count`` is the total over all pages. The walk stops after an
empty page, a short page (fewer rows than asked), or the page that reaches ``count``, whichever comes
first, so it never asks for a page that cannot exist and never loops on a server that ignores
``pageNum``. Records already yielded (same id) are skipped: a task created during the walk shifts
later pages by one, and without this its neighbour would be yielded twice.
"""

from __future__ import annotations

from collections.abc import Sequence

from .models import Task

__all__ = ["PageCursor"]


class PageCursor:
    """``next_page()`` → the page number to fetch, or ``None`` when the walk is over; ``feed()`` the
    page's rows and total and get back the rows not seen before."""

    def __init__(self, page_size: int, first_page: int = 1) -> None:
        self.page_size = page_size
        self._next: int | None = first_page
        self._seen: set[str] = set()

    def next_page(self) -> int | None:
        return self._next

    def feed(self, rows: Sequence[Task], total: int) -> list[Task]:
        page = self._next
        if page is None:
            return []
        if not rows or len(rows) < self.page_size or page * self.page_size >= total:
            self._next = None
        else:
            self._next = page + 1
        fresh = []
        for task in rows:
            if task.id and task.id in self._seen:
                continue
            self._seen.add(task.id)
            fresh.append(task)
        return fresh
