"""Contract checking both ways: strict mode fails the test that sent a wrong request, naming the
operation and the field; lenient mode collects; answers are checked too."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from a2e_faceswap import codes
from a2e_faceswap.testing import ContractViolationError, FaultKind, Simulator
from a2e_faceswap.testing._contract import ContractChecker
from starlette.requests import Request

from tests.conftest import MakeSim
from tests.testing.helpers import FACE, FACES, PREVIEWS, TASKS, UPLOAD_URL, VIDEO, client_for, error_of


def test_strict_mode_answers_a_wrong_request_at_once_and_check_raises(make_sim: MakeSim) -> None:
    sim = make_sim()
    with client_for(sim) as client:
        response = client.post(f"{TASKS}/add", json={"face_url": FACE, "video_url": VIDEO})
        assert response.status_code == 400
        message = error_of(response)["msg"]
        assert "contract violation" in message
        assert "create_task" in message
        assert "'name'" in message
    assert sim.tasks() == []  # refused, not applied
    with pytest.raises(ContractViolationError) as caught:
        sim.check()
    assert caught.value.violations == ["create_task request body: 'name' is a required property"]
    assert "create_task" in str(caught.value)
    sim.check()  # each violation is reported once


def test_strict_mode_names_a_query_parameter(make_sim: MakeSim) -> None:
    sim = make_sim()
    with client_for(sim) as client:
        response = client.get(f"{TASKS}/records", params={"pageNum": 1, "pageSize": 500})
        assert response.status_code == 400
        assert "pageSize" in error_of(response)["msg"]
    with pytest.raises(
        ContractViolationError, match=r"list_task_records query parameter 'pageSize'.*maximum of 100"
    ):
        sim.check()


def _send_empty_batch(sim: Simulator, then_fail: bool) -> None:
    with sim, client_for(sim) as client:
        client.post(f"{TASKS}/batchDetail", json={"ids": []})
        if then_fail:
            raise KeyError("the test's own failure")


def test_leaving_the_with_block_raises_for_violations() -> None:
    sim = Simulator()
    with pytest.raises(ContractViolationError, match="batch_task_detail request body field ids"):
        _send_empty_batch(sim, then_fail=False)
    assert not sim.running


def test_an_exception_in_the_block_is_not_masked_by_violations() -> None:
    sim = Simulator()
    with pytest.raises(KeyError):
        _send_empty_batch(sim, then_fail=True)
    assert not sim.running


def test_lenient_mode_collects_and_lets_the_simulator_answer(make_sim: MakeSim) -> None:
    sim = make_sim(strict=False)
    with client_for(sim) as client:
        response = client.post(f"{TASKS}/add", json={"face_url": FACE, "video_url": VIDEO})
        assert response.status_code == 400
        assert "contract violation" not in error_of(response)["msg"]  # the handler's own answer
        sent_as_text = client.post(f"{TASKS}/add", content=b"name=x", headers={"Content-Type": "text/plain"})
        assert sent_as_text.status_code == 400
    assert sim.stats.contract_violations[0] == "create_task request body: 'name' is a required property"
    assert "text/plain" in sim.stats.contract_violations[1]
    sim.check()  # lenient: no exception


def test_missing_token_is_an_answer_not_a_violation(sim: Simulator) -> None:
    with httpx.Client(base_url=sim.base_url) as anonymous:
        assert anonymous.get(f"{TASKS}/status").status_code == 401
    assert sim.stats.contract_violations == []


def test_without_contract_checking_nothing_is_checked(make_sim: MakeSim) -> None:
    sim = make_sim(check_contract=False)
    with client_for(sim) as client:
        response = client.get(f"{TASKS}/records", params={"pageNum": 1, "pageSize": 500})
        assert response.status_code == 400  # the simulator's own validation still answers
    assert sim.stats.contract_violations == []


def _starlette_request(path: str, path_params: dict[str, str] | None = None) -> Request:
    scope = {
        "type": "http",
        "method": "GET",
        "scheme": "http",
        "server": ("127.0.0.1", 8000),
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "headers": [(b"authorization", b"Bearer sk_sim_x")],
        "path_params": path_params or {},
    }
    return Request(scope)


def _get_task_request(checker: ContractChecker) -> Any:
    """A get_task request as the checker sees it."""
    task_id = "6674f1765699df7e9d25311a"
    request = _starlette_request(f"{TASKS}/{task_id}", {"_id": task_id})
    return checker.prepare(request, b"", f"{TASKS}/{{_id}}")


def test_answers_are_checked_too_naming_operation_and_field() -> None:
    checker = ContractChecker()
    request = _get_task_request(checker)
    assert checker.request_violations("get_task", request) == []
    good = {
        "code": 0,
        "data": {"_id": "6674f1765699df7e9d25311a", "current_status": "sent", "error_code": "0"},
    }
    headers = {"content-type": "application/json"}
    assert checker.response_violations("get_task", request, 200, headers, json.dumps(good).encode()) == []
    bad = {"code": 0, "data": {"_id": "6674f1765699df7e9d25311a", "current_status": 3, "error_code": 1.5}}
    found = checker.response_violations("get_task", request, 200, headers, json.dumps(bad).encode())
    assert any(v.startswith("get_task response 200 body field data.current_status") for v in found), found
    assert any("data.error_code" in v for v in found), found
    undocumented = checker.response_violations("get_task", request, 418, headers, b'{"code": 418}')
    assert len(undocumented) == 1
    assert undocumented[0].startswith("get_task response 418")


# ------------------------------------------------------------------ error codes under HTTP 200

_ERROR_CODE_REQUESTS: list[tuple[str, str, str, dict[str, Any] | None]] = [
    ("get_task", "GET", f"{TASKS}/6674f1765699df7e9d25311a", None),
    ("create_task", "POST", f"{TASKS}/add", {"name": "t", "face_url": FACE, "video_url": VIDEO}),
    ("list_task_statuses", "GET", f"{TASKS}/status", None),
    ("delete_face_image", "DELETE", f"{FACES}/6673bee3e7aea87e7bcddd5d", None),
    ("create_preview", "POST", f"{PREVIEWS}/add", {"face_url": FACE, "video_url": VIDEO}),
    ("create_upload_url", "POST", UPLOAD_URL, {"key": "k.png"}),
]


@pytest.mark.parametrize(
    ("kind", "code"), [(FaultKind.CODE_BUSY, codes.BUSY), (FaultKind.CODE_MODERATION, codes.MODERATION_MINOR)]
)
def test_an_error_code_under_http_200_is_checked_in_strict_mode_and_conforms(
    sim: Simulator, api: httpx.Client, kind: FaultKind, code: int
) -> None:
    assert kind.is_contract_shaped
    for operation, method, path, body in _ERROR_CODE_REQUESTS:
        sim.faults.script(operation, [kind])
        response = api.request(method, path, json=body)
        # strict mode would have replaced an answer off the contract by a 500 "contract violation"
        assert response.status_code == 200, (operation, response.text)
        envelope = error_of(response)
        assert envelope["code"] == code
        assert envelope["data"] is None
        assert sim.stats.faults_injected[(operation, kind)] == 1
    assert sim.stats.contract_violations == []


def test_a_wrong_error_answer_under_http_200_is_a_violation(sim: Simulator, api: httpx.Client) -> None:
    sim.faults.script("get_task", [FaultKind.CODE_BUSY])
    sent = api.get(f"{TASKS}/6674f1765699df7e9d25311a").json()  # what the simulator answers
    checker = ContractChecker()
    request = _get_task_request(checker)
    headers = {"content-type": "application/json"}

    def violations(body: dict[str, Any]) -> list[str]:
        return checker.response_violations("get_task", request, 200, headers, json.dumps(body).encode())

    assert violations(sent) == []
    # code 0 with no task: neither the success envelope nor an error
    assert violations({**sent, "code": 0}) == [
        "get_task response 200 body field data (as TaskResponse): None is not of type 'object'",
        "get_task response 200 body field code (as BusinessError): 0 is less than the minimum of 1",
    ]
    no_code = {key: value for key, value in sent.items() if key != "code"}
    assert violations(no_code) == [
        "get_task response 200 body (as TaskResponse): 'code' is a required property",
        "get_task response 200 body field data (as TaskResponse): None is not of type 'object'",
        "get_task response 200 body (as BusinessError): 'code' is a required property",
    ]
    assert "get_task response 200 body field code (as BusinessError): 'busy' is not of type 'integer'" in (
        violations({**sent, "code": "busy"})
    )


def test_off_contract_faults_are_still_not_checked() -> None:
    off = {kind for kind in FaultKind if not kind.is_contract_shaped}
    assert off == {
        FaultKind.HTTP_502,
        FaultKind.HTTP_502_HTML,
        FaultKind.HTTP_503_HTML,
        FaultKind.MALFORMED_JSON,
        FaultKind.NON_OBJECT_JSON,
        FaultKind.RESET,
        FaultKind.APPLIED_THEN_RESET,
        FaultKind.RESET_MID_BODY,
    }


def test_a_moderation_403_is_checked_only_where_the_contract_lists_403(
    sim: Simulator, api: httpx.Client
) -> None:
    assert ContractChecker.lists_status("create_task", 403)
    assert not ContractChecker.lists_status("get_task", 403)
    sim.faults.script("create_task", [FaultKind.HTTP_403_MODERATION])
    sim.faults.script("get_task", [FaultKind.HTTP_403_MODERATION])
    listed = api.post(f"{TASKS}/add", json={"name": "t", "face_url": FACE, "video_url": VIDEO})
    unlisted = api.get(f"{TASKS}/6674f1765699df7e9d25311a")
    assert listed.status_code == unlisted.status_code == 403
    assert error_of(listed)["code"] == error_of(unlisted)["code"] == codes.MODERATION_MINOR
    assert sim.stats.contract_violations == []
