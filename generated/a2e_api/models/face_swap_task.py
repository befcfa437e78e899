from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="FaceSwapTask")


@_attrs_define
class FaceSwapTask:
    """A face swap task record: the 14 fields of doc page 09 (detail) and of the rows of doc page 08 (records). The add
    answer (doc page 06) has 11 of them (no per-state timestamps). Decision: only `_id` and `current_status` are
    required; the rest may be absent, and the timestamps, result and failure fields may be null.

    """

    field_id: str
    """ Id of the task. """
    current_status: str
    """ Processing state. Known values: `initialized`, `sent`, `pending`, `processing`, `completed`, `failed` (A2E
    also spells `pendding` once, on another product). Only `completed` and `failed` are terminal. Kept an open
    string, not an enum: values A2E adds later must still parse. """
    name: str | Unset = UNSET
    """ Name given at creation (tasks created without one appear named by date). """
    video_url: str | Unset = UNSET
    """ The source video. """
    face_url: str | Unset = UNSET
    """ The face image swapped in. """
    duration: int | None | Unset = UNSET
    """ Length of the video; the unit is not stated (seconds, judging by the example). """
    result_url: None | str | Unset = UNSET
    """ URL of the result. "" while the task or preview is not completed (documented on the task status page). null
    is accepted as the same "no result yet". """
    error_code: int | None | str | Unset = UNSET
    """ A2E's failure code for a task or preview. The doc pages disagree on its type: string "0" on the records and
    detail pages, string on the add pages, integer (example null) on the task status page. Decision: accept a
    string, an integer or null; "0" / 0 / null all mean "no error". """
    faild_message: None | str | Unset = UNSET
    """ Why the task failed. Misspelled `faild_message` on the wire, exactly as A2E sends it. The pages show it as
    null (records, preview status, task status) and as "" (detail), and mark it optional on some pages, so it may be
    null, "" or absent; all three mean "no failure message". """
    created_at: None | str | Unset = UNSET
    """ ISO 8601 date-time in UTC, e.g. "2024-06-21T03:20:22.436Z". No `format` is declared on purpose: the pages
    omit these fields on some answers, and a value A2E leaves empty must not make a whole record unreadable. Absent,
    null or "" mean "not reached yet". """
    updated_at: None | str | Unset = UNSET
    """ ISO 8601 date-time in UTC, e.g. "2024-06-21T03:20:22.436Z". No `format` is declared on purpose: the pages
    omit these fields on some answers, and a value A2E leaves empty must not make a whole record unreadable. Absent,
    null or "" mean "not reached yet". """
    initialized_time: None | str | Unset = UNSET
    """ ISO 8601 date-time in UTC, e.g. "2024-06-21T03:20:22.436Z". No `format` is declared on purpose: the pages
    omit these fields on some answers, and a value A2E leaves empty must not make a whole record unreadable. Absent,
    null or "" mean "not reached yet". """
    processing_time: None | str | Unset = UNSET
    """ ISO 8601 date-time in UTC, e.g. "2024-06-21T03:20:22.436Z". No `format` is declared on purpose: the pages
    omit these fields on some answers, and a value A2E leaves empty must not make a whole record unreadable. Absent,
    null or "" mean "not reached yet". """
    completed_time: None | str | Unset = UNSET
    """ ISO 8601 date-time in UTC, e.g. "2024-06-21T03:20:22.436Z". No `format` is declared on purpose: the pages
    omit these fields on some answers, and a value A2E leaves empty must not make a whole record unreadable. Absent,
    null or "" mean "not reached yet". """
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        field_id = self.field_id

        current_status = self.current_status

        name = self.name

        video_url = self.video_url

        face_url = self.face_url

        duration: int | None | Unset
        if isinstance(self.duration, Unset):
            duration = UNSET
        else:
            duration = self.duration

        result_url: None | str | Unset
        if isinstance(self.result_url, Unset):
            result_url = UNSET
        else:
            result_url = self.result_url

        error_code: int | None | str | Unset
        if isinstance(self.error_code, Unset):
            error_code = UNSET
        else:
            error_code = self.error_code

        faild_message: None | str | Unset
        if isinstance(self.faild_message, Unset):
            faild_message = UNSET
        else:
            faild_message = self.faild_message

        created_at: None | str | Unset
        if isinstance(self.created_at, Unset):
            created_at = UNSET
        else:
            created_at = self.created_at

        updated_at: None | str | Unset
        if isinstance(self.updated_at, Unset):
            updated_at = UNSET
        else:
            updated_at = self.updated_at

        initialized_time: None | str | Unset
        if isinstance(self.initialized_time, Unset):
            initialized_time = UNSET
        else:
            initialized_time = self.initialized_time

        processing_time: None | str | Unset
        if isinstance(self.processing_time, Unset):
            processing_time = UNSET
        else:
            processing_time = self.processing_time

        completed_time: None | str | Unset
        if isinstance(self.completed_time, Unset):
            completed_time = UNSET
        else:
            completed_time = self.completed_time

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "_id": field_id,
                "current_status": current_status,
            }
        )
        if name is not UNSET:
            field_dict["name"] = name
        if video_url is not UNSET:
            field_dict["video_url"] = video_url
        if face_url is not UNSET:
            field_dict["face_url"] = face_url
        if duration is not UNSET:
            field_dict["duration"] = duration
        if result_url is not UNSET:
            field_dict["result_url"] = result_url
        if error_code is not UNSET:
            field_dict["error_code"] = error_code
        if faild_message is not UNSET:
            field_dict["faild_message"] = faild_message
        if created_at is not UNSET:
            field_dict["createdAt"] = created_at
        if updated_at is not UNSET:
            field_dict["updatedAt"] = updated_at
        if initialized_time is not UNSET:
            field_dict["initialized_time"] = initialized_time
        if processing_time is not UNSET:
            field_dict["processing_time"] = processing_time
        if completed_time is not UNSET:
            field_dict["completed_time"] = completed_time

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        field_id = d.pop("_id")

        current_status = d.pop("current_status")

        name = d.pop("name", UNSET)

        video_url = d.pop("video_url", UNSET)

        face_url = d.pop("face_url", UNSET)

        def _parse_duration(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        duration = _parse_duration(d.pop("duration", UNSET))

        def _parse_result_url(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        result_url = _parse_result_url(d.pop("result_url", UNSET))

        def _parse_error_code(data: object) -> int | None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | str | Unset, data)

        error_code = _parse_error_code(d.pop("error_code", UNSET))

        def _parse_faild_message(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        faild_message = _parse_faild_message(d.pop("faild_message", UNSET))

        def _parse_created_at(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        created_at = _parse_created_at(d.pop("createdAt", UNSET))

        def _parse_updated_at(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        updated_at = _parse_updated_at(d.pop("updatedAt", UNSET))

        def _parse_initialized_time(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        initialized_time = _parse_initialized_time(d.pop("initialized_time", UNSET))

        def _parse_processing_time(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        processing_time = _parse_processing_time(d.pop("processing_time", UNSET))

        def _parse_completed_time(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        completed_time = _parse_completed_time(d.pop("completed_time", UNSET))

        face_swap_task = cls(
            field_id=field_id,
            current_status=current_status,
            name=name,
            video_url=video_url,
            face_url=face_url,
            duration=duration,
            result_url=result_url,
            error_code=error_code,
            faild_message=faild_message,
            created_at=created_at,
            updated_at=updated_at,
            initialized_time=initialized_time,
            processing_time=processing_time,
            completed_time=completed_time,
        )

        face_swap_task.additional_properties = d
        return face_swap_task

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
