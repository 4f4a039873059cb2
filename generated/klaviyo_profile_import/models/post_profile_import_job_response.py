from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.object_links import ObjectLinks
    from ..models.post_profile_import_job_response_data import PostProfileImportJobResponseData
    from ..models.response_meta import ResponseMeta


T = TypeVar("T", bound="PostProfileImportJobResponse")


@_attrs_define
class PostProfileImportJobResponse:
    """Response body of Start a bulk profile import job.

    Attributes:
        data (None | PostProfileImportJobResponseData | Unset):
        links (None | ObjectLinks | Unset):
        meta (None | ResponseMeta | Unset):
    """

    data: None | PostProfileImportJobResponseData | Unset = UNSET
    links: None | ObjectLinks | Unset = UNSET
    meta: None | ResponseMeta | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.object_links import ObjectLinks  # noqa: PLC0415
        from ..models.post_profile_import_job_response_data import PostProfileImportJobResponseData  # noqa: PLC0415
        from ..models.response_meta import ResponseMeta  # noqa: PLC0415

        data: dict[str, Any] | None | Unset
        if isinstance(self.data, Unset):
            data = UNSET
        elif isinstance(self.data, PostProfileImportJobResponseData):
            data = self.data.to_dict()
        else:
            data = self.data

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
        if links is not UNSET:
            field_dict["links"] = links
        if meta is not UNSET:
            field_dict["meta"] = meta

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.object_links import ObjectLinks  # noqa: PLC0415
        from ..models.post_profile_import_job_response_data import PostProfileImportJobResponseData  # noqa: PLC0415
        from ..models.response_meta import ResponseMeta  # noqa: PLC0415

        d = dict(src_dict)

        def _parse_data(data: object) -> None | PostProfileImportJobResponseData | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                data_type_0 = PostProfileImportJobResponseData.from_dict(data)

                return data_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | PostProfileImportJobResponseData | Unset, data)

        data = _parse_data(d.pop("data", UNSET))

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

        post_profile_import_job_response = cls(
            data=data,
            links=links,
            meta=meta,
        )

        post_profile_import_job_response.additional_properties = d
        return post_profile_import_job_response

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
