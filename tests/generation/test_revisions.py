"""The wrapper, unchanged, works on every revision: those Klaviyo published and those it might.

Each revision is regenerated once into a temporary folder and ``tests/revision_smoke.py`` runs
in a child process with that folder first on ``PYTHONPATH``: the wrapper is this checkout's,
the generated package the revision's. The smoke imports the wrapper, serves the sandbox, clears
a field with a single call, sends many profiles (through jobs, or one by one where the
revision has none), asks for what needs jobs, and runs the demo and the command line.

Real revisions come from Klaviyo's specs beside the checkout (``../shared/klaviyo-openapi``,
skipped where absent); synthetic ones are the newest spec changed the ways Klaviyo has changed
its specs (``regeneration.MUTATIONS``).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import spec_tools
from regeneration import (
    KLAVIYO_FACTS,
    MUTATED_REVISION,
    MUTATIONS,
    NEW_ADDITIONAL_FIELD,
    NEW_ATTRIBUTE,
    OLD_OPERATION_IDS,
    PACKAGE,
    SHARED_SPECS,
    child_environment,
    mutated,
    published_revisions,
    regenerate,
)

pytestmark = pytest.mark.generation

TESTS = Path(__file__).resolve().parents[1]
SMOKE = TESTS / "revision_smoke.py"
JOB_OPERATIONS = list(spec_tools.BULK_OPERATIONS)
#: Klaviyo's per-endpoint file of Create or Update Profile: a real source without jobs.
ENDPOINT_FILE = "apis/create_or_update_profile.json"


def _real_sources() -> list[str]:
    sources = []
    for revision in published_revisions():
        for name in ("stable.json", ENDPOINT_FILE):
            if (SHARED_SPECS / revision / name).is_file():
                sources.append(f"{revision}/{name}")
    return sources


REAL_SOURCES = _real_sources()


def _newest_stable() -> Path:
    """The newest full spec: Klaviyo's own where the checkout has it beside it, else the
    facts-only copy the suite ships."""
    for folder in (SHARED_SPECS, KLAVIYO_FACTS):
        revisions = [
            r for r in published_revisions(folder) if (folder / r / "stable.json").exists()
        ]
        if revisions:
            return folder / revisions[-1] / "stable.json"
    raise AssertionError("no full spec of any revision to mutate")


@pytest.fixture(scope="module")
def current(fragment_path: Path) -> dict[str, Any]:
    """The committed fragment, whose prose a regenerated one carries over."""
    return spec_tools.load_document(fragment_path)


def _smoke(folder: Path, options: dict[str, Any] | None = None) -> dict[str, Any]:
    result = subprocess.run(
        [sys.executable, str(SMOKE), json.dumps(options or {})],
        env=child_environment(folder, TESTS / "cli"),
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, (
        f"smoke failed:\n{result.stdout[-2000:]}\n{result.stderr[-4000:]}"
    )
    report: dict[str, Any] = json.loads(result.stdout)
    return report


def _check(
    report: dict[str, Any],
    folder: Path,
    repo_root: Path,
    *,
    revision: str,
    jobs: tuple[str, ...] | list[str],
) -> None:
    """What every revision must give, with all, some or none of the bulk job operations
    (``jobs``: those it has)."""
    # The revision's package, this checkout's wrapper.
    assert Path(report["generated"]).resolve().is_relative_to(folder.resolve())
    assert Path(report["wrapper"]).resolve().is_relative_to(repo_root / "wrapper")
    assert report["revision"] == revision
    # Every operation under its role's name, in the facts and as a module; nothing else.
    roles = [spec_tools.OPERATION_ID, *(name for name in JOB_OPERATIONS if name in jobs)]
    assert list(report["operations"]) == roles
    modules = sorted(p.stem for p in (folder / PACKAGE / "api" / "profiles").glob("*.py"))
    assert modules == sorted(["__init__", *roles])

    single = report["single"]
    assert single["statuses"] == [201, 200]
    assert single["stored"]["first_name"] == "Ada"
    assert single["stored"]["last_name"] is None  # cleared by the null

    many = report["many"]
    assert (many["ok"], many["stored"]) == (many["total"], many["total"]), many["errors"]
    assert report["many_async"]["ok"] == report["many_async"]["total"] == 3
    attempts = report["needs_jobs"]["attempts"]
    cli = report["cli"]
    assert cli["upsert"] == [0, 0] and cli["upsert_cleared"] is None
    assert cli["import_auto"]["exit_code"] == 0 and cli["import_auto"]["stored"] == 120
    assert cli["import_single"]["exit_code"] == 0 and cli["import_single"]["stored"] == 3
    assert report["demo"]["exit_code"] == 0, report["demo"]["output"]
    assert f"revision {revision}" in report["demo"]["output"]
    if set(jobs) == set(JOB_OPERATIONS):
        assert many["via"] == {"bulk": many["total"] - 1, "single": 1}
        assert many["jobs_in_sandbox"] >= 1 and many["warnings"] == []
        assert all(a["raised"] != "BulkImportUnavailableError" for a in attempts.values())
        assert (
            cli["import_auto"]["job_requests"] > 0 and "note:" not in cli["import_auto"]["stdout"]
        )
        assert cli["import_bulk"]["exit_code"] == 0 and cli["import_bulk"]["stored"] == 120
        return
    # Not every job operation: one by one, said once; what needs a missing one refused by
    # name, nothing sent for it; an operation it has still works.
    assert many["via"] == {"single": many["total"]} and many["jobs_in_sandbox"] == 0
    assert len(many["warnings"]) == 1 and f"revision {revision} has no bulk" in many["warnings"][0]
    for name, attempt in attempts.items():
        if name in jobs:
            assert attempt["raised"] != "BulkImportUnavailableError", attempt
            continue
        assert attempt["raised"] == "BulkImportUnavailableError", attempt
        assert attempt["revision"] == revision
        assert attempt["operation"] in JOB_OPERATIONS and attempt["operation"] not in jobs
    auto = cli["import_auto"]
    assert auto["stdout"].count(f"note: revision {revision} has no bulk import jobs") == 1
    assert auto["job_requests"] == 0
    bulk = cli["import_bulk"]
    assert bulk["exit_code"] == 2 and bulk["stored"] == 0 and bulk["job_requests"] == 0
    assert f"revision {revision} has no bulk import jobs" in bulk["stderr"]
    if not jobs:
        assert report["needs_jobs"]["job_requests"] == 0
        assert not any("bulk-import-jobs" in path for path in report["paths"])


@pytest.mark.parametrize("source", REAL_SOURCES or ["(none)"])
def test_each_published_revision_passes_the_smoke(
    source: str, tmp_path: Path, current: dict[str, Any], repo_root: Path
) -> None:
    if not REAL_SOURCES:
        pytest.skip(f"Klaviyo's published specs are not beside this checkout ({SHARED_SPECS})")
    revision = source.split("/", 1)[0]
    folder = regenerate(SHARED_SPECS / source, tmp_path / "tree", current=current)
    report = _smoke(folder)
    jobs = [] if source.endswith(ENDPOINT_FILE) else JOB_OPERATIONS
    _check(report, folder, repo_root, revision=revision, jobs=jobs)
    if jobs and revision < "2025-04-15":
        # Limits Klaviyo stated only later stand in, marked with the revision they are from.
        job = report["operations"]["bulk_import_profiles"]
        assert job["item_payload_limit_bytes"] == 100 * 1024
        assert job["fallbacks"] == {"item_payload_limit_bytes": "2025-04-15"}


@pytest.mark.parametrize("mutation", list(MUTATIONS))
def test_each_synthetic_revision_passes_the_smoke(
    mutation: str, tmp_path: Path, current: dict[str, Any], repo_root: Path
) -> None:
    source = mutated(
        spec_tools.load_document(_newest_stable()), mutation, tmp_path / f"{mutation}.json"
    )
    folder = regenerate(source, tmp_path / "tree", current=current, revision=MUTATED_REVISION)
    options: dict[str, Any] = {}
    if mutation == "optional_attribute_added":
        options["attribute"] = list(NEW_ATTRIBUTE)
    if mutation == "enum_value_added":
        options["additional_field"] = NEW_ADDITIONAL_FIELD
    report = _smoke(folder, options)
    _check(report, folder, repo_root, revision=MUTATED_REVISION, jobs=MUTATIONS[mutation][1])
    operations = report["operations"]
    if mutation == "operation_ids_renamed":
        assert {role: operations[role]["klaviyo_operation_id"] for role in OLD_OPERATION_IDS} == (
            OLD_OPERATION_IDS
        )
    elif mutation == "trailing_slashes":
        assert all(operation["path"].endswith("/") for operation in operations.values())
        assert {"/api/profile-import/", "/api/profile-bulk-import-jobs/"} <= set(report["paths"])
    elif mutation == "item_payload_limit_removed":
        job = operations["bulk_import_profiles"]
        newest = _newest_stable().parent.name
        assert job["item_payload_limit_bytes"] == 100 * 1024
        assert job["fallbacks"] == {"item_payload_limit_bytes": newest}
    elif mutation == "optional_attribute_added":
        name, value = NEW_ATTRIBUTE
        assert name in report["request_attributes"]
        assert report["single"]["stored"][name] == value
        assert report["single"]["answered"][name] == value
    elif mutation == "components_referenced":
        # Facts read through the references: the query parameters' values, the response's
        # attributes, the revision the requests carry.
        assert report["additional_fields"] and report["response_attributes"]
        assert report["revision_header_default"] == MUTATED_REVISION
    elif mutation == "schemas_renamed":
        # The names the wrapper imports are the project's, whatever Klaviyo calls them.
        models = folder / PACKAGE / "models"
        assert (models / "profile_upsert_query.py").is_file()
        assert (models / "post_profile_response.py").is_file()
