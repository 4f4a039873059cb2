"""Constants and small helpers shared by the sandbox tests (imported as a top-level module)."""

from __future__ import annotations

from typing import Any

from klaviyo_profile_import import facts

KEY = "pk_sandbox_test_key"
HEADERS = {
    "Authorization": f"Klaviyo-API-Key {KEY}",
    "revision": facts.REVISION,
    "Content-Type": facts.MEDIA_TYPE,
    "Accept": facts.MEDIA_TYPE,
}
PATH = facts.PATH


def body(attributes: dict[str, Any], **data: Any) -> dict[str, Any]:
    """A profile-import request body."""
    return {"data": {"type": "profile", "attributes": attributes, **data}}
