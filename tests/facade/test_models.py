"""The tolerant parsers behind the models (hypothesis property tests) and the models built from A2E's
documented examples."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime, timedelta, timezone
from importlib import resources
from typing import Any

import attrs
import pytest
import yaml
from a2e_faceswap import ActiveTask, FaceImage, Preview, Task, TaskPage, TaskStatus, UploadTarget
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
