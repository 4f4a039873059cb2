from enum import Enum


class GetBulkImportProfilesJobFieldslistItem(str, Enum):
    CREATED = "created"
    ID = "id"
    NAME = "name"
    OPT_IN_PROCESS = "opt_in_process"
    UPDATED = "updated"

    def __str__(self) -> str:
        return str(self.value)

    @classmethod
    def _missing_(cls, value: object) -> "GetBulkImportProfilesJobFieldslistItem | None":
        # Klaviyo adds values to its enums without a new revision. An unknown value is kept as
        # it came (a member that equals the plain string) instead of failing the whole parse.
        if not isinstance(value, str):
            return None
        member = str.__new__(cls, value)
        member._name_ = value
        member._value_ = value
        return member
