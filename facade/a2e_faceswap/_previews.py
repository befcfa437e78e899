"""``client.previews``: quick single-frame face swaps."""

from __future__ import annotations

import os
from collections.abc import Callable

from a2e_api.models import CreatePreviewRequest

from . import _endpoints as ep
from ._polling import RequestTimeout, WaitMachine
from ._resource import Resource
from ._transport import NOT_GIVEN, AsyncTransport, SyncTransport, TimeoutArg
from ._uploads import AsyncUploads, Uploads
from ._validation import answered_id, check_id, media_source
from ._waiting import wait_async, wait_sync
from .models import Preview

__all__ = ["AsyncPreviews", "Previews"]

PREVIEW_WAIT_TIMEOUT = 600.0
PREVIEW_POLL_INTERVAL = 2.0


def _subject(preview: str | Preview) -> tuple[str, Preview | None]:
    if isinstance(preview, Preview):
        return answered_id(preview.id, "preview"), preview
    return check_id(preview, "preview_id"), None


class Previews(Resource[SyncTransport]):
    """``client.previews`` (sync)."""

    def __init__(self, transport: SyncTransport, uploads: Uploads) -> None:
        self._t = transport
        self._uploads = uploads

    def create(
        self, *, face: str | os.PathLike[str], video: str | os.PathLike[str], timeout: TimeoutArg = NOT_GIVEN
    ) -> Preview:
        """Start a preview; ``face`` / ``video`` are URLs or local files (uploaded first)."""
        sources = media_source(face, "face"), media_source(video, "video")
        face_url = self._uploads.url_for(sources[0], timeout)
        video_url = self._uploads.url_for(sources[1], timeout)
        body = CreatePreviewRequest(face_url=face_url, video_url=video_url)
        return Preview.from_wire(self._t.call(ep.CREATE_PREVIEW, timeout, body=body).data.to_dict())

    def get(self, preview_id: str, *, timeout: TimeoutArg = NOT_GIVEN) -> Preview:
        """The preview's current state."""
        answer = self._t.call(ep.GET_PREVIEW_STATUS, timeout, field_id=check_id(preview_id, "preview_id"))
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
        for each poll to the time left before the deadline, see ``_polling``)."""
        preview_id, known = _subject(preview)
        machine = WaitMachine[Preview](
            preview_id,
            now=self._t.now(),
            timeout=timeout,
            poll_interval=poll_interval,
            retry=self._t.config.retry,
        )

        def fetch(timeout: RequestTimeout) -> Preview:
            answer = self._t.call(ep.GET_PREVIEW_STATUS, timeout, retry=False, field_id=preview_id)
            return Preview.from_wire(answer.data.to_dict())

        default = self._t.timeout_for(request_timeout)
        return wait_sync(machine, fetch, known, on_update, self._t.sleep, self._t.now, default)


class AsyncPreviews(Resource[AsyncTransport]):
    """``client.previews`` (async)."""

    def __init__(self, transport: AsyncTransport, uploads: AsyncUploads) -> None:
        self._t = transport
        self._uploads = uploads

    async def create(
        self, *, face: str | os.PathLike[str], video: str | os.PathLike[str], timeout: TimeoutArg = NOT_GIVEN
    ) -> Preview:
        """Start a preview; ``face`` / ``video`` are URLs or local files (uploaded first)."""
        sources = media_source(face, "face"), media_source(video, "video")
        face_url = await self._uploads.url_for(sources[0], timeout)
        video_url = await self._uploads.url_for(sources[1], timeout)
        body = CreatePreviewRequest(face_url=face_url, video_url=video_url)
        return Preview.from_wire((await self._t.call(ep.CREATE_PREVIEW, timeout, body=body)).data.to_dict())

    async def get(self, preview_id: str, *, timeout: TimeoutArg = NOT_GIVEN) -> Preview:
        """The preview's current state."""
        answer = await self._t.call(
            ep.GET_PREVIEW_STATUS, timeout, field_id=check_id(preview_id, "preview_id")
        )
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
        preview_id, known = _subject(preview)
        machine = WaitMachine[Preview](
            preview_id,
            now=self._t.now(),
            timeout=timeout,
            poll_interval=poll_interval,
            retry=self._t.config.retry,
        )

        async def fetch(timeout: RequestTimeout) -> Preview:
            answer = await self._t.call(ep.GET_PREVIEW_STATUS, timeout, retry=False, field_id=preview_id)
            return Preview.from_wire(answer.data.to_dict())

        default = self._t.timeout_for(request_timeout)
        return await wait_async(machine, fetch, known, on_update, self._t.sleep, self._t.now, default)
