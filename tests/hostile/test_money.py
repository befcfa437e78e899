"""Money: a paid create is never sent twice, never confused with another task, never lost.

Against the simulator (late applies, lost answers, yesterday's task with the same name) and against
small hostile servers (a records list that never ends, lies about its count, or holds a stranger's
record with our name). Both clients run every scenario (``tests.facade.support.as_async``).
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from a2e_faceswap import AsyncA2E, CreateOutcomeUnknownError, RetryPolicy, ServerError
from a2e_faceswap.testing import FaultKind, Simulator

from tests.conftest import MakeSim
from tests.facade.support import Clients
from tests.hostile._server import Conn, HostileServer, Request, envelope

FACE = "https://media.example.com/jobs/face.jpg"
VIDEO_A = "https://media.example.com/jobs/monday.mp4"
VIDEO_B = "https://media.example.com/jobs/tuesday.mp4"
TOKEN = "sk_hostile_money_0123456789"

MakeClient = Callable[..., AsyncA2E]


def _policy(window: float, max_retries: int = 2) -> RetryPolicy:
    return RetryPolicy(
        max_retries=max_retries, initial_delay=0.01, max_delay=0.05, jitter=0.0, settle_window=window
    )


@pytest.fixture
def make_client(clients: Clients) -> MakeClient:
    def make(base_url: str, window: float, api_key: str = TOKEN, **options: Any) -> AsyncA2E:
        options.setdefault("retry_policy", _policy(window))
        return clients.make(api_key=api_key, base_url=base_url, **options)

    return make


# ------------------------------------------------------------------ against the simulator


@pytest.mark.parametrize(
    "fault",
    [FaultKind.HTTP_503, FaultKind.HTTP_502_HTML, FaultKind.RESET, FaultKind.APPLIED_THEN_RESET],
)
async def test_yesterdays_task_with_the_same_name_is_never_returned_for_todays_create(
    make_sim: MakeSim, make_client: MakeClient, fault: FaultKind
) -> None:
    day = 86_400.0
    sim = make_sim(speed=0, start_time=datetime.now(UTC) - timedelta(seconds=day))
    token = sim.add_account(credits=100)
    api = make_client(sim.base_url, window=0.3, api_key=token)
    yesterday = await api.tasks.create(face=FACE, video=VIDEO_A, name="nightly-job")
    sim.clock.advance(day)
    sim.faults.script("create_task", [fault])
    today = await api.tasks.create(face=FACE, video=VIDEO_B, name="nightly-job")
    assert today.id != yesterday.id
    assert today.video_url == VIDEO_B
    assert sim.stats.tasks_created_by_name["nightly-job"] == 2
    assert sorted(t["video_url"] for t in sim.tasks(token)) == sorted([VIDEO_A, VIDEO_B])


@pytest.mark.parametrize("late", [0.3, 1.0])
async def test_a_create_applied_after_the_client_gave_up_is_found_not_paid_twice(
    make_sim: MakeSim, make_client: MakeClient, late: float
) -> None:
    """The server applies the create ``late`` seconds after the client's timeout (A2E can take up to
    10 s; the default window is 15 s: here both are scaled down)."""
    sim = make_sim(speed=600)
    token = sim.add_account(credits=100)
    api = make_client(sim.base_url, window=1.5, api_key=token)
    timeout = 0.3
    sim.faults.add(FaultKind.SLOW, route="create_task", times=1, delay=timeout + late)
    name = f"late-{uuid.uuid4().hex[:8]}"
    started = time.monotonic()
    task = await api.tasks.create(face=FACE, video=VIDEO_A, name=name, timeout=timeout)
    assert task.name == name
    # let the late apply happen (if the client had resent, the late one would be a second task)
    await asyncio.sleep(max(0.0, started + timeout + late + 0.3 - time.monotonic()))
    assert sim.stats.tasks_created_by_name[name] == 1
    assert sim.stats.requests_to("create_task") == 1
    assert len(sim.tasks(token)) == 1


async def test_resolve_settles_an_unknown_outcome_both_ways(
    make_sim: MakeSim, make_client: MakeClient
) -> None:
    sim: Simulator = make_sim(speed=600)
    token = sim.add_account(credits=100)
    api = make_client(sim.base_url, window=0.1, api_key=token, max_retries=0)
    sim.faults.add(FaultKind.HTTP_503, route="list_task_records")
    for fault, exists in [(FaultKind.APPLIED_THEN_RESET, True), (FaultKind.RESET, False)]:
        sim.faults.script("create_task", [fault])
        name = f"resolve-{fault}"
        with pytest.raises(CreateOutcomeUnknownError) as caught:
            await api.tasks.create(face=FACE, video=VIDEO_A, name=name)
        error = caught.value
        assert (error.name, error.face_url, error.video_url) == (name, FACE, VIDEO_A)
        assert len(error.attempts) == 1
        assert error.resolvable_at <= datetime.now(UTC) + timedelta(seconds=0.1)
        sim.faults.clear()
        found = await api.tasks.resolve(error)
        assert (found is not None) is exists
        if found is not None:
            assert found.name == name
        assert sim.stats.tasks_created_by_name.get(name, 0) == int(exists)
        sim.faults.add(FaultKind.HTTP_503, route="list_task_records")


# ------------------------------------------------------------------ against hostile record lists


def _row(name: str, created: datetime, face: str = FACE, video: str = VIDEO_A, n: int = 0) -> dict[str, Any]:
    return {
        "_id": f"{n:024x}",
        "name": name,
        "face_url": face,
        "video_url": video,
        "current_status": "initialized",
        "result_url": "",
        "createdAt": created.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
    }


class RecordsServer:
    """A2E's create and records endpoints, as told: ``create`` answers every POST, ``rows(page, name)``
    gives each page (the name is the one the last create sent)."""

    def __init__(
        self,
        create: Callable[[Conn], None],
        rows: Callable[[int, str], tuple[list[dict[str, Any]], int]],
    ) -> None:
        self.create = create
        self.rows = rows
        self.name = ""

    def __call__(self, request: Request, conn: Conn) -> None:
        if request.method == "POST" and request.path == "/api/v1/userFaceSwapTask/add":
            self.name = json.loads(request.body)["name"]
            self.create(conn)
        elif request.path == "/api/v1/userFaceSwapTask/records":
            page = int(dict(p.split("=") for p in request.query.split("&"))["pageNum"])
            rows, count = self.rows(page, self.name)
            conn.respond(200, envelope({"rows": rows, "count": count}))
        else:
            conn.respond(404, b'{"code": 404, "msg": "no"}')


def _html_502(conn: Conn) -> None:
    conn.respond(502, b"<html><body>502 Bad Gateway</body></html>", content_type="text/html")


def _newer(count: int, offset: int = 0) -> list[dict[str, Any]]:
    now = datetime.now(UTC)
    return [_row(f"someone-else-{offset + i}", now, n=offset + i + 1) for i in range(count)]


async def test_a_lookup_stopped_by_the_page_cap_or_a_lying_count_never_resends(
    make_client: MakeClient,
) -> None:
    server = RecordsServer(_html_502, lambda page, _: (_newer(100, page * 100), 5))
    with HostileServer(server) as hostile:
        api = make_client(hostile.url, window=0.2)
        with pytest.raises(CreateOutcomeUnknownError) as caught:
            await api.tasks.create(face=FACE, video=VIDEO_A)
        assert hostile.count("POST", "/api/v1/userFaceSwapTask/add") == 1
        assert "pages" in caught.value.reason
        assert isinstance(caught.value.__cause__, ServerError)


async def test_a_recent_stranger_with_our_name_means_unknown_not_absent(make_client: MakeClient) -> None:
    def rows(page: int, name: str) -> tuple[list[dict[str, Any]], int]:
        return [_row(name, datetime.now(UTC), video=VIDEO_B)], 1

    with HostileServer(RecordsServer(_html_502, rows)) as hostile:
        api = make_client(hostile.url, window=0.2)
        with pytest.raises(CreateOutcomeUnknownError) as caught:
            await api.tasks.create(face=FACE, video=VIDEO_A, name="shared-name")
        assert hostile.count("POST", "/api/v1/userFaceSwapTask/add") == 1
        assert "other inputs" in caught.value.reason


async def test_our_task_moved_to_a_cdn_host_is_found(make_client: MakeClient) -> None:
    def rows(page: int, name: str) -> tuple[list[dict[str, Any]], int]:
        moved = _row(
            name,
            datetime.now(UTC),
            face="https://CDN.a2e.example/jobs/face.jpg",
            video="https://cdn.a2e.example/jobs/%6Donday.mp4",
        )
        return [moved], 1

    with HostileServer(RecordsServer(_html_502, rows)) as hostile:
        api = make_client(hostile.url, window=5.0)
        task = await api.tasks.create(face=FACE, video=VIDEO_A, name="moved")
        assert task.name == "moved"
        assert hostile.count("POST", "/api/v1/userFaceSwapTask/add") == 1


async def test_the_callers_deadline_bounds_the_settle_window(make_client: MakeClient) -> None:
    with HostileServer(RecordsServer(_html_502, lambda page, _: ([], 0))) as hostile:
        api = make_client(hostile.url, window=30.0)
        started = time.monotonic()
        with pytest.raises(CreateOutcomeUnknownError) as caught:
            await api.tasks.create(face=FACE, video=VIDEO_A, deadline=0.5)
        assert time.monotonic() - started < 2.0
        assert "deadline" in caught.value.reason
        assert hostile.count("POST", "/api/v1/userFaceSwapTask/add") == 1
        assert caught.value.resolvable_at > datetime.now(UTC) + timedelta(seconds=20)
