from enum import Enum


class GetBulkImportProfilesJobFieldsprofileBulkImportJobItem(str, Enum):
    COMPLETED_AT = "completed_at"
    COMPLETED_COUNT = "completed_count"
    CREATED_AT = "created_at"
    EXPIRES_AT = "expires_at"
    FAILED_COUNT = "failed_count"
    ID = "id"
    STARTED_AT = "started_at"
    STATUS = "status"
    TOTAL_COUNT = "total_count"

    def __str__(self) -> str:
        return str(self.value)

    @classmethod
    def _missing_(
        cls, value: object
    ) -> "GetBulkImportProfilesJobFieldsprofileBulkImportJobItem | None":
        # Klaviyo adds values to its enums without a new revision. An unknown value is kept as
        # it came (a member that equals the plain string) instead of failing the whole parse.
        if not isinstance(value, str):
            return None
        member = str.__new__(cls, value)
        member._name_ = value
        member._value_ = value
        return member
