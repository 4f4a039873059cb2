"""OpenAPI documents as the scripts read them: the vocabulary, loading and dumping, finding the
operations the project serves, following references, leaving prose out, checking shapes.

The bottom layer of the spec tools (``spec_extract``, ``spec_changelog`` and ``spec_normalise``
build on it; ``spec_tools`` is their common face). Vocabulary:

* *fragment*: the project's own OpenAPI 3.0 document in ``spec/``, holding the profile-import
  operation, the bulk job operations where the revision has them (:data:`OPERATIONS`), and the
  components they reference, described in the project's words.
* *facts*: names, types, formats, nullability, required-ness, enums, defaults and limits. Facts
  carry over from Klaviyo's published documents; prose (descriptions, summaries, examples) does not.
"""

from __future__ import annotations

import ipaddress
import json
import re
import urllib.parse
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import operations as roles

if TYPE_CHECKING:
    import pydantic

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
# Finding operations, following references


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


def references(node: Any) -> Iterator[str]:
    """Every ``$ref`` inside ``node``, at any depth."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str):
            yield ref
        for value in node.values():
            yield from references(value)
    elif isinstance(node, list):
        for value in node:
            yield from references(value)


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


# --------------------------------------------------------------------------------------------
# Shapes


def _validation_error(error: pydantic.ValidationError, prefix: str) -> str:
    first = error.errors()[0]
    place = ".".join(str(part) for part in (prefix, *first["loc"]) if part != "")
    more = f" (and {error.error_count() - 1} more)" if error.error_count() > 1 else ""
    return f"{place}: {first['msg']}{more}"


def check_operation_shape(path: str, method: str, operation: dict[str, Any]) -> None:
    """Raise :class:`SpecError` where an operation is not shaped as OpenAPI says (parameters
    not a list, a response not an object...): it is read before anything else checks it."""
    # Imported here: the sandbox reads spec/ through these modules at run time, with neither
    # the generator nor pydantic installed (only checking a document's shape needs them).
    import pydantic
    from openapi_python_client.schema import openapi_schema_pydantic as pydantic_schema

    try:
        pydantic_schema.Operation.model_validate(operation)
    except pydantic.ValidationError as exc:
        raise SpecError(
            f"not a usable OpenAPI operation: {_validation_error(exc, f'paths.{path}.{method}')}"
        ) from None


def check_document_shape(document: dict[str, Any]) -> None:
    """Raise :class:`SpecError` where a document (a fragment, once cut) is not shaped as
    OpenAPI says, naming the first place that is not."""
    import pydantic
    from openapi_python_client.schema import openapi_schema_pydantic as pydantic_schema

    try:
        pydantic_schema.OpenAPI.model_validate(document)
    except pydantic.ValidationError as exc:
        raise SpecError(f"not a usable OpenAPI document: {_validation_error(exc, '')}") from None


# --------------------------------------------------------------------------------------------
# Walking schemas


def map_schemas(node: Any, convert: Callable[[Any], Any]) -> None:
    """Replace, in place, every ``schema`` object inside ``node`` (a parameter, media type,
    operation...) by ``convert`` of it."""
    if isinstance(node, dict):
        for key, value in list(node.items()):
            if key == "schema" and isinstance(value, dict):
                node[key] = convert(value)
            else:
                map_schemas(value, convert)
    elif isinstance(node, list):
        for value in node:
            map_schemas(value, convert)
