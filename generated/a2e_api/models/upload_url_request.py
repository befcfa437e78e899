from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="UploadUrlRequest")


@_attrs_define
class UploadUrlRequest:
    key: str
    """ Object key (file name) wanted for the upload (`minLength: 1` is this project's bound: the reference requires
    the key but states no length). """
    bucket: str | Unset = UNSET
    """ R2 bucket; A2E defaults to 3days-apac. """
    url_prefix: str | Unset = UNSET
    """ Leading object-key path; A2E defaults to adam2eve. """
    cdn_domain: str | Unset = UNSET
    """ CDN domain suffix without scheme or path. """
    expires_in: int | Unset = UNSET
    """ Seconds the upload URL stays valid (the reference's minimum is 60). """
    content_type: str | Unset = UNSET
    """ MIME type bound to the upload. """
    file_size: float | Unset = UNSET
    """ File size in bytes; binds Content-Length (`minimum: 0` is this project's bound: a size cannot be negative;
    the reference states none). """
    content_length: float | Unset = UNSET
    """ Content-Length in bytes; takes priority over fileSize (`minimum: 0` as for fileSize, this project's bound).
    """
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        key = self.key

        bucket = self.bucket

        url_prefix = self.url_prefix

        cdn_domain = self.cdn_domain

        expires_in = self.expires_in

        content_type = self.content_type

        file_size = self.file_size

        content_length = self.content_length

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "key": key,
            }
        )
        if bucket is not UNSET:
            field_dict["bucket"] = bucket
        if url_prefix is not UNSET:
            field_dict["urlPrefix"] = url_prefix
        if cdn_domain is not UNSET:
            field_dict["cdnDomain"] = cdn_domain
        if expires_in is not UNSET:
            field_dict["expiresIn"] = expires_in
        if content_type is not UNSET:
            field_dict["contentType"] = content_type
        if file_size is not UNSET:
            field_dict["fileSize"] = file_size
        if content_length is not UNSET:
            field_dict["contentLength"] = content_length

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        key = d.pop("key")

        bucket = d.pop("bucket", UNSET)

        url_prefix = d.pop("urlPrefix", UNSET)

        cdn_domain = d.pop("cdnDomain", UNSET)

        expires_in = d.pop("expiresIn", UNSET)

        content_type = d.pop("contentType", UNSET)

        file_size = d.pop("fileSize", UNSET)

        content_length = d.pop("contentLength", UNSET)

        upload_url_request = cls(
            key=key,
            bucket=bucket,
            url_prefix=url_prefix,
            cdn_domain=cdn_domain,
            expires_in=expires_in,
            content_type=content_type,
            file_size=file_size,
            content_length=content_length,
        )

        upload_url_request.additional_properties = d
        return upload_url_request

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
