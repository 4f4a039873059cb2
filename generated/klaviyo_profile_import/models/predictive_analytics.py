from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.predictive_analytics_ranked_channel_affinity_type_0_item import (
    PredictiveAnalyticsRankedChannelAffinityType0Item,
)
from ..types import UNSET, Unset

T = TypeVar("T", bound="PredictiveAnalytics")


@_attrs_define
class PredictiveAnalytics:
    """Klaviyo's predictions for a profile, computed from its order history.

    Attributes:
        historic_clv (float | None | Unset): Value of the orders placed so far.
        predicted_clv (float | None | Unset): Value of the orders expected over the next year.
        total_clv (float | None | Unset): Historic plus predicted value.
        historic_number_of_orders (float | None | Unset): Orders placed so far.
        predicted_number_of_orders (float | None | Unset): Orders expected over the next year.
        average_days_between_orders (float | None | Unset): Mean gap between orders, in days.
        average_order_value (float | None | Unset): Mean value of an order.
        churn_probability (float | None | Unset): Chance, between 0 and 1, that the customer does not order again.
        expected_date_of_next_order (datetime.datetime | None | Unset): When the next order is expected.
        ranked_channel_affinity (list[PredictiveAnalyticsRankedChannelAffinityType0Item] | None | Unset): Channels
            ordered from most to least engaging for this profile.
    """

    historic_clv: float | None | Unset = UNSET
    predicted_clv: float | None | Unset = UNSET
    total_clv: float | None | Unset = UNSET
    historic_number_of_orders: float | None | Unset = UNSET
    predicted_number_of_orders: float | None | Unset = UNSET
    average_days_between_orders: float | None | Unset = UNSET
    average_order_value: float | None | Unset = UNSET
    churn_probability: float | None | Unset = UNSET
    expected_date_of_next_order: datetime.datetime | None | Unset = UNSET
    ranked_channel_affinity: (
        list[PredictiveAnalyticsRankedChannelAffinityType0Item] | None | Unset
    ) = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        historic_clv: float | None | Unset
        if isinstance(self.historic_clv, Unset):
            historic_clv = UNSET
        else:
            historic_clv = self.historic_clv

        predicted_clv: float | None | Unset
        if isinstance(self.predicted_clv, Unset):
            predicted_clv = UNSET
        else:
            predicted_clv = self.predicted_clv

        total_clv: float | None | Unset
        if isinstance(self.total_clv, Unset):
            total_clv = UNSET
        else:
            total_clv = self.total_clv

        historic_number_of_orders: float | None | Unset
        if isinstance(self.historic_number_of_orders, Unset):
            historic_number_of_orders = UNSET
        else:
            historic_number_of_orders = self.historic_number_of_orders

        predicted_number_of_orders: float | None | Unset
        if isinstance(self.predicted_number_of_orders, Unset):
            predicted_number_of_orders = UNSET
        else:
            predicted_number_of_orders = self.predicted_number_of_orders

        average_days_between_orders: float | None | Unset
        if isinstance(self.average_days_between_orders, Unset):
            average_days_between_orders = UNSET
        else:
            average_days_between_orders = self.average_days_between_orders

        average_order_value: float | None | Unset
        if isinstance(self.average_order_value, Unset):
            average_order_value = UNSET
        else:
            average_order_value = self.average_order_value

        churn_probability: float | None | Unset
        if isinstance(self.churn_probability, Unset):
            churn_probability = UNSET
        else:
            churn_probability = self.churn_probability

        expected_date_of_next_order: None | str | Unset
        if isinstance(self.expected_date_of_next_order, Unset):
            expected_date_of_next_order = UNSET
        elif isinstance(self.expected_date_of_next_order, datetime.datetime):
            expected_date_of_next_order = self.expected_date_of_next_order.isoformat()
        else:
            expected_date_of_next_order = self.expected_date_of_next_order

        ranked_channel_affinity: list[str] | None | Unset
        if isinstance(self.ranked_channel_affinity, Unset):
            ranked_channel_affinity = UNSET
        elif isinstance(self.ranked_channel_affinity, list):
            ranked_channel_affinity = []
            for ranked_channel_affinity_type_0_item_data in self.ranked_channel_affinity:
                ranked_channel_affinity_type_0_item = ranked_channel_affinity_type_0_item_data.value
                ranked_channel_affinity.append(ranked_channel_affinity_type_0_item)

        else:
            ranked_channel_affinity = self.ranked_channel_affinity

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if historic_clv is not UNSET:
            field_dict["historic_clv"] = historic_clv
        if predicted_clv is not UNSET:
            field_dict["predicted_clv"] = predicted_clv
        if total_clv is not UNSET:
            field_dict["total_clv"] = total_clv
        if historic_number_of_orders is not UNSET:
            field_dict["historic_number_of_orders"] = historic_number_of_orders
        if predicted_number_of_orders is not UNSET:
            field_dict["predicted_number_of_orders"] = predicted_number_of_orders
        if average_days_between_orders is not UNSET:
            field_dict["average_days_between_orders"] = average_days_between_orders
        if average_order_value is not UNSET:
            field_dict["average_order_value"] = average_order_value
        if churn_probability is not UNSET:
            field_dict["churn_probability"] = churn_probability
        if expected_date_of_next_order is not UNSET:
            field_dict["expected_date_of_next_order"] = expected_date_of_next_order
        if ranked_channel_affinity is not UNSET:
            field_dict["ranked_channel_affinity"] = ranked_channel_affinity

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)

        def _parse_historic_clv(data: object) -> float | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(float | None | Unset, data)

        historic_clv = _parse_historic_clv(d.pop("historic_clv", UNSET))

        def _parse_predicted_clv(data: object) -> float | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(float | None | Unset, data)

        predicted_clv = _parse_predicted_clv(d.pop("predicted_clv", UNSET))

        def _parse_total_clv(data: object) -> float | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(float | None | Unset, data)

        total_clv = _parse_total_clv(d.pop("total_clv", UNSET))

        def _parse_historic_number_of_orders(data: object) -> float | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(float | None | Unset, data)

        historic_number_of_orders = _parse_historic_number_of_orders(
            d.pop("historic_number_of_orders", UNSET)
        )

        def _parse_predicted_number_of_orders(data: object) -> float | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(float | None | Unset, data)

        predicted_number_of_orders = _parse_predicted_number_of_orders(
            d.pop("predicted_number_of_orders", UNSET)
        )

        def _parse_average_days_between_orders(data: object) -> float | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(float | None | Unset, data)

        average_days_between_orders = _parse_average_days_between_orders(
            d.pop("average_days_between_orders", UNSET)
        )

        def _parse_average_order_value(data: object) -> float | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(float | None | Unset, data)

        average_order_value = _parse_average_order_value(d.pop("average_order_value", UNSET))

        def _parse_churn_probability(data: object) -> float | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(float | None | Unset, data)

        churn_probability = _parse_churn_probability(d.pop("churn_probability", UNSET))

        def _parse_expected_date_of_next_order(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                expected_date_of_next_order_type_0 = datetime.datetime.fromisoformat(data)

                return expected_date_of_next_order_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        expected_date_of_next_order = _parse_expected_date_of_next_order(
            d.pop("expected_date_of_next_order", UNSET)
        )

        def _parse_ranked_channel_affinity(
            data: object,
        ) -> list[PredictiveAnalyticsRankedChannelAffinityType0Item] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                ranked_channel_affinity_type_0 = []
                _ranked_channel_affinity_type_0 = data
                for ranked_channel_affinity_type_0_item_data in _ranked_channel_affinity_type_0:
                    ranked_channel_affinity_type_0_item = (
                        PredictiveAnalyticsRankedChannelAffinityType0Item(
                            ranked_channel_affinity_type_0_item_data
                        )
                    )

                    ranked_channel_affinity_type_0.append(ranked_channel_affinity_type_0_item)

                return ranked_channel_affinity_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(
                list[PredictiveAnalyticsRankedChannelAffinityType0Item] | None | Unset, data
            )

        ranked_channel_affinity = _parse_ranked_channel_affinity(
            d.pop("ranked_channel_affinity", UNSET)
        )

        predictive_analytics = cls(
            historic_clv=historic_clv,
            predicted_clv=predicted_clv,
            total_clv=total_clv,
            historic_number_of_orders=historic_number_of_orders,
            predicted_number_of_orders=predicted_number_of_orders,
            average_days_between_orders=average_days_between_orders,
            average_order_value=average_order_value,
            churn_probability=churn_probability,
            expected_date_of_next_order=expected_date_of_next_order,
            ranked_channel_affinity=ranked_channel_affinity,
        )

        predictive_analytics.additional_properties = d
        return predictive_analytics

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
