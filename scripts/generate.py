"""Generate ``generated/klaviyo_profile_import`` from the project's spec fragment.

    python scripts/generate.py            # regenerate generated/
    python scripts/generate.py --check    # exit 1, with a summary, if generated/ is stale
    python scripts/generate.py --spec OTHER.yaml --output /tmp/pkg   # any fragment, anywhere

Steps:

1. Load ``spec/profile-import.yaml`` and normalise a copy where generators mishandle it
   (``spec_tools.normalise_for_generation``): nullable ``$ref``s become one-member ``anyOf``s,
   and every schema a response uses is loosened (no required keys, nulls allowed) so that real
   responses always parse.
2. openapi-python-client writes the attrs models and the endpoint module (sync and async),
   through the project's templates in ``scripts/templates`` (comma-joined ``explode: false``
   query parameters, enums that keep unknown values, tolerant response parsing, a client whose
   repr hides the API key, Python 3.10 compatibility).
3. datamodel-code-generator writes ``payloads.py``: TypedDicts of the request and response JSON.
4. ``facts.py`` and ``request_body.schema.json`` are written from the fragment.
5. ruff (pinned) fixes imports and formats everything, with settings given here so the output
   does not depend on where it is written.
6. The package, built beside ``generated/``, is checked in a child process (it imports, lists
   only operations it has modules for, and builds a request as the wrapper does), and only
   then replaces the old one in a rename (``swap.py``). An operation the generator skipped (a
   request media type it does not know) is left out of ``facts.OPERATIONS`` with a note; the
   profile-import call skipped is an error.

The output is byte-identical from run to run: no timestamps, no paths of the machine.
"""

from __future__ import annotations

import argparse
import copy
import difflib
import filecmp
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from importlib.metadata import version
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import operations
import spec_tools
import swap

ROOT = Path(__file__).resolve().parent.parent
SPEC_FILE = ROOT / "spec" / "profile-import.yaml"
OUTPUT_DIR = ROOT / "generated" / "klaviyo_profile_import"
TEMPLATES = Path(__file__).resolve().parent / "templates"
PACKAGE = "klaviyo_profile_import"
GENERATORS = ("openapi-python-client", "datamodel-code-generator", "ruff")
RUFF_SETTINGS = ["--isolated", "--line-length", "100", "--target-version", "py310"]


# --------------------------------------------------------------------------------------------
# Facts


_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(B|KB|MB)\s*$", re.I)
_SIZE_UNITS = {"B": 1, "KB": 1024, "MB": 1024 * 1024}


def parse_rate(text: str) -> tuple[int, int]:
    """``"750/m"`` (or ``"750/min"``) -> ``(750, 60)``: requests per period in seconds."""
    parsed = operations.parse_rate(text)
    if parsed is None:
        raise spec_tools.SpecError(f"unreadable rate limit {text!r}")
    return parsed


def parse_size(text: str) -> int:
    """``"100KB"`` -> ``102400`` bytes."""
    match = _SIZE.match(text)
    if match is None:
        raise spec_tools.SpecError(f"unreadable payload limit {text!r}")
    return int(float(match.group(1)) * _SIZE_UNITS[match.group(2).upper()])


def _deref(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    """Follow ``$ref`` and one-member compositions down to the schema that has properties."""
    while True:
        if "$ref" in schema:
            schema = spec_tools.resolve(document, schema["$ref"])
            continue
        for keyword in ("anyOf", "oneOf", "allOf"):
            members = schema.get(keyword)
            if isinstance(members, list) and len(members) == 1:
                schema = members[0]
                break
        else:
            return schema


def _property(document: dict[str, Any], schema: dict[str, Any], *names: str) -> dict[str, Any]:
    for name in names:
        schema = _deref(
            document, (_deref(document, schema).get("properties") or {}).get(name) or {}
        )
    return _deref(document, schema)


def _names(document: dict[str, Any], schema: dict[str, Any], *names: str) -> tuple[str, ...]:
    return tuple(_property(document, schema, *names).get("properties") or {})


def _parameter_enum(
    document: dict[str, Any], operation: dict[str, Any], name: str
) -> tuple[str, ...]:
    for parameter in operation.get("parameters") or []:
        parameter = spec_tools.deref(document, parameter)
        if parameter.get("name") == name and parameter.get("in") == "query":
            schema = _deref(document, parameter.get("schema") or {})
            return tuple(_deref(document, schema.get("items") or {}).get("enum") or ())
    return ()


def _request_media(
    document: dict[str, Any], operation: dict[str, Any]
) -> tuple[str | None, dict[str, Any]]:
    """The request body's media type the client sends (:func:`spec_tools.preferred_media_type`)
    and its schema; ``(None, {})`` without a body."""
    content = spec_tools.deref(document, operation.get("requestBody") or {}).get("content") or {}
    media_type = spec_tools.preferred_media_type(content)
    if media_type is None:
        return None, {}
    return media_type, (content[media_type] or {}).get("schema") or {}


def _success_schema(document: dict[str, Any], operation: dict[str, Any]) -> dict[str, Any]:
    responses = operation.get("responses") or {}
    status = next((s for s in ("200", "201", "202") if s in responses), None)
    content = spec_tools.deref(document, responses[status] if status else {}).get("content") or {}
    media_type = spec_tools.preferred_media_type(content)
    return (content[media_type] or {}).get("schema") or {} if media_type else {}


def _inline(document: dict[str, Any], node: Any, stack: tuple[str, ...] = ()) -> Any:
    if isinstance(node, list):
        return [_inline(document, value, stack) for value in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        ref = node["$ref"]
        if ref in stack:
            raise spec_tools.SpecError(f"recursive schema {ref} cannot be inlined")
        siblings = {k: v for k, v in node.items() if k != "$ref"}
        target = _inline(document, spec_tools.resolve(document, ref), (*stack, ref))
        return {**target, **siblings}
    return {key: _inline(document, value, stack) for key, value in node.items()}


_JSON_TYPES = {"string": "str", "number": "float", "integer": "int", "boolean": "bool"}


def python_argument_name(attribute: str) -> str:
    """``_kx`` -> ``kx``: the keyword a Python caller uses for a wire attribute."""
    import keyword

    name = re.sub(r"\W", "_", attribute).lstrip("_") or attribute
    return f"{name}_" if keyword.iskeyword(name) else name


def python_type(document: dict[str, Any], schema: dict[str, Any]) -> str:
    """The annotation of a keyword argument for a request attribute's schema."""
    nullable = bool(schema.get("nullable"))
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[1]
        target = spec_tools.resolve(document, schema["$ref"])
        text = f"payloads.{name}" if target.get("properties") else python_type(document, target)
    elif any(k in schema for k in ("oneOf", "anyOf")):
        members = schema.get("oneOf") or schema.get("anyOf") or []
        text = " | ".join(dict.fromkeys(python_type(document, m) for m in members))
    elif schema.get("type") == "object":
        text = "dict[str, Any]"
    elif schema.get("type") == "array":
        text = f"list[{python_type(document, schema.get('items') or {})}]"
    else:
        text = _JSON_TYPES.get(schema.get("type", ""), "Any")
    return f"{text} | None" if nullable and "None" not in text.split(" | ") else text


def operation_limits(fragment: dict[str, Any]) -> list[dict[str, Any]]:
    """Per operation of the fragment, named by its role: Klaviyo's name for it, method, path,
    rate limit windows, scopes, the resource type its request carries and the request limits.
    A limit the revision leaves out is the nearest published revision's, and ``fallbacks``
    names that revision; with none published it is ``None``."""
    revision = fragment["info"]["version"]
    result = []
    for operation_id, path, method, operation in spec_tools.find_operations(fragment):
        stated, fallbacks = operations.stated_or_fallback(operation_id, operation, revision)
        rate = stated.get(operations.RATE_LIMIT_KEY) or {}
        if not all(window in rate for window in operations.RATE_WINDOWS):
            raise spec_tools.SpecError(
                f"{operation_id}: no readable x-klaviyo-ratelimit burst and steady, and no "
                "published revision states them"
            )
        burst, steady = parse_rate(rate["burst"]), parse_rate(rate["steady"])
        payload = stated.get(spec_tools.PAYLOAD_LIMIT_KEY)
        item_payload = stated.get(spec_tools.ITEM_PAYLOAD_LIMIT_KEY)
        item_limit = stated.get(spec_tools.ITEM_LIMIT_KEY)
        _, schema = _request_media(fragment, operation)
        types = _property(fragment, schema, "data", "type").get("enum") if schema else None
        result.append(
            {
                "operation_id": operation_id,
                "klaviyo_operation_id": operation.get("operationId"),
                "method": method.upper(),
                "path": path,
                "burst_limit": burst[0],
                "burst_period": burst[1],
                "steady_limit": steady[0],
                "steady_period": steady[1],
                "rate_limit_text": {"burst": rate["burst"], "steady": rate["steady"]},
                "scopes": tuple(operation.get("x-klaviyo-scopes") or ()),
                "resource_type": types[0] if isinstance(types, list) and len(types) == 1 else None,
                "payload_limit_text": payload,
                "payload_limit_bytes": None if payload is None else parse_size(payload),
                "item_limit": None if item_limit is None else int(item_limit),
                "item_payload_limit_bytes": (
                    None if item_payload is None else parse_size(item_payload)
                ),
                "fallbacks": fallbacks,
                "unsendable": operations.unsendable_parameters(fragment, operation_id, operation),
            }
        )
    return result


# The unprefixed names of facts.py that are Create or Update Profile's entry of OPERATIONS.
_PRIMARY_FACTS = (
    "operation_id",
    "burst_limit",
    "burst_period",
    "steady_limit",
    "steady_period",
    "rate_limit_text",
    "scopes",
    "payload_limit_text",
    "payload_limit_bytes",
    "fallbacks",
)


def endpoint_facts(fragment: dict[str, Any]) -> dict[str, Any]:
    """Everything ``facts.py`` states, read from the fragment."""
    every = operation_limits(fragment)
    primary = every[0]
    # Schema names as the generators see them (payloads.py is generated from this copy).
    fragment = operations.name_by_role(fragment)
    path, method, operation = spec_tools.find_operation(fragment)
    revision = fragment["info"]["version"]
    if primary["unsendable"]:
        raise spec_tools.SpecError(
            f"{primary['operation_id']} requires {', '.join(primary['unsendable'])}, which the "
            "client does not send: the call cannot be served"
        )
    media_type, body_schema = _request_media(fragment, operation)
    if media_type is None or not body_schema:
        raise spec_tools.SpecError(f"{primary['operation_id']} has no request body schema")
    if primary["payload_limit_bytes"] is None:
        raise spec_tools.SpecError(
            f"the operation has no {spec_tools.PAYLOAD_LIMIT_KEY}, and no published revision "
            "states one"
        )
    attributes = _property(fragment, body_schema, "data", "attributes")
    object_attributes = tuple(
        name
        for name, schema in (attributes.get("properties") or {}).items()
        if _deref(fragment, schema).get("type") == "object"
    )
    arguments = [
        (python_argument_name(name), name, python_type(fragment, schema))
        for name, schema in (attributes.get("properties") or {}).items()
    ]
    success_schema = _success_schema(fragment, operation)
    return {
        **{key: primary[key] for key in _PRIMARY_FACTS},
        "revision": revision,
        "method": method.upper(),
        "path": path,
        "media_type": media_type,
        "request_attributes": tuple(attributes.get("properties") or {}),
        "object_request_attributes": object_attributes,
        "location_fields": _names(fragment, body_schema, "data", "attributes", "location"),
        "meta_fields": _names(fragment, body_schema, "data", "meta"),
        "patch_properties_operations": _names(
            fragment, body_schema, "data", "meta", "patch_properties"
        ),
        "patch_identifiers_operations": _names(
            fragment, body_schema, "data", "meta", "patch_identifiers"
        ),
        "additional_fields": _parameter_enum(fragment, operation, "additional-fields[profile]"),
        "sparse_fields": _parameter_enum(fragment, operation, "fields[profile]"),
        "comma_joined": tuple(spec_tools.comma_joined_query_parameters(fragment)),
        # Every operation's, for the endpoint template, which decides by parameter name.
        "comma_joined_all": tuple(
            dict.fromkeys(
                name
                for operation_id, *_ in spec_tools.find_operations(fragment)
                for name in spec_tools.comma_joined_query_parameters(fragment, operation_id)
            )
        ),
        "operations": every,
        "arguments": arguments,
        "response_attributes": _names(fragment, success_schema, "data", "attributes"),
        "generator_versions": {name: version(name) for name in GENERATORS},
        "request_body_schema": spec_tools.to_json_schema(
            spec_tools.strip_prose(_inline(fragment, body_schema))
        ),
    }


# --------------------------------------------------------------------------------------------
# Generation


def _jinja_env(loader_dir: Path) -> Any:
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(loader_dir)),
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["pyrepr"] = repr
    return env


def _run_openapi_python_client(
    normalised: dict[str, Any], comma_joined: list[str], out: Path
) -> list[str]:
    """Write the attrs models and endpoint modules into ``out``; return the generator's
    warnings (an endpoint it cannot generate is only a warning to it)."""
    import jinja2
    from openapi_python_client import Project
    from openapi_python_client.config import Config, ConfigFile, MetaType
    from openapi_python_client.parser import GeneratorData
    from openapi_python_client.parser.errors import GeneratorError

    config = Config.from_sources(
        ConfigFile(package_name_override=PACKAGE, post_hooks=[]),
        MetaType("none"),  # MetaType.NONE itself, which mypy types as a str under 3.10
        Path("spec/profile-import.yaml"),  # only ever shown in messages
        "utf-8",
        True,
        out,
    )
    data = GeneratorData.from_dict(normalised, config=config)
    if isinstance(data, GeneratorError):
        raise spec_tools.SpecError(f"openapi-python-client: {data.header}: {data.detail}")
    project = Project(openapi=data, config=config, custom_template_path=None)
    # The project's templates come first; "upstream/..." reaches the generator's own ones so a
    # template of ours can delegate to them instead of copying them.
    upstream = jinja2.PackageLoader("openapi_python_client")
    project.env.loader = jinja2.ChoiceLoader(
        [
            jinja2.FileSystemLoader(str(TEMPLATES)),
            jinja2.PrefixLoader({"upstream": upstream}),
            upstream,
        ]
    )
    project.env.globals["comma_joined_query_parameters"] = comma_joined
    errors = project.build()
    problems = [error for error in errors if error.level.value == "error"]
    if problems:
        detail = "; ".join(f"{error.header}: {error.detail}" for error in problems)
        raise spec_tools.SpecError(f"openapi-python-client failed: {detail}")
    warnings = [
        " ".join(f"{error.header} {error.detail or ''}".split())
        for error in errors
        if error not in problems
    ]
    for warning in warnings:
        print(f"openapi-python-client warning: {warning}", file=sys.stderr)
    return warnings


def _run_datamodel_codegen(fragment: dict[str, Any], out_file: Path, workdir: Path) -> None:
    source = workdir / "payloads-input.json"
    named = operations.name_by_role(fragment)
    source.write_text(json.dumps(spec_tools.wrap_nullable_refs(named)), encoding="utf-8")
    header = (
        '"""TypedDicts of the request and response JSON of Create or Update Profile and of the\n'
        "bulk profile import jobs.\n\n"
        "Generated by scripts/generate.py (datamodel-code-generator) "
        "from spec/profile-import.yaml;\n"
        "never edit by hand. Optional keys are ``NotRequired``; nullable values admit ``None``.\n"
        '"""'
    )
    command = [
        sys.executable,
        "-m",
        "datamodel_code_generator",
        "--input",
        str(source),
        "--input-file-type",
        "openapi",
        "--openapi-scopes",
        "schemas",
        "paths",
        "--output-model-type",
        "typing.TypedDict",
        "--target-python-version",
        "3.10",
        "--strict-nullable",
        "--use-field-description",
        "--naming-strategy",
        "full-path",
        "--special-field-name-prefix",
        "",
        "--disable-timestamp",
        # At run time a TypedDict reads NotRequired only from evaluated annotations: with
        # `from __future__ import annotations` every key lands in __required_keys__. And only
        # typing_extensions.TypedDict honours NotRequired on Python 3.10.
        "--disable-future-imports",
        "--import-overrides",
        json.dumps({"TypedDict": "typing_extensions"}),
        "--formatters",
        "ruff-format",
        "--custom-file-header",
        header,
        "--output",
        str(out_file),
    ]
    result = subprocess.run(command, capture_output=True, text=True, cwd=workdir)
    if result.returncode != 0:
        raise spec_tools.SpecError(f"datamodel-code-generator failed:\n{result.stderr}")


def _ruff(out: Path) -> None:
    # The binary itself: "python -m ruff" run inside the package would import its types.py
    # in place of the standard library's.
    from ruff.__main__ import find_ruff_bin  # type: ignore[import-untyped]

    ruff = [str(find_ruff_bin())]
    subprocess.run(
        [*ruff, "check", *RUFF_SETTINGS, "--fix-only", "--select", "I,F401", "--quiet", "."],
        cwd=out,
        check=True,
    )
    subprocess.run([*ruff, "format", *RUFF_SETTINGS, "--quiet", "."], cwd=out, check=True)


def _served(facts: dict[str, Any], package: Path, warnings: list[str]) -> list[str]:
    """Keep in ``facts["operations"]`` only the operations the client can call: generated (the
    generator skips an endpoint it cannot handle, a request media type it does not know, with a
    warning), and without a required parameter the wrapper does not send. Return one line per
    job operation left out; the profile-import call left out is a :class:`SpecError`."""
    notes: list[str] = []
    served = []
    for entry in facts["operations"]:
        name = entry["operation_id"]
        said = f"{entry['method']} {entry['path']} "
        if not (package / "api" / "profiles" / f"{name}.py").is_file():
            why = [w for w in warnings if said in f"{w} "] or warnings or ["no reason given"]
            reason = f"openapi-python-client did not generate it ({'; '.join(why)})"
        elif entry["unsendable"]:
            reason = f"it requires {', '.join(entry['unsendable'])}, which the client does not send"
        else:
            served.append(entry)
            continue
        if name == spec_tools.OPERATION_ID:
            raise spec_tools.SpecError(f"{name} ({said.strip()}) cannot be served: {reason}")
        notes.append(f"{name} ({said.strip()}) is left out: {reason}")
    facts["operations"] = served
    return notes


# Run in a child process on the finished package: what the wrapper does with it at import and
# when a client is made. A package failing here is never put in place.
_VERIFY = r"""
import importlib, sys
from pathlib import Path
import klaviyo_profile_import
from klaviyo_profile_import import facts, models, payloads
where = Path(klaviyo_profile_import.__file__).resolve().parent
if where != Path(sys.argv[1]).resolve():
    sys.exit(f"imported {where} instead of the new package")
modules = {
    name: importlib.import_module(f"klaviyo_profile_import.api.profiles.{name}")
    for name in facts.OPERATIONS
}
for name in sys.argv[2:]:
    getattr(models, name)
payloads.PostProfileResponseDataAttributes


class Body:
    def to_dict(self):
        return {}


request = modules[facts.OPERATION_ID]._get_kwargs(body=Body(), revision=facts.REVISION)
if "json" not in request or request["headers"].get("Content-Type") != facts.MEDIA_TYPE:
    sys.exit(f"the request is not sent as {facts.MEDIA_TYPE} JSON: {request}")
"""


def _verify(package: Path, served: list[str]) -> None:
    models = [schema for role, _, _, schema in operations.STABLE_SCHEMAS if role in served]
    result = subprocess.run(
        [sys.executable, "-c", _VERIFY, str(package), *models],
        cwd=package.parent,
        env={**os.environ, "PYTHONPATH": str(package.parent), "PYTHONDONTWRITEBYTECODE": "1"},
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        last = (result.stderr.strip().splitlines() or ["(no output)"])[-1]
        raise spec_tools.SpecError(f"the generated package does not work: {last}")


def build(spec_file: Path, package: Path) -> list[str]:
    """Write the package for ``spec_file`` into the new folder ``package`` (named
    :data:`PACKAGE`, so that it imports) and check that it imports and builds a request as the
    wrapper does; return one line per operation left out (:func:`_served`)."""
    fragment = spec_tools.load_document(spec_file)
    facts = endpoint_facts(fragment)
    normalised = spec_tools.normalise_for_generation(fragment)
    comma_joined = list(facts["comma_joined_all"])
    # The generators run in other working directories.
    package = package.resolve()
    package.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="klaviyo-generate-") as scratch:
        warnings = _run_openapi_python_client(normalised, comma_joined, package)
        notes = _served(facts, package, warnings)
        _run_datamodel_codegen(copy.deepcopy(fragment), package / "payloads.py", Path(scratch))
        env = _jinja_env(TEMPLATES)
        (package / "facts.py").write_text(
            env.get_template("facts.py.jinja").render(facts=facts), encoding="utf-8"
        )
        (package / "arguments.py").write_text(
            env.get_template("arguments.py.jinja").render(facts=facts), encoding="utf-8"
        )
        (package / "request_body.schema.json").write_text(
            json.dumps(facts["request_body_schema"], indent=2, sort_keys=True) + "\n",
            encoding="utf-8",
        )
        (package / "py.typed").write_text("", encoding="utf-8")
        _ruff(package)
        shutil.rmtree(package / ".ruff_cache", ignore_errors=True)
    _verify(package, [entry["operation_id"] for entry in facts["operations"]])
    return notes


def generate(spec_file: Path, out: Path) -> list[str]:
    """Write the generated package for ``spec_file`` into the folder ``out``, replaced in one
    step once the new package is complete and checked (``swap.py``); return one line per
    operation left out."""
    restored = swap.recover(out, spec_file)
    if restored:
        print(restored, file=sys.stderr)
    staging = swap.staging_folder(out)
    try:
        notes = build(spec_file, staging / PACKAGE)
        swap.install(staging / PACKAGE, out)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return notes


# --------------------------------------------------------------------------------------------
# Check mode


def _tree(folder: Path) -> dict[str, Path]:
    return {
        str(path.relative_to(folder)): path
        for path in sorted(folder.rglob("*"))
        if path.is_file() and "__pycache__" not in path.parts and ".ruff_cache" not in path.parts
    }


def compare(expected_dir: Path, actual_dir: Path) -> list[str]:
    """Differences between what the spec produces and what is committed, readable."""
    expected, actual = _tree(expected_dir), _tree(actual_dir) if actual_dir.exists() else {}
    report: list[str] = []
    for name in sorted(set(expected) | set(actual)):
        if name not in actual:
            report.append(f"missing from generated/: {name}")
        elif name not in expected:
            report.append(f"not produced by spec/ (hand-added?): {name}")
        elif not filecmp.cmp(expected[name], actual[name], shallow=False):
            diff = difflib.unified_diff(
                actual[name].read_text("utf-8", errors="replace").splitlines(),
                expected[name].read_text("utf-8", errors="replace").splitlines(),
                fromfile=f"generated/{name} (committed)",
                tofile=f"generated/{name} (from spec/)",
                lineterm="",
                n=1,
            )
            lines = list(diff)
            shown = lines[:40]
            more = (
                f"\n    ... {len(lines) - len(shown)} more diff lines"
                if len(lines) > len(shown)
                else ""
            )
            report.append(f"differs: {name}\n    " + "\n    ".join(shown) + more)
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Generate the client package from spec/.")
    parser.add_argument(
        "--spec", type=Path, default=SPEC_FILE, help="fragment (default: %(default)s)"
    )
    parser.add_argument(
        "--output", type=Path, default=OUTPUT_DIR, help="package folder (default: %(default)s)"
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="regenerate into a temporary folder and fail if --output differs",
    )
    args = parser.parse_args(argv)
    started = time.perf_counter()
    # An update cut short is finished or undone before generated/ is read or written.
    restored = swap.recover(args.output, args.spec)
    if restored:
        print(restored, file=sys.stderr)
    try:
        if args.check:
            with tempfile.TemporaryDirectory(prefix="klaviyo-check-") as scratch:
                fresh = Path(scratch) / PACKAGE
                generate(args.spec, fresh)
                report = compare(fresh, args.output)
            if report:
                print(
                    f"generated/ does not match {args.spec.name}: {len(report)} file(s) differ.\n"
                    "Generated code is never edited by hand: change spec/ or scripts/, then run\n"
                    "  python scripts/generate.py\n",
                    file=sys.stderr,
                )
                print("\n".join(report), file=sys.stderr)
                return 1
            print(f"generated/ matches {args.spec.name} ({time.perf_counter() - started:.1f}s)")
            return 0
        notes = generate(args.spec, args.output)
    except spec_tools.SpecError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for note in notes:
        print(f"note: {note}")
    print(
        f"generated {args.output.name} from {args.spec.name} "
        f"in {time.perf_counter() - started:.1f}s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
