"""The upload flow: create_upload_url -> PUT the bytes -> the CDN URL serves them; limits and checks."""

from __future__ import annotations

import socket
import time

import httpx
import pytest
from a2e_faceswap.testing import NO_ANSWER, Simulator

from tests.conftest import MakeSim
from tests.testing.helpers import FACE, TASKS, UPLOAD_URL, client_for, create_task, error_of


def _upload_url(client: httpx.Client, **body: object) -> dict[str, str]:
    response = client.post(UPLOAD_URL, json={"key": "face.png", **body})
    assert response.status_code == 200, response.text
    data: dict[str, str] = response.json()["data"]
    return data


def test_upload_round_trip_and_use_as_task_input(sim: Simulator, api: httpx.Client) -> None:
    payload = bytes(range(256)) * 40
    urls = _upload_url(api, contentType="image/png", fileSize=len(payload), expiresIn=600)
    assert urls["uploadUrl"].startswith(f"{sim.base_url}/r2/put/")
    assert urls["cdnUrl"].startswith(f"{sim.base_url}/cdn/")
    assert urls["key"].endswith("/face.png")
    with httpx.Client() as anonymous:  # the upload URL and CDN need no token, like R2
        put = anonymous.put(urls["uploadUrl"], content=payload, headers={"Content-Type": "image/png"})
        assert put.status_code == 200
        served = anonymous.get(urls["cdnUrl"])
        assert served.status_code == 200
        assert served.content == payload
        assert served.headers["content-type"] == "image/png"
    task = create_task(api, "from-upload", face_url=urls["cdnUrl"])
    assert task["face_url"] == urls["cdnUrl"]
    assert sim.stats.requests[("upload_put", 200)] == 1
    assert sim.stats.requests[("cdn", 200)] == 1


def test_upload_over_the_limit_is_413(make_sim: MakeSim) -> None:
    sim = make_sim(upload_limit=1000)
    with client_for(sim) as client:
        urls = _upload_url(client)
        too_big = client.put(urls["uploadUrl"], content=b"x" * 1001)
        assert too_big.status_code == 413
        assert error_of(too_big)["code"] == 413
        assert client.get(urls["cdnUrl"]).status_code == 404
        fits = client.put(urls["uploadUrl"], content=b"x" * 1000)
        assert fits.status_code == 200


def test_upload_over_the_limit_without_content_length_is_413(make_sim: MakeSim) -> None:
    sim = make_sim(upload_limit=1000)

    def chunks() -> object:
        for _ in range(5):
            yield b"y" * 300

    with client_for(sim) as client:
        urls = _upload_url(client)
        response = client.put(urls["uploadUrl"], content=chunks())  # type: ignore[arg-type]
        assert response.status_code == 413


def test_upload_with_another_content_type_is_400(api: httpx.Client) -> None:
    urls = _upload_url(api, contentType="image/png")
    wrong = api.put(urls["uploadUrl"], content=b"abc", headers={"Content-Type": "image/jpeg"})
    assert wrong.status_code == 400
    assert "image/png" in error_of(wrong)["msg"]
    right = api.put(urls["uploadUrl"], content=b"abc", headers={"Content-Type": "image/png; charset=binary"})
    assert right.status_code == 200


def test_upload_size_must_match_the_signed_size(api: httpx.Client) -> None:
    urls = _upload_url(api, contentLength=10)
    assert api.put(urls["uploadUrl"], content=b"123").status_code == 400
    assert api.put(urls["uploadUrl"], content=b"0123456789").status_code == 200


def test_upload_with_a_wrong_signature_is_403(api: httpx.Client) -> None:
    urls = _upload_url(api)
    forged = urls["uploadUrl"].split("?")[0] + "?sig=0000"
    assert api.put(forged, content=b"abc").status_code == 403
    assert api.put(urls["uploadUrl"].split("?")[0], content=b"abc").status_code == 403


def test_upload_url_expires_on_the_simulated_clock(make_sim: MakeSim) -> None:
    sim = make_sim(speed=0)
    with client_for(sim) as client:
        urls = _upload_url(client, expiresIn=60)
        sim.clock.advance(61)
        assert client.put(urls["uploadUrl"], content=b"late").status_code == 403


@pytest.mark.parametrize("use", ["uploadUrl", "cdnUrl-before-put"])
def test_task_inputs_on_the_simulator_must_be_finished_uploads(api: httpx.Client, use: str) -> None:
    urls = _upload_url(api)
    url = urls["uploadUrl"] if use == "uploadUrl" else urls["cdnUrl"]
    response = api.post(f"{TASKS}/add", json={"name": "n", "face_url": FACE, "video_url": url})
    assert response.status_code == 400
    assert "video_url" in error_of(response)["msg"]


def test_odd_keys_survive_the_round_trip(api: httpx.Client) -> None:
    urls = _upload_url(api, key="dir/../a b%20ü?.mp4")
    assert api.put(urls["uploadUrl"], content=b"data").status_code == 200
    assert api.get(urls["cdnUrl"]).content == b"data"


def test_a_key_that_is_not_unicode_text_is_400(api: httpx.Client) -> None:
    response = api.post(
        UPLOAD_URL, content=b'{"key": "a\\ud907"}', headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert "key" in error_of(response)["msg"]


def _abandon_mid_body(sim: Simulator, method: str, target: str, headers: dict[str, str]) -> None:
    """Send the head of a request and part of its body, then close the socket without waiting."""
    host, port = sim.base_url.removeprefix("http://").split(":")
    head = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
    with socket.create_connection((host, int(port)), timeout=5) as conn:
        conn.sendall(f"{method} {target} HTTP/1.1\r\nHost: {host}\r\n{head}\r\n".encode() + b"x" * 10)
        time.sleep(0.2)  # let the server start reading the body


def _wait_for_answers(sim: Simulator, routes: list[str]) -> None:
    """Wait until the simulator has finished handling one request on each of ``routes``."""
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        if all(sim.stats.requests_to(route) for route in routes):
            return
        time.sleep(0.02)


def test_a_client_that_gives_up_mid_body_is_no_simulator_error(
    sim: Simulator, api: httpx.Client, caplog: pytest.LogCaptureFixture
) -> None:
    urls = _upload_url(api, contentType="image/png")
    target = urls["uploadUrl"].removeprefix(sim.base_url)
    _abandon_mid_body(sim, "PUT", target, {"Content-Type": "image/png", "Content-Length": "1000"})
    auth = {"Authorization": f"Bearer {sim.token}", "Content-Type": "application/json"}
    _abandon_mid_body(sim, "POST", f"{TASKS}/add", {**auth, "Content-Length": "1000"})
    _wait_for_answers(sim, ["upload_put", "create_task"])
    assert sim.stats.contract_violations == []  # not reported as a simulator bug
    assert [r.getMessage() for r in caplog.records if r.name.startswith("uvicorn")] == []
    assert sim.stats.requests[("upload_put", NO_ANSWER)] == 1
    assert sim.stats.requests[("create_task", NO_ANSWER)] == 1
    assert sim.tasks() == []
    with httpx.Client() as anonymous:  # nothing half-uploaded is served
        assert anonymous.get(urls["cdnUrl"]).status_code == 404
