"""Request checks of the profile-import route: headers, query parameters and the body.

Each check raises :class:`~klaviyo_profiles.sandbox.error_responses.ErrorResponse` with
JSON:API errors; the body checks collect every problem they find rather than stopping at the
first, so a caller sees all of them in one round trip.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from functools import cache
from typing import Any

from jsonschema import Draft202012Validator
from klaviyo_profile_import import facts

from .decoding import decode_body
from .error_responses import ErrorResponse, error_object, json_pointer

AUTH_SCHEME = "Klaviyo-API-Key"
# A key is one token of visible ASCII; Klaviyo's own keys (pk_ + hex) are a subset of this.
_AUTH_PATTERN = re.compile(r"^Klaviyo-API-Key[ ]+([\x21-\x7e]+)\s*$")
REVISION_PATTERN = re.compile(r"^\d{4}-\d{2}-\d{2}(\.[A-Za-z0-9_-]+)?$")
# Deliberately loose, like most servers: one @, no spaces, a dot in the domain.
EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s.]+(\.[^@\s.]+)+$")
E164_PATTERN = re.compile(r"^\+[1-9]\d{1,14}$")

#: Attributes that identify a profile, in the order they are tried when matching. ``anonymous_id``
#: takes part only in revisions whose request still has it.
IDENTIFIER_ATTRIBUTES: tuple[str, ...] = tuple(
    name
    for name in ("email", "phone_number", "external_id", "anonymous_id", "_kx")
    if name in facts.REQUEST_ATTRIBUTES
)
#: Identifiers ``meta.patch_identifiers`` may change (the revision documents email only).
PATCHABLE_IDENTIFIERS: tuple[str, ...] = ("email",)

#: The JSON:API type of the resource, named in the unknown-field error.
RESOURCE_TYPE = "profile"
# Error messages quote the offending value; a long one is cut so the answer stays small.
_MESSAGE_LIMIT = 300

#: The revisions whose schema the sandbox holds: the one it was generated for.
SCHEMA_REVISIONS: tuple[str, ...] = (facts.REVISION,)
#: Response header naming the schema revision that answered.
SERVED_REVISION_HEADER = "X-Sandbox-Served-Revision"

ADDITIONAL_FIELDS_PARAMETER = "additional-fields[profile]"
SPARSE_FIELDS_PARAMETER = "fields[profile]"


def api_key_from(authorization: str | None) -> str:
    """The key in an ``Authorization`` header, or a 401 when the header is missing or malformed."""
    if authorization is None or not authorization.strip():
        raise ErrorResponse.single(
            401,
            "not_authenticated",
            f"Send the header 'Authorization: {AUTH_SCHEME} <private key>'.",
        )
    match = _AUTH_PATTERN.match(authorization.strip())
    if match is None:
        raise ErrorResponse.single(
            401,
            "not_authenticated",
            f"The Authorization header must use the scheme '{AUTH_SCHEME}' followed by one key.",
        )
    return match.group(1)


def check_scopes(
    key: str, api_keys: Mapping[str, tuple[str, ...]] | None, needed: Sequence[str]
) -> None:
    """401 for a key the sandbox does not know, 403 for one that lacks a needed scope."""
    if api_keys is None:
        return
    scopes = api_keys.get(key)
    if scopes is None:
        raise ErrorResponse.single(401, "authentication_failed", "The API key is not valid.")
    missing = [scope for scope in needed if scope not in scopes]
    if missing:
        raise ErrorResponse.single(
            403,
            "permission_denied",
            f"The API key lacks the scope(s) {', '.join(missing)} this call needs.",
        )


def check_revision(
    revision: str | None, served: Sequence[str] | None, *, today: dt.date | None = None
) -> str:
    """The schema revision that answers a request (see ``SandboxConfig.revisions``): the
    ``revision`` header must be present and well formed, and either one of ``served``, or,
    with ``served`` left as ``None``, a revision dated from the oldest schema held up to
    ``today`` (default: today, UTC), answered with the newest schema held at or before it."""
    revision = (revision or "").strip()
    if served is None:
        if revision in SCHEMA_REVISIONS:
            return revision
    elif revision in served:
        return facts.REVISION  # the one schema this sandbox holds answers each of them
    if not revision:
        raise ErrorResponse.single(
            400,
            "invalid",
            f"The 'revision' header is required; this server serves {_served_text(served, today)}.",
            parameter="revision",
        )
    well_formed = REVISION_PATTERN.match(revision) is not None
    date = _revision_date(revision) if well_formed else None
    if date is None:
        problem = (
            f"has the form YYYY-MM-DD[.suffix] but names no real day ({revision[:10]})"
            if well_formed
            else "is not of the form YYYY-MM-DD[.suffix]"
        )
        raise ErrorResponse.single(
            400, "invalid", f"The 'revision' header {revision!r} {problem}.", parameter="revision"
        )
    if served is None:
        at_or_before = [held for held_date, held in _HELD_SCHEMAS if held_date <= date]
        if at_or_before and date <= (today or _today()):
            return at_or_before[-1]
    raise ErrorResponse.single(
        400,
        "invalid",
        f"Revision {revision} is not served here; served revisions: {_served_text(served, today)}.",
        parameter="revision",
    )


def _served_text(served: Sequence[str] | None, today: dt.date | None) -> str:
    if served is not None:
        return ", ".join(served)
    oldest = _HELD_SCHEMAS[0][1]
    return f"{oldest} and later, up to today ({(today or _today()).isoformat()})"


def _revision_date(revision: str) -> dt.date | None:
    """The date a revision names (``2026-10-15.pre`` -> 2026-10-15), or ``None`` for one
    that names no real day."""
    try:
        return dt.date.fromisoformat(revision[:10])
    except ValueError:
        return None


#: The held schemas by date, oldest first.
_HELD_SCHEMAS: list[tuple[dt.date, str]] = sorted(
    (dt.date.fromisoformat(held[:10]), held) for held in SCHEMA_REVISIONS
)


def _today() -> dt.date:
    return dt.datetime.now(dt.timezone.utc).date()


def check_content_type(content_type: str | None, accepted: Iterable[str]) -> None:
    """415 unless the body's media type is accepted, parameters (``charset``, ``ext``...)
    ignored on both sides: a spec's own media type may carry one
    (``application/vnd.api+json; ext=bulk``)."""
    media_type = _bare_media_type(content_type or "")
    accepted = tuple(accepted)
    if media_type not in {_bare_media_type(item) for item in accepted}:
        shown = media_type or "none"
        raise ErrorResponse.single(
            415,
            "unsupported_media_type",
            f"Media type {shown!r} is not supported here; send {' or '.join(accepted)}.",
        )


def _bare_media_type(media_type: str) -> str:
    return media_type.split(";", 1)[0].strip().lower()


def parse_json(body: bytes) -> Any:
    """The decoded body, or a 400 naming the first problem (see :mod:`.decoding`)."""
    return decode_body(body)


def parse_list_parameter(query: Mapping[str, str], name: str, allowed: Sequence[str]) -> list[str]:
    """A comma-joined query parameter (``explode: false``); unknown values give a 400."""
    raw = query.get(name)
    if raw is None:
        return []
    values = [value.strip() for value in raw.split(",") if value.strip()]
    unknown = [value for value in values if value not in allowed]
    if unknown or not values:
        shown = ", ".join(unknown) or "(empty)"
        raise ErrorResponse.single(
            400,
            "invalid",
            f"Unknown value(s) for {name}: {shown}.",
            parameter=name,
        )
    return values


def closed_schema(schema: Any) -> Any:
    """A copy of ``schema`` in which every object that lists its ``properties`` admits no other
    member, as Klaviyo answers an unknown field with a 400. Objects that list none (such as
    ``properties``, the caller's own custom data) stay open."""
    if isinstance(schema, list):
        return [closed_schema(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    closed = {key: closed_schema(value) for key, value in schema.items()}
    if isinstance(schema.get("properties"), dict) and "additionalProperties" not in schema:
        closed["additionalProperties"] = False
    return closed


@cache
def _validator() -> Draft202012Validator:
    return Draft202012Validator(closed_schema(facts.request_body_schema()))


def unknown_field_error(path: Sequence[str | int]) -> dict[str, Any]:
    """The error for a member the revision's schema does not define, at ``path``."""
    return error_object(
        400,
        "invalid",
        f"{str(path[-1])!r} is not a valid field for the resource {RESOURCE_TYPE!r}.",
        pointer=json_pointer(path),
    )


def validate_body(document: Any) -> dict[str, Any]:
    """Check a decoded body against the revision's schema and the rules the schema cannot say.

    Returns the ``data`` member. Raises a 400 holding one error per problem.
    """
    errors = list(_schema_errors(document))
    if errors:
        raise ErrorResponse(400, errors)
    data: dict[str, Any] = document["data"]
    problems = semantic_problems(data)
    if problems:
        raise ErrorResponse(400, problems)
    return data


def semantic_problems(data: Mapping[str, Any]) -> list[dict[str, Any]]:
    """What the schema cannot say about a profile resource object that passed it: at least one
    identifier, email and phone formats, ``patch_identifiers``. One error per problem."""
    attributes: Mapping[str, Any] = data.get("attributes") or {}
    problems: list[dict[str, Any]] = []

    has_identifier = data.get("id") is not None or any(
        attributes.get(name) is not None for name in IDENTIFIER_ATTRIBUTES
    )
    if not has_identifier:
        names = ", ".join(("id", *IDENTIFIER_ATTRIBUTES))
        problems.append(
            error_object(
                400,
                "invalid",
                f"At least one identifier is required: {names}.",
                pointer="/data/attributes",
            )
        )
    problems.extend(_format_problems(attributes))
    problems.extend(_patch_identifier_problems(data.get("meta")))
    return problems


#: Keywords that constrain a value rather than its type or members.
_VALUE_KEYWORDS = frozenset(
    (
        "enum", "const", "pattern", "format", "minimum", "maximum", "exclusiveMinimum",
        "exclusiveMaximum", "multipleOf", "minLength", "maxLength", "minItems", "maxItems",
        "uniqueItems", "minProperties", "maxProperties", "not", "if", "dependentRequired",
    )
)  # fmt: skip
# Where the revision's schema constrains a value: the resource type, which the shape keeps.
_TYPE_ENUM = "/properties/data/properties/type"
_SHAPE_CACHE_LIMIT = 4096


def _value_constraints(schema: Any, path: str = "") -> set[str]:
    found: set[str] = set()
    if isinstance(schema, dict):
        for key, value in schema.items():
            if key in _VALUE_KEYWORDS:
                found.add(path)
            found |= _value_constraints(value, f"{path}/{key}")
    elif isinstance(schema, list):
        for index, item in enumerate(schema):
            found |= _value_constraints(item, f"{path}/{index}")
    return found


@cache
def _shapes_decide() -> bool:
    """Whether a profile's shape alone (members and JSON types, plus its ``type`` value)
    decides that it passes the schema: true while the schema constrains no other value."""
    return _value_constraints(facts.request_body_schema()) <= {_TYPE_ENUM}


def _shape(value: Any) -> Any:
    if isinstance(value, dict):
        return tuple(sorted((str(key), _shape(member)) for key, member in value.items()))
    if isinstance(value, list):
        return ("[]", *(_shape(item) for item in value))
    if isinstance(value, float) and value.is_integer():
        return "integral float"  # JSON Schema counts 1.0 as an integer, 1.5 not
    # The exact type: JSON Schema tells true from 1.
    return type(value).__name__


_valid_shapes: set[Any] = set()


def profile_schema_errors(profile: Any, prefix: Sequence[str | int]) -> list[dict[str, Any]]:
    """Schema errors of one profile resource object (the ``data`` of a Create or Update Profile
    body) found elsewhere in a document, with pointers below ``prefix``, its place there.

    A job holds up to thousands of profiles, most of one shape, and the full check costs about
    0.1 ms each; so a shape already seen to pass is not checked again (a shape that fails
    always is, for its messages)."""
    key: Any = None
    if isinstance(profile, dict) and _shapes_decide():
        key = (repr(profile.get("type")), _shape(profile))
        if key in _valid_shapes:
            return []
    errors = list(_schema_errors({"data": profile}))
    if key is not None and not errors:
        if len(_valid_shapes) >= _SHAPE_CACHE_LIMIT:
            _valid_shapes.clear()
        _valid_shapes.add(key)
    base = json_pointer(prefix)
    for error in errors:
        source = error.get("source")
        if source and "pointer" in source:
            # Every pointer of the wrapped document starts with /data, the profile itself.
            source["pointer"] = base + source["pointer"][len("/data") :]
    return errors


def _schema_errors(document: Any) -> Iterable[dict[str, Any]]:
    seen: set[tuple[str, str]] = set()
    for error in sorted(_validator().iter_errors(document), key=lambda e: list(e.absolute_path)):
        path = list(error.absolute_path)
        if error.validator == "required" and isinstance(error.instance, dict):
            # Point at the missing member itself, which is what a caller has to add.
            for name in error.validator_value:
                if name not in error.instance:
                    pointer = json_pointer([*path, name])
                    if ("required", pointer) not in seen:
                        seen.add(("required", pointer))
                        yield error_object(
                            400, "invalid", f"'{name}' is required.", pointer=pointer
                        )
            continue
        if error.validator == "additionalProperties" and isinstance(error.instance, dict):
            known = error.schema.get("properties", {}) if isinstance(error.schema, dict) else {}
            for name in error.instance:
                if name not in known:
                    yield unknown_field_error([*path, name])
            continue
        pointer = json_pointer(path)
        if (str(error.validator), pointer) in seen:
            continue
        seen.add((str(error.validator), pointer))
        message = error.message
        if len(message) > _MESSAGE_LIMIT:
            message = message[: _MESSAGE_LIMIT - 3] + "..."
        yield error_object(400, "invalid", message, pointer=pointer)


def _format_problems(attributes: Mapping[str, Any]) -> Iterable[dict[str, Any]]:
    email = attributes.get("email")
    if isinstance(email, str) and not EMAIL_PATTERN.match(email):
        yield error_object(
            400,
            "invalid",
            f"{email!r} is not a valid email address.",
            pointer="/data/attributes/email",
        )
    phone = attributes.get("phone_number")
    if isinstance(phone, str) and not E164_PATTERN.match(phone):
        yield error_object(
            400,
            "invalid",
            f"{phone!r} is not a phone number in E.164 format (for example +15005550006).",
            pointer="/data/attributes/phone_number",
        )


def _patch_identifier_problems(meta: Any) -> Iterable[dict[str, Any]]:
    if not isinstance(meta, dict) or not isinstance(meta.get("patch_identifiers"), dict):
        return
    for operation, changes in meta["patch_identifiers"].items():
        if not isinstance(changes, dict):
            continue
        for name, value in changes.items():
            pointer = json_pointer(["data", "meta", "patch_identifiers", operation, name])
            if name not in PATCHABLE_IDENTIFIERS:
                yield error_object(
                    400,
                    "invalid",
                    f"patch_identifiers supports {', '.join(PATCHABLE_IDENTIFIERS)} only.",
                    pointer=pointer,
                )
                continue
            values = value if isinstance(value, list) else [value]
            for item in values:
                if not isinstance(item, str) or not EMAIL_PATTERN.match(item):
                    yield error_object(
                        400, "invalid", f"{item!r} is not a valid email address.", pointer=pointer
                    )


def identifier_values(value: Any) -> list[str]:
    """A patch value (one string or a list of them) as a list."""
    return list(value) if isinstance(value, list) else [value]
