from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.collection_links import CollectionLinks
    from ..models.import_error_response_object_resource import ImportErrorResponseObjectResource
    from ..models.response_meta import ResponseMeta


T = TypeVar("T", bound="GetImportErrorResponseCollection")


@_attrs_define
class GetImportErrorResponseCollection:
    """Response body of a page of import errors.

    Attributes:
        data (list[ImportErrorResponseObjectResource] | None | Unset): The errors on this page.
        links (CollectionLinks | None | Unset): Links to this page and to its neighbours.
        meta (None | ResponseMeta | Unset):
    """

    data: list[ImportErrorResponseObjectResource] | None | Unset = UNSET
    links: CollectionLinks | None | Unset = UNSET
    meta: None | ResponseMeta | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.collection_links import CollectionLinks  # noqa: PLC0415
        from ..models.response_meta import ResponseMeta  # noqa: PLC0415

        data: list[dict[str, Any]] | None | Unset
        if isinstance(self.data, Unset):
            data = UNSET
        elif isinstance(self.data, list):
            data = []
            for data_type_0_item_data in self.data:
                data_type_0_item = data_type_0_item_data.to_dict()
                data.append(data_type_0_item)

        else:
            data = self.data

        links: dict[str, Any] | None | Unset
        if isinstance(self.links, Unset):
            links = UNSET
        elif isinstance(self.links, CollectionLinks):
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
        from ..models.collection_links import CollectionLinks  # noqa: PLC0415
        from ..models.import_error_response_object_resource import ImportErrorResponseObjectResource  # noqa: PLC0415
        from ..models.response_meta import ResponseMeta  # noqa: PLC0415

        d = dict(src_dict)

        def _parse_data(data: object) -> list[ImportErrorResponseObjectResource] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                data_type_0 = []
                _data_type_0 = data
                for data_type_0_item_data in _data_type_0:
                    data_type_0_item = ImportErrorResponseObjectResource.from_dict(
                        data_type_0_item_data
                    )

                    data_type_0.append(data_type_0_item)

                return data_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[ImportErrorResponseObjectResource] | None | Unset, data)

        data = _parse_data(d.pop("data", UNSET))

        def _parse_links(data: object) -> CollectionLinks | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                links_type_0 = CollectionLinks.from_dict(data)

                return links_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(CollectionLinks | None | Unset, data)

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

        get_import_error_response_collection = cls(
            data=data,
            links=links,
            meta=meta,
        )

        get_import_error_response_collection.additional_properties = d
        return get_import_error_response_collection

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
