"""The tolerant parsers behind the models (hypothesis property tests), the models built from A2E's
documented examples, and the values users compare: statuses as strings, ``to_dict`` / ``from_dict``
round trips, the resources' repr."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime, timedelta, timezone
from importlib import resources
from pathlib import Path
from typing import Any

import attrs
import pytest
import yaml
from a2e_faceswap import (
    A2E,
    ActiveTask,
    AsyncA2E,
    FaceImage,
    InvalidInputError,
    Preview,
    RunResult,
    Task,
    TaskPage,
    TaskStatus,
    UploadTarget,
)
from a2e_faceswap import _parsing as parsing
from hypothesis import given
from hypothesis import strategies as st

JSON_SCALARS = st.none() | st.booleans() | st.integers() | st.floats() | st.text()
JSON_VALUES = st.recursive(
    JSON_SCALARS,
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3)
    ),
    max_leaves=8,
)
WIRE_KEYS = [
    "_id",
    "name",
    "current_status",
    "result_url",
    "error_code",
    "faild_message",
    "failed_message",
    "createdAt",
    "updatedAt",
    "initialized_time",
    "processing_time",
    "completed_time",
    "duration",
    "face_url",
    "video_url",
    "user_id",
    "uploadUrl",
    "cdnUrl",
    "publicUrl",
    "expiresIn",
    "key",
]
WIRE_RECORDS = st.dictionaries(st.sampled_from(WIRE_KEYS) | st.text(max_size=8), JSON_VALUES, max_size=12)


def _spec_examples() -> dict[str, Any]:
    text = (resources.files("a2e_api") / "openapi.yaml").read_text(encoding="utf-8")
    examples: dict[str, Any] = yaml.safe_load(text)["components"]["examples"]
    return {name: example["value"] for name, example in examples.items()}


# ------------------------------------------------------------------ properties


@given(JSON_VALUES)
def test_timestamp_never_raises_and_is_aware(value: object) -> None:
    parsed = parsing.timestamp(value)
    assert parsed is None or (parsed.tzinfo is not None and parsed.utcoffset() is not None)


OFFSETS = st.just(UTC) | st.builds(lambda m: timezone(timedelta(minutes=m)), st.integers(-720, 720))


@given(st.datetimes(min_value=datetime(1000, 1, 2), max_value=datetime(9999, 12, 30), timezones=OFFSETS))
def test_timestamp_reads_back_any_isoformat(moment: datetime) -> None:
    assert parsing.timestamp(moment.isoformat()) == moment
    as_a2e_writes_it = moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
    assert parsing.timestamp(as_a2e_writes_it) == moment.replace(
        microsecond=moment.microsecond // 1000 * 1000
    )


@given(st.datetimes(min_value=datetime(1971, 1, 1), max_value=datetime(2200, 1, 1)))
def test_naive_timestamps_are_taken_as_utc(moment: datetime) -> None:
    assert parsing.timestamp(moment.isoformat()) == moment.replace(tzinfo=UTC)


@pytest.mark.parametrize("value", [None, "", "   ", "garbage", "not-a-date", True, [], {}, float("nan")])
def test_timestamp_absent_null_empty_or_garbage_is_none(value: object) -> None:
    assert parsing.timestamp(value) is None


def test_timestamp_epoch_seconds_and_milliseconds() -> None:
    moment = datetime(2024, 6, 21, 3, 20, 22, tzinfo=UTC)
    assert parsing.timestamp(moment.timestamp()) == moment
    assert parsing.timestamp(int(moment.timestamp() * 1000)) == moment


@given(JSON_VALUES)
def test_error_code_is_text_or_none(value: object) -> None:
    code = parsing.error_code(value)
    assert code is None or (isinstance(code, str) and code.strip() == code and code)


@pytest.mark.parametrize("value", [None, "", " ", "0", " 0 ", "0.0", 0, 0.0, -0.0, False])
def test_error_code_zero_like_values_mean_no_error(value: object) -> None:
    assert parsing.error_code(value) is None


@given(st.integers().filter(lambda n: n != 0))
def test_error_code_int_and_string_forms_agree(number: int) -> None:
    assert parsing.error_code(number) == parsing.error_code(str(number)) == str(number)


@given(JSON_VALUES)
def test_status_parse_never_raises_and_unknown_keeps_nothing_from_the_enum(value: object) -> None:
    status = TaskStatus.parse(value)
    if isinstance(value, str) and value.strip().lower() in {s.value for s in TaskStatus}:
        assert status.value == value.strip().lower()
    elif isinstance(value, str) and value.strip().lower() == "pendding":
        assert status is TaskStatus.PENDING
    else:
        assert status is TaskStatus.UNKNOWN


@given(WIRE_RECORDS)
def test_every_model_reads_any_record_without_raising(data: dict[str, Any]) -> None:
    for model in (Task, Preview, ActiveTask, FaceImage, UploadTarget):
        record = model.from_wire(data)
        assert dict(record.raw) == data
        with pytest.raises(TypeError):
            record.raw["x"] = 1  # type: ignore[index]
        with pytest.raises(attrs.exceptions.FrozenInstanceError):
            record.id = "other"  # type: ignore[misc, union-attr]


@given(WIRE_RECORDS)
def test_task_fields_follow_the_normalisation_rules(data: dict[str, Any]) -> None:
    task = Task.from_wire(data)
    assert task.result_url is None or task.result_url.strip()
    assert task.failure_message is None or task.failure_message.strip()
    assert task.error_code == parsing.error_code(data.get("error_code"))
    assert task.status is TaskStatus.parse(data.get("current_status"))
    if isinstance(data.get("current_status"), str):
        assert task.raw_status == data["current_status"]
    assert task.is_done == (task.status is TaskStatus.COMPLETED)
    assert task.is_failed == (task.status is TaskStatus.FAILED)
    for moment in (
        task.created_at,
        task.updated_at,
        task.initialized_at,
        task.processing_at,
        task.completed_at,
    ):
        assert moment is None or moment.tzinfo is not None
    assert task.duration is None or (isinstance(task.duration, int | float) and math.isfinite(task.duration))


# ------------------------------------------------------------------ examples and quirks


def test_task_from_the_documented_detail_example() -> None:
    task = Task.from_wire(_spec_examples()["TaskDetailResponseDoc"]["data"])
    assert task.id == "6674f1765699df7e9d25311a"
    assert task.status is TaskStatus.COMPLETED
    assert task.is_done
    assert task.is_terminal
    assert not task.is_failed
    assert task.error_code is None  # "0"
    assert task.failure_message is None  # ""
    assert task.result_url is not None
    assert task.result_url.endswith(".mp4")
    assert task.created_at == datetime(2024, 6, 21, 3, 20, 22, 436000, tzinfo=UTC)
    assert task.completed_at == datetime(2024, 6, 21, 3, 20, 58, 625000, tzinfo=UTC)
    assert task.duration == 6
    assert task.raw["faild_message"] == ""


def test_status_items_and_previews_from_the_documented_examples() -> None:
    examples = _spec_examples()
    (item,) = (ActiveTask.from_wire(row) for row in examples["TaskStatusResponseDoc"]["data"])
    assert item.status is TaskStatus.PROCESSING
    assert item.result_url is None
    assert item.error_code is None
    preview = Preview.from_wire(examples["PreviewStatusResponseDoc"]["data"])
    assert preview.is_done
    assert preview.result_url
    assert preview.error_code is None


def test_failure_message_from_either_spelling_and_unknown_status_keeps_raw() -> None:
    failed = Task.from_wire(
        {"_id": "a", "current_status": "failed", "failed_message": "no face", "error_code": 1003}
    )
    assert failed.failure_message == "no face"
    assert failed.error_code == "1003"
    assert failed.is_failed
    odd = Task.from_wire({"_id": "a", "current_status": "Queued-Later", "faild_message": "  ", "extra": [1]})
    assert odd.status is TaskStatus.UNKNOWN
    assert odd.raw_status == "Queued-Later"
    assert odd.failure_message is None
    assert odd.raw["extra"] == [1]
    assert not odd.is_terminal
    assert Task.from_wire({"_id": "a", "current_status": "pendding"}).status is TaskStatus.PENDING


def test_upload_target_public_url_fallbacks() -> None:
    signed = "https://r2.example/bucket/k.jpg?X-Amz-Signature=secret"
    assert (
        UploadTarget.from_wire({"uploadUrl": signed, "cdnUrl": "https://cdn/k.jpg"}).public_url
        == "https://cdn/k.jpg"
    )
    assert (
        UploadTarget.from_wire({"uploadUrl": signed, "publicUrl": "https://pub/k.jpg"}).public_url
        == "https://pub/k.jpg"
    )
    target = UploadTarget.from_wire({"uploadUrl": signed, "cdnUrl": ""})
    assert target.public_url == "https://r2.example/bucket/k.jpg"
    assert "secret" not in repr(target)


def test_models_compare_by_value_not_by_raw() -> None:
    one = Task.from_wire({"_id": "a", "current_status": "sent", "x": 1})
    two = Task.from_wire({"_id": "a", "current_status": "sent", "x": 2})
    assert one == two
    assert hash(one) == hash(two)
    assert json.loads(json.dumps(dict(one.raw))) == {"_id": "a", "current_status": "sent", "x": 1}


def test_task_page_has_more() -> None:
    rows = tuple(Task.from_wire({"_id": str(i), "current_status": "sent"}) for i in range(2))
    assert TaskPage(items=rows, total=5, page=1, page_size=2).has_more
    assert not TaskPage(items=rows, total=4, page=2, page_size=2).has_more
    assert not TaskPage(items=rows[:1], total=9, page=1, page_size=2).has_more
    assert not TaskPage(items=(), total=9, page=1, page_size=2).has_more
    assert len(TaskPage(items=rows, total=2, page=1, page_size=10)) == 2


# ------------------------------------------------------------------ values users compare


def test_a_status_is_its_string() -> None:
    task = Task.from_wire({"_id": "a", "current_status": "completed"})
    assert task.status == "completed"
    assert task.status != "failed"
    assert isinstance(task.status, str)
    assert [str(task.status), f"{task.status}", json.loads(json.dumps(task.status))] == ["completed"] * 3
    assert {"completed": "yes"}[task.status] == "yes"
    assert task.status is TaskStatus.COMPLETED
    assert [status.value for status in TaskStatus] == [str(status) for status in TaskStatus]
    odd = Task.from_wire({"_id": "a", "current_status": "Queued-Later"})
    assert (odd.status, odd.raw_status) == ("unknown", "Queued-Later")
    assert odd.status is TaskStatus.UNKNOWN
    assert Task.from_wire({"_id": "a", "current_status": "pendding"}).status == "pending"


ALL_RECORDS = (Task, Preview, ActiveTask, FaceImage, UploadTarget)


def _json_round_trip(record: Any) -> Any:
    """``record.to_dict()`` through JSON text (strict: no NaN) and back with ``from_dict``."""
    text = json.dumps(record.to_dict(), allow_nan=False)
    return type(record).from_dict(json.loads(text))


def _names(model: type) -> list[str]:
    return [attribute.name for attribute in attrs.fields(model) if attribute.name != "raw"]


@given(WIRE_RECORDS)
def test_every_record_read_from_the_wire_round_trips_through_json(data: dict[str, Any]) -> None:
    for model in ALL_RECORDS:
        record = model.from_wire(data)
        values = record.to_dict()
        assert list(values) == _names(model)
        assert "raw" not in values
        again = _json_round_trip(record)
        assert again == record
        assert type(again) is model
        assert again.to_dict() == values


MOMENTS = st.none() | st.datetimes(
    min_value=datetime(2, 1, 1), max_value=datetime(9998, 12, 31), timezones=OFFSETS
)
TEXTS = st.text(max_size=12)
MAYBE_TEXTS = st.none() | TEXTS
STATUSES = st.sampled_from(TaskStatus)
DURATIONS = st.none() | st.integers() | st.floats(allow_nan=False, allow_infinity=False)
TASKS = st.builds(
    Task,
    id=TEXTS,
    status=STATUSES,
    raw_status=TEXTS,
    name=MAYBE_TEXTS,
    face_url=MAYBE_TEXTS,
    video_url=MAYBE_TEXTS,
    duration=DURATIONS,
    result_url=MAYBE_TEXTS,
    error_code=MAYBE_TEXTS,
    failure_message=MAYBE_TEXTS,
    created_at=MOMENTS,
    updated_at=MOMENTS,
    initialized_at=MOMENTS,
    processing_at=MOMENTS,
    completed_at=MOMENTS,
)
RECORDS = st.one_of(
    TASKS,
    st.builds(
        Preview,
        id=TEXTS,
        status=STATUSES,
        raw_status=TEXTS,
        result_url=MAYBE_TEXTS,
        face_url=MAYBE_TEXTS,
        video_url=MAYBE_TEXTS,
        user_id=MAYBE_TEXTS,
        error_code=MAYBE_TEXTS,
        failure_message=MAYBE_TEXTS,
    ),
    st.builds(
        ActiveTask,
        id=MAYBE_TEXTS,
        status=STATUSES,
        raw_status=TEXTS,
        result_url=MAYBE_TEXTS,
        error_code=MAYBE_TEXTS,
        failure_message=MAYBE_TEXTS,
    ),
    st.builds(
        FaceImage, id=TEXTS, face_url=MAYBE_TEXTS, user_id=MAYBE_TEXTS, created_at=MOMENTS, updated_at=MOMENTS
    ),
    st.builds(
        UploadTarget,
        upload_url=TEXTS,
        public_url=TEXTS,
        key=MAYBE_TEXTS,
        bucket=MAYBE_TEXTS,
        expires_in=st.none() | st.integers(),
    ),
    st.builds(
        TaskPage,
        items=st.lists(TASKS, max_size=3).map(tuple),
        total=st.integers(),
        page=st.integers(),
        page_size=st.integers(),
    ),
    st.builds(RunResult, task=TASKS, path=st.none() | st.builds(Path, st.text(min_size=1, max_size=12))),
)


@given(RECORDS)
def test_any_record_round_trips_through_json(record: Any) -> None:
    values = record.to_dict()
    assert list(values) == _names(type(record))
    again = _json_round_trip(record)
    assert again == record
    assert type(again) is type(record)


def test_to_dict_gives_json_native_values_under_python_names() -> None:
    task = Task.from_wire(_spec_examples()["TaskDetailResponseDoc"]["data"])
    values = task.to_dict()
    assert values["id"] == "6674f1765699df7e9d25311a"
    assert (values["status"], values["raw_status"]) == ("completed", "completed")
    assert type(values["status"]) is str
    assert values["created_at"] == "2024-06-21T03:20:22.436000+00:00"
    assert values["duration"] == 6
    assert values["error_code"] is None
    assert "raw" not in values
    assert "_id" not in values
    assert datetime.fromisoformat(values["completed_at"]) == task.completed_at
    result = RunResult(task=task, path=Path("out") / "x.mp4")
    assert result.to_dict() == {"task": values, "path": str(Path("out") / "x.mp4")}
    page = TaskPage(items=(task,), total=1, page=1, page_size=10)
    assert page.to_dict() == {"items": [values], "total": 1, "page": 1, "page_size": 10}
    assert Task.from_dict(values).raw == {}


@pytest.mark.parametrize(
    ("model", "data", "message"),
    [
        (Task, {"status": "completed", "raw_status": "completed"}, "Task.from_dict: id is missing"),
        (Task, {"id": 5, "status": "completed", "raw_status": ""}, "id must be text, got int"),
        (Task, {"id": "a", "status": 3, "raw_status": ""}, "status must be a status string"),
        (Task, {"id": "a", "status": "sent", "raw_status": "", "created_at": "yesterday"}, "ISO 8601"),
        (Task, {"id": "a", "status": "sent", "raw_status": "", "duration": True}, "duration"),
        (Task, {"id": "a", "status": "sent", "raw_status": "", "duration": "6"}, "duration"),
        (TaskPage, {"items": [{"id": "a"}], "total": 1, "page": 1, "page_size": 1}, "status is missing"),
        (TaskPage, {"items": {}, "total": 1, "page": 1, "page_size": 1}, "items must be a list"),
        (TaskPage, {"items": [], "total": 1.5, "page": 1, "page_size": 1}, "total must be a whole number"),
        (RunResult, {"task": "a"}, "task must be an object"),
        (UploadTarget, ["upload_url"], "data must be a mapping"),
    ],
)
def test_from_dict_refuses_what_to_dict_never_gives(model: Any, data: Any, message: str) -> None:
    with pytest.raises(InvalidInputError, match=message.replace("(", r"\(")):
        model.from_dict(data)


def test_from_dict_reads_a_status_it_does_not_know_and_ignores_unknown_keys() -> None:
    task = Task.from_dict({"id": "a", "status": "queued", "raw_status": "queued", "later_field": 1})
    assert (task.status, task.raw_status) == (TaskStatus.UNKNOWN, "queued")
    naive = Task.from_dict(
        {"id": "a", "status": "sent", "raw_status": "", "created_at": "2024-06-21T03:20:22"}
    )
    assert naive.created_at == datetime(2024, 6, 21, 3, 20, 22, tzinfo=UTC)


PYTHON_KEYS = sorted({name for model in (*ALL_RECORDS, TaskPage, RunResult) for name in _names(model)})


@given(st.dictionaries(st.sampled_from(PYTHON_KEYS) | st.text(max_size=8), JSON_VALUES, max_size=12))
def test_from_dict_never_raises_anything_but_invalid_input(data: dict[str, Any]) -> None:
    for model in (*ALL_RECORDS, TaskPage, RunResult):
        try:
            record = model.from_dict(data)
        except InvalidInputError:
            continue
        assert _json_round_trip(record) == record


def test_duration_is_documented_in_seconds_as_inferred() -> None:
    doc = Task.__doc__ or ""
    assert "seconds" in doc
    assert "inferred from their examples" in doc


# ------------------------------------------------------------------ the resources' repr

SECRET = "sk_repr_canary_0123456789abcdef"


async def test_resources_have_a_readable_repr_without_the_token() -> None:
    names = ("tasks", "previews", "faces", "uploads")
    url = "http://127.0.0.1:9"
    with A2E(api_key=SECRET, base_url=url) as client:
        shown = [repr(getattr(client, name)) for name in names]
    async with AsyncA2E(api_key=SECRET, base_url=url) as aclient:
        shown += [repr(getattr(aclient, name)) for name in names]
    assert shown == [
        f"{kind}{name.capitalize()}(base_url='{url}')" for kind in ("", "Async") for name in names
    ]
    assert not any(SECRET[:12] in text or SECRET[12:] in text for text in shown)
