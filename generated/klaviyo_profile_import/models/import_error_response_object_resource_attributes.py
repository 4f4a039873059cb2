from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.error_source import ErrorSource
    from ..models.import_error_response_object_resource_attributes_original_payload_type_0 import (
        ImportErrorResponseObjectResourceAttributesOriginalPayloadType0,
    )


T = TypeVar("T", bound="ImportErrorResponseObjectResourceAttributes")


@_attrs_define
class ImportErrorResponseObjectResourceAttributes:
    """What went wrong, and for which profile.

    Attributes:
        code (None | str | Unset): Machine-readable kind of failure.
        title (None | str | Unset): Short summary of the failure.
        detail (None | str | Unset): Explanation of the failure for this profile.
        source (ErrorSource | None | Unset): Where in the job's request the failing profile is.
        original_payload (ImportErrorResponseObjectResourceAttributesOriginalPayloadType0 | None | Unset): The profile
            as it was sent, when kept.
    """

    code: None | str | Unset = UNSET
    title: None | str | Unset = UNSET
    detail: None | str | Unset = UNSET
    source: ErrorSource | None | Unset = UNSET
    original_payload: (
        ImportErrorResponseObjectResourceAttributesOriginalPayloadType0 | None | Unset
    ) = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.error_source import ErrorSource  # noqa: PLC0415
        from ..models.import_error_response_object_resource_attributes_original_payload_type_0 import (
            ImportErrorResponseObjectResourceAttributesOriginalPayloadType0,  # noqa: PLC0415
        )

        code: None | str | Unset
        if isinstance(self.code, Unset):
            code = UNSET
        else:
            code = self.code

        title: None | str | Unset
        if isinstance(self.title, Unset):
            title = UNSET
        else:
            title = self.title

        detail: None | str | Unset
        if isinstance(self.detail, Unset):
            detail = UNSET
        else:
            detail = self.detail

        source: dict[str, Any] | None | Unset
        if isinstance(self.source, Unset):
            source = UNSET
        elif isinstance(self.source, ErrorSource):
            source = self.source.to_dict()
        else:
            source = self.source

        original_payload: dict[str, Any] | None | Unset
        if isinstance(self.original_payload, Unset):
            original_payload = UNSET
        elif isinstance(
            self.original_payload, ImportErrorResponseObjectResourceAttributesOriginalPayloadType0
        ):
            original_payload = self.original_payload.to_dict()
        else:
            original_payload = self.original_payload

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if code is not UNSET:
            field_dict["code"] = code
        if title is not UNSET:
            field_dict["title"] = title
        if detail is not UNSET:
            field_dict["detail"] = detail
        if source is not UNSET:
            field_dict["source"] = source
        if original_payload is not UNSET:
            field_dict["original_payload"] = original_payload

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.error_source import ErrorSource  # noqa: PLC0415
        from ..models.import_error_response_object_resource_attributes_original_payload_type_0 import (
            ImportErrorResponseObjectResourceAttributesOriginalPayloadType0,  # noqa: PLC0415
        )

        d = dict(src_dict)

        def _parse_code(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        code = _parse_code(d.pop("code", UNSET))

        def _parse_title(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        title = _parse_title(d.pop("title", UNSET))

        def _parse_detail(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        detail = _parse_detail(d.pop("detail", UNSET))

        def _parse_source(data: object) -> ErrorSource | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                source_type_0 = ErrorSource.from_dict(data)

                return source_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(ErrorSource | None | Unset, data)

        source = _parse_source(d.pop("source", UNSET))

        def _parse_original_payload(
            data: object,
        ) -> ImportErrorResponseObjectResourceAttributesOriginalPayloadType0 | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                original_payload_type_0 = (
                    ImportErrorResponseObjectResourceAttributesOriginalPayloadType0.from_dict(data)
                )

                return original_payload_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(
                ImportErrorResponseObjectResourceAttributesOriginalPayloadType0 | None | Unset, data
            )

        original_payload = _parse_original_payload(d.pop("original_payload", UNSET))

        import_error_response_object_resource_attributes = cls(
            code=code,
            title=title,
            detail=detail,
            source=source,
            original_payload=original_payload,
        )

        import_error_response_object_resource_attributes.additional_properties = d
        return import_error_response_object_resource_attributes

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
