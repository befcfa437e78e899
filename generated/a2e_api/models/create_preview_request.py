from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="CreatePreviewRequest")


@_attrs_define
class CreatePreviewRequest:
    face_url: str
    """ URL of the face image to swap in (`minLength: 1` is this project's bound, not A2E's: an empty URL cannot
    name a file). """
    video_url: str
    """ URL of the video (or of a frame image, as in the doc example) to swap the face into (`minLength: 1` is this
    project's bound, not A2E's: an empty URL cannot name a file). """
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        face_url = self.face_url

        video_url = self.video_url

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "face_url": face_url,
                "video_url": video_url,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        face_url = d.pop("face_url")

        video_url = d.pop("video_url")

        create_preview_request = cls(
            face_url=face_url,
            video_url=video_url,
        )

        create_preview_request.additional_properties = d
        return create_preview_request

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
