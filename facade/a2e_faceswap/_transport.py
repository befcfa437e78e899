"""The one place that calls the generated ``*_detailed`` functions and turns what happened into either
the generated success model or one of our errors; plus the retry loops (sync and async twins, a few
lines each, asking the shared ``RetryPolicy``) and the two raw calls (download GET, upload PUT).

How a generated function is called: it only needs ``client.get_httpx_client()`` (or the async twin)
and ``client.raise_on_unexpected_status``. We give it a per-call ``_CallClient`` whose
``get_httpx_client()`` returns a ``_RequestView`` over the facade's own ``httpx.Client``: the view
injects this call's ``timeout=`` into ``request()`` and remembers the ``httpx.Response``. So

* per-call timeouts never mutate the shared pool (the generated ``with_timeout`` would);
* ``with_options`` copies share one connection pool;
* when the generated code fails to parse a body (``JSONDecodeError``, ``KeyError``, ``TypeError``...)
  we still hold the response and can tell "HTTP 200 with an error code" from "unreadable";
* the answer is read by us, not by httpx: sent with ``stream=True``, its raw bytes go through
  ``_reading.BodyReader`` (bounded decoding of ``Content-Encoding``: 16 MiB for a success, the first
  64 KiB of an error), then through ``scrub_bytes`` (the token the server may echo never reaches a
  model, an error or a log), and the generated code parses a response holding those decoded bytes;
* the request's ``timeout`` bounds the whole attempt (``_reading.Deadline``): each phase's httpx
  timeout is clipped to the time left, and a network guard (``_guard_network``) wraps the httpcore network
  backend of the pool so that each socket connect / read / write is clipped too, through a context
  variable set only while an API request runs. The two raw calls set no deadline: a download keeps
  httpx's per-read timeouts (its own idle / rate bounds live in ``_download``);
* no generated ``AuthenticatedClient`` exists, so its attrs ``repr`` (which prints the token) cannot
  leak through a traceback or a debugger. The token is applied by ``_RequestAuth``, an ``httpx.Auth``
  passed with each request, that only signs requests to the API's own origin (never a CDN or a
  pre-signed upload URL) and writes the request log (``RequestLog``).

The ``httpx`` client (``http``) may be the user's (``A2E(http_client=...)``): everything above is
applied per request, never by changing that client (its base_url, auth, event hooks, headers,
redirect and timeout settings are overridden for our calls, not touched): API URLs are absolute, sent
with ``follow_redirects=False``, our ``timeout``, ``Accept-Encoding`` and ``default_headers``. Only the
network guard wraps the pool's backend in place (it changes nothing outside our API requests). A
client the user passes is never closed by us.
"""

from __future__ import annotations

import contextlib
import contextvars
import importlib
import sys
import time
import weakref
from collections.abc import (
    AsyncGenerator,
    AsyncIterator,
    Awaitable,
    Callable,
    Collection,
    Generator,
    Iterator,
    Mapping,
)
from typing import TYPE_CHECKING, Any, Generic, TypeVar, cast

import attrs
import httpx
from attrs import frozen

from . import _parsing, codes
from ._logging import RequestLog, logger, scrub, scrub_bytes
from ._reading import ERROR_LIMIT, BodyReader, Deadline
from ._retry import RetryCount, RetryPolicy
from ._validation import check_request_timeout
from ._version import __version__
from .errors import (
    A2EError,
    APIConnectionError,
    APIError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    InsufficientCreditsError,
    InvalidInputError,
    ModerationError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ServerError,
    UnreadableResponseError,
)

if TYPE_CHECKING:  # asyncio and the generated package are imported on first use (import time)
    import asyncio

    from a2e_api.client import AuthenticatedClient
    from a2e_api.types import Response

__all__ = [
    "NOT_GIVEN",
    "USER_AGENT",
    "AsyncTransport",
    "Config",
    "Endpoint",
    "LoopPools",
    "NotGiven",
    "OneLoopPool",
    "SyncTransport",
    "TimeoutArg",
    "error_from_response",
    "map_transport_error",
]

S = TypeVar("S")
T = TypeVar("T")

_SNIPPET = 200
_REDACTED = "[redacted]"


class NotGiven:
    """Marks an argument left out (``None`` already means "no timeout")."""

    _instance: NotGiven | None = None

    def __new__(cls) -> NotGiven:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __bool__(self) -> bool:
        return False

    def __repr__(self) -> str:
        return "NOT_GIVEN"


NOT_GIVEN = NotGiven()
TimeoutArg = float | httpx.Timeout | None | NotGiven


class Endpoint(Generic[S]):
    """One generated operation (``a2e_api.api.<module>``): its functions, its success model, and how it
    may be retried. The generated module is imported on the first call (``import a2e_faceswap`` stays
    light), then kept.

    ``idempotent``: sending it twice does no harm (GET, DELETE, the read-only batch POST).
    ``settle``: for DELETE, a 404 met on a *retry* means an earlier attempt was applied; the call then
    returns ``settle()`` instead of raising.
    """

    __slots__ = ("_module", "_success_name", "idempotent", "loaded", "name", "settle")

    def __init__(
        self, module: str, success: str, *, idempotent: bool, settle: Callable[[], S] | None = None
    ) -> None:
        self._module = module
        self._success_name = success
        self.name = module.rpartition(".")[2]
        self.idempotent = idempotent
        self.settle = settle
        self.loaded: _Loaded[S] | None = None

    @classmethod
    def of(
        cls, module: str, success: str, *, idempotent: bool, settle: Callable[[], S] | None = None
    ) -> Endpoint[S]:
        """``Endpoint.of("tasks.get_task", "TaskResponse", idempotent=True)``."""
        return cls(module, success, idempotent=idempotent, settle=settle)

    def load(self) -> _Loaded[S]:
        if self.loaded is None:
            module = importlib.import_module(f"a2e_api.api.{self._module}")
            self.loaded = _Loaded(
                module.sync_detailed, module.asyncio_detailed, getattr(module, self._success_name)
            )
        return self.loaded

    def __repr__(self) -> str:
        return f"Endpoint({self._module!r}, {self._success_name!r}, idempotent={self.idempotent})"


@frozen
class _Loaded(Generic[S]):
    sync: Callable[..., Response[Any]]
    asyncio: Callable[..., Awaitable[Response[Any]]]
    success: type[S]


@frozen(kw_only=True)
class Config:
    base_url: str
    token: str = attrs.field(repr=False)
    timeout: float | httpx.Timeout | None
    retry: RetryPolicy
    #: Sent with every API request (not with downloads or uploads to other hosts): ours, then the
    #: user's ``default_headers``.
    headers: Mapping[str, str] = attrs.field(factory=dict, repr=False)
    #: The pools are ours, made with ``headers`` as their defaults (not a user's ``http_client``).
    own_pool: bool = False


class _RequestAuth(httpx.Auth):
    """Passed with each request: ``Authorization: Bearer <token>`` on requests to the API origin only
    (none when ``token`` is empty: raw calls), and the request log, hop by hop (in place of event hooks,
    which would have to be added to a user's client)."""

    def __init__(self, token: str, base_url: str, log: RequestLog) -> None:
        self._token = token
        self._origin = httpx.URL(base_url)
        self._log = log
        # scheme and normalised host[:port] (a default port left out): the cheap test of the origin
        self._where = (self._origin.scheme, self._origin.netloc)

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        url = request.url
        if self._token and (url.scheme, url.netloc) == self._where:
            request.headers["Authorization"] = f"Bearer {self._token}"
        self._log.request(request)
        response = yield request
        for n, hop in enumerate((*response.history, response)):  # redirects followed (downloads)
            if n:
                self._log.request(hop.request)
            self._log.response(hop)

    def __repr__(self) -> str:
        return f"_RequestAuth(origin={str(self._origin)!r}, token={_REDACTED!r})"


# ------------------------------------------------------------------ network guard (whole-attempt deadline)

#: The deadline of the API request running in this context (None: none, e.g. a download); read by the
#: network guard (``_network``).
DEADLINE: contextvars.ContextVar[Deadline | None] = contextvars.ContextVar("a2e_deadline", default=None)


#: API answers may be compressed with what ``BodyReader`` decodes, and nothing else.
_ACCEPT_ENCODING = "gzip, deflate"
_guarded: weakref.WeakSet[httpx.Client | httpx.AsyncClient] = weakref.WeakSet()
USER_AGENT = f"a2e-faceswap/{__version__} httpx/{httpx.__version__}"


def _guard_network(http: httpx.Client | httpx.AsyncClient) -> None:
    """Wrap the network backends of ``http``'s pools once (see ``_network``)."""
    if http not in _guarded:
        from ._network import wrap_backends

        wrap_backends(http)
        _guarded.add(http)


# ------------------------------------------------------------------ per-call client for generated code


def _prepare(
    http: httpx.Client | httpx.AsyncClient,
    config: Config,
    timeout: float | httpx.Timeout | None,
    kwargs: dict[str, Any],
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


def _decoded(response: httpx.Response, body: bytes, secret: str) -> httpx.Response:
    """A read response holding ``body`` (decoded, the token scrubbed) in place of the stream."""
    content = scrub_bytes(body, secret)
    if "content-encoding" not in response.headers:
        # The usual case: this response, its content set (httpx 0.28 keeps it in ``_content``; a new
        # Response would cost more than the rest of the reading).
        response._content = content
        return response
    headers = response.headers.copy()
    del headers["content-encoding"]
    headers.pop("content-length", None)
    return httpx.Response(
        response.status_code,
        headers=headers,
        content=content,
        request=response.request,
        extensions=response.extensions,
    )


def _read(response: httpx.Response, reader: BodyReader) -> bytes:
    """The body of a streamed answer, through ``reader`` (its bounds, its deadline)."""
    if response.is_stream_consumed:  # a transport that answers with a read response (a mock)
        return reader.whole(response.content)
    if not reader.done:
        for chunk in response.iter_raw():
            if reader.feed(chunk, time.monotonic()):
                break
    return reader.body()


async def _aread(response: httpx.Response, reader: BodyReader) -> bytes:
    if response.is_stream_consumed:
        return reader.whole(response.content)
    if not reader.done:
        async for chunk in response.aiter_raw():
            if reader.feed(chunk, time.monotonic()):
                break
    return reader.body()


class _RequestView:
    def __init__(
        self, transport: SyncTransport, operation: str, timeout: float | httpx.Timeout | None
    ) -> None:
        self._t = transport
        self._operation = operation
        self._timeout = timeout
        self.response: httpx.Response | None = None

    def request(self, **kwargs: Any) -> httpx.Response:
        http = self._t.http
        _guard_network(http)
        request, deadline = _prepare(http, self._t.config, self._timeout, kwargs)
        token = DEADLINE.set(deadline)
        try:
            send = http.send(request, stream=True, auth=self._t.auth, follow_redirects=False)
            with contextlib.closing(send) as response:
                body = _read(response, BodyReader(response, self._operation, deadline))
        finally:
            DEADLINE.reset(token)
        self.response = _decoded(response, body, self._t.secret)
        return self.response


class _AsyncRequestView:
    def __init__(
        self, transport: AsyncTransport, operation: str, timeout: float | httpx.Timeout | None
    ) -> None:
        self._t = transport
        self._operation = operation
        self._timeout = timeout
        self.response: httpx.Response | None = None

    async def request(self, **kwargs: Any) -> httpx.Response:
        http = self._t.http
        _guard_network(http)
        request, deadline = _prepare(http, self._t.config, self._timeout, kwargs)
        token = DEADLINE.set(deadline)
        try:
            response = await http.send(request, stream=True, auth=self._t.auth, follow_redirects=False)
            try:
                body = await _aread(response, BodyReader(response, self._operation, deadline))
            finally:
                await response.aclose()
        finally:
            DEADLINE.reset(token)
        self.response = _decoded(response, body, self._t.secret)
        return self.response


class _CallClient:
    """Quacks like the generated ``AuthenticatedClient`` for exactly one call."""

    raise_on_unexpected_status = False

    def __init__(self, view: _RequestView | _AsyncRequestView) -> None:
        self._view = view

    def get_httpx_client(self) -> _RequestView | _AsyncRequestView:
        return self._view

    get_async_httpx_client = get_httpx_client


# ------------------------------------------------------------------ outcome → model or error (pure)


def _snippet(content: bytes, secret: str) -> str:
    text = " ".join(content[: _SNIPPET * 4].decode("utf-8", "replace").split())
    text = scrub(text, secret)
    return text[:_SNIPPET] + ("…" if len(text) > _SNIPPET else "")


def _error_class(status: int | None, code: int | None) -> type[APIError]:
    """``status`` is ``None`` for an error code sent under HTTP 2xx."""
    if code in codes.MODERATION_CODES:
        return ModerationError
    if status is None:
        if code == codes.BUSY:
            return RateLimitError
        if code == codes.UNAVAILABLE:
            return ServerError
        if code is None or not 400 <= code <= 599:
            return BadRequestError
        status = code
    by_status: dict[int, type[APIError]] = {
        400: BadRequestError,
        401: AuthenticationError,
        402: InsufficientCreditsError,
        403: PermissionDeniedError,
        404: NotFoundError,
        408: APIError,
        429: RateLimitError,
    }
    if status in by_status:
        return by_status[status]
    if 400 <= status < 500:
        return BadRequestError
    if status >= 500:
        return ServerError
    return APIError


def error_from_response(
    operation: str, response: httpx.Response, secret: str, parse_error: BaseException | None = None
) -> APIError:
    """The error an answer stands for. Call it only on a read response whose body is bounded (the
    transport's own reads keep at most ``ERROR_LIMIT`` bytes of an error body)."""
    status = response.status_code
    content = response.content
    try:
        body = response.json() if content else None
    except (ValueError, RecursionError):  # RecursionError: JSON nested too deep for the parser
        body = None
    envelope: dict[str, Any] | None = body if isinstance(body, dict) else None
    snippet = None if envelope is not None else _snippet(content, secret)
    code = _parsing.code(envelope.get("code")) if envelope is not None else None
    message = _parsing.first_text(envelope, "msg", "message") if envelope is not None else None
    trace_id = _parsing.text(envelope.get("trace_id")) if envelope is not None else None
    ok = 200 <= status < 300
    cls: type[APIError]
    if ok and (code is None or code == 0):
        cls = UnreadableResponseError
        if envelope is None:
            kind = "an empty body" if not content else "not a JSON object"
            message = f"expected A2E's JSON envelope, got {kind}: {snippet!r}"
        else:
            reason = f" ({type(parse_error).__name__}: {parse_error})" if parse_error is not None else ""
            message = f"the answer does not match the contract{reason}"
            snippet = _snippet(content, secret)
    else:
        cls = _error_class(None if ok else status, code)
        if message is None:
            message = response.reason_phrase or "error"
            if snippet:
                message += f" (body: {snippet!r})"
    return cls(
        scrub(message, secret),
        status=status,
        code=code,
        trace_id=scrub(trace_id, secret) if trace_id is not None else None,
        response=response,
        operation=operation,
        snippet=snippet,
    )


def map_transport_error(operation: str, exc: Exception, secret: str) -> A2EError:
    """An httpx exception (no answer) as one of ours, telling whether the request may have landed."""
    text = scrub(f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__, secret)
    if isinstance(exc, httpx.ConnectTimeout | httpx.PoolTimeout):
        return APITimeoutError(text, outcome_unknown=False, operation=operation)
    if isinstance(exc, httpx.TimeoutException):
        return APITimeoutError(text, outcome_unknown=True, operation=operation)
    if isinstance(exc, httpx.ConnectError | httpx.UnsupportedProtocol):
        return APIConnectionError(text, outcome_unknown=False, operation=operation)
    if isinstance(exc, httpx.TransportError):
        return APIConnectionError(text, outcome_unknown=True, operation=operation)
    if isinstance(exc, httpx.DecodingError):
        return UnreadableResponseError(text, operation=operation)
    if not isinstance(exc, httpx.HTTPError):  # raised while building the request: nothing was sent
        return InvalidInputError(f"{operation}: the request could not be built ({text})")
    return APIConnectionError(text, outcome_unknown=True, operation=operation)


_PARSE_ERRORS = (ValueError, KeyError, TypeError, AttributeError, IndexError, RecursionError)


def _outcome(
    endpoint: Endpoint[S],
    secret: str,
    response: httpx.Response | None,
    detailed: Response[Any] | None,
    exc: Exception | None,
) -> S:
    """Judge one finished call: return the success model or raise the matching error."""
    if response is None:
        assert exc is not None
        raise map_transport_error(endpoint.name, exc, secret) from exc
    from a2e_api.models.error_response import ErrorResponse

    parsed = detailed.parsed if detailed is not None else None
    if (
        exc is None
        and isinstance(parsed, endpoint.load().success)
        and not isinstance(parsed, ErrorResponse)
        and 200 <= response.status_code < 300
        and _parsing.code(getattr(parsed, "code", None)) == codes.OK
    ):
        return parsed
    raise error_from_response(endpoint.name, response, secret, exc) from exc


@contextlib.contextmanager
def mapped_errors(operation: str, secret: str) -> Iterator[None]:
    """Turn httpx exceptions raised inside the block (raw calls) into ours."""
    try:
        yield
    except (httpx.HTTPError, httpx.InvalidURL) as exc:
        raise map_transport_error(operation, exc, secret) from exc


# ------------------------------------------------------------------ the two transports (thin twins)


def _log_retry(what: str, delay: float, count: RetryCount, error: A2EError) -> None:
    logger.info(
        "retrying %s in %.2fs (retry %d/%d) after %s: %s",
        what,
        delay,
        count.in_a_row,
        count.policy.max_retries,
        type(error).__name__,
        error,
    )


def _settled(error: A2EError, retries_done: int, settle: Callable[[], Any] | None) -> bool:
    """A 404 on a retry of a DELETE: an earlier attempt was applied, so the goal is reached."""
    return settle is not None and retries_done > 0 and isinstance(error, NotFoundError)


def _accepted(status: int, accept: Collection[int]) -> bool:
    return 200 <= status < 300 or status in accept


def _raw_options(kwargs: dict[str, Any]) -> dict[str, Any]:
    """A raw call's options: redirects only where asked (whatever ``http`` says), and compressed error
    bodies only in what ``BodyReader`` decodes (downloads ask ``identity`` themselves)."""
    headers = {"Accept-Encoding": _ACCEPT_ENCODING, **kwargs.get("headers", {})}
    return {"follow_redirects": False, **kwargs, "headers": headers}


class _Base:
    def __init__(self, config: Config, owns_http: bool, log: RequestLog) -> None:
        self.config = config
        self.owns_http = owns_http
        self.log = log
        self.auth = _RequestAuth(config.token, config.base_url, log)
        self.raw_auth = _RequestAuth("", config.base_url, log)

    @property
    def secret(self) -> str:
        return self.config.token

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
            config = attrs.evolve(config, timeout=timeout)
        if not isinstance(max_retries, NotGiven):
            config = attrs.evolve(config, retry=attrs.evolve(config.retry, max_retries=max_retries))
        return config

    @staticmethod
    def now() -> float:
        return time.monotonic()

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={self.config.base_url!r})"


class SyncTransport(_Base):
    def __init__(self, config: Config, http: httpx.Client, log: RequestLog, *, owns_http: bool) -> None:
        super().__init__(config, owns_http, log)
        self.http = http

    def derive(self, timeout: TimeoutArg, max_retries: int | NotGiven) -> SyncTransport:
        return SyncTransport(self.derived_config(timeout, max_retries), self.http, self.log, owns_http=False)

    def close(self) -> None:
        if self.owns_http:
            self.http.close()

    @staticmethod
    def sleep(seconds: float) -> None:
        time.sleep(seconds)

    def once(self, endpoint: Endpoint[S], timeout: TimeoutArg, kwargs: dict[str, Any]) -> S:
        view = _RequestView(self, endpoint.name, self.timeout_for(timeout))
        client = cast("AuthenticatedClient", _CallClient(view))
        try:
            detailed = endpoint.load().sync(client=client, **kwargs)
        except (httpx.HTTPError, httpx.InvalidURL, *_PARSE_ERRORS) as exc:
            return _outcome(endpoint, self.secret, view.response, None, exc)
        return _outcome(endpoint, self.secret, view.response, detailed, None)

    def call(
        self, endpoint: Endpoint[S], timeout: TimeoutArg = NOT_GIVEN, *, retry: bool = True, **kwargs: Any
    ) -> S:
        self.refuse_token_in_url(endpoint.name, kwargs)
        policy = self.config.retry if retry else attrs.evolve(self.config.retry, max_retries=0)
        return self.retrying(
            endpoint.name,
            endpoint.idempotent,
            lambda: self.once(endpoint, timeout, kwargs),
            settle=endpoint.settle,
            policy=policy,
        )

    def retrying(
        self,
        what: str,
        idempotent: bool,
        attempt: Callable[[], T],
        *,
        settle: Callable[[], T] | None = None,
        policy: RetryPolicy | None = None,
        progressed: Callable[[], bool] | None = None,
    ) -> T:
        """Run ``attempt`` until it succeeds or the policy gives up. ``progressed()`` (asked after a
        failed attempt) tells whether it got further than any attempt before: see ``RetryCount``."""
        count = RetryCount(policy or self.config.retry, idempotent)
        while True:
            try:
                return attempt()
            except A2EError as error:
                if settle is not None and _settled(error, count.spent, settle):
                    return settle()
                delay = count.after_error(error, progressed=progressed is not None and progressed())
                if delay is None:
                    raise
                _log_retry(what, delay, count, error)
                self.sleep(delay)

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
        """A raw request outside the API (no Authorization), errors mapped; non-2xx raised unless the
        status is in ``accept`` (reading at most ``ERROR_LIMIT`` bytes of the error body). No whole-attempt
        deadline: ``timeout`` applies per httpx phase, so a long download keeps going while bytes flow."""
        _guard_network(self.http)  # before the pool's first connection, which API calls may reuse
        options = _raw_options(kwargs)
        with (
            mapped_errors(operation, self.secret),
            self.http.stream(
                method, url, auth=self.raw_auth, timeout=self.timeout_for(timeout), **options
            ) as response,
        ):
            if not _accepted(response.status_code, accept):
                body = _read(response, BodyReader(response, operation, Deadline(None), limit=ERROR_LIMIT))
                raise error_from_response(operation, _decoded(response, body, self.secret), self.secret)
            yield response


async def _closer(http: httpx.AsyncClient) -> AsyncGenerator[None, None]:
    """Parked at its ``yield`` for the life of a loop's pool; closing it closes the pool."""
    try:
        yield
    finally:
        await http.aclose()


_Guard = AsyncGenerator[None, None]


class LoopPools:
    """The async client's connection pools: one ``httpx.AsyncClient`` per event loop, made by ``factory``
    on first use in that loop, since a pool's connections belong to the loop that opened them (the
    first ``asyncio.run()``'s pool fails in the second with "Event loop is closed").

    A pool closes with its loop: a parked async generator (``_closer``) is registered with the running
    loop, and ``asyncio.run()`` (like every runner that calls ``loop.shutdown_asyncgens()``) closes it,
    so the pool's connections are closed while their loop still runs. ``aclose()`` closes the running
    loop's pool and forgets the others (closed with their loops; closing them from another loop would
    raise). Outside asyncio (trio) there is one pool, closed by ``aclose()``. A pool closed by
    ``aclose()`` is made again if the client is used after it.
    """

    def __init__(self, factory: Callable[[], httpx.AsyncClient]) -> None:
        self._factory = factory
        self._pools: dict[asyncio.AbstractEventLoop | None, tuple[httpx.AsyncClient, _Guard]] = {}

    @staticmethod
    def _loop() -> asyncio.AbstractEventLoop | None:
        asyncio = sys.modules.get("asyncio")  # not imported: no asyncio loop runs (import time)
        if asyncio is None:
            return None
        try:
            return asyncio.get_running_loop()  # type: ignore[no-any-return]
        except RuntimeError:  # not in asyncio (trio through anyio): one pool
            return None

    def current(self) -> httpx.AsyncClient:
        """The running loop's pool (made, and registered to close with the loop, on first use)."""
        loop = self._loop()
        found = self._pools.get(loop)
        if found is not None and not found[0].is_closed:
            return found[0]
        # Loops that ended: their pools were closed with them (or, for a loop closed without
        # shutdown_asyncgens, are left to the garbage collector).
        for old in list(self._pools):  # list(): another thread's loop may add its pool meanwhile
            if old is not None and old.is_closed():
                self._pools.pop(old, None)
        http = self._factory()
        guard = _closer(http)
        if loop is not None:
            # Creating the first step calls the loop's firstiter hook: the loop now tracks the generator.
            # Nothing is awaited before the yield, so one send() runs it there (StopIteration: it yielded).
            with contextlib.suppress(StopIteration):
                guard.__anext__().send(None)
        self._pools[loop] = (http, guard)
        return http

    async def aclose(self) -> None:
        pools, self._pools = self._pools, {}
        found = pools.get(self._loop())
        if found is not None:
            http, guard = found
            await guard.aclose()  # runs _closer's finally, or nothing if it never started
            await http.aclose()  # a no-op if the line above closed it


class OneLoopPool:
    """A user's ``httpx.AsyncClient`` (``AsyncA2E(http_client=...)``), used as is: its connections belong
    to the event loop it is first used in, so use from another loop is refused (``InvalidInputError``,
    before sending) instead of failing inside httpx. Never closed by us."""

    def __init__(self, http: httpx.AsyncClient) -> None:
        self._http = http
        self._loop: weakref.ref[asyncio.AbstractEventLoop] | None = None

    def current(self) -> httpx.AsyncClient:
        loop = LoopPools._loop()
        if loop is not None:
            if self._loop is None:
                self._loop = weakref.ref(loop)
            elif self._loop() is not loop:
                raise InvalidInputError(
                    "this AsyncA2E was given an http_client, which belongs to the event loop it was first "
                    "used in (an httpx.AsyncClient's connections cannot move between loops): make the "
                    "httpx.AsyncClient and the AsyncA2E inside each asyncio.run(), or leave http_client "
                    "out (AsyncA2E then keeps one pool per event loop)"
                )
        return self._http

    async def aclose(self) -> None:
        """Nothing: the user's client is theirs to close."""


class AsyncTransport(_Base):
    def __init__(
        self, config: Config, pools: LoopPools | OneLoopPool, log: RequestLog, *, owns_http: bool
    ) -> None:
        super().__init__(config, owns_http, log)
        self.pools = pools

    @property
    def http(self) -> httpx.AsyncClient:
        """The connection pool of the running event loop (see ``LoopPools``)."""
        return self.pools.current()

    def derive(self, timeout: TimeoutArg, max_retries: int | NotGiven) -> AsyncTransport:
        return AsyncTransport(
            self.derived_config(timeout, max_retries), self.pools, self.log, owns_http=False
        )

    async def close(self) -> None:
        if self.owns_http:
            await self.pools.aclose()

    @staticmethod
    async def sleep(seconds: float) -> None:
        import asyncio

        await asyncio.sleep(seconds)

    async def once(self, endpoint: Endpoint[S], timeout: TimeoutArg, kwargs: dict[str, Any]) -> S:
        view = _AsyncRequestView(self, endpoint.name, self.timeout_for(timeout))
        client = cast("AuthenticatedClient", _CallClient(view))
        try:
            detailed = await endpoint.load().asyncio(client=client, **kwargs)
        except (httpx.HTTPError, httpx.InvalidURL, *_PARSE_ERRORS) as exc:
            return _outcome(endpoint, self.secret, view.response, None, exc)
        return _outcome(endpoint, self.secret, view.response, detailed, None)

    async def call(
        self, endpoint: Endpoint[S], timeout: TimeoutArg = NOT_GIVEN, *, retry: bool = True, **kwargs: Any
    ) -> S:
        self.refuse_token_in_url(endpoint.name, kwargs)
        policy = self.config.retry if retry else attrs.evolve(self.config.retry, max_retries=0)
        return await self.retrying(
            endpoint.name,
            endpoint.idempotent,
            lambda: self.once(endpoint, timeout, kwargs),
            settle=endpoint.settle,
            policy=policy,
        )

    async def retrying(
        self,
        what: str,
        idempotent: bool,
        attempt: Callable[[], Awaitable[T]],
        *,
        settle: Callable[[], T] | None = None,
        policy: RetryPolicy | None = None,
        progressed: Callable[[], bool] | None = None,
    ) -> T:
        """Run ``attempt`` until it succeeds or the policy gives up. ``progressed()`` (asked after a
        failed attempt) tells whether it got further than any attempt before: see ``RetryCount``."""
        count = RetryCount(policy or self.config.retry, idempotent)
        while True:
            try:
                return await attempt()
            except A2EError as error:
                if settle is not None and _settled(error, count.spent, settle):
                    return settle()
                delay = count.after_error(error, progressed=progressed is not None and progressed())
                if delay is None:
                    raise
                _log_retry(what, delay, count, error)
                await self.sleep(delay)

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
        _guard_network(self.http)
        options = _raw_options(kwargs)
        with mapped_errors(operation, self.secret):
            async with self.http.stream(
                method, url, auth=self.raw_auth, timeout=self.timeout_for(timeout), **options
            ) as response:
                if not _accepted(response.status_code, accept):
                    reader = BodyReader(response, operation, Deadline(None), limit=ERROR_LIMIT)
                    answer = _decoded(response, await _aread(response, reader), self.secret)
                    raise error_from_response(operation, answer, self.secret)
                yield response
