"""Records: paging with count, batchDetail, deletes, 400 for malformed ids, 404 for unknown ones, faces."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from a2e_faceswap.testing import ContractViolationError, Simulator

from tests.conftest import MakeSim
from tests.testing.helpers import FACES, TASKS, client_for, create_task, error_of

UNKNOWN_ID = "0123456789abcdef01234567"


def _page(client: httpx.Client, page: int, size: int) -> dict[str, Any]:
    response = client.get(f"{TASKS}/records", params={"pageNum": page, "pageSize": size})
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()["data"]
    return data


def test_records_page_newest_first_with_total_count(make_sim: MakeSim) -> None:
    sim = make_sim(speed=0)
    with client_for(sim) as client:
        ids = []
        for n in range(7):
            ids.append(create_task(client, f"t{n}")["_id"])
            sim.clock.advance(1)
        newest_first = ids[::-1]
        first, second, third, beyond = (_page(client, p, 3) for p in (1, 2, 3, 4))
        assert [r["_id"] for r in first["rows"]] == newest_first[:3]
        assert [r["_id"] for r in second["rows"]] == newest_first[3:6]
        assert [r["_id"] for r in third["rows"]] == newest_first[6:]  # short last page
        assert beyond["rows"] == []  # past the end: an empty page
        assert {first["count"], second["count"], third["count"], beyond["count"]} == {7}
        row = first["rows"][0]
        assert row["faild_message"] is None  # the records page's "no message" is null
        assert set(row) >= {"initialized_time", "processing_time", "completed_time", "createdAt", "duration"}


def test_records_of_an_account_without_tasks(api: httpx.Client) -> None:
    assert _page(api, 1, 10) == {"rows": [], "count": 0}


@pytest.mark.parametrize(("page", "size"), [(0, 10), (1, 0), (1, 101), ("x", 10)])
def test_records_rejects_bad_paging_when_lenient(make_sim: MakeSim, page: int | str, size: int | str) -> None:
    sim = make_sim(strict=False)
    with client_for(sim) as client:
        response = client.get(f"{TASKS}/records", params={"pageNum": page, "pageSize": size})
        assert response.status_code == 400
        error_of(response)
    assert sim.stats.contract_violations  # the request broke the contract; lenient mode collects it


def test_batch_detail_returns_known_ids_and_skips_unknown(api: httpx.Client) -> None:
    first = create_task(api, "a")["_id"]
    second = create_task(api, "b")["_id"]
    response = api.post(f"{TASKS}/batchDetail", json={"ids": [second, UNKNOWN_ID, first, second]})
    assert response.status_code == 200
    rows = response.json()["data"]
    assert sorted(row["_id"] for row in rows) == sorted([first, second])


#: Requests with an id that is not 24 lowercase hex digits (the contract's pattern), and the id.
MALFORMED: list[tuple[str, str, dict[str, Any], str]] = [
    ("POST", f"{TASKS}/batchDetail", {"json": {"ids": ["not-an-id"]}}, "not-an-id"),
    ("GET", f"{TASKS}/xyz", {}, "xyz"),
    ("DELETE", f"{TASKS}/xyz", {}, "xyz"),
    ("GET", "/api/v1/userFaceSwapPreview/status", {"params": {"_id": "nope"}}, "nope"),
    ("DELETE", f"{FACES}/bad-id", {}, "bad-id"),
    ("GET", f"{TASKS}/{UNKNOWN_ID.upper()}", {}, UNKNOWN_ID.upper()),
]


@pytest.mark.parametrize("strict", [True, False], ids=["strict", "lenient"])
@pytest.mark.parametrize(
    ("method", "path", "options", "bad"), MALFORMED, ids=[m[1] + m[0] for m in MALFORMED]
)
def test_malformed_ids_are_400_strict_or_not(
    make_sim: MakeSim, strict: bool, method: str, path: str, options: dict[str, Any], bad: str
) -> None:
    """The contract's id pattern (strict: a request violation) and the simulator's own check agree."""
    sim = make_sim(strict=strict)
    with client_for(sim) as api:
        response = api.request(method, path, **options)
    assert response.status_code == 400
    assert bad in error_of(response)["msg"]
    violations = sim.stats.contract_violations
    assert [v for v in violations if "does not match '^[0-9a-f]{24}$'" in v] == violations
    assert len(violations) == 1
    if strict:
        with pytest.raises(ContractViolationError):
            sim.check()


@pytest.mark.parametrize("method", ["GET", "DELETE"])
def test_task_ids_unknown_404(api: httpx.Client, method: str) -> None:
    unknown = api.request(method, f"{TASKS}/{UNKNOWN_ID}")
    assert unknown.status_code == 404
    assert error_of(unknown)["code"] == 404


def test_delete_task_then_404_and_gone_from_lists(api: httpx.Client) -> None:
    keep = create_task(api, "keep")["_id"]
    drop = create_task(api, "drop")["_id"]
    deleted = api.delete(f"{TASKS}/{drop}")
    assert deleted.status_code == 200
    assert deleted.json()["code"] == 0
    assert api.get(f"{TASKS}/{drop}").status_code == 404
    assert api.delete(f"{TASKS}/{drop}").status_code == 404
    page = _page(api, 1, 10)
    assert [row["_id"] for row in page["rows"]] == [keep]
    assert page["count"] == 1
    assert drop not in {item["_id"] for item in api.get(f"{TASKS}/status").json()["data"]}


def test_preview_ids_unknown_404(api: httpx.Client) -> None:
    assert api.get("/api/v1/userFaceSwapPreview/status", params={"_id": UNKNOWN_ID}).status_code == 404


def test_face_images_add_answers_whole_list_then_delete(api: httpx.Client) -> None:
    first = api.post(f"{FACES}/add", json={"face_url": "https://cdn.example.com/one.jpg"})
    assert first.status_code == 200
    assert [f["face_url"] for f in first.json()["data"]] == ["https://cdn.example.com/one.jpg"]
    second = api.post(f"{FACES}/add", json={"face_url": "https://cdn.example.com/two.jpg"}).json()["data"]
    assert [f["face_url"] for f in second] == [
        "https://cdn.example.com/two.jpg",
        "https://cdn.example.com/one.jpg",
    ]
    listed = api.get(f"{FACES}/records").json()["data"]
    assert listed == second
    face_id = second[1]["_id"]
    assert api.delete(f"{FACES}/{face_id}").status_code == 200
    assert [f["_id"] for f in api.get(f"{FACES}/records").json()["data"]] == [second[0]["_id"]]
    assert api.delete(f"{FACES}/{face_id}").status_code == 404


def test_accounts_do_not_see_each_other(sim: Simulator, api: httpx.Client) -> None:
    task_id = create_task(api, "mine")["_id"]
    other = sim.add_account(credits=10)
    with client_for(sim, other) as intruder:
        assert intruder.get(f"{TASKS}/{task_id}").status_code == 404
        assert intruder.delete(f"{TASKS}/{task_id}").status_code == 404
        assert _page(intruder, 1, 10)["count"] == 0
    assert [t["_id"] for t in sim.tasks()] == [task_id]
    assert sim.tasks(other) == []


def test_any_json_string_is_echoed_as_valid_json(api: httpx.Client) -> None:
    # A lone surrogate is legal in a JSON string though not in UTF-8; the answer must still be JSON.
    response = api.post(
        f"{FACES}/add",
        content=b'{"face_url": "https://x/\\ud907.jpg"}',
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 200
    assert response.json()["data"][0]["face_url"] == "https://x/\ud907.jpg"
