from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="FaceImage")


@_attrs_define
class FaceImage:
    """A saved face image of the user (doc page 01)."""

    field_id: str
    """ Id of the face image. """
    face_url: str
    """ URL of the face image. It may differ from the submitted URL (another CDN host, same path). """
    user_id: str | Unset = UNSET
    """ Owner of the image. Doc page 01 describes "the user ID associated with the image" but names no field and its
    example has none: the name `user_id` and the string type are inferences (the preview record of doc page 04 names
    its owner field so), hence optional. """
    created_at: None | str | Unset = UNSET
    """ ISO 8601 date-time in UTC, e.g. "2024-06-21T03:20:22.436Z". No `format` is declared on purpose: the pages
    omit these fields on some answers, and a value A2E leaves empty must not make a whole record unreadable. Absent,
    null or "" mean "not reached yet". """
    updated_at: None | str | Unset = UNSET
    """ ISO 8601 date-time in UTC, e.g. "2024-06-21T03:20:22.436Z". No `format` is declared on purpose: the pages
    omit these fields on some answers, and a value A2E leaves empty must not make a whole record unreadable. Absent,
    null or "" mean "not reached yet". """
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        field_id = self.field_id

        face_url = self.face_url

        user_id = self.user_id

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

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "_id": field_id,
                "face_url": face_url,
            }
        )
        if user_id is not UNSET:
            field_dict["user_id"] = user_id
        if created_at is not UNSET:
            field_dict["createdAt"] = created_at
        if updated_at is not UNSET:
            field_dict["updatedAt"] = updated_at

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        field_id = d.pop("_id")

        face_url = d.pop("face_url")

        user_id = d.pop("user_id", UNSET)

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

        face_image = cls(
            field_id=field_id,
            face_url=face_url,
            user_id=user_id,
            created_at=created_at,
            updated_at=updated_at,
        )

        face_image.additional_properties = d
        return face_image

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
