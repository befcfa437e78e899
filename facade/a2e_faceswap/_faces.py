"""``client.faces``: the account's saved face images."""

from __future__ import annotations

import builtins
import os
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from a2e_api.models import AddFaceImageRequest
from a2e_api.models import FaceImage as WireFaceImage

from . import _endpoints as ep
from ._resource import Resource
from ._transport import NOT_GIVEN, AsyncTransport, SyncTransport, TimeoutArg
from ._uploads import AsyncUploads, Uploads
from ._validation import check_id, media_source
from .errors import UnreadableResponseError
from .models import FaceImage

__all__ = ["AsyncFaces", "Faces"]

_EPOCH = datetime.min.replace(tzinfo=UTC)


def face_list(data: Sequence[WireFaceImage] | Any) -> list[FaceImage]:
    """``data`` of list_face_images / add_face_image: a bare list, or a ``{rows, count}`` page."""
    rows = data if isinstance(data, list) else list(getattr(data, "rows", []))
    return [FaceImage.from_wire(row.to_dict()) for row in rows]


def pick_added(images: list[FaceImage], submitted: str) -> FaceImage:
    """add_face_image answers the whole list: find the image just added. A2E may serve it from
    another CDN host (same path), so match the URL, then the path, then take the newest. An empty
    list cannot hold it and is refused (the contract says `minItems: 1`)."""
    if not images:
        raise UnreadableResponseError(
            "add_face_image answered an empty face list", operation="add_face_image"
        )
    for image in images:
        if image.face_url == submitted:
            return image
    path = urlsplit(submitted).path
    for image in images:
        if image.face_url and path and urlsplit(image.face_url).path == path:
            return image
    return max(images, key=lambda image: image.created_at or _EPOCH)


class Faces(Resource[SyncTransport]):
    """``client.faces`` (sync)."""

    def __init__(self, transport: SyncTransport, uploads: Uploads) -> None:
        self._t = transport
        self._uploads = uploads

    def add(self, face: str | os.PathLike[str], *, timeout: TimeoutArg = NOT_GIVEN) -> FaceImage:
        """Save a face image (URL, or local file uploaded first); return the saved record."""
        url = self._uploads.url_for(media_source(face, "face"), timeout)
        answer = self._t.call(ep.ADD_FACE_IMAGE, timeout, body=AddFaceImageRequest(face_url=url))
        return pick_added(face_list(answer.data), url)

    def list(self, *, timeout: TimeoutArg = NOT_GIVEN) -> builtins.list[FaceImage]:
        """All saved face images."""
        return face_list(self._t.call(ep.LIST_FACE_IMAGES, timeout).data)

    def delete(self, face_id: str, *, timeout: TimeoutArg = NOT_GIVEN) -> None:
        """Remove a saved face image."""
        self._t.call(ep.DELETE_FACE_IMAGE, timeout, field_id=check_id(face_id, "face_id"))


class AsyncFaces(Resource[AsyncTransport]):
    """``client.faces`` (async)."""

    def __init__(self, transport: AsyncTransport, uploads: AsyncUploads) -> None:
        self._t = transport
        self._uploads = uploads

    async def add(self, face: str | os.PathLike[str], *, timeout: TimeoutArg = NOT_GIVEN) -> FaceImage:
        """Save a face image (URL, or local file uploaded first); return the saved record."""
        url = await self._uploads.url_for(media_source(face, "face"), timeout)
        answer = await self._t.call(ep.ADD_FACE_IMAGE, timeout, body=AddFaceImageRequest(face_url=url))
        return pick_added(face_list(answer.data), url)

    async def list(self, *, timeout: TimeoutArg = NOT_GIVEN) -> builtins.list[FaceImage]:
        """All saved face images."""
        return face_list((await self._t.call(ep.LIST_FACE_IMAGES, timeout)).data)

    async def delete(self, face_id: str, *, timeout: TimeoutArg = NOT_GIVEN) -> None:
        """Remove a saved face image."""
        await self._t.call(ep.DELETE_FACE_IMAGE, timeout, field_id=check_id(face_id, "face_id"))
