from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.list_response_object_resource import ListResponseObjectResource
    from ..models.object_links import ObjectLinks
    from ..models.profile_import_job_response_object_resource import (
        ProfileImportJobResponseObjectResource,
    )
    from ..models.response_meta import ResponseMeta


T = TypeVar("T", bound="GetProfileImportJobResponseCompoundDocument")


@_attrs_define
class GetProfileImportJobResponseCompoundDocument:
    """Response body of Get Bulk Profile Import Job.

    Attributes:
        data (None | ProfileImportJobResponseObjectResource | Unset): The job.
        included (list[ListResponseObjectResource] | None | Unset): Lists of the job, when include asks for them.
        links (None | ObjectLinks | Unset):
        meta (None | ResponseMeta | Unset):
    """

    data: None | ProfileImportJobResponseObjectResource | Unset = UNSET
    included: list[ListResponseObjectResource] | None | Unset = UNSET
    links: None | ObjectLinks | Unset = UNSET
    meta: None | ResponseMeta | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.object_links import ObjectLinks  # noqa: PLC0415
        from ..models.profile_import_job_response_object_resource import (
            ProfileImportJobResponseObjectResource,  # noqa: PLC0415
        )
        from ..models.response_meta import ResponseMeta  # noqa: PLC0415

        data: dict[str, Any] | None | Unset
        if isinstance(self.data, Unset):
            data = UNSET
        elif isinstance(self.data, ProfileImportJobResponseObjectResource):
            data = self.data.to_dict()
        else:
            data = self.data

        included: list[dict[str, Any]] | None | Unset
        if isinstance(self.included, Unset):
            included = UNSET
        elif isinstance(self.included, list):
            included = []
            for included_type_0_item_data in self.included:
                included_type_0_item = included_type_0_item_data.to_dict()
                included.append(included_type_0_item)

        else:
            included = self.included

        links: dict[str, Any] | None | Unset
        if isinstance(self.links, Unset):
            links = UNSET
        elif isinstance(self.links, ObjectLinks):
            links = self.links.to_dict()
        else:
            links = self.links

        meta: dict[str, Any] | None | Unset
        if isinstance(self.meta, Unset):
            meta = UNSET
        elif isinstance(self.meta, ResponseMeta):
            meta = self.meta.to_dict()
        else:
            meta = self.meta

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if data is not UNSET:
            field_dict["data"] = data
        if included is not UNSET:
            field_dict["included"] = included
        if links is not UNSET:
            field_dict["links"] = links
        if meta is not UNSET:
            field_dict["meta"] = meta

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.list_response_object_resource import ListResponseObjectResource  # noqa: PLC0415
        from ..models.object_links import ObjectLinks  # noqa: PLC0415
        from ..models.profile_import_job_response_object_resource import (
            ProfileImportJobResponseObjectResource,  # noqa: PLC0415
        )
        from ..models.response_meta import ResponseMeta  # noqa: PLC0415

        d = dict(src_dict)

        def _parse_data(data: object) -> None | ProfileImportJobResponseObjectResource | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                data_type_0 = ProfileImportJobResponseObjectResource.from_dict(data)

                return data_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | ProfileImportJobResponseObjectResource | Unset, data)

        data = _parse_data(d.pop("data", UNSET))

        def _parse_included(data: object) -> list[ListResponseObjectResource] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                included_type_0 = []
                _included_type_0 = data
                for included_type_0_item_data in _included_type_0:
                    included_type_0_item = ListResponseObjectResource.from_dict(
                        included_type_0_item_data
                    )

                    included_type_0.append(included_type_0_item)

                return included_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[ListResponseObjectResource] | None | Unset, data)

        included = _parse_included(d.pop("included", UNSET))

        def _parse_links(data: object) -> None | ObjectLinks | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                links_type_0 = ObjectLinks.from_dict(data)

                return links_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | ObjectLinks | Unset, data)

        links = _parse_links(d.pop("links", UNSET))

        def _parse_meta(data: object) -> None | ResponseMeta | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                meta_type_0 = ResponseMeta.from_dict(data)

                return meta_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | ResponseMeta | Unset, data)

        meta = _parse_meta(d.pop("meta", UNSET))

        get_profile_import_job_response_compound_document = cls(
            data=data,
            included=included,
            links=links,
            meta=meta,
        )

        get_profile_import_job_response_compound_document.additional_properties = d
        return get_profile_import_job_response_compound_document

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
