from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.quote_request_request_body import QuoteRequestRequestBody


T = TypeVar("T", bound="QuoteRequest")


@_attrs_define
class QuoteRequest:
    """Body of quote_generation (the reference's current form; the legacy body is left out)."""

    endpoint: str
    """ Path of the generation route to price, e.g. /api/v1/userFaceSwapTask/add; a leading `POST ` is accepted but
    optional (reference). `minLength: 1` is this project's bound: an empty path names no route. """
    request_body: QuoteRequestRequestBody
    """ The exact JSON body meant for that route (for face swap, a create_task body). Only its pricing fields are
    read; which fields price a face swap is not documented. """
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        endpoint = self.endpoint

        request_body = self.request_body.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "endpoint": endpoint,
                "requestBody": request_body,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.quote_request_request_body import QuoteRequestRequestBody

        d = dict(src_dict)
        endpoint = d.pop("endpoint")

        request_body = QuoteRequestRequestBody.from_dict(d.pop("requestBody"))

        quote_request = cls(
            endpoint=endpoint,
            request_body=request_body,
        )

        quote_request.additional_properties = d
        return quote_request

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
