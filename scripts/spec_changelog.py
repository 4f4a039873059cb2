"""What changed between two fragments: each operation flattened into ``{place: facts}``
(:func:`operation_facts`) and compared (:func:`changelog`), with what matters to the wrapper
first (``operations.changes``)."""

from __future__ import annotations

import json
from typing import Any

import operations as roles
from spec_document import (
    BULK_OPERATIONS,
    KEPT_EXTENSIONS,
    OPERATION_ID,
    OWN_EXTENSIONS,
    deref,
    find_operation,
    find_operations,
    resolve,
    strip_prose,
)

# --------------------------------------------------------------------------------------------
# Facts: a flat view of everything that matters on the wire


def operation_facts(document: dict[str, Any], operation_id: str = OPERATION_ID) -> dict[str, Any]:
    """Flatten one operation (the profile-import call by default) into ``{place: facts}``,
    for comparisons and changelogs.

    Places look like ``request /data/attributes/email``,
    ``response 200 /data/attributes/location/city`` or ``parameter query fields[profile]``.
    Every schema node contributes its non-prose keywords (type, format, nullable, enum, default,
    bounds) plus whether its parent requires it; ``$ref`` indirection is resolved, and a
    ``nullable`` beside a ``$ref`` counts as the node's own.
    """
    path, method, operation = find_operation(document, operation_id)
    facts: dict[str, Any] = {
        "operation": {"path": path, "method": method, "operationId": operation.get("operationId")},
    }
    for key in (*KEPT_EXTENSIONS, *OWN_EXTENSIONS):
        if key in operation:
            facts[f"operation {key}"] = operation[key]
    security = operation.get("security", document.get("security")) or []
    schemes = (document.get("components") or {}).get("securitySchemes") or {}
    for requirement in security:
        for name in requirement:
            facts[f"security {name}"] = {
                k: v
                for k, v in strip_prose(schemes.get(name, {})).items()
                if not k.startswith("x-")
            }

    for parameter in operation.get("parameters") or []:
        parameter = deref(document, parameter)
        place = f"parameter {parameter.get('in')} {parameter.get('name')}"
        _walk_schema(document, parameter.get("schema") or {}, place, False, facts)
        # The parameter's own facts (required, style, explode) join its schema's at its place,
        # written after the walk, which writes the same place.
        facts[place].update(
            {k: v for k, v in strip_prose(parameter).items() if k not in ("name", "in", "schema")}
        )
        facts[place]["required"] = bool(parameter.get("required"))

    body = deref(document, operation.get("requestBody") or {})
    facts["request body"] = {
        "required": bool(body.get("required")),
        "media types": sorted(body.get("content") or {}),
    }
    for _media_type, media in sorted((body.get("content") or {}).items()):
        _walk_schema(document, media.get("schema") or {}, "request", False, facts)

    for status, response in sorted((operation.get("responses") or {}).items()):
        response = deref(document, response)
        content = response.get("content") or {}
        for media in content.values():
            _walk_schema(document, media.get("schema") or {}, f"response {status}", False, facts)
        # Added after the walk, which writes the same place, so that the media types count.
        facts.setdefault(f"response {status}", {})["media types"] = sorted(content)
    return facts


_STRUCTURAL = frozenset(
    {"properties", "items", "oneOf", "anyOf", "allOf", "required", "$ref", "additionalProperties"}
)


def _walk_schema(
    document: dict[str, Any],
    schema: dict[str, Any],
    place: str,
    required: bool,
    facts: dict[str, Any],
    seen: tuple[str, ...] = (),
) -> None:
    own_nullable = schema.get("nullable")
    while "$ref" in schema:
        ref = schema["$ref"]
        if ref in seen:
            facts[place] = {"recursive": ref}
            return
        seen = (*seen, ref)
        schema = resolve(document, ref)
    node = {
        k: v
        for k, v in strip_prose(schema).items()
        if k not in _STRUCTURAL and not k.startswith("x-")
    }
    if own_nullable:
        node["nullable"] = True
    if isinstance(node.get("enum"), list):
        node["enum"] = sorted(node["enum"], key=str)
    node["required"] = required
    if "additionalProperties" in schema:
        node["additionalProperties"] = bool(schema["additionalProperties"])
    facts[place] = node
    required_names = set(schema.get("required") or [])
    for name, child in (schema.get("properties") or {}).items():
        _walk_schema(document, child, f"{place}/{name}", name in required_names, facts, seen)
    if isinstance(schema.get("items"), dict):
        _walk_schema(document, schema["items"], f"{place}[]", False, facts, seen)
    for keyword in ("oneOf", "anyOf", "allOf"):
        for index, child in enumerate(schema.get(keyword) or []):
            _walk_schema(document, child, f"{place}|{keyword}{index}", False, facts, seen)


def changelog(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """Human-readable differences in facts between two fragments (old -> new): the revision,
    then what matters to the wrapper (operations added, removed or renamed by Klaviyo, limits
    no longer stated), then each operation's facts, field by field."""
    lines: list[str] = []
    old_revision = (old.get("info") or {}).get("version")
    new_revision = (new.get("info") or {}).get("version")
    if old_revision != new_revision:
        lines.append(f"revision: {old_revision} -> {new_revision}")
    details = _operation_changelog(operation_facts(old), operation_facts(new))
    old_found = {role: (path, method, op) for role, path, method, op in find_operations(old)}
    new_found = {role: (path, method, op) for role, path, method, op in find_operations(new)}
    for operation_id in BULK_OPERATIONS:
        if operation_id in old_found and operation_id not in new_found:
            named = _klaviyo_name(old_found, operation_id)
            lines.append(f"removed  operation {operation_id}{named}")
        elif operation_id in new_found and operation_id not in old_found:
            path, method, _ = new_found[operation_id]
            named = _klaviyo_name(new_found, operation_id)
            lines.append(f"added    operation {operation_id}  {method.upper()} {path}{named}")
        elif operation_id in new_found:
            details.extend(
                f"{operation_id}: {line}"
                for line in _operation_changelog(
                    operation_facts(old, operation_id), operation_facts(new, operation_id)
                )
            )
    lines.extend(roles.changes(old_found, new_found, new))
    return lines + details


def _klaviyo_name(found: dict[str, tuple[str, str, dict[str, Any]]], role: str) -> str:
    klaviyo = found[role][2].get("operationId")
    return f" (Klaviyo: {klaviyo})" if klaviyo and klaviyo != role else ""


def _operation_changelog(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    lines: list[str] = []
    removed = set(before) - set(after)
    added = set(after) - set(before)
    for place in sorted(set(before) | set(after), key=_place_sort_key):
        if place in removed or place in added:
            group = removed if place in removed else added
            if _parent_place(place) in group:
                continue  # reported with its parent
            nested = sum(1 for other in group if other.startswith(place) and other != place)
            suffix = f" (with {nested} nested)" if nested else ""
            if place in removed:
                lines.append(f"removed  {place}{suffix}")
            else:
                lines.append(f"added    {place}  {_short(after[place])}{suffix}")
        elif before[place] != after[place]:
            b, a = before[place], after[place]
            if isinstance(b, dict) and isinstance(a, dict):
                for key in sorted(set(b) | set(a)):
                    if b.get(key) != a.get(key):
                        lines.append(
                            f"changed  {place}: {key} {_short(b.get(key))} -> {_short(a.get(key))}"
                        )
            else:
                lines.append(f"changed  {place}: {_short(b)} -> {_short(a)}")
    return lines


def _parent_place(place: str) -> str:
    cut = max(place.rfind("/"), place.rfind("|"), place.rfind("[]") if place.endswith("[]") else -1)
    return place[:cut] if cut > 0 else ""


def _place_sort_key(place: str) -> tuple[int, str]:
    order = ("operation", "security", "parameter", "request", "response")
    for index, prefix in enumerate(order):
        if place.startswith(prefix):
            return index, place
    return len(order), place


def _short(value: Any) -> str:
    if value is None:
        return "(none)"
    return json.dumps(value, sort_keys=True)
