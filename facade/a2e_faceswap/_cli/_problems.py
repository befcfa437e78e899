"""Exit codes, and what the command says when something goes wrong.

Every failure becomes one ``Problem``: an exit code, one line for stderr (what failed, A2E's
code / message / trace id, what to do next) and a JSON form for ``--json``.
"""

from __future__ import annotations

import enum
import shlex
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from attrs import field, frozen

from .. import errors
from ..cli import PROG, install_hint

__all__ = [
    "KEY_HINT",
    "ExitCode",
    "Problem",
    "UsageProblem",
    "describe",
    "interrupted",
    "needs_simulator",
    "resume_command",
]

#: what to do when no API key is given
KEY_HINT = (
    "set the A2E_API_KEY environment variable or pass --api-key (create a key in A2E's web UI: "
    f"Account > API Token); to try things locally, run `{PROG} sim` or `{PROG} demo`"
)


class ExitCode(enum.IntEnum):
    OK = 0
    #: the task or preview failed, or did not finish within --timeout
    TASK_FAILED = 1
    #: bad command line, bad input (missing file, malformed URL, no API key): nothing was sent
    USAGE = 2
    #: A2E (or the network) answered with an error, or did not answer
    API = 3
    #: the result of a paid task could not be saved locally (the message says how to resume)
    SAVE = 4
    #: a bug in a2e-faceswap (should never happen)
    INTERNAL = 70
    #: a batch left rows to do (credits ran out, --max-credits reached, a create not settled): run the
    #: same command again to continue (BSD's EX_TEMPFAIL)
    RERUN = 75
    #: interrupted with Ctrl-C
    INTERRUPTED = 130


class UsageProblem(Exception):
    """A problem with what the user gave, found before anything was sent (exit 2)."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


@frozen
class Problem:
    code: ExitCode
    kind: str
    what: str
    detail: str
    hint: str | None = None
    extra: dict[str, Any] = field(factory=dict)

    def line(self) -> str:
        text = f"error: {self.what}: {self.detail}" if self.what else f"error: {self.detail}"
        return f"{text} -- {self.hint}" if self.hint else text

    def document(self) -> dict[str, Any]:
        return {
            "error": {
                "type": self.kind,
                "exit_code": int(self.code),
                "what": self.what,
                "message": self.detail,
                "hint": self.hint,
                **self.extra,
            }
        }


#: The hint for an API error: the first row whose class it is an instance of (subclasses first).
_API_HINTS: tuple[tuple[type[errors.APIError], str], ...] = (
    (
        errors.AuthenticationError,
        "check the API key (A2E_API_KEY or --api-key) and that it belongs to this server",
    ),
    (errors.InsufficientCreditsError, "add credits to the A2E account, then try again"),
    (errors.ModerationError, "A2E's moderation refused the media; use another face image or video"),
    (errors.PermissionDeniedError, "the account may not use this operation"),
    (errors.RateLimitError, "A2E is busy; try again in a minute"),
    (errors.ServerError, "A2E had a problem; try again later and quote the trace_id if it persists"),
    (
        errors.UnreadableResponseError,
        "the server did not answer like A2E; check --base-url / --region / A2E_BASE_URL",
    ),
    (errors.BadRequestError, "A2E refused the input; check the files, URLs and ids given"),
)


def _api_hint(error: errors.APIError) -> str:
    if isinstance(error, errors.NotFoundError):
        operation = error.operation or ""
        if "preview" in operation and "face" not in operation:
            return "check the preview id"
        return f"check the id with `{PROG} {'faces' if 'face' in operation else 'tasks'} list`"
    return next(
        (hint for kind, hint in _API_HINTS if isinstance(error, kind)),
        "see A2E's message above; quote the trace_id when asking A2E for help",
    )


def _api_extra(error: errors.APIError) -> dict[str, Any]:
    return {
        "status": error.status,
        "code": error.code,
        "trace_id": error.trace_id,
        "operation": error.operation,
    }


@contextmanager
def needs_simulator(what: str) -> Iterator[None]:
    """An ``ImportError`` inside (the ``testing`` extra is missing) is a ``UsageProblem`` saying
    ``what`` cannot run and how to install the extra."""
    try:
        yield
    except ImportError as error:
        raise UsageProblem(
            f"{what} needs the simulator, which is not installed ({error.name} is missing)",
            install_hint("cli", "testing"),
        ) from error


def resume_command(task_id: str, output: str | None) -> str:
    """The command that picks up task ``task_id`` (and saves its result to ``output``, when given)."""
    command = f"{PROG} tasks wait {task_id}"
    return f"{command} -o {shlex.quote(output)}" if output is not None else command


def describe(
    error: BaseException, what: str, resumable: str | None = None, output: str | None = None
) -> Problem:
    """The ``Problem`` for an exception raised while doing ``what`` (e.g. ``"get task 65ab..."``);
    ``resumable`` is the id of a (paid) task that ``tasks wait`` can pick up, ``output`` where its
    result was to be saved: every failure after it started says how to resume, with ``-o``."""
    problem = _describe(error, what, resumable, output)
    if resumable is None or isinstance(
        error, errors.TaskFailedError | errors.WaitTimeoutError | UsageProblem
    ):
        return problem
    resume = f"task {resumable} was started and is kept: resume with `{resume_command(resumable, output)}`"
    hint = f"{problem.hint}; {resume}" if problem.hint else resume
    return Problem(
        problem.code, problem.kind, problem.what, problem.detail, hint, {**problem.extra, "id": resumable}
    )


def _describe(error: BaseException, what: str, resumable: str | None, output: str | None) -> Problem:
    kind = type(error).__name__
    if isinstance(error, UsageProblem):
        return Problem(ExitCode.USAGE, kind, what, error.message, error.hint)
    if isinstance(error, errors.TaskFailedError):
        subject = type(error.task).__name__.lower()
        hint = (
            f"see `{PROG} tasks get {error.task.id}`"
            if subject == "task"
            else "try another face image or video"
        )
        extra: dict[str, Any] = {
            "id": error.task.id,
            "error_code": error.error_code,
            "failure": error.failure_message,
        }
        return Problem(ExitCode.TASK_FAILED, kind, what, str(error), hint, extra)
    if isinstance(error, errors.WaitTimeoutError):
        if resumable is not None and error.subject_id == resumable:
            hint = (
                "nothing was cancelled and it may still finish; resume with"
                f" `{resume_command(resumable, output)}`"
            )
        else:
            hint = "nothing was cancelled and it may still finish; try again with a longer --timeout"
        return Problem(ExitCode.TASK_FAILED, kind, what, str(error), hint, {"id": error.subject_id})
    if isinstance(error, errors.InvalidInputError):
        problems = getattr(error, "problems", None)  # a manifest's: every (line, message)
        extra = {"problems": [{"line": n, "message": m} for n, m in problems]} if problems else {}
        return Problem(ExitCode.USAGE, kind, what, str(error), "nothing was sent; see --help", extra)
    if isinstance(error, errors.LocalFileError):
        code = ExitCode.USAGE if resumable is None else ExitCode.SAVE
        hint = "check the path, its permissions and free space"
        return Problem(code, kind, what, str(error), hint, {"filename": error.filename})
    if isinstance(error, errors.AuthenticationError) and error.status is None:
        return Problem(ExitCode.USAGE, kind, what, "no API key", KEY_HINT)
    if isinstance(error, errors.APIError):
        return Problem(ExitCode.API, kind, what, str(error), _api_hint(error), _api_extra(error))
    if isinstance(error, errors.APIConnectionError):
        if isinstance(error, errors.APITimeoutError):
            hint = "the server did not answer in time; check the network, then try again"
        else:
            hint = "check the network and the server address (--base-url / --region / A2E_BASE_URL)"
        if error.outcome_unknown and error.operation != "download":  # a GET: nothing to repeat
            hint += f"; the request may have been applied (check `{PROG} tasks list` before repeating it)"
        where = {"operation": error.operation, "outcome_unknown": error.outcome_unknown}
        return Problem(ExitCode.API, kind, what, str(error), hint, where)
    if isinstance(error, errors.A2EError):
        return Problem(ExitCode.API, kind, what, str(error))
    if isinstance(error, OSError):
        detail = f"{error.strerror or error}" + (f": {error.filename}" if error.filename else "")
        return Problem(ExitCode.USAGE, kind, what, detail, "check the path, its permissions and free space")
    return Problem(
        ExitCode.INTERNAL,
        kind,
        what,
        f"unexpected {kind}: {error}",
        f"this is a bug in {PROG}; rerun with --debug and report the traceback",
    )


def interrupted(
    what: str, started: str | None, creating: bool, completed: bool, output: str | None = None
) -> Problem:
    """Ctrl-C: nothing is deleted; say how to pick up a task that was started (with ``-o output``)."""
    if started and completed:
        detail = f"interrupted; task {started} completed (it was not deleted)"
        hint = f"download it with `{resume_command(started, output or 'PATH')}`"
    elif started:
        detail = f"interrupted; task {started} was started and keeps running (it was not deleted)"
        hint = f"resume with `{resume_command(started, output)}`"
    elif creating:
        detail = "interrupted while the task was being created; it may exist"
        hint = f"check `{PROG} tasks list` before starting it again"
    else:
        detail = "interrupted"
        hint = None
    return Problem(ExitCode.INTERRUPTED, "KeyboardInterrupt", what, detail, hint, {"id": started})
