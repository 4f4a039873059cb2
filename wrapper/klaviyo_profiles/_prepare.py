"""Profiles checked and encoded for bulk import jobs, and jobs' bodies: no I/O.

* :func:`prepare_profile` checks one profile exactly as ``create_or_update_profile`` would and
  returns a :class:`PreparedProfile`: its wire resource object, encoded size, whether it holds a
  null anywhere, and its identity (:func:`~klaviyo_profiles.identity.identity_of`);
* :class:`BulkChunker` and :func:`chunk_profiles` group prepared profiles into job-sized
  chunks, by count and by encoded bytes (the job's envelope included), lazily;
* :func:`encode_job_body` and :func:`prepare_job` build a job's request body from already
  encoded profiles;
* :func:`membership_profile` and :func:`stored_membership` build the profiles of a job that
  only adds stored profiles to lists;
* :func:`from_encoded` stands a profile's encoded bytes in for it in a job.

Every limit comes from ``facts.OPERATIONS["bulk_import_profiles"]``. The public names are
re-exported by :mod:`klaviyo_profiles.bulk`.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any, Generic, TypeAlias, TypeVar

import attrs
from klaviyo_profile_import import facts
from klaviyo_profile_import.types import UNSET

from . import _generated
from ._generated import ProfileUpsertQuery, ProfileUpsertQueryResourceObject
from ._generated import payloads as _payloads
from .body import check_text, encode_body, prepare_request
from .errors import BulkImportUnavailableError, InvalidInputError, PayloadTooLargeError
from .identity import IDENTIFIER_ATTRIBUTES, identity_of
from .nulls import NullPolicy, check_null_policy, omit_nulls_in_body

__all__ = [
    "BULK_OPERATION",
    "BulkChunker",
    "PreparedJob",
    "PreparedProfile",
    "ProfileInput",
    "check_lists",
    "chunk_profiles",
    "encode_job_body",
    "envelope_size",
    "from_encoded",
    "membership_profile",
    "prepare_job",
    "prepare_profile",
    "prepare_profiles",
    "stored_membership",
]

#: The operation that starts a job; its ``item_limit``, ``payload_limit_bytes`` and
#: ``item_payload_limit_bytes`` bound every job.
BULK_OPERATION = "bulk_import_profiles"


#: One profile, in any form ``create_or_update_profile`` takes: a mapping of its keywords
#: (``{"email": ..., "first_name": None, "location": {...}, "kx": ..., "id": ..., "meta": ...,
#: "patch_properties": ...}``), a JSON:API profile resource object (``{"type": "profile",
#: "attributes": {...}}``), a whole Create or Update Profile body (``{"data": {...}}``), or the
#: generated ``ProfileUpsertQuery`` / ``ProfileUpsertQueryResourceObject``.
ProfileInput: TypeAlias = (
    Mapping[str, Any]
    | _payloads.ProfileUpsertQuery
    | _payloads.ProfileUpsertQueryResourceObject
    | ProfileUpsertQuery
    | ProfileUpsertQueryResourceObject
)


_T = TypeVar("_T")


# Keywords of create_or_update_profile that are not attributes.
_RESOURCE_KEYWORDS = ("id", "meta", "patch_properties", "patch_identifiers")


# The body's prefix when it holds nothing but "data", as encode_body writes it.
_DATA_PREFIX = b'{"data":'


@attrs.frozen
class PreparedProfile:
    """One profile checked and encoded, ready for a job or a single call.

    Attributes:
        resource: the wire resource object (``{"type": "profile", "attributes": {...}}``).
        size: bytes of ``resource`` as sent (compact JSON, UTF-8).
        has_null: whether a ``None`` clears a field: a member of its attributes (of an
            object in them too) or of ``meta`` given as ``None``. Such a profile must go
            through Create or Update Profile for the null to clear (a job leaves the field
            unchanged). A ``None`` inside a list is one of the list's values, not a field:
            both paths store the list as sent.
        identity: its identifiers, normalised, as keys such as ``"email:ada@example.com"``,
            ``"phone_number:+447700900123"``, ``"external_id:42"``, ``"_kx:..."``, ``"id:..."``.
            Two profiles that share a key may be the same stored profile.
        null_path: where the first null is (``"attributes.last_name"``), or ``None``.
        encoded: ``resource`` encoded, once; jobs are built from these bytes.

    Example::

        prepared = prepare_profile({"email": "Ada@Example.com", "last_name": None})
        prepared.has_null, prepared.null_path    # True, "attributes.last_name"
        prepared.identity                        # frozenset({"email:ada@example.com"})
    """

    resource: dict[str, Any] = attrs.field(repr=False)
    size: int
    has_null: bool
    identity: frozenset[str]
    null_path: str | None = None
    encoded: bytes = attrs.field(default=b"", repr=False, eq=False)

    @property
    def body(self) -> dict[str, Any]:
        """The profile as a Create or Update Profile body (``{"data": resource}``)."""
        return {"data": self.resource}


def prepare_profile(
    profile: ProfileInput | PreparedProfile,
    *,
    index: int | None = None,
    nulls: NullPolicy = "clear",
) -> PreparedProfile:
    """Check one profile as ``create_or_update_profile`` would, and encode it. No I/O.

    ``index`` (the profile's position in the caller's input) is named in errors as
    ``profiles[index]``. ``nulls="omit"`` reads every null of the profile as "not given"
    (:func:`~klaviyo_profiles.nulls.omit_nulls_in_body`); ``"clear"`` (default) sends it, to
    clear the field. A :class:`PreparedProfile` is returned as it is, except that under
    ``"omit"`` one holding a null is prepared again without it.

    Raises:
        InvalidInputError: naming the profile's index and the field (unknown names, wrong
            types, nesting, NaN, a body over the single call's payload limit, ...), or the
            profile, when reading the object itself raised (its error is the cause).

    Example::

        prepare_profile({"email": "ada@example.com", "location": {"city": "London"}}, index=0)
        prepare_profile({"type": "profile", "attributes": {"email": "ada@example.com"}})
        prepare_profile({"data": {"type": "profile", "attributes": {"phone_number": "+1..."}}})
    """
    policy = check_null_policy(nulls)
    if isinstance(profile, PreparedProfile):
        if policy == "omit" and profile.has_null:
            # Prepared under "clear": its nulls are read again, as "not given".
            return prepare_profile(profile.resource, index=index, nulls="omit")
        return profile
    wire_filter = omit_nulls_in_body if policy == "omit" else None
    form = "body"
    try:
        if isinstance(profile, ProfileUpsertQuery):
            prepared = prepare_request(body=profile, attributes={}, wire_filter=wire_filter)
        elif isinstance(profile, ProfileUpsertQueryResourceObject):
            form = "resource"
            prepared = prepare_request(
                body={"data": _resource_to_dict(profile)}, attributes={}, wire_filter=wire_filter
            )
        elif isinstance(profile, Mapping):
            if "data" in profile:
                prepared = prepare_request(body=profile, attributes={}, wire_filter=wire_filter)
            elif "type" in profile or "attributes" in profile:
                form = "resource"
                prepared = prepare_request(
                    body={"data": profile}, attributes={}, wire_filter=wire_filter
                )
            else:
                form = "keywords"
                keywords: dict[str, Any] = {
                    name: profile.get(name, UNSET)
                    for name in _RESOURCE_KEYWORDS
                    if isinstance(name, str)
                }
                attributes = {
                    name: value for name, value in profile.items() if name not in keywords
                }
                prepared = prepare_request(
                    body=None, attributes=attributes, wire_filter=wire_filter, **keywords
                )
        else:
            raise InvalidInputError(
                "body",
                "a mapping of create_or_update_profile keywords, a JSON:API profile resource "
                "object or body, or ProfileUpsertQuery(ResourceObject)",
                f"got {type(profile).__name__}",
            )
    except InvalidInputError as exc:
        raise _at_index(exc, index, form=form) from None
    except Exception as exc:
        # The caller's own object failed while it was read (a Mapping whose iteration or
        # lookup raises, at any depth): the row cannot be sent, and says so as any bad row.
        unreadable = InvalidInputError(
            _unreadable_at(profile) or "body",
            "a mapping that can be read",
            f"reading it raised {type(exc).__name__}: {exc}",
        )
        raise _at_index(unreadable, index, form=form) from exc
    body = prepared.body
    resource: dict[str, Any] = body["data"]
    content = prepared.content
    if len(body) == 1 and content.startswith(_DATA_PREFIX):
        encoded = content[len(_DATA_PREFIX) : -1]
    else:  # a body with members beside "data": only the resource object goes in a job
        encoded = encode_body(resource)
    null_path = _first_null(resource)
    return PreparedProfile(
        resource=resource,
        size=len(encoded),
        has_null=null_path is not None,
        identity=identity_of(resource),
        null_path=null_path,
        encoded=encoded,
    )


def _unreadable_at(value: object, path: str = "", depth: int = 0) -> str | None:
    """Where in the caller's object reading fails (a dotted path as the caller wrote it,
    ``""`` for the object itself), or ``None`` if every mapping in it can be read now."""
    if depth > 32 or not isinstance(value, Mapping):
        return None
    try:
        members = list(value.items())
    except Exception:  # the object's own failure: this is where it is
        return path
    for name, member in members:
        found = _unreadable_at(member, f"{path}.{name}" if path else str(name), depth + 1)
        if found is not None:
            return found
    return None


def prepare_profiles(
    profiles: Iterable[ProfileInput | PreparedProfile],
    *,
    start: int = 0,
    nulls: NullPolicy = "clear",
) -> Iterator[PreparedProfile]:
    """Each profile checked and encoded (:func:`prepare_profile`), lazily, errors naming its
    index in the caller's input (``start`` is the index of the first: a window of a longer
    input names its rows as the input does).

    Raises:
        InvalidInputError: at the first profile that cannot be sent, naming its index.
    """
    for index, profile in enumerate(profiles, start):
        yield prepare_profile(profile, index=index, nulls=nulls)


def _resource_to_dict(model: ProfileUpsertQueryResourceObject) -> Any:
    try:
        return model.to_dict()
    except (AttributeError, TypeError, ValueError) as exc:
        raise InvalidInputError(
            "body", "a ProfileUpsertQueryResourceObject built from the generated models", str(exc)
        ) from None


def _at_index(error: InvalidInputError, index: int | None, *, form: str) -> Exception:
    """The same error, its field named as the caller wrote the profile and prefixed with
    ``profiles[index]`` (``data.attributes.location.x`` is ``location.x`` for keywords)."""
    field = error.field
    prefixes = {"keywords": ("data.attributes.", "data."), "resource": ("data.",)}
    for prefix in prefixes.get(form, ()):
        if field.startswith(prefix):
            field = field[len(prefix) :]
            break
    if index is None and field == error.field:
        return error
    located = copy.copy(error)
    where = "" if index is None else f"profiles[{index}]"
    if field == "body":
        located.field = where or "body"
    else:
        located.field = f"{where}.{field}" if where else field
    message = str(error.args[0]) if error.args else str(error)
    if field != error.field:
        message = message.replace(error.field, field, 1)
    located.args = (f"{where}: {message}" if where else message,)
    return located


def _first_null(resource: Mapping[str, Any]) -> str | None:
    """Where the first ``None`` that clears a field is (a member of ``attributes``, of an
    object in them, or of ``meta``), as a dotted path. A ``None`` inside a list is one of
    the list's values: a job stores the list as sent, as the single call does."""
    for member in ("attributes", "meta"):
        value = resource.get(member)
        if value is None:
            if member in resource and member == "meta":
                return member
            continue
        found = _null_in(value, member)
        if found is not None:
            return found
    return None


def _null_in(value: Any, path: str) -> str | None:
    # Recursion is bounded: the value passed the body checks (at most MAX_JSON_DEPTH levels).
    # A list is a value as a whole: nothing inside it is a field, so nothing in it clears one.
    if value is None:
        return path
    if isinstance(value, dict):
        for key, item in value.items():
            found = _null_in(item, f"{path}.{key}")
            if found is not None:
                return found
    return None


# -- the job's body -------------------------------------------------------------------------


def _operation() -> facts.Operation:
    return _generated.operation(BULK_OPERATION)


def check_lists(lists: Sequence[str]) -> tuple[str, ...]:
    """The list ids a job adds its profiles to, checked (non-empty strings)."""
    if isinstance(lists, str) or not isinstance(lists, Sequence):
        raise InvalidInputError(
            "lists", "a sequence of list ids (str)", f"got {type(lists).__name__}"
        )
    checked: list[str] = []
    for position, list_id in enumerate(lists):
        if not isinstance(list_id, str) or not list_id:
            raise InvalidInputError(
                f"lists[{position}]", "a list id (non-empty str)", f"got {list_id!r}"
            )
        check_text(list_id, f"lists[{position}]")
        checked.append(list_id)
    return tuple(dict.fromkeys(checked))


def _envelope(lists: Sequence[str]) -> tuple[bytes, bytes]:
    """The job body's bytes before and after its comma-separated profiles."""
    job_type = _operation().resource_type
    if job_type is None:  # the spec names no type for a job: none can be described
        raise BulkImportUnavailableError(BULK_OPERATION, facts.REVISION)
    head = b'{"data":{"type":' + encode_body(job_type) + b',"attributes":{"profiles":{"data":['
    tail = b"]}}"
    if lists:
        tail += b',"relationships":{"lists":{"data":' + encode_body(
            [{"type": "list", "id": list_id} for list_id in lists]
        )
        tail += b"}}"
    return head, tail + b"}}"


#: The least room a job must leave for one profile beside its envelope: a profile named by an
#: id alone (Klaviyo's ids have 26 characters; this allows 64).
_ROOM_FOR_ONE = len(encode_body({"type": "profile", "id": "X" * 64, "attributes": {}}))


def _check_room(envelope: int, max_bytes: int | None) -> None:
    """Refuse, before any I/O, ``lists`` so long that a job has no room for a profile."""
    if max_bytes is not None and envelope + _ROOM_FOR_ONE > max_bytes:
        raise InvalidInputError(
            "lists",
            f"list ids that leave room for profiles in a job of {max_bytes} bytes",
            f"got lists taking {envelope} bytes of the job's body",
        )


def envelope_size(lists: Sequence[str] = ()) -> int:
    """Bytes of a job body around its profiles (with no profile in it)."""
    head, tail = _envelope(check_lists(lists))
    return len(head) + len(tail)


def encode_job_body(profiles: Sequence[PreparedProfile], lists: Sequence[str] = ()) -> bytes:
    """The request body of one job, built from the profiles' encoded bytes (no re-encoding).

    Example::

        encode_job_body([prepare_profile({"email": "ada@example.com"})], lists=["Y6nRLr"])
    """
    head, tail = _envelope(check_lists(lists))
    # Joined once: a body is megabytes, and joining the profiles then adding the head and the
    # tail made two more copies of it, each a large block that, freed, leaves the allocator's
    # heap fragmented: over a long import the process grew by megabytes for nothing.
    parts = [head]
    for profile in profiles:
        parts += (_encoded(profile), b",")
    if len(parts) > 1:
        parts.pop()  # no comma after the last profile
    parts.append(tail)
    return b"".join(parts)


def _encoded(profile: PreparedProfile) -> bytes:
    return profile.encoded or encode_body(profile.resource)


# -- chunking -------------------------------------------------------------------------------


def _prepared_size(item: Any) -> int:
    size = getattr(item, "size", None)
    if not isinstance(size, int):
        raise TypeError(
            f"cannot tell the encoded size of {type(item).__name__}; pass size= to the chunker"
        )
    return size


class BulkChunker(Generic[_T]):
    """Groups items into job-sized chunks, one item at a time, holding one chunk at most.

    A chunk holds at most ``max_items`` items (default the operation's ``item_limit``) and
    its job body at most ``max_bytes`` (default ``payload_limit_bytes``), counting the
    envelope, the list relationships and the commas between profiles. ``size`` gives an
    item's encoded bytes (default its ``.size``, as on :class:`PreparedProfile`).

    Example::

        chunker = BulkChunker()
        for row in rows:
            full = chunker.add(prepare_profile(row))
            if full:
                client.bulk_import_profiles(full)
        if rest := chunker.flush():
            client.bulk_import_profiles(rest)
    """

    def __init__(
        self,
        *,
        size: Callable[[_T], int] = _prepared_size,
        lists: Sequence[str] = (),
        max_items: int | None = None,
        max_bytes: int | None = None,
    ) -> None:
        operation = _operation()
        item_limit = operation.item_limit
        payload_limit = operation.payload_limit_bytes
        self.max_items = _smaller(item_limit, max_items, "max_items")
        self.max_bytes = _smaller(payload_limit, max_bytes, "max_bytes")
        self.envelope = envelope_size(lists)
        _check_room(self.envelope, self.max_bytes)
        self._size = size
        self._items: list[_T] = []
        self._bytes = self.envelope

    def __len__(self) -> int:
        return len(self._items)

    @property
    def pending(self) -> Sequence[_T]:
        """The items of the chunk being filled."""
        return tuple(self._items)

    @property
    def pending_bytes(self) -> int:
        """The job body's size if the pending items were sent now."""
        return self._bytes

    def add(self, item: _T) -> list[_T] | None:
        """Add ``item``; return a full chunk when one is complete (by count or bytes).

        Raises:
            InvalidInputError: the item alone would not fit in a job.
        """
        size = self._size(item)
        if self.envelope + size > self.max_bytes:
            raise InvalidInputError(
                "profile",
                f"a profile that fits in a job of {self.max_bytes} bytes",
                f"got one of {size} bytes",
            )
        full: list[_T] | None = None
        if self._items and self._bytes + 1 + size > self.max_bytes:
            full = self.flush()
        self._bytes += size + (1 if self._items else 0)
        self._items.append(item)
        if full is None and len(self._items) >= self.max_items:
            full = self.flush()
        return full

    def flush(self) -> list[_T]:
        """Return the pending items (possibly none) and start a new chunk."""
        items, self._items = self._items, []
        self._bytes = self.envelope
        return items


def _smaller(limit: int | None, requested: int | None, name: str) -> int:
    if requested is not None and (isinstance(requested, bool) or requested < 1):
        raise InvalidInputError(name, "a positive integer", f"got {requested!r}")
    values = [value for value in (limit, requested) if value is not None]
    if not values:
        raise InvalidInputError(name, "a limit (the revision states none)")
    return min(values)


def chunk_profiles(
    items: Iterable[_T],
    *,
    size: Callable[[_T], int] = _prepared_size,
    lists: Sequence[str] = (),
    max_items: int | None = None,
    max_bytes: int | None = None,
) -> Iterator[list[_T]]:
    """Job-sized chunks of ``items``, in order, lazily (see :class:`BulkChunker`).

    Example::

        prepared = (prepare_profile(row, index=i) for i, row in enumerate(rows))
        for chunk in chunk_profiles(prepared):
            jobs.append(client.bulk_import_profiles(chunk))
    """
    chunker = BulkChunker(size=size, lists=lists, max_items=max_items, max_bytes=max_bytes)
    for item in items:
        full = chunker.add(item)
        if full:
            yield full
    rest = chunker.flush()
    if rest:
        yield rest


# -- one job's request, checked before any I/O ----------------------------------------------


@attrs.frozen
class PreparedJob:
    """A job's checked request body and the profiles in it, in order."""

    profiles: tuple[PreparedProfile, ...] = attrs.field(repr=False)
    content: bytes = attrs.field(repr=False)
    lists: tuple[str, ...] = ()


def prepare_job(
    profiles: Sequence[ProfileInput | PreparedProfile], lists: Sequence[str] = ()
) -> PreparedJob:
    """Check a job's profiles against the operation's limits and build its body. No I/O.

    Raises:
        InvalidInputError: no profile, more than ``item_limit``, a profile with a null (a job
            would leave it unchanged), a profile over ``item_payload_limit_bytes``, a body over
            ``payload_limit_bytes``, ``lists`` that leave no room for a profile, or a profile
            the single call would refuse.
    """
    operation = _operation()
    checked_lists = check_lists(lists)
    _check_room(envelope_size(checked_lists), operation.payload_limit_bytes)
    if isinstance(profiles, (str, bytes, Mapping)) or not isinstance(profiles, Sequence):
        raise InvalidInputError(
            "profiles", "a sequence of profiles", f"got {type(profiles).__name__}"
        )
    if not profiles:
        raise InvalidInputError("profiles", "at least one profile", "got none")
    if operation.item_limit is not None and len(profiles) > operation.item_limit:
        raise InvalidInputError(
            "profiles",
            f"at most {operation.item_limit} profiles in one job",
            f"got {len(profiles)}; split them with chunk_profiles, or use "
            "create_or_update_profiles",
        )
    prepared: list[PreparedProfile] = []
    item_limit_bytes = operation.item_payload_limit_bytes
    for index, profile in enumerate(profiles):
        one = prepare_profile(profile, index=index)
        if one.has_null:
            raise InvalidInputError(
                f"profiles[{index}].{one.null_path}",
                "no null values: a bulk import job leaves a field given as null unchanged "
                "instead of clearing it",
                "send this profile with create_or_update_profile (create_or_update_profiles "
                "does so for you)",
            )
        if item_limit_bytes is not None and one.size > item_limit_bytes:
            raise InvalidInputError(
                f"profiles[{index}]",
                f"at most {item_limit_bytes} bytes of JSON per profile in a job",
                f"got {one.size} bytes",
            )
        prepared.append(one)
    content = encode_job_body(prepared, checked_lists)
    if operation.payload_limit_bytes is not None and len(content) > operation.payload_limit_bytes:
        raise PayloadTooLargeError(len(content), operation.payload_limit_bytes)
    return PreparedJob(profiles=tuple(prepared), content=content, lists=checked_lists)


# -- jobs that only add stored profiles to lists --------------------------------------------


def membership_profile(profile: PreparedProfile) -> PreparedProfile:
    """A profile holding only the identifiers of ``profile``: in a job with ``lists`` it adds
    the stored profile to the lists and changes none of its fields, as long as no later
    request changes or clears one of them before the job runs (``create_or_update_profiles``
    builds its list jobs with :func:`stored_membership` instead, for that reason)."""
    attributes = profile.resource.get("attributes")
    resource: dict[str, Any] = {"type": "profile"}
    if isinstance(profile.resource.get("id"), str):
        resource["id"] = profile.resource["id"]
    resource["attributes"] = {
        name: attributes[name]
        for name in IDENTIFIER_ATTRIBUTES
        if isinstance(attributes, Mapping) and isinstance(attributes.get(name), str)
    }
    return prepare_profile(resource)


def stored_membership(profile_id: str) -> PreparedProfile:
    """A profile that adds the stored profile ``profile_id`` to a job's lists and changes none
    of its fields: it is named by its id and carries no attribute.

    ``create_or_update_profiles`` adds the rows it sends one by one to ``lists`` with such
    profiles. A profile carrying any value (an identifier included) could set back what a
    later request changed, whichever path that request took and whenever the job runs; one
    carrying none cannot. The spec allows it: a profile resource's ``id`` is optional and
    none of its attributes is required.

    Example::

        stored_membership(result.profile_id)   # {"type": "profile", "id": ..., "attributes": {}}
    """
    return prepare_profile({"type": "profile", "id": profile_id, "attributes": {}})


#: Stands in for the decoded resource of a profile a job is built from by its bytes alone.
_FROM_BYTES: dict[str, Any] = {}


def from_encoded(encoded: bytes) -> PreparedProfile:
    """A profile for :func:`prepare_job` given as its encoded bytes only: bytes of a profile
    already checked by :func:`prepare_profile` (with no null, within the per-profile limit).
    The job's body is built from these bytes; nothing is decoded again."""
    return PreparedProfile(
        resource=_FROM_BYTES,
        size=len(encoded),
        has_null=False,
        identity=frozenset(),
        encoded=encoded,
    )
