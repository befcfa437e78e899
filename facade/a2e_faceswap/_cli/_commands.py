"""The commands that talk to A2E: swap, preview, upload, tasks ..., faces ....

What each prints on stdout in plain mode (see ``_output``): ``swap`` the saved path (``--no-wait``: the
task id), ``preview`` the saved path or the URL, ``upload`` the URL, ``tasks wait`` the saved path
(without ``-o``: the result URL), ``faces add`` the face id; ``tasks list`` / ``get`` / ``active`` and
``faces list`` their table; the deletes nothing. Everything else goes to stderr.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from .._cli_support import check_name
from ..cli import PROG
from ._problems import UsageProblem
from ._render import (
    active_table,
    faces_table,
    human_size,
    jsonable,
    record_table,
    tasks_table,
)
from ._session import session_of
from ._workflow import Workflow, task_document

__all__ = [
    "faces_add",
    "faces_delete",
    "faces_list",
    "preview",
    "swap",
    "tasks_active",
    "tasks_delete",
    "tasks_get",
    "tasks_list",
    "tasks_wait",
    "upload",
]

# ------------------------------------------------------------------ shared options

FaceOption = Annotated[
    str,
    typer.Option(
        "--face", help="Face image: a local file (uploaded first) or an http(s) URL.", show_default=False
    ),
]
VideoOption = Annotated[
    str,
    typer.Option(
        "--video", help="Video: a local file (uploaded first) or an http(s) URL.", show_default=False
    ),
]
TimeoutOption = Annotated[
    float | None,
    typer.Option(
        "--timeout",
        min=0.001,
        help="Stop waiting after this many seconds (exit 1; nothing is cancelled). Default: 1 h for "
        "tasks, 10 min for previews.",
        show_default=False,
    ),
]
PollOption = Annotated[
    float | None,
    typer.Option(
        "--poll",
        min=0.01,
        help="Seconds between status checks at first (then slowly longer). "
        "Default: 5 for tasks, 2 for previews.",
        show_default=False,
    ),
]
YesOption = Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")]
TaskId = Annotated[str, typer.Argument(help="Task id (24 hex characters).", show_default=False)]


def _confirm(question: str, yes: bool) -> None:
    if yes:
        return
    try:
        agreed = typer.confirm(question, default=False, err=True)
    except typer.Abort:
        agreed = False
    if not agreed:
        raise UsageProblem("not confirmed, nothing was deleted", "pass --yes to delete without a question")


# ------------------------------------------------------------------ swap, preview, upload


def swap(
    ctx: typer.Context,
    face: FaceOption,
    video: VideoOption,
    name: Annotated[
        str | None,
        typer.Option("--name", help="Task name (default: a generated unique name).", show_default=False),
    ] = None,
    output: Annotated[
        str,
        typer.Option(
            "--output",
            "-o",
            help="File to save the result as, or directory to save it in (an existing one, or a path"
            " ending with / : created) as <task id>.mp4.",
        ),
    ] = ".",
    no_wait: Annotated[
        bool, typer.Option("--no-wait", help="Start the task, print its id (only) and exit.")
    ] = False,
    timeout: TimeoutOption = None,
    poll: PollOption = None,
) -> None:
    """Swap the face in a video: upload local files, start the task, wait, download, print the path."""
    session = session_of(ctx)
    with session.guard("swap"):
        face_source, video_source = Workflow.sources(face, video)
        if name is not None:
            check_name(name)
        flow = Workflow(session, session.client())
        flow.save_to(output)  # checked before anything is paid for
        face_url, video_url = flow.upload_both(face_source, video_source)
        task = flow.start(face_url, video_url, name)
        if no_wait:

            def started() -> None:
                session.out.note("follow it with: ", (f"{PROG} tasks wait {task.id}", "bold"))
                session.out.result(task.id)

            session.out.emit(task_document(task, None, flow), started)
            return
        task = flow.wait(task, timeout=timeout, poll=poll)
        path = flow.download(task, output)
        session.out.emit(task_document(task, path, flow), lambda: session.out.result(str(path)))


def preview(
    ctx: typer.Context,
    face: FaceOption,
    video: VideoOption,
    output: Annotated[
        str | None,
        typer.Option(
            "--output", "-o", help="Save the preview image here (default: print its URL).", show_default=False
        ),
    ] = None,
    timeout: TimeoutOption = None,
    poll: PollOption = None,
) -> None:
    """Make a preview (one swapped frame), wait for it, print its URL or save it."""
    session = session_of(ctx)
    with session.guard("preview"):
        face_source, video_source = Workflow.sources(face, video)
        flow = Workflow(session, session.client())
        if output is not None:
            flow.save_to(output)
        face_url, video_url = flow.upload_both(face_source, video_source)
        result = flow.preview(face_url, video_url, timeout=timeout, poll=poll)
        path = None
        if output is not None and result.result_url:
            path = flow.download(result.result_url, output, "preview")
        document = {
            "preview": jsonable(result),
            "output": str(path) if path else None,
            "steps": flow.documents(),
        }

        def human() -> None:
            shown = str(path) if path else result.result_url
            if shown:
                session.out.result(shown)
            else:
                session.out.note("the preview completed but A2E gave no result URL")

        session.out.emit(document, human)


def upload(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(help="Local file to upload.", show_default=False)],
    content_type: Annotated[
        str | None,
        typer.Option(
            "--content-type",
            help="MIME type (default: guessed from the name or content).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Upload a local file to A2E's storage and print its public URL (to use as --face / --video)."""
    session = session_of(ctx)
    with session.guard(f"upload {path}"):
        client = session.client()
        if not path.is_file():
            raise UsageProblem(f"no such file: {path}", "give the path of an existing file")
        size = path.stat().st_size
        url = client.uploads.upload(path, content_type)

        def human() -> None:
            session.out.note(f"uploaded {path} ({human_size(size)})")
            session.out.result(url)

        session.out.emit({"url": url, "path": str(path), "size": size}, human)


# ------------------------------------------------------------------ tasks


def tasks_list(
    ctx: typer.Context,
    page: Annotated[
        int | None,
        typer.Option("--page", min=1, help="Page number, from 1.  [default: 1]", show_default=False),
    ] = None,
    page_size: Annotated[
        int | None,
        typer.Option(
            "--page-size", min=1, max=100, help="Tasks per page.  [default: 10]", show_default=False
        ),
    ] = None,
    all_: Annotated[bool, typer.Option("--all", help="Every task, all pages.")] = False,
) -> None:
    """List task records, newest first."""
    session = session_of(ctx)
    with session.guard("list tasks"):
        if all_ and (page is not None or page_size is not None):
            raise UsageProblem(
                "--all reads every page; do not combine it with --page / --page-size",
                "drop --all, or drop --page / --page-size",
            )
        client = session.client()
        if all_:
            tasks = list(client.tasks.iter())

            def human_all() -> None:
                session.out.show(tasks_table(tasks))
                session.out.note(f"{len(tasks)} task(s)")

            session.out.emit({"items": jsonable(tasks), "total": len(tasks)}, human_all)
            return
        number, size = page or 1, page_size or 10
        result = client.tasks.list(number, size)

        def human() -> None:
            session.out.show(tasks_table(result.items))
            pages = max(1, -(-result.total // size))
            footer = f"page {number} of {pages}, {result.total} task(s)"
            if result.has_more:
                footer += f"; next: {PROG} tasks list --page {number + 1} --page-size {size}"
            session.out.note(footer)

        session.out.emit(
            {
                "items": jsonable(list(result.items)),
                "total": result.total,
                "page": number,
                "page_size": size,
                "has_more": result.has_more,
            },
            human,
        )


def tasks_get(ctx: typer.Context, task_id: TaskId) -> None:
    """Show one task."""
    session = session_of(ctx)
    with session.guard(f"get task {task_id}"):
        task = session.client().tasks.get(task_id)
        session.out.emit(jsonable(task), lambda: session.out.show(record_table(task)))


def tasks_wait(
    ctx: typer.Context,
    task_id: TaskId,
    output: Annotated[
        str | None,
        typer.Option(
            "--output",
            "-o",
            help="Also download the result: a file, or a directory (existing, or ending with /) to save"
            " <task id>.mp4 in.",
            show_default=False,
        ),
    ] = None,
    timeout: TimeoutOption = None,
    poll: PollOption = None,
) -> None:
    """Wait for a task (after `swap --no-wait` or Ctrl-C); print the saved path (-o) or result URL."""
    session = session_of(ctx)
    with session.guard(f"wait for task {task_id}"):
        flow = Workflow(session, session.client())
        if output is not None:
            flow.save_to(output)
        task = flow.wait(task_id, timeout=timeout, poll=poll)
        path = flow.download(task, output) if output is not None else None

        def human() -> None:
            session.out.note("task ", (task.id, "bold"), " completed")
            session.out.result(str(path or task.result_url or ""))

        session.out.emit(task_document(task, path, flow), human)


def tasks_active(ctx: typer.Context) -> None:
    """List the tasks still in flight."""
    session = session_of(ctx)
    with session.guard("list active tasks"):
        active = session.client().tasks.active()
        session.out.emit(
            {"items": jsonable(active)},
            lambda: (
                session.out.show(active_table(active)) if active else session.out.note("no task in flight")
            ),
        )


def tasks_delete(ctx: typer.Context, task_id: TaskId, yes: YesOption = False) -> None:
    """Delete a task record."""
    session = session_of(ctx)
    with session.guard(f"delete task {task_id}"):
        client = session.client()
        _confirm(f"Delete task {task_id}?", yes)
        client.tasks.delete(task_id)
        session.out.emit({"deleted": task_id}, lambda: session.out.note(f"deleted task {task_id}"))


# ------------------------------------------------------------------ faces


def faces_add(
    ctx: typer.Context,
    face: Annotated[
        str, typer.Argument(help="Face image: a local file or an http(s) URL.", show_default=False)
    ],
) -> None:
    """Save a face image in the account; print its id."""
    session = session_of(ctx)
    with session.guard(f"add face {face}"):
        client = session.client()
        flow = Workflow(session, client)
        url = flow.upload(Workflow.source(face, "face"), "face")
        added = client.faces.add(url)

        def human() -> None:
            session.out.note(f"added face {added.id}: {added.face_url}")
            session.out.result(added.id)

        session.out.emit(jsonable(added), human)


def faces_list(ctx: typer.Context) -> None:
    """List the saved face images."""
    session = session_of(ctx)
    with session.guard("list faces"):
        faces = session.client().faces.list()
        session.out.emit(
            {"items": jsonable(faces)},
            lambda: session.out.show(faces_table(faces)) if faces else session.out.note("no saved face"),
        )


def faces_delete(
    ctx: typer.Context,
    face_id: Annotated[str, typer.Argument(help="Face image id.", show_default=False)],
    yes: YesOption = False,
) -> None:
    """Delete a saved face image."""
    session = session_of(ctx)
    with session.guard(f"delete face {face_id}"):
        client = session.client()
        _confirm(f"Delete face {face_id}?", yes)
        client.faces.delete(face_id)
        session.out.emit({"deleted": face_id}, lambda: session.out.note(f"deleted face {face_id}"))
