from enum import Enum


class CreateOrUpdateProfileFieldsprofileItem(str, Enum):
    CREATED = "created"
    EMAIL = "email"
    EXTERNAL_ID = "external_id"
    FIRST_NAME = "first_name"
    ID = "id"
    IMAGE = "image"
    LAST_EVENT_DATE = "last_event_date"
    LAST_NAME = "last_name"
    LOCALE = "locale"
    LOCATION = "location"
    LOCATION_ADDRESS1 = "location.address1"
    LOCATION_ADDRESS2 = "location.address2"
    LOCATION_CITY = "location.city"
    LOCATION_COUNTRY = "location.country"
    LOCATION_IP = "location.ip"
    LOCATION_LATITUDE = "location.latitude"
    LOCATION_LONGITUDE = "location.longitude"
    LOCATION_REGION = "location.region"
    LOCATION_TIMEZONE = "location.timezone"
    LOCATION_ZIP = "location.zip"
    ORGANIZATION = "organization"
    PHONE_NUMBER = "phone_number"
    PREDICTIVE_ANALYTICS = "predictive_analytics"
    PREDICTIVE_ANALYTICS_AVERAGE_DAYS_BETWEEN_ORDERS = (
        "predictive_analytics.average_days_between_orders"
    )
    PREDICTIVE_ANALYTICS_AVERAGE_ORDER_VALUE = "predictive_analytics.average_order_value"
    PREDICTIVE_ANALYTICS_CHURN_PROBABILITY = "predictive_analytics.churn_probability"
    PREDICTIVE_ANALYTICS_EXPECTED_DATE_OF_NEXT_ORDER = (
        "predictive_analytics.expected_date_of_next_order"
    )
    PREDICTIVE_ANALYTICS_HISTORIC_CLV = "predictive_analytics.historic_clv"
    PREDICTIVE_ANALYTICS_HISTORIC_NUMBER_OF_ORDERS = (
        "predictive_analytics.historic_number_of_orders"
    )
    PREDICTIVE_ANALYTICS_PREDICTED_CLV = "predictive_analytics.predicted_clv"
    PREDICTIVE_ANALYTICS_PREDICTED_NUMBER_OF_ORDERS = (
        "predictive_analytics.predicted_number_of_orders"
    )
    PREDICTIVE_ANALYTICS_RANKED_CHANNEL_AFFINITY = "predictive_analytics.ranked_channel_affinity"
    PREDICTIVE_ANALYTICS_TOTAL_CLV = "predictive_analytics.total_clv"
    PROPERTIES = "properties"
    SUBSCRIPTIONS = "subscriptions"
    SUBSCRIPTIONS_EMAIL = "subscriptions.email"
    SUBSCRIPTIONS_EMAIL_MARKETING = "subscriptions.email.marketing"
    SUBSCRIPTIONS_EMAIL_MARKETING_CAN_RECEIVE_EMAIL_MARKETING = (
        "subscriptions.email.marketing.can_receive_email_marketing"
    )
    SUBSCRIPTIONS_EMAIL_MARKETING_CONSENT = "subscriptions.email.marketing.consent"
    SUBSCRIPTIONS_EMAIL_MARKETING_CONSENT_TIMESTAMP = (
        "subscriptions.email.marketing.consent_timestamp"
    )
    SUBSCRIPTIONS_EMAIL_MARKETING_CUSTOM_METHOD_DETAIL = (
        "subscriptions.email.marketing.custom_method_detail"
    )
    SUBSCRIPTIONS_EMAIL_MARKETING_DOUBLE_OPTIN = "subscriptions.email.marketing.double_optin"
    SUBSCRIPTIONS_EMAIL_MARKETING_LAST_UPDATED = "subscriptions.email.marketing.last_updated"
    SUBSCRIPTIONS_EMAIL_MARKETING_LIST_SUPPRESSIONS = (
        "subscriptions.email.marketing.list_suppressions"
    )
    SUBSCRIPTIONS_EMAIL_MARKETING_METHOD = "subscriptions.email.marketing.method"
    SUBSCRIPTIONS_EMAIL_MARKETING_METHOD_DETAIL = "subscriptions.email.marketing.method_detail"
    SUBSCRIPTIONS_EMAIL_MARKETING_SUPPRESSION = "subscriptions.email.marketing.suppression"
    SUBSCRIPTIONS_EMAIL_OPEN_TRACKING = "subscriptions.email.open_tracking"
    SUBSCRIPTIONS_EMAIL_OPEN_TRACKING_CAN_RECEIVE = "subscriptions.email.open_tracking.can_receive"
    SUBSCRIPTIONS_EMAIL_OPEN_TRACKING_CONSENT = "subscriptions.email.open_tracking.consent"
    SUBSCRIPTIONS_EMAIL_OPEN_TRACKING_CONSENT_TIMESTAMP = (
        "subscriptions.email.open_tracking.consent_timestamp"
    )
    SUBSCRIPTIONS_EMAIL_OPEN_TRACKING_CREATED_TIMESTAMP = (
        "subscriptions.email.open_tracking.created_timestamp"
    )
    SUBSCRIPTIONS_EMAIL_OPEN_TRACKING_LAST_UPDATED = (
        "subscriptions.email.open_tracking.last_updated"
    )
    SUBSCRIPTIONS_EMAIL_OPEN_TRACKING_METADATA = "subscriptions.email.open_tracking.metadata"
    SUBSCRIPTIONS_EMAIL_OPEN_TRACKING_VALID_UNTIL = "subscriptions.email.open_tracking.valid_until"
    SUBSCRIPTIONS_MOBILE_PUSH = "subscriptions.mobile_push"
    SUBSCRIPTIONS_MOBILE_PUSH_MARKETING = "subscriptions.mobile_push.marketing"
    SUBSCRIPTIONS_MOBILE_PUSH_MARKETING_CAN_RECEIVE_PUSH_MARKETING = (
        "subscriptions.mobile_push.marketing.can_receive_push_marketing"
    )
    SUBSCRIPTIONS_MOBILE_PUSH_MARKETING_CONSENT = "subscriptions.mobile_push.marketing.consent"
    SUBSCRIPTIONS_MOBILE_PUSH_MARKETING_CONSENT_TIMESTAMP = (
        "subscriptions.mobile_push.marketing.consent_timestamp"
    )
    SUBSCRIPTIONS_SMS = "subscriptions.sms"
    SUBSCRIPTIONS_SMS_MARKETING = "subscriptions.sms.marketing"
    SUBSCRIPTIONS_SMS_MARKETING_CAN_RECEIVE_SMS_MARKETING = (
        "subscriptions.sms.marketing.can_receive_sms_marketing"
    )
    SUBSCRIPTIONS_SMS_MARKETING_CONSENT = "subscriptions.sms.marketing.consent"
    SUBSCRIPTIONS_SMS_MARKETING_CONSENT_TIMESTAMP = "subscriptions.sms.marketing.consent_timestamp"
    SUBSCRIPTIONS_SMS_MARKETING_LAST_UPDATED = "subscriptions.sms.marketing.last_updated"
    SUBSCRIPTIONS_SMS_MARKETING_METHOD = "subscriptions.sms.marketing.method"
    SUBSCRIPTIONS_SMS_MARKETING_METHOD_DETAIL = "subscriptions.sms.marketing.method_detail"
    SUBSCRIPTIONS_SMS_TRANSACTIONAL = "subscriptions.sms.transactional"
    SUBSCRIPTIONS_SMS_TRANSACTIONAL_CAN_RECEIVE_SMS_TRANSACTIONAL = (
        "subscriptions.sms.transactional.can_receive_sms_transactional"
    )
    SUBSCRIPTIONS_SMS_TRANSACTIONAL_CONSENT = "subscriptions.sms.transactional.consent"
    SUBSCRIPTIONS_SMS_TRANSACTIONAL_CONSENT_TIMESTAMP = (
        "subscriptions.sms.transactional.consent_timestamp"
    )
    SUBSCRIPTIONS_SMS_TRANSACTIONAL_LAST_UPDATED = "subscriptions.sms.transactional.last_updated"
    SUBSCRIPTIONS_SMS_TRANSACTIONAL_METHOD = "subscriptions.sms.transactional.method"
    SUBSCRIPTIONS_SMS_TRANSACTIONAL_METHOD_DETAIL = "subscriptions.sms.transactional.method_detail"
    SUBSCRIPTIONS_WHATSAPP = "subscriptions.whatsapp"
    SUBSCRIPTIONS_WHATSAPP_CONVERSATIONAL = "subscriptions.whatsapp.conversational"
    SUBSCRIPTIONS_WHATSAPP_CONVERSATIONAL_CAN_RECEIVE = (
        "subscriptions.whatsapp.conversational.can_receive"
    )
    SUBSCRIPTIONS_WHATSAPP_CONVERSATIONAL_CONSENT = "subscriptions.whatsapp.conversational.consent"
    SUBSCRIPTIONS_WHATSAPP_CONVERSATIONAL_CONSENT_TIMESTAMP = (
        "subscriptions.whatsapp.conversational.consent_timestamp"
    )
    SUBSCRIPTIONS_WHATSAPP_CONVERSATIONAL_CREATED_TIMESTAMP = (
        "subscriptions.whatsapp.conversational.created_timestamp"
    )
    SUBSCRIPTIONS_WHATSAPP_CONVERSATIONAL_LAST_UPDATED = (
        "subscriptions.whatsapp.conversational.last_updated"
    )
    SUBSCRIPTIONS_WHATSAPP_CONVERSATIONAL_METADATA = (
        "subscriptions.whatsapp.conversational.metadata"
    )
    SUBSCRIPTIONS_WHATSAPP_CONVERSATIONAL_PHONE_NUMBER = (
        "subscriptions.whatsapp.conversational.phone_number"
    )
    SUBSCRIPTIONS_WHATSAPP_CONVERSATIONAL_VALID_UNTIL = (
        "subscriptions.whatsapp.conversational.valid_until"
    )
    SUBSCRIPTIONS_WHATSAPP_MARKETING = "subscriptions.whatsapp.marketing"
    SUBSCRIPTIONS_WHATSAPP_MARKETING_CAN_RECEIVE = "subscriptions.whatsapp.marketing.can_receive"
    SUBSCRIPTIONS_WHATSAPP_MARKETING_CONSENT = "subscriptions.whatsapp.marketing.consent"
    SUBSCRIPTIONS_WHATSAPP_MARKETING_CONSENT_TIMESTAMP = (
        "subscriptions.whatsapp.marketing.consent_timestamp"
    )
    SUBSCRIPTIONS_WHATSAPP_MARKETING_CREATED_TIMESTAMP = (
        "subscriptions.whatsapp.marketing.created_timestamp"
    )
    SUBSCRIPTIONS_WHATSAPP_MARKETING_LAST_UPDATED = "subscriptions.whatsapp.marketing.last_updated"
    SUBSCRIPTIONS_WHATSAPP_MARKETING_METADATA = "subscriptions.whatsapp.marketing.metadata"
    SUBSCRIPTIONS_WHATSAPP_MARKETING_PHONE_NUMBER = "subscriptions.whatsapp.marketing.phone_number"
    SUBSCRIPTIONS_WHATSAPP_MARKETING_VALID_UNTIL = "subscriptions.whatsapp.marketing.valid_until"
    SUBSCRIPTIONS_WHATSAPP_TRANSACTIONAL = "subscriptions.whatsapp.transactional"
    SUBSCRIPTIONS_WHATSAPP_TRANSACTIONAL_CAN_RECEIVE = (
        "subscriptions.whatsapp.transactional.can_receive"
    )
    SUBSCRIPTIONS_WHATSAPP_TRANSACTIONAL_CONSENT = "subscriptions.whatsapp.transactional.consent"
    SUBSCRIPTIONS_WHATSAPP_TRANSACTIONAL_CONSENT_TIMESTAMP = (
        "subscriptions.whatsapp.transactional.consent_timestamp"
    )
    SUBSCRIPTIONS_WHATSAPP_TRANSACTIONAL_CREATED_TIMESTAMP = (
        "subscriptions.whatsapp.transactional.created_timestamp"
    )
    SUBSCRIPTIONS_WHATSAPP_TRANSACTIONAL_LAST_UPDATED = (
        "subscriptions.whatsapp.transactional.last_updated"
    )
    SUBSCRIPTIONS_WHATSAPP_TRANSACTIONAL_METADATA = "subscriptions.whatsapp.transactional.metadata"
    SUBSCRIPTIONS_WHATSAPP_TRANSACTIONAL_PHONE_NUMBER = (
        "subscriptions.whatsapp.transactional.phone_number"
    )
    SUBSCRIPTIONS_WHATSAPP_TRANSACTIONAL_VALID_UNTIL = (
        "subscriptions.whatsapp.transactional.valid_until"
    )
    TITLE = "title"
    UPDATED = "updated"

    def __str__(self) -> str:
        return str(self.value)

    @classmethod
    def _missing_(cls, value: object) -> "CreateOrUpdateProfileFieldsprofileItem | None":
        # Klaviyo adds values to its enums without a new revision. An unknown value is kept as
        # it came (a member that equals the plain string) instead of failing the whole parse.
        if not isinstance(value, str):
            return None
        member = str.__new__(cls, value)
        member._name_ = value
        member._value_ = value
        return member
