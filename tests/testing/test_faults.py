"""Fault injection: what an httpx client sees for each kind, whether the request was applied,
determinism from the seed, scripted sequences and the spec string format."""

from __future__ import annotations

import json
import threading
import time

import httpx
import pytest
from a2e_faceswap import codes
from a2e_faceswap.testing import NO_ANSWER, FaultKind, Simulator, parse_fault_spec

from tests.conftest import MakeSim
from tests.testing.helpers import FACE, TASKS, VIDEO, client_for, create_task, error_of

TASK_BODY = {"name": "faulted", "face_url": FACE, "video_url": VIDEO}
HTTP_ERRORS = [
    (FaultKind.HTTP_500, 500),
    (FaultKind.HTTP_502, 502),
    (FaultKind.HTTP_503, 503),
]


def _create(client: httpx.Client) -> httpx.Response:
    return client.post(f"{TASKS}/add", json=TASK_BODY)


def _drain(response: httpx.Response, sizes: list[int]) -> None:
    for chunk in response.iter_raw():
        sizes.append(len(chunk))


@pytest.mark.parametrize(("kind", "status"), HTTP_ERRORS)
def test_http_error_with_json_envelope_is_not_applied(
    sim: Simulator, api: httpx.Client, kind: FaultKind, status: int
) -> None:
    sim.faults.script("create_task", [kind])
    response = _create(api)
    assert response.status_code == status
    assert error_of(response)["code"] == status
    assert sim.tasks() == []
    assert sim.stats.requests[("create_task", status)] == 1


@pytest.mark.parametrize(("kind", "status"), [(FaultKind.HTTP_502_HTML, 502), (FaultKind.HTTP_503_HTML, 503)])
def test_http_error_with_html_body(sim: Simulator, api: httpx.Client, kind: FaultKind, status: int) -> None:
    sim.faults.script("get_task", [kind])
    response = api.get(f"{TASKS}/0123456789abcdef01234567")
    assert response.status_code == status
    assert response.headers["content-type"].startswith("text/html")
    assert f"<h1>{status}" in response.text
    with pytest.raises(json.JSONDecodeError):
        response.json()


def test_429_without_and_with_retry_after(sim: Simulator, api: httpx.Client) -> None:
    sim.faults.script("list_task_statuses", [FaultKind.HTTP_429, FaultKind.HTTP_429_RETRY_AFTER])
    plain = api.get(f"{TASKS}/status")
    assert plain.status_code == 429
    assert "retry-after" not in plain.headers
    assert error_of(plain)["code"] == 429
    advised = api.get(f"{TASKS}/status")
    assert advised.status_code == 429
    assert advised.headers["retry-after"] == "1"
    assert api.get(f"{TASKS}/status").status_code == 200  # the script is used up


def test_moderation_as_http_403(sim: Simulator, api: httpx.Client) -> None:
    sim.faults.script("create_task", [FaultKind.HTTP_403_MODERATION])
    response = _create(api)
    assert response.status_code == 403
    assert error_of(response)["code"] == codes.MODERATION_MINOR
    assert sim.tasks() == []


def test_reset_drops_the_connection_before_applying(
    sim: Simulator, api: httpx.Client, caplog: pytest.LogCaptureFixture
) -> None:
    sim.faults.script("create_task", [FaultKind.RESET])
    with pytest.raises((httpx.ReadError, httpx.RemoteProtocolError)):
        _create(api)
    assert [r.getMessage() for r in caplog.records if r.name.startswith("uvicorn")] == []
    assert sim.tasks() == []
    assert sim.stats.tasks_created_by_name == {}
    assert sim.stats.requests[("create_task", NO_ANSWER)] == 1
    assert sim.stats.requests[("create_task", 500)] == 0  # uvicorn did not answer in our place
    assert create_task(api)["name"] == "task"  # the client reconnects and carries on


def test_applied_then_reset_creates_the_task_but_never_answers(sim: Simulator, api: httpx.Client) -> None:
    sim.faults.script("create_task", [FaultKind.APPLIED_THEN_RESET])
    with pytest.raises((httpx.ReadError, httpx.RemoteProtocolError)):
        _create(api)
    assert [task["name"] for task in sim.tasks()] == ["faulted"]
    assert sim.stats.tasks_created_by_name == {"faulted": 1}
    assert sim.credits() == 999  # it was paid for
    page = api.get(f"{TASKS}/records", params={"pageNum": 1, "pageSize": 10}).json()["data"]
    assert [row["name"] for row in page["rows"]] == ["faulted"]  # a careful client can find it


def test_reset_mid_body_cuts_the_answer_after_the_headers(sim: Simulator, api: httpx.Client) -> None:
    sim.faults.script("create_task", [FaultKind.RESET_MID_BODY])
    with pytest.raises((httpx.ReadError, httpx.RemoteProtocolError)):
        _create(api)
    assert sim.stats.tasks_created_by_name == {"faulted": 1}  # applied


def test_reset_mid_body_on_a_result_download(sim: Simulator, api: httpx.Client) -> None:
    sim.result_size = 3 * 1024 * 1024
    task = create_task(api)
    sim.clock.advance(60)
    url = api.get(f"{TASKS}/{task['_id']}").json()["data"]["result_url"]
    sim.faults.script("result", [FaultKind.RESET_MID_BODY])
    sizes: list[int] = []
    with api.stream("GET", url) as response:
        assert response.status_code == 200
        assert int(response.headers["content-length"]) == sim.result_size
        with pytest.raises((httpx.ReadError, httpx.RemoteProtocolError)):
            _drain(response, sizes)
    assert 0 < sum(sizes) < sim.result_size
    assert api.get(url).content == sim.result_bytes(task["_id"])  # the next try gets it all


def test_slow_answer_times_the_client_out_but_is_applied(make_sim: MakeSim) -> None:
    sim = make_sim(slow_seconds=1.0)
    sim.faults.script("create_task", [FaultKind.SLOW])
    with client_for(sim, timeout=0.2) as client:
        started = time.monotonic()
        with pytest.raises(httpx.ReadTimeout):
            _create(client)
        assert time.monotonic() - started < 0.9
    deadline = time.monotonic() + 5
    while not sim.tasks() and time.monotonic() < deadline:
        time.sleep(0.02)
    assert [task["name"] for task in sim.tasks()] == ["faulted"]


def test_slow_answer_does_not_block_other_requests(make_sim: MakeSim) -> None:
    sim = make_sim()
    sim.faults.add(FaultKind.SLOW, route="list_task_statuses", delay=0.6)
    results: dict[str, float] = {}

    def slow_call() -> None:
        with client_for(sim) as client:
            started = time.monotonic()
            assert client.get(f"{TASKS}/status").status_code == 200
            results["slow"] = time.monotonic() - started

    worker = threading.Thread(target=slow_call)
    worker.start()
    time.sleep(0.1)
    with client_for(sim) as client:
        started = time.monotonic()
        create_task(client)
        results["fast"] = time.monotonic() - started
    worker.join()
    assert results["slow"] >= 0.6
    assert results["fast"] < 0.3


def test_stop_cuts_slow_answers_short(make_sim: MakeSim) -> None:
    sim = make_sim()
    sim.faults.add(FaultKind.SLOW, route="list_task_statuses", delay=30)
    errors: list[BaseException] = []

    def waiting_call() -> None:
        try:
            with client_for(sim, timeout=20) as client:
                client.get(f"{TASKS}/status")
        except httpx.HTTPError as exc:  # either an answer or a closed connection is fine
            errors.append(exc)

    worker = threading.Thread(target=waiting_call)
    worker.start()
    time.sleep(0.2)
    started = time.monotonic()
    sim.stop()
    assert time.monotonic() - started < 5
    worker.join(10)
    assert not worker.is_alive()


def test_malformed_json(sim: Simulator, api: httpx.Client) -> None:
    sim.faults.script("get_task", [FaultKind.MALFORMED_JSON])
    response = api.get(f"{TASKS}/0123456789abcdef01234567")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    with pytest.raises(json.JSONDecodeError):
        response.json()


def test_non_object_json(sim: Simulator, api: httpx.Client) -> None:
    sim.faults.script("list_face_images", [FaultKind.NON_OBJECT_JSON] * 4)
    bodies = [api.get("/api/v1/userFaceSwapImage/records").json() for _ in range(4)]
    assert all(not isinstance(body, dict) for body in bodies)
    assert [] in bodies
    assert "ok" in bodies


@pytest.mark.parametrize(
    ("kind", "code"), [(FaultKind.CODE_BUSY, codes.BUSY), (FaultKind.CODE_MODERATION, codes.MODERATION_MINOR)]
)
def test_http_200_with_error_code_is_not_applied(
    sim: Simulator, api: httpx.Client, kind: FaultKind, code: int
) -> None:
    sim.faults.script("create_task", [kind])
    response = _create(api)
    assert response.status_code == 200
    envelope = response.json()
    assert envelope["code"] == code
    assert envelope["msg"]
    assert envelope.get("data") is None
    assert sim.tasks() == []
    assert sim.credits() == 1000


def test_faults_on_the_upload_put_and_cdn(sim: Simulator, api: httpx.Client) -> None:
    urls = api.post("/api/v1/r2/upload-presigned-url", json={"key": "k.bin"}).json()["data"]
    sim.faults.script("upload_put", [FaultKind.HTTP_503, FaultKind.APPLIED_THEN_RESET])
    assert api.put(urls["uploadUrl"], content=b"abc").status_code == 503
    assert api.get(urls["cdnUrl"]).status_code == 404  # not stored
    sim.faults.script("cdn", [FaultKind.RESET])
    with pytest.raises((httpx.ReadError, httpx.RemoteProtocolError)):
        api.put(urls["uploadUrl"], content=b"abc")
    with pytest.raises((httpx.ReadError, httpx.RemoteProtocolError)):
        api.get(urls["cdnUrl"])
    assert api.get(urls["cdnUrl"]).content == b"abc"  # the dropped PUT was stored


def _run_random_faults(seed: int) -> tuple[list[tuple[str, FaultKind]], list[str], list[int]]:
    with (
        Simulator(
            seed=seed,
            speed=600,
            faults="create_task:http_503:0.3,get_task:reset:0.3,get_task:slow:0.1",
            slow_seconds=0.01,
        ) as sim,
        client_for(sim) as client,
    ):
        statuses = []
        for n in range(12):
            statuses.append(client.post(f"{TASKS}/add", json={**TASK_BODY, "name": f"n{n}"}).status_code)
        ids = [task["_id"] for task in sim.tasks()]
        for task_id in ids * 2:
            try:
                statuses.append(client.get(f"{TASKS}/{task_id}").status_code)
            except httpx.TransportError:
                statuses.append(NO_ANSWER)
        return sim.faults.history, ids, statuses


def test_same_seed_same_faults_and_ids() -> None:
    first = _run_random_faults(7)
    again = _run_random_faults(7)
    other = _run_random_faults(8)
    assert first == again
    history, ids, statuses = first
    assert {kind for _, kind in history} >= {FaultKind.HTTP_503, FaultKind.RESET}
    assert 503 in statuses
    assert NO_ANSWER in statuses
    assert (other[0], other[1]) != (history, ids)


def test_each_route_draws_from_its_own_stream(make_sim: MakeSim) -> None:
    """Interleaving requests on another route does not change the faults a route gets."""

    def faults_seen(interleave: bool) -> list[int]:
        sim = make_sim(seed=3, faults="list_task_statuses:http_500:0.5,list_face_images:http_503:0.5")
        seen = []
        with client_for(sim) as client:
            for _ in range(16):
                if interleave:
                    client.get("/api/v1/userFaceSwapImage/records")
                seen.append(client.get(f"{TASKS}/status").status_code)
        return seen

    assert faults_seen(False) == faults_seen(True)


def test_script_runs_in_order_then_rules_apply(sim: Simulator, api: httpx.Client) -> None:
    sim.faults.add(FaultKind.HTTP_500, route="list_task_statuses", probability=1.0, times=1)
    sim.faults.script("list_task_statuses", [FaultKind.HTTP_503, None, FaultKind.HTTP_429])
    assert sim.faults.pending_script("list_task_statuses") == [FaultKind.HTTP_503, None, FaultKind.HTTP_429]
    statuses = [api.get(f"{TASKS}/status").status_code for _ in range(5)]
    assert statuses == [503, 200, 429, 500, 200]  # script, then the rule (once), then nothing
    assert sim.faults.history == [
        ("list_task_statuses", FaultKind.HTTP_503),
        ("list_task_statuses", FaultKind.HTTP_429),
        ("list_task_statuses", FaultKind.HTTP_500),
    ]
    sim.faults.add(FaultKind.HTTP_500)
    sim.faults.clear()
    assert api.get(f"{TASKS}/status").status_code == 200


def test_wildcard_rule_covers_api_routes_but_not_files(sim: Simulator, api: httpx.Client) -> None:
    task = create_task(api)
    sim.clock.advance(60)
    sim.faults.add(FaultKind.HTTP_503, route="*")
    assert api.get(f"{TASKS}/status").status_code == 503
    assert api.get("/api/v1/userFaceSwapImage/records").status_code == 503
    assert api.get(f"/results/{task['_id']}.mp4").status_code == 200


def test_fault_spec_parsing() -> None:
    rules, scripts = parse_fault_spec(
        " get_task:http_503:0.3, *:RESET:0.05 ,create_task=applied_then_reset/none/http_500,"
    )
    assert [(r.route, r.kind, r.probability) for r in rules] == [
        ("get_task", FaultKind.HTTP_503, 0.3),
        ("*", FaultKind.RESET, 0.05),
    ]
    assert scripts == [("create_task", [FaultKind.APPLIED_THEN_RESET, None, FaultKind.HTTP_500])]
    assert parse_fault_spec("result:slow")[0][0].probability == 1.0


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("get_tsk:http_503", "unknown route"),
        ("get_task:http_999", "unknown fault kind"),
        ("get_task:http_503:1.5", "between 0 and 1"),
        ("get_task:http_503:lots", "not a number"),
        ("get_task", "ROUTE:KIND"),
        ("*=reset", "one route"),
        ("get_task=reset//none", "empty entry"),
    ],
)
def test_bad_fault_specs_are_refused_clearly(spec: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Simulator(faults=spec)


def test_counters(make_sim: MakeSim) -> None:
    sim = make_sim(faults="list_task_statuses=http_503")
    with client_for(sim) as one, client_for(sim) as two:
        create_task(one, "alpha")
        create_task(two, "alpha")
        create_task(two, "beta")
        one.get(f"{TASKS}/status")
        two.get(f"{TASKS}/status")
        one.get(f"{TASKS}/0123456789abcdef01234567")  # unknown
        one.get("/api/v1/nowhere")
        assert sim.stats.open_connections == 2
        assert sim.stats.connections_total == 2
    assert sim.stats.requests == {
        ("create_task", 200): 3,
        ("list_task_statuses", 503): 1,
        ("list_task_statuses", 200): 1,
        ("get_task", 404): 1,
        ("unknown", 404): 1,
    }
    assert sim.stats.requests_to("create_task") == 3
    assert sim.stats.tasks_created_by_name == {"alpha": 2, "beta": 1}
    assert sim.stats.faults_injected == {("list_task_statuses", FaultKind.HTTP_503): 1}
    deadline = time.monotonic() + 5
    while sim.stats.open_connections and time.monotonic() < deadline:
        time.sleep(0.01)
    assert sim.stats.open_connections == 0
    sim.stats.reset()
    assert sim.stats.requests == {}
