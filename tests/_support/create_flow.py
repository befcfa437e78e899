"""The duplicate-safe create flow without I/O: a fake clock, the records and pages a lookup reads, and
an unknown outcome, shared by tests/chaos/test_create_lookup.py and tests/mutation_gaps/."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from a2e_faceswap import CreateOutcomeUnknownError, RetryPolicy, Task, TaskPage
from a2e_faceswap._create import LOOKUP_PAGE_SIZE, CreateFlow, Identity, Lookup, Submit
from a2e_faceswap.errors import APIConnectionError

#: The wall-clock time of the first attempt (``Clock().wall()``).
START = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
FACE = "https://media.example.com/in/face.jpg"
VIDEO = "https://media.example.com/in/clip.mp4"
ME = Identity("mine", FACE, VIDEO)
#: A failure after the request was sent: the task may have been created.
LOST = APIConnectionError("connection reset after sending", outcome_unknown=True)


class Clock:
    """A monotonic and a wall clock that move together, only when told; the monotonic one starts at
    100.0, the wall one at ``START``."""

    ORIGIN = 100.0

    def __init__(self) -> None:
        self.t = self.ORIGIN

    def mono(self) -> float:
        return self.t

    def wall(self) -> datetime:
        return START + timedelta(seconds=self.t - self.ORIGIN)

    def sleep(self, step: Submit | Lookup) -> None:
        self.t += step.delay


def start_flow(
    clock: Clock, policy: RetryPolicy, deadline: float | None = None, draw: float = 0.0
) -> CreateFlow:
    """A flow for ``ME`` on ``clock``, whose random draw is always ``draw``, past its first submit."""
    flow = CreateFlow(policy, ME, deadline=deadline, clock=clock.mono, now=clock.wall, random=lambda: draw)
    assert flow.first() == Submit(0.0)
    return flow


def record(
    name: str = "mine",
    created: datetime | None = START,
    face: str | None = FACE,
    video: str | None = VIDEO,
    task_id: str = "a" * 24,
) -> Task:
    """A task record as the list answers it (``created=None``: no creation time)."""
    wire: dict[str, object] = {"_id": task_id, "name": name, "current_status": "initialized"}
    wire |= {"face_url": face, "video_url": video}
    if created is not None:
        wire["createdAt"] = created.isoformat()
    return Task.from_wire(wire)


def task_page(number: int, items: list[Task], total: int = 10**6) -> TaskPage:
    """Page ``number`` of the task list (its ``total`` is not trusted by the lookup)."""
    return TaskPage(items=tuple(items), total=total, page=number, page_size=LOOKUP_PAGE_SIZE)


def unknown_outcome(
    resolvable_at: datetime, attempts: tuple[datetime, ...] = (START, START + timedelta(seconds=30))
) -> CreateOutcomeUnknownError:
    """What a create of ``ME`` raised when its outcome stayed unknown."""
    return CreateOutcomeUnknownError(
        "unknown",
        name=ME.name,
        face_url=FACE,
        video_url=VIDEO,
        attempts=attempts,
        resolvable_at=resolvable_at,
        reason="first reason",
    )
