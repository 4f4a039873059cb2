"""The operations the project serves, named by their role, and the limits Klaviyo has published.

Klaviyo renames things between revisions: the bulk job operations were once
``spawn_bulk_profile_import_job`` and ``get_bulk_profile_import_job``, paths carried a trailing
slash, and a path parameter is ``{id}`` in one place and ``{job_id}`` in another. Generated
module, function and model names follow whatever the generator is given, and the wrapper
imports them, so the copy handed to the generators names everything by its **role**:

* :data:`ROLES`: method and path shape (trailing slash and parameter names ignored) -> the
  stable name of the operation, which is its ``operationId``, its generated module
  (``api/profiles/<name>.py``) and its key in ``facts.OPERATIONS``. Klaviyo's own
  ``operationId`` stays in the fragment, as a fact, for the changelog and messages;
* :data:`STABLE_SCHEMAS`: the component names the wrapper imports, given to the schemas at
  fixed places of the operations (the request body, its ``data``, the response);
* :data:`PUBLISHED`: the limits each published revision states, from which a revision that
  leaves one out takes the figure of the nearest revision that states it (marked as such in
  ``facts.OPERATIONS[...].fallbacks``).

This module knows no other part of the scripts: the spec tools (``spec_document`` and the
modules above it) and ``generate`` use it.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

#: Tag of every operation in the generation copy: generated modules live in ``api/profiles/``.
TAG = "Profiles"
SCHEMA_PREFIX = "#/components/schemas/"


@dataclass(frozen=True)
class Role:
    """One operation the project knows: its stable name, HTTP method and path template (whose
    parameter names are the ones the generated code takes)."""

    name: str
    method: str
    path: str
    #: The profile-import call: a revision without it cannot be served at all.
    required: bool = False
    #: Parameters ``(in, name)`` the wrapper sends on every call besides the path's: a
    #: required parameter not listed here cannot be sent, so the operation cannot be served.
    sends: tuple[tuple[str, str], ...] = (("header", "revision"),)


CREATE_OR_UPDATE_PROFILE = "create_or_update_profile"
BULK_IMPORT_PROFILES = "bulk_import_profiles"
GET_BULK_IMPORT_PROFILES_JOB = "get_bulk_import_profiles_job"
GET_ERRORS_FOR_BULK_IMPORT_PROFILES_JOB = "get_errors_for_bulk_import_profiles_job"

#: Every operation a fragment may hold, the profile-import call first, in the order the
#: fragment lists them.
ROLES: tuple[Role, ...] = (
    Role(CREATE_OR_UPDATE_PROFILE, "post", "/api/profile-import", required=True),
    Role(BULK_IMPORT_PROFILES, "post", "/api/profile-bulk-import-jobs"),
    Role(GET_BULK_IMPORT_PROFILES_JOB, "get", "/api/profile-bulk-import-jobs/{job_id}"),
    Role(
        GET_ERRORS_FOR_BULK_IMPORT_PROFILES_JOB,
        "get",
        "/api/profile-bulk-import-jobs/{job_id}/import-errors",
        sends=(("header", "revision"), ("query", "page[size]")),
    ),
)
BY_NAME: dict[str, Role] = {role.name: role for role in ROLES}
PRIMARY = ROLES[0].name

#: Component names the wrapper imports, given to the schema at a place of an operation:
#: (role, "request" or "response", property path below that schema, name).
STABLE_SCHEMAS: tuple[tuple[str, str, tuple[str, ...], str], ...] = (
    (CREATE_OR_UPDATE_PROFILE, "request", (), "ProfileUpsertQuery"),
    (CREATE_OR_UPDATE_PROFILE, "request", ("data",), "ProfileUpsertQueryResourceObject"),
    (CREATE_OR_UPDATE_PROFILE, "response", (), "PostProfileResponse"),
    (
        CREATE_OR_UPDATE_PROFILE,
        "response",
        ("data", "attributes"),
        "PostProfileResponseDataAttributes",
    ),
    (BULK_IMPORT_PROFILES, "request", (), "ProfileImportJobCreateQuery"),
)

_PARAMETER = re.compile(r"\{([^/{}]*)\}")


# --------------------------------------------------------------------------------------------
# Finding an operation by its role


def path_shape(path: str) -> str:
    """A path as roles compare it: no trailing slash, every parameter written ``{}``."""
    return _PARAMETER.sub("{}", path.rstrip("/") or "/")


def find_role(document: dict[str, Any], name: str) -> tuple[str, str, dict[str, Any]] | None:
    """``(path, method, operation)`` of the operation in ``document`` that plays role ``name``,
    or ``None``. Two candidates (``/x`` and ``/x/`` both published) are told apart by the
    ``operationId`` Klaviyo gave, then by the spelling without the slash."""
    role = BY_NAME[name]
    shape = path_shape(role.path)
    candidates: list[tuple[str, str, dict[str, Any]]] = []
    for path, item in (document.get("paths") or {}).items():
        if not isinstance(item, dict) or path_shape(path) != shape:
            continue
        operation = item.get(role.method)
        if isinstance(operation, dict):
            candidates.append((path, role.method, operation))
    if not candidates:
        return None
    return max(
        candidates,
        key=lambda found: (found[2].get("operationId") == name, not found[0].endswith("/")),
    )


def unsendable_parameters(
    document: dict[str, Any], name: str, operation: dict[str, Any]
) -> list[str]:
    """The required parameters of the operation playing role ``name`` that the wrapper does
    not send (``"query parameter company_id"``): with any, calling it raises ``TypeError``."""
    role = BY_NAME[name]
    found = []
    for parameter in operation.get("parameters") or []:
        target = _resolve(document, parameter) if isinstance(parameter, dict) else {}
        where, parameter_name = target.get("in"), target.get("name")
        if target.get("required") and where != "path" and (where, parameter_name) not in role.sends:
            found.append(f"{where} parameter {parameter_name}")
    return found


def path_hint(name: str) -> str:
    """``POST /api/profile-import``: what a role looks for, for messages."""
    role = BY_NAME[name]
    return f"{role.method.upper()} {role.path}"


# --------------------------------------------------------------------------------------------
# The copy handed to the generators: everything named by its role


def name_by_role(document: dict[str, Any]) -> dict[str, Any]:
    """A copy of a fragment whose operations carry their role's name (``operationId``), tag and
    path parameter names, and whose schemas at :data:`STABLE_SCHEMAS` places carry the stable
    names, whatever Klaviyo called them. Paths keep Klaviyo's spelling (a trailing slash is
    where the request goes)."""
    document = copy.deepcopy(document)
    renamed_paths: dict[str, str] = {}
    for role in ROLES:
        found = find_role(document, role.name)
        if found is None:
            continue
        path, _, operation = found
        operation["operationId"] = role.name
        operation["tags"] = [TAG]
        new_path, names = _role_parameters(path, role.path)
        if names:
            item = document["paths"][path]
            for holder in (item, operation):
                if "parameters" in holder:
                    holder["parameters"] = [
                        _renamed_parameter(document, parameter, names)
                        for parameter in holder["parameters"]
                    ]
            renamed_paths[path] = new_path
    if renamed_paths:
        document["paths"] = {
            renamed_paths.get(path, path): item for path, item in document["paths"].items()
        }
    for name, side, below, stable in STABLE_SCHEMAS:
        _name_schema_at(document, name, side, below, stable)
    return document


def _role_parameters(path: str, template: str) -> tuple[str, dict[str, str]]:
    """``path`` with its parameters named as in the role's template, and old -> new names."""
    wanted = _PARAMETER.findall(template)
    found = _PARAMETER.findall(path)
    names = {old: new for old, new in zip(found, wanted, strict=True) if old != new}
    if not names:
        return path, {}
    positions = iter(wanted)
    return _PARAMETER.sub(lambda _: "{" + next(positions) + "}", path), names


def _renamed_parameter(
    document: dict[str, Any], parameter: dict[str, Any], names: dict[str, str]
) -> dict[str, Any]:
    target = _resolve(document, parameter) if "$ref" in parameter else parameter
    if target.get("in") != "path" or target.get("name") not in names:
        return parameter
    return {**target, "name": names[target["name"]]}


def _resolve(document: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    """Follow local references until an object without ``$ref``."""
    seen: set[str] = set()
    while isinstance(node.get("$ref"), str) and node["$ref"].startswith("#/"):
        ref = node["$ref"]
        if ref in seen:
            break
        seen.add(ref)
        target: Any = document
        for part in ref[2:].split("/"):
            target = target.get(part.replace("~1", "/").replace("~0", "~"), {})
        node = target if isinstance(target, dict) else {}
    return node


def _name_schema_at(
    document: dict[str, Any], name: str, side: str, below: tuple[str, ...], stable: str
) -> None:
    found = find_role(document, name)
    if found is None:
        return
    operation = found[2]
    holder = _media(document, operation, side)
    key = "schema"
    for member in below:
        if holder is None:
            return
        schema = _resolve(document, holder.get(key) or {})
        holder, key = schema.get("properties"), member
    if isinstance(holder, dict):
        _name_schema(document, holder, key, stable)


def _media(document: dict[str, Any], operation: dict[str, Any], side: str) -> dict[str, Any] | None:
    """The media type object holding the request body's (or the success response's) schema."""
    if side == "request":
        container = _resolve(document, operation.get("requestBody") or {})
    else:
        responses = operation.get("responses") or {}
        status = next((s for s in ("201", "200", "202") if s in responses), None)
        container = _resolve(document, responses[status]) if status else {}
    content = container.get("content") or {}
    return next(iter(content.values()), None) if len(content) == 1 else None


def _name_schema(document: dict[str, Any], holder: dict[str, Any], key: str, stable: str) -> None:
    """Give the schema at ``holder[key]`` the component name ``stable``."""
    node = holder.get(key)
    if not isinstance(node, dict):
        return
    document.setdefault("components", {}).setdefault("schemas", {})
    ref = node.get("$ref")
    if isinstance(ref, str) and ref.startswith(SCHEMA_PREFIX):
        current = ref[len(SCHEMA_PREFIX) :]
        if current != stable:
            _move_aside(document, stable)
            _rename_component(document, current, stable)
    elif "$ref" not in node and (node.get("type") == "object" or "properties" in node):
        # Written inline: it becomes a component, referenced from its place, which keeps the
        # place's own nullability (and its description, which describes both).
        _move_aside(document, stable)
        place = {"nullable": node.pop("nullable")} if "nullable" in node else {}
        if "description" in node:
            place["description"] = node["description"]
        document["components"]["schemas"][stable] = node
        holder[key] = {**place, "$ref": SCHEMA_PREFIX + stable}


def _move_aside(document: dict[str, Any], name: str) -> None:
    """Another schema already called ``name`` gets a name of its own."""
    schemas = document["components"]["schemas"]
    if name in schemas:
        other, number = f"Klaviyo{name}", 2
        while other in schemas:
            other, number = f"Klaviyo{name}{number}", number + 1
        _rename_component(document, name, other)


def _rename_component(document: dict[str, Any], old: str, new: str) -> None:
    schemas = document["components"]["schemas"]
    document["components"]["schemas"] = {
        (new if name == old else name): schema for name, schema in schemas.items()
    }
    old_ref, new_ref = SCHEMA_PREFIX + old, SCHEMA_PREFIX + new

    def rewrite(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("$ref") == old_ref:
                node["$ref"] = new_ref
            for value in node.values():
                rewrite(value)
        elif isinstance(node, list):
            for value in node:
                rewrite(value)

    rewrite(document)


# --------------------------------------------------------------------------------------------
# Limits Klaviyo has published, for revisions that leave one out

RATE_LIMIT_KEY = "x-klaviyo-ratelimit"
PAYLOAD_LIMIT_KEY = "x-payload-limit"
ITEM_LIMIT_KEY = "x-item-limit"
ITEM_PAYLOAD_LIMIT_KEY = "x-item-payload-limit"
#: The facts a revision may leave out, and the name ``facts.OPERATIONS`` gives each.
LIMIT_FACTS: dict[str, str] = {
    RATE_LIMIT_KEY: "rate_limits",
    PAYLOAD_LIMIT_KEY: "payload_limit_bytes",
    ITEM_LIMIT_KEY: "item_limit",
    ITEM_PAYLOAD_LIMIT_KEY: "item_payload_limit_bytes",
}

_JOB_WINDOWS = {"burst": "10/s", "steady": "150/m"}
#: What each revision in Klaviyo's published specs states, by role (the tests hold this table
#: to the specs). A revision's fact is stated by the revision or missing: never guessed.
PUBLISHED: dict[str, dict[str, dict[str, Any]]] = {
    "2024-10-15": {
        CREATE_OR_UPDATE_PROFILE: {RATE_LIMIT_KEY: {"burst": "75/s", "steady": "700/m"}},
        BULK_IMPORT_PROFILES: {
            RATE_LIMIT_KEY: _JOB_WINDOWS,
            PAYLOAD_LIMIT_KEY: "5MB",
            ITEM_LIMIT_KEY: 10000,
        },
        GET_BULK_IMPORT_PROFILES_JOB: {RATE_LIMIT_KEY: _JOB_WINDOWS},
        GET_ERRORS_FOR_BULK_IMPORT_PROFILES_JOB: {RATE_LIMIT_KEY: _JOB_WINDOWS},
    },
    "2025-04-15": {
        CREATE_OR_UPDATE_PROFILE: {
            RATE_LIMIT_KEY: {"burst": "75/s", "steady": "700/m"},
            PAYLOAD_LIMIT_KEY: "100KB",
        },
        BULK_IMPORT_PROFILES: {
            RATE_LIMIT_KEY: _JOB_WINDOWS,
            PAYLOAD_LIMIT_KEY: "5MB",
            ITEM_LIMIT_KEY: 10000,
            ITEM_PAYLOAD_LIMIT_KEY: "100KB",
        },
        GET_BULK_IMPORT_PROFILES_JOB: {RATE_LIMIT_KEY: _JOB_WINDOWS},
        GET_ERRORS_FOR_BULK_IMPORT_PROFILES_JOB: {RATE_LIMIT_KEY: _JOB_WINDOWS},
    },
    "2026-07-15": {
        CREATE_OR_UPDATE_PROFILE: {
            RATE_LIMIT_KEY: {"burst": "75/s", "steady": "750/m"},
            PAYLOAD_LIMIT_KEY: "100KB",
        },
        BULK_IMPORT_PROFILES: {
            RATE_LIMIT_KEY: _JOB_WINDOWS,
            PAYLOAD_LIMIT_KEY: "5MB",
            ITEM_LIMIT_KEY: 10000,
            ITEM_PAYLOAD_LIMIT_KEY: "100KB",
        },
        GET_BULK_IMPORT_PROFILES_JOB: {RATE_LIMIT_KEY: _JOB_WINDOWS},
        GET_ERRORS_FOR_BULK_IMPORT_PROFILES_JOB: {RATE_LIMIT_KEY: _JOB_WINDOWS},
    },
}


def _days(revision: str) -> int:
    year, month, day = (int(part) for part in revision[:10].split("-"))
    return year * 372 + month * 31 + day  # order and rough distance are all that matter


def fallback(name: str, key: str, revision: str) -> tuple[Any, str] | None:
    """``(figure, revision)``: the fact ``key`` of role ``name`` as the published revision
    nearest to ``revision`` states it (the later one of two as near), or ``None``."""
    stating = [
        (abs(_days(other) - _days(revision)), other, facts[name][key])
        for other, facts in PUBLISHED.items()
        if key in facts.get(name, {})
    ]
    if not stating:
        return None
    _, source, figure = min(stating, key=lambda entry: (entry[0], -_days(entry[1])))
    return copy.deepcopy(figure), source


_RATE = re.compile(r"^\s*(\d+)\s*/\s*(\d*)\s*([a-z]+)\s*$", re.I)
_PERIODS = {
    **dict.fromkeys(("s", "sec", "secs", "second", "seconds"), 1),
    **dict.fromkeys(("m", "min", "mins", "minute", "minutes"), 60),
    **dict.fromkeys(("h", "hr", "hrs", "hour", "hours"), 3600),
    **dict.fromkeys(("d", "day", "days"), 86400),
}
#: The windows of ``x-klaviyo-ratelimit`` the project paces by.
RATE_WINDOWS = ("burst", "steady")


def parse_rate(text: Any) -> tuple[int, int] | None:
    """``"750/m"``, ``"750/min"``, ``"3/10s"`` -> ``(requests, period in seconds)``; ``None``
    when the text says neither."""
    match = _RATE.match(text) if isinstance(text, str) else None
    if match is None or match.group(3).lower() not in _PERIODS:
        return None
    count, unit = int(match.group(2) or 1), _PERIODS[match.group(3).lower()]
    if int(match.group(1)) <= 0 or count <= 0:
        return None
    return int(match.group(1)), count * unit


def stated_rate_windows(operation: dict[str, Any]) -> dict[str, str]:
    """The windows of the operation's rate limit that it states readably."""
    stated = operation.get(RATE_LIMIT_KEY)
    if not isinstance(stated, dict):
        return {}
    return {w: stated[w] for w in RATE_WINDOWS if parse_rate(stated.get(w)) is not None}


def stated_or_fallback(
    name: str, operation: dict[str, Any], revision: str
) -> tuple[dict[str, Any], dict[str, str]]:
    """The operation's :data:`LIMIT_FACTS` as it states them or, for those it leaves out, as
    the nearest published revision does; and ``{facts name: that revision}`` for the latter.
    A rate limit stated in part (one window, or one the project cannot read) keeps what it
    states and takes the missing windows from that revision."""
    values: dict[str, Any] = {}
    fallbacks: dict[str, str] = {}
    for key, field in LIMIT_FACTS.items():
        if key == RATE_LIMIT_KEY:
            stated: Any = stated_rate_windows(operation)
            if len(stated) == len(RATE_WINDOWS):
                values[key] = stated
                continue
        elif key in operation:
            values[key] = operation[key]
            continue
        else:
            stated = None
        found = fallback(name, key, revision)
        if found is not None:
            figure, fallbacks[field] = found
            values[key] = {**figure, **stated} if isinstance(figure, dict) and stated else figure
        elif stated:
            values[key] = stated
    return values, fallbacks


# --------------------------------------------------------------------------------------------
# What changed between two fragments, operation by operation


def _unstated(old: dict[str, Any], new: dict[str, Any]) -> Iterator[tuple[str, str, Any]]:
    """``(fact key, facts name, what old stated)`` for each limit ``old`` states and ``new``
    does not (a rate limit window by window)."""
    for key, field in LIMIT_FACTS.items():
        if key == RATE_LIMIT_KEY:
            was, now = stated_rate_windows(old), stated_rate_windows(new)
            if was and set(was) - set(now):
                lost = {w: was[w] for w in RATE_WINDOWS if w in was and w not in now}
                yield key, field, lost
        elif key in old and key not in new:
            yield key, field, old[key]


def changes(
    old: dict[str, tuple[str, str, dict[str, Any]]],
    new: dict[str, tuple[str, str, dict[str, Any]]],
    new_document: dict[str, Any],
) -> list[str]:
    """Changelog lines about the operations themselves (``old``/``new``: role -> path, method,
    operation; ``new_document`` holds the latter): Klaviyo's names that differ from the
    role's, limits no longer stated, required parameters the wrapper does not send."""
    new_revision = str((new_document.get("info") or {}).get("version"))
    lines: list[str] = []
    for role in ROLES:
        if role.name not in new:
            continue
        operation = new[role.name][2]
        klaviyo = operation.get("operationId")
        before = old[role.name][2].get("operationId") if role.name in old else None
        if klaviyo is not None and klaviyo != role.name and klaviyo != before:
            lines.append(f"renamed  operation {klaviyo} -> {role.name} (generated by its role)")
        unsendable = unsendable_parameters(new_document, role.name, operation)
        if unsendable:
            effect = "it cannot be served" if role.required else "the client is built without it"
            lines.append(
                f"cannot send: {role.name} requires {', '.join(unsendable)}, which the client "
                f"does not send; {effect}"
            )
        if role.name not in old:
            continue
        for key, field, was in _unstated(old[role.name][2], operation):
            found = fallback(role.name, key, new_revision)
            instead = "none is known: what needs it is off"
            if found is not None:
                figure = found[0]
                if key == RATE_LIMIT_KEY:  # only the windows no longer stated
                    figure = {window: figure[window] for window in was if window in figure}
                instead = f"{figure} from revision {found[1]} stands in"
            lines.append(f"no longer stated: {role.name} {field} (was {was}); {instead}")
    return lines
