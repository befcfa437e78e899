from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="RemainingCoins")


@_attrs_define
class RemainingCoins:
    """The caller's balance as third-party code reads it (doc page 13; no A2E page documents it)."""

    coins: float
    """ Remaining credits ("coins" is A2E's own word for them). An integer in the only body shown (1293) and for
    every client that reads it; typed `number` so that a fractional balance still parses (the facade rounds it
    down). No bound is stated, so none is set. """
    diamonds: float | None | Unset = UNSET
    """ A second balance third-party clients read beside the coins; what it pays for is not documented. Optional:
    the bare-number reading of `data` has none. """
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        coins = self.coins

        diamonds: float | None | Unset
        if isinstance(self.diamonds, Unset):
            diamonds = UNSET
        else:
            diamonds = self.diamonds

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "coins": coins,
            }
        )
        if diamonds is not UNSET:
            field_dict["diamonds"] = diamonds

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        coins = d.pop("coins")

        def _parse_diamonds(data: object) -> float | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(float | None | Unset, data)

        diamonds = _parse_diamonds(d.pop("diamonds", UNSET))

        remaining_coins = cls(
            coins=coins,
            diamonds=diamonds,
        )

        remaining_coins.additional_properties = d
        return remaining_coins

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
