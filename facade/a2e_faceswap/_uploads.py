"""``client.uploads``: a local file or bytes → A2E's R2 storage → a public URL.

Flow: ``create_upload_url`` (generated; a POST that may cost credits, so retried only after a connect
error), then a raw PUT of the bytes to the pre-signed ``uploadUrl`` with the same Content-Type and an
exact Content-Length (idempotent, retried like a GET; the file is re-read on each attempt and streamed
in chunks, never loaded whole), then the public URL: ``cdnUrl``, else ``publicUrl``, else ``uploadUrl``
without its query string.

A local file is opened for reading before anything is sent (``_validation.read_head``): a file that
cannot be read never costs an upload URL. A failure reading it later (it vanished, its size changed) is
``LocalFileError``, never a bare ``OSError``.
"""

from __future__ import annotations

import mimetypes
import os
import re
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from attrs import frozen

from . import _endpoints as endpoints
from ._api import AsyncApi, SyncApi
from ._resource import Resource
from ._retry import retry_async, retry_sync
from ._types import NOT_GIVEN, TimeoutArg
from ._validation import MediaSource, read_head, user_path
from .errors import InvalidInputError, LocalFileError, UnreadableResponseError
from .models import UploadTarget

if TYPE_CHECKING:
    from a2e_api.models import UploadUrl, UploadUrlRequest

__all__ = ["AsyncUploads", "UploadSource", "Uploads"]

CHUNK = 256 * 1024
_SAFE = re.compile(r"[^A-Za-z0-9._-]+")
_SIGNATURES: tuple[tuple[bytes, int, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", 0, "image/png"),
    (b"\xff\xd8\xff", 0, "image/jpeg"),
    (b"GIF8", 0, "image/gif"),
    (b"WEBP", 8, "image/webp"),
    (b"ftyp", 4, "video/mp4"),
)


def sniff_content_type(head: bytes) -> str:
    for magic, offset, kind in _SIGNATURES:
        if head[offset : offset + len(magic)] == magic:
            return kind
    return "application/octet-stream"


@frozen
class UploadSource:
    """What to upload: bytes in memory or a file on disk, with its size, type and object key."""

    data: bytes | None
    path: Path | None
    size: int
    content_type: str
    key: str

    @classmethod
    def of(cls, value: object, content_type: str | None) -> UploadSource:
        if content_type is not None and (not isinstance(content_type, str) or "/" not in content_type):
            raise InvalidInputError(
                f"content_type must be a MIME type such as 'image/png', got {content_type!r}"
            )
        token = uuid.uuid4().hex[:16]
        if isinstance(value, bytes | bytearray | memoryview):
            data = bytes(value)
            if not data:
                raise InvalidInputError("cannot upload empty bytes")
            kind = content_type or sniff_content_type(data[:16])
            extension = mimetypes.guess_extension(kind) or ".bin"
            return cls(data, None, len(data), kind, f"{token}{extension}")
        if not isinstance(value, str | os.PathLike) or not str(value).strip():
            raise InvalidInputError(f"upload needs a path or bytes, got {type(value).__name__}")
        path = user_path(value)
        size, head = read_head(path, "upload")
        if size == 0:
            raise InvalidInputError(f"cannot upload an empty file: {str(path)!r}")
        if content_type is None:
            guessed, _ = mimetypes.guess_type(path.name)
            content_type = guessed or sniff_content_type(head)
        safe = _SAFE.sub("_", path.name).strip("._") or "file"
        return cls(None, path, size, content_type, f"{token}-{safe}")

    def request(self) -> UploadUrlRequest:
        from a2e_api.models.upload_url_request import UploadUrlRequest

        return UploadUrlRequest(
            key=self.key, content_type=self.content_type, file_size=self.size, content_length=self.size
        )

    def headers(self) -> dict[str, str]:
        return {"Content-Type": self.content_type, "Content-Length": str(self.size)}

    def chunks(self) -> Iterator[bytes]:
        """The bytes to send: exactly ``size`` of them (the Content-Length). A file that cannot be read
        now, or whose size changed since it was checked, is ``LocalFileError`` (not retried)."""
        if self.data is not None:
            yield self.data
            return
        assert self.path is not None
        left = self.size
        try:
            with self.path.open("rb") as handle:
                while left and (chunk := handle.read(min(CHUNK, left))):
                    left -= len(chunk)
                    yield chunk
                changed = left > 0 or handle.read(1) != b""
        except OSError as error:
            raise LocalFileError(
                f"cannot read {str(self.path)!r} while uploading it: {error.strerror or error}",
                filename=str(self.path),
                errno=error.errno,
            ) from None
        if changed:
            raise LocalFileError(
                f"{str(self.path)!r} changed size while it was uploaded", filename=str(self.path)
            )

    async def achunks(self) -> AsyncIterator[bytes]:
        for chunk in self.chunks():
            yield chunk


def _target(data: UploadUrl) -> UploadTarget:
    target = UploadTarget.from_wire(data.to_dict())
    for name, url in (("uploadUrl", target.upload_url), ("public URL", target.public_url)):
        if urlsplit(url).scheme not in ("http", "https"):
            raise UnreadableResponseError(
                f"create_upload_url answered no usable {name}", operation="create_upload_url", status=200
            )
    return target


class Uploads(Resource[SyncApi]):
    """``client.uploads`` (sync)."""

    def __init__(self, api: SyncApi) -> None:
        self._api = api

    def upload(
        self,
        source: str | os.PathLike[str] | bytes,
        content_type: str | None = None,
        *,
        timeout: TimeoutArg = NOT_GIVEN,
    ) -> str:
        """Upload a file (path) or bytes; return the public URL to use as ``face`` / ``video``."""
        src = UploadSource.of(source, content_type)
        target = _target(self._api.call(endpoints.CREATE_UPLOAD_URL, timeout, body=src.request()).data)

        def put() -> None:
            with self._api.stream(
                "upload_put", "PUT", target.upload_url, timeout, content=src.chunks(), headers=src.headers()
            ):
                pass

        retry_sync("upload_put", put, self._api.retry_count(True), self._api.sleep)
        return target.public_url

    def url_for(self, source: MediaSource, timeout: TimeoutArg = NOT_GIVEN) -> str:
        """``source`` if it is a URL, else the URL of the local file after uploading it."""
        return source if isinstance(source, str) else self.upload(source, timeout=timeout)


class AsyncUploads(Resource[AsyncApi]):
    """``client.uploads`` (async)."""

    def __init__(self, api: AsyncApi) -> None:
        self._api = api

    async def upload(
        self,
        source: str | os.PathLike[str] | bytes,
        content_type: str | None = None,
        *,
        timeout: TimeoutArg = NOT_GIVEN,
    ) -> str:
        """Upload a file (path) or bytes; return the public URL to use as ``face`` / ``video``."""
        src = UploadSource.of(source, content_type)
        target = _target(
            (await self._api.call(endpoints.CREATE_UPLOAD_URL, timeout, body=src.request())).data
        )

        async def put() -> None:
            async with self._api.stream(
                "upload_put", "PUT", target.upload_url, timeout, content=src.achunks(), headers=src.headers()
            ):
                pass

        await retry_async("upload_put", put, self._api.retry_count(True), self._api.sleep)
        return target.public_url

    async def url_for(self, source: MediaSource, timeout: TimeoutArg = NOT_GIVEN) -> str:
        """``source`` if it is a URL, else the URL of the local file after uploading it."""
        return source if isinstance(source, str) else await self.upload(source, timeout=timeout)
