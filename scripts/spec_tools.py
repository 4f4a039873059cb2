"""Reading, extracting, comparing and normalising OpenAPI documents for the profile-import call
and the bulk profile import job operations beside it.

Shared by ``generate.py``, ``update_revision.py`` and the test suite, so that every place that
needs "the facts of the operation" or "a copy a generator or validator handles correctly" gets
them from one implementation.

Vocabulary used below:

* *fragment*: the project's own OpenAPI 3.0 document in ``spec/``, holding the profile-import
  operation, the bulk job operations where the revision has them (:data:`OPERATIONS`), and the
  components they reference, described in the project's words.
* *facts*: names, types, formats, nullability, required-ness, enums, defaults and limits. Facts
  carry over from Klaviyo's published documents; prose (descriptions, summaries, examples) does not.
"""

from __future__ import annotations

import copy
import hashlib
import ipaddress
import json
import re
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import operations as roles
import pydantic
from openapi_python_client.schema import openapi_schema_pydantic as pydantic_schema

#: The profile-import call, and the bulk profile import job operations cut out alongside it
#: where a document has them, each found by its role (method and path shape) and named by it,
#: in the order the fragment lists them (see ``operations.py``). A document without the job
#: operations (Klaviyo's per-endpoint file) gives a fragment without them.
OPERATION_ID = roles.PRIMARY
OPERATIONS: dict[str, roles.Role] = dict(roles.BY_NAME)
BULK_OPERATIONS: dict[str, roles.Role] = {
    name: role for name, role in OPERATIONS.items() if name != OPERATION_ID
}
REVISION_PATTERN = re.compile(r"^\d{4}-\d{2}-\d{2}(\.[A-Za-z0-9_-]+)?$")

# Keys that hold prose rather than facts, wherever an object is being described.
PROSE_KEYS = frozenset({"description", "summary", "example", "examples", "externalDocs", "title"})
# Klaviyo extensions that carry facts the project keeps.
KEPT_EXTENSIONS = ("x-klaviyo-ratelimit", "x-klaviyo-scopes")
# The project's own extension for the payload limit, which Klaviyo states only in prose.
PAYLOAD_LIMIT_KEY = roles.PAYLOAD_LIMIT_KEY
# The project's own extensions for the bulk job limits Klaviyo states only in prose: profiles
# per request, and the size of one profile inside the request.
ITEM_LIMIT_KEY = roles.ITEM_LIMIT_KEY
ITEM_PAYLOAD_LIMIT_KEY = roles.ITEM_PAYLOAD_LIMIT_KEY
OWN_EXTENSIONS = (PAYLOAD_LIMIT_KEY, ITEM_LIMIT_KEY, ITEM_PAYLOAD_LIMIT_KEY)
# Keys whose value is a map from names (property names, media types, status codes) to objects:
# a key such as "description" inside one of these is a name, never prose.
NAME_MAPS = frozenset(
    {
        "properties",
        "schemas",
        "responses",
        "securitySchemes",
        "content",
        "paths",
        "headers",
        "parameters",
        "requestBodies",
        "patternProperties",
        "links",
        "callbacks",
    }
)


class SpecError(Exception):
    """The document does not describe the profile-import operation in a way we can use."""


# --------------------------------------------------------------------------------------------
# Loading


def is_url(source: str | Path) -> bool:
    """Whether ``source`` names a document on the web rather than a local file."""
    return isinstance(source, str) and source.lower().startswith(("https://", "http://"))


#: Shorter parts of a URL are masked where the URL is shown, not wherever they occur in a
#: message: "2" of ``?v=2`` is no credential, and masking it would garble "127.0.0.1".
_MIN_SECRET_LENGTH = 4


def _url_secrets(url: str) -> list[str]:
    """The parts of a URL that may be credentials: user info, query values, the fragment,
    each as written and percent-decoded, longest first (so a value inside another is not
    masked half-way)."""
    parts = urllib.parse.urlsplit(url)
    found: set[str] = set()
    userinfo = parts.netloc.rpartition("@")[0] if "@" in parts.netloc else ""
    for piece in (userinfo, *userinfo.split(":", 1), parts.fragment):
        found.add(piece)
    for piece in parts.query.split("&"):
        name, equals, value = piece.partition("=")
        found.add(value if equals else name)
    found |= {urllib.parse.unquote_plus(piece) for piece in found}
    return sorted(
        (piece for piece in found if len(piece) >= _MIN_SECRET_LENGTH), key=len, reverse=True
    )


def describe_source(source: str | Path) -> str:
    """``source`` as messages show it: a URL's user info, query values and fragment masked, so
    that a token in the URL never reaches the terminal or a log."""
    text = str(source)
    if not is_url(text):
        return text
    parts = urllib.parse.urlsplit(text)
    netloc = parts.netloc
    if "@" in netloc:
        netloc = "***@" + netloc.rpartition("@")[2]
    query = "&".join(
        f"{name}=***" if equals else "***"
        for name, equals, _ in (piece.partition("=") for piece in parts.query.split("&"))
        if name or equals
    )
    return urllib.parse.urlunsplit(
        (parts.scheme, netloc, parts.path, query, "***" if parts.fragment else "")
    )


def scrub(text: str, source: str | Path) -> str:
    """``text`` with every credential-like part of the URL ``source`` masked."""
    if not is_url(source):
        return text
    text = text.replace(str(source), describe_source(source))
    for secret in _url_secrets(str(source)):
        text = text.replace(secret, "***")
    return text


def _is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class _InsecureURL(Exception):
    """A request (the first one, or a redirect) would travel unencrypted off this machine."""


def _refuse_plain_http(request: Any) -> None:
    if request.url.scheme != "https" and not _is_loopback(request.url.host):
        raise _InsecureURL(f"{request.url.scheme}://{request.url.host}")


def _fetch(source: str) -> str:
    import httpx

    shown = describe_source(source)
    if not source.lower().startswith("https://"):
        host = urllib.parse.urlsplit(source).hostname or ""
        if not _is_loopback(host):
            raise SpecError(f"{shown}: plain http is refused (use https; http only on loopback)")
    try:
        # Every request, redirects included, is checked before it is sent.
        with httpx.Client(
            timeout=60.0, follow_redirects=True, event_hooks={"request": [_refuse_plain_http]}
        ) as client:
            response = client.get(source)
            response.raise_for_status()
            return response.text
    except _InsecureURL as exc:
        raise SpecError(f"{shown}: redirected to plain http ({exc}); refused") from None
    except httpx.HTTPStatusError as exc:
        status = exc.response.status_code
        raise SpecError(f"{shown}: cannot fetch (HTTP {status})") from None
    except httpx.HTTPError as exc:
        # httpx's messages may repeat the URL: masked like everything else shown.
        reason = scrub(f"{type(exc).__name__}: {exc}", source)
        raise SpecError(f"{shown}: cannot fetch ({reason})") from None


def load_document(source: str | Path) -> dict[str, Any]:
    """Load a JSON or YAML OpenAPI document from a local path or an https URL (plain http only
    on loopback). Whatever cannot be read or parsed is a :class:`SpecError` naming the source,
    its credentials masked."""
    shown = describe_source(source)
    text: str
    if is_url(source):
        text = _fetch(str(source))
    else:
        try:
            text = Path(source).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
            raise SpecError(f"{shown}: cannot read ({reason})") from exc
    loaded: Any
    if text.lstrip().startswith("{"):
        try:
            loaded = json.loads(text)
        except ValueError as exc:
            raise SpecError(f"{shown}: not valid JSON ({exc})") from None
    else:
        import yaml

        try:
            loaded = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
            problem = getattr(exc, "problem", None) or type(exc).__name__
            raise SpecError(f"{shown}: not valid YAML ({problem}{where})") from None
    if not isinstance(loaded, dict):
        raise SpecError(f"{shown}: not an OpenAPI document (top level is not a mapping)")
    return loaded


def dump_yaml(document: dict[str, Any]) -> str:
    """Serialise a document as YAML, stably (key order kept, no line wrapping surprises)."""
    import yaml

    class _Dumper(yaml.SafeDumper):
        pass

    def _str(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
        style = "|" if "\n" in value else None
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)

    _Dumper.add_representer(str, _str)
    return str(yaml.dump(document, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100))


# --------------------------------------------------------------------------------------------
# Finding and extracting the operation


def find_operation(
    document: dict[str, Any], operation_id: str = OPERATION_ID
) -> tuple[str, str, dict[str, Any]]:
    """Return ``(path, method, operation)`` of one of :data:`OPERATIONS` in ``document`` (the
    profile-import call by default), found by its role: method and path, whatever Klaviyo
    named it, with or without a trailing slash, whatever its path parameters are called."""
    if not isinstance(document.get("paths", {}), dict):
        raise SpecError("'paths' is not a mapping of paths to path items")
    found = roles.find_role(document, operation_id)
    if found is None:
        raise SpecError(
            f"no operation {operation_id!r} ({roles.path_hint(operation_id)}) found in the document"
        )
    return found


def find_operations(document: dict[str, Any]) -> list[tuple[str, str, str, dict[str, Any]]]:
    """``(role, path, method, operation)`` of every operation of :data:`OPERATIONS` the
    document holds, in that order; the profile-import call must be there."""
    found = [(OPERATION_ID, *find_operation(document))]
    for operation_id in BULK_OPERATIONS:
        match = roles.find_role(document, operation_id)
        if match is not None:
            found.append((operation_id, *match))
    return found


def resolve(document: dict[str, Any], ref: str) -> Any:
    """Follow a local JSON reference (``#/components/...``)."""
    if not ref.startswith("#/"):
        raise SpecError(f"only local references are supported, got {ref!r}")
    node: Any = document
    for part in ref[2:].split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        try:
            node = node[part]
        except (KeyError, TypeError):
            raise SpecError(f"dangling reference {ref!r}") from None
    return node


def deref(document: dict[str, Any], node: Any) -> Any:
    """``node`` itself, or the object its ``$ref`` (and theirs, in turn) names: a parameter,
    request body, response or header given as a reference to ``components``."""
    seen: set[str] = set()
    while isinstance(node, dict) and isinstance(node.get("$ref"), str):
        ref = node["$ref"]
        if ref in seen:
            raise SpecError(f"circular reference {ref!r}")
        seen.add(ref)
        node = resolve(document, ref)
    return node


def _refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str):
            yield ref
        for value in node.values():
            yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def strip_prose(node: Any, *, parent_key: str | None = None) -> Any:
    """Return a copy of ``node`` without prose keys (names inside name maps are kept)."""
    if isinstance(node, dict):
        is_name_map = parent_key in NAME_MAPS
        result = {}
        for key, value in node.items():
            if not is_name_map and (key in PROSE_KEYS or _is_dropped_extension(key)):
                continue
            result[key] = strip_prose(value, parent_key=None if is_name_map else key)
        return result
    if isinstance(node, list):
        return [strip_prose(value, parent_key=None) for value in node]
    return node


def _is_dropped_extension(key: str) -> bool:
    return key.startswith("x-") and key not in KEPT_EXTENSIONS and key not in OWN_EXTENSIONS


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


def _collect_components(
    document: dict[str, Any], roots: Any, prose: set[str] | None = None
) -> dict[str, dict[str, Any]]:
    """Every component ``roots`` reference, transitively, without prose (collected into
    ``prose`` when given)."""
    components: dict[str, dict[str, Any]] = {}
    pending = list(_refs(roots))
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
        pending.extend(_refs(target))
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


def _validation_error(error: pydantic.ValidationError, prefix: str) -> str:
    first = error.errors()[0]
    place = ".".join(str(part) for part in (prefix, *first["loc"]) if part != "")
    more = f" (and {error.error_count() - 1} more)" if error.error_count() > 1 else ""
    return f"{place}: {first['msg']}{more}"


def check_operation_shape(path: str, method: str, operation: dict[str, Any]) -> None:
    """Raise :class:`SpecError` where an operation is not shaped as OpenAPI says (parameters
    not a list, a response not an object...): it is read before anything else checks it."""
    try:
        pydantic_schema.Operation.model_validate(operation)
    except pydantic.ValidationError as exc:
        raise SpecError(
            f"not a usable OpenAPI operation: {_validation_error(exc, f'paths.{path}.{method}')}"
        ) from None


def check_document_shape(document: dict[str, Any]) -> None:
    """Raise :class:`SpecError` where a document (a fragment, once cut) is not shaped as
    OpenAPI says, naming the first place that is not."""
    try:
        pydantic_schema.OpenAPI.model_validate(document)
    except pydantic.ValidationError as exc:
        raise SpecError(f"not a usable OpenAPI document: {_validation_error(exc, '')}") from None


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
                _convert_schemas_in(operation)
    components = converted.get("components") or {}
    if "schemas" in components:
        components["schemas"] = {
            name: to_json_schema(schema) for name, schema in components["schemas"].items()
        }
    for kind in ("responses", "parameters", "requestBodies"):
        for item in (components.get(kind) or {}).values():
            _convert_schemas_in(item)
    return converted


def _convert_schemas_in(node: Any, convert: Any = None) -> None:
    convert = convert or to_json_schema
    if isinstance(node, dict):
        for key, value in list(node.items()):
            if key == "schema" and isinstance(value, dict):
                node[key] = convert(value)
            else:
                _convert_schemas_in(value, convert)
    elif isinstance(node, list):
        for value in node:
            _convert_schemas_in(value, convert)


def _is_null(schema: Any) -> bool:
    return isinstance(schema, dict) and schema.get("type") == "null" and len(schema) == 1


def from_json_schema(node: Any) -> Any:
    """Turn JSON Schema (OpenAPI 3.1) nullability back into OpenAPI 3.0's: ``null`` in ``type``
    or as an ``anyOf``/``oneOf`` alternative, or ``None`` in an ``enum``, becomes
    ``nullable: true``; ``const`` a one-value ``enum``; numeric exclusive bounds 3.0's
    boolean ones. The inverse of :func:`to_json_schema`."""
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
            _convert_schemas_in(path_item, from_json_schema)
    components = converted.get("components") or {}
    if isinstance(components.get("schemas"), dict):
        components["schemas"] = {
            name: from_json_schema(schema) for name, schema in components["schemas"].items()
        }
    for kind in ("responses", "parameters", "requestBodies", "headers"):
        for item in (components.get(kind) or {}).values():
            _convert_schemas_in(item, from_json_schema)
    return converted


def schema_reach(document: dict[str, Any], roots: Any) -> set[str]:
    """Names of the component schemas reachable from ``roots`` through references."""
    names: set[str] = set()
    pending = list(_refs(roots))
    while pending:
        ref = pending.pop()
        if not ref.startswith("#/components/schemas/"):
            if ref.startswith("#/components/"):
                pending.extend(_refs(resolve(document, ref)))
            continue
        name = ref.rsplit("/", 1)[1]
        if name in names:
            continue
        names.add(name)
        pending.extend(_refs(resolve(document, ref)))
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
