"""Contains all the data models used in inputs/outputs.

Each model's module is imported on first use of its name (a module ``__getattr__``), so that
importing one model, or the package, does not import all of them.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .agent_hints import AgentHints
    from .bulk_import_profiles_fieldsprofile_bulk_import_job_item import (
        BulkImportProfilesFieldsprofileBulkImportJobItem,
    )
    from .bulk_import_profiles_response_4xx import BulkImportProfilesResponse4XX
    from .bulk_import_profiles_response_5xx import BulkImportProfilesResponse5XX
    from .client_error_errors_item import ClientErrorErrorsItem
    from .client_error_errors_item_source import ClientErrorErrorsItemSource
    from .collection_links import CollectionLinks
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
    from .error_source import ErrorSource
    from .flow_enum import FlowEnum
    from .get_bulk_import_profiles_job_fieldslist_item import GetBulkImportProfilesJobFieldslistItem
    from .get_bulk_import_profiles_job_fieldsprofile_bulk_import_job_item import (
        GetBulkImportProfilesJobFieldsprofileBulkImportJobItem,
    )
    from .get_bulk_import_profiles_job_include_item import GetBulkImportProfilesJobIncludeItem
    from .get_bulk_import_profiles_job_response_4xx import GetBulkImportProfilesJobResponse4XX
    from .get_bulk_import_profiles_job_response_5xx import GetBulkImportProfilesJobResponse5XX
    from .get_errors_for_bulk_import_profiles_job_fieldsimport_error_item import (
        GetErrorsForBulkImportProfilesJobFieldsimportErrorItem,
    )
    from .get_errors_for_bulk_import_profiles_job_response_4xx import (
        GetErrorsForBulkImportProfilesJobResponse4XX,
    )
    from .get_errors_for_bulk_import_profiles_job_response_5xx import (
        GetErrorsForBulkImportProfilesJobResponse5XX,
    )
    from .get_import_error_response_collection import GetImportErrorResponseCollection
    from .get_profile_import_job_response_compound_document import (
        GetProfileImportJobResponseCompoundDocument,
    )
    from .import_error_enum import ImportErrorEnum
    from .import_error_response_object_resource import ImportErrorResponseObjectResource
    from .import_error_response_object_resource_attributes import (
        ImportErrorResponseObjectResourceAttributes,
    )
    from .import_error_response_object_resource_attributes_original_payload_type_0 import (
        ImportErrorResponseObjectResourceAttributesOriginalPayloadType0,
    )
    from .list_enum import ListEnum
    from .list_response_object_resource import ListResponseObjectResource
    from .list_response_object_resource_attributes import ListResponseObjectResourceAttributes
    from .list_response_object_resource_attributes_opt_in_process import (
        ListResponseObjectResourceAttributesOptInProcess,
    )
    from .list_response_object_resource_relationships import ListResponseObjectResourceRelationships
    from .list_response_object_resource_relationships_flow_triggers import (
        ListResponseObjectResourceRelationshipsFlowTriggers,
    )
    from .list_response_object_resource_relationships_flow_triggers_data_item import (
        ListResponseObjectResourceRelationshipsFlowTriggersDataItem,
    )
    from .list_response_object_resource_relationships_profiles import (
        ListResponseObjectResourceRelationshipsProfiles,
    )
    from .list_response_object_resource_relationships_profiles_data_item import (
        ListResponseObjectResourceRelationshipsProfilesDataItem,
    )
    from .list_response_object_resource_relationships_tags import (
        ListResponseObjectResourceRelationshipsTags,
    )
    from .list_response_object_resource_relationships_tags_data_item import (
        ListResponseObjectResourceRelationshipsTagsDataItem,
    )
    from .object_links import ObjectLinks
    from .only_related_links import OnlyRelatedLinks
    from .open_tracking_consent import OpenTrackingConsent
    from .open_tracking_consent_metadata_type_0 import OpenTrackingConsentMetadataType0
    from .patch_identifiers import PatchIdentifiers
    from .patch_identifiers_append import PatchIdentifiersAppend
    from .patch_identifiers_unappend import PatchIdentifiersUnappend
    from .post_profile_import_job_response import PostProfileImportJobResponse
    from .post_profile_import_job_response_data import PostProfileImportJobResponseData
    from .post_profile_import_job_response_data_attributes import (
        PostProfileImportJobResponseDataAttributes,
    )
    from .post_profile_import_job_response_data_attributes_status import (
        PostProfileImportJobResponseDataAttributesStatus,
    )
    from .post_profile_import_job_response_data_relationships import (
        PostProfileImportJobResponseDataRelationships,
    )
    from .post_profile_import_job_response_data_relationships_import_errors import (
        PostProfileImportJobResponseDataRelationshipsImportErrors,
    )
    from .post_profile_import_job_response_data_relationships_import_errors_data_item import (
        PostProfileImportJobResponseDataRelationshipsImportErrorsDataItem,
    )
    from .post_profile_import_job_response_data_relationships_lists import (
        PostProfileImportJobResponseDataRelationshipsLists,
    )
    from .post_profile_import_job_response_data_relationships_lists_data_item import (
        PostProfileImportJobResponseDataRelationshipsListsDataItem,
    )
    from .post_profile_import_job_response_data_relationships_profiles import (
        PostProfileImportJobResponseDataRelationshipsProfiles,
    )
    from .post_profile_import_job_response_data_relationships_profiles_data_item import (
        PostProfileImportJobResponseDataRelationshipsProfilesDataItem,
    )
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
    from .profile_bulk_import_job_enum import ProfileBulkImportJobEnum
    from .profile_enum import ProfileEnum
    from .profile_import_job_create_query import ProfileImportJobCreateQuery
    from .profile_import_job_create_query_resource_object import (
        ProfileImportJobCreateQueryResourceObject,
    )
    from .profile_import_job_create_query_resource_object_attributes import (
        ProfileImportJobCreateQueryResourceObjectAttributes,
    )
    from .profile_import_job_create_query_resource_object_attributes_profiles import (
        ProfileImportJobCreateQueryResourceObjectAttributesProfiles,
    )
    from .profile_import_job_create_query_resource_object_relationships import (
        ProfileImportJobCreateQueryResourceObjectRelationships,
    )
    from .profile_import_job_create_query_resource_object_relationships_lists import (
        ProfileImportJobCreateQueryResourceObjectRelationshipsLists,
    )
    from .profile_import_job_create_query_resource_object_relationships_lists_data_item import (
        ProfileImportJobCreateQueryResourceObjectRelationshipsListsDataItem,
    )
    from .profile_import_job_response_object_resource import ProfileImportJobResponseObjectResource
    from .profile_import_job_response_object_resource_attributes import (
        ProfileImportJobResponseObjectResourceAttributes,
    )
    from .profile_import_job_response_object_resource_attributes_status import (
        ProfileImportJobResponseObjectResourceAttributesStatus,
    )
    from .profile_import_job_response_object_resource_relationships import (
        ProfileImportJobResponseObjectResourceRelationships,
    )
    from .profile_import_job_response_object_resource_relationships_import_errors import (
        ProfileImportJobResponseObjectResourceRelationshipsImportErrors,
    )
    from .profile_import_job_response_object_resource_relationships_import_errors_data_item import (
        ProfileImportJobResponseObjectResourceRelationshipsImportErrorsDataItem,
    )
    from .profile_import_job_response_object_resource_relationships_lists import (
        ProfileImportJobResponseObjectResourceRelationshipsLists,
    )
    from .profile_import_job_response_object_resource_relationships_lists_data_item import (
        ProfileImportJobResponseObjectResourceRelationshipsListsDataItem,
    )
    from .profile_import_job_response_object_resource_relationships_profiles import (
        ProfileImportJobResponseObjectResourceRelationshipsProfiles,
    )
    from .profile_import_job_response_object_resource_relationships_profiles_data_item import (
        ProfileImportJobResponseObjectResourceRelationshipsProfilesDataItem,
    )
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
    from .tag_enum import TagEnum
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
    "BulkImportProfilesFieldsprofileBulkImportJobItem": ".bulk_import_profiles_fieldsprofile_bulk_import_job_item",
    "BulkImportProfilesResponse4XX": ".bulk_import_profiles_response_4xx",
    "BulkImportProfilesResponse5XX": ".bulk_import_profiles_response_5xx",
    "ClientErrorErrorsItem": ".client_error_errors_item",
    "ClientErrorErrorsItemSource": ".client_error_errors_item_source",
    "CollectionLinks": ".collection_links",
    "CreateOrUpdateProfileAdditionalFieldsprofileItem": ".create_or_update_profile_additional_fieldsprofile_item",
    "CreateOrUpdateProfileFieldsprofileItem": ".create_or_update_profile_fieldsprofile_item",
    "CreateOrUpdateProfileResponse4XX": ".create_or_update_profile_response_4xx",
    "CreateOrUpdateProfileResponse5XX": ".create_or_update_profile_response_5xx",
    "EmailChannel": ".email_channel",
    "EmailMarketing": ".email_marketing",
    "EmailMarketingListSuppression": ".email_marketing_list_suppression",
    "EmailMarketingSuppression": ".email_marketing_suppression",
    "EmailMarketingSuppressionReason": ".email_marketing_suppression_reason",
    "ErrorSource": ".error_source",
    "FlowEnum": ".flow_enum",
    "GetBulkImportProfilesJobFieldslistItem": ".get_bulk_import_profiles_job_fieldslist_item",
    "GetBulkImportProfilesJobFieldsprofileBulkImportJobItem": ".get_bulk_import_profiles_job_fieldsprofile_bulk_import_job_item",
    "GetBulkImportProfilesJobIncludeItem": ".get_bulk_import_profiles_job_include_item",
    "GetBulkImportProfilesJobResponse4XX": ".get_bulk_import_profiles_job_response_4xx",
    "GetBulkImportProfilesJobResponse5XX": ".get_bulk_import_profiles_job_response_5xx",
    "GetErrorsForBulkImportProfilesJobFieldsimportErrorItem": ".get_errors_for_bulk_import_profiles_job_fieldsimport_error_item",
    "GetErrorsForBulkImportProfilesJobResponse4XX": ".get_errors_for_bulk_import_profiles_job_response_4xx",
    "GetErrorsForBulkImportProfilesJobResponse5XX": ".get_errors_for_bulk_import_profiles_job_response_5xx",
    "GetImportErrorResponseCollection": ".get_import_error_response_collection",
    "GetProfileImportJobResponseCompoundDocument": ".get_profile_import_job_response_compound_document",
    "ImportErrorEnum": ".import_error_enum",
    "ImportErrorResponseObjectResource": ".import_error_response_object_resource",
    "ImportErrorResponseObjectResourceAttributes": ".import_error_response_object_resource_attributes",
    "ImportErrorResponseObjectResourceAttributesOriginalPayloadType0": ".import_error_response_object_resource_attributes_original_payload_type_0",
    "ListEnum": ".list_enum",
    "ListResponseObjectResource": ".list_response_object_resource",
    "ListResponseObjectResourceAttributes": ".list_response_object_resource_attributes",
    "ListResponseObjectResourceAttributesOptInProcess": ".list_response_object_resource_attributes_opt_in_process",
    "ListResponseObjectResourceRelationships": ".list_response_object_resource_relationships",
    "ListResponseObjectResourceRelationshipsFlowTriggers": ".list_response_object_resource_relationships_flow_triggers",
    "ListResponseObjectResourceRelationshipsFlowTriggersDataItem": ".list_response_object_resource_relationships_flow_triggers_data_item",
    "ListResponseObjectResourceRelationshipsProfiles": ".list_response_object_resource_relationships_profiles",
    "ListResponseObjectResourceRelationshipsProfilesDataItem": ".list_response_object_resource_relationships_profiles_data_item",
    "ListResponseObjectResourceRelationshipsTags": ".list_response_object_resource_relationships_tags",
    "ListResponseObjectResourceRelationshipsTagsDataItem": ".list_response_object_resource_relationships_tags_data_item",
    "ObjectLinks": ".object_links",
    "OnlyRelatedLinks": ".only_related_links",
    "OpenTrackingConsent": ".open_tracking_consent",
    "OpenTrackingConsentMetadataType0": ".open_tracking_consent_metadata_type_0",
    "PatchIdentifiers": ".patch_identifiers",
    "PatchIdentifiersAppend": ".patch_identifiers_append",
    "PatchIdentifiersUnappend": ".patch_identifiers_unappend",
    "PostProfileImportJobResponse": ".post_profile_import_job_response",
    "PostProfileImportJobResponseData": ".post_profile_import_job_response_data",
    "PostProfileImportJobResponseDataAttributes": ".post_profile_import_job_response_data_attributes",
    "PostProfileImportJobResponseDataAttributesStatus": ".post_profile_import_job_response_data_attributes_status",
    "PostProfileImportJobResponseDataRelationships": ".post_profile_import_job_response_data_relationships",
    "PostProfileImportJobResponseDataRelationshipsImportErrors": ".post_profile_import_job_response_data_relationships_import_errors",
    "PostProfileImportJobResponseDataRelationshipsImportErrorsDataItem": ".post_profile_import_job_response_data_relationships_import_errors_data_item",
    "PostProfileImportJobResponseDataRelationshipsLists": ".post_profile_import_job_response_data_relationships_lists",
    "PostProfileImportJobResponseDataRelationshipsListsDataItem": ".post_profile_import_job_response_data_relationships_lists_data_item",
    "PostProfileImportJobResponseDataRelationshipsProfiles": ".post_profile_import_job_response_data_relationships_profiles",
    "PostProfileImportJobResponseDataRelationshipsProfilesDataItem": ".post_profile_import_job_response_data_relationships_profiles_data_item",
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
    "ProfileBulkImportJobEnum": ".profile_bulk_import_job_enum",
    "ProfileEnum": ".profile_enum",
    "ProfileImportJobCreateQuery": ".profile_import_job_create_query",
    "ProfileImportJobCreateQueryResourceObject": ".profile_import_job_create_query_resource_object",
    "ProfileImportJobCreateQueryResourceObjectAttributes": ".profile_import_job_create_query_resource_object_attributes",
    "ProfileImportJobCreateQueryResourceObjectAttributesProfiles": ".profile_import_job_create_query_resource_object_attributes_profiles",
    "ProfileImportJobCreateQueryResourceObjectRelationships": ".profile_import_job_create_query_resource_object_relationships",
    "ProfileImportJobCreateQueryResourceObjectRelationshipsLists": ".profile_import_job_create_query_resource_object_relationships_lists",
    "ProfileImportJobCreateQueryResourceObjectRelationshipsListsDataItem": ".profile_import_job_create_query_resource_object_relationships_lists_data_item",
    "ProfileImportJobResponseObjectResource": ".profile_import_job_response_object_resource",
    "ProfileImportJobResponseObjectResourceAttributes": ".profile_import_job_response_object_resource_attributes",
    "ProfileImportJobResponseObjectResourceAttributesStatus": ".profile_import_job_response_object_resource_attributes_status",
    "ProfileImportJobResponseObjectResourceRelationships": ".profile_import_job_response_object_resource_relationships",
    "ProfileImportJobResponseObjectResourceRelationshipsImportErrors": ".profile_import_job_response_object_resource_relationships_import_errors",
    "ProfileImportJobResponseObjectResourceRelationshipsImportErrorsDataItem": ".profile_import_job_response_object_resource_relationships_import_errors_data_item",
    "ProfileImportJobResponseObjectResourceRelationshipsLists": ".profile_import_job_response_object_resource_relationships_lists",
    "ProfileImportJobResponseObjectResourceRelationshipsListsDataItem": ".profile_import_job_response_object_resource_relationships_lists_data_item",
    "ProfileImportJobResponseObjectResourceRelationshipsProfiles": ".profile_import_job_response_object_resource_relationships_profiles",
    "ProfileImportJobResponseObjectResourceRelationshipsProfilesDataItem": ".profile_import_job_response_object_resource_relationships_profiles_data_item",
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
    "TagEnum": ".tag_enum",
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
    "BulkImportProfilesFieldsprofileBulkImportJobItem",
    "BulkImportProfilesResponse4XX",
    "BulkImportProfilesResponse5XX",
    "ClientErrorErrorsItem",
    "ClientErrorErrorsItemSource",
    "CollectionLinks",
    "CreateOrUpdateProfileAdditionalFieldsprofileItem",
    "CreateOrUpdateProfileFieldsprofileItem",
    "CreateOrUpdateProfileResponse4XX",
    "CreateOrUpdateProfileResponse5XX",
    "EmailChannel",
    "EmailMarketing",
    "EmailMarketingListSuppression",
    "EmailMarketingSuppression",
    "EmailMarketingSuppressionReason",
    "ErrorSource",
    "FlowEnum",
    "GetBulkImportProfilesJobFieldslistItem",
    "GetBulkImportProfilesJobFieldsprofileBulkImportJobItem",
    "GetBulkImportProfilesJobIncludeItem",
    "GetBulkImportProfilesJobResponse4XX",
    "GetBulkImportProfilesJobResponse5XX",
    "GetErrorsForBulkImportProfilesJobFieldsimportErrorItem",
    "GetErrorsForBulkImportProfilesJobResponse4XX",
    "GetErrorsForBulkImportProfilesJobResponse5XX",
    "GetImportErrorResponseCollection",
    "GetProfileImportJobResponseCompoundDocument",
    "ImportErrorEnum",
    "ImportErrorResponseObjectResource",
    "ImportErrorResponseObjectResourceAttributes",
    "ImportErrorResponseObjectResourceAttributesOriginalPayloadType0",
    "ListEnum",
    "ListResponseObjectResource",
    "ListResponseObjectResourceAttributes",
    "ListResponseObjectResourceAttributesOptInProcess",
    "ListResponseObjectResourceRelationships",
    "ListResponseObjectResourceRelationshipsFlowTriggers",
    "ListResponseObjectResourceRelationshipsFlowTriggersDataItem",
    "ListResponseObjectResourceRelationshipsProfiles",
    "ListResponseObjectResourceRelationshipsProfilesDataItem",
    "ListResponseObjectResourceRelationshipsTags",
    "ListResponseObjectResourceRelationshipsTagsDataItem",
    "ObjectLinks",
    "OnlyRelatedLinks",
    "OpenTrackingConsent",
    "OpenTrackingConsentMetadataType0",
    "PatchIdentifiers",
    "PatchIdentifiersAppend",
    "PatchIdentifiersUnappend",
    "PostProfileImportJobResponse",
    "PostProfileImportJobResponseData",
    "PostProfileImportJobResponseDataAttributes",
    "PostProfileImportJobResponseDataAttributesStatus",
    "PostProfileImportJobResponseDataRelationships",
    "PostProfileImportJobResponseDataRelationshipsImportErrors",
    "PostProfileImportJobResponseDataRelationshipsImportErrorsDataItem",
    "PostProfileImportJobResponseDataRelationshipsLists",
    "PostProfileImportJobResponseDataRelationshipsListsDataItem",
    "PostProfileImportJobResponseDataRelationshipsProfiles",
    "PostProfileImportJobResponseDataRelationshipsProfilesDataItem",
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
    "ProfileBulkImportJobEnum",
    "ProfileEnum",
    "ProfileImportJobCreateQuery",
    "ProfileImportJobCreateQueryResourceObject",
    "ProfileImportJobCreateQueryResourceObjectAttributes",
    "ProfileImportJobCreateQueryResourceObjectAttributesProfiles",
    "ProfileImportJobCreateQueryResourceObjectRelationships",
    "ProfileImportJobCreateQueryResourceObjectRelationshipsLists",
    "ProfileImportJobCreateQueryResourceObjectRelationshipsListsDataItem",
    "ProfileImportJobResponseObjectResource",
    "ProfileImportJobResponseObjectResourceAttributes",
    "ProfileImportJobResponseObjectResourceAttributesStatus",
    "ProfileImportJobResponseObjectResourceRelationships",
    "ProfileImportJobResponseObjectResourceRelationshipsImportErrors",
    "ProfileImportJobResponseObjectResourceRelationshipsImportErrorsDataItem",
    "ProfileImportJobResponseObjectResourceRelationshipsLists",
    "ProfileImportJobResponseObjectResourceRelationshipsListsDataItem",
    "ProfileImportJobResponseObjectResourceRelationshipsProfiles",
    "ProfileImportJobResponseObjectResourceRelationshipsProfilesDataItem",
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
    "TagEnum",
    "WhatsappChannel",
    "WhatsappConversationalChannel",
    "WhatsappConversationalChannelMetadataType0",
    "WhatsappMarketingChannel",
    "WhatsappMarketingChannelMetadataType0",
    "WhatsappTransactionalChannel",
    "WhatsappTransactionalChannelMetadataType0",
)
