"""``SyncApi`` / ``AsyncApi``: what one client holds to talk to A2E — its ``Config``, its ``httpx`` pool
(its own, or the user's ``http_client``), the auth and the request log — and the two ways it talks:

* ``call(endpoint, timeout, **kwargs)``: an API operation through the generated code (``_adapter``),
  retried by the policy (``_retry``), answered with the generated success model or one of our errors;
* ``stream(operation, method, url, timeout)``: a raw request outside the API (a download, an upload
  PUT), with no Authorization and no whole-attempt deadline (a long download keeps going while bytes
  flow; its own bounds live in ``_download``), errors mapped, a non-2xx answer raised.

The resources (``client.tasks`` ...) keep one as ``self._api``; the twins differ only in awaiting.
A user's ``http_client`` is used as is and never closed by us: everything is applied per request (see
``_adapter``); only the network guard (``_network``) wraps its pool's backend, changing nothing
outside our API requests.
"""

from __future__ import annotations

import contextlib
import time
import weakref
from collections.abc import AsyncIterator, Collection, Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar

import httpx

from ._adapter import send_async, send_sync
from ._auth import ApiAuth
from ._endpoints import Endpoint
from ._error_mapping import accepted, error_from_response, mapped_errors
from ._logging import RequestLog
from ._pools import LoopPools, OneLoopPool
from ._reading import ERROR_LIMIT, BodyReader, Deadline, decoded, read_body_async, read_body_sync
from ._retry import RetryCount, RetryPolicy, retry_async, retry_sync
from ._types import NOT_GIVEN, NotGiven, TimeoutArg
from ._validation import check_request_timeout
from ._version import __version__
from .errors import InvalidInputError

__all__ = ["ACCEPT_ENCODING", "USER_AGENT", "AsyncApi", "Config", "SyncApi"]

S = TypeVar("S")

#: API answers may be compressed with what ``_reading.BodyReader`` decodes, and nothing else.
ACCEPT_ENCODING = "gzip, deflate"
USER_AGENT = f"a2e-faceswap/{__version__} httpx/{httpx.__version__}"
_guarded: weakref.WeakSet[httpx.Client | httpx.AsyncClient] = weakref.WeakSet()


@dataclass(frozen=True, kw_only=True)
class Config:
    base_url: str
    token: str = field(repr=False)
    timeout: float | httpx.Timeout | None
    retry: RetryPolicy
    #: Sent with every API request (not with downloads or uploads to other hosts): ours, then the
    #: user's ``default_headers``.
    headers: Mapping[str, str] = field(default_factory=dict, repr=False)
    #: The pools are ours, made with ``headers`` as their defaults (not a user's ``http_client``).
    own_pool: bool = False


def _raw_options(kwargs: dict[str, Any]) -> dict[str, Any]:
    """A raw call's options: redirects only where asked (whatever ``http`` says), and compressed error
    bodies only in what ``BodyReader`` decodes (downloads ask ``identity`` themselves)."""
    headers = {"Accept-Encoding": ACCEPT_ENCODING, **kwargs.get("headers", {})}
    return {"follow_redirects": False, **kwargs, "headers": headers}


class _ApiBase:
    """What the twins share: configuration, auth, and the checks made before sending."""

    def __init__(self, config: Config, owns_http: bool, log: RequestLog) -> None:
        self.config = config
        self.owns_http = owns_http
        self.log = log
        self.auth = ApiAuth(config.token, config.base_url, log)
        self.raw_auth = ApiAuth("", config.base_url, log)

    @property
    def secret(self) -> str:
        return self.config.token

    @staticmethod
    def guard(http: httpx.Client | httpx.AsyncClient) -> None:
        """Wrap the network backends of ``http``'s pools once (see ``_network``; imported on first use:
        it imports httpcore)."""
        if http not in _guarded:
            from ._network import wrap_backends

            wrap_backends(http)
            _guarded.add(http)

    def refuse_token_in_url(self, operation: str, kwargs: Mapping[str, Any]) -> None:
        """Ids and query values go into the URL, and URLs end up in logs (ours, httpx's, proxies'):
        refuse, before sending, a value that contains the API token (say, pasted where an id belongs)."""
        for name, value in kwargs.items():
            if isinstance(value, str) and self.secret and self.secret in value:
                raise InvalidInputError(
                    f"{operation}: {name} contains your API token; refusing to put it in a URL"
                )

    def timeout_for(self, timeout: TimeoutArg) -> float | httpx.Timeout | None:
        return self.config.timeout if isinstance(timeout, NotGiven) else check_request_timeout(timeout)

    def derived_config(self, timeout: TimeoutArg, max_retries: int | NotGiven) -> Config:
        config = self.config
        if not isinstance(timeout, NotGiven):
            config = replace(config, timeout=timeout)
        if not isinstance(max_retries, NotGiven):
            config = replace(config, retry=replace(config.retry, max_retries=max_retries))
        return config

    def retry_count(self, idempotent: bool, *, retry: bool = True) -> RetryCount:
        policy = self.config.retry if retry else replace(self.config.retry, max_retries=0)
        return RetryCount(policy, idempotent)

    @staticmethod
    def now() -> float:
        return time.monotonic()

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={self.config.base_url!r})"


class SyncApi(_ApiBase):
    def __init__(self, config: Config, http: httpx.Client, log: RequestLog, *, owns_http: bool) -> None:
        super().__init__(config, owns_http, log)
        self.http = http

    def derive(self, timeout: TimeoutArg, max_retries: int | NotGiven) -> SyncApi:
        return SyncApi(self.derived_config(timeout, max_retries), self.http, self.log, owns_http=False)

    def close(self) -> None:
        if self.owns_http:
            self.http.close()

    @staticmethod
    def sleep(seconds: float) -> None:
        time.sleep(seconds)

    def call(
        self, endpoint: Endpoint[S], timeout: TimeoutArg = NOT_GIVEN, *, retry: bool = True, **kwargs: Any
    ) -> S:
        """Send ``endpoint`` with ``kwargs`` (the generated function's arguments), retried by the policy
        (``retry=False``: one attempt)."""
        self.refuse_token_in_url(endpoint.name, kwargs)
        request_timeout = self.timeout_for(timeout)
        return retry_sync(
            endpoint.name,
            lambda: send_sync(self, endpoint, request_timeout, kwargs),
            self.retry_count(endpoint.idempotent, retry=retry),
            self.sleep,
            settle=endpoint.settle,
        )

    @contextlib.contextmanager
    def stream(
        self,
        operation: str,
        method: str,
        url: str,
        timeout: TimeoutArg,
        *,
        accept: Collection[int] = (),
        **kwargs: Any,
    ) -> Iterator[httpx.Response]:
        """A raw request (see the module docstring); non-2xx is raised unless its status is in
        ``accept`` (reading at most ``ERROR_LIMIT`` bytes of the error body)."""
        self.guard(self.http)  # before the pool's first connection, which API calls may reuse
        options = _raw_options(kwargs)
        with (
            mapped_errors(operation, self.secret),
            self.http.stream(
                method, url, auth=self.raw_auth, timeout=self.timeout_for(timeout), **options
            ) as response,
        ):
            if not accepted(response.status_code, accept):
                reader = BodyReader(response, operation, Deadline(None), limit=ERROR_LIMIT)
                answer = decoded(response, read_body_sync(response, reader), self.secret)
                raise error_from_response(operation, answer, self.secret)
            yield response


class AsyncApi(_ApiBase):
    def __init__(
        self, config: Config, pools: LoopPools | OneLoopPool, log: RequestLog, *, owns_http: bool
    ) -> None:
        super().__init__(config, owns_http, log)
        self.pools = pools

    @property
    def http(self) -> httpx.AsyncClient:
        """The connection pool of the running event loop (see ``LoopPools``)."""
        return self.pools.current()

    def derive(self, timeout: TimeoutArg, max_retries: int | NotGiven) -> AsyncApi:
        return AsyncApi(self.derived_config(timeout, max_retries), self.pools, self.log, owns_http=False)

    async def close(self) -> None:
        if self.owns_http:
            await self.pools.aclose()

    @staticmethod
    async def sleep(seconds: float) -> None:
        import asyncio

        await asyncio.sleep(seconds)

    async def call(
        self, endpoint: Endpoint[S], timeout: TimeoutArg = NOT_GIVEN, *, retry: bool = True, **kwargs: Any
    ) -> S:
        """``SyncApi.call``, awaited."""
        self.refuse_token_in_url(endpoint.name, kwargs)
        request_timeout = self.timeout_for(timeout)
        return await retry_async(
            endpoint.name,
            lambda: send_async(self, endpoint, request_timeout, kwargs),
            self.retry_count(endpoint.idempotent, retry=retry),
            self.sleep,
            settle=endpoint.settle,
        )

    @contextlib.asynccontextmanager
    async def stream(
        self,
        operation: str,
        method: str,
        url: str,
        timeout: TimeoutArg,
        *,
        accept: Collection[int] = (),
        **kwargs: Any,
    ) -> AsyncIterator[httpx.Response]:
        """``SyncApi.stream``, async."""
        self.guard(self.http)
        options = _raw_options(kwargs)
        with mapped_errors(operation, self.secret):
            async with self.http.stream(
                method, url, auth=self.raw_auth, timeout=self.timeout_for(timeout), **options
            ) as response:
                if not accepted(response.status_code, accept):
                    reader = BodyReader(response, operation, Deadline(None), limit=ERROR_LIMIT)
                    answer = decoded(response, await read_body_async(response, reader), self.secret)
                    raise error_from_response(operation, answer, self.secret)
                yield response
