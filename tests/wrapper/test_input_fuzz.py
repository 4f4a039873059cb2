"""Fuzzing the input: whatever is passed, as keywords or as ``body=``, the client either sends
a request that the revision's request schema accepts, or raises ``InvalidInputError`` before
any I/O, in bounded time. No other exception, no hang.

Values are drawn from ordinary JSON and from the hostile cases: lone surrogates in strings and
keys, nesting far past the limit, values that contain themselves, integers and Decimals beyond
what JSON carries, NaN and the infinities, non-string keys, wrong types everywhere (query
names included), and values far over the payload limit.
"""

from __future__ import annotations

import datetime as dt
import enum
import json
import time
import uuid
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import jsonschema
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from klaviyo_profile_import import facts
from klaviyo_profile_import.arguments import ARGUMENT_TO_ATTRIBUTE
from klaviyo_profiles import UNSET, InvalidInputError, KlaviyoProfiles
from klaviyo_profiles.body import MAX_JSON_DEPTH, MAX_SAFE_INTEGER
from wire_recorder import API_KEY, Recorder

#: Per example; far above the milliseconds a check takes, so load cannot break it.
TIME_BOUND_SECONDS = 2.0

SCHEMA = jsonschema.Draft202012Validator(facts.request_body_schema())
ARGUMENTS = sorted(ARGUMENT_TO_ATTRIBUTE)
SCALAR_ARGUMENTS = [
    argument
    for argument, wire in ARGUMENT_TO_ATTRIBUTE.items()
    if wire not in facts.OBJECT_REQUEST_ATTRIBUTES
]


class Colour(enum.Enum):
    RED = "red"
    NUMBER = 7
    HUGE = 2**80


def nested(levels: int) -> dict[str, Any]:
    root: dict[str, Any] = {}
    current = root
    for _ in range(levels - 1):
        current["a"] = {}
        current = current["a"]
    return root


def containing_itself(kind: str) -> Any:
    if kind == "dict":
        loop: dict[str, Any] = {"k": 1}
        loop["self"] = loop
        return loop
    items: list[Any] = [1]
    items.append(items)
    return items


_SURROGATES = st.sampled_from(["\ud800", "\udbff", "\udc00", "\udfff"])
text = st.one_of(
    st.text(max_size=12),
    st.builds(lambda a, s, b: a + s + b, st.text(max_size=3), _SURROGATES, st.text(max_size=3)),
    st.sampled_from(["ada@example.com", "+15005550006", "", "x" * 300]),
)
keys = st.one_of(
    text,
    st.text(max_size=8),
    st.integers(-3, 3),
    st.none(),
    st.booleans(),
    st.tuples(st.integers(0, 2)),
)
numbers = st.one_of(
    st.integers(-(2**60), 2**60),
    st.integers(MAX_SAFE_INTEGER - 2, MAX_SAFE_INTEGER + 2),
    # built in the strategy so that no repr of a 5000-digit int is ever needed
    st.sampled_from([400, 5000, 100_000]).map(lambda digits: -(10**digits)),
    st.sampled_from([64, 53]).map(lambda bits: 2**bits),
    st.floats(),  # NaN and the infinities included
    st.decimals(),  # NaN, sNaN and the infinities included
    st.builds(
        lambda sign, exponent: Decimal(f"{sign}1e{exponent}"),
        st.sampled_from(["", "-"]),
        st.sampled_from([0, 15, 16, 308, 309, -324, -325, 10_000_000, -10_000_000]),
    ),
)
others = st.one_of(
    st.datetimes(timezones=st.none() | st.just(dt.timezone.utc)),
    st.dates(),
    st.uuids(),
    st.sampled_from(list(Colour)),
    st.binary(max_size=4),
    st.sets(st.integers(0, 3), max_size=2),
    st.builds(object),
    st.just(UNSET),
    st.just(uuid),  # a module
    st.just(len),  # a function
)
leaves = st.one_of(st.none(), st.booleans(), text, numbers, others)


def _containers(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(
        st.lists(children, max_size=3),
        st.lists(children, max_size=3).map(tuple),
        st.dictionaries(keys, children, max_size=3),
    )


values = st.one_of(
    st.recursive(leaves, _containers, max_leaves=12),
    st.integers(1, 3 * MAX_JSON_DEPTH).map(nested),
    st.sampled_from(["dict", "list"]).map(containing_itself),
    st.just(150_000).map(lambda count: ["x"] * count),  # far over the payload limit
)
objects = st.dictionaries(keys, values, max_size=4) | values

# Plausible input, so that the "sent" branch is exercised as much as the refusals.
plain_text = st.text(max_size=10)
json_values = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-MAX_SAFE_INTEGER, MAX_SAFE_INTEGER),
        st.floats(allow_nan=False, allow_infinity=False),
        plain_text,
    ),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(plain_text, children),
    max_leaves=8,
)
plain_location = st.dictionaries(
    st.sampled_from(list(facts.LOCATION_FIELDS)),
    st.none() | plain_text | st.floats(-90, 90),
    max_size=3,
)
plain_attributes = st.fixed_dictionaries(
    {"email": st.just("ada@example.com")},
    optional={
        **{name: st.none() | plain_text for name in SCALAR_ARGUMENTS if name != "email"},
        "location": st.none() | plain_location,
        "properties": st.none() | st.dictionaries(plain_text, json_values, max_size=4),
    },
)
query_names = st.one_of(
    st.none(),
    st.lists(st.sampled_from(facts.ADDITIONAL_FIELDS + facts.SPARSE_FIELDS), max_size=3),
    st.lists(st.one_of(text, st.integers(), st.none(), st.binary(max_size=3)), max_size=2),
    text,
    st.integers(),
    st.binary(max_size=4),
    st.dictionaries(text, st.integers(), max_size=1),
)
HOSTILE_ARGUMENTS: dict[str, st.SearchStrategy[Any]] = {
    **{name: st.one_of(text, leaves, values) for name in SCALAR_ARGUMENTS},
    "location": st.one_of(
        st.none(),
        st.dictionaries(
            st.sampled_from(list(facts.LOCATION_FIELDS)) | keys, leaves | values, max_size=4
        ),
        values,
    ),
    "properties": st.none() | objects,
    "id": st.one_of(st.none(), text, leaves),
    "meta": st.none() | objects,
    "patch_properties": st.none() | objects,
    "additional_fields": query_names,
    "fields": query_names,
    "max_attempts": st.one_of(st.integers(-1, 2), st.text(max_size=2), st.floats()),
    "total_timeout": st.one_of(st.floats(), st.integers(-1, 5), st.text(max_size=2)),
}
hostile_keyword_arguments = st.fixed_dictionaries({}, optional=HOSTILE_ARGUMENTS)
one_hostile_argument = st.sampled_from(sorted(HOSTILE_ARGUMENTS)).flatmap(
    lambda name: HOSTILE_ARGUMENTS[name].map(lambda value: {name: value})
)
keyword_arguments = st.one_of(
    hostile_keyword_arguments,
    plain_attributes,
    # plausible everywhere but one hostile value
    st.builds(
        lambda plain, hostile: {**plain, **hostile},
        plain_attributes,
        one_hostile_argument,
    ),
)
_attributes = st.dictionaries(st.sampled_from(sorted(facts.REQUEST_ATTRIBUTES)) | keys, values)
plain_bodies = plain_attributes.map(
    lambda attributes: {
        "data": {
            "type": "profile",
            "attributes": {
                ARGUMENT_TO_ATTRIBUTE[name]: value for name, value in attributes.items()
            },
        }
    }
)
bodies = st.one_of(
    plain_bodies,
    plain_bodies.flatmap(
        lambda body: st.builds(
            lambda name, value: {
                "data": {**body["data"], "attributes": {**body["data"]["attributes"], name: value}}
            },
            st.sampled_from(sorted(facts.REQUEST_ATTRIBUTES)),
            values,
        )
    ),
    st.fixed_dictionaries(
        {
            "data": st.fixed_dictionaries(
                {"type": st.sampled_from(["profile", "profile", "nope"]) | leaves},
                optional={
                    "attributes": _attributes | values,
                    "id": text | leaves,
                    "meta": objects,
                    "relationships": values,
                },
            )
        },
        optional={"included": values},
    ),
    objects,
    leaves,
)


@pytest.fixture(scope="module")
def fuzz_recorder() -> Iterator[Recorder]:
    server = Recorder()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def fuzz_client(fuzz_recorder: Recorder) -> Iterator[KlaviyoProfiles]:
    with KlaviyoProfiles(
        api_key=API_KEY, base_url=fuzz_recorder.base_url, retry_policy=None, rate_limits=False
    ) as made:
        yield made


def sent_or_refused(recorder: Recorder, call: Any) -> None:
    """The call sends one request the schema accepts, or raises InvalidInputError with
    nothing sent; either within the time bound. Any other exception fails the test."""
    before = len(recorder.requests)
    started = time.monotonic()
    try:
        call()
    except InvalidInputError as error:
        assert time.monotonic() - started < TIME_BOUND_SECONDS
        assert len(recorder.requests) == before, "refused, yet something was sent"
        assert isinstance(error.field, str) and str(error)  # names the field (even "")
        str(error).encode("utf-8")  # printable: no lone surrogate in the message
        event("refused")
        return
    assert time.monotonic() - started < TIME_BOUND_SECONDS
    assert len(recorder.requests) == before + 1
    document = json.loads(recorder.requests[-1].body.decode("utf-8"))
    problems = [error.message for error in SCHEMA.iter_errors(document)]
    assert problems == [], document
    event("sent")


_FUZZ = settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@_FUZZ
@given(arguments=keyword_arguments)
def test_keyword_input_is_sent_valid_or_refused_before_io(
    fuzz_client: KlaviyoProfiles, fuzz_recorder: Recorder, arguments: dict[str, Any]
) -> None:
    sent_or_refused(fuzz_recorder, lambda: fuzz_client.create_or_update_profile(**arguments))


@_FUZZ
@given(body=bodies, query=st.fixed_dictionaries({}, optional={"additional_fields": query_names}))
def test_body_input_is_sent_valid_or_refused_before_io(
    fuzz_client: KlaviyoProfiles, fuzz_recorder: Recorder, body: Any, query: dict[str, Any]
) -> None:
    sent_or_refused(fuzz_recorder, lambda: fuzz_client.create_or_update_profile(body=body, **query))


@_FUZZ
@given(arguments=st.dictionaries(keys | text, values, max_size=3))
def test_unknown_keyword_names_are_refused_before_io(
    fuzz_client: KlaviyoProfiles, fuzz_recorder: Recorder, arguments: dict[Any, Any]
) -> None:
    named = {str(name): value for name, value in arguments.items()}
    sent_or_refused(
        fuzz_recorder,
        lambda: fuzz_client.create_or_update_profile(**{"email": "ada@example.com", **named}),
    )
