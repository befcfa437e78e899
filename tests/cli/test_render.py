"""Human times and sizes, and the JSON form of records."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from a2e_faceswap._cli._render import human_ago, human_duration, human_size, jsonable
from a2e_faceswap.models import Task

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(None, "-"), (0.421, "0.42 s"), (12.34, "12.3 s"), (125, "2 min 05 s"), (3720, "1 h 02 min")],
)
def test_human_duration(seconds: float | None, text: str) -> None:
    assert human_duration(seconds) == text


@pytest.mark.parametrize(
    ("ago", "text"),
    [
        (timedelta(seconds=3), "just now"),
        (timedelta(seconds=42), "42 s ago"),
        (timedelta(minutes=5, seconds=10), "5 min ago"),
        (timedelta(hours=3), "3 h ago"),
        (timedelta(days=1, hours=1), "1 day ago"),
        (timedelta(days=3), "3 days ago"),
        (timedelta(days=30), "2025-05-02"),
        (timedelta(minutes=-5), "2025-06-01 12:05"),
    ],
)
def test_human_ago(ago: timedelta, text: str) -> None:
    assert human_ago(NOW - ago, NOW) == text
    assert human_ago(None, NOW) == "-"


def test_human_size() -> None:
    assert (human_size(None), human_size(999), human_size(3_000_000)) == ("?", "999 bytes", "3.0 MB")


def test_jsonable_task_has_plain_values_and_no_raw_copy() -> None:
    task = Task.from_wire(
        {"_id": "a" * 24, "current_status": "pendding", "createdAt": "2025-06-01T12:00:00.000Z", "x": 1}
    )
    value = jsonable(task)
    assert value["id"] == "a" * 24
    assert (value["status"], value["raw_status"]) == ("pending", "pendding")
    assert value["created_at"] == "2025-06-01T12:00:00+00:00"
    assert "raw" not in value
    assert jsonable([task, Path("out") / "x.mp4"]) == [value, str(Path("out") / "x.mp4")]
