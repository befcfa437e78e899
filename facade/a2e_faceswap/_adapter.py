"""The one place that calls the generated ``*_detailed`` functions (``send_sync`` / ``send_async``).

A generated function only needs ``client.get_httpx_client()`` (or the async twin) and
``client.raise_on_unexpected_status``. It is given a per-call ``CallClient`` whose
``get_httpx_client()`` returns a ``RequestView`` over the client's ``httpx.Client``; the view sends
the request the generated code builds, our way, and remembers the ``httpx.Response``. So

* per-call timeouts never mutate the shared pool (the generated ``with_timeout`` would), and
  ``with_options`` copies share one pool;
* when the generated code fails to parse a body (``KeyError``, ``TypeError``...) we still hold the
  response and can tell "HTTP 200 with an error code" from "unreadable" (``_error_mapping.outcome``);
* the answer is read by us, not by httpx: sent with ``stream=True``, its raw bytes go through
  ``_reading`` (bounded decoding, the token scrubbed) and the generated code parses those bytes;
* the request's ``timeout`` bounds the whole attempt: each phase's httpx timeout is clipped to the time
  left (``Deadline.phases``), and the network guard (``_network``) clips each socket operation through
  ``_reading.DEADLINE``, set only while the request runs;
* the request goes to an absolute URL with our headers, our auth and no redirects, whatever the
  ``httpx`` client's own settings are (it may be the user's ``http_client``, which is never changed).
"""

from __future__ import annotations

import contextlib
import time
from typing import TYPE_CHECKING, Any, TypeVar, cast

import httpx

from ._error_mapping import PARSE_ERRORS, outcome
from ._reading import (
    DEADLINE,
    BodyReader,
    Deadline,
    RequestTimeout,
    decoded,
    read_body_async,
    read_body_sync,
)

if TYPE_CHECKING:
    from a2e_api.client import AuthenticatedClient

    from ._api import AsyncApi, Config, SyncApi
    from ._endpoints import Endpoint

__all__ = ["send_async", "send_sync"]

S = TypeVar("S")


def _prepare(
    http: httpx.Client | httpx.AsyncClient, config: Config, timeout: RequestTimeout, kwargs: dict[str, Any]
) -> tuple[httpx.Request, Deadline]:
    """The request of one attempt: an absolute URL (``http`` may have no base_url, or another one)
    and our headers, whatever ``http``'s defaults are."""
    now = time.monotonic()
    deadline = Deadline.start(timeout, now)
    kwargs["url"] = config.base_url + kwargs["url"]  # the generated paths start with '/'
    request = http.build_request(**kwargs, timeout=deadline.phases(timeout, now))
    if not config.own_pool:  # a user's client: our headers are added to each request
        request.headers.update(config.headers)
    return request, deadline


class RequestView:
    """What the generated code sees as its ``httpx.Client`` for one call."""

    def __init__(self, api: SyncApi, operation: str, timeout: RequestTimeout) -> None:
        self._api = api
        self._operation = operation
        self._timeout = timeout
        self.response: httpx.Response | None = None

    def request(self, **kwargs: Any) -> httpx.Response:
        api, http = self._api, self._api.http
        api.guard(http)
        request, deadline = _prepare(http, api.config, self._timeout, kwargs)
        token = DEADLINE.set(deadline)
        try:
            send = http.send(request, stream=True, auth=api.auth, follow_redirects=False)
            with contextlib.closing(send) as response:
                body = read_body_sync(response, BodyReader(response, self._operation, deadline))
        finally:
            DEADLINE.reset(token)
        self.response = decoded(response, body, api.secret)
        return self.response


class AsyncRequestView:
    """``RequestView`` for the async generated functions."""

    def __init__(self, api: AsyncApi, operation: str, timeout: RequestTimeout) -> None:
        self._api = api
        self._operation = operation
        self._timeout = timeout
        self.response: httpx.Response | None = None

    async def request(self, **kwargs: Any) -> httpx.Response:
        api, http = self._api, self._api.http
        api.guard(http)
        request, deadline = _prepare(http, api.config, self._timeout, kwargs)
        token = DEADLINE.set(deadline)
        try:
            response = await http.send(request, stream=True, auth=api.auth, follow_redirects=False)
            try:
                body = await read_body_async(response, BodyReader(response, self._operation, deadline))
            finally:
                await response.aclose()
        finally:
            DEADLINE.reset(token)
        self.response = decoded(response, body, api.secret)
        return self.response


class CallClient:
    """Quacks like the generated ``AuthenticatedClient`` for exactly one call."""

    raise_on_unexpected_status = False

    def __init__(self, view: RequestView | AsyncRequestView) -> None:
        self._view = view

    def get_httpx_client(self) -> RequestView | AsyncRequestView:
        return self._view

    get_async_httpx_client = get_httpx_client


def send_sync(api: SyncApi, endpoint: Endpoint[S], timeout: RequestTimeout, kwargs: dict[str, Any]) -> S:
    """One attempt: the success model, or the error the answer (or its absence) stands for."""
    view = RequestView(api, endpoint.name, timeout)
    client = cast("AuthenticatedClient", CallClient(view))
    try:
        detailed = endpoint.load().sync(client=client, **kwargs)
    except (httpx.HTTPError, httpx.InvalidURL, *PARSE_ERRORS) as exc:
        return outcome(endpoint, api.secret, view.response, None, exc)
    return outcome(endpoint, api.secret, view.response, detailed, None)


async def send_async(
    api: AsyncApi, endpoint: Endpoint[S], timeout: RequestTimeout, kwargs: dict[str, Any]
) -> S:
    """``send_sync``, awaited."""
    view = AsyncRequestView(api, endpoint.name, timeout)
    client = cast("AuthenticatedClient", CallClient(view))
    try:
        detailed = await endpoint.load().asyncio(client=client, **kwargs)
    except (httpx.HTTPError, httpx.InvalidURL, *PARSE_ERRORS) as exc:
        return outcome(endpoint, api.secret, view.response, None, exc)
    return outcome(endpoint, api.secret, view.response, detailed, None)
