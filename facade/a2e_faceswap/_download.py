"""Saving a result to disk: streamed in chunks (constant memory) into a hidden temporary file next to
the target, flushed and fsync'ed, then renamed over the target in one step. On any error (network,
truncation, a callback raising, cancellation) the temporary file is deleted and the target is left as
it was: never a half file."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from urllib.parse import unquote, urlsplit

import httpx

from .errors import APIConnectionError, InvalidInputError

__all__ = ["CHUNK", "DownloadSink", "OnProgress", "expected_size", "target_path"]

CHUNK = 64 * 1024
#: ``on_progress(bytes_done, total_or_None)``
OnProgress = Callable[[int, int | None], object]


def target_path(path: str | os.PathLike[str], url: str, fallback_name: str) -> Path:
    """``path`` itself, or ``path / <file name of the URL>`` when ``path`` is an existing directory."""
    if not isinstance(path, str | os.PathLike) or not str(path).strip():
        raise InvalidInputError(f"path must be a file or directory path, got {path!r}")
    target = Path(path).expanduser()
    if target.is_dir():
        name = Path(unquote(urlsplit(url).path)).name
        target = target / (name if name not in ("", ".", "..") else fallback_name)
    return target


def expected_size(response: httpx.Response) -> int | None:
    """Content-Length when it counts the bytes we will see (no content encoding), else None."""
    if response.headers.get("content-encoding", "identity").lower() not in ("", "identity"):
        return None
    try:
        size = int(response.headers["content-length"])
    except (KeyError, ValueError):
        return None
    return size if size >= 0 else None


class DownloadSink:
    """``with DownloadSink(...) as sink: sink.write(chunk)``; committed on a clean exit only."""

    def __init__(self, target: Path, total: int | None, on_progress: OnProgress | None) -> None:
        self.target = target
        self.total = total
        self.done = 0
        self._on_progress = on_progress
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
        self._tmp = Path(name)
        self._file = os.fdopen(fd, "wb")

    def __enter__(self) -> DownloadSink:
        self._report()
        return self

    def write(self, chunk: bytes) -> None:
        self._file.write(chunk)
        self.done += len(chunk)
        self._report()

    def _report(self) -> None:
        if self._on_progress is not None:
            self._on_progress(self.done, self.total)

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        try:
            if kind is None:
                self._commit()
        finally:
            if not self._file.closed:
                self._file.close()
            with contextlib.suppress(FileNotFoundError):
                self._tmp.unlink()

    def _commit(self) -> None:
        if self.total is not None and self.done != self.total:
            raise APIConnectionError(
                f"download ended after {self.done} of {self.total} bytes",
                outcome_unknown=True,
                operation="download",
            )
        self._file.flush()
        os.fsync(self._file.fileno())
        self._file.close()
        os.replace(self._tmp, self.target)
