from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.face_swap_task import FaceSwapTask


T = TypeVar("T", bound="TaskRecordsPage")


@_attrs_define
class TaskRecordsPage:
    """One page of task records (doc page 08)."""

    rows: list[FaceSwapTask]
    """ The task records of this page. """
    count: int
    """ Total number of the user's task records (all pages). `minimum: 0` is this project's bound (a count); the
    pages state none. """
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        rows = []
        for rows_item_data in self.rows:
            rows_item = rows_item_data.to_dict()
            rows.append(rows_item)

        count = self.count

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "rows": rows,
                "count": count,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.face_swap_task import FaceSwapTask

        d = dict(src_dict)
        rows = []
        _rows = d.pop("rows")
        for rows_item_data in _rows:
            rows_item = FaceSwapTask.from_dict(rows_item_data)

            rows.append(rows_item)

        count = d.pop("count")

        task_records_page = cls(
            rows=rows,
            count=count,
        )

        task_records_page.additional_properties = d
        return task_records_page

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
