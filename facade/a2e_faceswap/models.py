"""What the client returns: small immutable records with Python names.

Each record is built from the wire JSON by a tolerant parser: wrong types, nulls, empty strings and
unknown status values never make a record unreadable. Everything A2E sent, including fields this
version does not know, stays available in ``raw`` (wire names, read-only).

Name mapping from the wire: ``_id`` → ``id``, ``current_status`` → ``status`` (+ ``raw_status``),
``faild_message`` / ``failed_message`` → ``failure_message``, ``createdAt`` → ``created_at``,
``updatedAt`` → ``updated_at``, ``initialized_time`` → ``initialized_at``, ``processing_time`` →
``processing_at``, ``completed_time`` → ``completed_at``, ``cdnUrl`` / ``publicUrl`` → ``public_url``.

``record.to_dict()`` gives the record as JSON-native values under its Python names (times as ISO 8601
text, statuses as their strings, paths as text, nested records as dicts; ``raw`` left out), and
``Record.from_dict(d)`` rebuilds an equal record from it (``raw`` empty). ``from_dict`` is strict about
types (``InvalidInputError`` names the field), reads an unknown status string as ``UNKNOWN`` like the
wire parser, and ignores keys it does not know.
"""

from __future__ import annotations

import enum
import math
import types
import typing
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from types import MappingProxyType
from typing import Any, Self
from urllib.parse import urlsplit, urlunsplit

import attrs
from attrs import field, frozen

from . import _parsing
from .errors import InvalidInputError

__all__ = [
    "ActiveTask",
    "Credits",
    "FaceImage",
    "Preview",
    "Quote",
    "RunResult",
    "Task",
    "TaskPage",
    "TaskStatus",
    "UploadTarget",
]


class TaskStatus(enum.StrEnum):
    """State of a task or preview. Only ``COMPLETED`` and ``FAILED`` are terminal.

    A ``str``: ``task.status == "completed"`` holds, and ``str(status)`` / JSON give the value. Compare
    with ``is TaskStatus.COMPLETED`` or with the string, as you like.

    A value this version does not know parses as ``UNKNOWN``; the record's ``raw_status`` keeps the
    string A2E sent, so a new server value never breaks anything (and waiting treats it as "still
    running").
    """

    INITIALIZED = "initialized"
    SENT = "sent"
    PENDING = "pending"
    PROCESSING = "processing"
    COMPLETED = "completed"
    FAILED = "failed"
    UNKNOWN = "unknown"

    @classmethod
    def parse(cls, raw: object) -> TaskStatus:
        """Read a wire value: case and surrounding blanks ignored, ``pendding`` (A2E's other spelling)
        is ``PENDING``, anything unrecognised is ``UNKNOWN``."""
        if type(raw) is str:
            exact = _STATUSES.get(raw)  # the usual case: a value as A2E writes it
            if exact is not None:
                return exact
        if not isinstance(raw, str):
            return cls.UNKNOWN
        value = raw.strip().lower()
        if value == "pendding":
            return cls.PENDING
        try:
            return cls(value)
        except ValueError:
            return cls.UNKNOWN

    @property
    def is_terminal(self) -> bool:
        return self in (TaskStatus.COMPLETED, TaskStatus.FAILED)


_STATUSES: dict[str, TaskStatus] = {status.value: status for status in TaskStatus}


def _freeze(data: Mapping[str, Any]) -> Mapping[str, Any]:
    return MappingProxyType(dict(data))


def _raw_status(value: object) -> str:
    return value if isinstance(value, str) else ("" if value is None else str(value))


def _progress(data: Mapping[str, Any]) -> dict[str, Any]:
    """The fields ``Task``, ``Preview`` and ``ActiveTask`` read alike from the wire."""
    status = data.get("current_status")
    return {
        "status": TaskStatus.parse(status),
        "raw_status": _raw_status(status),
        "result_url": _parsing.result_url(data.get("result_url")),
        "error_code": _parsing.error_code(data.get("error_code")),
        "failure_message": _parsing.first_text(data, "faild_message", "failed_message"),
    }


# ------------------------------------------------------------------ to_dict / from_dict

_Decode = Callable[[str, object], Any]


def _encode(value: object) -> object:
    if isinstance(value, _Record):
        return value.to_dict()
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, tuple | list):
        return [_encode(item) for item in value]
    return value


def _refuse(cls: type, name: str, expected: str, value: object) -> InvalidInputError:
    return InvalidInputError(
        f"{cls.__name__}.from_dict: {name} must be {expected}, got {type(value).__name__}"
    )


def _decoder(cls: type, hint: Any) -> _Decode:
    """How ``from_dict`` reads a value of type ``hint`` (a field's annotation)."""
    args = typing.get_args(hint)
    if isinstance(hint, types.UnionType):
        choices = [_decoder(cls, arg) for arg in args if arg is not type(None)]
        optional = type(None) in args

        def union(name: str, value: object) -> Any:
            if value is None and optional:
                return None
            error: InvalidInputError | None = None
            for choice in choices:
                try:
                    return choice(name, value)
                except InvalidInputError as refused:
                    error = error or refused
            raise error or _refuse(cls, name, "null", value)

        return union
    if typing.get_origin(hint) is tuple:
        item = _decoder(cls, args[0])

        def sequence(name: str, value: object) -> Any:
            if not isinstance(value, list | tuple):
                raise _refuse(cls, name, "a list", value)
            return tuple(item(f"{name}[{index}]", entry) for index, entry in enumerate(value))

        return sequence
    simple = _SIMPLE.get(hint)
    if simple is not None:
        expected, read = simple

        def scalar(name: str, value: object) -> Any:
            decoded = read(value)
            if decoded is None:
                raise _refuse(cls, name, expected, value)
            return decoded

        return scalar
    if isinstance(hint, type) and issubclass(hint, _Record):
        record: type[_Record] = hint

        def nested(name: str, value: object) -> Any:
            if not isinstance(value, Mapping):
                raise _refuse(cls, name, "an object", value)
            return record.from_dict(value)

        return nested
    raise TypeError(f"{cls.__name__}: no from_dict reader for {hint!r}")  # a new field type: add it


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _whole(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _real(value: object) -> float | int | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return value if math.isfinite(value) else None


def _status(value: object) -> TaskStatus | None:
    return TaskStatus.parse(value) if isinstance(value, str) else None


def _moment(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.utcoffset() is not None else parsed.replace(tzinfo=UTC)


def _path(value: object) -> Path | None:
    return Path(value) if isinstance(value, str) and value else None


#: field type -> (what the error says it expects, reader returning None for a refused value)
_SIMPLE: dict[object, tuple[str, Callable[[object], Any]]] = {
    str: ("text", _text),
    int: ("a whole number", _whole),
    float: ("a finite number", _real),
    TaskStatus: ("a status string", _status),
    datetime: ("an ISO 8601 time", _moment),
    Path: ("a non-empty path", _path),
}


class _Record:
    """``to_dict`` / ``from_dict`` for every record (see the module docstring)."""

    __slots__ = ()

    def to_dict(self) -> dict[str, Any]:
        """This record as JSON-native values under its Python names (``raw`` left out)."""
        return {attribute.name: _encode(getattr(self, attribute.name)) for attribute in _fields(type(self))}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Self:
        """The record ``to_dict`` gave (``InvalidInputError`` for a missing field or a wrong type)."""
        if not isinstance(data, Mapping):
            raise _refuse(cls, "data", "a mapping", data)
        values: dict[str, Any] = {}
        for name, decode, required in _readers(cls):
            if name in data:
                values[name] = decode(name, data[name])
            elif required:
                raise InvalidInputError(f"{cls.__name__}.from_dict: {name} is missing")
        built: Self = cls(**values)
        return built


def _fields(cls: type) -> list[attrs.Attribute[Any]]:
    """The fields ``to_dict`` / ``from_dict`` carry: all but ``raw``."""
    return [attribute for attribute in attrs.fields(cls) if attribute.name != "raw"]


_READERS: dict[type, tuple[tuple[str, _Decode, bool], ...]] = {}


def _readers(cls: type) -> tuple[tuple[str, _Decode, bool], ...]:
    """Each field's name, reader and whether it is required (made once per class)."""
    readers = _READERS.get(cls)
    if readers is None:
        hints = typing.get_type_hints(cls)
        readers = tuple(
            (attribute.name, _decoder(cls, hints[attribute.name]), attribute.default is attrs.NOTHING)
            for attribute in _fields(cls)
        )
        _READERS[cls] = readers
    return readers


class _Progress(_Record):
    """``is_done`` / ``is_failed`` / ``is_terminal`` for the records that carry a status."""

    __slots__ = ()
    status: TaskStatus

    @property
    def is_done(self) -> bool:
        """Completed successfully (``result_url`` should be set)."""
        return self.status is TaskStatus.COMPLETED

    @property
    def is_failed(self) -> bool:
        return self.status is TaskStatus.FAILED

    @property
    def is_terminal(self) -> bool:
        return self.status.is_terminal


@frozen(kw_only=True)
class Task(_Progress):
    """A face swap video task (``get_task``, ``list_task_records``, ``batch_task_detail``, ``create_task``).

    ``error_code`` is normalised to text, ``None`` meaning "no error" (A2E sends ``"0"``, ``0``,
    ``null`` or ``""`` for that); ``failure_message`` is ``None`` unless A2E gave a non-blank reason;
    ``result_url`` is ``None`` until there is a result. Timestamps are aware datetimes or ``None``.

    ``duration`` is the source video's length in seconds. A2E's docs do not state the unit: seconds is
    inferred from their examples (``duration: 6`` for a short clip). The number is kept as A2E sent it
    (an int, or a float).
    """

    id: str
    status: TaskStatus
    raw_status: str
    name: str | None = None
    face_url: str | None = None
    video_url: str | None = None
    duration: float | int | None = None
    result_url: str | None = None
    error_code: str | None = None
    failure_message: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    initialized_at: datetime | None = None
    processing_at: datetime | None = None
    completed_at: datetime | None = None
    raw: Mapping[str, Any] = field(factory=dict, eq=False, repr=False, converter=_freeze)

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> Task:
        """Build from a task record as A2E sends it (never raises on odd values)."""
        return cls(
            id=_parsing.text(data.get("_id")) or "",
            **_progress(data),
            name=_parsing.text(data.get("name")),
            face_url=_parsing.text(data.get("face_url")),
            video_url=_parsing.text(data.get("video_url")),
            duration=_parsing.number(data.get("duration")),
            created_at=_parsing.timestamp(data.get("createdAt")),
            updated_at=_parsing.timestamp(data.get("updatedAt")),
            initialized_at=_parsing.timestamp(data.get("initialized_time")),
            processing_at=_parsing.timestamp(data.get("processing_time")),
            completed_at=_parsing.timestamp(data.get("completed_time")),
            raw=data,
        )


@frozen(kw_only=True)
class Preview(_Progress):
    """A face swap preview: one swapped frame (``create_preview``, ``get_preview_status``)."""

    id: str
    status: TaskStatus
    raw_status: str
    result_url: str | None = None
    face_url: str | None = None
    video_url: str | None = None
    user_id: str | None = None
    error_code: str | None = None
    failure_message: str | None = None
    raw: Mapping[str, Any] = field(factory=dict, eq=False, repr=False, converter=_freeze)

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> Preview:
        return cls(
            id=_parsing.text(data.get("_id")) or "",
            **_progress(data),
            face_url=_parsing.text(data.get("face_url")),
            video_url=_parsing.text(data.get("video_url")),
            user_id=_parsing.text(data.get("user_id")),
            raw=data,
        )


@frozen(kw_only=True)
class ActiveTask(_Progress):
    """One item of ``tasks.active()`` (A2E's in-flight status list). A2E marks ``_id`` optional there,
    so ``id`` may be ``None``; use ``tasks.get`` for the full record."""

    id: str | None
    status: TaskStatus
    raw_status: str
    result_url: str | None = None
    error_code: str | None = None
    failure_message: str | None = None
    raw: Mapping[str, Any] = field(factory=dict, eq=False, repr=False, converter=_freeze)

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> ActiveTask:
        return cls(id=_parsing.text(data.get("_id")), **_progress(data), raw=data)


@frozen(kw_only=True)
class FaceImage(_Record):
    """A face image saved in the account (``faces.add`` / ``faces.list``)."""

    id: str
    face_url: str | None
    user_id: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    raw: Mapping[str, Any] = field(factory=dict, eq=False, repr=False, converter=_freeze)

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> FaceImage:
        return cls(
            id=_parsing.text(data.get("_id")) or "",
            face_url=_parsing.text(data.get("face_url")),
            user_id=_parsing.text(data.get("user_id")),
            created_at=_parsing.timestamp(data.get("createdAt")),
            updated_at=_parsing.timestamp(data.get("updatedAt")),
            raw=data,
        )


@frozen(kw_only=True)
class TaskPage(_Record):
    """One page of ``tasks.list``: ``items`` on this page, ``total`` records in all pages."""

    items: tuple[Task, ...]
    total: int
    page: int
    page_size: int

    @property
    def has_more(self) -> bool:
        """Whether a later page may hold more records (judged from ``total`` and this page's size)."""
        return (
            bool(self.items) and len(self.items) >= self.page_size and self.page * self.page_size < self.total
        )

    def __iter__(self) -> Iterator[Task]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)


def _without_query(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))


@frozen(kw_only=True)
class UploadTarget(_Record):
    """Answer of ``create_upload_url``: where to PUT the bytes and the public URL they will have.

    ``public_url`` is ``cdnUrl``, else ``publicUrl``, else ``upload_url`` without its query string.
    ``upload_url`` carries a signature and is left out of ``repr()``.
    """

    upload_url: str = field(repr=False)
    public_url: str
    key: str | None = None
    bucket: str | None = None
    expires_in: int | None = None
    raw: Mapping[str, Any] = field(factory=dict, eq=False, repr=False, converter=_freeze)

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> UploadTarget:
        upload_url = _parsing.text(data.get("uploadUrl")) or ""
        public = _parsing.first_text(data, "cdnUrl", "publicUrl") or _without_query(upload_url)
        return cls(
            upload_url=upload_url,
            public_url=public,
            key=_parsing.text(data.get("key")),
            bucket=_parsing.text(data.get("bucket")),
            expires_in=_parsing.integer(data.get("expiresIn")),
            raw=data,
        )


@frozen(kw_only=True)
class RunResult(_Record):
    """What ``tasks.run`` returns: the completed task, and where its result was saved (if asked)."""

    task: Task
    path: Path | None = None


# ------------------------------------------------------------------ the account's credits
# Built by ``_account`` (which holds the rules for reading these thinly documented answers); ``raw`` is
# the whole answer as sent.


@frozen(kw_only=True)
class Credits(_Record):
    """The account's balance (``account.credits()``): ``coins`` are the credits tasks spend;
    ``diamonds`` a second balance A2E reports beside them (``None`` when not sent)."""

    coins: int
    diamonds: int | None = None
    raw: Mapping[str, Any] = field(factory=dict, eq=False, repr=False, converter=_freeze)


@frozen(kw_only=True)
class Quote(_Record):
    """What a request would cost (``account.quote()``): ``credits`` is ``None`` when A2E's answer (whose
    shape is undocumented) holds no estimate this client can read; ``raw`` is that answer."""

    credits: int | None
    raw: Mapping[str, Any] = field(factory=dict, eq=False, repr=False, converter=_freeze)
