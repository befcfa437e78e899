"""Saving a result to disk: streamed chunk by chunk as the bytes arrive (constant memory; every byte
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
"""

from __future__ import annotations

import contextlib
import enum
import os
import re
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from types import TracebackType
from typing import BinaryIO
from urllib.parse import unquote, urlsplit

from attrs import define, frozen

from .errors import APIConnectionError, InvalidInputError, UnreadableResponseError

__all__ = [
    "Answer",
    "DownloadSink",
    "NextRequest",
    "OnProgress",
    "ResumeState",
    "expected_size",
    "target_path",
]

#: ``on_progress(bytes_done, total_or_None)``
OnProgress = Callable[[int, int | None], object]

_CONTENT_RANGE = re.compile(r"bytes[ \t]+(\d+)-(\d+)/(\d+|\*)", re.ASCII | re.IGNORECASE)


def target_path(path: str | os.PathLike[str], url: str, fallback_name: str) -> Path:
    """``path`` itself, or ``path / <file name of the URL>`` when ``path`` is an existing directory."""
    if not isinstance(path, str | os.PathLike) or not str(path).strip():
        raise InvalidInputError(f"path must be a file or directory path, got {path!r}")
    target = Path(path).expanduser()
    if target.is_dir():
        name = Path(unquote(urlsplit(url).path)).name
        target = target / (name if name not in ("", ".", "..") else fallback_name)
    return target


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

    with DownloadSink(target, on_progress) as sink:   # committed on a clean exit only
        ask = sink.next_request()
        ... send it, then: if sink.begin(status, headers): sink.write(chunk)...; sink.end()
    """

    def __init__(self, target: Path, on_progress: OnProgress | None) -> None:
        self.target = target
        self.state = ResumeState()
        self._on_progress = on_progress
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
        file = self._open()
        file.seek(self.state.have)
        file.truncate()
        self._report()
        return True

    def _open(self) -> BinaryIO:
        """The temporary file, created by the first answer worth keeping (nothing on disk before)."""
        if self._file is None:
            self.target.parent.mkdir(parents=True, exist_ok=True)
            fd, name = tempfile.mkstemp(
                dir=self.target.parent, prefix=f".{self.target.name}.", suffix=".part"
            )
            self._tmp = Path(name)
            self._file = os.fdopen(fd, "wb")
        return self._file

    def write(self, chunk: bytes) -> None:
        self._open().write(chunk)
        self.state.received(len(chunk))
        self._report()

    def end(self) -> None:
        """The body ended without an error: check it was all there (else a retryable error)."""
        self.state.check_complete()

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
                self._file.close()
            if self._tmp is not None:
                with contextlib.suppress(FileNotFoundError):
                    self._tmp.unlink()

    def _commit(self) -> None:
        self.state.check_complete()
        file = self._open()  # an empty answer still makes a file
        file.flush()
        os.fsync(file.fileno())
        file.close()
        assert self._tmp is not None
        os.replace(self._tmp, self.target)
