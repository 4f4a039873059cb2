from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.push_marketing import PushMarketing


T = TypeVar("T", bound="PushChannel")


@_attrs_define
class PushChannel:
    """Consent state of the profile for mobile push.

    Attributes:
        marketing (None | PushMarketing | Unset): Consent to receive marketing push notifications.
    """

    marketing: None | PushMarketing | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.push_marketing import PushMarketing  # noqa: PLC0415

        marketing: dict[str, Any] | None | Unset
        if isinstance(self.marketing, Unset):
            marketing = UNSET
        elif isinstance(self.marketing, PushMarketing):
            marketing = self.marketing.to_dict()
        else:
            marketing = self.marketing

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if marketing is not UNSET:
            field_dict["marketing"] = marketing

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.push_marketing import PushMarketing  # noqa: PLC0415

        d = dict(src_dict)

        def _parse_marketing(data: object) -> None | PushMarketing | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                marketing_type_0 = PushMarketing.from_dict(data)

                return marketing_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | PushMarketing | Unset, data)

        marketing = _parse_marketing(d.pop("marketing", UNSET))

        push_channel = cls(
            marketing=marketing,
        )

        push_channel.additional_properties = d
        return push_channel

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
