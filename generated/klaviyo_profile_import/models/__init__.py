"""Contains all the data models used in inputs/outputs.

Each model's module is imported on first use of its name (a module ``__getattr__``), so that
importing one model, or the package, does not import all of them.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .agent_hints import AgentHints
    from .client_error_errors_item import ClientErrorErrorsItem
    from .client_error_errors_item_source import ClientErrorErrorsItemSource
    from .create_or_update_profile_additional_fieldsprofile_item import (
        CreateOrUpdateProfileAdditionalFieldsprofileItem,
    )
    from .create_or_update_profile_fieldsprofile_item import CreateOrUpdateProfileFieldsprofileItem
    from .create_or_update_profile_response_4xx import CreateOrUpdateProfileResponse4XX
    from .create_or_update_profile_response_5xx import CreateOrUpdateProfileResponse5XX
    from .email_channel import EmailChannel
    from .email_marketing import EmailMarketing
    from .email_marketing_list_suppression import EmailMarketingListSuppression
    from .email_marketing_suppression import EmailMarketingSuppression
    from .email_marketing_suppression_reason import EmailMarketingSuppressionReason
    from .list_enum import ListEnum
    from .object_links import ObjectLinks
    from .open_tracking_consent import OpenTrackingConsent
    from .open_tracking_consent_metadata_type_0 import OpenTrackingConsentMetadataType0
    from .patch_identifiers import PatchIdentifiers
    from .patch_identifiers_append import PatchIdentifiersAppend
    from .patch_identifiers_unappend import PatchIdentifiersUnappend
    from .post_profile_response import PostProfileResponse
    from .post_profile_response_data import PostProfileResponseData
    from .post_profile_response_data_attributes import PostProfileResponseDataAttributes
    from .post_profile_response_data_attributes_properties_type_0 import (
        PostProfileResponseDataAttributesPropertiesType0,
    )
    from .post_profile_response_data_relationships import PostProfileResponseDataRelationships
    from .post_profile_response_data_relationships_lists import (
        PostProfileResponseDataRelationshipsLists,
    )
    from .post_profile_response_data_relationships_lists_data_item import (
        PostProfileResponseDataRelationshipsListsDataItem,
    )
    from .post_profile_response_data_relationships_push_tokens import (
        PostProfileResponseDataRelationshipsPushTokens,
    )
    from .post_profile_response_data_relationships_push_tokens_data_item import (
        PostProfileResponseDataRelationshipsPushTokensDataItem,
    )
    from .post_profile_response_data_relationships_segments import (
        PostProfileResponseDataRelationshipsSegments,
    )
    from .post_profile_response_data_relationships_segments_data_item import (
        PostProfileResponseDataRelationshipsSegmentsDataItem,
    )
    from .predictive_analytics import PredictiveAnalytics
    from .predictive_analytics_ranked_channel_affinity_type_0_item import (
        PredictiveAnalyticsRankedChannelAffinityType0Item,
    )
    from .profile_enum import ProfileEnum
    from .profile_location import ProfileLocation
    from .profile_meta import ProfileMeta
    from .profile_meta_patch_properties import ProfileMetaPatchProperties
    from .profile_meta_patch_properties_append_type_0 import ProfileMetaPatchPropertiesAppendType0
    from .profile_meta_patch_properties_unappend_type_0 import (
        ProfileMetaPatchPropertiesUnappendType0,
    )
    from .profile_upsert_query import ProfileUpsertQuery
    from .profile_upsert_query_resource_object import ProfileUpsertQueryResourceObject
    from .profile_upsert_query_resource_object_attributes import (
        ProfileUpsertQueryResourceObjectAttributes,
    )
    from .profile_upsert_query_resource_object_attributes_properties_type_0 import (
        ProfileUpsertQueryResourceObjectAttributesPropertiesType0,
    )
    from .push_channel import PushChannel
    from .push_marketing import PushMarketing
    from .push_token_enum import PushTokenEnum
    from .relationship_links import RelationshipLinks
    from .response_meta import ResponseMeta
    from .segment_enum import SegmentEnum
    from .server_error_errors_item import ServerErrorErrorsItem
    from .server_error_errors_item_source import ServerErrorErrorsItemSource
    from .sms_channel import SMSChannel
    from .sms_marketing import SMSMarketing
    from .sms_transactional import SMSTransactional
    from .subscriptions import Subscriptions
    from .whatsapp_channel import WhatsappChannel
    from .whatsapp_conversational_channel import WhatsappConversationalChannel
    from .whatsapp_conversational_channel_metadata_type_0 import (
        WhatsappConversationalChannelMetadataType0,
    )
    from .whatsapp_marketing_channel import WhatsappMarketingChannel
    from .whatsapp_marketing_channel_metadata_type_0 import WhatsappMarketingChannelMetadataType0
    from .whatsapp_transactional_channel import WhatsappTransactionalChannel
    from .whatsapp_transactional_channel_metadata_type_0 import (
        WhatsappTransactionalChannelMetadataType0,
    )

# Each public name and the module that defines it.
_MODULES = {
    "AgentHints": ".agent_hints",
    "ClientErrorErrorsItem": ".client_error_errors_item",
    "ClientErrorErrorsItemSource": ".client_error_errors_item_source",
    "CreateOrUpdateProfileAdditionalFieldsprofileItem": ".create_or_update_profile_additional_fieldsprofile_item",
    "CreateOrUpdateProfileFieldsprofileItem": ".create_or_update_profile_fieldsprofile_item",
    "CreateOrUpdateProfileResponse4XX": ".create_or_update_profile_response_4xx",
    "CreateOrUpdateProfileResponse5XX": ".create_or_update_profile_response_5xx",
    "EmailChannel": ".email_channel",
    "EmailMarketing": ".email_marketing",
    "EmailMarketingListSuppression": ".email_marketing_list_suppression",
    "EmailMarketingSuppression": ".email_marketing_suppression",
    "EmailMarketingSuppressionReason": ".email_marketing_suppression_reason",
    "ListEnum": ".list_enum",
    "ObjectLinks": ".object_links",
    "OpenTrackingConsent": ".open_tracking_consent",
    "OpenTrackingConsentMetadataType0": ".open_tracking_consent_metadata_type_0",
    "PatchIdentifiers": ".patch_identifiers",
    "PatchIdentifiersAppend": ".patch_identifiers_append",
    "PatchIdentifiersUnappend": ".patch_identifiers_unappend",
    "PostProfileResponse": ".post_profile_response",
    "PostProfileResponseData": ".post_profile_response_data",
    "PostProfileResponseDataAttributes": ".post_profile_response_data_attributes",
    "PostProfileResponseDataAttributesPropertiesType0": ".post_profile_response_data_attributes_properties_type_0",
    "PostProfileResponseDataRelationships": ".post_profile_response_data_relationships",
    "PostProfileResponseDataRelationshipsLists": ".post_profile_response_data_relationships_lists",
    "PostProfileResponseDataRelationshipsListsDataItem": ".post_profile_response_data_relationships_lists_data_item",
    "PostProfileResponseDataRelationshipsPushTokens": ".post_profile_response_data_relationships_push_tokens",
    "PostProfileResponseDataRelationshipsPushTokensDataItem": ".post_profile_response_data_relationships_push_tokens_data_item",
    "PostProfileResponseDataRelationshipsSegments": ".post_profile_response_data_relationships_segments",
    "PostProfileResponseDataRelationshipsSegmentsDataItem": ".post_profile_response_data_relationships_segments_data_item",
    "PredictiveAnalytics": ".predictive_analytics",
    "PredictiveAnalyticsRankedChannelAffinityType0Item": ".predictive_analytics_ranked_channel_affinity_type_0_item",
    "ProfileEnum": ".profile_enum",
    "ProfileLocation": ".profile_location",
    "ProfileMeta": ".profile_meta",
    "ProfileMetaPatchProperties": ".profile_meta_patch_properties",
    "ProfileMetaPatchPropertiesAppendType0": ".profile_meta_patch_properties_append_type_0",
    "ProfileMetaPatchPropertiesUnappendType0": ".profile_meta_patch_properties_unappend_type_0",
    "ProfileUpsertQuery": ".profile_upsert_query",
    "ProfileUpsertQueryResourceObject": ".profile_upsert_query_resource_object",
    "ProfileUpsertQueryResourceObjectAttributes": ".profile_upsert_query_resource_object_attributes",
    "ProfileUpsertQueryResourceObjectAttributesPropertiesType0": ".profile_upsert_query_resource_object_attributes_properties_type_0",
    "PushChannel": ".push_channel",
    "PushMarketing": ".push_marketing",
    "PushTokenEnum": ".push_token_enum",
    "RelationshipLinks": ".relationship_links",
    "ResponseMeta": ".response_meta",
    "SegmentEnum": ".segment_enum",
    "ServerErrorErrorsItem": ".server_error_errors_item",
    "ServerErrorErrorsItemSource": ".server_error_errors_item_source",
    "SMSChannel": ".sms_channel",
    "SMSMarketing": ".sms_marketing",
    "SMSTransactional": ".sms_transactional",
    "Subscriptions": ".subscriptions",
    "WhatsappChannel": ".whatsapp_channel",
    "WhatsappConversationalChannel": ".whatsapp_conversational_channel",
    "WhatsappConversationalChannelMetadataType0": ".whatsapp_conversational_channel_metadata_type_0",
    "WhatsappMarketingChannel": ".whatsapp_marketing_channel",
    "WhatsappMarketingChannelMetadataType0": ".whatsapp_marketing_channel_metadata_type_0",
    "WhatsappTransactionalChannel": ".whatsapp_transactional_channel",
    "WhatsappTransactionalChannelMetadataType0": ".whatsapp_transactional_channel_metadata_type_0",
}


def __getattr__(name: str) -> Any:
    module = _MODULES.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_MODULES})


__all__ = (
    "AgentHints",
    "ClientErrorErrorsItem",
    "ClientErrorErrorsItemSource",
    "CreateOrUpdateProfileAdditionalFieldsprofileItem",
    "CreateOrUpdateProfileFieldsprofileItem",
    "CreateOrUpdateProfileResponse4XX",
    "CreateOrUpdateProfileResponse5XX",
    "EmailChannel",
    "EmailMarketing",
    "EmailMarketingListSuppression",
    "EmailMarketingSuppression",
    "EmailMarketingSuppressionReason",
    "ListEnum",
    "ObjectLinks",
    "OpenTrackingConsent",
    "OpenTrackingConsentMetadataType0",
    "PatchIdentifiers",
    "PatchIdentifiersAppend",
    "PatchIdentifiersUnappend",
    "PostProfileResponse",
    "PostProfileResponseData",
    "PostProfileResponseDataAttributes",
    "PostProfileResponseDataAttributesPropertiesType0",
    "PostProfileResponseDataRelationships",
    "PostProfileResponseDataRelationshipsLists",
    "PostProfileResponseDataRelationshipsListsDataItem",
    "PostProfileResponseDataRelationshipsPushTokens",
    "PostProfileResponseDataRelationshipsPushTokensDataItem",
    "PostProfileResponseDataRelationshipsSegments",
    "PostProfileResponseDataRelationshipsSegmentsDataItem",
    "PredictiveAnalytics",
    "PredictiveAnalyticsRankedChannelAffinityType0Item",
    "ProfileEnum",
    "ProfileLocation",
    "ProfileMeta",
    "ProfileMetaPatchProperties",
    "ProfileMetaPatchPropertiesAppendType0",
    "ProfileMetaPatchPropertiesUnappendType0",
    "ProfileUpsertQuery",
    "ProfileUpsertQueryResourceObject",
    "ProfileUpsertQueryResourceObjectAttributes",
    "ProfileUpsertQueryResourceObjectAttributesPropertiesType0",
    "PushChannel",
    "PushMarketing",
    "PushTokenEnum",
    "RelationshipLinks",
    "ResponseMeta",
    "SegmentEnum",
    "ServerErrorErrorsItem",
    "ServerErrorErrorsItemSource",
    "SMSChannel",
    "SMSMarketing",
    "SMSTransactional",
    "Subscriptions",
    "WhatsappChannel",
    "WhatsappConversationalChannel",
    "WhatsappConversationalChannelMetadataType0",
    "WhatsappMarketingChannel",
    "WhatsappMarketingChannelMetadataType0",
    "WhatsappTransactionalChannel",
    "WhatsappTransactionalChannelMetadataType0",
)
