"""What the scripts take from Klaviyo's documents: the fragment of the operations the project
serves (facts only), the limits Klaviyo states only in prose, facts-only copies for the tests
with digests of the prose left out, and the project's own descriptions carried from one
fragment to the next by place.
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
from collections.abc import Iterator
from typing import Any

from spec_document import (
    ITEM_LIMIT_KEY,
    ITEM_PAYLOAD_LIMIT_KEY,
    NAME_MAPS,
    OPERATIONS,
    OWN_EXTENSIONS,
    PAYLOAD_LIMIT_KEY,
    REVISION_PATTERN,
    SpecError,
    check_document_shape,
    check_operation_shape,
    deref,
    find_operations,
    map_schemas,
    references,
    resolve,
    strip_prose,
)

# --------------------------------------------------------------------------------------------
# Limits Klaviyo states only in prose


_PAYLOAD_LIMIT_PROSE = re.compile(
    r"maximum allowed payload size is\s*(\d+(?:\.\d+)?)\s*(KB|MB|B)\b", re.I
)


def payload_limit_from_prose(operation: dict[str, Any]) -> str | None:
    """Klaviyo states the payload limit only in the operation's description; read it as a fact."""
    match = _PAYLOAD_LIMIT_PROSE.search(operation.get("description") or "")
    if match is None:
        return None
    return f"{match.group(1)}{match.group(2).upper()}"


_ITEM_LIMIT_PROSE = re.compile(r"accepts up to\s*(\d[\d,]*)\s*profiles per request", re.I)
_ITEM_PAYLOAD_LIMIT_PROSE = re.compile(
    r"maximum allowed payload size per-profile is\s*(\d+(?:\.\d+)?)\s*(KB|MB|B)\b", re.I
)


def limits_from_prose(operation: dict[str, Any]) -> dict[str, Any]:
    """The limits Klaviyo states only in an operation's description, as the project's
    extensions (:data:`OWN_EXTENSIONS`): payload size, profiles per request, size of one."""
    description = operation.get("description") or ""
    limits: dict[str, Any] = {}
    payload = payload_limit_from_prose(operation)
    if payload is not None:
        limits[PAYLOAD_LIMIT_KEY] = payload
    match = _ITEM_LIMIT_PROSE.search(description)
    if match is not None:
        limits[ITEM_LIMIT_KEY] = int(match.group(1).replace(",", ""))
    match = _ITEM_PAYLOAD_LIMIT_PROSE.search(description)
    if match is not None:
        limits[ITEM_PAYLOAD_LIMIT_KEY] = f"{match.group(1)}{match.group(2).upper()}"
    return limits


# --------------------------------------------------------------------------------------------
# The fragment: the operations, cut out with what they reference


def _collect_components(
    document: dict[str, Any], roots: Any, prose: set[str] | None = None
) -> dict[str, dict[str, Any]]:
    """Every component ``roots`` reference, transitively, without prose (collected into
    ``prose`` when given)."""
    components: dict[str, dict[str, Any]] = {}
    pending = list(references(roots))
    seen: set[str] = set()
    while pending:
        ref = pending.pop()
        if ref in seen:
            continue
        seen.add(ref)
        parts = ref[2:].split("/")
        if len(parts) != 3 or parts[0] != "components":
            raise SpecError(f"unsupported reference {ref!r}")
        source = resolve(document, ref)
        if prose is not None:
            prose.update(prose_texts(source))
        target = strip_prose(copy.deepcopy(source), parent_key=None)
        components.setdefault(parts[1], {})[parts[2]] = target
        pending.extend(references(target))
    return components


def _security_schemes(document: dict[str, Any], operations: list[dict[str, Any]]) -> dict[str, Any]:
    schemes = (document.get("components") or {}).get("securitySchemes") or {}
    found: dict[str, Any] = {}
    for operation in operations:
        for requirement in operation.get("security", document.get("security")) or []:
            for name in requirement:
                if not isinstance(schemes.get(name), dict):
                    raise SpecError(
                        f"the operations require the security scheme {name!r}, which "
                        "components/securitySchemes does not define"
                    )
                found[name] = strip_prose(copy.deepcopy(schemes[name]))
    return found


def _paths(found: list[tuple[str, str, dict[str, Any]]]) -> dict[str, dict[str, Any]]:
    paths: dict[str, dict[str, Any]] = {}
    for path, method, op in found:
        paths.setdefault(path, {})[method] = op
    return paths


def detect_revision(document: dict[str, Any], operation: dict[str, Any]) -> str | None:
    """The revision a document describes: the ``revision`` header's default, else
    ``info.version``."""
    for parameter in operation.get("parameters") or []:
        parameter = deref(document, parameter)
        if parameter.get("in") == "header" and parameter.get("name") == "revision":
            default = (parameter.get("schema") or {}).get("default")
            if isinstance(default, str) and REVISION_PATTERN.match(default):
                return default
    version = (document.get("info") or {}).get("version")
    if isinstance(version, str) and REVISION_PATTERN.match(version):
        return version
    return None


#: The order of ``components`` in a fragment; kinds not listed follow, alphabetically.
COMPONENT_ORDER = (
    "parameters",
    "headers",
    "requestBodies",
    "schemas",
    "responses",
    "securitySchemes",
)


def _pin_revision(fragment: dict[str, Any], revision: str) -> None:
    """Every ``revision`` header parameter of the fragment, inline or a component, defaults
    to ``revision``."""
    holders = [
        parameter
        for item in fragment["paths"].values()
        for operation in item.values()
        for parameter in operation.get("parameters") or []
    ]
    holders.extend((fragment["components"].get("parameters") or {}).values())
    for parameter in holders:
        if parameter.get("in") == "header" and parameter.get("name") == "revision":
            parameter.setdefault("schema", {"type": "string"})["default"] = revision


def extract_fragment(document: dict[str, Any], *, revision: str | None = None) -> dict[str, Any]:
    """Cut the profile-import operation, and every component it references, out of ``document``.

    Works on any shape Klaviyo publishes (the full ``stable.json``, a category file, a file per
    endpoint) because it starts from the operation and follows references; an OpenAPI 3.1
    document is read as the 3.0 it would be (:func:`to_openapi30`). The result carries facts
    only, as the document states them (a limit it leaves out stays out: generation takes the
    nearest published revision's, marked as such); descriptions are added afterwards from the
    project's own fragment.
    """
    if str(document.get("openapi", "")).startswith("3.1"):
        document = to_openapi30(document)
    found = find_operations(document)
    for _, path, method, operation in found:
        check_operation_shape(path, method, operation)
    _, _, _, primary = found[0]
    found_revision = detect_revision(document, primary)
    revision = revision or found_revision
    if revision is None:
        raise SpecError("the document names no revision; pass --revision")
    if not REVISION_PATTERN.match(revision):
        raise SpecError(f"revision {revision!r} is not of the form YYYY-MM-DD[.suffix]")

    cut: list[tuple[str, str, dict[str, Any]]] = []
    for _, path, method, operation in found:
        # Klaviyo's operationId (or none) stays as it is, a fact; generated names come from
        # the role (operations.name_by_role).
        op = strip_prose(copy.deepcopy(operation))
        op.update({key: operation[key] for key in OWN_EXTENSIONS if key in operation})
        op.update(limits_from_prose(operation))
        for response in (op.get("responses") or {}).values():
            # OpenAPI requires a description on every response; the project's words fill it
            # later.
            if "$ref" not in response:
                response.setdefault("description", "")
        cut.append((path, method, op))

    components = _collect_components(document, [op for _, _, op in cut])
    for response in components.get("responses", {}).values():
        response.setdefault("description", "")
    operations = [operation for _, _, _, operation in found]
    security = primary.get("security", document.get("security")) or []
    schemes = _security_schemes(document, operations)
    if schemes:
        components["securitySchemes"] = schemes

    kinds = [*COMPONENT_ORDER, *sorted(set(components) - set(COMPONENT_ORDER))]
    ordered_components = {
        kind: dict(sorted(components[kind].items())) for kind in kinds if kind in components
    }
    servers = [
        {"url": server["url"]}
        for server in document.get("servers") or []
        if isinstance(server, dict) and isinstance(server.get("url"), str)
    ]
    fragment: dict[str, Any] = {
        "openapi": document.get("openapi", "3.0.2"),
        "info": {"title": "", "version": revision},
    }
    if servers:
        fragment["servers"] = servers
    if security:
        fragment["security"] = security
    fragment["paths"] = _paths(cut)
    fragment["components"] = ordered_components
    _pin_revision(fragment, revision)
    check_document_shape(fragment)
    return fragment


# --------------------------------------------------------------------------------------------
# Facts-only copies of Klaviyo's documents (what the test suite ships)

#: Top-level member of a facts copy: digests of the prose left out, so tests can still prove
#: that none of it reached the project's fragment without the copy holding a word of it.
PROSE_DIGESTS_KEY = "x-prose-digests"
#: Shorter pieces are names, enum values and phrases such as "City name" that any two
#: descriptions of one field may share without one copying the other.
MIN_PROSE_LENGTH = 25


def squash(text: str) -> str:
    """Prose compared loosely: runs of whitespace made one space, lower case."""
    return re.sub(r"\s+", " ", text).strip().lower()


def prose_texts(node: Any, key: str | None = None) -> Iterator[str]:
    """Every description, summary and title in a document, and every string of its examples."""
    if isinstance(node, dict):
        for child_key, value in node.items():
            if key not in NAME_MAPS and child_key in ("description", "summary", "title"):
                if isinstance(value, str):
                    yield value
            elif key not in NAME_MAPS and child_key in ("example", "examples"):
                yield json.dumps(value)
                yield from _strings(value)
            else:
                yield from prose_texts(value, child_key)
    elif isinstance(node, list):
        for value in node:
            yield from prose_texts(value, key)


def _strings(node: Any) -> Iterator[str]:
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for value in node.values():
            yield from _strings(value)
    elif isinstance(node, list):
        for value in node:
            yield from _strings(value)


def prose_pieces(text: str) -> set[str]:
    """A text, squashed, and each of its sentences, long enough to count as prose."""
    sentences = [s for s in re.split(r"(?<=[.!?])\s+|\n", text) if s]
    pieces = {squash(text), *(squash(sentence) for sentence in sentences)}
    return {piece for piece in pieces if len(piece) >= MIN_PROSE_LENGTH}


def prose_digest(piece: str) -> str:
    """The digest a facts copy keeps for one squashed piece of prose."""
    return hashlib.sha256(piece.encode("utf-8")).hexdigest()[:20]


def facts_copy(document: dict[str, Any]) -> dict[str, Any]:
    """Klaviyo's document cut down to the profile-import operation, in the document's own shape.

    Kept: the operation under its path and method, every component it references (followed
    transitively), its security schemes, ``openapi``, ``info.version`` and the servers: the
    names, types, parameters, enums, scopes and rate limits. Dropped: every other operation
    and every description, summary, title, example and documentation extension. The payload
    limit, which Klaviyo states only in prose, is kept as the fact ``x-payload-limit``; the
    dropped prose is kept only as digests (``x-prose-digests``). Objects OpenAPI requires a
    description on (responses) get an empty one, so the copy stays a valid document.
    """
    found = find_operations(document)
    cut: list[tuple[str, str, dict[str, Any]]] = []
    prose: set[str] = set()
    for _, path, method, operation in found:
        op = strip_prose(copy.deepcopy(operation))
        op.update(limits_from_prose(operation))
        op.update({key: operation[key] for key in OWN_EXTENSIONS if key in operation})
        prose.update(prose_texts(operation))
        cut.append((path, method, op))
    components = _collect_components(document, [op for _, _, op in cut], prose)
    schemes = _security_schemes(document, [operation for _, _, _, operation in found])
    if schemes:
        components["securitySchemes"] = schemes
    for response in [
        *(response for _, _, op in cut for response in (op.get("responses") or {}).values()),
        *components.get("responses", {}).values(),
    ]:
        if isinstance(response, dict) and "$ref" not in response:
            response.setdefault("description", "")
    result: dict[str, Any] = {"openapi": document.get("openapi", "3.0.2")}
    info = {"title": ""}
    if "version" in (document.get("info") or {}):
        info["version"] = document["info"]["version"]
    result["info"] = info
    servers = [{"url": s["url"]} for s in document.get("servers") or [] if "url" in s]
    if servers:
        result["servers"] = servers
    if "security" in document:
        result["security"] = document["security"]
    result["paths"] = _paths(cut)
    result["components"] = {kind: dict(sorted(found.items())) for kind, found in components.items()}
    digests = {prose_digest(piece) for text in prose for piece in prose_pieces(text)}
    digests.update(document.get(PROSE_DIGESTS_KEY) or [])  # a copy of a copy keeps them
    result[PROSE_DIGESTS_KEY] = sorted(digests)
    return result


# --------------------------------------------------------------------------------------------
# Carrying the project's descriptions across revisions


#: The keys of the project's prose that carry over from one fragment to the next.
PROSE_FIELDS = ("title", "summary", "description")
#: Top-level member of a fragment holding the project's words for the places of operations
#: its revision lacks (``{"role/response/200/schema/...": {"description": ...}}``, a place's
#: parts joined as in a JSON pointer), carried to the next fragment.
KEPT_PROSE_KEY = "x-prose-kept"
#: Marks the object holding a ``$ref`` (whose siblings describe the place) apart from the
#: object the reference names (which describes the component), both at one place.
_AT_REFERENCE = "$ref"
#: ``(place, object, inline)``: ``inline`` when the object is written at its place rather
#: than reached through a ``$ref``.
_Place = tuple[tuple[str, ...], dict[str, Any], bool]


def described_places(document: dict[str, Any]) -> Iterator[_Place]:
    """``(place, object, inline)`` for every object of a fragment that may carry prose, keyed
    by what it is rather than by where the document keeps it: ``info``; each security scheme by
    name; and, for each operation by its role, the operation, each parameter (by location and
    name), the request body, each response (by status) and every schema below them by its path
    (property names, ``items``, ``anyOf``/``oneOf``/``allOf`` and the member's index). A schema
    reached through a ``$ref`` has the place of one written inline; the object holding the
    ``$ref`` has that place with ``$ref`` appended. An object reached by several places is
    given by each."""
    if isinstance(document.get("info"), dict):
        yield ("info",), document["info"], True
    schemes = (document.get("components") or {}).get("securitySchemes") or {}
    for name, scheme in schemes.items():
        if isinstance(scheme, dict):
            yield ("security", name), scheme, True
    for role, _, _, operation in find_operations(document):
        yield (role,), operation, True
        place: tuple[str, ...]
        for parameter in operation.get("parameters") or []:
            target = deref(document, parameter)
            place = (role, "parameter", str(target.get("in")), str(target.get("name")))
            yield from _holder_places(document, parameter, place)
            yield from _schema_places(document, target.get("schema"), (*place, "schema"))
        if isinstance(operation.get("requestBody"), dict):
            place = (role, "request")
            yield from _holder_places(document, operation["requestBody"], place)
            yield from _content_places(document, operation["requestBody"], place)
        for status, response in (operation.get("responses") or {}).items():
            place = (role, "response", str(status))
            yield from _holder_places(document, response, place)
            yield from _content_places(document, response, place)


def _holder_places(document: dict[str, Any], node: Any, place: tuple[str, ...]) -> Iterator[_Place]:
    if not isinstance(node, dict):
        return
    if "$ref" in node:
        yield (*place, _AT_REFERENCE), node, False
    target = deref(document, node)
    if isinstance(target, dict):
        yield place, target, target is node


def _content_places(
    document: dict[str, Any], holder: Any, place: tuple[str, ...]
) -> Iterator[_Place]:
    # The media type is left out of the place: a field keeps its words when Klaviyo changes
    # application/json to application/vnd.api+json.
    for media in (deref(document, holder).get("content") or {}).values():
        if isinstance(media, dict):
            yield from _schema_places(document, media.get("schema"), (*place, "schema"))


def _schema_places(
    document: dict[str, Any],
    schema: Any,
    place: tuple[str, ...],
    stack: tuple[str, ...] = (),
    inline: bool = True,
) -> Iterator[_Place]:
    if not isinstance(schema, dict):
        return
    ref = schema.get("$ref")
    if isinstance(ref, str):
        yield (*place, _AT_REFERENCE), schema, False
        if ref not in stack:  # a recursive schema is described once
            target = resolve(document, ref)
            yield from _schema_places(document, target, place, (*stack, ref), inline=False)
        return
    yield place, schema, inline
    for name, child in (schema.get("properties") or {}).items():
        yield from _schema_places(document, child, (*place, "properties", name), stack)
    for keyword in ("items", "additionalProperties", "not"):
        yield from _schema_places(document, schema.get(keyword), (*place, keyword), stack)
    for keyword in ("anyOf", "oneOf", "allOf"):
        for index, member in enumerate(schema.get(keyword) or []):
            yield from _schema_places(document, member, (*place, keyword, str(index)), stack)


def _pointer_of(place: tuple[str, ...]) -> str:
    return "/".join(part.replace("~", "~0").replace("/", "~1") for part in place)


def _place_of(pointer: str) -> tuple[str, ...]:
    return tuple(part.replace("~1", "/").replace("~0", "~") for part in pointer.split("/"))


def carry_descriptions(target: dict[str, Any], source: dict[str, Any]) -> None:
    """Copy the prose of the fragment ``source`` into the fragment ``target`` wherever both
    describe the same place (:func:`described_places`: the role of the operation and the
    field's path in it, never a component's name or position), so a field that still exists
    keeps the project's description however Klaviyo names or arranges its schemas, a new
    field gets none, and a removed field's description disappears with it.

    A schema written inline where the project's fragment reached it through a ``$ref`` takes
    the words of the place (beside the ``$ref``) before those of the component."""
    prose: dict[tuple[str, ...], dict[str, str]] = {}
    texts: dict[str, str]
    for place, node, _ in described_places(source):
        texts = {key: node[key] for key in PROSE_FIELDS if isinstance(node.get(key), str)}
        if texts:
            prose.setdefault(place, texts)
    kept_before = source.get(KEPT_PROSE_KEY)
    for pointer, entry in (kept_before if isinstance(kept_before, dict) else {}).items():
        if isinstance(entry, dict):
            texts = {key: entry[key] for key in PROSE_FIELDS if isinstance(entry.get(key), str)}
            prose.setdefault(_place_of(pointer), texts)
    described: set[int] = set()
    roles_here: set[str] = set()
    for place, node, inline in described_places(target):
        roles_here.add(place[0])
        candidates = [(*place, _AT_REFERENCE), place] if inline else [place]
        found = [prose[candidate] for candidate in candidates if candidate in prose]
        if not found or id(node) in described:
            continue
        described.add(id(node))
        node.update(found[0])
        # Prose first, as a reader expects it, without reordering facts.
        rest = {key: value for key, value in node.items() if key not in PROSE_FIELDS}
        ordered = {key: node[key] for key in PROSE_FIELDS if key in node}
        node.clear()
        node.update(ordered)
        node.update(rest)
    # The words of whole operations this revision lacks wait for a revision that has them
    # again (a trip through Klaviyo's per-endpoint file must not lose the jobs' prose).
    kept = {
        _pointer_of(place): texts
        for place, texts in sorted(prose.items())
        if place[0] in OPERATIONS and place[0] not in roles_here
    }
    target.pop(KEPT_PROSE_KEY, None)
    if kept:
        target[KEPT_PROSE_KEY] = kept


# --------------------------------------------------------------------------------------------
# OpenAPI 3.1 documents, read as the 3.0 they would be


def _is_null(schema: Any) -> bool:
    return isinstance(schema, dict) and schema.get("type") == "null" and len(schema) == 1


def from_json_schema(node: Any) -> Any:
    """Turn JSON Schema (OpenAPI 3.1) nullability back into OpenAPI 3.0's: ``null`` in ``type``
    or as an ``anyOf``/``oneOf`` alternative, or ``None`` in an ``enum``, becomes
    ``nullable: true``; ``const`` a one-value ``enum``; numeric exclusive bounds 3.0's
    boolean ones. The inverse of ``spec_normalise.to_json_schema``."""
    if isinstance(node, list):
        return [from_json_schema(value) for value in node]
    if not isinstance(node, dict):
        return node
    result = {
        key: (
            {name: from_json_schema(prop) for name, prop in value.items()}
            if key == "properties" and isinstance(value, dict)
            else from_json_schema(value)
        )
        for key, value in node.items()
    }
    nullable = False
    kind = result.get("type")
    if isinstance(kind, list):
        others = [k for k in kind if k != "null"]
        nullable = len(others) < len(kind)
        del result["type"]
        if len(others) == 1:
            result["type"] = others[0]
        elif others:
            result["anyOf"] = [*result.get("anyOf", []), *({"type": k} for k in others)]
    for keyword in ("anyOf", "oneOf"):
        members = node.get(keyword)
        if isinstance(members, list) and any(_is_null(member) for member in members):
            nullable = True
            rest = [from_json_schema(m) for m in members if not _is_null(m)]
            del result[keyword]
            if len(rest) == 1 and isinstance(rest[0], dict) and not set(rest[0]) & set(result):
                result.update(rest[0])
            elif rest:
                result[keyword] = rest
    if isinstance(result.get("enum"), list) and None in result["enum"]:
        nullable = True
        result["enum"] = [value for value in result["enum"] if value is not None]
    if "const" in result:
        result["enum"] = [result.pop("const")]
    for bound, exclusive in (("minimum", "exclusiveMinimum"), ("maximum", "exclusiveMaximum")):
        value = result.get(exclusive)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            result[bound], result[exclusive] = value, True
    if nullable:
        result["nullable"] = True
    return result


def to_openapi30(document: dict[str, Any]) -> dict[str, Any]:
    """A copy of an OpenAPI 3.1 document written as OpenAPI 3.0 (what the project's fragment,
    its generators and its tools read): schemas through :func:`from_json_schema`."""
    converted = copy.deepcopy(document)
    converted["openapi"] = "3.0.3"
    for path_item in (converted.get("paths") or {}).values():
        if isinstance(path_item, dict):
            map_schemas(path_item, from_json_schema)
    components = converted.get("components") or {}
    if isinstance(components.get("schemas"), dict):
        components["schemas"] = {
            name: from_json_schema(schema) for name, schema in components["schemas"].items()
        }
    for kind in ("responses", "parameters", "requestBodies", "headers"):
        for item in (components.get(kind) or {}).values():
            map_schemas(item, from_json_schema)
    return converted
