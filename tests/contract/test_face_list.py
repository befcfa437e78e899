"""add_face_image answers the user's whole face list, the image just added included: the spec says
`minItems: 1` and the facade refuses an empty list (UnreadableResponseError), so the two agree."""

from __future__ import annotations

from typing import Any

import pytest
from _contract_examples import schema_errors
from a2e_faceswap import A2E, AsyncA2E
from a2e_faceswap.errors import UnreadableResponseError

from tests.hostile._server import Conn, HostileServer, Request

EMPTY = {"code": 0, "msg": "success", "data": []}
FACE_URL = "https://example.com/face.jpg"
ADD_200 = "/paths/~1api~1v1~1userFaceSwapImage~1add/post/responses/200/content/application~1json/schema"


def _empty(request: Request, conn: Conn) -> None:
    conn.json(EMPTY)


def test_the_spec_refuses_an_empty_face_list(spec: dict[str, Any]) -> None:
    problems = schema_errors(spec, ADD_200, EMPTY)
    assert "  FaceImageListResponse: at $.data: [] should be non-empty" in problems
    assert (
        schema_errors(
            spec, ADD_200, {**EMPTY, "data": [{"_id": "6673bee3e7aea87e7bcddd5d", "face_url": FACE_URL}]}
        )
        == []
    )


def test_the_sync_facade_refuses_an_empty_face_list() -> None:
    with (
        HostileServer(_empty) as server,
        A2E("sk_test", base_url=server.url, max_retries=0) as client,
        pytest.raises(UnreadableResponseError, match="empty face list"),
    ):
        client.faces.add(FACE_URL)


async def test_the_async_facade_refuses_an_empty_face_list() -> None:
    with HostileServer(_empty) as server:
        async with AsyncA2E("sk_test", base_url=server.url, max_retries=0) as client:
            with pytest.raises(UnreadableResponseError, match="empty face list"):
                await client.faces.add(FACE_URL)
