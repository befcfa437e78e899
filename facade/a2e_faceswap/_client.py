"""``A2E`` and ``AsyncA2E``: configuration, the connection pool, and the resources.

Each resource (``client.tasks`` ...) is made, and its module imported, on first use: ``from a2e_faceswap
import A2E`` loads only the request machinery (the import-time figure of ``make bench``).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import replace
from functools import cached_property
from types import TracebackType
from typing import TYPE_CHECKING, Self

import httpx

from ._api import ACCEPT_ENCODING, USER_AGENT, AsyncApi, Config, SyncApi
from ._logging import RequestLog, redact_headers, setup_from_env
from ._pools import LoopPools, OneLoopPool, own_async_pool, own_pool
from ._retry import RetryPolicy
from ._types import NOT_GIVEN, NotGiven, TimeoutArg
from ._validation import check_request_timeout, resolve_base_url
from .errors import AuthenticationError, InvalidInputError

if TYPE_CHECKING:
    from ._account import Account, AsyncAccount
    from ._batches import AsyncBatch, Batch
    from ._faces import AsyncFaces, Faces
    from ._previews import AsyncPreviews, Previews
    from ._tasks import AsyncTasks, Tasks
    from ._uploads import AsyncUploads, Uploads

__all__ = ["A2E", "DEFAULT_TIMEOUT", "AsyncA2E"]

#: 60 s per request (10 s to connect).
DEFAULT_TIMEOUT = httpx.Timeout(60.0, connect=10.0)


def clean_token(key: str) -> str:
    """The token as pasted, without surrounding whitespace and a pasted ``Bearer `` prefix (any case)."""
    key = key.strip()
    if key[:6].lower() == "bearer" and key[6:7].isspace():
        key = key[6:].strip()
    return key


def _check_token(token: str) -> None:
    """A token travels in a header: printable ASCII only. The message never shows the token."""
    for char in token:
        if ord(char) < 0x20 or 0x7F <= ord(char) <= 0x9F:
            raise InvalidInputError(
                f"the API key contains a control character (U+{ord(char):04X}): copy it again, "
                "without line breaks or other invisible characters"
            )
        if ord(char) > 0x7E:
            raise InvalidInputError(
                f"the API key contains a non-ASCII character (U+{ord(char):04X}); an A2E key is "
                "plain ASCII: copy it again"
            )


def _check_headers(headers: Mapping[str, str] | None) -> dict[str, str]:
    if headers is None:
        return {}
    if not isinstance(headers, Mapping) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in headers.items()
    ):
        raise InvalidInputError(
            f"default_headers must map header names to strings, got {redact_headers(headers)!r}"
            if isinstance(headers, Mapping)
            else f"default_headers must be a mapping, got {type(headers).__name__}"
        )
    return dict(headers)


def _check_http_client(http_client: object, expected: type[httpx.Client | httpx.AsyncClient]) -> None:
    if http_client is not None and not isinstance(http_client, expected):
        raise InvalidInputError(
            f"http_client must be an httpx.{expected.__name__}, got {type(http_client).__name__}"
        )


def _build_config(
    api_key: str | None,
    base_url: str | None,
    region: str | None,
    timeout: float | httpx.Timeout | None,
    max_retries: int | None,
    retry_policy: RetryPolicy | None,
    default_headers: Mapping[str, str] | None,
) -> Config:
    setup_from_env()
    key = api_key if api_key is not None else os.environ.get("A2E_API_KEY")
    if key is not None and not isinstance(key, str):
        raise InvalidInputError(f"api_key must be a string, got {type(key).__name__}")
    token = clean_token(key) if key else ""
    if not token:
        raise AuthenticationError(
            "no API key: pass A2E(api_key=...) or set A2E_API_KEY "
            "(create one in A2E's web UI: Account > API Token)"
        )
    _check_token(token)
    if retry_policy is not None and not isinstance(retry_policy, RetryPolicy):
        raise InvalidInputError(f"retry_policy must be a RetryPolicy, got {type(retry_policy).__name__}")
    policy = retry_policy or RetryPolicy()
    if max_retries is not None:
        policy = replace(policy, max_retries=max_retries)
    headers = {"User-Agent": USER_AGENT, **_check_headers(default_headers)}
    headers["Accept-Encoding"] = ACCEPT_ENCODING  # what the transport decodes: not the user's to change
    return Config(
        base_url=resolve_base_url(base_url, region, os.environ.get("A2E_BASE_URL") or None),
        token=token,
        timeout=check_request_timeout(timeout),
        retry=policy,
        headers=headers,
    )


def _check_options(timeout: TimeoutArg, max_retries: int | NotGiven) -> None:
    if not isinstance(timeout, NotGiven):
        check_request_timeout(timeout)
    if not isinstance(max_retries, NotGiven):
        RetryPolicy(max_retries=max_retries)


class _ClientBase:
    """What both clients show: their settings and a repr without the token."""

    _api: SyncApi | AsyncApi

    @property
    def base_url(self) -> str:
        return self._api.config.base_url

    @property
    def timeout(self) -> float | httpx.Timeout | None:
        """Default per-request timeout."""
        return self._api.config.timeout

    @property
    def max_retries(self) -> int:
        return self._api.config.retry.max_retries

    @property
    def retry_policy(self) -> RetryPolicy:
        return self._api.config.retry

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(base_url={self.base_url!r}, timeout={self.timeout!r}, "
            f"max_retries={self.max_retries!r})"
        )


class A2E(_ClientBase):
    """Synchronous client of A2E's face swap API.

    ``api_key`` defaults to ``A2E_API_KEY`` (missing → ``AuthenticationError`` here, before any
    request). The server is ``base_url``, else ``region`` (``"global"`` or ``"cn"``), else
    ``A2E_BASE_URL``, else https://video.a2e.ai; plain http is refused unless the host is loopback.
    ``timeout`` is the default per-request timeout (every method also takes ``timeout=``);
    ``max_retries`` (default 2) overrides ``retry_policy.max_retries``.

    ``http_client``: your own ``httpx.Client`` (proxies, mTLS, a custom transport such as
    ``httpx.MockTransport``, respx); it is used as is and never closed by the client. Its base_url,
    auth, event hooks, redirect and timeout settings do not apply to API calls (we send absolute URLs,
    our token to the API origin only, no redirects, our timeouts). Without it the client makes its own,
    which honours the proxy settings of the environment (``HTTPS_PROXY``, ``ALL_PROXY``, ``NO_PROXY``)
    and ``SSL_CERT_FILE``, like any httpx client (``trust_env``). ``default_headers`` are added to every
    API request (not to downloads or uploads, which go to other hosts).

    Use it as a context manager (or call ``close()``) to close its connection pool.
    """

    _api: SyncApi

    def __init__(
        self,
        api_key: str | None = None,
        *,
        base_url: str | None = None,
        region: str | None = None,
        timeout: float | httpx.Timeout | None = DEFAULT_TIMEOUT,
        max_retries: int | None = None,
        retry_policy: RetryPolicy | None = None,
        http_client: httpx.Client | None = None,
        default_headers: Mapping[str, str] | None = None,
    ) -> None:
        _check_http_client(http_client, httpx.Client)
        config = _build_config(api_key, base_url, region, timeout, max_retries, retry_policy, default_headers)
        config = replace(config, own_pool=http_client is None)
        log = RequestLog(config.token)
        if http_client is not None:
            self._bind(SyncApi(config, http_client, log, owns_http=False))
        else:
            self._bind(SyncApi(config, own_pool(config.timeout, config.headers), log, owns_http=True))

    def _bind(self, api: SyncApi) -> None:
        self._api = api

    # the resources, each made (and its module imported) on first use

    @cached_property
    def uploads(self) -> Uploads:
        from ._uploads import Uploads

        return Uploads(self._api)

    @cached_property
    def faces(self) -> Faces:
        from ._faces import Faces

        return Faces(self._api, self.uploads)

    @cached_property
    def previews(self) -> Previews:
        from ._previews import Previews

        return Previews(self._api, self.uploads)

    @cached_property
    def tasks(self) -> Tasks:
        from ._tasks import Tasks

        return Tasks(self._api, self.uploads)

    @cached_property
    def account(self) -> Account:
        from ._account import Account

        return Account(self._api)

    @cached_property
    def batch(self) -> Batch:
        from ._batches import Batch

        return Batch(self._api, self.tasks, self.uploads, self.account)

    def with_options(
        self, *, timeout: TimeoutArg = NOT_GIVEN, max_retries: int | NotGiven = NOT_GIVEN
    ) -> A2E:
        """A copy with another default timeout and/or retry budget, sharing this client's connection
        pool. Closing the copy leaves the pool open; close the original."""
        _check_options(timeout, max_retries)
        copy = object.__new__(type(self))
        copy._bind(self._api.derive(timeout, max_retries))
        return copy

    def close(self) -> None:
        """Close the connection pool (a no-op on ``with_options`` copies)."""
        self._api.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()


class AsyncA2E(_ClientBase):
    """Asynchronous client: the same names as ``A2E``, awaited; ``async with`` / ``await close()``.

    It may serve successive event loops (several ``asyncio.run()`` calls): each loop gets its own
    connection pool, closed when that loop ends (see ``LoopPools``); ``close()`` closes the running one's.
    An ``http_client`` (an ``httpx.AsyncClient``, see ``A2E``) is used as is, in the event loop it is
    first used in: using it from another loop raises ``InvalidInputError``; it is never closed by us.
    """

    _api: AsyncApi

    def __init__(
        self,
        api_key: str | None = None,
        *,
        base_url: str | None = None,
        region: str | None = None,
        timeout: float | httpx.Timeout | None = DEFAULT_TIMEOUT,
        max_retries: int | None = None,
        retry_policy: RetryPolicy | None = None,
        http_client: httpx.AsyncClient | None = None,
        default_headers: Mapping[str, str] | None = None,
    ) -> None:
        _check_http_client(http_client, httpx.AsyncClient)
        config = _build_config(api_key, base_url, region, timeout, max_retries, retry_policy, default_headers)
        config = replace(config, own_pool=http_client is None)
        log = RequestLog(config.token)
        if http_client is not None:
            self._bind(AsyncApi(config, OneLoopPool(http_client), log, owns_http=False))
        else:
            pools = LoopPools(lambda: own_async_pool(config.timeout, config.headers))
            self._bind(AsyncApi(config, pools, log, owns_http=True))

    def _bind(self, api: AsyncApi) -> None:
        self._api = api

    @cached_property
    def uploads(self) -> AsyncUploads:
        from ._uploads import AsyncUploads

        return AsyncUploads(self._api)

    @cached_property
    def faces(self) -> AsyncFaces:
        from ._faces import AsyncFaces

        return AsyncFaces(self._api, self.uploads)

    @cached_property
    def previews(self) -> AsyncPreviews:
        from ._previews import AsyncPreviews

        return AsyncPreviews(self._api, self.uploads)

    @cached_property
    def tasks(self) -> AsyncTasks:
        from ._tasks import AsyncTasks

        return AsyncTasks(self._api, self.uploads)

    @cached_property
    def account(self) -> AsyncAccount:
        from ._account import AsyncAccount

        return AsyncAccount(self._api)

    @cached_property
    def batch(self) -> AsyncBatch:
        from ._batches import AsyncBatch

        return AsyncBatch(self._api, self.tasks, self.uploads, self.account)

    def with_options(
        self, *, timeout: TimeoutArg = NOT_GIVEN, max_retries: int | NotGiven = NOT_GIVEN
    ) -> AsyncA2E:
        """A copy with another default timeout and/or retry budget, sharing the connection pool."""
        _check_options(timeout, max_retries)
        copy = object.__new__(type(self))
        copy._bind(self._api.derive(timeout, max_retries))
        return copy

    async def close(self) -> None:
        """Close the connection pool (a no-op on ``with_options`` copies)."""
        await self._api.close()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        await self.close()
