from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.profile_meta_patch_properties_append_type_0 import (
        ProfileMetaPatchPropertiesAppendType0,
    )
    from ..models.profile_meta_patch_properties_unappend_type_0 import (
        ProfileMetaPatchPropertiesUnappendType0,
    )


T = TypeVar("T", bound="ProfileMetaPatchProperties")


@_attrs_define
class ProfileMetaPatchProperties:
    """Operations on custom properties that leave the other properties alone.

    Attributes:
        append (None | ProfileMetaPatchPropertiesAppendType0 | Unset): Values to add to list-valued properties, by
            property name.
        unappend (None | ProfileMetaPatchPropertiesUnappendType0 | Unset): Values to remove from list-valued properties,
            by property name.
        unset (list[str] | None | str | Unset): The name, or names, of properties to remove.
    """

    append: None | ProfileMetaPatchPropertiesAppendType0 | Unset = UNSET
    unappend: None | ProfileMetaPatchPropertiesUnappendType0 | Unset = UNSET
    unset: list[str] | None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.profile_meta_patch_properties_append_type_0 import (
            ProfileMetaPatchPropertiesAppendType0,  # noqa: PLC0415
        )
        from ..models.profile_meta_patch_properties_unappend_type_0 import (
            ProfileMetaPatchPropertiesUnappendType0,  # noqa: PLC0415
        )

        append: dict[str, Any] | None | Unset
        if isinstance(self.append, Unset):
            append = UNSET
        elif isinstance(self.append, ProfileMetaPatchPropertiesAppendType0):
            append = self.append.to_dict()
        else:
            append = self.append

        unappend: dict[str, Any] | None | Unset
        if isinstance(self.unappend, Unset):
            unappend = UNSET
        elif isinstance(self.unappend, ProfileMetaPatchPropertiesUnappendType0):
            unappend = self.unappend.to_dict()
        else:
            unappend = self.unappend

        unset: list[str] | None | str | Unset
        if isinstance(self.unset, Unset):
            unset = UNSET
        elif isinstance(self.unset, list):
            unset = self.unset

        else:
            unset = self.unset

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if append is not UNSET:
            field_dict["append"] = append
        if unappend is not UNSET:
            field_dict["unappend"] = unappend
        if unset is not UNSET:
            field_dict["unset"] = unset

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.profile_meta_patch_properties_append_type_0 import (
            ProfileMetaPatchPropertiesAppendType0,  # noqa: PLC0415
        )
        from ..models.profile_meta_patch_properties_unappend_type_0 import (
            ProfileMetaPatchPropertiesUnappendType0,  # noqa: PLC0415
        )

        d = dict(src_dict)

        def _parse_append(data: object) -> None | ProfileMetaPatchPropertiesAppendType0 | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                append_type_0 = ProfileMetaPatchPropertiesAppendType0.from_dict(data)

                return append_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | ProfileMetaPatchPropertiesAppendType0 | Unset, data)

        append = _parse_append(d.pop("append", UNSET))

        def _parse_unappend(data: object) -> None | ProfileMetaPatchPropertiesUnappendType0 | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                unappend_type_0 = ProfileMetaPatchPropertiesUnappendType0.from_dict(data)

                return unappend_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | ProfileMetaPatchPropertiesUnappendType0 | Unset, data)

        unappend = _parse_unappend(d.pop("unappend", UNSET))

        def _parse_unset(data: object) -> list[str] | None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                unset_type_1 = cast(list[str], data)

                return unset_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[str] | None | str | Unset, data)

        unset = _parse_unset(d.pop("unset", UNSET))

        profile_meta_patch_properties = cls(
            append=append,
            unappend=unappend,
            unset=unset,
        )

        profile_meta_patch_properties.additional_properties = d
        return profile_meta_patch_properties

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
