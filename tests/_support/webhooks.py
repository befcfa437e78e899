"""What the webhook tests share: the token the test listener checks, and inputs for tasks."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from a2e_faceswap import webhooks

HOOK_TOKEN = "whsec-test-5555555555"
FACE = "https://example.com/faces/face.jpg"
VIDEO = "https://example.com/videos/clip.mp4"


@pytest.fixture
def listener() -> Iterator[webhooks.Listener]:
    """A ``webhooks.Listener`` on 127.0.0.1 checking ``HOOK_TOKEN``, stopped after the test."""
    with webhooks.Listener(HOOK_TOKEN) as receiving:
        yield receiving
