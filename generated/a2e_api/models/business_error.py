from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="BusinessError")


@_attrs_define
class BusinessError:
    """An error answer under HTTP 200, the other alternative of every 200 response. A2E reports many errors this way rather
    than with an HTTP status: the envelope's `code` is non-zero (the codes this project reads as "busy", 429 and 503;
    the moderation codes 1003 and 1004; any code A2E has not documented), `msg` or `message` says why, and `data` is
    usually absent or null. Without this alternative the contract would only describe the success envelope under 200,
    and a generated parser would fail on such answers instead of reading them. Decision: a separate schema from
    ErrorResponse (which stays the 4xx/5xx answer) whose `code` is at least 1, so that with the success envelopes'
    `code: const 0` the two alternatives of a 200 are disjoint (`oneOf`) and a parser can tell them apart by `code`
    alone.

    """

    code: int
    """ A2E's error code; never 0 (0 is the success envelope). Written `minimum: 1` rather than `not: {const: 0}`:
    generators that ignore `not` (openapi-generator, datamodel-code-generator) would otherwise find a success body
    matching both alternatives. Every code A2E or a third-party client has shown is positive (429, 503, 1003, 1004);
    a negative code is outside the contract (inference). Which codes may be retried is the client's reading, not
    A2E's documentation (see the facade's codes module). """
    msg: None | str | Unset = UNSET
    """ Error or status message (one of the two names A2E uses). """
    message: None | str | Unset = UNSET
    """ Error or status message (the other name A2E uses). """
    trace_id: None | str | Unset = UNSET
    """ Request trace id, present on A2E's newer answers; quote it when reporting a problem. """
    data: Any | Unset = UNSET
    """ Usually absent or null on errors; any value is accepted. """
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        code = self.code

        msg: None | str | Unset
        if isinstance(self.msg, Unset):
            msg = UNSET
        else:
            msg = self.msg

        message: None | str | Unset
        if isinstance(self.message, Unset):
            message = UNSET
        else:
            message = self.message

        trace_id: None | str | Unset
        if isinstance(self.trace_id, Unset):
            trace_id = UNSET
        else:
            trace_id = self.trace_id

        data = self.data

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "code": code,
            }
        )
        if msg is not UNSET:
            field_dict["msg"] = msg
        if message is not UNSET:
            field_dict["message"] = message
        if trace_id is not UNSET:
            field_dict["trace_id"] = trace_id
        if data is not UNSET:
            field_dict["data"] = data

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        code = d.pop("code")

        def _parse_msg(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        msg = _parse_msg(d.pop("msg", UNSET))

        def _parse_message(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        message = _parse_message(d.pop("message", UNSET))

        def _parse_trace_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        trace_id = _parse_trace_id(d.pop("trace_id", UNSET))

        data = d.pop("data", UNSET)

        business_error = cls(
            code=code,
            msg=msg,
            message=message,
            trace_id=trace_id,
            data=data,
        )

        business_error.additional_properties = d
        return business_error

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
