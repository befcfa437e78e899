"""``client.faces``: the account's saved face images."""

from __future__ import annotations

import builtins
import os
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from . import _endpoints as endpoints
from ._api import AsyncApi, SyncApi
from ._resource import Resource
from ._types import NOT_GIVEN, TimeoutArg
from ._uploads import AsyncUploads, Uploads
from ._validation import check_id, media_source
from .errors import UnreadableResponseError
from .models import FaceImage

if TYPE_CHECKING:
    from a2e_api.models import AddFaceImageRequest
    from a2e_api.models import FaceImage as WireFaceImage

__all__ = ["AsyncFaces", "Faces"]

_EPOCH = datetime.min.replace(tzinfo=UTC)


def face_list(data: Sequence[WireFaceImage] | Any) -> list[FaceImage]:
    """``data`` of list_face_images / add_face_image: a bare list, or a ``{rows, count}`` page."""
    rows = data if isinstance(data, list) else list(getattr(data, "rows", []))
    return [FaceImage.from_wire(row.to_dict()) for row in rows]


def _body(face_url: str) -> AddFaceImageRequest:
    from a2e_api.models.add_face_image_request import AddFaceImageRequest

    return AddFaceImageRequest(face_url=face_url)


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


class Faces(Resource[SyncApi]):
    """``client.faces`` (sync)."""

    def __init__(self, api: SyncApi, uploads: Uploads) -> None:
        self._api = api
        self._uploads = uploads

    def add(self, face: str | os.PathLike[str], *, timeout: TimeoutArg = NOT_GIVEN) -> FaceImage:
        """Save a face image (URL, or local file uploaded first); return the saved record."""
        url = self._uploads.url_for(media_source(face, "face"), timeout)
        answer = self._api.call(endpoints.ADD_FACE_IMAGE, timeout, body=_body(url))
        return pick_added(face_list(answer.data), url)

    def list(self, *, timeout: TimeoutArg = NOT_GIVEN) -> builtins.list[FaceImage]:
        """All saved face images."""
        return face_list(self._api.call(endpoints.LIST_FACE_IMAGES, timeout).data)

    def delete(self, face_id: str, *, timeout: TimeoutArg = NOT_GIVEN) -> None:
        """Remove a saved face image."""
        self._api.call(endpoints.DELETE_FACE_IMAGE, timeout, field_id=check_id(face_id, "face_id"))


class AsyncFaces(Resource[AsyncApi]):
    """``client.faces`` (async)."""

    def __init__(self, api: AsyncApi, uploads: AsyncUploads) -> None:
        self._api = api
        self._uploads = uploads

    async def add(self, face: str | os.PathLike[str], *, timeout: TimeoutArg = NOT_GIVEN) -> FaceImage:
        """Save a face image (URL, or local file uploaded first); return the saved record."""
        url = await self._uploads.url_for(media_source(face, "face"), timeout)
        answer = await self._api.call(endpoints.ADD_FACE_IMAGE, timeout, body=_body(url))
        return pick_added(face_list(answer.data), url)

    async def list(self, *, timeout: TimeoutArg = NOT_GIVEN) -> builtins.list[FaceImage]:
        """All saved face images."""
        return face_list((await self._api.call(endpoints.LIST_FACE_IMAGES, timeout)).data)

    async def delete(self, face_id: str, *, timeout: TimeoutArg = NOT_GIVEN) -> None:
        """Remove a saved face image."""
        await self._api.call(endpoints.DELETE_FACE_IMAGE, timeout, field_id=check_id(face_id, "face_id"))
