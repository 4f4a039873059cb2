from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.list_response_object_resource_attributes_opt_in_process import (
    ListResponseObjectResourceAttributesOptInProcess,
)
from ..types import UNSET, Unset

T = TypeVar("T", bound="ListResponseObjectResourceAttributes")


@_attrs_define
class ListResponseObjectResourceAttributes:
    """The list's own attributes.

    Attributes:
        name (None | str | Unset): The list's name.
        created (datetime.datetime | None | Unset): When the list was created.
        updated (datetime.datetime | None | Unset): When the list last changed.
        opt_in_process (ListResponseObjectResourceAttributesOptInProcess | Unset): Whether joining the list needs a
            confirmation.
    """

    name: None | str | Unset = UNSET
    created: datetime.datetime | None | Unset = UNSET
    updated: datetime.datetime | None | Unset = UNSET
    opt_in_process: ListResponseObjectResourceAttributesOptInProcess | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        name: None | str | Unset
        if isinstance(self.name, Unset):
            name = UNSET
        else:
            name = self.name

        created: None | str | Unset
        if isinstance(self.created, Unset):
            created = UNSET
        elif isinstance(self.created, datetime.datetime):
            created = self.created.isoformat()
        else:
            created = self.created

        updated: None | str | Unset
        if isinstance(self.updated, Unset):
            updated = UNSET
        elif isinstance(self.updated, datetime.datetime):
            updated = self.updated.isoformat()
        else:
            updated = self.updated

        opt_in_process: str | Unset = UNSET
        if not isinstance(self.opt_in_process, Unset):
            opt_in_process = self.opt_in_process.value

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if name is not UNSET:
            field_dict["name"] = name
        if created is not UNSET:
            field_dict["created"] = created
        if updated is not UNSET:
            field_dict["updated"] = updated
        if opt_in_process is not UNSET:
            field_dict["opt_in_process"] = opt_in_process

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)

        def _parse_name(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        name = _parse_name(d.pop("name", UNSET))

        def _parse_created(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                created_type_0 = datetime.datetime.fromisoformat(data)

                return created_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        created = _parse_created(d.pop("created", UNSET))

        def _parse_updated(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                updated_type_0 = datetime.datetime.fromisoformat(data)

                return updated_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        updated = _parse_updated(d.pop("updated", UNSET))

        _opt_in_process = d.pop("opt_in_process", UNSET)
        opt_in_process: ListResponseObjectResourceAttributesOptInProcess | Unset
        if isinstance(_opt_in_process, Unset):
            opt_in_process = UNSET
        else:
            opt_in_process = ListResponseObjectResourceAttributesOptInProcess(_opt_in_process)

        list_response_object_resource_attributes = cls(
            name=name,
            created=created,
            updated=updated,
            opt_in_process=opt_in_process,
        )

        list_response_object_resource_attributes.additional_properties = d
        return list_response_object_resource_attributes

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
