"""Regenerating the client for another revision, and Klaviyo's specs changed as revisions change.

Shared by the tests that move the project between revisions:

* :func:`regenerate` writes a revision's fragment and the package generated from it into a
  temporary folder, and :func:`child_environment` puts that folder first on ``PYTHONPATH``,
  so a child process imports that package instead of the installed one (the one generated
  from ``spec/``) while the wrapper stays the same;
* :data:`MUTATIONS` change a Klaviyo document the way Klaviyo has changed its specs between
  revisions (operations renamed or gone, trailing slashes, a limit no longer stated, a new
  attribute or enum value, schemas renamed), so the tests can prove the wrapper survives
  revisions nobody has published yet.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import generate
import spec_tools
import update_revision

PACKAGE = generate.PACKAGE
#: Klaviyo's published specs, where the checkout has them beside it (``../shared``).
SHARED_SPECS = Path(__file__).resolve().parents[2] / "shared" / "klaviyo-openapi"
#: The facts-only copies of them that the suite ships.
KLAVIYO_FACTS = Path(__file__).resolve().parent / "klaviyo_spec"
_REVISION_FOLDER = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def regenerate(
    source: Path, folder: Path, *, current: dict[str, Any] | None, revision: str | None = None
) -> Path:
    """``folder/profile-import.yaml`` for the Klaviyo document ``source`` (its prose from
    ``current``, as ``update_revision`` does) and ``folder/klaviyo_profile_import`` generated
    from it; returns ``folder``."""
    fragment = update_revision.build_fragment(source, revision=revision, current=current)
    spec = folder / "profile-import.yaml"
    folder.mkdir(parents=True, exist_ok=True)
    spec.write_text(update_revision.render(fragment), encoding="utf-8")
    generate.generate(spec, folder / PACKAGE)
    return folder


def child_environment(folder: Path, *more: Path) -> dict[str, str]:
    """This process's environment with ``folder`` (holding a generated package) and ``more``
    first on ``PYTHONPATH``."""
    paths = [str(folder), *(str(path) for path in more)]
    return {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(paths),
        "PYTHONDONTWRITEBYTECODE": "1",
    }


def published_revisions(folder: Path = SHARED_SPECS) -> list[str]:
    """The revisions of Klaviyo's specs in ``folder``, oldest first (none when it is absent)."""
    if not folder.is_dir():
        return []
    return sorted(p.name for p in folder.iterdir() if p.is_dir() and _REVISION_FOLDER.match(p.name))


# --------------------------------------------------------------------------------------------
# Klaviyo's documents as later revisions might change them


def _role(document: dict[str, Any], role: str) -> tuple[str, str, dict[str, Any]]:
    return spec_tools.find_operation(document, role)


def _schema(document: dict[str, Any], schema: dict[str, Any], *names: str) -> dict[str, Any]:
    """The object schema reached from ``schema`` through the properties ``names``."""
    for name in (None, *names):
        if name is not None:
            schema = schema["properties"][name]
        while "$ref" in schema:
            schema = spec_tools.resolve(document, schema["$ref"])
    return schema


def _body_schema(document: dict[str, Any], operation: dict[str, Any]) -> dict[str, Any]:
    (media,) = operation["requestBody"]["content"].values()
    return dict(media["schema"])


def _response_schema(document: dict[str, Any], operation: dict[str, Any]) -> dict[str, Any]:
    response = operation["responses"]["200"]
    if "$ref" in response:
        response = spec_tools.resolve(document, response["$ref"])
    (media,) = response["content"].values()
    return dict(media["schema"])


#: The operationIds revisions up to mid-2024 gave the bulk job operations.
OLD_OPERATION_IDS = {
    "bulk_import_profiles": "spawn_bulk_profile_import_job",
    "get_bulk_import_profiles_job": "get_bulk_profile_import_job",
    "get_errors_for_bulk_import_profiles_job": "get_bulk_profile_import_job_import_errors",
}
JOB_PATHS = "/api/profile-bulk-import-jobs"
NEW_ATTRIBUTE = ("loyalty_tier", "gold")
NEW_ADDITIONAL_FIELD = "loyalty"
NEW_JOB_STATUS = "paused"
RENAMED_SCHEMAS = {
    "ProfileUpsertQuery": "ProfileCreateOrUpdateQuery",
    "ProfileUpsertQueryResourceObject": "ProfileCreateOrUpdateQueryResourceObject",
    "PostProfileResponse": "PostProfileCreateOrUpdateResponse",
    "ProfileBulkImportJobEnum": "ProfileImportJobEnum",
    "ProfileImportJobCreateQuery": "ProfileImportJobCreateRequest",
}


def rename_operation_ids(document: dict[str, Any]) -> None:
    """The bulk job operations under the names revisions up to mid-2024 gave them."""
    for role, old_name in OLD_OPERATION_IDS.items():
        _role(document, role)[2]["operationId"] = old_name


def add_trailing_slashes(document: dict[str, Any]) -> None:
    """Every path of the profile import and the bulk jobs spelled with a trailing slash, and the
    job's path parameter called ``id``, as early revisions published them."""
    paths = document["paths"]
    renamed: dict[str, str] = {}
    for path in paths:
        if path.startswith(("/api/profile-import", JOB_PATHS)) and not path.endswith("/"):
            renamed[path] = path.replace("{job_id}", "{id}") + "/"
    for path, item in paths.items():
        if "{job_id}" in path:
            for operation in item.values():
                if not isinstance(operation, dict):
                    continue
                for parameter in operation.get("parameters") or []:
                    if parameter.get("in") == "path" and parameter.get("name") == "job_id":
                        parameter["name"] = "id"
    document["paths"] = {renamed.get(path, path): item for path, item in paths.items()}


def remove_job_operations(document: dict[str, Any]) -> None:
    """No bulk profile import job operation at all."""
    document["paths"] = {
        path: item for path, item in document["paths"].items() if not path.startswith(JOB_PATHS)
    }


def remove_item_payload_limit(document: dict[str, Any]) -> None:
    """The job's per-profile size no longer stated (in prose, or as the facts copy's key)."""
    operation = _role(document, "bulk_import_profiles")[2]
    operation.pop(spec_tools.ITEM_PAYLOAD_LIMIT_KEY, None)
    if "description" in operation:
        operation["description"] = re.sub(
            r"[^.]*payload size per-profile[^.]*\.", "", operation["description"]
        )


def add_optional_attribute(document: dict[str, Any]) -> None:
    """A new optional, nullable profile attribute, in the request and the response."""
    operation = _role(document, spec_tools.OPERATION_ID)[2]
    name = NEW_ATTRIBUTE[0]
    for schema in (
        _schema(document, _body_schema(document, operation), "data", "attributes"),
        _schema(document, _response_schema(document, operation), "data", "attributes"),
    ):
        schema["properties"][name] = {"type": "string", "nullable": True}


def add_enum_values(document: dict[str, Any]) -> None:
    """A new value of ``additional-fields[profile]`` and a new job status."""
    operation = _role(document, spec_tools.OPERATION_ID)[2]
    for parameter in operation["parameters"]:
        if "$ref" in parameter:
            parameter = spec_tools.resolve(document, parameter["$ref"])
        if parameter.get("name") == "additional-fields[profile]":
            parameter["schema"]["items"]["enum"].append(NEW_ADDITIONAL_FIELD)
    for status in _job_status_enums(document.get("components") or {}):
        status.append(NEW_JOB_STATUS)


def _job_status_enums(node: Any) -> Iterator[list[Any]]:
    if isinstance(node, dict):
        status = (node.get("properties") or {}).get("status")
        if isinstance(status, dict) and "queued" in (status.get("enum") or []):
            yield status["enum"]
        for value in node.values():
            yield from _job_status_enums(value)
    elif isinstance(node, list):
        for value in node:
            yield from _job_status_enums(value)


def rename_schemas(document: dict[str, Any]) -> None:
    """The schemas the project's names come from, under other names."""
    schemas = document["components"]["schemas"]
    document["components"]["schemas"] = {
        RENAMED_SCHEMAS.get(name, name): schema for name, schema in schemas.items()
    }
    text = json.dumps(document)
    for old, new in RENAMED_SCHEMAS.items():
        text = text.replace(f'"#/components/schemas/{old}"', f'"#/components/schemas/{new}"')
    document.clear()
    document.update(json.loads(text))


def offer_job_start_as_xml_only(document: dict[str, Any]) -> None:
    """Starting a job takes an XML body, which the generator cannot produce: the package has
    no module for it, and the wrapper no bulk jobs (reading a job still works)."""
    operation = _role(document, "bulk_import_profiles")[2]
    (media,) = operation["requestBody"]["content"].values()
    operation["requestBody"]["content"] = {"application/xml": media}


#: The query parameter :func:`add_object_parameter` adds.
OBJECT_PARAMETER = "options"


def add_object_parameter(document: dict[str, Any]) -> None:
    """A new optional object query parameter of the profile-import call (``style:
    deepObject``), which a caller leaves out."""
    operation = _role(document, spec_tools.OPERATION_ID)[2]
    operation["parameters"].append(
        {
            "name": OBJECT_PARAMETER,
            "in": "query",
            "required": False,
            "style": "deepObject",
            "explode": True,
            "schema": {"type": "object", "properties": {"dedupe": {"type": "boolean"}}},
        }
    )


def reference_components(document: dict[str, Any]) -> None:
    """Parameters, request bodies and responses given as references to ``components``, as
    OpenAPI allows: every operation's ``revision`` header, and the profile-import call's query
    parameters, request body and success responses."""
    components = document.setdefault("components", {})
    parameters = components.setdefault("parameters", {})
    for role in spec_tools.OPERATIONS:
        operation = _role(document, role)[2]
        for index, parameter in enumerate(operation.get("parameters") or []):
            if "$ref" in parameter:
                continue
            if (parameter["in"], parameter["name"]) == ("header", "revision"):
                parameters["Revision"] = parameter
                operation["parameters"][index] = {"$ref": "#/components/parameters/Revision"}
            elif role == spec_tools.OPERATION_ID and parameter["in"] == "query":
                name = re.sub(r"\W", "", parameter["name"].title())
                parameters[name] = parameter
                operation["parameters"][index] = {"$ref": f"#/components/parameters/{name}"}
    operation = _role(document, spec_tools.OPERATION_ID)[2]
    components.setdefault("requestBodies", {})["ProfileImport"] = operation["requestBody"]
    operation["requestBody"] = {"$ref": "#/components/requestBodies/ProfileImport"}
    responses = components.setdefault("responses", {})
    for status in ("200", "201"):
        responses[f"ProfileImport{status}"] = operation["responses"][status]
        operation["responses"][status] = {"$ref": f"#/components/responses/ProfileImport{status}"}


#: The bulk job operations, for revisions that have all of them.
JOBS = (
    "bulk_import_profiles",
    "get_bulk_import_profiles_job",
    "get_errors_for_bulk_import_profiles_job",
)
#: name -> (change to the newest spec, the bulk job operations the client still has).
MUTATIONS: dict[str, tuple[Callable[[dict[str, Any]], None], tuple[str, ...]]] = {
    "operation_ids_renamed": (rename_operation_ids, JOBS),
    "trailing_slashes": (add_trailing_slashes, JOBS),
    "job_operations_removed": (remove_job_operations, ()),
    "item_payload_limit_removed": (remove_item_payload_limit, JOBS),
    "optional_attribute_added": (add_optional_attribute, JOBS),
    "enum_value_added": (add_enum_values, JOBS),
    "schemas_renamed": (rename_schemas, JOBS),
    "job_start_offered_as_xml_only": (offer_job_start_as_xml_only, JOBS[1:]),
    "object_parameter_added": (add_object_parameter, JOBS),
    "components_referenced": (reference_components, JOBS),
}
#: The revision a mutated spec is pinned as: the quarter after the newest one published here.
MUTATED_REVISION = "2026-10-15"


def mutated(document: dict[str, Any], name: str, target: Path) -> Path:
    """``document`` (changed in place) with the mutation ``name``, written to ``target``."""
    change, _ = MUTATIONS[name]
    change(document)
    target.write_text(json.dumps(document), encoding="utf-8")
    return target
