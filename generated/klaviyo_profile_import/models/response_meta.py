from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.agent_hints import AgentHints


T = TypeVar("T", bound="ResponseMeta")


@_attrs_define
class ResponseMeta:
    """Metadata about a response document.

    Attributes:
        agent_hints (AgentHints | None | Unset): Hints about follow-up calls.
    """

    agent_hints: AgentHints | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.agent_hints import AgentHints  # noqa: PLC0415

        agent_hints: dict[str, Any] | None | Unset
        if isinstance(self.agent_hints, Unset):
            agent_hints = UNSET
        elif isinstance(self.agent_hints, AgentHints):
            agent_hints = self.agent_hints.to_dict()
        else:
            agent_hints = self.agent_hints

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if agent_hints is not UNSET:
            field_dict["agent_hints"] = agent_hints

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.agent_hints import AgentHints  # noqa: PLC0415

        d = dict(src_dict)

        def _parse_agent_hints(data: object) -> AgentHints | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                agent_hints_type_0 = AgentHints.from_dict(data)

                return agent_hints_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(AgentHints | None | Unset, data)

        agent_hints = _parse_agent_hints(d.pop("agent_hints", UNSET))

        response_meta = cls(
            agent_hints=agent_hints,
        )

        response_meta.additional_properties = d
        return response_meta

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
