from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.email_marketing_list_suppression import EmailMarketingListSuppression
    from ..models.email_marketing_suppression import EmailMarketingSuppression


T = TypeVar("T", bound="EmailMarketing")


@_attrs_define
class EmailMarketing:
    """Email marketing consent of a profile.

    Attributes:
        can_receive_email_marketing (bool | None | Unset): True when marketing email may be sent to this profile now.
        consent (None | str | Unset): The consent state, such as SUBSCRIBED or NEVER_SUBSCRIBED.
        consent_timestamp (datetime.datetime | None | Unset): When consent was last given or withdrawn.
        last_updated (datetime.datetime | None | Unset): When any part of this consent record last changed.
        method (None | str | Unset): How consent was collected.
        method_detail (None | str | Unset): More about how consent was collected. Default: ''.
        custom_method_detail (None | str | Unset): A free-form note about how consent was collected.
        double_optin (bool | None | Unset): Whether the profile confirmed the subscription a second time.
        suppression (list[EmailMarketingSuppression] | None | Unset): Reasons the profile is suppressed from all email.
        list_suppressions (list[EmailMarketingListSuppression] | None | Unset): Suppressions that apply to one list
            only.
    """

    can_receive_email_marketing: bool | None | Unset = UNSET
    consent: None | str | Unset = UNSET
    consent_timestamp: datetime.datetime | None | Unset = UNSET
    last_updated: datetime.datetime | None | Unset = UNSET
    method: None | str | Unset = UNSET
    method_detail: None | str | Unset = ""
    custom_method_detail: None | str | Unset = UNSET
    double_optin: bool | None | Unset = UNSET
    suppression: list[EmailMarketingSuppression] | None | Unset = UNSET
    list_suppressions: list[EmailMarketingListSuppression] | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        can_receive_email_marketing: bool | None | Unset
        if isinstance(self.can_receive_email_marketing, Unset):
            can_receive_email_marketing = UNSET
        else:
            can_receive_email_marketing = self.can_receive_email_marketing

        consent: None | str | Unset
        if isinstance(self.consent, Unset):
            consent = UNSET
        else:
            consent = self.consent

        consent_timestamp: None | str | Unset
        if isinstance(self.consent_timestamp, Unset):
            consent_timestamp = UNSET
        elif isinstance(self.consent_timestamp, datetime.datetime):
            consent_timestamp = self.consent_timestamp.isoformat()
        else:
            consent_timestamp = self.consent_timestamp

        last_updated: None | str | Unset
        if isinstance(self.last_updated, Unset):
            last_updated = UNSET
        elif isinstance(self.last_updated, datetime.datetime):
            last_updated = self.last_updated.isoformat()
        else:
            last_updated = self.last_updated

        method: None | str | Unset
        if isinstance(self.method, Unset):
            method = UNSET
        else:
            method = self.method

        method_detail: None | str | Unset
        if isinstance(self.method_detail, Unset):
            method_detail = UNSET
        else:
            method_detail = self.method_detail

        custom_method_detail: None | str | Unset
        if isinstance(self.custom_method_detail, Unset):
            custom_method_detail = UNSET
        else:
            custom_method_detail = self.custom_method_detail

        double_optin: bool | None | Unset
        if isinstance(self.double_optin, Unset):
            double_optin = UNSET
        else:
            double_optin = self.double_optin

        suppression: list[dict[str, Any]] | None | Unset
        if isinstance(self.suppression, Unset):
            suppression = UNSET
        elif isinstance(self.suppression, list):
            suppression = []
            for suppression_type_0_item_data in self.suppression:
                suppression_type_0_item = suppression_type_0_item_data.to_dict()
                suppression.append(suppression_type_0_item)

        else:
            suppression = self.suppression

        list_suppressions: list[dict[str, Any]] | None | Unset
        if isinstance(self.list_suppressions, Unset):
            list_suppressions = UNSET
        elif isinstance(self.list_suppressions, list):
            list_suppressions = []
            for list_suppressions_type_0_item_data in self.list_suppressions:
                list_suppressions_type_0_item = list_suppressions_type_0_item_data.to_dict()
                list_suppressions.append(list_suppressions_type_0_item)

        else:
            list_suppressions = self.list_suppressions

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if can_receive_email_marketing is not UNSET:
            field_dict["can_receive_email_marketing"] = can_receive_email_marketing
        if consent is not UNSET:
            field_dict["consent"] = consent
        if consent_timestamp is not UNSET:
            field_dict["consent_timestamp"] = consent_timestamp
        if last_updated is not UNSET:
            field_dict["last_updated"] = last_updated
        if method is not UNSET:
            field_dict["method"] = method
        if method_detail is not UNSET:
            field_dict["method_detail"] = method_detail
        if custom_method_detail is not UNSET:
            field_dict["custom_method_detail"] = custom_method_detail
        if double_optin is not UNSET:
            field_dict["double_optin"] = double_optin
        if suppression is not UNSET:
            field_dict["suppression"] = suppression
        if list_suppressions is not UNSET:
            field_dict["list_suppressions"] = list_suppressions

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.email_marketing_list_suppression import EmailMarketingListSuppression  # noqa: PLC0415
        from ..models.email_marketing_suppression import EmailMarketingSuppression  # noqa: PLC0415

        d = dict(src_dict)

        def _parse_can_receive_email_marketing(data: object) -> bool | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(bool | None | Unset, data)

        can_receive_email_marketing = _parse_can_receive_email_marketing(
            d.pop("can_receive_email_marketing", UNSET)
        )

        def _parse_consent(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        consent = _parse_consent(d.pop("consent", UNSET))

        def _parse_consent_timestamp(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                consent_timestamp_type_0 = datetime.datetime.fromisoformat(data)

                return consent_timestamp_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        consent_timestamp = _parse_consent_timestamp(d.pop("consent_timestamp", UNSET))

        def _parse_last_updated(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                last_updated_type_0 = datetime.datetime.fromisoformat(data)

                return last_updated_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        last_updated = _parse_last_updated(d.pop("last_updated", UNSET))

        def _parse_method(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        method = _parse_method(d.pop("method", UNSET))

        def _parse_method_detail(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        method_detail = _parse_method_detail(d.pop("method_detail", UNSET))

        def _parse_custom_method_detail(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        custom_method_detail = _parse_custom_method_detail(d.pop("custom_method_detail", UNSET))

        def _parse_double_optin(data: object) -> bool | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(bool | None | Unset, data)

        double_optin = _parse_double_optin(d.pop("double_optin", UNSET))

        def _parse_suppression(data: object) -> list[EmailMarketingSuppression] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                suppression_type_0 = []
                _suppression_type_0 = data
                for suppression_type_0_item_data in _suppression_type_0:
                    suppression_type_0_item = EmailMarketingSuppression.from_dict(
                        suppression_type_0_item_data
                    )

                    suppression_type_0.append(suppression_type_0_item)

                return suppression_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[EmailMarketingSuppression] | None | Unset, data)

        suppression = _parse_suppression(d.pop("suppression", UNSET))

        def _parse_list_suppressions(
            data: object,
        ) -> list[EmailMarketingListSuppression] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                list_suppressions_type_0 = []
                _list_suppressions_type_0 = data
                for list_suppressions_type_0_item_data in _list_suppressions_type_0:
                    list_suppressions_type_0_item = EmailMarketingListSuppression.from_dict(
                        list_suppressions_type_0_item_data
                    )

                    list_suppressions_type_0.append(list_suppressions_type_0_item)

                return list_suppressions_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[EmailMarketingListSuppression] | None | Unset, data)

        list_suppressions = _parse_list_suppressions(d.pop("list_suppressions", UNSET))

        email_marketing = cls(
            can_receive_email_marketing=can_receive_email_marketing,
            consent=consent,
            consent_timestamp=consent_timestamp,
            last_updated=last_updated,
            method=method,
            method_detail=method_detail,
            custom_method_detail=custom_method_detail,
            double_optin=double_optin,
            suppression=suppression,
            list_suppressions=list_suppressions,
        )

        email_marketing.additional_properties = d
        return email_marketing

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
