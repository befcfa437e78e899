"""The face swap workflow as the command shows it: upload → preview → task → wait → download, each step
announced, timed and recorded for the summary. ``swap``, ``preview``, ``tasks wait`` and ``demo`` all
drive it, so they show the same progress."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from attrs import define
from rich import box
from rich.table import Table
from rich.text import Text

from .. import A2E
from .._cli_support import Destination, MediaSource, media_source
from ..models import Preview, Task, TaskStatus
from ._output import Output, Stopwatch
from ._render import human_duration, human_size, jsonable, status_text
from ._session import Session

__all__ = ["Step", "Workflow", "task_document"]


@define
class Step:
    step: str
    id: str | None
    status: str
    seconds: float
    detail: str

    def document(self) -> dict[str, Any]:
        return {
            "step": self.step,
            "id": self.id,
            "status": self.status,
            "seconds": round(self.seconds, 3),
            "detail": self.detail,
        }


def _wait_options(timeout: float | None, poll: float | None) -> dict[str, Any]:
    options: dict[str, Any] = {}
    if timeout is not None:
        options["timeout"] = timeout
    if poll is not None:
        options["poll_interval"] = poll
    return options


class Workflow:
    def __init__(self, session: Session, client: A2E) -> None:
        self.session = session
        self.client = client
        self.out: Output = session.out
        self.steps: list[Step] = []

    # ------------------------------------------------------------------ inputs
    @staticmethod
    def source(value: str, what: str) -> MediaSource:
        """A URL, or the ``Path`` of an existing file (else ``InvalidInputError``: exit 2)."""
        return media_source(value, what)

    @staticmethod
    def sources(face: str, video: str) -> tuple[MediaSource, MediaSource]:
        """Check both inputs before anything is sent."""
        return media_source(face, "--face"), media_source(video, "--video")

    def upload(self, source: MediaSource, what: str) -> str:
        """The URL of ``source``: itself if it is one, else the URL of the uploaded file."""
        if isinstance(source, str):
            return source
        size = source.stat().st_size
        self.out.note(f"uploading {what} {source.name} ({human_size(size)})")
        clock = Stopwatch()
        url = self.client.uploads.upload(source)
        self._done(Step(f"upload {what}", None, "uploaded", clock(), url))
        return url

    def upload_both(self, face: MediaSource, video: MediaSource) -> tuple[str, str]:
        """The URLs of the face and the video (files uploaded, the face first)."""
        return self.upload(face, "face"), self.upload(video, "video")

    # ------------------------------------------------------------------ preview
    def preview(
        self, face: str, video: str, *, timeout: float | None = None, poll: float | None = None
    ) -> Preview:
        clock = Stopwatch()
        preview = self.client.previews.create(face=face, video=video)
        self.out.note("preview ", (preview.id, "bold"), " started")
        with self.out.waiting("preview", preview.id) as on_update:
            preview = self.client.previews.wait(preview, on_update=on_update, **_wait_options(timeout, poll))
        self._done(Step("preview", preview.id, preview.raw_status, clock(), preview.result_url or ""))
        return preview

    # ------------------------------------------------------------------ task
    def start(self, face: str, video: str, name: str | None) -> Task:
        clock = Stopwatch()
        self.session.creating = True
        task = self.client.tasks.create(face=face, video=video, name=name)
        self.session.creating = False
        self.session.started = task.id
        self.out.note("task ", (task.id, "bold"), f" started ({task.name or 'unnamed'})")
        self.steps.append(Step("create task", task.id, task.raw_status, clock(), task.name or ""))
        return task

    def wait(self, task: Task | str, *, timeout: float | None = None, poll: float | None = None) -> Task:
        clock = Stopwatch()
        task_id = task if isinstance(task, str) else task.id
        self.session.started = task_id
        with self.out.waiting("task", task_id) as on_update:
            done = self.client.tasks.wait(task, on_update=on_update, **_wait_options(timeout, poll))
        self.session.completed = True
        self._done(Step("wait", done.id, done.raw_status, clock(), done.result_url or ""))
        return done

    # ------------------------------------------------------------------ result
    def save_to(self, output: str) -> None:
        """Check where the result will be saved (its directory made, writable) before anything is paid
        for; remembered for the resume command of a later failure."""
        Destination.of(output).prepare()
        self.session.output = output

    def download(self, source: Task | str, output: str | os.PathLike[str], what: str = "result") -> Path:
        clock = Stopwatch()
        with self.out.downloading(what) as on_progress:
            path = self.client.tasks.download(source, output, on_progress)
        size = path.stat().st_size
        self._done(Step("download", None, "saved", clock(), f"{path} ({human_size(size)})"))
        return path

    # ------------------------------------------------------------------ report
    def _done(self, step: Step) -> None:
        self.steps.append(step)
        self.out.note(
            ("✓ ", "green"),
            f"{step.step}",
            f" {step.id}" if step.id else "",
            f": {step.status} in {human_duration(step.seconds)}",
            f" -> {step.detail}" if step.detail else "",
        )

    def documents(self) -> list[dict[str, Any]]:
        return [step.document() for step in self.steps]

    def summary(self, title: str) -> Table:
        table = Table(title=title, box=box.ROUNDED, title_justify="left")
        table.add_column("Step", style="bold")
        table.add_column("ID")
        table.add_column("Status")
        table.add_column("Time", justify="right")
        table.add_column("Result", overflow="fold")
        for step in self.steps:
            parsed = TaskStatus.parse(step.status)
            status = (
                Text(step.status, "green")
                if parsed is TaskStatus.UNKNOWN
                else status_text(parsed, step.status)
            )
            table.add_row(step.step, step.id or "", status, human_duration(step.seconds), step.detail)
        return table


def task_document(task: Task, output: Path | None, workflow: Workflow) -> dict[str, Any]:
    return {"task": jsonable(task), "output": str(output) if output else None, "steps": workflow.documents()}
