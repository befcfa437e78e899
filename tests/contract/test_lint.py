"""Layer 1: the spec is valid OpenAPI 3.1 and lints clean; broken copies are caught by the right rule."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from contract_diff import RULES, check_validity, lint_spec, validate_openapi

Spec = dict[str, Any]
TASK = "/api/v1/userFaceSwapTask/{_id}"
RECORDS = "/api/v1/userFaceSwapTask/records"
ADD_TASK = "/api/v1/userFaceSwapTask/add"

OPERATIONS = {
    "add_face_image",
    "list_face_images",
    "delete_face_image",
    "create_preview",
    "get_preview_status",
    "create_task",
    "list_task_records",
    "list_task_statuses",
    "batch_task_detail",
    "get_task",
    "delete_task",
    "create_upload_url",
    "get_remaining_coins",
    "quote_generation",
}


def test_the_spec_is_valid_and_lints_clean(spec: Spec) -> None:
    assert validate_openapi(spec) == []
    assert [str(problem) for problem in lint_spec(spec)] == []
    result = check_validity(spec)
    assert not result.failed
    assert result.lines == ["openapi-spec-validator: valid OpenAPI 3.1", f"lint: clean ({len(RULES)} rules)"]


def test_the_spec_has_the_eleven_face_swap_operations_the_upload_and_the_two_credit_ones(spec: Spec) -> None:
    found = {
        op["operationId"] for item in spec["paths"].values() for op in item.values() if "operationId" in op
    }
    assert found == OPERATIONS


def _op(spec: Spec, path: str, method: str = "get") -> dict[str, Any]:
    operation: dict[str, Any] = spec["paths"][path][method]
    return operation


def _set(node: dict[str, Any], key: str, value: Any) -> None:
    node[key] = value


def _success_union(spec: Spec) -> list[dict[str, Any]]:
    """The two alternatives of get_task's 200 (the success envelope, then BusinessError)."""
    alternatives: list[dict[str, Any]] = _op(spec, TASK)["responses"]["200"]["content"]["application/json"][
        "schema"
    ]["oneOf"]
    return alternatives


def _code(spec: Spec, schema: str) -> dict[str, Any]:
    code: dict[str, Any] = spec["components"]["schemas"][schema]["allOf"][1]["properties"]["code"]
    return code


BREAKS: list[tuple[str, Callable[[Spec], None], str, str]] = [
    (
        "no operationId",
        lambda s: _op(s, TASK).pop("operationId"),
        "operation-id",
        f"GET {TASK}: no operationId",
    ),
    (
        "camelCase operationId",
        lambda s: _set(_op(s, TASK), "operationId", "getTask"),
        "operation-id",
        "'getTask' is not snake_case",
    ),
    (
        "duplicate operationId",
        lambda s: _set(_op(s, TASK, "delete"), "operationId", "get_task"),
        "operation-id",
        "'get_task' also on GET",
    ),
    ("two tags", lambda s: _set(_op(s, TASK), "tags", ["tasks", "faces"]), "one-tag", "exactly one tag"),
    ("undeclared tag", lambda s: _set(_op(s, TASK), "tags", ["jobs"]), "one-tag", "'jobs' is not declared"),
    ("no summary", lambda s: _op(s, TASK).pop("summary"), "summary", "get_task: no summary"),
    (
        "operation security",
        lambda s: _set(_op(s, TASK), "security", []),
        "bearer-security",
        "overrides the global",
    ),
    ("no global security", lambda s: s.pop("security"), "bearer-security", "exactly one global requirement"),
    (
        "plain http server",
        lambda s: _set(s["servers"][0], "url", "http://video.a2e.ai"),
        "https-servers",
        "is not https",
    ),
    (
        "parameter without description",
        lambda s: _op(s, RECORDS)["parameters"][0].pop("description"),
        "parameters",
        "query parameter 'pageNum': no description",
    ),
    (
        "path template without parameter",
        lambda s: _set(_op(s, TASK), "parameters", []),
        "parameters",
        "path template names {_id} but no parameter",
    ),
    (
        "optional request body",
        lambda s: _set(_op(s, ADD_TASK, "post")["requestBody"], "required", False),
        "json-request-body",
        "is not `required: true`",
    ),
    (
        "inline request schema",
        lambda s: _set(
            _op(s, ADD_TASK, "post")["requestBody"]["content"]["application/json"],
            "schema",
            {"type": "object"},
        ),
        "json-request-body",
        "not a $ref to a component schema",
    ),
    (
        "success without code",
        lambda s: s["components"]["schemas"]["TaskResponse"]["allOf"][1]["required"].remove("code"),
        "success-envelope",
        "TaskResponse has no required integer `code`",
    ),
    (
        "200 without the error alternative",
        lambda s: _set(
            _op(s, TASK)["responses"]["200"]["content"]["application/json"],
            "schema",
            {"$ref": "#/components/schemas/TaskResponse"},
        ),
        "success-envelope",
        "get_task 200: application/json schema is not a oneOf of two component $refs",
    ),
    (
        "200 with ErrorResponse as its error alternative",
        lambda s: _set(_success_union(s)[1], "$ref", "#/components/schemas/ErrorResponse"),
        "success-envelope",
        "get_task 200: the oneOf lacks #/components/schemas/BusinessError",
    ),
    (
        "200 as anyOf",
        lambda s: _set(
            _op(s, TASK)["responses"]["200"]["content"]["application/json"],
            "schema",
            {"anyOf": _success_union(s)},
        ),
        "success-envelope",
        "get_task 200: application/json schema is not a oneOf",
    ),
    (
        "success code not const 0",
        lambda s: _code(s, "TaskResponse").pop("const"),
        "success-envelope",
        "TaskResponse: `code` is not `const: 0`, so it overlaps",
    ),
    (
        "success without data",
        lambda s: s["components"]["schemas"]["TaskResponse"]["allOf"][1]["properties"].pop("data"),
        "success-envelope",
        "TaskResponse has no `data` property",
    ),
    (
        "error code may be 0",
        lambda s: _code(s, "BusinessError").pop("minimum"),
        "success-envelope",
        "components/schemas/BusinessError: `code` has no `minimum` of 1 or more",
    ),
    (
        "error code excluding 0 only through not",
        lambda s: _code(s, "BusinessError").update({"minimum": 0, "not": {"const": 0}}),
        "success-envelope",
        "components/schemas/BusinessError: `code` uses `not`, which generators ignore",
    ),
    (
        "busy answer served first",
        lambda s: _op(s, TASK)["responses"]["200"]["content"]["application/json"].update(
            examples={"busy_code": {"$ref": "#/components/examples/BusyAnswer"}}
        ),
        "success-example-first",
        "get_task 200: the first example is not a success body",
    ),
    (
        "a 201",
        lambda s: _set(_op(s, TASK)["responses"], "201", _op(s, TASK)["responses"]["200"]),
        "success-envelope",
        "2xx statuses ['200', '201']",
    ),
    (
        "error with the task schema",
        lambda s: _set(
            _op(s, TASK)["responses"],
            "404",
            {"description": "x", "content": _op(s, TASK)["responses"]["200"]["content"]},
        ),
        "error-responses",
        "get_task 404: answer is not application/json with #/components/schemas/ErrorResponse",
    ),
    ("no 401", lambda s: _op(s, TASK)["responses"].pop("401"), "error-responses", "no 401"),
    (
        "default status",
        lambda s: _set(_op(s, TASK)["responses"], "default", {"description": "x"}),
        "error-responses",
        "'default' is not an explicit code",
    ),
    (
        "enum in an answer",
        lambda s: _set(s["components"]["schemas"]["CurrentStatus"], "enum", ["processing", "completed"]),
        "no-response-enums",
        "components/schemas/CurrentStatus: enum in an answer",
    ),
    (
        "deprecated example keyword",
        lambda s: _set(s["components"]["schemas"]["FaceImage"]["properties"]["_id"], "example", "x"),
        "schema-examples",
        "components/schemas/FaceImage/properties/_id: `example` is deprecated",
    ),
    (
        "property without description",
        lambda s: s["components"]["schemas"]["FaceSwapTask"]["properties"]["name"].pop("description"),
        "property-descriptions",
        "components/schemas/FaceSwapTask/properties/name: no description",
    ),
    (
        "unused example",
        lambda s: _set(s["components"]["examples"], "Orphan", {"summary": "x", "value": {}}),
        "examples-used",
        "components/examples/Orphan: referenced nowhere",
    ),
    (
        "external ref",
        lambda s: _set(_op(s, TASK)["responses"], "500", {"$ref": "errors.yaml#/ServerError"}),
        "local-refs",
        "is not local to the document",
    ),
    (
        "YAML date",
        lambda s: _set(s["info"], "version", dt.date(2026, 11, 21)),
        "json-compatible",
        "info/version: datetime.date(2026, 11, 21) is a YAML date",
    ),
]


@pytest.mark.parametrize(("case", "breaks", "rule", "message"), BREAKS, ids=[b[0] for b in BREAKS])
def test_lint_catches_a_broken_copy(
    spec: Spec, case: str, breaks: Callable[[Spec], None], rule: str, message: str
) -> None:
    breaks(spec)
    problems = [str(problem) for problem in lint_spec(spec) if problem.rule == rule]
    assert any(message in problem for problem in problems), problems
    result = check_validity(spec)
    assert result.failed
    assert f"[{rule}]" in result.render()


def test_every_rule_has_a_broken_copy_that_trips_it() -> None:
    assert {rule for _, _, rule, _ in BREAKS} == set(RULES)


def test_openapi_spec_validator_findings_fail_the_layer(spec: Spec) -> None:
    _op(spec, TASK)["responses"] = "none"
    errors = validate_openapi(spec)
    assert errors
    assert check_validity(spec).failed


def test_a_3_0_document_is_refused(spec: Spec) -> None:
    spec["openapi"] = "3.0.3"
    assert validate_openapi(spec) == ["`openapi: 3.0.3`: the contract is written for OpenAPI 3.1"]
