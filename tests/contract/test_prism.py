"""The facade against a spec-driven mock: Prism (pinned in package.json) in static mode serves
openapi/a2e.yaml's examples on 127.0.0.1, and every facade method that calls the A2E API succeeds on
them, sync and async.

Static mode answers each request with the first example of the lowest 2xx response, which the
`success-example-first` lint rule makes the documented success body (not the busy answer). The ids are
those of the spec's examples (a face image, a preview and a task `_id`), since the mock knows no other
state. Out of scope here: file transfers (the upload PUT, the result download), which go to other hosts.
Prism is started by the module's fixture and stopped by its process handle.
"""

from __future__ import annotations

import os
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from a2e_faceswap import A2E, AsyncA2E
from contract_diff import ROOT, SPEC, load_spec

PRISM = ROOT / "node_modules" / ".bin" / "prism"
_EXAMPLES = load_spec(SPEC)["components"]["examples"]
FACE_ID = _EXAMPLES["FaceImageAddResponseDoc"]["value"]["data"][0]["_id"]
FACE_URL = _EXAMPLES["FaceImageAddResponseDoc"]["value"]["data"][0]["face_url"]
PREVIEW_ID = _EXAMPLES["PreviewStatusResponseDoc"]["value"]["data"]["_id"]
TASK_ID = _EXAMPLES["TaskDetailResponseDoc"]["value"]["data"]["_id"]
VIDEO_URL = _EXAMPLES["TaskAddRequestDoc"]["value"]["video_url"]
TOKEN = "sk_prism_mock_token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
START_TIMEOUT = 30.0

pytestmark = pytest.mark.skipif(
    not PRISM.exists() and not os.environ.get("CI"),
    reason="Prism is not installed (make installs it: npm ci)",
)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def prism(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Prism serving the spec in static mode; yields its base URL; stopped by its handle. Afterwards its
    log must show no violation: every request the facade sent was valid for the spec."""
    port = _free_port()
    log = (tmp_path_factory.mktemp("prism") / "prism.log").open("wb")
    proc = subprocess.Popen(
        [str(PRISM), "mock", "--host", "127.0.0.1", "--port", str(port), str(SPEC)],
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
    )
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            assert proc.poll() is None, Path(log.name).read_text(errors="replace")
            try:
                httpx.get(f"{base_url}/api/v1/userFaceSwapTask/status", headers=AUTH, timeout=1)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "Prism did not start in time"
                time.sleep(0.2)
        yield base_url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
        log.close()
    printed = Path(log.name).read_text(errors="replace")
    assert "Violation" not in printed, printed


def test_every_api_method_of_the_sync_client_succeeds_on_the_examples(prism: str) -> None:
    with A2E(TOKEN, base_url=prism, max_retries=0) as client:
        assert client.faces.add(FACE_URL).id == FACE_ID
        assert [image.id for image in client.faces.list()] == [FACE_ID, "66627b2a4a609ccee1ca24ff"]
        client.faces.delete(FACE_ID)

        preview = client.previews.create(face=FACE_URL, video=VIDEO_URL)
        assert preview.id == PREVIEW_ID
        assert client.previews.get(PREVIEW_ID).raw_status == "completed"
        assert client.previews.wait(preview, timeout=5, poll_interval=0.01).result_url

        task = client.tasks.create(face=FACE_URL, video=VIDEO_URL, name="xxxx")
        assert task.id == TASK_ID
        assert client.tasks.get(TASK_ID).raw_status == "completed"
        assert client.tasks.wait(task, timeout=5, poll_interval=0.01).result_url
        assert list(client.tasks.get_many([TASK_ID])) == [TASK_ID]
        page = client.tasks.list(1, 10)
        assert (page.total, [t.id for t in page.items]) == (1, [TASK_ID])
        assert [t.id for t in client.tasks.iter()] == [TASK_ID]
        assert len(client.tasks.active()) == 1
        client.tasks.delete(TASK_ID)


async def test_every_api_method_of_the_async_client_succeeds_on_the_examples(prism: str) -> None:
    async with AsyncA2E(TOKEN, base_url=prism, max_retries=0) as client:
        assert (await client.faces.add(FACE_URL)).id == FACE_ID
        assert [image.id for image in await client.faces.list()] == [FACE_ID, "66627b2a4a609ccee1ca24ff"]
        await client.faces.delete(FACE_ID)

        preview = await client.previews.create(face=FACE_URL, video=VIDEO_URL)
        assert preview.id == PREVIEW_ID
        assert (await client.previews.get(PREVIEW_ID)).raw_status == "completed"
        assert (await client.previews.wait(preview, timeout=5, poll_interval=0.01)).result_url

        task = await client.tasks.create(face=FACE_URL, video=VIDEO_URL, name="xxxx")
        assert task.id == TASK_ID
        assert (await client.tasks.get(TASK_ID)).raw_status == "completed"
        assert (await client.tasks.wait(task, timeout=5, poll_interval=0.01)).result_url
        assert list(await client.tasks.get_many([TASK_ID])) == [TASK_ID]
        page = await client.tasks.list(1, 10)
        assert (page.total, [t.id for t in page.items]) == (1, [TASK_ID])
        assert [t.id async for t in client.tasks.iter()] == [TASK_ID]
        assert len(await client.tasks.active()) == 1
        await client.tasks.delete(TASK_ID)
