"""Saving a result to disk (``download_sync`` / ``download_async``, the drivers of the machines below):
streamed chunk by chunk as the bytes arrive (constant memory; every byte
received before a cut is kept) into a hidden temporary file next to the target, flushed and fsync'ed,
then renamed over the target in one step. On any final error
(network, truncation, a callback raising, cancellation) the temporary file is deleted and the target is
left as it was: never a half file.

A download cut off midway is resumed, not restarted. ``ResumeState`` (no I/O, shared by both clients)
keeps what the temporary file holds and decides each request and the fate of each answer:

* the first request asks for the whole file with ``Accept-Encoding: identity`` (ranges count stored
  bytes, so a compressed answer could not be resumed); its ``Content-Length`` is the total, its strong
  ETag (or else its Last-Modified) the validator;
* after a cut, when the total is known, the next request sends ``Range: bytes=<have>-`` and
  ``If-Range: <validator>``;
* ``206`` whose ``Content-Range`` starts at ``<have>`` with the same total (and no other ETag): append;
* ``200`` (the server ignores ranges, or the file changed): truncate and take the whole file;
* ``416`` or a ``206`` that does not continue our bytes: drop it and ask again at once, without a
  range (within the same attempt: this spends no retry).

The retries themselves (how many, how long apart) are the client's one ``RetryPolicy``: a download is
idempotent. An attempt that ends with more bytes kept than any attempt before it (``progressed``) starts
the count of retries in a row again (capped, see ``_retry.RetryCount``): a long download over a link
that keeps dropping finishes as long as each attempt adds bytes; attempts that add nothing give up
after ``max_retries`` in a row. The file is committed only when it holds exactly the total. Progress
(``on_progress(bytes_done, total)``) continues from the bytes kept and never goes backwards for the
same total: after a start over, reports resume once the new count passes what was already reported
(only a file that changed size mid-download starts a new count, with its new total).

Hostile answers:

* a body with a ``Content-Encoding`` other than ``identity`` (which was not asked for) is refused
  (``UnreadableResponseError``) before a byte is written; bodies are read raw, never decoded, so a
  compression bomb costs nothing;
* a download has no deadline as a whole (a 1 GiB result over a slow link must finish): the request's
  ``timeout`` bounds each wait for bytes (idle time), and ``RateWatch`` fails an attempt whose bytes
  over the last ``window`` seconds average under ``min_rate`` per second (``APITimeoutError``,
  retried, resumed);
* a result is at most ``max_bytes`` (``MAX_RESULT_BYTES``, 16 GiB, unless told otherwise): a larger
  announced size is refused before a byte is written, and a body that goes on past the bound (no
  length, or more than announced) is cut there; both are ``ResponseTooLargeError``, not retried, and
  leave no file, so a server sending without end cannot fill the disk.

Where the file goes (``Destination``; all checked before anything is fetched or paid for):

* a path that ends with a separator, or is an existing directory, is a directory (created with its
  parents); the result is named ``<task id><ext>``, ``ext`` taken from the URL when it is one of
  ``RESULT_EXTENSIONS`` (else ``.mp4``); a bare URL with no task gets its own file name, sanitised:
  no separators or control characters, no leading dot (never a dotfile), at most ``MAX_NAME_BYTES``,
  never empty (a name that is an existing directory is refused);
* any other path is the file itself (its parent created with its parents);
* the directory must be writable (a probe file is created and removed); every local failure is a
  ``LocalFileError``, never a bare ``OSError``;
* a new file's mode follows the umask, as with ``open()``; a replaced file keeps its mode.
"""

from __future__ import annotations

import contextlib
import enum
import errno
import math
import os
import re
import secrets
import stat
import time
import unicodedata
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, BinaryIO
from urllib.parse import unquote, urlsplit

from attrs import define, field, frozen

from ._retry import retry_async, retry_sync
from ._types import TimeoutArg
from ._validation import user_path
from .errors import (
    APIConnectionError,
    APITimeoutError,
    InvalidInputError,
    LocalFileError,
    ResponseTooLargeError,
    UnreadableResponseError,
)

if TYPE_CHECKING:
    from ._api import AsyncApi, SyncApi

__all__ = [
    "DEFAULT_EXTENSION",
    "MAX_NAME_BYTES",
    "MAX_RESULT_BYTES",
    "MIN_RATE",
    "RATE_WINDOW",
    "RESULT_EXTENSIONS",
    "Answer",
    "Destination",
    "DownloadSink",
    "NextRequest",
    "OnProgress",
    "RateWatch",
    "ResumeState",
    "download_async",
    "download_sync",
    "expected_size",
    "local_errors",
    "max_bytes_setting",
    "remove_leftovers",
    "result_name",
]

#: ``on_progress(bytes_done, total_or_None)``
OnProgress = Callable[[int, int | None], object]

_CONTENT_RANGE = re.compile(r"bytes[ \t]+(\d+)-(\d+)/(\d+|\*)", re.ASCII | re.IGNORECASE)

#: Extensions a result saved into a directory keeps from its URL; any other gets ``DEFAULT_EXTENSION``.
RESULT_EXTENSIONS = frozenset({".mp4", ".mov", ".webm", ".mkv", ".gif", ".png", ".jpg", ".jpeg", ".webp"})
DEFAULT_EXTENSION = ".mp4"
#: Longest file name made from a URL, in UTF-8 bytes (NAME_MAX is 255, and the temporary file adds more).
MAX_NAME_BYTES = 160
#: A download attempt fails when, over the last ``RATE_WINDOW`` seconds, it received less than
#: ``MIN_RATE`` bytes per second on average (generous: only a stalled or trickling server trips it).
MIN_RATE = 1024.0
RATE_WINDOW = 30.0
#: The largest result a download writes unless told otherwise (``max_bytes``; see the module rules).
MAX_RESULT_BYTES = 16 * 1024**3
#: The longest file name a path may end with (NAME_MAX on Linux and macOS).
_NAME_MAX = 255
#: How much of the target's name the temporary file's name repeats (bytes).
_TMP_NAME_BYTES = 64


# ------------------------------------------------------------------ where the file goes


@contextlib.contextmanager
def local_errors(what: str, path: Path | str) -> Iterator[None]:
    """Turn an ``OSError`` raised inside into a ``LocalFileError`` (``what`` failed on ``path``)."""
    try:
        yield
    except LocalFileError:
        raise
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise LocalFileError(
            f"could not {what} {str(path)!r}: {reason}", filename=str(path), errno=exc.errno
        ) from exc


def _clip(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` UTF-8 bytes (never inside a character)."""
    return text.encode("utf-8", "surrogateescape")[:limit].decode("utf-8", "ignore")


def _sanitised(name: str) -> str:
    """A file name made safe: separators and control characters replaced, no leading dot, capped."""
    name = "".join(
        "_" if ch in "/\\" or unicodedata.category(ch).startswith("C") else ch for ch in name
    ).strip()
    name = name.lstrip(".").strip()  # never a dotfile, never "." or ".."
    stem, dot, ext = name.rpartition(".")
    if dot and stem and len(ext.encode()) <= 16:
        return _clip(stem, MAX_NAME_BYTES - len(ext.encode()) - 1).rstrip() + "." + ext
    return _clip(name, MAX_NAME_BYTES).rstrip()


def result_name(url: str, task_id: str | None) -> str:
    """The name of a result saved into a directory: ``<task id><ext>``, or (a bare URL) the URL's own
    file name, sanitised; never empty, never a dotfile, never a path."""
    raw = unquote(urlsplit(url).path.rsplit("/", 1)[-1])
    stem = _sanitised(task_id) if task_id is not None else ""
    if not stem:
        return _sanitised(raw) or f"result{DEFAULT_EXTENSION}"
    ext = os.path.splitext(raw)[1].lower()
    return stem + (ext if ext in RESULT_EXTENSIONS else DEFAULT_EXTENSION)


def _is_dir(path: Path) -> bool:
    with local_errors("inspect", path):
        return path.is_dir()


@frozen
class Destination:
    """Where a download is saved: into ``folder``, as ``name`` (``None``: named by ``result_name``)."""

    folder: Path
    name: str | None

    @classmethod
    def of(cls, path: object) -> Destination:
        """Read a ``path`` argument (see the module rules); refuse what can never be a file path."""
        if not isinstance(path, str | os.PathLike):
            raise InvalidInputError(f"path must be a file or directory path, got {type(path).__name__}")
        text = os.fspath(path)
        if not isinstance(text, str) or not text.strip() or "\x00" in text:
            raise InvalidInputError(f"path must be a file or directory path, got {text!r}")
        into = text.endswith(os.sep) or (os.altsep is not None and text.endswith(os.altsep))
        target = user_path(text)
        if len(os.fsencode(target.name)) > _NAME_MAX:
            raise LocalFileError(
                f"file name too long ({len(os.fsencode(target.name))} bytes, at most {_NAME_MAX}):"
                f" {str(target)[:80]!r}…",
                filename=str(target),
                errno=errno.ENAMETOOLONG,
            )
        if into or target.name in ("", ".", "..") or _is_dir(target):
            return cls(target, None)
        return cls(target.parent, target.name)

    def prepare(self) -> Destination:
        """Make sure a file can be saved here, before anything is fetched or paid for: the folder is
        created (with its parents), must be a directory we can write in (a probe file is created and
        removed), and a named target must not be a directory. Returns itself."""
        with local_errors("create the directory", self.folder):
            self.folder.mkdir(parents=True, exist_ok=True)
        if not _is_dir(self.folder):
            raise LocalFileError(
                f"not a directory: {str(self.folder)!r}", filename=str(self.folder), errno=errno.ENOTDIR
            )
        with local_errors("write in", self.folder):
            fd, probe = _create_temp(self.folder, _PROBE)
            os.close(fd)
            probe.unlink()
        if self.name is not None:
            self.check_target(self.folder / self.name)
        return self

    def target(self, url: str, task_id: str | None) -> Path:
        """The file to write (checked: not an existing directory)."""
        target = self.folder / (self.name if self.name is not None else result_name(url, task_id))
        self.check_target(target)
        return target

    @staticmethod
    def check_target(target: Path) -> None:
        if _is_dir(target):
            raise LocalFileError(
                f"a directory is in the way: {str(target)!r}", filename=str(target), errno=errno.EISDIR
            )


def _create_temp(folder: Path, name: str) -> tuple[int, Path]:
    """A new hidden file in ``folder`` (so it can be renamed over the target in one step), created like
    ``open(..., "x")``: its mode follows the umask (``mkstemp`` would make it 0600)."""
    prefix = f".{_clip(name, _TMP_NAME_BYTES)}."
    for _ in range(100):
        path = folder / f"{prefix}{secrets.token_hex(4)}.part"
        try:
            flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
            return os.open(path, flags, 0o666), path
        except FileExistsError:
            continue
    raise FileExistsError(errno.EEXIST, "no free temporary file name", str(folder))


_HEX = re.compile("[0-9a-f]{8}")
_PROBE = "probe"


def remove_leftovers(targets: Iterable[Path]) -> None:
    """Remove what a killed process left next to ``targets``: their partial downloads and the folders'
    write probes (``_create_temp``'s names, ``.<name>.<8 hex>.part``); each folder is listed once. For a
    caller that knows no other download of these targets runs (the batch, under its journal's lock)."""
    wanted: dict[Path, set[str]] = {}
    for target in targets:
        wanted.setdefault(target.parent, {f".{_PROBE}"}).add(f".{_clip(target.name, _TMP_NAME_BYTES)}")
    for folder, prefixes in wanted.items():
        with contextlib.suppress(OSError), os.scandir(folder) as entries:
            for entry in entries:
                name = entry.name  # prefix + "." + 8 hex + ".part"
                ours = name.endswith(".part") and name[-14:-13] == "." and name[:-14] in prefixes
                if ours and _HEX.fullmatch(name[-13:-5]) and entry.is_file(follow_symlinks=False):
                    with contextlib.suppress(OSError):
                        os.unlink(entry.path)


# ------------------------------------------------------------------ pace


def _rate_setting(value: object, what: str, *, positive: bool) -> float:
    if (
        not isinstance(value, int | float)
        or isinstance(value, bool)
        or not math.isfinite(value)
        or value < 0
        or (positive and value == 0)
    ):
        bound = "> 0" if positive else ">= 0"
        raise InvalidInputError(f"{what} must be a finite number {bound}, got {value!r}")
    return float(value)


def max_bytes_setting(value: object) -> int | None:
    """``max_bytes`` checked: a whole number > 0, or ``None`` (no bound)."""
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise InvalidInputError(f"max_bytes must be a whole number > 0 or None, got {value!r}")
    return value


@define
class RateWatch:
    """Sans-I/O: fails a download attempt whose bytes over the last ``window`` seconds average under
    ``min_rate`` per second (``min_rate=0`` turns it off). Told each chunk's size and arrival time."""

    min_rate: float = field(default=MIN_RATE)
    window: float = field(default=RATE_WINDOW)
    #: (time, bytes received so far) marks, oldest first; at most about 32 per window are kept.
    _marks: deque[tuple[float, int]] = field(factory=deque, init=False)
    _received: int = field(default=0, init=False)

    @classmethod
    def of(cls, min_rate: object, window: object) -> RateWatch:
        return cls(
            _rate_setting(min_rate, "min_rate", positive=False),
            _rate_setting(window, "rate_window", positive=True),
        )

    def start(self, now: float) -> None:
        """A body starts arriving (each attempt starts a new watch)."""
        self._marks = deque([(now, 0)])
        self._received = 0

    def feed(self, now: float, size: int) -> None:
        """``size`` bytes arrived at ``now``: raise ``APITimeoutError`` if the pace is too slow."""
        self._received += size
        if not self._marks:
            self._marks.append((now, 0))
        if now - self._marks[-1][0] >= self.window / 32:
            self._marks.append((now, self._received))
        # The reference mark: the newest one at least a window old (the first stays until then).
        while len(self._marks) > 1 and self._marks[1][0] <= now - self.window:
            self._marks.popleft()
        since, then = self._marks[0]
        span = now - since
        if span >= self.window and self._received - then < self.min_rate * span:
            raise APITimeoutError(
                f"the download slowed to {(self._received - then) / span:.0f} bytes/s over the last"
                f" {span:.1f}s (the minimum is {self.min_rate:g} bytes/s)",
                outcome_unknown=True,
                operation="download",
            )


def _identity(headers: Mapping[str, str]) -> bool:
    return headers.get("content-encoding", "identity").strip().lower() in ("", "identity")


def expected_size(headers: Mapping[str, str]) -> int | None:
    """Content-Length when it counts the bytes we will see (no content encoding), else None."""
    if not _identity(headers):
        return None
    try:
        size = int(headers["content-length"])
    except (KeyError, ValueError):
        return None
    return size if size >= 0 else None


def _validator(headers: Mapping[str, str]) -> str | None:
    """What ``If-Range`` may quote: a strong ETag, else Last-Modified (weak ETags are not allowed)."""
    etag = headers.get("etag", "").strip()
    if etag.startswith('"'):
        return etag
    modified = headers.get("last-modified", "").strip()
    return modified or None


class Answer(enum.Enum):
    """What to do with an answer to a download request."""

    #: A 206 continuing the bytes kept: append its body.
    APPEND = "append"
    #: The whole file (200): truncate, then write its body.
    RESTART = "restart"
    #: A 416, or a 206 that does not continue the bytes kept: discard it, ask again without a range.
    REFETCH = "refetch"


@frozen
class NextRequest:
    """Headers of the next download request, and the non-2xx statuses its answer may have (416)."""

    headers: dict[str, str]
    accept: frozenset[int]


@define
class ResumeState:
    """A download's progress across requests, sans I/O (see the module rules)."""

    #: Bytes kept in the temporary file.
    have: int = 0
    #: Size of the whole file, when an answer told it.
    total: int | None = None
    #: ETag or Last-Modified of the answer the kept bytes came from (for ``If-Range``).
    validator: str | None = None
    #: Whether the last request asked for a range.
    ranged: bool = False
    #: The most bytes ever kept (what a failed attempt must pass to count as progress).
    best: int = 0

    def next_request(self) -> NextRequest:
        """The request to send now: a range from ``have`` when the kept bytes can be continued."""
        headers = {"Accept-Encoding": "identity"}
        self.ranged = self.have > 0 and self.total is not None
        if not self.ranged:
            self._start_over(None, None)  # whatever is kept cannot be continued: the answer replaces it
            return NextRequest(headers, frozenset())
        headers["Range"] = f"bytes={self.have}-"
        if self.validator is not None:
            headers["If-Range"] = self.validator
        return NextRequest(headers, frozenset({416}))

    def judge(self, status: int, headers: Mapping[str, str]) -> Answer:
        """Judge an answer to the last request (any 2xx, or 416 after a range) and update the state."""
        if status != 416 and not _identity(headers):
            encoding = headers.get("content-encoding", "")[:40]
            raise UnreadableResponseError(
                f"the result came with Content-Encoding {encoding!r} although only 'identity' was"
                " accepted; nothing was decoded or written",
                status=status,
                operation="download",
            )
        if status == 206:
            if self._continues(headers):
                return Answer.APPEND
            if not self.ranged:
                raise UnreadableResponseError(
                    f"a 206 answer (Content-Range {headers.get('content-range')!r}) to a request for the"
                    " whole file",
                    status=status,
                    operation="download",
                )
        elif status != 416:
            self._start_over(expected_size(headers), _validator(headers))
            return Answer.RESTART
        # A 416 (let through only after a range request) or a 206 that does not continue our bytes.
        self._start_over(None, None)
        return Answer.REFETCH

    def _continues(self, headers: Mapping[str, str]) -> bool:
        match = _CONTENT_RANGE.fullmatch(headers.get("content-range", "").strip())
        if match is None or not _identity(headers):
            return False
        first, last, size = int(match[1]), int(match[2]), match[3]
        total = int(size) if size != "*" else self.total
        if first != self.have or last < first or total is None or last >= total:
            return False
        if self.total is not None and total != self.total:
            return False  # the file changed size
        validator = _validator(headers)
        if (
            self.ranged
            and validator is not None
            and self.validator is not None
            and validator != self.validator
        ):
            return False  # another version of the file (a server that ignored If-Range)
        if not self.ranged:
            self.total, self.validator = total, validator
        return True

    def _start_over(self, total: int | None, validator: str | None) -> None:
        self.have, self.total, self.validator = 0, total, validator

    def received(self, size: int) -> None:
        self.have += size

    def progressed(self) -> bool:
        """After a failed attempt: whether it kept more bytes than any attempt before it (the retry
        count then starts again, see ``RetryCount``). Bytes fetched again after a start over only count
        once they pass that mark, so each reset needs new bytes."""
        if self.have <= self.best:
            return False
        self.best = self.have
        return True

    def check_complete(self) -> None:
        """After a body ended: raise (a retryable error; the next attempt resumes) unless it is all here."""
        if self.total is None or self.have == self.total:
            return
        message = f"download ended after {self.have} of {self.total} bytes"
        if self.have > self.total:
            self._start_over(None, None)  # more than announced: nothing kept can be trusted
        raise APIConnectionError(message, outcome_unknown=True, operation="download")


class DownloadSink:
    """The temporary file of one download, across all its requests::

    with DownloadSink(target, on_progress, watch, clock) as sink:   # committed on a clean exit only
        ask = sink.next_request()
        ... send it, then: if sink.begin(status, headers): sink.write(chunk)...; sink.end()

    Every local failure is a ``LocalFileError``.
    """

    def __init__(
        self,
        target: Path,
        on_progress: OnProgress | None,
        watch: RateWatch | None = None,
        clock: Callable[[], float] = time.monotonic,
        *,
        max_bytes: int | None = MAX_RESULT_BYTES,
    ) -> None:
        self.target = target
        self.state = ResumeState()
        self._max_bytes = max_bytes
        self._status = 0
        self._on_progress = on_progress
        self._watch = watch or RateWatch()
        self._clock = clock
        self._shown: tuple[int, int | None] | None = None
        self._tmp: Path | None = None
        self._file: BinaryIO | None = None

    def __enter__(self) -> DownloadSink:
        return self

    def next_request(self) -> NextRequest:
        return self.state.next_request()

    def begin(self, status: int, headers: Mapping[str, str]) -> bool:
        """Judge the answer; ``True``: write its body, ``False``: discard it and send ``next_request()``."""
        if self.state.judge(status, headers) is Answer.REFETCH:
            return False
        self._status = status
        total = self.state.total
        if self._max_bytes is not None and total is not None and total > self._max_bytes:
            raise self._too_large(f"the result's announced size, {total} bytes,")
        with local_errors("write", self.target):
            file = self._open()
            file.seek(self.state.have)
            file.truncate()
        self._watch.start(self._clock())
        self._report()
        return True

    def _open(self) -> BinaryIO:
        """The temporary file, created by the first answer worth keeping (nothing on disk before)."""
        if self._file is None:
            fd, self._tmp = _create_temp(self.target.parent, self.target.name)
            self._file = os.fdopen(fd, "wb")
        return self._file

    def write(self, chunk: bytes) -> None:
        if self._max_bytes is not None and self.state.have + len(chunk) > self._max_bytes:
            raise self._too_large("the result")
        with local_errors("write", self.target):
            self._open().write(chunk)
        self.state.received(len(chunk))
        self._watch.feed(self._clock(), len(chunk))
        self._report()

    def end(self) -> None:
        """The body ended without an error: check it was all there (else a retryable error)."""
        self.state.check_complete()

    def _too_large(self, what: str) -> ResponseTooLargeError:
        return ResponseTooLargeError(
            f"{what} passes max_bytes ({self._max_bytes} bytes); nothing was saved",
            status=self._status,
            operation="download",
        )

    def _report(self) -> None:
        if self._on_progress is None:
            return
        done, total = self.state.have, self.state.total
        if self._shown is not None and self._shown[1] == total and done <= self._shown[0]:
            return  # bytes fetched again after a start over are not news
        self._shown = (done, total)
        self._on_progress(done, total)

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        try:
            if kind is None:
                self._commit()
        finally:
            if self._file is not None and not self._file.closed:
                with contextlib.suppress(OSError):
                    self._file.close()
            if self._tmp is not None:
                with contextlib.suppress(OSError):
                    self._tmp.unlink()

    def _commit(self) -> None:
        self.state.check_complete()
        with local_errors("save", self.target):
            file = self._open()  # an empty answer still makes a file
            file.flush()
            with contextlib.suppress(FileNotFoundError):
                old = self.target.stat()
                if stat.S_ISREG(old.st_mode):  # a replaced file keeps its mode
                    os.fchmod(file.fileno(), stat.S_IMODE(old.st_mode))
            os.fsync(file.fileno())
            file.close()
            assert self._tmp is not None
            os.replace(self._tmp, self.target)


# ------------------------------------------------------------------ the drivers


def download_sync(
    api: SyncApi,
    url: str,
    target: Path,
    on_progress: OnProgress | None,
    watch: RateWatch,
    timeout: TimeoutArg,
    max_bytes: int | None,
) -> Path:
    """Save ``url`` to ``target`` (see the module docstring); returns ``target``."""
    with DownloadSink(target, on_progress, watch, api.now, max_bytes=max_bytes) as sink:

        def attempt() -> None:
            while True:  # twice at most: a 416 or a foreign 206 is answered by one whole-file request
                ask = sink.next_request()
                with api.stream(
                    "download",
                    "GET",
                    url,
                    timeout,
                    accept=ask.accept,
                    headers=ask.headers,
                    follow_redirects=True,
                ) as response:
                    if sink.begin(response.status_code, response.headers):
                        for chunk in response.iter_raw():  # never decoded
                            sink.write(chunk)
                        sink.end()
                        return

        retry_sync("download", attempt, api.retry_count(True), api.sleep, progressed=sink.state.progressed)
    return sink.target


async def download_async(
    api: AsyncApi,
    url: str,
    target: Path,
    on_progress: OnProgress | None,
    watch: RateWatch,
    timeout: TimeoutArg,
    max_bytes: int | None,
) -> Path:
    """``download_sync``, awaited."""
    with DownloadSink(target, on_progress, watch, api.now, max_bytes=max_bytes) as sink:

        async def attempt() -> None:
            while True:
                ask = sink.next_request()
                async with api.stream(
                    "download",
                    "GET",
                    url,
                    timeout,
                    accept=ask.accept,
                    headers=ask.headers,
                    follow_redirects=True,
                ) as response:
                    if sink.begin(response.status_code, response.headers):
                        async for chunk in response.aiter_raw():
                            sink.write(chunk)
                        sink.end()
                        return

        await retry_async(
            "download", attempt, api.retry_count(True), api.sleep, progressed=sink.state.progressed
        )
    return sink.target
