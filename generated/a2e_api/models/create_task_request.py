from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.create_task_request_model_version import CreateTaskRequestModelVersion
from ..types import UNSET, Unset

T = TypeVar("T", bound="CreateTaskRequest")


@_attrs_define
class CreateTaskRequest:
    """Body of create_task (current reference). `name` is required by both the doc page and the reference."""

    name: str
    """ Name of the task (`minLength: 1` is this project's bound: both A2E pages require the name, and the facade
    finds a task whose creation outcome is unknown by it, so it cannot be empty). """
    face_url: str
    """ URL of the face image to swap in (`minLength: 1` is this project's bound, not A2E's: an empty URL cannot
    name a file). """
    video_url: str
    """ URL of the video to swap the face into (`minLength: 1` is this project's bound, not A2E's: an empty URL
    cannot name a file). """
    cover_url: str | Unset = UNSET
    """ Optional cover image URL. """
    model_version: CreateTaskRequestModelVersion | Unset = UNSET
    """ Model: v1 (default, video) or v2 (image only). """
    webhook_url: str | Unset = UNSET
    """ HTTPS URL notified once with task.completed or task.failed (best effort, single attempt; the detail
    operation stays the source of truth). Honoured for API-token callers only. The body of that call is not
    documented; the client assumes a JSON object that is the task record itself or wraps it as {event, data}, with
    the task id under _id, id or task_id (an assumption, not part of A2E's contract). """
    webhook_token: str | Unset = UNSET
    """ Sent back in the X-A2e-Webhook-Token header of the webhook call. Assumed to be the plaintext value given
    here, compared whole (no signature over the body is documented). """
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        name = self.name

        face_url = self.face_url

        video_url = self.video_url

        cover_url = self.cover_url

        model_version: str | Unset = UNSET
        if not isinstance(self.model_version, Unset):
            model_version = self.model_version.value

        webhook_url = self.webhook_url

        webhook_token = self.webhook_token

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "name": name,
                "face_url": face_url,
                "video_url": video_url,
            }
        )
        if cover_url is not UNSET:
            field_dict["cover_url"] = cover_url
        if model_version is not UNSET:
            field_dict["model_version"] = model_version
        if webhook_url is not UNSET:
            field_dict["webhook_url"] = webhook_url
        if webhook_token is not UNSET:
            field_dict["webhook_token"] = webhook_token

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        name = d.pop("name")

        face_url = d.pop("face_url")

        video_url = d.pop("video_url")

        cover_url = d.pop("cover_url", UNSET)

        _model_version = d.pop("model_version", UNSET)
        model_version: CreateTaskRequestModelVersion | Unset
        if isinstance(_model_version, Unset):
            model_version = UNSET
        else:
            model_version = CreateTaskRequestModelVersion(_model_version)

        webhook_url = d.pop("webhook_url", UNSET)

        webhook_token = d.pop("webhook_token", UNSET)

        create_task_request = cls(
            name=name,
            face_url=face_url,
            video_url=video_url,
            cover_url=cover_url,
            model_version=model_version,
            webhook_url=webhook_url,
            webhook_token=webhook_token,
        )

        create_task_request.additional_properties = d
        return create_task_request

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
