"""The profile resource as the profile routes answer it: attributes, subscriptions, predictive
analytics, links and sparse fieldsets."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from klaviyo_profile_import import facts

from .store import StoredProfile

_SUBSCRIPTIONS = "subscriptions"
# The channels of revisions whose spec lists no sparse fields to read them from.
_FALLBACK_SUBSCRIPTION_FIELDS: dict[str, dict[str, tuple[str, ...]]] = {
    "email": {
        "marketing": (
            "can_receive_email_marketing",
            "consent",
            "consent_timestamp",
            "last_updated",
            "method",
            "method_detail",
            "custom_method_detail",
            "double_optin",
            "suppression",
            "list_suppressions",
        )
    },
    "sms": {
        "marketing": (
            "can_receive_sms_marketing",
            "consent",
            "consent_timestamp",
            "method",
            "method_detail",
            "last_updated",
        ),
        "transactional": (
            "can_receive_sms_transactional",
            "consent",
            "consent_timestamp",
            "method",
            "method_detail",
            "last_updated",
        ),
    },
    "mobile_push": {"marketing": ("can_receive_push_marketing", "consent", "consent_timestamp")},
}


def _subscription_fields() -> dict[str, dict[str, tuple[str, ...]]]:
    """Channel -> kind -> fields, as the revision's ``fields[profile]`` values list them, so
    every channel the revision has (``whatsapp``, ``email.open_tracking``...) is answered."""
    channels: dict[str, dict[str, list[str]]] = {}
    for dotted in facts.SPARSE_FIELDS:
        parts = dotted.split(".")
        if len(parts) == 4 and parts[0] == _SUBSCRIPTIONS:
            channels.setdefault(parts[1], {}).setdefault(parts[2], []).append(parts[3])
    if not channels:
        return _FALLBACK_SUBSCRIPTION_FIELDS
    return {
        channel: {kind: tuple(names) for kind, names in kinds.items()}
        for channel, kinds in channels.items()
    }


def is_required_subscription_field(name: str) -> bool:
    """Whether every consent object must carry the field: its consent state and whether the
    profile can receive on the channel, the members Klaviyo's spec requires of each."""
    return name == "consent" or name.startswith("can_receive")


def _subscription_value(name: str) -> Any:
    # The sandbox models no consent; every channel reads as never subscribed.
    if name.startswith("can_receive"):
        return False
    if name == "consent":
        return "NEVER_SUBSCRIBED"
    if name in ("suppression", "list_suppressions"):
        return []
    return None


def _subscriptions() -> dict[str, Any]:
    return {
        channel: {
            kind: {name: _subscription_value(name) for name in names}
            for kind, names in kinds.items()
        }
        for channel, kinds in _subscription_fields().items()
    }


def _predictive_analytics() -> dict[str, Any]:
    names = [
        field.split(".", 1)[1]
        for field in facts.SPARSE_FIELDS
        if field.startswith("predictive_analytics.")
    ] or ["historic_clv", "predicted_clv", "total_clv", "churn_probability"]
    # No order history exists in a sandbox, so nothing can be predicted.
    return {name: None for name in names}


def _attributes(profile: StoredProfile, additional: Sequence[str]) -> dict[str, Any]:
    stored = profile.attributes
    attributes: dict[str, Any] = {}
    for name in facts.RESPONSE_ATTRIBUTES:
        if name == "created":
            attributes[name] = profile.created.isoformat()
        elif name == "updated":
            attributes[name] = profile.updated.isoformat()
        elif name == "location":
            location = stored.get("location") or {}
            attributes[name] = {
                **{key: location.get(key) for key in facts.LOCATION_FIELDS},
                **location,
            }
        elif name == "properties":
            attributes[name] = dict(stored.get("properties") or {})
        elif name == "subscriptions":
            if name in additional:
                attributes[name] = _subscriptions()
        elif name == "predictive_analytics":
            if name in additional:
                attributes[name] = _predictive_analytics()
        else:
            attributes[name] = stored.get(name)
    return attributes


def _sparse_tree(fields: Sequence[str]) -> dict[str, Any]:
    tree: dict[str, Any] = {}
    for dotted in fields:
        parts = dotted.split(".")
        node = tree
        for part in parts[:-1]:
            child = node.get(part)
            if child is True:
                break
            node = node.setdefault(part, {})
        else:
            node[parts[-1]] = True
    return tree


def _select(value: Any, tree: Mapping[str, Any], path: tuple[str, ...] = ()) -> Any:
    if not isinstance(value, dict):
        return value
    selected: dict[str, Any] = {}
    if len(path) == 3 and path[0] == _SUBSCRIPTIONS:
        # A consent object answered in part still carries the members the spec requires.
        selected = {k: v for k, v in value.items() if is_required_subscription_field(k)}
    for key, wanted in tree.items():
        if key in value:
            selected[key] = (
                value[key] if wanted is True else _select(value[key], wanted, (*path, key))
            )
    return selected


def render_profile(
    profile: StoredProfile,
    base_url: str,
    *,
    additional: Sequence[str] = (),
    fields: Sequence[str] = (),
) -> dict[str, Any]:
    """The JSON:API document for one profile, as the profile endpoints answer."""
    attributes = _attributes(profile, additional)
    if fields:
        tree = _sparse_tree(fields)
        tree.pop("id", None)  # the resource id always comes back, outside the attributes
        attributes = _select(attributes, tree)
    self_link = f"{base_url}/api/profiles/{profile.id}/"

    def relationship(name: str) -> dict[str, Any]:
        return {
            "links": {
                "self": f"{base_url}/api/profiles/{profile.id}/relationships/{name}/",
                "related": f"{base_url}/api/profiles/{profile.id}/{name}/",
            }
        }

    return {
        "data": {
            "type": "profile",
            "id": profile.id,
            "attributes": attributes,
            "relationships": {name: relationship(name) for name in ("lists", "segments")},
            "links": {"self": self_link},
        },
        "links": {"self": self_link},
    }
