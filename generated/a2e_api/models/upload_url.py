from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="UploadUrl")


@_attrs_define
class UploadUrl:
    """Answer of create_upload_url. The reference names only `cdnUrl`; third-party clients read `uploadUrl`, `key`,
    `expiresIn`, `bucket` and, in one case, `publicUrl`. Decision: `uploadUrl` is required (without it nothing can be
    uploaded); the rest is optional, and a client lacking `cdnUrl` may fall back to `publicUrl`, then to `uploadUrl`
    without its query string.

    """

    upload_url: str
    """ Pre-signed URL to PUT the bytes to. """
    cdn_url: str | Unset = UNSET
    """ Public URL of the file once the PUT succeeded. """
    public_url: str | Unset = UNSET
    """ Older name of the public URL seen in third-party code. """
    key: str | Unset = UNSET
    """ Object key, scoped to {urlPrefix}/{env}/user/{user_id}/. """
    bucket: str | Unset = UNSET
    """ R2 bucket the file goes to. """
    expires_in: int | Unset = UNSET
    """ Seconds the upload URL stays valid. """
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        upload_url = self.upload_url

        cdn_url = self.cdn_url

        public_url = self.public_url

        key = self.key

        bucket = self.bucket

        expires_in = self.expires_in

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "uploadUrl": upload_url,
            }
        )
        if cdn_url is not UNSET:
            field_dict["cdnUrl"] = cdn_url
        if public_url is not UNSET:
            field_dict["publicUrl"] = public_url
        if key is not UNSET:
            field_dict["key"] = key
        if bucket is not UNSET:
            field_dict["bucket"] = bucket
        if expires_in is not UNSET:
            field_dict["expiresIn"] = expires_in

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        upload_url = d.pop("uploadUrl")

        cdn_url = d.pop("cdnUrl", UNSET)

        public_url = d.pop("publicUrl", UNSET)

        key = d.pop("key", UNSET)

        bucket = d.pop("bucket", UNSET)

        expires_in = d.pop("expiresIn", UNSET)

        upload_url = cls(
            upload_url=upload_url,
            cdn_url=cdn_url,
            public_url=public_url,
            key=key,
            bucket=bucket,
            expires_in=expires_in,
        )

        upload_url.additional_properties = d
        return upload_url

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
