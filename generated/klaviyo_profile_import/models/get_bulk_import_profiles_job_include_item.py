from enum import Enum


class GetBulkImportProfilesJobIncludeItem(str, Enum):
    LISTS = "lists"

    def __str__(self) -> str:
        return str(self.value)

    @classmethod
    def _missing_(cls, value: object) -> "GetBulkImportProfilesJobIncludeItem | None":
        # Klaviyo adds values to its enums without a new revision. An unknown value is kept as
        # it came (a member that equals the plain string) instead of failing the whole parse.
        if not isinstance(value, str):
            return None
        member = str.__new__(cls, value)
        member._name_ = value
        member._value_ = value
        return member
