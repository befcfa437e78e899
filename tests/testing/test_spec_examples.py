"""The spec's request examples are requests the simulator accepts, and its example ids are ids it
accepts: an unknown one is a 404, never the 400 of a malformed id (the reference's placeholder id
"example" in batchDetail's body was one such disagreement)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from a2e_faceswap.testing._spec import load_spec

_SPEC = load_spec()
_EXAMPLES = _SPEC["components"]["examples"]
REQUESTS = [
    (path, name, example["$ref"].rsplit("/", 1)[-1])
    for path, item in _SPEC["paths"].items()
    for method, op in item.items()
    if method == "post"
    for name, example in op["requestBody"]["content"]["application/json"]["examples"].items()
]
#: Request examples for routes the simulator does not serve: quoting them is the reference's 400.
UNSERVED = {"QuoteRequestReference"}
PATH_IDS = {
    name: parameter["schema"]["examples"][0] for name, parameter in _SPEC["components"]["parameters"].items()
}


@pytest.mark.parametrize(("path", "name", "component"), REQUESTS, ids=[f"{p} {n}" for p, n, _ in REQUESTS])
def test_every_request_example_is_accepted(api: httpx.Client, path: str, name: str, component: str) -> None:
    body: dict[str, Any] = _EXAMPLES[component]["value"]
    answer = api.post(path, json=body)
    if component in UNSERVED:
        assert answer.status_code == 400, answer.text
        assert "unsupported endpoint" in answer.json()["msg"]
        return
    assert answer.status_code == 200, answer.text
    assert answer.json()["code"] == 0, answer.text


def test_the_example_ids_are_well_formed_ids(api: httpx.Client) -> None:
    assert api.get(f"/api/v1/userFaceSwapTask/{PATH_IDS['TaskId']}").status_code == 404
    assert api.delete(f"/api/v1/userFaceSwapImage/{PATH_IDS['FaceImageId']}").status_code == 404
    preview = _SPEC["paths"]["/api/v1/userFaceSwapPreview/status"]["get"]["parameters"][0]
    answer = api.get("/api/v1/userFaceSwapPreview/status", params={"_id": preview["schema"]["examples"][0]})
    assert answer.status_code == 404
