"""``client.previews``: quick single-frame face swaps."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TYPE_CHECKING

from . import _endpoints as endpoints
from ._api import AsyncApi, SyncApi
from ._reading import RequestTimeout
from ._resource import Resource
from ._types import NOT_GIVEN, TimeoutArg
from ._uploads import AsyncUploads, Uploads
from ._validation import answered_id, check_id, media_source
from ._waiting import wait_async, wait_sync
from .models import Preview

if TYPE_CHECKING:
    from a2e_api.models import CreatePreviewRequest

__all__ = ["AsyncPreviews", "Previews"]

PREVIEW_WAIT_TIMEOUT = 600.0
PREVIEW_POLL_INTERVAL = 2.0


def _subject(preview: str | Preview) -> tuple[str, Preview | None]:
    if isinstance(preview, Preview):
        return answered_id(preview.id, "preview"), preview
    return check_id(preview, "preview_id"), None


def _body(face_url: str, video_url: str) -> CreatePreviewRequest:
    from a2e_api.models.create_preview_request import CreatePreviewRequest

    return CreatePreviewRequest(face_url=face_url, video_url=video_url)


class Previews(Resource[SyncApi]):
    """``client.previews`` (sync)."""

    def __init__(self, api: SyncApi, uploads: Uploads) -> None:
        self._api = api
        self._uploads = uploads

    def create(
        self, *, face: str | os.PathLike[str], video: str | os.PathLike[str], timeout: TimeoutArg = NOT_GIVEN
    ) -> Preview:
        """Start a preview; ``face`` / ``video`` are URLs or local files (uploaded first)."""
        sources = media_source(face, "face"), media_source(video, "video")
        face_url = self._uploads.url_for(sources[0], timeout)
        body = _body(face_url, self._uploads.url_for(sources[1], timeout))
        return Preview.from_wire(self._api.call(endpoints.CREATE_PREVIEW, timeout, body=body).data.to_dict())

    def get(self, preview_id: str, *, timeout: TimeoutArg = NOT_GIVEN) -> Preview:
        """The preview's current state."""
        preview_id = check_id(preview_id, "preview_id")
        answer = self._api.call(endpoints.GET_PREVIEW_STATUS, timeout, field_id=preview_id)
        return Preview.from_wire(answer.data.to_dict())

    def wait(
        self,
        preview: str | Preview,
        *,
        timeout: float | None = PREVIEW_WAIT_TIMEOUT,
        poll_interval: float = PREVIEW_POLL_INTERVAL,
        on_update: Callable[[Preview], object] | None = None,
        request_timeout: TimeoutArg = NOT_GIVEN,
    ) -> Preview:
        """Poll until the preview completes (returned) or fails (``TaskFailedError``); ``timeout`` is the
        overall deadline in seconds (``WaitTimeoutError``), ``request_timeout`` the per-request one (clipped
        for each poll to the time left before the deadline, see ``_waiting``)."""
        subject = _subject(preview)
        preview_id = subject[0]

        def fetch(timeout: RequestTimeout) -> Preview:
            answer = self._api.call(endpoints.GET_PREVIEW_STATUS, timeout, retry=False, field_id=preview_id)
            return Preview.from_wire(answer.data.to_dict())

        return wait_sync(self._api, fetch, subject, timeout, poll_interval, on_update, request_timeout)


class AsyncPreviews(Resource[AsyncApi]):
    """``client.previews`` (async)."""

    def __init__(self, api: AsyncApi, uploads: AsyncUploads) -> None:
        self._api = api
        self._uploads = uploads

    async def create(
        self, *, face: str | os.PathLike[str], video: str | os.PathLike[str], timeout: TimeoutArg = NOT_GIVEN
    ) -> Preview:
        """Start a preview; ``face`` / ``video`` are URLs or local files (uploaded first)."""
        sources = media_source(face, "face"), media_source(video, "video")
        face_url = await self._uploads.url_for(sources[0], timeout)
        body = _body(face_url, await self._uploads.url_for(sources[1], timeout))
        answer = await self._api.call(endpoints.CREATE_PREVIEW, timeout, body=body)
        return Preview.from_wire(answer.data.to_dict())

    async def get(self, preview_id: str, *, timeout: TimeoutArg = NOT_GIVEN) -> Preview:
        """The preview's current state."""
        preview_id = check_id(preview_id, "preview_id")
        answer = await self._api.call(endpoints.GET_PREVIEW_STATUS, timeout, field_id=preview_id)
        return Preview.from_wire(answer.data.to_dict())

    async def wait(
        self,
        preview: str | Preview,
        *,
        timeout: float | None = PREVIEW_WAIT_TIMEOUT,
        poll_interval: float = PREVIEW_POLL_INTERVAL,
        on_update: Callable[[Preview], object] | None = None,
        request_timeout: TimeoutArg = NOT_GIVEN,
    ) -> Preview:
        """Poll until the preview completes or fails (see the sync client); ``on_update`` may be async."""
        subject = _subject(preview)
        preview_id = subject[0]

        async def fetch(timeout: RequestTimeout) -> Preview:
            answer = await self._api.call(
                endpoints.GET_PREVIEW_STATUS, timeout, retry=False, field_id=preview_id
            )
            return Preview.from_wire(answer.data.to_dict())

        return await wait_async(self._api, fetch, subject, timeout, poll_interval, on_update, request_timeout)
