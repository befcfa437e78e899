"""Tasks and previews move initialized -> sent -> processing -> completed | failed on the simulated clock."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from a2e_faceswap.testing import FaultKind, Simulator

from tests.conftest import MakeSim
from tests.testing.helpers import PREVIEWS, TASKS, client_for, create_task, get_task


def test_task_runs_to_completed_on_the_clock(make_sim: MakeSim) -> None:
    sim = make_sim(speed=0, task_seconds=30)
    with client_for(sim) as client:
        created = create_task(client, "clip", cover_url="https://cdn.example.com/c.jpg", model_version="v1")
        assert created["current_status"] == "initialized"
        assert created["result_url"] == ""
        assert created["error_code"] == "0"
        assert created["faild_message"] is None
        # The add answer has the 11 fields of doc page 06, no per-state timestamps.
        assert "processing_time" not in created
        task_id = created["_id"]

        seen = []
        for step in (0, 3, 3, 23, 1):
            sim.clock.advance(step)
            record = get_task(client, task_id)
            seen.append(record["current_status"])
            if record["current_status"] != "completed":
                assert record["result_url"] == ""
                assert record["completed_time"] is None
        assert seen == ["initialized", "sent", "processing", "processing", "completed"]

        done = get_task(client, task_id)
        assert done["result_url"] == f"{sim.base_url}/results/{task_id}.mp4"
        assert done["error_code"] == "0"
        assert done["faild_message"] == ""  # the detail page's "no message" is ""
        assert done["name"] == "clip"
        assert done["createdAt"] < done["processing_time"] < done["completed_time"] == done["updatedAt"]
        download = client.get(done["result_url"])
        assert download.status_code == 200
        assert download.content == sim.result_bytes(task_id)


def test_fail_next_task_ends_failed_with_code_and_message(make_sim: MakeSim) -> None:
    sim = make_sim(speed=0)
    sim.fail_next_task(error_code="1003", message="minor detected in the face image")
    with client_for(sim) as client:
        failing = create_task(client, "bad")
        healthy = create_task(client, "good")
        sim.clock.advance(31)
        failed = get_task(client, failing["_id"])
        assert failed["current_status"] == "failed"
        assert failed["error_code"] == "1003"
        assert failed["faild_message"] == "minor detected in the face image"
        assert failed["result_url"] == ""
        assert failed["completed_time"] is None
        assert get_task(client, healthy["_id"])["current_status"] == "completed"
        assert client.get(f"/results/{failing['_id']}.mp4").status_code == 404


def test_task_failure_fault_fails_the_created_task(make_sim: MakeSim) -> None:
    sim = make_sim(speed=0)
    sim.faults.script("create_task", [FaultKind.TASK_FAILURE])
    with client_for(sim) as client:
        task = create_task(client, "doomed")
        assert task["current_status"] == "initialized"  # the creation itself succeeds
        sim.clock.advance(60)
        failed = get_task(client, task["_id"])
        assert failed["current_status"] == "failed"
        assert failed["error_code"] not in ("0", None, "")
        assert failed["faild_message"]


def test_time_runs_at_the_configured_speed(make_sim: MakeSim) -> None:
    sim = make_sim(speed=6000, task_seconds=30)  # 30 simulated seconds = 5 real milliseconds
    with client_for(sim) as client:
        task = create_task(client)
        for _ in range(200):
            if get_task(client, task["_id"])["current_status"] == "completed":
                break
        assert get_task(client, task["_id"])["current_status"] == "completed"


def test_status_list_holds_only_tasks_in_flight(make_sim: MakeSim) -> None:
    sim = make_sim(speed=0, task_seconds=30)
    with client_for(sim) as client:
        early = create_task(client, "early")
        sim.clock.advance(20)
        late = create_task(client, "late")
        items = client.get(f"{TASKS}/status").json()["data"]
        assert {item["_id"] for item in items} == {early["_id"], late["_id"]}
        by_id = {item["_id"]: item for item in items}
        assert by_id[early["_id"]]["current_status"] == "processing"
        assert by_id[late["_id"]]["current_status"] == "initialized"
        assert by_id[late["_id"]]["error_code"] is None  # doc page 07 shows null here
        sim.clock.advance(15)
        items = client.get(f"{TASKS}/status").json()["data"]
        assert [item["_id"] for item in items] == [late["_id"]]
        sim.clock.advance(30)
        assert client.get(f"{TASKS}/status").json()["data"] == []


@pytest.mark.parametrize("fail", [False, True])
def test_preview_lifecycle(make_sim: MakeSim, fail: bool) -> None:
    sim = make_sim(speed=0, preview_seconds=5)
    if fail:
        sim.faults.script("create_preview", [FaultKind.TASK_FAILURE])
    with client_for(sim) as client:
        response = client.post(
            f"{PREVIEWS}/add", json={"face_url": "https://x/f.jpg", "video_url": "https://x/v.jpg"}
        )
        assert response.status_code == 200
        preview = response.json()["data"]
        assert preview["current_status"] == "initialized"
        assert preview["face_url"] == "https://x/f.jpg"
        sim.clock.advance(1)
        status = client.get(f"{PREVIEWS}/status", params={"_id": preview["_id"]}).json()["data"]
        assert status["current_status"] == "processing"
        sim.clock.advance(5)
        status = client.get(f"{PREVIEWS}/status", params={"_id": preview["_id"]}).json()["data"]
        if fail:
            assert status["current_status"] == "failed"
            assert status["result_url"] == ""
            assert status["faild_message"]
        else:
            assert status["current_status"] == "completed"
            assert status["result_url"] == f"{sim.base_url}/results/{preview['_id']}.jpg"
            image = client.get(status["result_url"])
            assert image.status_code == 200
            assert image.headers["content-type"] == "image/jpeg"
            assert len(image.content) > 0


def test_clock_refuses_to_go_backwards(sim: Simulator) -> None:
    before = sim.clock.now()
    with pytest.raises(ValueError, match="backwards"):
        sim.clock.advance(-1)
    assert sim.clock.now() >= before


def test_same_seed_start_time_and_frozen_clock_give_identical_answers() -> None:
    start = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)

    def session() -> list[str]:
        with Simulator(seed=42, speed=0, start_time=start) as sim, client_for(sim) as client:
            texts = [
                client.post(
                    f"{TASKS}/add",
                    json={"name": f"n{n}", "face_url": "https://x/f.jpg", "video_url": "https://x/v.mp4"},
                ).text
                for n in range(3)
            ]
            sim.clock.advance(40)
            texts.append(client.get(f"{TASKS}/records", params={"pageNum": 1, "pageSize": 10}).text)
            return [text.replace(sim.base_url, "BASE") for text in texts]  # the port differs

    first = session()
    assert first == session()
    assert '"createdAt":"2026-01-02T03:04:05.000Z"' in first[0]
