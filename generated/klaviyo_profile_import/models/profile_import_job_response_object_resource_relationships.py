from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.profile_import_job_response_object_resource_relationships_import_errors import (
        ProfileImportJobResponseObjectResourceRelationshipsImportErrors,
    )
    from ..models.profile_import_job_response_object_resource_relationships_lists import (
        ProfileImportJobResponseObjectResourceRelationshipsLists,
    )
    from ..models.profile_import_job_response_object_resource_relationships_profiles import (
        ProfileImportJobResponseObjectResourceRelationshipsProfiles,
    )


T = TypeVar("T", bound="ProfileImportJobResponseObjectResourceRelationships")


@_attrs_define
class ProfileImportJobResponseObjectResourceRelationships:
    """Resources linked to the job.

    Attributes:
        lists (None | ProfileImportJobResponseObjectResourceRelationshipsLists | Unset):
        profiles (None | ProfileImportJobResponseObjectResourceRelationshipsProfiles | Unset):
        import_errors (None | ProfileImportJobResponseObjectResourceRelationshipsImportErrors | Unset):
    """

    lists: None | ProfileImportJobResponseObjectResourceRelationshipsLists | Unset = UNSET
    profiles: None | ProfileImportJobResponseObjectResourceRelationshipsProfiles | Unset = UNSET
    import_errors: (
        None | ProfileImportJobResponseObjectResourceRelationshipsImportErrors | Unset
    ) = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.profile_import_job_response_object_resource_relationships_import_errors import (
            ProfileImportJobResponseObjectResourceRelationshipsImportErrors,  # noqa: PLC0415
        )
        from ..models.profile_import_job_response_object_resource_relationships_lists import (
            ProfileImportJobResponseObjectResourceRelationshipsLists,  # noqa: PLC0415
        )
        from ..models.profile_import_job_response_object_resource_relationships_profiles import (
            ProfileImportJobResponseObjectResourceRelationshipsProfiles,  # noqa: PLC0415
        )

        lists: dict[str, Any] | None | Unset
        if isinstance(self.lists, Unset):
            lists = UNSET
        elif isinstance(self.lists, ProfileImportJobResponseObjectResourceRelationshipsLists):
            lists = self.lists.to_dict()
        else:
            lists = self.lists

        profiles: dict[str, Any] | None | Unset
        if isinstance(self.profiles, Unset):
            profiles = UNSET
        elif isinstance(self.profiles, ProfileImportJobResponseObjectResourceRelationshipsProfiles):
            profiles = self.profiles.to_dict()
        else:
            profiles = self.profiles

        import_errors: dict[str, Any] | None | Unset
        if isinstance(self.import_errors, Unset):
            import_errors = UNSET
        elif isinstance(
            self.import_errors, ProfileImportJobResponseObjectResourceRelationshipsImportErrors
        ):
            import_errors = self.import_errors.to_dict()
        else:
            import_errors = self.import_errors

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if lists is not UNSET:
            field_dict["lists"] = lists
        if profiles is not UNSET:
            field_dict["profiles"] = profiles
        if import_errors is not UNSET:
            field_dict["import-errors"] = import_errors

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.profile_import_job_response_object_resource_relationships_import_errors import (
            ProfileImportJobResponseObjectResourceRelationshipsImportErrors,  # noqa: PLC0415
        )
        from ..models.profile_import_job_response_object_resource_relationships_lists import (
            ProfileImportJobResponseObjectResourceRelationshipsLists,  # noqa: PLC0415
        )
        from ..models.profile_import_job_response_object_resource_relationships_profiles import (
            ProfileImportJobResponseObjectResourceRelationshipsProfiles,  # noqa: PLC0415
        )

        d = dict(src_dict)

        def _parse_lists(
            data: object,
        ) -> None | ProfileImportJobResponseObjectResourceRelationshipsLists | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                lists_type_0 = ProfileImportJobResponseObjectResourceRelationshipsLists.from_dict(
                    data
                )

                return lists_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(
                None | ProfileImportJobResponseObjectResourceRelationshipsLists | Unset, data
            )

        lists = _parse_lists(d.pop("lists", UNSET))

        def _parse_profiles(
            data: object,
        ) -> None | ProfileImportJobResponseObjectResourceRelationshipsProfiles | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                profiles_type_0 = (
                    ProfileImportJobResponseObjectResourceRelationshipsProfiles.from_dict(data)
                )

                return profiles_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(
                None | ProfileImportJobResponseObjectResourceRelationshipsProfiles | Unset, data
            )

        profiles = _parse_profiles(d.pop("profiles", UNSET))

        def _parse_import_errors(
            data: object,
        ) -> None | ProfileImportJobResponseObjectResourceRelationshipsImportErrors | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                import_errors_type_0 = (
                    ProfileImportJobResponseObjectResourceRelationshipsImportErrors.from_dict(data)
                )

                return import_errors_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(
                None | ProfileImportJobResponseObjectResourceRelationshipsImportErrors | Unset, data
            )

        import_errors = _parse_import_errors(d.pop("import-errors", UNSET))

        profile_import_job_response_object_resource_relationships = cls(
            lists=lists,
            profiles=profiles,
            import_errors=import_errors,
        )

        profile_import_job_response_object_resource_relationships.additional_properties = d
        return profile_import_job_response_object_resource_relationships

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
