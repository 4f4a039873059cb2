"""The bulk module's pure parts: preparing profiles, chunking, job bodies, result parsing."""

from __future__ import annotations

import json
import pickle
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from klaviyo_profile_import import facts
from klaviyo_profile_import.models import ProfileUpsertQuery, ProfileUpsertQueryResourceObject
from klaviyo_profiles import (
    APIConnectionError,
    InvalidInputError,
    PayloadTooLargeError,
    UnknownFieldError,
)
from klaviyo_profiles._polling import poll_settings as _poll_settings
from klaviyo_profiles._polling import poll_timed_out as _poll_timed_out
from klaviyo_profiles._requests import transport_error as _transport_error
from klaviyo_profiles._routing import plan_routes_pausing
from klaviyo_profiles.body import prepare_request
from klaviyo_profiles.bulk import (
    AUTO_BULK_MIN_PROFILES,
    BulkChunker,
    BulkImportErrorEntry,
    BulkImportJob,
    BulkImportJobCancelledError,
    BulkImportJobTimeoutError,
    PreparedProfile,
    chunk_profiles,
    encode_job_body,
    envelope_size,
    identity_groups,
    job_outcomes,
    membership_profile,
    plan_routes,
    prepare_job,
    prepare_profile,
    stored_membership,
)
from klaviyo_profiles.errors import BulkImportRowError, KlaviyoError, error_from_response
from klaviyo_profiles.retries import job_start_retryable as _safe_to_resubmit

BULK = facts.OPERATIONS["bulk_import_profiles"]
ADA = {"type": "profile", "attributes": {"email": "ada@example.com", "first_name": "Ada"}}


# -- prepare_profile: the four input forms give one wire resource ---------------------------


@pytest.mark.parametrize(
    "given",
    [
        {"email": "ada@example.com", "first_name": "Ada"},
        ADA,
        {"data": ADA},
        ProfileUpsertQuery.from_dict({"data": ADA}),
        ProfileUpsertQueryResourceObject.from_dict(ADA),
    ],
    ids=["keywords", "resource", "body", "ProfileUpsertQuery", "resource model"],
)
def test_every_input_form_prepares_the_same_resource(given: Any) -> None:
    prepared = prepare_profile(given)
    assert prepared.resource == ADA
    assert json.loads(prepared.encoded) == ADA
    assert prepared.size == len(prepared.encoded)
    assert not prepared.has_null


@pytest.mark.parametrize(
    ("keyword", "wire"),
    [
        ("email", "email"),
        ("phone_number", "phone_number"),
        ("external_id", "external_id"),
        ("kx", "_kx"),
        ("_kx", "_kx"),
        ("id", "id"),
    ],
)
@pytest.mark.parametrize("value", [123, True, 1.5, ["a@example.com"], {"a": "b"}])
def test_an_identifier_that_is_not_a_string_is_refused_by_name(
    keyword: str, wire: str, value: Any
) -> None:
    for form, given, field in (
        ("keywords", {keyword: value}, f"profiles[3].{wire}"),
        (
            "resource",
            {"type": "profile", "id": value, "attributes": {"email": "a@example.com"}}
            if wire == "id"
            else {"type": "profile", "attributes": {wire: value}},
            f"profiles[3].{wire}" if wire == "id" else f"profiles[3].attributes.{wire}",
        ),
    ):
        with pytest.raises(InvalidInputError) as caught:
            prepare_profile(given, index=3)
        assert caught.value.field == field, form
        assert "expected a string" in str(caught.value), form


def test_keywords_use_python_names_and_resource_keywords() -> None:
    prepared = prepare_profile(
        {"kx": "abc", "id": "01J", "patch_properties": {"append": {"tags": ["a"]}}}
    )
    assert prepared.resource == {
        "type": "profile",
        "id": "01J",
        "attributes": {"_kx": "abc"},
        "meta": {"patch_properties": {"append": {"tags": ["a"]}}},
    }


def test_size_is_the_resource_as_the_single_call_encodes_it() -> None:
    row = {"email": "zoë@example.com", "properties": {"note": "naïve ☃"}}
    prepared = prepare_profile(row)
    single = prepare_request(body=None, attributes=row)
    assert prepared.size == len(single.content) - len(b'{"data":}')


@pytest.mark.parametrize(
    "given",
    [
        {"email": "a@example.com", "properties": {"a": {"b": [1, None]}}},
        {"email": "a@example.com", "properties": {"tags": [None]}},
        {"email": "a@example.com", "properties": {"items": [{"sku": None}]}},
    ],
)
def test_a_null_inside_a_list_is_a_value_and_clears_no_field(given: dict[str, Any]) -> None:
    prepared = prepare_profile(given)
    assert not prepared.has_null and prepared.null_path is None
    # A job may carry it: it stores the list as sent, as the single call does.
    assert prepare_job([given]).profiles[0].resource == prepared.resource


@pytest.mark.parametrize(
    ("given", "path"),
    [
        ({"email": "a@example.com", "last_name": None}, "attributes.last_name"),
        ({"email": "a@example.com", "location": {"city": None}}, "attributes.location.city"),
        ({"email": "a@example.com", "properties": None}, "attributes.properties"),
        ({"email": "a@example.com", "meta": None}, "meta"),
        (
            {"email": "a@example.com", "patch_properties": {"unset": None}},
            "meta.patch_properties.unset",
        ),
    ],
)
def test_a_null_at_any_depth_is_found(given: dict[str, Any], path: str) -> None:
    prepared = prepare_profile(given)
    assert prepared.has_null
    assert prepared.null_path == path


def test_a_profile_without_null_has_no_null_path() -> None:
    prepared = prepare_profile({"email": "a@example.com", "properties": {"n": 0, "s": ""}})
    assert not prepared.has_null
    assert prepared.null_path is None


def test_identity_normalises_email_and_phone_and_keeps_other_identifiers() -> None:
    prepared = prepare_profile(
        {
            "email": "  Ada@Example.COM ",
            "phone_number": "+44 (7700) 900-123",
            "external_id": "X-1",
            "kx": "kx1",
            "id": "01J",
        }
    )
    assert prepared.identity == frozenset(
        {
            "email:ada@example.com",
            "phone_number:+447700900123",
            "external_id:X-1",
            "_kx:kx1",
            "id:01J",
        }
    )


def test_identity_counts_identifiers_patch_identifiers_names() -> None:
    prepared = prepare_profile(
        {"email": "a@example.com", "patch_identifiers": {"append": {"email": ["B@Example.com"]}}}
    )
    assert "email:b@example.com" in prepared.identity


def test_an_identifier_cleared_with_null_is_no_identity() -> None:
    prepared = prepare_profile({"email": "a@example.com", "phone_number": None})
    assert prepared.identity == frozenset({"email:a@example.com"})


def test_unknown_keyword_names_the_profile_index() -> None:
    with pytest.raises(UnknownFieldError) as caught:
        prepare_profile({"emial": "a@example.com"}, index=4)
    assert caught.value.field == "profiles[4].emial"
    assert "profiles[4]" in str(caught.value)
    assert caught.value.suggestion == "email"


def test_bad_type_in_a_resource_names_the_field_without_the_data_wrapper() -> None:
    with pytest.raises(InvalidInputError) as caught:
        prepare_profile({"type": "profile", "attributes": {"email": 5}}, index=2)
    assert caught.value.field == "profiles[2].attributes.email"
    assert "profiles[2]: attributes.email" in str(caught.value)


@pytest.mark.parametrize(
    ("given", "field"),
    [
        ({"email": float("nan")}, "profiles[0].email"),
        ({"email": "a@example.com", "properties": {"x": {1, 2}}}, "profiles[0].properties.x"),
        ({"first_name": "Ada", "location": {"altitude": 3}}, "profiles[0].location.altitude"),
        ({"data": {"type": "profile", "attributes": {"email": []}}}, "profiles[0]"),
        (7, "profiles[0]"),
    ],
)
def test_the_single_calls_checks_apply(given: Any, field: str) -> None:
    with pytest.raises(InvalidInputError) as caught:
        prepare_profile(given, index=0)
    assert caught.value.field.startswith(field)


def test_the_error_with_an_index_still_pickles() -> None:
    with pytest.raises(InvalidInputError) as caught:
        prepare_profile({"emial": "a"}, index=9)
    copy = pickle.loads(pickle.dumps(caught.value))
    assert copy.field == "profiles[9].emial"
    assert str(copy) == str(caught.value)


def test_a_prepared_profile_is_returned_as_it_is() -> None:
    prepared = prepare_profile(ADA)
    assert prepare_profile(prepared) is prepared


# -- the job body ---------------------------------------------------------------------------


def test_job_body_follows_the_wire_contract() -> None:
    profiles = [prepare_profile(ADA), prepare_profile({"phone_number": "+15005550006"})]
    body = json.loads(encode_job_body(profiles, lists=["L1", "L2"]))
    assert body == {
        "data": {
            "type": "profile-bulk-import-job",
            "attributes": {"profiles": {"data": [p.resource for p in profiles]}},
            "relationships": {
                "lists": {"data": [{"type": "list", "id": "L1"}, {"type": "list", "id": "L2"}]}
            },
        }
    }


def test_job_body_without_lists_has_no_relationships() -> None:
    body = json.loads(encode_job_body([prepare_profile(ADA)]))
    assert "relationships" not in body["data"]


@pytest.mark.parametrize("lists", [(), ("L1",), ("a", "b", "c")])
def test_job_size_is_envelope_plus_profiles_plus_commas(lists: tuple[str, ...]) -> None:
    profiles = [prepare_profile({"email": f"p{i}@example.com"}) for i in range(5)]
    content = encode_job_body(profiles, lists)
    assert len(content) == envelope_size(lists) + sum(p.size for p in profiles) + 4


def test_prepare_job_refuses_a_null_naming_index_field_and_the_single_call() -> None:
    with pytest.raises(InvalidInputError) as caught:
        prepare_job([ADA, {"email": "b@example.com", "location": {"zip": None}}])
    assert caught.value.field == "profiles[1].attributes.location.zip"
    message = str(caught.value)
    assert "null" in message and "create_or_update_profile" in message


def test_prepare_job_refuses_an_empty_job() -> None:
    with pytest.raises(InvalidInputError, match="at least one profile"):
        prepare_job([])


def test_prepare_job_refuses_more_than_the_item_limit() -> None:
    assert BULK.item_limit is not None
    one = prepare_profile(ADA)
    with pytest.raises(InvalidInputError, match=f"at most {BULK.item_limit} profiles"):
        prepare_job([one] * (BULK.item_limit + 1))
    assert len(prepare_job([one] * BULK.item_limit).profiles) == BULK.item_limit


def test_prepare_job_refuses_a_body_over_the_payload_limit() -> None:
    assert BULK.payload_limit_bytes is not None
    big = prepare_profile({"email": "a@example.com", "properties": {"blob": "x" * 90_000}})
    count = BULK.payload_limit_bytes // big.size + 1
    with pytest.raises(PayloadTooLargeError) as caught:
        prepare_job([big] * count)
    assert caught.value.limit == BULK.payload_limit_bytes


def test_prepare_job_refuses_a_profile_over_the_item_payload_limit() -> None:
    assert BULK.item_payload_limit_bytes is not None
    oversized = PreparedProfile(
        resource=ADA, size=BULK.item_payload_limit_bytes + 1, has_null=False, identity=frozenset()
    )
    with pytest.raises(InvalidInputError) as caught:
        prepare_job([ADA, oversized])
    assert caught.value.field == "profiles[1]"


def test_prepare_job_refuses_a_string_for_lists() -> None:
    with pytest.raises(InvalidInputError) as caught:
        prepare_job([ADA], lists="L1")  # type: ignore[arg-type]
    assert caught.value.field == "lists"


# -- chunking -------------------------------------------------------------------------------


def sized(*sizes: int) -> list[tuple[int, int]]:
    return list(enumerate(sizes))


def test_chunks_by_count_at_the_item_limit() -> None:
    assert BULK.item_limit is not None
    items = sized(*([10] * (2 * BULK.item_limit + 3)))
    chunks = list(chunk_profiles(items, size=lambda item: item[1]))
    assert [len(chunk) for chunk in chunks] == [BULK.item_limit, BULK.item_limit, 3]
    assert [item for chunk in chunks for item in chunk] == items


def test_chunks_by_bytes_counting_envelope_and_commas() -> None:
    envelope = envelope_size(["L1"])
    limit = envelope + 3 * 100 + 2  # exactly three profiles of 100 bytes
    items = sized(*([100] * 7))
    chunks = list(chunk_profiles(items, size=lambda item: item[1], lists=["L1"], max_bytes=limit))
    assert [len(chunk) for chunk in chunks] == [3, 3, 1]
    # One byte less and only two fit.
    chunks = list(
        chunk_profiles(items, size=lambda item: item[1], lists=["L1"], max_bytes=limit - 1)
    )
    assert [len(chunk) for chunk in chunks] == [2, 2, 2, 1]


def test_real_chunks_never_exceed_the_payload_limit() -> None:
    assert BULK.payload_limit_bytes is not None
    profiles = [
        prepare_profile({"email": f"p{i}@example.com", "properties": {"blob": "x" * 40_000}})
        for i in range(300)
    ]
    chunks = list(chunk_profiles(profiles))
    assert len(chunks) > 1
    for chunk in chunks:
        assert len(encode_job_body(chunk)) <= BULK.payload_limit_bytes
    # Each chunk but the last is full: one more profile would not have fitted.
    for chunk in chunks[:-1]:
        assert len(encode_job_body([*chunk, profiles[0]])) > BULK.payload_limit_bytes


def test_a_limit_above_the_operations_is_capped() -> None:
    chunker: BulkChunker[PreparedProfile] = BulkChunker(max_items=10**9, max_bytes=10**12)
    assert chunker.max_items == BULK.item_limit
    assert chunker.max_bytes == BULK.payload_limit_bytes


def test_the_chunker_returns_a_chunk_as_soon_as_it_is_full_by_count() -> None:
    chunker: BulkChunker[tuple[int, int]] = BulkChunker(size=lambda item: item[1], max_items=2)
    assert chunker.add((0, 1)) is None
    assert chunker.add((1, 1)) == [(0, 1), (1, 1)]
    assert len(chunker) == 0
    assert chunker.add((2, 1)) is None
    assert chunker.flush() == [(2, 1)]
    assert chunker.flush() == []


def test_chunking_is_lazy() -> None:
    pulled = []

    def source() -> Any:
        for index in range(10):
            pulled.append(index)
            yield (index, 1)

    chunks = chunk_profiles(source(), size=lambda item: item[1], max_items=3)
    assert next(chunks) == [(0, 1), (1, 1), (2, 1)]
    assert pulled == [0, 1, 2]


def test_an_item_too_big_for_any_job_is_refused() -> None:
    chunker: BulkChunker[tuple[int, int]] = BulkChunker(size=lambda item: item[1], max_bytes=500)
    with pytest.raises(InvalidInputError):
        chunker.add((0, 500))


@pytest.mark.parametrize("bad", [0, -1, True])
def test_a_limit_below_one_is_refused(bad: Any) -> None:
    with pytest.raises(InvalidInputError):
        BulkChunker(max_items=bad)


# -- results --------------------------------------------------------------------------------

JOB = {
    "data": {
        "type": "profile-bulk-import-job",
        "id": "job-1",
        "attributes": {
            "status": "processing",
            "created_at": "2026-11-29T06:00:00Z",
            "total_count": 10,
            "completed_count": 4,
            "failed_count": 1,
            "completed_at": None,
            "started_at": "2026-11-29T06:00:01+00:00",
            "expires_at": "2026-12-06T06:00:00Z",
        },
        "links": {"self": "http://127.0.0.1/api/profile-bulk-import-jobs/job-1"},
    }
}


def test_job_is_read_from_its_document() -> None:
    job = BulkImportJob.from_json(JOB)
    assert (job.id, job.status, job.total_count, job.completed_count, job.failed_count) == (
        "job-1",
        "processing",
        10,
        4,
        1,
    )
    assert job.created_at is not None and job.created_at.year == 2026
    assert job.started_at is not None and job.completed_at is None
    assert not job.done
    done = BulkImportJob.from_json({"data": {**JOB["data"], "attributes": {"status": "cancelled"}}})
    assert done.done and done.total_count is None


def test_a_document_without_a_job_id_is_refused() -> None:
    with pytest.raises(ValueError):
        BulkImportJob.from_json({"data": {"attributes": {}}})


def test_error_entry_maps_its_pointer_to_the_profile_index() -> None:
    entry = BulkImportErrorEntry.from_json(
        {
            "type": "import-error",
            "id": "e1",
            "attributes": {
                "code": "invalid",
                "title": "Invalid input.",
                "detail": "Invalid email address",
                "source": {"pointer": "/data/attributes/profiles/data/12/attributes/email"},
                "original_payload": ADA,
            },
        }
    )
    assert entry.index == 12
    assert entry.original_payload == ADA
    assert "Invalid email address" in entry.describe()
    assert BulkImportErrorEntry.from_json({"attributes": {"source": None}}).index is None


def test_timeout_error_names_the_job_and_pickles() -> None:
    error = BulkImportJobTimeoutError("job-1", BulkImportJob.from_json(JOB), 5.0)
    assert "job-1" in str(error)
    copy = pickle.loads(pickle.dumps(error))
    assert copy.job_id == "job-1" and str(copy) == str(error)


# -- routing for create_or_update_profiles --------------------------------------------------


def unique_rows(count: int) -> list[PreparedProfile]:
    return [prepare_profile({"email": f"u{i}@example.com"}) for i in range(count)]


def test_small_inputs_go_single_under_auto_and_bulk_under_bulk() -> None:
    rows = unique_rows(AUTO_BULK_MIN_PROFILES - 1)
    assert plan_routes(rows, "auto") == ([], list(range(len(rows))))
    assert plan_routes(rows, "bulk") == (list(range(len(rows))), [])
    enough = unique_rows(AUTO_BULK_MIN_PROFILES)
    assert plan_routes(enough, "auto") == (list(range(len(enough))), [])


def test_routing_a_long_window_pauses_every_step_rows_and_decides_as_plan_routes() -> None:
    rows = unique_rows(95)
    rows[3] = prepare_profile({"email": "u4@example.com"})  # a repeat: both rows go single
    rows[7] = prepare_profile({"email": "n@example.com", "last_name": None})
    planning = plan_routes_pausing(rows, "bulk", 10)
    pauses = 0
    while True:
        try:
            next(planning)
        except StopIteration as planned:
            routes = planned.value
            break
        pauses += 1
    # Two passes over the rows, a pause after each ten rows of each.
    assert pauses == 2 * (len(rows) // 10)
    assert routes == plan_routes(rows, "bulk")
    assert routes[1] == [3, 4, 7]


def test_nulls_and_every_row_of_a_repeated_identity_go_single_in_order() -> None:
    rows = [
        *unique_rows(5),
        prepare_profile({"email": "U1@example.com", "first_name": "again"}),  # repeats row 1
        prepare_profile({"email": "v@example.com", "last_name": None}),
        prepare_profile({"phone_number": "+15005550006"}),
        prepare_profile({"email": "w@example.com", "phone_number": "+1 500 555 0006"}),
    ]
    bulk_rows, single_rows = plan_routes(rows, "bulk")
    assert bulk_rows == [0, 2, 3, 4]
    assert single_rows == [1, 5, 6, 7, 8]


def test_via_single_sends_everything_single() -> None:
    rows = unique_rows(AUTO_BULK_MIN_PROFILES * 2)
    assert plan_routes(rows, "single") == ([], list(range(len(rows))))


def test_identity_groups_join_rows_through_shared_keys() -> None:
    rows = [
        prepare_profile({"email": "a@example.com"}),
        prepare_profile({"phone_number": "+15005550006"}),
        prepare_profile({"email": "b@example.com"}),
        prepare_profile({"email": "A@example.com", "phone_number": "+15005550006"}),
        prepare_profile({"external_id": "x"}),
    ]
    assert identity_groups(rows, range(5)) == [[0, 1, 3], [2], [4]]


def test_job_outcomes_map_errors_back_to_input_rows() -> None:
    job = BulkImportJob.from_json({"data": {**JOB["data"], "attributes": {"status": "complete"}}})
    entry = BulkImportErrorEntry.from_json(
        {"attributes": {"source": {"pointer": "/data/attributes/profiles/data/1"}}}
    )
    outcomes = job_outcomes(job, [10, 20, 30], [entry])
    assert [(o.index, o.ok, o.via, o.job_id) for o in outcomes] == [
        (10, True, "bulk", "job-1"),
        (20, False, "bulk", "job-1"),
        (30, True, "bulk", "job-1"),
    ]
    error = outcomes[1].error
    assert isinstance(error, BulkImportRowError) and isinstance(error, KlaviyoError)
    assert error.entry is entry and error.job_id == "job-1"


def test_an_import_error_of_a_job_row_is_an_exception_that_can_be_raised_and_pickled() -> None:
    job = BulkImportJob.from_json({"data": {**JOB["data"], "attributes": {"status": "complete"}}})
    entry = BulkImportErrorEntry.from_json(
        {
            "attributes": {
                "code": "invalid",
                "detail": "Invalid email address",
                "source": {"pointer": "/data/attributes/profiles/data/0/attributes/email"},
                "original_payload": {"attributes": {"email": "nope"}},
            }
        }
    )
    [outcome] = job_outcomes(job, [7], [entry])
    with pytest.raises(BulkImportRowError) as caught:
        raise outcome.error  # type: ignore[misc]
    assert "invalid: Invalid email address" in str(caught.value) and "job-1" in str(caught.value)
    assert caught.value.entry.original_payload == {"attributes": {"email": "nope"}}
    again = pickle.loads(pickle.dumps(caught.value))
    assert str(again) == str(caught.value) and again.entry == entry


def test_profiles_of_a_cancelled_job_without_an_error_failed_saying_so() -> None:
    job = BulkImportJob.from_json({"data": {**JOB["data"], "attributes": {"status": "cancelled"}}})
    outcomes = job_outcomes(job, [0, 1], [])
    assert not any(outcome.ok for outcome in outcomes)
    assert all(isinstance(outcome.error, BulkImportJobCancelledError) for outcome in outcomes)
    assert "cancelled" in str(outcomes[0].error)


def test_membership_profile_keeps_only_identifiers() -> None:
    full = prepare_profile(
        {"email": "a@example.com", "external_id": "7", "last_name": None, "properties": {"p": 1}}
    )
    member = membership_profile(full)
    assert member.resource == {
        "type": "profile",
        "attributes": {"email": "a@example.com", "external_id": "7"},
    }
    assert not member.has_null


def test_a_list_membership_profile_names_the_stored_profile_by_its_id_alone() -> None:
    member = stored_membership("P1")
    # No attribute: not even an identifier, which a later row may have changed or cleared
    # (and a job applying it after that row would set it back).
    assert member.resource == {"type": "profile", "id": "P1", "attributes": {}}
    assert json.loads(member.encoded) == member.resource and not member.has_null


def test_lists_that_leave_no_room_for_a_profile_are_refused_by_name() -> None:
    assert BULK.payload_limit_bytes is not None
    huge = ["x" * BULK.payload_limit_bytes]
    refusals: list[Callable[[], object]] = [
        lambda: BulkChunker(lists=huge),
        lambda: prepare_job([{"email": "a@example.com"}], lists=huge),
    ]
    for refuse in refusals:
        with pytest.raises(InvalidInputError) as caught:
            refuse()
        assert caught.value.field == "lists"


@pytest.mark.parametrize(
    ("error", "again"),
    [
        (httpx.ConnectError("refused"), True),
        (httpx.ConnectTimeout("slow"), True),
        (httpx.PoolTimeout("busy"), True),
        (httpx.ReadTimeout("no answer"), False),
        (httpx.RemoteProtocolError("dropped"), False),
        (httpx.WriteError("broken pipe"), False),
    ],
)
def test_a_job_start_is_retried_only_where_nothing_was_sent(
    error: httpx.TransportError, again: bool
) -> None:
    request = httpx.Request("POST", "http://127.0.0.1/api/profile-bulk-import-jobs")
    error.request = request
    try:
        raise _transport_error(error) from error
    except APIConnectionError as raised:
        assert _safe_to_resubmit(raised) is again


@pytest.mark.parametrize(("status", "again"), [(429, True), (500, False), (503, False)])
def test_a_job_start_is_retried_after_429_but_not_after_5xx(status: int, again: bool) -> None:
    request = httpx.Request("POST", "http://127.0.0.1/api/profile-bulk-import-jobs")
    response = httpx.Response(status, json={"errors": []}, request=request)
    assert _safe_to_resubmit(error_from_response(response)) is again


# -- polling --------------------------------------------------------------------------------


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def poll(
    statuses: list[str], timeout: float | None, clock: FakeClock, **intervals: float
) -> BulkImportJob:
    import tenacity

    settings = _poll_settings(
        intervals.get("poll_interval", 1.0),
        intervals.get("max_poll_interval", 30.0),
        timeout,
        clock,
    )
    answers = iter(statuses)

    def read() -> BulkImportJob:
        attributes = {"status": next(answers)}
        return BulkImportJob.from_json({"data": {"id": "job-1", "attributes": attributes}})

    retrying = tenacity.Retrying(
        sleep=clock.sleep, retry_error_callback=_poll_timed_out("job-1", timeout), **settings
    )
    job: BulkImportJob = retrying(read)
    return job


def test_polling_waits_grow_by_half_up_to_the_cap() -> None:
    clock = FakeClock()
    job = poll(["queued"] * 9 + ["complete"], None, clock, poll_interval=1.0, max_poll_interval=5.0)
    assert job.status == "complete"
    assert clock.slept == pytest.approx([1.0, 1.5, 2.25, 3.375, 5.0, 5.0, 5.0, 5.0, 5.0])


def test_polling_reads_once_more_at_the_deadline_then_names_the_job() -> None:
    clock = FakeClock()
    with pytest.raises(BulkImportJobTimeoutError) as caught:
        poll(["processing"] * 100, 4.0, clock)
    assert clock.slept == pytest.approx([1.0, 1.5, 1.5])
    assert caught.value.job_id == "job-1"
    assert caught.value.job is not None and caught.value.job.status == "processing"


def test_polling_stops_at_a_cancelled_job() -> None:
    clock = FakeClock()
    assert poll(["queued", "cancelled"], 60.0, clock).status == "cancelled"
    assert clock.slept == [1.0]


@pytest.mark.parametrize("bad", [0, -1.0, float("nan"), True])
def test_a_poll_interval_that_is_not_a_positive_number_is_refused(bad: Any) -> None:
    with pytest.raises(InvalidInputError):
        _poll_settings(bad, 30.0, None, FakeClock())
