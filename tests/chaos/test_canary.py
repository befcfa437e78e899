"""Canary token run: with every logger at DEBUG and every error path taken (401, 402, 404, 5xx, 429,
resets, unreadable bodies, timeouts, a lost create whose lookup fails, wait timeout, task failure,
failed downloads and uploads, plain-http refusal), the API token appears in no log line, no repr, no
exception text or traceback, and no output of the command line tool (run with --debug)."""

from __future__ import annotations

import logging
import traceback
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from a2e_faceswap import (
    A2E,
    A2EError,
    APIConnectionError,
    APITimeoutError,
    AsyncA2E,
    AuthenticationError,
    BadRequestError,
    CreateOutcomeUnknownError,
    InsecureURLError,
    InsufficientCreditsError,
    InvalidInputError,
    ModerationError,
    NotFoundError,
    RateLimitError,
    RetryPolicy,
    ServerError,
    TaskFailedError,
    UnreadableResponseError,
    WaitTimeoutError,
)
from a2e_faceswap.cli import app
from a2e_faceswap.testing import FaultKind, Simulator
from typer.testing import CliRunner

from tests.facade.support import as_async

#: A token no server knows (the 401, plain-http and CLI paths); the simulator's own token is the other
#: canary (every path that needs a valid account).
UNKNOWN_TOKEN = "sk_canary_7f3a9c21e4b86d05aa11c0ffee5eed42"
FACE = "https://media.example.com/canary/face.jpg"
VIDEO = "https://media.example.com/canary/clip.mp4"
ZERO_ID = "0" * 24
FAST = RetryPolicy(
    max_retries=2, initial_delay=0.001, max_delay=0.005, retry_after_cap=0.01, settle_window=0.02
)
NO_RETRY = RetryPolicy(max_retries=0, settle_window=0.0)


class Capture(logging.Handler):
    """Every record of every logger, formatted with its traceback."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture
def captured() -> Iterator[Capture]:
    handler = Capture()
    root = logging.getLogger()
    names = ("a2e_faceswap", "httpx", "httpcore")
    levels = {name: logging.getLogger(name).level for name in names}
    root_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    for name in names:
        logging.getLogger(name).setLevel(logging.DEBUG)
    yield handler
    root.removeHandler(handler)
    root.setLevel(root_level)
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)


class Texts:
    """Everything a user could see, gathered to be searched for the tokens."""

    def __init__(self) -> None:
        self.items: list[tuple[str, str]] = []

    def add(self, where: str, text: str) -> None:
        self.items.append((where, text))

    def error(self, where: str, error: BaseException) -> None:
        self.add(f"{where}: str", str(error))
        self.add(f"{where}: repr", repr(error))
        self.add(f"{where}: traceback", "".join(traceback.format_exception(error)))
        self.add(f"{where}: attributes", repr(vars(error)))
        response = getattr(error, "response", None)
        if response is not None:
            self.add(f"{where}: response", f"{response!r} {response.request!r} {response.request.headers!r}")
        task = getattr(error, "task", None)
        if task is not None:
            self.add(f"{where}: task", repr(task))

    def leaks(self, *tokens: str) -> list[str]:
        pieces = {piece for token in tokens for piece in (token, token[:16], token[-16:])}
        return [f"{where}: {text[:300]!r}" for where, text in self.items for piece in pieces if piece in text]


def _files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


Scenario = Callable[[Simulator, Callable[..., AsyncA2E], Path], Awaitable[A2EError]]


async def _raises(kind: type[A2EError], call: Callable[[], Awaitable[Any]]) -> A2EError:
    with pytest.raises(kind) as info:
        await call()  # the sync client (behind as_async) raises from the call itself
    return info.value


def _script(sim: Simulator, route: str, *kinds: FaultKind) -> None:
    sim.faults.clear()
    sim.faults.script(route, list(kinds))


async def _finished(api: AsyncA2E, sim: Simulator) -> str:
    task = await api.tasks.create(face=FACE, video=VIDEO)
    sim.clock.advance(3600)
    return task.id


async def _scenarios(sim: Simulator, make: Callable[..., AsyncA2E], tmp: Path, texts: Texts) -> None:
    plain = make(retry_policy=NO_RETRY)
    retrying = make(retry_policy=FAST)
    texts.add("client repr", f"{plain!r} {plain.tasks!r} {plain.retry_policy!r}")
    expected: list[tuple[str, type[A2EError], Callable[[], Awaitable[Any]]]] = []

    def case(name: str, kind: type[A2EError], call: Callable[[], Awaitable[Any]]) -> None:
        expected.append((name, kind, call))

    unknown = make(api_key=UNKNOWN_TOKEN, retry_policy=NO_RETRY)
    case("401", AuthenticationError, lambda: unknown.tasks.list())
    case("404", NotFoundError, lambda: plain.tasks.get(ZERO_ID))
    case("400", BadRequestError, lambda: plain.faces.add(f"{sim.base_url}/r2/put/face.jpg"))
    case("refused locally", InvalidInputError, lambda: plain.tasks.get("not an id"))
    for name, fault, kind in [
        ("500", FaultKind.HTTP_500, ServerError),
        ("502 html", FaultKind.HTTP_502_HTML, ServerError),
        ("503", FaultKind.HTTP_503, ServerError),
        ("429", FaultKind.HTTP_429_RETRY_AFTER, RateLimitError),
        ("busy code", FaultKind.CODE_BUSY, RateLimitError),
        ("moderation", FaultKind.CODE_MODERATION, ModerationError),
        ("reset", FaultKind.RESET, APIConnectionError),
        ("reset mid body", FaultKind.RESET_MID_BODY, APIConnectionError),
        ("malformed json", FaultKind.MALFORMED_JSON, UnreadableResponseError),
        ("non-object json", FaultKind.NON_OBJECT_JSON, UnreadableResponseError),
    ]:

        def faulted(fault: FaultKind = fault) -> Awaitable[Any]:
            _script(sim, "get_task", fault, fault, fault)  # three: the retrying client gives up too
            return retrying.tasks.get(ZERO_ID)

        case(name, kind, faulted)

    def slow() -> Awaitable[Any]:
        _script(sim, "get_task", FaultKind.SLOW)
        return plain.tasks.get(ZERO_ID, timeout=0.05)

    case("read timeout", APITimeoutError, slow)

    def lost_create() -> Awaitable[Any]:
        sim.faults.clear()
        sim.faults.script("create_task", [FaultKind.APPLIED_THEN_RESET])
        sim.faults.script("list_task_records", [FaultKind.HTTP_500])
        return plain.tasks.create(face=FACE, video=VIDEO)

    case("lost create, failed lookup", CreateOutcomeUnknownError, lost_create)

    async def no_credits() -> Any:
        sim.faults.clear()
        sim.set_credits(0)
        try:
            return await plain.tasks.create(face=FACE, video=VIDEO)
        finally:
            sim.set_credits(1000)

    case("402", InsufficientCreditsError, no_credits)

    async def wait_timeout() -> Any:
        speed, sim.clock.speed = sim.clock.speed, 0  # the task must not finish first on a loaded machine
        try:
            task = await plain.tasks.create(face=FACE, video=VIDEO)
            return await plain.tasks.wait(task, timeout=0.01, poll_interval=0.01)
        finally:
            sim.clock.speed = speed

    case("wait timeout", WaitTimeoutError, wait_timeout)

    async def task_failure() -> Any:
        sim.fail_next_task(error_code="1003", message="the face could not be found")
        return await plain.tasks.run(face=FACE, video=VIDEO, poll_interval=0.01, timeout=20)

    case("task failure", TaskFailedError, task_failure)

    async def download(*faults: FaultKind) -> Any:
        task_id = await _finished(plain, sim)
        _script(sim, "result", *faults)
        return await retrying.tasks.download(task_id, tmp / f"{faults[0].value}.mp4")

    case("download 503", ServerError, lambda: download(*[FaultKind.HTTP_503_HTML] * 3))
    # A cut that brings new bytes restarts the retry count: cut once, then resets before any byte.
    cut_off = (FaultKind.RESET_MID_BODY, FaultKind.RESET, FaultKind.RESET)
    case("download cut off", APIConnectionError, lambda: download(*cut_off))

    def upload() -> Awaitable[Any]:
        _script(sim, "upload_put", FaultKind.HTTP_500)
        return plain.uploads.upload(b"\x89PNG\r\n\x1a\n" + bytes(64))

    case("upload 500", ServerError, upload)

    for name, kind, call in expected:
        texts.error(name, await _raises(kind, call))
    sim.faults.clear()
    with pytest.raises(InsecureURLError) as refused:
        A2E(api_key=UNKNOWN_TOKEN, base_url="http://a2e.example.com")
    texts.error("plain http", refused.value)


@pytest.mark.parametrize("kind", ["sync", "async"])
async def test_the_token_never_shows_in_logs_reprs_or_errors(
    kind: str, make_sim: Callable[..., Simulator], captured: Capture, tmp_path: Path
) -> None:
    sim = make_sim(slow_seconds=0.3)
    made: list[A2E | AsyncA2E] = []

    def make(**options: Any) -> AsyncA2E:
        options.setdefault("api_key", sim.token)
        client = (
            A2E(base_url=sim.base_url, **options)
            if kind == "sync"
            else AsyncA2E(base_url=sim.base_url, **options)
        )
        made.append(client)
        return as_async(client)

    texts = Texts()
    try:
        await _scenarios(sim, make, tmp_path, texts)
        assert _files(tmp_path) == [], "a failed download left a file behind"
    finally:
        for client in made:
            if isinstance(client, AsyncA2E):
                await client.close()
            else:
                client.close()
    for line in captured.lines:
        texts.add("log", line)
    assert any("Authorization" in line or "authorization" in line for line in captured.lines), (
        "debug logging did not show request headers: the check would be empty"
    )
    assert any("retrying" in line for line in captured.lines)
    assert texts.leaks(sim.token, UNKNOWN_TOKEN) == []


def test_the_command_line_tool_never_prints_the_token(
    make_sim: Callable[..., Simulator], captured: Capture, tmp_path: Path
) -> None:
    sim = make_sim(slow_seconds=0.3, speed=0)  # frozen until the swaps: the wait must time out
    with A2E(api_key=sim.token, base_url=sim.base_url) as client:
        running = client.tasks.create(face=FACE, video=VIDEO)
    swap = ["swap", "--face", FACE, "--video", VIDEO, "-o", str(tmp_path), "--poll", "0.01"]

    def nothing() -> None:
        pass

    def bad_gateway() -> None:
        sim.faults.script("get_task", [FaultKind.HTTP_502_HTML] * 5)

    def failing_task() -> None:
        sim.clock.speed = 600
        sim.fail_next_task(message="no face found")

    def cut_download() -> None:
        # cut once (new bytes restart the retry count), then resets before any byte use up the budget
        sim.faults.script("result", [FaultKind.RESET_MID_BODY, FaultKind.RESET, FaultKind.RESET])

    unknown = {"A2E_API_KEY": UNKNOWN_TOKEN}
    runs: list[tuple[Callable[[], None], list[str], dict[str, str]]] = [
        (nothing, ["--api-key", UNKNOWN_TOKEN, "tasks", "list"], {}),
        (nothing, ["tasks", "list"], unknown),
        (nothing, ["--json", "tasks", "list"], unknown),
        (nothing, ["--api-key", UNKNOWN_TOKEN, "--base-url", "http://a2e.example.com", "tasks", "list"], {}),
        (nothing, ["tasks", "get", ZERO_ID], {}),
        (nothing, ["--json", "tasks", "get", ZERO_ID], {}),
        (nothing, ["tasks", "wait", running.id, "--timeout", "0.05", "--poll", "0.01"], {}),
        (bad_gateway, ["tasks", "get", running.id], {}),
        (failing_task, swap, {}),
        (cut_download, ["--json", *swap], {}),
    ]
    base = {"A2E_API_KEY": sim.token, "A2E_BASE_URL": sim.base_url, "A2E_LOG": "debug"}
    texts = Texts()
    codes = []
    for setup, args, env in runs:
        sim.faults.clear()
        setup()
        result = CliRunner().invoke(app, ["--debug", *args], env={**base, **env})
        codes.append(int(result.exit_code))
        texts.add(f"cli {args}: output", result.output)
        texts.add(f"cli {args}: stderr", result.stderr)
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            texts.error(f"cli {args}", result.exception)
    sim.faults.clear()
    for line in captured.lines:
        texts.add("log", line)
    assert 0 not in codes, f"exit codes {codes}"  # every run took an error path
    assert any("authorization" in line.lower() for line in captured.lines)
    assert texts.leaks(sim.token, UNKNOWN_TOKEN) == []
