from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.patch_identifiers import PatchIdentifiers
    from ..models.profile_meta_patch_properties import ProfileMetaPatchProperties


T = TypeVar("T", bound="ProfileMeta")


@_attrs_define
class ProfileMeta:
    """Instructions that change parts of a profile instead of replacing them.

    Attributes:
        patch_properties (None | ProfileMetaPatchProperties | Unset): Operations on single custom properties.
        patch_identifiers (None | PatchIdentifiers | Unset): Operations on single identifier values.
    """

    patch_properties: None | ProfileMetaPatchProperties | Unset = UNSET
    patch_identifiers: None | PatchIdentifiers | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.patch_identifiers import PatchIdentifiers  # noqa: PLC0415
        from ..models.profile_meta_patch_properties import ProfileMetaPatchProperties  # noqa: PLC0415

        patch_properties: dict[str, Any] | None | Unset
        if isinstance(self.patch_properties, Unset):
            patch_properties = UNSET
        elif isinstance(self.patch_properties, ProfileMetaPatchProperties):
            patch_properties = self.patch_properties.to_dict()
        else:
            patch_properties = self.patch_properties

        patch_identifiers: dict[str, Any] | None | Unset
        if isinstance(self.patch_identifiers, Unset):
            patch_identifiers = UNSET
        elif isinstance(self.patch_identifiers, PatchIdentifiers):
            patch_identifiers = self.patch_identifiers.to_dict()
        else:
            patch_identifiers = self.patch_identifiers

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if patch_properties is not UNSET:
            field_dict["patch_properties"] = patch_properties
        if patch_identifiers is not UNSET:
            field_dict["patch_identifiers"] = patch_identifiers

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.patch_identifiers import PatchIdentifiers  # noqa: PLC0415
        from ..models.profile_meta_patch_properties import ProfileMetaPatchProperties  # noqa: PLC0415

        d = dict(src_dict)

        def _parse_patch_properties(data: object) -> None | ProfileMetaPatchProperties | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                patch_properties_type_0 = ProfileMetaPatchProperties.from_dict(data)

                return patch_properties_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | ProfileMetaPatchProperties | Unset, data)

        patch_properties = _parse_patch_properties(d.pop("patch_properties", UNSET))

        def _parse_patch_identifiers(data: object) -> None | PatchIdentifiers | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                patch_identifiers_type_0 = PatchIdentifiers.from_dict(data)

                return patch_identifiers_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | PatchIdentifiers | Unset, data)

        patch_identifiers = _parse_patch_identifiers(d.pop("patch_identifiers", UNSET))

        profile_meta = cls(
            patch_properties=patch_properties,
            patch_identifiers=patch_identifiers,
        )

        profile_meta.additional_properties = d
        return profile_meta

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
