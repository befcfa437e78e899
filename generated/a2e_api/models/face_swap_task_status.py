from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="FaceSwapTaskStatus")


@_attrs_define
class FaceSwapTaskStatus:
    """One item of the in-flight status list (doc page 07). `_id` is marked optional on that page although it is the only
    way to match an item; kept optional as documented.

    """

    current_status: str
    """ Processing state. Known values: `initialized`, `sent`, `pending`, `processing`, `completed`, `failed` (A2E
    also spells `pendding` once, on another product). Only `completed` and `failed` are terminal. Kept an open
    string, not an enum: values A2E adds later must still parse. """
    field_id: str | Unset = UNSET
    """ Id of the task. """
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
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        current_status = self.current_status

        field_id = self.field_id

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

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "current_status": current_status,
            }
        )
        if field_id is not UNSET:
            field_dict["_id"] = field_id
        if result_url is not UNSET:
            field_dict["result_url"] = result_url
        if error_code is not UNSET:
            field_dict["error_code"] = error_code
        if faild_message is not UNSET:
            field_dict["faild_message"] = faild_message

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        current_status = d.pop("current_status")

        field_id = d.pop("_id", UNSET)

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

        face_swap_task_status = cls(
            current_status=current_status,
            field_id=field_id,
            result_url=result_url,
            error_code=error_code,
            faild_message=faild_message,
        )

        face_swap_task_status.additional_properties = d
        return face_swap_task_status

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
