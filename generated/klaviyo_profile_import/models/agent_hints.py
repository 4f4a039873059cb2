from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="AgentHints")


@_attrs_define
class AgentHints:
    """Hints the server offers about useful follow-up calls.

    Attributes:
        next_steps (list[str] | None | Unset): Suggested next calls, as free text.
    """

    next_steps: list[str] | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        next_steps: list[str] | None | Unset
        if isinstance(self.next_steps, Unset):
            next_steps = UNSET
        elif isinstance(self.next_steps, list):
            next_steps = self.next_steps

        else:
            next_steps = self.next_steps

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if next_steps is not UNSET:
            field_dict["next_steps"] = next_steps

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)

        def _parse_next_steps(data: object) -> list[str] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                next_steps_type_0 = cast(list[str], data)

                return next_steps_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[str] | None | Unset, data)

        next_steps = _parse_next_steps(d.pop("next_steps", UNSET))

        agent_hints = cls(
            next_steps=next_steps,
        )

        agent_hints.additional_properties = d
        return agent_hints

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
