"""Turning records into JSON values and rich tables; human times and sizes."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rich import box
from rich.filesize import decimal
from rich.table import Table
from rich.text import Text

from ..models import ActiveTask, FaceImage, Preview, Task, TaskStatus

__all__ = [
    "active_table",
    "faces_table",
    "human_ago",
    "human_duration",
    "human_size",
    "jsonable",
    "record_table",
    "status_text",
    "tasks_table",
]

_STYLES = {
    TaskStatus.COMPLETED: "green",
    TaskStatus.FAILED: "bold red",
    TaskStatus.UNKNOWN: "magenta",
}


def jsonable(record: Any) -> Any:
    """A record (or a list of them) as plain JSON values: the record's ``to_dict()`` (no ``raw``)."""
    if isinstance(record, list | tuple):
        return [jsonable(item) for item in record]
    if isinstance(record, Path):
        return str(record)
    to_dict = getattr(record, "to_dict", None)
    return to_dict() if callable(to_dict) else record


def human_size(size: int | None) -> str:
    return "?" if size is None else decimal(size)


def human_duration(seconds: float | None) -> str:
    """``0.42 s``, ``12.3 s``, ``2 min 05 s``, ``1 h 02 min``."""
    if seconds is None:
        return "-"
    if seconds < 60:
        return f"{seconds:.2f} s" if seconds < 1 else f"{seconds:.1f} s"
    whole = round(seconds)
    if whole < 3600:
        return f"{whole // 60} min {whole % 60:02d} s"
    return f"{whole // 3600} h {whole % 3600 // 60:02d} min"


def human_ago(when: datetime | None, now: datetime | None = None) -> str:
    """``just now``, ``5 min ago``, ``3 h ago``, ``2 days ago``, else the date."""
    if when is None:
        return "-"
    delta = ((now or datetime.now(UTC)) - when).total_seconds()
    if delta < 0:
        return when.strftime("%Y-%m-%d %H:%M")
    if delta < 10:
        return "just now"
    if delta < 60:
        return f"{int(delta)} s ago"
    if delta < 3600:
        return f"{int(delta // 60)} min ago"
    if delta < 86400:
        return f"{int(delta // 3600)} h ago"
    if delta < 7 * 86400:
        days = int(delta // 86400)
        return f"{days} day{'s' if days > 1 else ''} ago"
    return when.strftime("%Y-%m-%d")


def status_text(status: TaskStatus, raw: str) -> Text:
    return Text(raw or status.value, style=_STYLES.get(status, "yellow"))


def _table(*columns: str) -> Table:
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False)
    for column in columns:
        table.add_column(column, overflow="fold")
    return table


def tasks_table(tasks: Iterable[Task]) -> Table:
    table = _table("ID", "Name", "Status", "Created", "Result")
    for task in tasks:
        result = task.result_url or (task.failure_message or "" if task.is_failed else "")
        table.add_row(
            task.id,
            task.name or "",
            status_text(task.status, task.raw_status),
            human_ago(task.created_at),
            result,
        )
    return table


def active_table(tasks: Iterable[ActiveTask]) -> Table:
    table = _table("ID", "Status", "Error")
    for task in tasks:
        error = task.failure_message or (f"error_code {task.error_code}" if task.error_code else "")
        table.add_row(task.id or "?", status_text(task.status, task.raw_status), error)
    return table


def faces_table(faces: Iterable[FaceImage]) -> Table:
    table = _table("ID", "Face URL", "Added")
    for face in faces:
        table.add_row(face.id, face.face_url or "", human_ago(face.created_at))
    return table


def _rows(record: Task | Preview) -> Sequence[tuple[str, str | Text]]:
    rows: list[tuple[str, str | Text]] = [
        ("id", record.id),
        ("status", status_text(record.status, record.raw_status)),
    ]
    if isinstance(record, Task):
        rows.insert(1, ("name", record.name or ""))
        rows += [
            ("created", _when(record.created_at)),
            ("processing since", _when(record.processing_at)),
            ("completed", _when(record.completed_at)),
            ("duration", "-" if record.duration is None else f"{record.duration} s"),
        ]
    rows += [
        ("face", record.face_url or ""),
        ("video", record.video_url or ""),
        ("result", record.result_url or ""),
    ]
    if record.error_code or record.failure_message:
        rows.append(("error", f"{record.failure_message or ''} (error_code {record.error_code})"))
    return rows


def _when(value: datetime | None) -> str:
    return "-" if value is None else f"{value.isoformat(timespec='seconds')} ({human_ago(value)})"


def record_table(record: Task | Preview) -> Table:
    table = Table(box=None, show_header=False, pad_edge=False)
    table.add_column(style="bold")
    table.add_column(overflow="fold")
    for key, value in _rows(record):
        table.add_row(key, value)
    return table
