from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.patch_identifiers_append import PatchIdentifiersAppend
    from ..models.patch_identifiers_unappend import PatchIdentifiersUnappend


T = TypeVar("T", bound="PatchIdentifiers")


@_attrs_define
class PatchIdentifiers:
    """Changes to the identifiers of a profile that add or remove single values.

    Attributes:
        append (PatchIdentifiersAppend | Unset): Identifier values to add to the profile.
        unappend (PatchIdentifiersUnappend | Unset): Identifier values to remove from the profile.
    """

    append: PatchIdentifiersAppend | Unset = UNSET
    unappend: PatchIdentifiersUnappend | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        append: dict[str, Any] | Unset = UNSET
        if not isinstance(self.append, Unset):
            append = self.append.to_dict()

        unappend: dict[str, Any] | Unset = UNSET
        if not isinstance(self.unappend, Unset):
            unappend = self.unappend.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if append is not UNSET:
            field_dict["append"] = append
        if unappend is not UNSET:
            field_dict["unappend"] = unappend

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.patch_identifiers_append import PatchIdentifiersAppend  # noqa: PLC0415
        from ..models.patch_identifiers_unappend import PatchIdentifiersUnappend  # noqa: PLC0415

        d = dict(src_dict)
        _append = d.pop("append", UNSET)
        append: PatchIdentifiersAppend | Unset
        if isinstance(_append, Unset):
            append = UNSET
        else:
            append = PatchIdentifiersAppend.from_dict(_append)

        _unappend = d.pop("unappend", UNSET)
        unappend: PatchIdentifiersUnappend | Unset
        if isinstance(_unappend, Unset):
            unappend = UNSET
        else:
            unappend = PatchIdentifiersUnappend.from_dict(_unappend)

        patch_identifiers = cls(
            append=append,
            unappend=unappend,
        )

        patch_identifiers.additional_properties = d
        return patch_identifiers

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
