"""Copies of the fragment that generators and validators handle correctly: nullable
references made visible, OpenAPI 3.0 turned into JSON Schema for validators, responses loosened
so that what Klaviyo really sends parses, one request media type per operation, and every
operation and the schemas the wrapper imports named by their role.
"""

from __future__ import annotations

import copy
import re
from typing import Any

import operations as roles
from spec_document import (
    OPERATION_ID,
    deref,
    find_operation,
    find_operations,
    map_schemas,
    references,
    resolve,
)

# --------------------------------------------------------------------------------------------
# Normalisation: copies that generators and validators handle correctly


def wrap_nullable_refs(node: Any) -> Any:
    """Rewrite ``{$ref: X, nullable: true}`` as ``{anyOf: [{$ref: X}], nullable: true}``.

    OpenAPI 3.0 lets tools ignore siblings of ``$ref``; openapi-python-client does, and then
    neither sends ``null`` for such a field nor parses a response holding one. Moving the
    reference into a one-member ``anyOf`` keeps the meaning and makes the nullability visible.
    """
    if isinstance(node, dict):
        result = {key: wrap_nullable_refs(value) for key, value in node.items()}
        if "$ref" in result and result.get("nullable") is True:
            siblings = {k: v for k, v in result.items() if k not in ("$ref", "nullable")}
            return {**siblings, "anyOf": [{"$ref": result["$ref"]}], "nullable": True}
        return result
    if isinstance(node, list):
        return [wrap_nullable_refs(value) for value in node]
    return node


def to_json_schema(node: Any) -> Any:
    """Turn OpenAPI 3.0 schema dialect into JSON Schema (2020-12 / OpenAPI 3.1) semantics.

    ``nullable: true`` becomes ``null`` in ``type`` (or a ``{"type": "null"}`` alternative beside
    a ``$ref`` or a composition), which validators such as jsonschema and openapi-core honour,
    unlike the OpenAPI 3.0 keyword beside a ``$ref``.
    """
    if isinstance(node, list):
        return [to_json_schema(value) for value in node]
    if not isinstance(node, dict):
        return node
    result = {
        key: (
            {name: to_json_schema(prop) for name, prop in value.items()}
            if key == "properties" and isinstance(value, dict)
            else to_json_schema(value)
        )
        for key, value in node.items()
    }
    if result.pop("nullable", False) is True:
        if (
            "$ref" in result
            or any(k in result for k in ("oneOf", "anyOf", "allOf"))
            or "type" not in result
        ):
            inner = dict(result)
            result = {"anyOf": [inner, {"type": "null"}]}
        else:
            kind = result["type"]
            result["type"] = [*kind, "null"] if isinstance(kind, list) else [kind, "null"]
            if "enum" in result and None not in result["enum"]:
                result["enum"] = [*result["enum"], None]
    return result


def to_openapi31(document: dict[str, Any]) -> dict[str, Any]:
    """A copy of an OpenAPI 3.0 document converted to 3.1, for validators that ignore 3.0's
    ``nullable`` next to ``$ref`` (openapi-core among them)."""
    converted = copy.deepcopy(document)
    converted["openapi"] = "3.1.0"
    for path_item in (converted.get("paths") or {}).values():
        for operation in path_item.values():
            if isinstance(operation, dict):
                map_schemas(operation, to_json_schema)
    components = converted.get("components") or {}
    if "schemas" in components:
        components["schemas"] = {
            name: to_json_schema(schema) for name, schema in components["schemas"].items()
        }
    for kind in ("responses", "parameters", "requestBodies"):
        for item in (components.get(kind) or {}).values():
            map_schemas(item, to_json_schema)
    return converted


def schema_reach(document: dict[str, Any], roots: Any) -> set[str]:
    """Names of the component schemas reachable from ``roots`` through references."""
    names: set[str] = set()
    pending = list(references(roots))
    while pending:
        ref = pending.pop()
        if not ref.startswith("#/components/schemas/"):
            if ref.startswith("#/components/"):
                pending.extend(references(resolve(document, ref)))
            continue
        name = ref.rsplit("/", 1)[1]
        if name in names:
            continue
        names.add(name)
        pending.extend(references(resolve(document, ref)))
    return names


TOLERANT_SUFFIX = "Received"


def make_responses_tolerant(document: dict[str, Any]) -> dict[str, Any]:
    """Loosen every schema a response uses, so that what Klaviyo really sends always parses.

    Klaviyo's responses stray from its own spec: ``null`` where a field is not nullable, keys
    the spec calls required left out. In the copy handed to the generator, every response-side
    property is optional and nullable. (Unknown enum values are handled by the enum template,
    unknown keys by the models' ``additional_properties``.) A component used by both the
    request and a response is duplicated under ``<Name>Received`` when loosening would change
    it, so request models keep their exact types.
    """
    document = copy.deepcopy(document)
    operations = [operation for _, _, _, operation in find_operations(document)]
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    # One side for all operations together: a component the requests of two operations share
    # (the profile resource object of Create or Update Profile and of the bulk job) stays one
    # component, and one type in the generated code.
    request_side: set[str] = set()
    response_roots: list[Any] = []
    for operation in operations:
        request_side |= schema_reach(document, operation.get("requestBody") or {})
        request_side |= schema_reach(document, operation.get("parameters") or [])
        response_roots.extend((operation.get("responses") or {}).values())
    response_side = schema_reach(document, response_roots)

    renamed: dict[str, str] = {}
    shared = sorted(response_side & request_side)
    for name in shared:
        loosened = _loosen(copy.deepcopy(schemas[name]))
        if loosened != schemas[name]:
            renamed[name] = f"{name}{TOLERANT_SUFFIX}"
    # A shared schema that loosening leaves alone must still be cloned when it refers to a
    # cloned one; otherwise responses would reach the strict original through it.
    changed = True
    while changed:
        changed = False
        for name in shared:
            if name not in renamed and schema_reach(document, schemas[name]) & set(renamed):
                renamed[name] = f"{name}{TOLERANT_SUFFIX}"
                changed = True

    def _rename(node: Any) -> Any:
        if isinstance(node, dict):
            result = {key: _rename(value) for key, value in node.items()}
            ref = result.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
                name = ref.rsplit("/", 1)[1]
                if name in renamed:
                    result["$ref"] = f"#/components/schemas/{renamed[name]}"
            return result
        if isinstance(node, list):
            return [_rename(value) for value in node]
        return node

    for original, new_name in renamed.items():
        schemas[new_name] = copy.deepcopy(schemas[original])
    loosened_names = sorted((response_side - request_side) | set(renamed.values()))
    for name in loosened_names:
        schemas[name] = _loosen(_rename(schemas[name]))
    for name in loosened_names:
        schemas[name] = _hoist(schemas[name], name, schemas)
    # A response component (ClientError) is loosened once and shared by every operation using
    # it, so that its hoisted schemas, and their generated models, exist once.
    loosened_components: dict[str, dict[str, Any]] = {}
    for operation in operations:
        operation["responses"] = _rename(operation.get("responses") or {})
        for status, response in operation["responses"].items():
            ref = response.get("$ref")
            if isinstance(ref, str) and ref in loosened_components:
                operation["responses"][status] = copy.deepcopy(loosened_components[ref])
                continue
            loosened = _loosen_response(document, status, response, _rename)
            if isinstance(ref, str):
                loosened_components[ref] = copy.deepcopy(loosened)
            operation["responses"][status] = loosened
    return document


def _loosen_response(
    document: dict[str, Any], status: str, response: dict[str, Any], rename: Any
) -> dict[str, Any]:
    prefix = f"Response{status}"
    if "$ref" in response:
        prefix = response["$ref"].rsplit("/", 1)[1]
        response = copy.deepcopy(resolve(document, response["$ref"]))
    response = rename(response)
    schemas = document["components"]["schemas"]
    for media in (response.get("content") or {}).values():
        if isinstance(media.get("schema"), dict):
            media["schema"] = _hoist(_loosen(media["schema"]), prefix, schemas)
    return response


def _pascal(name: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in re.split(r"[^A-Za-z0-9]+", name) if part)


def _hoist(schema: Any, prefix: str, schemas: dict[str, Any]) -> Any:
    """Move object schemas written inline inside ``schema`` into named components.

    Once loosened, an inline object property is nullable, and openapi-python-client names the
    object member of that union after its position (``PostProfileResponseDataType0``). As a
    component reached through a nullable ``$ref`` it gets a plain name
    (``PostProfileResponseData``) and the same nullability.
    """
    if not isinstance(schema, dict) or "$ref" in schema:
        return schema
    result = dict(schema)
    properties = result.get("properties")
    if isinstance(properties, dict):
        result["properties"] = {
            name: _hoist_member(value, f"{prefix}{_pascal(name)}", schemas)
            for name, value in properties.items()
        }
    if isinstance(result.get("items"), dict):
        result["items"] = _hoist_member(result["items"], f"{prefix}Item", schemas)
    return result


def _hoist_member(member: Any, name: str, schemas: dict[str, Any]) -> Any:
    if not isinstance(member, dict) or "$ref" in member:
        return member
    if not (isinstance(member.get("properties"), dict) and member["properties"]):
        return _hoist(member, name, schemas)  # an array or a composition: look inside
    unique, number = name, 2
    while unique in schemas:
        unique, number = f"{name}{number}", number + 1
    schemas[unique] = {}  # reserve the name before naming what is nested inside
    schemas[unique] = _hoist({k: v for k, v in member.items() if k != "nullable"}, unique, schemas)
    reference: dict[str, Any] = {"$ref": f"#/components/schemas/{unique}"}
    if member.get("nullable") is True:
        reference["nullable"] = True
    return reference


def _loosen(schema: Any) -> Any:
    """Drop ``required`` and allow ``null`` on every property, at every depth of an inline
    schema."""
    if not isinstance(schema, dict):
        return schema
    result: dict[str, Any] = {}
    for key, value in schema.items():
        if key == "required":
            continue
        if key == "properties" and isinstance(value, dict):
            result[key] = {name: _nullable(_loosen(prop)) for name, prop in value.items()}
        elif key in ("items", "additionalProperties", "not") and isinstance(value, dict):
            result[key] = _loosen(value)
        elif key in ("anyOf", "oneOf", "allOf") and isinstance(value, list):
            result[key] = [_loosen(member) for member in value]
        else:
            result[key] = value
    return result


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    if schema.get("nullable") is True:
        return schema
    return {**schema, "nullable": True}


JSON_API_MEDIA_TYPE = "application/vnd.api+json"


def preferred_media_type(content: dict[str, Any]) -> str | None:
    """The media type the client uses of those a request body or response offers: JSON:API's,
    else another JSON one, else the first; ``None`` when there is none."""

    def rank(media_type: str) -> int:
        base = media_type.split(";", 1)[0].strip().lower()
        if base == JSON_API_MEDIA_TYPE:
            return 0
        return 1 if base == "application/json" or base.endswith("+json") else 2

    return min(content, key=rank) if content else None


def one_request_media_type(document: dict[str, Any]) -> dict[str, Any]:
    """A copy in which every operation's request body offers only its
    :func:`preferred_media_type`: given two, openapi-python-client generates a body that is
    one of two types, picked by ``isinstance``, which the wrapper's prepared body is not."""
    document = copy.deepcopy(document)
    for _, _, _, operation in find_operations(document):
        body = deref(document, operation.get("requestBody") or {})
        content = body.get("content")
        if isinstance(content, dict) and len(content) > 1:
            chosen = preferred_media_type(content)
            body["content"] = {key: value for key, value in content.items() if key == chosen}
    return document


def normalise_for_generation(fragment: dict[str, Any]) -> dict[str, Any]:
    """The copy of the fragment handed to openapi-python-client (see the module's docs), with
    every operation and the schemas the wrapper imports named by their role
    (``operations.name_by_role``), whatever Klaviyo called them, and one request media type
    per operation."""
    named = one_request_media_type(roles.name_by_role(fragment))
    normalised: dict[str, Any] = wrap_nullable_refs(make_responses_tolerant(named))
    return normalised


def comma_joined_query_parameters(
    fragment: dict[str, Any], operation_id: str = OPERATION_ID
) -> list[str]:
    """Names of array query parameters of one operation that travel comma-joined in one value
    (``explode: false``)."""
    _, _, operation = find_operation(fragment, operation_id)
    names = []
    for parameter in operation.get("parameters") or []:
        if "$ref" in parameter:
            parameter = resolve(fragment, parameter["$ref"])
        schema = parameter.get("schema") or {}
        style = parameter.get("style", "form")
        if (
            parameter.get("in") == "query"
            and schema.get("type") == "array"
            and style == "form"
            and parameter.get("explode", True) is False
        ):
            names.append(parameter["name"])
    return names
