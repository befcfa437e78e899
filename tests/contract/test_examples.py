"""Layer 3: every documented example validates against the spec and parses with the generated client."""

from __future__ import annotations

from typing import Any

import contract_diff
import pytest
from contract_diff import DocExample, check_example, check_examples, collect_examples, survives

EXAMPLES = collect_examples(contract_diff.load_spec(contract_diff.SPEC))
_SPEC = contract_diff.load_spec(contract_diff.SPEC)
OPERATIONS = {op["operationId"] for item in _SPEC["paths"].values() for op in item.values()}


@pytest.mark.parametrize("example", EXAMPLES, ids=[example.name for example in EXAMPLES])
def test_every_documented_example_validates_and_parses(spec: dict[str, Any], example: DocExample) -> None:
    assert check_example(spec, example) == []


def test_every_component_example_and_doc_body_is_collected(spec: dict[str, Any]) -> None:
    media = [e for e in EXAMPLES if e.schema_pointer.endswith("/content/application~1json/schema")]
    # the 13 doc bodies, 11 not from A2E's pages (7 for the operations whose documented answer is cut off
    # or missing, the balance quoted in third-party code and its bare-number reading, the face swap quote
    # and its assumed answer) and BusyAnswer; 10 request examples, each 200 a success example and the
    # busy one, and get_remaining_coins the bare-number reading too
    assert len(spec["components"]["examples"]) == 25
    assert len(media) == 10 + 14 + 14 + 1
    assert all(e.model is not None for e in media)
    # the schema-level examples of the records are parsed with their generated models
    parsed = {example.model for example in EXAMPLES if example.name.startswith("components/schemas/")}
    assert parsed == {None, "FaceImage", "FaceSwapTask", "RemainingCoins"}


def test_response_examples_parse_to_the_success_model_or_to_business_error() -> None:
    responses = [example for example in EXAMPLES if example.status is not None]
    assert all(example.status == 200 for example in responses)
    documented = [example for example in responses if not example.name.endswith(" busy_code")]
    assert {example.model for example in documented} == {
        "FaceImageListResponse",
        "FaceImageRecordsResponse",
        "DeleteResponse",
        "PreviewResponse",
        "TaskStatusListResponse",
        "TaskRecordsResponse",
        "TaskListResponse",
        "TaskResponse",
        "UploadUrlResponse",
        "RemainingCoinsResponse",
        "QuoteResponse",
    }
    assert len(documented) == len(OPERATIONS) + 1 == 15  # get_remaining_coins: two readings
    busy = [example for example in responses if example.name.endswith(" busy_code")]
    assert len(OPERATIONS) == len(busy) == 14
    assert {example.operation.operation_id for example in busy if example.operation} == OPERATIONS
    assert {example.model for example in busy} == {"BusinessError"}


def test_a_busy_answer_parses_as_business_error_not_as_the_success_model(spec: dict[str, Any]) -> None:
    example = _doc_example("get_task 200 busy_code")
    assert example.value["code"] == 429
    as_success = DocExample(
        example.name, example.value, example.schema_pointer, "TaskResponse", example.operation, 200
    )
    assert check_example(spec, as_success) == [
        "parsed as BusinessError, want a2e_api.models.TaskResponse"
        " (TaskResponse.from_dict raised ValueError: code must match const 0, got '429')"
    ]


def test_a_200_body_with_code_0_and_no_data_fits_neither_alternative(spec: dict[str, Any]) -> None:
    example = _doc_example("get_task 200 busy_code")
    value = {"code": 0, "msg": "ok"}
    problems = check_example(
        spec, DocExample(example.name, value, example.schema_pointer, None, example.operation, 200)
    )
    assert problems == [
        "at $: matches none of the 2 oneOf alternatives",
        "  TaskResponse: at $: 'data' is a required property",
        "  BusinessError: at $.code: 0 is less than the minimum of 1",
        "matches no single component schema of the answer, so no model to parse it with",
    ]
    broken = _collect_with(spec, "get_task 200 busy_code", value)
    assert broken.model is None


def _doc_example(name: str) -> DocExample:
    return next(example for example in EXAMPLES if example.name == name)


def test_a_task_record_without_its_id_fails_validation_and_parsing(spec: dict[str, Any]) -> None:
    example = _doc_example("get_task 200 doc_page_09")
    broken = dict(example.value, data={k: v for k, v in example.value["data"].items() if k != "_id"})
    problems = check_example(
        spec, DocExample(example.name, broken, example.schema_pointer, example.model, example.operation, 200)
    )
    assert any("'_id' is a required property" in problem for problem in problems)
    # the union's parser falls back to BusinessError; the report still says why TaskResponse failed
    assert (
        "parsed as BusinessError, want a2e_api.models.TaskResponse"
        " (TaskResponse.from_dict raised KeyError: '_id')"
    ) in problems


def test_a_wrongly_typed_field_fails_validation(spec: dict[str, Any]) -> None:
    example = _doc_example("create_task request reference")
    broken = DocExample(example.name, {**example.value, "model_version": "v3"}, example.schema_pointer)
    assert check_example(spec, broken) == ["at $.model_version: 'v3' is not one of ['v1', 'v2']"]


def test_a_response_parsed_as_another_status_model_is_reported(spec: dict[str, Any]) -> None:
    example = _doc_example("get_task 200 doc_page_09")
    as_404 = DocExample(
        example.name, example.value, example.schema_pointer, example.model, example.operation, 404
    )
    assert check_example(spec, as_404) == ["parsed as ErrorResponse, want a2e_api.models.TaskResponse"]


def test_an_example_of_a_model_the_generator_never_made_is_reported(spec: dict[str, Any]) -> None:
    example = _doc_example("components/schemas/FaceImage #0")
    renamed = DocExample(example.name, example.value, example.schema_pointer, model="FaceImageRecord")
    assert check_example(spec, renamed) == ["no generated model a2e_api.models.FaceImageRecord"]


def test_round_trip_reports_lost_keys_and_changed_values() -> None:
    assert survives({"a": {"b": 1}, "c": [1, "x"]}, {"a": {"b": 1}, "c": [1, "x"], "d": 0}) == []
    assert survives({"a": {"b": 1}}, {"a": {}}) == ["$.a.b: key lost by to_dict()"]
    assert survives({"e": "0"}, {"e": 0}) == ["$.e: '0' came back as 0"]
    assert survives({"l": [1, 2]}, {"l": [1]}) == ["$.l: the list came back as [1]"]


def test_the_layer_passes_on_the_spec_and_fails_on_a_broken_example(spec: dict[str, Any]) -> None:
    assert check_examples(spec).status is contract_diff.Status.PASS
    spec["components"]["examples"]["TaskStatusResponseDoc"]["value"]["data"][0]["error_code"] = 1.5
    result = check_examples(spec)
    assert result.failed
    report = result.render()
    assert "list_task_statuses 200 doc_page_07:" in report
    assert "at $.data[0].error_code: 1.5 is not of type 'string', 'integer', 'null'" in report


def test_parameter_examples_are_checked_against_the_parameter_schema(spec: dict[str, Any]) -> None:
    params = spec["paths"]["/api/v1/userFaceSwapTask/records"]["get"]["parameters"]
    params[1]["examples"] = {"too_big": {"summary": "More than the maximum.", "value": 500}}
    params[0]["example"] = 2
    examples = {example.name: example for example in collect_examples(spec)}
    assert check_example(spec, examples["list_task_records query parameter pageNum"]) == []
    too_big = examples["list_task_records query parameter pageSize too_big"]
    assert check_example(spec, too_big) == ["at $: 500 is greater than the maximum of 100"]


def _collect_with(spec: dict[str, Any], name: str, value: Any) -> DocExample:
    """`name` as collect_examples finds it once BusyAnswer's value is `value`."""
    spec["components"]["examples"]["BusyAnswer"]["value"] = value
    return next(example for example in collect_examples(spec) if example.name == name)
