"""Small helpers of the simulator's tests (raw httpx calls, no facade)."""

from __future__ import annotations

from typing import Any

import httpx
from a2e_faceswap.testing import Simulator

TASKS = "/api/v1/userFaceSwapTask"
PREVIEWS = "/api/v1/userFaceSwapPreview"
FACES = "/api/v1/userFaceSwapImage"
UPLOAD_URL = "/api/v1/r2/upload-presigned-url"
FACE = "https://cdn.example.com/face.jpg"
VIDEO = "https://cdn.example.com/video.mp4"


def client_for(sim: Simulator, token: str | None = None, timeout: float = 10.0) -> httpx.Client:
    """An httpx client for ``sim``, authenticated with ``token`` (default: the default account)."""
    headers = {"Authorization": f"Bearer {token or sim.token}"}
    return httpx.Client(base_url=sim.base_url, headers=headers, timeout=timeout)


def create_task(client: httpx.Client, name: str = "task", **extra: Any) -> dict[str, Any]:
    """Create a task; assert it was accepted; return its record."""
    response = client.post(f"{TASKS}/add", json={"name": name, "face_url": FACE, "video_url": VIDEO, **extra})
    assert response.status_code == 200, response.text
    envelope = response.json()
    assert envelope["code"] == 0
    data: dict[str, Any] = envelope["data"]
    return data


def get_task(client: httpx.Client, task_id: str) -> dict[str, Any]:
    response = client.get(f"{TASKS}/{task_id}")
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()["data"]
    return data


def error_of(response: httpx.Response) -> dict[str, Any]:
    """The JSON error envelope of an error answer, after checking its shape."""
    envelope: dict[str, Any] = response.json()
    assert envelope["code"] != 0
    assert isinstance(envelope["msg"], str)
    assert envelope["msg"]
    assert isinstance(envelope["trace_id"], str)
    return envelope
