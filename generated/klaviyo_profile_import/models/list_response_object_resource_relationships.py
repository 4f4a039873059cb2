from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.list_response_object_resource_relationships_flow_triggers import (
        ListResponseObjectResourceRelationshipsFlowTriggers,
    )
    from ..models.list_response_object_resource_relationships_profiles import (
        ListResponseObjectResourceRelationshipsProfiles,
    )
    from ..models.list_response_object_resource_relationships_tags import (
        ListResponseObjectResourceRelationshipsTags,
    )


T = TypeVar("T", bound="ListResponseObjectResourceRelationships")


@_attrs_define
class ListResponseObjectResourceRelationships:
    """Resources linked to the list.

    Attributes:
        profiles (ListResponseObjectResourceRelationshipsProfiles | None | Unset):
        tags (ListResponseObjectResourceRelationshipsTags | None | Unset):
        flow_triggers (ListResponseObjectResourceRelationshipsFlowTriggers | None | Unset):
    """

    profiles: ListResponseObjectResourceRelationshipsProfiles | None | Unset = UNSET
    tags: ListResponseObjectResourceRelationshipsTags | None | Unset = UNSET
    flow_triggers: ListResponseObjectResourceRelationshipsFlowTriggers | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.list_response_object_resource_relationships_flow_triggers import (
            ListResponseObjectResourceRelationshipsFlowTriggers,  # noqa: PLC0415
        )
        from ..models.list_response_object_resource_relationships_profiles import (
            ListResponseObjectResourceRelationshipsProfiles,  # noqa: PLC0415
        )
        from ..models.list_response_object_resource_relationships_tags import (
            ListResponseObjectResourceRelationshipsTags,  # noqa: PLC0415
        )

        profiles: dict[str, Any] | None | Unset
        if isinstance(self.profiles, Unset):
            profiles = UNSET
        elif isinstance(self.profiles, ListResponseObjectResourceRelationshipsProfiles):
            profiles = self.profiles.to_dict()
        else:
            profiles = self.profiles

        tags: dict[str, Any] | None | Unset
        if isinstance(self.tags, Unset):
            tags = UNSET
        elif isinstance(self.tags, ListResponseObjectResourceRelationshipsTags):
            tags = self.tags.to_dict()
        else:
            tags = self.tags

        flow_triggers: dict[str, Any] | None | Unset
        if isinstance(self.flow_triggers, Unset):
            flow_triggers = UNSET
        elif isinstance(self.flow_triggers, ListResponseObjectResourceRelationshipsFlowTriggers):
            flow_triggers = self.flow_triggers.to_dict()
        else:
            flow_triggers = self.flow_triggers

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if profiles is not UNSET:
            field_dict["profiles"] = profiles
        if tags is not UNSET:
            field_dict["tags"] = tags
        if flow_triggers is not UNSET:
            field_dict["flow-triggers"] = flow_triggers

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.list_response_object_resource_relationships_flow_triggers import (
            ListResponseObjectResourceRelationshipsFlowTriggers,  # noqa: PLC0415
        )
        from ..models.list_response_object_resource_relationships_profiles import (
            ListResponseObjectResourceRelationshipsProfiles,  # noqa: PLC0415
        )
        from ..models.list_response_object_resource_relationships_tags import (
            ListResponseObjectResourceRelationshipsTags,  # noqa: PLC0415
        )

        d = dict(src_dict)

        def _parse_profiles(
            data: object,
        ) -> ListResponseObjectResourceRelationshipsProfiles | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                profiles_type_0 = ListResponseObjectResourceRelationshipsProfiles.from_dict(data)

                return profiles_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(ListResponseObjectResourceRelationshipsProfiles | None | Unset, data)

        profiles = _parse_profiles(d.pop("profiles", UNSET))

        def _parse_tags(data: object) -> ListResponseObjectResourceRelationshipsTags | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                tags_type_0 = ListResponseObjectResourceRelationshipsTags.from_dict(data)

                return tags_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(ListResponseObjectResourceRelationshipsTags | None | Unset, data)

        tags = _parse_tags(d.pop("tags", UNSET))

        def _parse_flow_triggers(
            data: object,
        ) -> ListResponseObjectResourceRelationshipsFlowTriggers | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                flow_triggers_type_0 = (
                    ListResponseObjectResourceRelationshipsFlowTriggers.from_dict(data)
                )

                return flow_triggers_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(ListResponseObjectResourceRelationshipsFlowTriggers | None | Unset, data)

        flow_triggers = _parse_flow_triggers(d.pop("flow-triggers", UNSET))

        list_response_object_resource_relationships = cls(
            profiles=profiles,
            tags=tags,
            flow_triggers=flow_triggers,
        )

        list_response_object_resource_relationships.additional_properties = d
        return list_response_object_resource_relationships

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
