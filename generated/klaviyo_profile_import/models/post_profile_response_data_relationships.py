from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.post_profile_response_data_relationships_lists import (
        PostProfileResponseDataRelationshipsLists,
    )
    from ..models.post_profile_response_data_relationships_push_tokens import (
        PostProfileResponseDataRelationshipsPushTokens,
    )
    from ..models.post_profile_response_data_relationships_segments import (
        PostProfileResponseDataRelationshipsSegments,
    )


T = TypeVar("T", bound="PostProfileResponseDataRelationships")


@_attrs_define
class PostProfileResponseDataRelationships:
    """Lists, segments and push tokens linked to the profile.

    Attributes:
        lists (None | PostProfileResponseDataRelationshipsLists | Unset):
        segments (None | PostProfileResponseDataRelationshipsSegments | Unset):
        push_tokens (None | PostProfileResponseDataRelationshipsPushTokens | Unset):
    """

    lists: None | PostProfileResponseDataRelationshipsLists | Unset = UNSET
    segments: None | PostProfileResponseDataRelationshipsSegments | Unset = UNSET
    push_tokens: None | PostProfileResponseDataRelationshipsPushTokens | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.post_profile_response_data_relationships_lists import (
            PostProfileResponseDataRelationshipsLists,  # noqa: PLC0415
        )
        from ..models.post_profile_response_data_relationships_push_tokens import (
            PostProfileResponseDataRelationshipsPushTokens,  # noqa: PLC0415
        )
        from ..models.post_profile_response_data_relationships_segments import (
            PostProfileResponseDataRelationshipsSegments,  # noqa: PLC0415
        )

        lists: dict[str, Any] | None | Unset
        if isinstance(self.lists, Unset):
            lists = UNSET
        elif isinstance(self.lists, PostProfileResponseDataRelationshipsLists):
            lists = self.lists.to_dict()
        else:
            lists = self.lists

        segments: dict[str, Any] | None | Unset
        if isinstance(self.segments, Unset):
            segments = UNSET
        elif isinstance(self.segments, PostProfileResponseDataRelationshipsSegments):
            segments = self.segments.to_dict()
        else:
            segments = self.segments

        push_tokens: dict[str, Any] | None | Unset
        if isinstance(self.push_tokens, Unset):
            push_tokens = UNSET
        elif isinstance(self.push_tokens, PostProfileResponseDataRelationshipsPushTokens):
            push_tokens = self.push_tokens.to_dict()
        else:
            push_tokens = self.push_tokens

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if lists is not UNSET:
            field_dict["lists"] = lists
        if segments is not UNSET:
            field_dict["segments"] = segments
        if push_tokens is not UNSET:
            field_dict["push-tokens"] = push_tokens

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.post_profile_response_data_relationships_lists import (
            PostProfileResponseDataRelationshipsLists,  # noqa: PLC0415
        )
        from ..models.post_profile_response_data_relationships_push_tokens import (
            PostProfileResponseDataRelationshipsPushTokens,  # noqa: PLC0415
        )
        from ..models.post_profile_response_data_relationships_segments import (
            PostProfileResponseDataRelationshipsSegments,  # noqa: PLC0415
        )

        d = dict(src_dict)

        def _parse_lists(data: object) -> None | PostProfileResponseDataRelationshipsLists | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                lists_type_0 = PostProfileResponseDataRelationshipsLists.from_dict(data)

                return lists_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | PostProfileResponseDataRelationshipsLists | Unset, data)

        lists = _parse_lists(d.pop("lists", UNSET))

        def _parse_segments(
            data: object,
        ) -> None | PostProfileResponseDataRelationshipsSegments | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                segments_type_0 = PostProfileResponseDataRelationshipsSegments.from_dict(data)

                return segments_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | PostProfileResponseDataRelationshipsSegments | Unset, data)

        segments = _parse_segments(d.pop("segments", UNSET))

        def _parse_push_tokens(
            data: object,
        ) -> None | PostProfileResponseDataRelationshipsPushTokens | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                push_tokens_type_0 = PostProfileResponseDataRelationshipsPushTokens.from_dict(data)

                return push_tokens_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | PostProfileResponseDataRelationshipsPushTokens | Unset, data)

        push_tokens = _parse_push_tokens(d.pop("push-tokens", UNSET))

        post_profile_response_data_relationships = cls(
            lists=lists,
            segments=segments,
            push_tokens=push_tokens,
        )

        post_profile_response_data_relationships.additional_properties = d
        return post_profile_response_data_relationships

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
