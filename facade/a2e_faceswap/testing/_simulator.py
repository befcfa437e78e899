"""``Simulator``: a local, stateful A2E face swap service for tests, on 127.0.0.1 in a background thread
(or in process, as an ASGI app for ``AsyncA2E`` through ``httpx.ASGITransport``)."""

from __future__ import annotations

import threading
from datetime import datetime
from types import TracebackType
from typing import TYPE_CHECKING, Any

from starlette.types import ASGIApp

from a2e_faceswap.testing._app import AppSettings, SimApp
from a2e_faceswap.testing._clients import async_client, sync_client
from a2e_faceswap.testing._clock import SimClock
from a2e_faceswap.testing._contract import ContractChecker, ContractViolationError
from a2e_faceswap.testing._faults import FaultPlan
from a2e_faceswap.testing._results import result_bytes, result_sha256
from a2e_faceswap.testing._server import ConnectionRegistry, ServerThread
from a2e_faceswap.testing._state import DEFAULT_FAILURE_CODE, DEFAULT_FAILURE_MESSAGE, SimState
from a2e_faceswap.testing._stats import SimStats
from a2e_faceswap.testing._webhooks import WebhookFaults, WebhookSender

if TYPE_CHECKING:
    from a2e_faceswap import A2E, AsyncA2E

#: Credits each paid operation spends by default.
DEFAULT_COSTS: dict[str, int] = {"create_task": 1, "create_preview": 1, "create_upload_url": 1}
#: Root URL of an in-process simulator: https, so the client accepts it, and a reserved name (RFC 2606)
#: that no DNS resolves, so a request that misses the ASGI transport fails instead of leaving the process.
IN_PROCESS_BASE_URL = "https://a2e-simulator.invalid"
_NO_SOCKET = "an in-process simulator has no connection to reset; use the threaded server (Simulator())"


class Simulator:
    """A fake A2E face swap API on a real loopback port, with state, a speedable clock and fault injection.

    Use it as a context manager; it listens once entered and stops (joining its thread, closing every
    socket) on exit::

        with Simulator(seed=1, speed=600) as sim:
            client = A2E(api_key=sim.token, base_url=sim.base_url)
            ...

    In strict mode (the default) every API request and answer is checked against openapi/a2e.yaml; a
    request that breaks the contract is answered 400 and an answer that would break it is replaced by a
    500 (both naming the operation and the field), and ``check()`` / leaving the ``with`` block raises
    ``ContractViolationError`` listing them. With ``strict=False`` they are only collected in
    ``stats.contract_violations``; with ``check_contract=False`` nothing is checked (for benchmarks).

    ``sim.client()`` / ``sim.async_client()`` make an ``A2E`` / ``AsyncA2E`` on the default account (close
    them: ``with`` / ``async with``).

    In process (``in_process=True``): no thread and no port; ``start()`` readies the ASGI app
    (``sim.asgi``) and ``sim.async_client()`` is an ``AsyncA2E`` that reaches it through
    ``httpx.ASGITransport``, under ``IN_PROCESS_BASE_URL``. That transport is async only (``sim.client()``
    raises) and has no socket: the faults that reset the connection (``reset``, ``applied_then_reset``,
    ``reset_mid_body``, see ``FaultKind.needs_socket``) are refused with a ValueError when configured, and
    httpx timeouts are not enforced while the app runs (a ``slow`` answer is waited out in full, then
    reported as a timeout if late); the client belongs to the event loop it is first used in. Every
    other fault, the clock, state, uploads, result files (read whole into memory by the transport) and
    contract checking work as on the threaded server.

    Parameters (all keyword-only):

    - ``seed``: every random choice (ids, tokens, trace ids, fault draws) derives from it.
    - ``speed``: simulated seconds per real second (0: time moves only with ``clock.advance``).
    - ``strict`` / ``check_contract``: see above.
    - ``task_seconds`` / ``preview_seconds``: simulated time from creation to completed or failed.
    - ``result_size``: bytes of every task's result file (``sim.result_size`` can change it later).
    - ``ranges``: whether result files honour ``Range`` (and ``If-Range`` against their ETag); False
      makes a server that always answers 200 with the whole file (``sim.ranges`` can change it later).
    - ``credits``: balance of the default account; ``costs`` maps operationIds to the credits they spend
      (default ``DEFAULT_COSTS``: 1 per task, preview and upload URL).
    - ``upload_limit``: largest PUT upload accepted (413 above).
    - ``upload_expires_in``: simulated seconds an upload URL lives when the request names no
      ``expiresIn`` (at a high ``speed`` the default hour is a few real seconds: a long run under load
      sets more, so that its figures do not depend on how busy the machine is).
    - ``faults``: a fault spec string applied at once (see ``parse_fault_spec``); ``slow_seconds`` is the
      delay of a SLOW fault.
    - ``host`` / ``port``: where to listen (port 0: a free port, read back after start).
    - ``in_process``: serve in process instead (see above).
    - ``webhooks_to_loopback``: deliver the webhooks of tasks created with a ``webhook_url`` on a
      loopback host (the only hosts it ever calls); ``webhook_faults`` sets their faults. Payload and
      faults: ``a2e_faceswap.testing._webhooks``; outcomes in ``stats.webhooks``.
    - ``start_time``: the wall-clock instant simulated second 0 stands for in timestamps (default: now);
      with it, ``speed=0`` and a seed, every answer is the same from run to run.
    """

    def __init__(
        self,
        *,
        seed: int = 0,
        speed: float = 60.0,
        strict: bool = True,
        check_contract: bool = True,
        task_seconds: float = 30.0,
        preview_seconds: float = 5.0,
        result_size: int = 1_000_000,
        ranges: bool = True,
        credits: int = 1000,
        upload_limit: int = 64 * 1024 * 1024,
        faults: str | None = None,
        slow_seconds: float = 2.0,
        costs: dict[str, int] | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        start_time: datetime | None = None,
        upload_expires_in: int = 3600,
        in_process: bool = False,
        webhooks_to_loopback: bool = False,
    ) -> None:
        if task_seconds <= 0 or preview_seconds <= 0:
            raise ValueError("task_seconds and preview_seconds must be > 0")
        if result_size < 0 or upload_limit < 0:
            raise ValueError("result_size and upload_limit must be >= 0")
        self.seed = seed
        self.clock = SimClock(speed, epoch=start_time)
        self.faults = FaultPlan(seed, slow_seconds=slow_seconds)
        #: Whether it serves in process (``asgi``) rather than on a port.
        self.in_process = in_process
        if in_process:
            self.faults.refuse_socket_faults(_NO_SOCKET)
        if faults:
            self.faults.add_spec(faults)
        self._connections = ConnectionRegistry()
        self.stats = SimStats(self._connections)
        self._state = SimState(
            seed=seed,
            clock=self.clock,
            task_seconds=task_seconds,
            preview_seconds=preview_seconds,
            costs=dict(DEFAULT_COSTS if costs is None else costs),
        )
        self._state.upload_expires_in = upload_expires_in
        #: Faults of webhook deliveries (``add(kind, probability)``, ``script([...])``).
        self.webhook_faults = WebhookFaults(seed)
        self._webhooks = WebhookSender(
            clock=self.clock, stats=self.stats, faults=self.webhook_faults, to_loopback=webhooks_to_loopback
        )
        self._webhooks.render = self._state.webhook_record
        self._state.webhooks = self._webhooks
        #: Bearer token of the default account.
        self.token = self._state.add_account(credits)
        self._settings = AppSettings(
            strict=strict, result_size=result_size, upload_limit=upload_limit, ranges=ranges
        )
        self._stopping = threading.Event()
        self._app = SimApp(
            state=self._state,
            faults=self.faults,
            stats=self.stats,
            settings=self._settings,
            checker=ContractChecker() if check_contract else None,
            connections=self._connections,
            stopping=self._stopping,
            seed=seed,
        )
        self._host = host
        self._port = port
        self._server: ServerThread | None = None
        self._started_in_process = False
        self._reported = 0

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> Simulator:
        """Start listening (returns once the port is bound), or, in process, ready the ASGI app. A
        simulator starts once."""
        if self._server is not None or self._started_in_process:
            raise RuntimeError("this simulator was already started; create a new one")
        if self.in_process:
            self._started_in_process = True
            self._state.base_url = IN_PROCESS_BASE_URL
            return self
        self._server = ServerThread(
            self._app.asgi, host=self._host, port=self._port, registry=self._connections
        )
        self._server.start()
        self._state.base_url = f"http://{_url_host(self._host)}:{self._server.port}"
        return self

    def stop(self) -> None:
        """Stop the server: slow answers are cut short, open connections closed, the thread joined."""
        self._stopping.set()
        self._webhooks.stop()
        if self._server is not None:
            self._server.stop()

    def __enter__(self) -> Simulator:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
        if exc_type is None:
            self.check()

    def check(self) -> None:
        """In strict mode, raise ``ContractViolationError`` for violations not reported yet."""
        new = self.stats.violations_since(self._reported)
        self._reported += len(new)
        if new and self._settings.strict:
            raise ContractViolationError(new)

    @property
    def running(self) -> bool:
        if self.in_process:
            return self._started_in_process and not self._stopping.is_set()
        return self._server is not None and self._server.running

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>``, the root the API paths hang from (known once started)."""
        if not self._state.base_url:
            raise RuntimeError("the simulator is not started yet (use it in a with block or call start())")
        return self._state.base_url

    @property
    def port(self) -> int:
        if self.in_process:
            raise RuntimeError("an in-process simulator has no port (use sim.asgi or sim.async_client())")
        if self._server is None:
            raise RuntimeError("the simulator is not started yet")
        return self._server.port

    @property
    def asgi(self) -> ASGIApp:
        """The ASGI app of a started in-process simulator, e.g. for ``httpx.ASGITransport(app=sim.asgi)``
        with ``base_url=sim.base_url`` (its upload and result URLs point there)."""
        if not self.in_process:
            raise RuntimeError("this simulator serves on a port; create it with in_process=True")
        if not self._started_in_process:
            raise RuntimeError("the simulator is not started yet (use it in a with block or call start())")
        return self._app.asgi

    def client(self, **options: Any) -> A2E:
        """An ``A2E`` on the default account (``options``: its keywords, e.g. ``max_retries``). Close it.
        Threaded simulators only: ``httpx.ASGITransport`` is async."""
        return sync_client(self, options)

    def async_client(self, **options: Any) -> AsyncA2E:
        """An ``AsyncA2E`` on the default account, through ``sim.asgi`` in process (``options``: its
        keywords). Close it (``async with``)."""
        return async_client(self, options)

    def env(self) -> dict[str, str]:
        """Environment variables that point the client (and the CLI) at this simulator."""
        return {"A2E_BASE_URL": self.base_url, "A2E_API_KEY": self.token}

    # ------------------------------------------------------------------ settings
    @property
    def strict(self) -> bool:
        return self._settings.strict

    @strict.setter
    def strict(self, value: bool) -> None:
        self._settings.strict = value

    @property
    def result_size(self) -> int:
        """Size in bytes of every task's result file (read at download time, so it may be changed)."""
        return self._settings.result_size

    @result_size.setter
    def result_size(self, value: int) -> None:
        if value < 0:
            raise ValueError("result_size must be >= 0")
        self._settings.result_size = value

    @property
    def ranges(self) -> bool:
        """Whether result files honour ``Range`` requests (read per request, so it may be changed)."""
        return self._settings.ranges

    @ranges.setter
    def ranges(self, value: bool) -> None:
        self._settings.ranges = value

    @property
    def upload_limit(self) -> int:
        return self._settings.upload_limit

    @upload_limit.setter
    def upload_limit(self, value: int) -> None:
        self._settings.upload_limit = value

    # ------------------------------------------------------------------ accounts and records
    def add_account(self, credits: int = 1000) -> str:
        """Create another account (its own faces, previews, tasks and credits); returns its token."""
        return self._state.add_account(credits)

    def credits(self, token: str | None = None) -> int:
        """Credit balance of an account (default: the default account)."""
        with self._state.lock:
            return self._state.account_of(token or self.token).credits

    def set_credits(self, credits: int, token: str | None = None) -> None:
        with self._state.lock:
            self._state.account_of(token or self.token).credits = credits

    def fail_next_task(
        self, error_code: str = DEFAULT_FAILURE_CODE, message: str = DEFAULT_FAILURE_MESSAGE
    ) -> None:
        """Make the next created task (of any account) end ``failed`` with this error_code and message."""
        self._state.queue_failure(error_code, message)

    def tasks(self, token: str | None = None) -> list[dict[str, Any]]:
        """The account's tasks as the detail operation would answer them, oldest first."""
        return self._state.all_tasks(self._state.account_of(token or self.token))

    def result_bytes(self, task_id: str) -> bytes:
        """The exact bytes served at a completed task's result_url (builds them in memory)."""
        return result_bytes(task_id, self.result_size)

    def result_sha256(self, task_id: str) -> str:
        """sha256 hex digest of a task's result file, computed without holding the file."""
        return result_sha256(task_id, self.result_size)

    def __repr__(self) -> str:
        where = self._state.base_url or "not started"
        return f"Simulator(seed={self.seed}, {where}, strict={self.strict})"


def _url_host(host: str) -> str:
    if host in ("0.0.0.0", ""):  # noqa: S104 - only used to build the URL to print
        return "127.0.0.1"
    return f"[{host}]" if ":" in host else host
