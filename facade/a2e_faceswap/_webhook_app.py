"""The Starlette receiver behind ``webhooks.app`` (imported only when an app is built).

Order per delivery: a method other than POST is 405; then the token (401: an unsigned request costs no
body read); then the body: a ``Content-Length`` past the bound is 413 before anything is read, and a
body streaming past it is 413 as soon as it does. A body that verifies but cannot be read is still
handed on, as an event with ``task_id=None``. A failing callback or a full queue is logged and the
answer stays 204: the sender did its part, and A2E does not retry anyway.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Awaitable, Callable

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ._logging import register_secret
from .errors import InvalidInputError, WebhookPayloadError, WebhookVerificationError
from .webhooks import WebhookEvent, parse, verify

logger = logging.getLogger("a2e_faceswap.webhooks")


async def read_bounded(request: Request, limit: int) -> bytes | None:
    """The request body, or None as soon as it is known to exceed ``limit`` bytes: by its
    Content-Length before any byte is read, else while streaming (never buffering more than ``limit``).
    Also the simulator's reader (``testing._files``)."""
    declared = request.headers.get("content-length", "").strip()
    if declared.isdigit() and int(declared) > limit:
        return None
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def build(
    token: str,
    *,
    on_event: Callable[[WebhookEvent], Awaitable[None] | None] | None,
    queue: asyncio.Queue[WebhookEvent] | None,
    max_body: int,
) -> Starlette:
    if not isinstance(token, str) or not token:
        raise InvalidInputError("webhooks.app: the webhook token must be a non-empty string")
    if isinstance(max_body, bool) or not isinstance(max_body, int) or max_body < 1:
        raise InvalidInputError("webhooks.app: max_body must be a positive number of bytes")
    register_secret(token)

    async def hand_on(event: WebhookEvent) -> None:
        if queue is not None:
            try:
                queue.put_nowait(event)
            except asyncio.QueueFull:
                logger.warning("webhook event for task %s dropped: the queue is full", event.task_id)
        if on_event is not None:
            try:
                result = on_event(event)
                if inspect.isawaitable(result):
                    await result
            except Exception:
                logger.exception("webhook callback failed for task %s", event.task_id)

    async def receive(request: Request) -> Response:
        client = request.client.host if request.client else "?"
        try:  # the token first: an unsigned request costs no body read
            verify(request.headers, token)
        except WebhookVerificationError as exc:
            logger.warning("%s (from %s, path %s)", exc, client, repr(request.url.path)[:200])
            return Response(status_code=401)
        body = await read_bounded(request, max_body)
        if body is None:
            logger.warning("webhook delivery from %s refused: body over %d bytes", client, max_body)
            return Response(status_code=413)
        try:
            event = parse(body)
        except WebhookPayloadError as exc:
            logger.warning("verified webhook delivery from %s not readable: %s", client, exc)
            event = WebhookEvent(task_id=None)
        logger.info("webhook event %s for task %s", event.event, event.task_id)
        await hand_on(event)
        return Response(status_code=204)

    routes = [Route("/{path:path}", receive, methods=["POST"])]
    return Starlette(routes=routes)
