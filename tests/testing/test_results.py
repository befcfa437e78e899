"""Result files: deterministic bytes of any size, streamed in chunks (never held whole), with ranges."""

from __future__ import annotations

import hashlib
import tracemalloc

import httpx
import pytest
from a2e_faceswap.testing import Simulator

from tests.conftest import MakeSim
from tests.testing.helpers import TASKS, client_for, create_task, get_task

MIB = 1024 * 1024


def _completed_result_url(sim: Simulator, api: httpx.Client, name: str = "r") -> tuple[str, str]:
    task = create_task(api, name)
    sim.clock.advance(60)
    record = get_task(api, task["_id"])
    assert record["current_status"] == "completed"
    return task["_id"], record["result_url"]


def test_large_result_is_streamed_not_buffered(sim: Simulator, api: httpx.Client) -> None:
    sim.result_size = 24 * MIB
    task_id, url = _completed_result_url(sim, api)
    digest = hashlib.sha256()
    chunks = 0
    tracemalloc.start()
    try:
        baseline = tracemalloc.get_traced_memory()[0]
        with api.stream("GET", url) as response:
            assert response.status_code == 200
            assert response.headers["content-length"] == str(24 * MIB)
            assert response.headers["content-type"] == "video/mp4"
            for chunk in response.iter_raw():
                digest.update(chunk)
                chunks += 1
        peak = tracemalloc.get_traced_memory()[1] - baseline
    finally:
        tracemalloc.stop()
    assert chunks > 24  # it came in many pieces
    # Server and client share this process: neither side held the 24 MiB file at once.
    assert peak < 4 * MIB, f"peak traced memory grew by {peak} bytes"
    assert digest.hexdigest() == sim.result_sha256(task_id)


def test_result_bytes_are_deterministic_per_task(sim: Simulator, api: httpx.Client) -> None:
    sim.result_size = 300 * 1024  # more than one 256 KiB pattern block
    first_id, first_url = _completed_result_url(sim, api, "one")
    second_id, second_url = _completed_result_url(sim, api, "two")
    assert second_id != first_id
    first = api.get(first_url).content
    assert len(first) == 300 * 1024
    assert first == api.get(first_url).content == sim.result_bytes(first_id)
    assert api.get(second_url).content != first
    assert first[:1024] == first[256 * 1024 : 257 * 1024]  # a repeating pattern


def test_result_size_is_read_at_download_time(sim: Simulator, api: httpx.Client) -> None:
    _, url = _completed_result_url(sim, api)
    sim.result_size = 1000
    assert len(api.get(url).content) == 1000
    sim.result_size = 0
    empty = api.get(url)
    assert empty.status_code == 200
    assert empty.content == b""


@pytest.mark.parametrize(
    ("header", "start", "end"),
    [
        ("bytes=100-199", 100, 200),
        ("bytes=1000-", 1000, 4096),
        ("bytes=-96", 4000, 4096),
        ("bytes=4000-9999", 4000, 4096),
    ],
)
def test_range_requests_resume_a_download(
    sim: Simulator, api: httpx.Client, header: str, start: int, end: int
) -> None:
    sim.result_size = 4096
    task_id, url = _completed_result_url(sim, api)
    response = api.get(url, headers={"Range": header})
    assert response.status_code == 206
    assert response.headers["content-range"] == f"bytes {start}-{end - 1}/4096"
    assert response.content == sim.result_bytes(task_id)[start:end]


def test_range_past_the_end_is_416(sim: Simulator, api: httpx.Client) -> None:
    sim.result_size = 4096
    _, url = _completed_result_url(sim, api)
    response = api.get(url, headers={"Range": "bytes=4096-"})
    assert response.status_code == 416
    assert response.headers["content-range"] == "bytes */4096"


def test_head_gives_the_size_without_the_body(sim: Simulator, api: httpx.Client) -> None:
    sim.result_size = 5000
    _, url = _completed_result_url(sim, api)
    response = api.head(url)
    assert response.status_code == 200
    assert response.headers["content-length"] == "5000"
    assert response.content == b""


def test_no_result_before_completion_or_for_unknown_ids(
    make_sim: object, api: httpx.Client, sim: Simulator
) -> None:
    task = create_task(api)
    assert api.get(f"/results/{task['_id']}.mp4").status_code == 404  # not completed yet
    sim.clock.advance(60)
    assert api.get(f"/results/{task['_id']}.mp4").status_code == 200
    assert api.get(f"/results/{task['_id']}.jpg").status_code == 404  # a task's result is an mp4
    assert api.get("/results/0123456789abcdef01234567.mp4").status_code == 404
    assert api.delete(f"{TASKS}/{task['_id']}").status_code == 200
    assert api.get(f"/results/{task['_id']}.mp4").status_code == 200  # the CDN copy outlives the record


def test_if_range_gives_the_range_only_while_the_etag_matches(sim: Simulator, api: httpx.Client) -> None:
    sim.result_size = 4096
    task_id, url = _completed_result_url(sim, api)
    etag = api.head(url).headers["etag"]
    same = api.get(url, headers={"Range": "bytes=1000-", "If-Range": etag})
    assert same.status_code == 206
    assert same.content == sim.result_bytes(task_id)[1000:]
    sim.result_size = 5000  # the file changed: its ETag with it
    changed = api.get(url, headers={"Range": "bytes=1000-", "If-Range": etag})
    assert changed.status_code == 200
    assert changed.headers["etag"] != etag
    assert changed.content == sim.result_bytes(task_id)
    dated = api.get(url, headers={"Range": "bytes=1000-", "If-Range": "Wed, 21 Oct 2015 07:28:00 GMT"})
    assert dated.status_code == 200  # no Last-Modified to match a date against
    assert len(dated.content) == 5000


def test_a_simulator_without_ranges_always_sends_the_whole_file(make_sim: MakeSim) -> None:
    sim = make_sim(ranges=False, result_size=4096)
    assert not sim.ranges
    with client_for(sim) as api:
        task_id, url = _completed_result_url(sim, api)
        response = api.get(url, headers={"Range": "bytes=1000-"})
        assert response.status_code == 200
        assert "accept-ranges" not in response.headers
        assert "content-range" not in response.headers
        assert response.content == sim.result_bytes(task_id)
        assert api.get(url, headers={"Range": "bytes=9999-"}).status_code == 200  # not even a 416
        sim.ranges = True
        assert api.get(url, headers={"Range": "bytes=1000-"}).status_code == 206
    assert sim.stats.requests[("result", 200)] == 2
