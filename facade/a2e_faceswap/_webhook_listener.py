"""``webhooks.Listener``: verified events kept where waits can sleep on them, from any thread or loop.

The listener holds, per task id, the sequence number of the last event for it, and the number of the
last unreadable delivery (``task_id=None``). A wait takes a ``Watch``: its ``sleep(seconds)`` returns
early once an event for its task (any, even one that came before the wait began) or an unreadable
delivery (one that came after the watch began) is newer than what it last saw. The wait then reads
the task: an event only ever causes a read, never a result. Memory is bounded by the task ids seen
(``MAX_TASKS``, the oldest forgotten first); ``events`` keeps the last ``MAX_KEPT`` for inspection.

A batch takes an ``Inbox`` instead (``listener.inbox()``): every task id evented since it was last
emptied, and whether an unreadable delivery came, so one status read covers them all (``_batch``). Its
ids are bounded too: past ``MAX_TASKS`` it forgets them and reports an unreadable delivery instead (a
read of every task in flight covers what it forgot).

Serving (``start()``) runs uvicorn in a daemon thread on ``host:port`` (the ``webhooks`` extra); without
it, mount ``listener.app()`` in your own ASGI app, or call ``listener.deliver(event)`` yourself.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from types import TracebackType
from typing import TYPE_CHECKING, Any

from ._logging import register_secret
from .errors import InvalidInputError
from .webhooks import MAX_BODY, WebhookEvent, app

if TYPE_CHECKING:
    from starlette.applications import Starlette

MAX_TASKS = 100_000
MAX_KEPT = 1000
_START_TIMEOUT = 15.0


class Listener:
    """Receives verified webhook deliveries and wakes the waits that watch them.

    ``Listener(token)`` receives on ``http://127.0.0.1:<free port>/`` once started (``with`` starts and
    stops it); ``url`` is what to pass as ``webhook_url`` (give ``public_url=`` when A2E reaches you
    through a proxy or tunnel: A2E wants HTTPS). Pass it to ``tasks.wait(task, events=listener)``.
    ``on_event(event)`` is also called with each verified event (from the receiving thread: keep it
    short; the answer to A2E waits for it).
    """

    def __init__(
        self,
        token: str,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        public_url: str | None = None,
        max_body: int = MAX_BODY,
        on_event: Callable[[WebhookEvent], object] | None = None,
    ) -> None:
        if not isinstance(token, str) or not token:
            raise InvalidInputError("Listener: the webhook token must be a non-empty string")
        register_secret(token)
        self._token = token
        self._host = host
        self._port = port
        self._public_url = public_url
        self._max_body = max_body
        self._on_event = on_event
        self._lock = threading.Condition()
        self._sequence = 0
        self._last_for: OrderedDict[str, int] = OrderedDict()
        self._last_unreadable = 0
        self._kept: deque[WebhookEvent] = deque(maxlen=MAX_KEPT)
        self._loops: dict[asyncio.Event, asyncio.AbstractEventLoop] = {}
        self._inboxes: set[Inbox] = set()
        self._server: Any = None
        self._thread: threading.Thread | None = None

    def __repr__(self) -> str:  # no token
        where = self._public_url or (f"http://{self._host}:{self._port}/" if self._thread else "not started")
        return f"Listener({where})"

    # ------------------------------------------------------------------ receiving
    def app(self) -> Starlette:
        """The receiver as an ASGI app feeding this listener (to mount in your own app)."""
        return app(self._token, on_event=self.deliver, max_body=self._max_body)

    def deliver(self, event: WebhookEvent) -> None:
        """Record a verified event and wake the waits it concerns (thread-safe)."""
        with self._lock:
            self._sequence += 1
            if event.task_id is None:
                self._last_unreadable = self._sequence
            else:
                key = event.task_id.lower()  # ObjectIds ignore case; a wait's id is lowercase
                self._last_for[key] = self._sequence
                self._last_for.move_to_end(key)
                if len(self._last_for) > MAX_TASKS:
                    self._last_for.popitem(last=False)
            self._kept.append(event)
            for inbox in self._inboxes:
                inbox._add(event.task_id)
            self._lock.notify_all()
            waiters = list(self._loops.items())
        for flag, loop in waiters:
            with contextlib.suppress(RuntimeError):  # that loop is closed: its wait is gone
                loop.call_soon_threadsafe(flag.set)
        if self._on_event is not None:
            self._on_event(event)

    @property
    def events(self) -> list[WebhookEvent]:
        """The last events received (at most ``MAX_KEPT``), oldest first."""
        with self._lock:
            return list(self._kept)

    def watch(self, task_id: str) -> Watch:
        """What a wait on ``task_id`` sleeps on."""
        with self._lock:
            return Watch(self, task_id.lower(), self._last_unreadable)

    def inbox(self) -> Inbox:
        """Collects the events from now on until closed (a ``with`` block closes it)."""
        inbox = Inbox(self)
        with self._lock:
            self._inboxes.add(inbox)
        return inbox

    def _token_for_tasks(self) -> str:
        """The token to create tasks with, so that their deliveries verify here (never printed)."""
        return self._token

    def _newer(self, task_id: str, seen: int, unreadable_seen: int) -> tuple[bool, int, int]:
        last = self._last_for.get(task_id, 0)
        woke = last > seen or self._last_unreadable > unreadable_seen
        return woke, max(seen, last), max(unreadable_seen, self._last_unreadable)

    # ------------------------------------------------------------------ serving
    @property
    def url(self) -> str:
        """The URL to give A2E as ``webhook_url``."""
        if self._public_url:
            return self._public_url
        if self._thread is None:
            raise InvalidInputError("the listener is not started (use it in a with block or call start())")
        host = f"[{self._host}]" if ":" in self._host else self._host
        return f"http://{host}:{self._port}/"

    @property
    def port(self) -> int:
        return self._port

    def start(self) -> Listener:
        """Serve on ``host:port`` from a daemon thread (needs uvicorn: the ``webhooks`` extra)."""
        if self._thread is not None:
            raise RuntimeError("this listener was already started")
        import uvicorn

        config = uvicorn.Config(
            self.app(),
            host=self._host,
            port=self._port,
            loop="asyncio",
            ws="none",
            lifespan="off",
            log_config=None,
            log_level="warning",
            access_log=False,
            timeout_graceful_shutdown=1,
        )
        server = uvicorn.Server(config)
        self._server = server
        thread = threading.Thread(target=self._run, name="a2e-webhook-listener", daemon=True)
        self._thread = thread
        thread.start()
        deadline = time.monotonic() + _START_TIMEOUT
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                self.close()
                raise RuntimeError(f"the webhook listener could not listen on {self._host}:{self._port}")
            time.sleep(0.005)
        self._port = server.servers[0].sockets[0].getsockname()[1]
        return self

    def _run(self) -> None:
        with contextlib.suppress(SystemExit):  # uvicorn exits so when it cannot bind
            self._server.run()

    def close(self) -> None:
        """Stop serving (joins the thread). Waits watching it fall back to polling."""
        thread, server = self._thread, self._server
        if thread is None or server is None:
            return
        server.should_exit = True
        thread.join(_START_TIMEOUT)
        if thread.is_alive():
            server.force_exit = True
            thread.join(_START_TIMEOUT)

    def __enter__(self) -> Listener:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


class _Sleeper:
    """Sleeps that the listener's deliveries cut short once ``_check()`` (under its lock) says so."""

    _listener: Listener

    def _check(self) -> bool:
        raise NotImplementedError

    def sleep(self, seconds: float) -> bool:
        """Sleep up to ``seconds``; ``True`` when an event cut it short."""
        deadline = time.monotonic() + max(0.0, seconds)
        condition = self._listener._lock
        with condition:
            while True:
                if self._check():
                    return True
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                condition.wait(left)

    async def sleep_async(self, seconds: float) -> bool:
        """``sleep``, awaited (the event may come from any thread)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + max(0.0, seconds)
        flag = asyncio.Event()
        condition = self._listener._lock
        with condition:
            self._listener._loops[flag] = loop
        try:
            while True:
                with condition:
                    if self._check():
                        return True
                    flag.clear()
                left = deadline - loop.time()
                if left <= 0:
                    return False
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(flag.wait(), left)
        finally:
            with condition:
                self._listener._loops.pop(flag, None)


class Watch(_Sleeper):
    """One wait's view of a listener: sleeps that an event for its task cuts short."""

    def __init__(self, listener: Listener, task_id: str, unreadable_seen: int) -> None:
        self._listener = listener
        self.task_id = task_id
        self._seen = 0  # any event for the task, even one older than the wait, wakes the first sleep
        self._unreadable_seen = unreadable_seen

    def _check(self) -> bool:
        woke, self._seen, self._unreadable_seen = self._listener._newer(
            self.task_id, self._seen, self._unreadable_seen
        )
        return woke


class Inbox(_Sleeper):
    """A batch's view of a listener: the task ids evented (lowercase) since the last ``take()``, and
    whether an unreadable delivery came; its sleeps end as soon as there is something to take."""

    def __init__(self, listener: Listener) -> None:
        self._listener = listener
        self._ids: set[str] = set()
        self._unreadable = False

    def __repr__(self) -> str:
        return f"Inbox({len(self._ids)} task ids, unreadable={self._unreadable})"

    def _add(self, task_id: str | None) -> None:  # under the listener's lock
        if task_id is None or len(self._ids) >= MAX_TASKS:
            self._ids.clear()
            self._unreadable = True
        else:
            self._ids.add(task_id.lower())

    def _check(self) -> bool:
        return bool(self._ids) or self._unreadable

    def take(self) -> tuple[frozenset[str], bool]:
        """The task ids evented and whether an unreadable delivery came, since the last take."""
        with self._listener._lock:
            taken = frozenset(self._ids), self._unreadable
            self._ids.clear()
            self._unreadable = False
            return taken

    def close(self) -> None:
        """Stop collecting."""
        with self._listener._lock:
            self._listener._inboxes.discard(self)

    def __enter__(self) -> Inbox:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
