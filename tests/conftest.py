"""Fixtures shared by the whole test suite, and the markers that sort it.

Kept small on purpose: folder-specific fixtures live in that folder's own ``conftest.py``.

Markers (registered in pyproject.toml) are applied here, in one place, rather than in the test
files: ``redis`` to every test that asks for the ``redis_server`` fixtures, and the others from
``MARKED`` below. ``make test-fast`` deselects all four; ``make test`` (what CI runs) runs
everything. ``tests/test_markers.py`` checks that every entry still names a collected test.
"""

from __future__ import annotations

import ast
import functools
import sys
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from redis_server import RedisServer

# ``pytester`` runs users' own suites of the pytest plugin (tests/test_pytest_plugin.py).
pytest_plugins = ["pytester"]

REPO_ROOT = Path(__file__).resolve().parent.parent
#: Facts-only copies of Klaviyo's published specs (MIT, license beside them), one folder per
#: revision; written by ``scripts/vendor_klaviyo_spec.py``.
KLAVIYO_SPECS = REPO_ROOT / "tests" / "klaviyo_spec"

# The generation scripts are not a package; tests import them as top-level modules
# (``import spec_tools, generate, update_revision``), exactly as the scripts import each other.
if str(REPO_ROOT / "scripts") not in sys.path:
    sys.path.insert(0, str(REPO_ROOT / "scripts"))


@pytest.fixture(scope="session")
def repo_root() -> Path:
    """The root of this clone."""
    return REPO_ROOT


@pytest.fixture(scope="session")
def klaviyo_specs() -> Path:
    """The folder of Klaviyo's specs as the tests use them: one sub-folder per revision, each
    file cut down to the profile-import operation's facts (no prose)."""
    return KLAVIYO_SPECS


@pytest.fixture(scope="session")
def redis_server_session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    """One real redis-server for the session (fails with an install hint when missing)."""
    server = RedisServer(tmp_path_factory.mktemp("redis"))
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def unix_redis_server() -> Iterator[RedisServer]:
    """A redis-server listening on a unix socket only (in a short temporary directory: a
    socket path has a length limit that pytest's own temporary paths can exceed)."""
    with tempfile.TemporaryDirectory(prefix="redis-") as directory:
        server = RedisServer(Path(directory), unix_socket=Path(directory) / "redis.sock")
        server.start()
        try:
            yield server
        finally:
            server.stop()


@pytest.fixture
def redis_server(redis_server_session: RedisServer) -> RedisServer:
    """The session's redis-server, running and emptied for this test."""
    if redis_server_session.process is None:  # a test stopped it
        redis_server_session.start()
    redis_server_session.flush()
    return redis_server_session


# --------------------------------------------------------------------------------------------
# Markers

SLOW, SUBPROCESS, REDIS, GENERATION = "slow", "subprocess", "redis", "generation"
#: Fixtures that start a redis-server.
REDIS_FIXTURES = frozenset({"redis_server", "redis_server_session", "unix_redis_server"})

#: Where each marker goes, by folder (ending in ``/``), file, or file ``::`` test (a test's
#: parametrized cases included). ``slow``: in-process tests of about half a second or more,
#: measured file by file with ``--durations=0`` on a 2-core machine (the fast loop has a budget
#: of a minute); a test that starts processes is ``subprocess`` whatever its duration.
MARKED: dict[str, tuple[str, ...]] = {
    # The generators and the type checkers.
    "tests/generation/": (GENERATION,),
    "tests/wrapper/test_regenerated_revision.py": (GENERATION, SUBPROCESS),
    "tests/wrapper/test_typing.py": (GENERATION, SUBPROCESS),
    "tests/test_code_quality.py": (GENERATION, SUBPROCESS),
    "tests/integration/test_limits_and_retries.py::"
    "test_a_client_regenerated_for_2025_04_15_paces_by_its_700_per_minute": (GENERATION,),
    # Whole files that start processes.
    "tests/cli/test_cli_import_kill.py": (SUBPROCESS, SLOW),
    "tests/cli/test_cli_limiter.py": (SUBPROCESS,),
    "tests/cli/test_cli_limiter_edges.py": (SUBPROCESS,),
    "tests/integration/test_fleet.py": (SUBPROCESS, SLOW),
    # Every test of this file talks to a sandbox in its own process.
    "tests/integration/test_limits_and_retries.py": (SUBPROCESS, SLOW),
    "tests/test_benchmark_run.py": (SUBPROCESS, SLOW),
    "tests/test_benchmark_baseline.py": (SUBPROCESS,),
    # Users' own suites in a nested pytest (a second or two each); one without the extra.
    "tests/test_pytest_plugin.py": (SLOW,),
    "tests/test_pytest_plugin.py::"
    "test_without_the_sandbox_extra_the_fixture_errors_with_the_install_line": (SUBPROCESS,),
    "tests/test_packaging.py": (SUBPROCESS, SLOW),
    "tests/wrapper/test_extras.py": (SUBPROCESS,),
    "tests/test_cold_start_imports.py": (SUBPROCESS,),
    "tests/wrapper/test_package_face_submodules.py": (SUBPROCESS,),
    # Single tests that start processes.
    "tests/cli/test_cli_edges.py::test_demo_into_a_closed_pipe_exits_quietly": (SUBPROCESS,),
    "tests/cli/test_cli_edges.py::test_key_file_readable_by_others_is_warned_about": (SUBPROCESS,),
    "tests/cli/test_cli_edges.py::test_sandbox_on_a_busy_port_fails_before_the_banner": (
        SUBPROCESS,
    ),
    "tests/cli/test_cli_edges.py::test_input_from_a_pipe_is_refused_in_one_line": (SUBPROCESS,),
    "tests/cli/test_cli_help_listing.py::"
    "test_a_misspelt_command_is_answered_with_the_near_name_though_not_imported_yet": (SUBPROCESS,),
    "tests/cli/test_cli_help_listing.py::test_a_command_near_no_name_is_refused_without_a_guess": (
        SUBPROCESS,
    ),
    "tests/cli/test_cli_help_listing.py::"
    "test_several_near_names_are_offered_sorted_in_clicks_own_words": (SUBPROCESS,),
    "tests/cli/test_cli_help_listing.py::"
    "test_an_unknown_option_before_a_misspelt_command_is_reported_as_that_option": (SUBPROCESS,),
    "tests/cli/test_cli_help_listing.py::"
    "test_neither_the_help_nor_a_misspelt_command_imports_a_command_module": (SUBPROCESS,),
    "tests/cli/test_cli_import.py::test_refused_key_stops_the_import_and_journals_nothing": (
        SUBPROCESS,
    ),
    "tests/cli/test_cli_import.py::test_import_5000_rows_with_one_percent_bad": (SUBPROCESS, SLOW),
    "tests/cli/test_cli_import_changed_only.py::"
    "test_sigkill_between_send_and_outcome_forgets_the_row_so_it_is_sent_again": (
        SUBPROCESS,
        SLOW,
    ),
    "tests/cli/test_cli_import.py::test_import_help_states_the_job_size_of_the_generated_facts": (
        SUBPROCESS,
    ),
    "tests/cli/test_cli_import_preflight.py::"
    "test_second_import_of_a_held_journal_is_refused_naming_the_holder": (SUBPROCESS,),
    "tests/cli/test_cli_import_preflight.py::"
    "test_two_imports_of_one_file_at_once_second_is_refused": (SUBPROCESS, SLOW),
    "tests/cli/test_cli_import_output.py::"
    "test_a_run_stopped_by_sigterm_or_sighup_ends_as_after_ctrl_c": (SUBPROCESS, SLOW),
    "tests/cli/test_cli_revision_demo.py::test_revision_as_subprocess_json": (SUBPROCESS,),
    "tests/cli/test_cli_revision_demo.py::test_demo_as_subprocess_without_a_key": (SUBPROCESS,),
    "tests/cli/test_cli_revision_demo.py::test_demo_against_a_given_server": (SUBPROCESS,),
    "tests/cli/test_cli_revision_demo.py::test_demo_against_a_server_needs_a_key": (SUBPROCESS,),
    "tests/cli/test_cli_revision_demo.py::test_sandbox_command_serves_with_the_sandbox_options": (
        SUBPROCESS,
        SLOW,
    ),
    "tests/cli/test_cli_revision_demo.py::test_sandbox_help_is_the_sandbox_parser": (SUBPROCESS,),
    "tests/cli/test_cli_revision_demo.py::test_sandbox_module_help_shows_no_none_default": (
        SUBPROCESS,
    ),
    "tests/cli/test_cli_revision_demo.py::test_installed_script_runs": (SUBPROCESS,),
    "tests/cli/test_cli_upsert.py::test_create_update_clear_as_subprocess": (SUBPROCESS, SLOW),
    "tests/cli/test_cli_upsert.py::test_key_is_never_printed": (SUBPROCESS,),
    "tests/cli/test_import_bulk.py::"
    "test_sigkill_with_jobs_in_flight_then_rerun_polls_them_and_submits_none_twice": (
        SUBPROCESS,
        SLOW,
    ),
    "tests/cli/test_import_bulk.py::"
    "test_a_job_the_server_no_longer_knows_is_marked_lost_and_its_rows_sent_again": (
        SUBPROCESS,
        SLOW,
    ),
    "tests/cli/test_import_bulk.py::"
    "test_sigkill_right_after_the_202_then_rerun_sends_that_chunk_one_by_one_never_in_a_job": (
        SUBPROCESS,
        SLOW,
    ),
    "tests/sandbox/test_serving.py::test_python_dash_m_serves_until_stopped": (SUBPROCESS, SLOW),
    "tests/test_dev_commands.py::test_each_command_creates_the_venv_when_it_is_missing": (
        SUBPROCESS,
    ),
    "tests/test_dev_commands.py::test_an_up_to_date_venv_is_reused": (SUBPROCESS,),
    "tests/test_markers.py::test_every_marker_entry_matches_a_collected_test": (SUBPROCESS,),
    # The code blocks of the README and docs/ run with a redis-server of the test module's own.
    "tests/test_readme.py::test_python_blocks_run_against_the_sandbox": (SUBPROCESS, SLOW, REDIS),
    "tests/test_readme.py::test_shell_blocks_run_against_the_sandbox": (SUBPROCESS, SLOW, REDIS),
    "tests/test_readme.py::test_the_web_app_block_serves_signups_against_the_sandbox": (SLOW,),
    "tests/test_redis_limiter.py::test_redis_is_not_imported_with_the_package": (SUBPROCESS,),
    "tests/test_ratelimit_edges.py::"
    "test_importing_the_package_loads_no_redis_plugin_nor_pyrate_limiters_buckets": (SUBPROCESS,),
    "tests/wrapper/test_client_options.py::"
    "test_library_logger_has_a_null_handler_so_unconfigured_apps_stay_quiet": (SUBPROCESS,),
    "tests/wrapper/test_client_options.py::"
    "test_revision_warning_points_at_the_line_that_created_the_client": (SUBPROCESS,),
    # In-process, about a second or more.
    "tests/cli/test_cli_import_changed_only.py::"
    "test_dry_run_says_what_would_go_and_sends_and_writes_nothing": (SLOW,),
    "tests/cli/test_cli_import_sources.py::"
    "test_lines_are_counted_as_python_splits_them_whatever_the_piece_size": (SLOW,),
    "tests/cli/test_cli_import_output.py::"
    "test_nulls_omit_keeps_stored_values_and_lets_rows_go_in_jobs": (SLOW,),
    "tests/cli/test_cli_import_output.py::"
    "test_rows_of_a_job_a_resumed_run_polled_to_its_end_count_as_imported": (SLOW,),
    "tests/cli/test_cli_revision_demo.py::test_demo_in_process_on_the_embedded_sandbox": (SLOW,),
    "tests/wrapper/test_demo.py": (SLOW,),
    "tests/cli/test_cli_import_order.py::test_rows_of_different_profiles_overlap_in_the_sandbox": (
        SLOW,
    ),
    "tests/cli/test_import_bulk.py::"
    "test_a_lagging_single_path_does_not_split_the_file_into_small_jobs": (SLOW,),
    "tests/integration/test_bulk_import.py::test_bulk_operations_are_paced_by_their_own_windows": (
        SLOW,
    ),
    "tests/integration/test_bulk_import.py::"
    "test_a_job_start_refused_with_429_is_retried_into_one_job_each": (SLOW,),
    "tests/integration/test_bulk_import.py::test_chunks_stop_at_the_item_limit": (SLOW,),
    "tests/integration/test_bulk_import.py::"
    "test_a_list_job_never_sets_back_a_value_a_job_row_changed": (SLOW,),
    "tests/sandbox/test_bulk_jobs.py::test_job_passes_through_queued_processing_complete": (SLOW,),
    "tests/sandbox/test_concurrency.py::"
    "test_200_concurrent_requests_from_20_async_clients_lose_nothing": (SLOW,),
    "tests/sandbox/test_concurrency.py::test_200_requests_from_20_threads_lose_nothing": (SLOW,),
    "tests/sandbox/test_faults.py::"
    "test_error_rate_gives_that_share_of_5xx_and_the_same_sequence_for_the_same_seed": (SLOW,),
    "tests/wrapper/test_client_options.py::test_per_call_timeout_applies_to_that_call_only": (
        SLOW,
    ),
    "tests/wrapper/test_options_everywhere.py::"
    "test_create_or_update_profiles_timeout_bounds_each_attempt": (SLOW,),
    "tests/wrapper/test_options_everywhere.py::"
    "test_the_iterator_forms_bound_each_request_of_every_operation_by_timeout": (SLOW,),
    # Calls that end early or wait for jobs: a second or more each.
    "tests/integration/test_call_endings.py": (SLOW,),
    "tests/integration/test_call_endings.py::test_a_call_from_an_atexit_hook_reports_every_row": (
        SUBPROCESS,
    ),
    "tests/integration/test_job_waits.py::"
    "test_job_reads_the_limiter_refuses_are_made_later_and_fail_no_row": (SLOW,),
    "tests/integration/test_job_waits.py::"
    "test_waiting_for_a_job_reads_it_again_after_the_limiter_refused": (SLOW,),
    "tests/wrapper/test_input_fuzz.py": (SLOW,),
    "tests/wrapper/test_wire_format.py::test_random_mixes_reach_the_wire_exactly": (SLOW,),
    # In-process, about half a second: left out so that the fast loop stays under a minute.
    "tests/cli/test_cli_import_output.py::"
    "test_a_run_leaves_the_journal_alone_beside_its_input_and_removes_no_other_file": (SLOW,),
    "tests/cli/test_cli_import_order.py::test_forty_rows_for_one_email_end_with_the_last_row": (
        SLOW,
    ),
    "tests/cli/test_cli_import_preflight.py::"
    "test_reject_file_of_a_replaced_file_is_not_shown_under_the_new_header": (SLOW,),
    "tests/cli/test_import_bulk.py::"
    "test_a_job_request_that_may_have_made_the_job_sends_its_rows_one_by_one_in_the_same_run": (
        SLOW,
    ),
    "tests/cli/test_import_bulk.py::"
    "test_repeated_profiles_keep_file_order_across_jobs_and_single_requests": (SLOW,),
    "tests/cli/test_import_bulk.py::test_import_errors_go_to_the_reject_file": (SLOW,),
    "tests/cli/test_import_bulk.py::test_journal_of_schema_2_is_migrated_and_its_outcomes_resume": (
        SLOW,
    ),
    "tests/integration/test_bulk_import.py::"
    "test_import_error_pages_follow_the_cursor_in_index_order": (SLOW,),
    "tests/integration/test_bulk_import.py::"
    "test_waiting_past_the_timeout_names_the_job_which_can_be_waited_for_again": (SLOW,),
    "tests/integration/test_bulk_import.py::test_import_errors_map_back_to_input_rows": (SLOW,),
    "tests/integration/test_bulk_import.py::test_chunks_stop_at_the_payload_limit": (SLOW,),
    "tests/sandbox/test_serving.py::"
    "test_sandbox_serves_on_a_free_loopback_port_and_stops_cleanly": (SLOW,),
    "tests/sandbox/test_upsert.py::"
    "test_a_sparse_subscription_field_still_answers_the_required_members": (SLOW,),
    "tests/test_ratelimit.py::test_threads_sharing_one_limiter_grant_within_both_windows": (SLOW,),
    "tests/test_redis_limiter_edges.py::"
    "test_a_process_pacing_alone_takes_only_its_share_of_what_the_fleet_left": (SLOW,),
    "tests/test_redis_limiter_edges.py::"
    "test_a_log_lost_while_the_process_that_filled_it_is_idle_counts_as_full": (SLOW,),
    "tests/test_redis_limiter_edges.py::"
    "test_a_log_deleted_or_replaced_mid_window_is_restored_before_the_next_slot": (SLOW,),
    "tests/wrapper/test_client_options.py::"
    "test_with_options_returns_a_configured_copy_sharing_the_pool": (SLOW,),
    "tests/wrapper/test_client_options.py::"
    "test_explicit_timeout_takes_precedence_over_the_http_client": (SLOW,),
    "tests/wrapper/test_unsendable_values.py::"
    "test_huge_values_are_refused_after_reading_about_the_limit": (SLOW,),
    "tests/cli/test_cli_import_sources.py::"
    "test_quote_tracking_ends_records_where_the_csv_module_does": (SLOW,),
    "tests/cli/test_cli_import_sources.py::"
    "test_a_huge_row_is_rejected_with_an_excerpt_and_its_line": (SLOW,),
    "tests/cli/test_import_without_jobs.py::"
    "test_via_auto_sends_every_row_one_by_one_after_one_notice": (SLOW,),
    "tests/integration/test_limiter_wait.py::"
    "test_concurrent_async_calls_that_would_wait_past_total_timeout_fail_and_send_nothing": (SLOW,),
    "tests/integration/test_limiter_wait.py::"
    "test_a_bulk_job_call_that_would_wait_past_total_timeout_fails_and_sends_nothing": (SLOW,),
    "tests/wrapper/test_generated_binding.py::test_the_async_client_degrades_the_same_way": (SLOW,),
    "tests/wrapper/test_generated_binding.py::"
    "test_only_the_binding_imports_names_that_come_from_klaviyos_spec": (SLOW,),
}


def marked_id(item: pytest.Item) -> str:
    """``tests/folder/test_file.py::test_name[case]``, from the repository root wherever pytest
    was started (the form of ``MARKED``'s entries)."""
    return "::".join([item.path.relative_to(REPO_ROOT).as_posix(), *item.nodeid.split("::")[1:]])


def entry_matches(entry: str, identifier: str) -> bool:
    """Whether a ``MARKED`` entry covers the test ``identifier`` (see :func:`marked_id`)."""
    if entry.endswith("/"):
        return identifier.startswith(entry)
    return identifier == entry or identifier.startswith((entry + "::", entry + "["))


def entry_is_defined(entry: str) -> bool:
    """Whether the folder, file, or test (a function or class of that file) an entry names
    exists, read from the source."""
    file, _, name = entry.partition("::")
    path = REPO_ROOT / file
    if not name:
        return path.is_dir() if entry.endswith("/") else path.is_file()
    if not path.is_file():
        return False
    return name.split("::")[0] in _defined_names(path)


@functools.cache
def _defined_names(path: Path) -> frozenset[str]:
    return frozenset(
        node.name
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
    )


@pytest.hookimpl(tryfirst=True)  # before ``-m`` deselects by these markers
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if not item.path.is_relative_to(REPO_ROOT):  # a file given from elsewhere: not ours
            continue
        identifier = marked_id(item)
        names = {REDIS} if REDIS_FIXTURES.intersection(getattr(item, "fixturenames", ())) else set()
        for entry, markers in MARKED.items():
            if entry_matches(entry, identifier):
                names.update(markers)
        for name in sorted(names):
            item.add_marker(name)


@dataclass(frozen=True)
class MarkerTable:
    """``MARKED`` and how an entry is read, for the test that keeps the table true."""

    entries: dict[str, tuple[str, ...]]
    matches: Callable[[str, str], bool]
    is_defined: Callable[[str], bool]


@pytest.fixture
def marker_table() -> MarkerTable:
    """The table of markers this conftest applies."""
    return MarkerTable(MARKED, entry_matches, entry_is_defined)
