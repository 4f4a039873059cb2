"""The wrapper's one binding to generated names (``klaviyo_profiles._generated``), and a
revision without the bulk job operations: the single call and ``via="auto"`` work, what needs a
job is refused by a typed error naming the revision, and nothing is sent for it.

The binding (``klaviyo_profiles._generated``) is made to see no job module, as on a package
generated from such a revision (``tests/generation/test_revisions.py`` runs the real thing);
the sandbox still serves jobs, so a request for one would show in its log.
"""

from __future__ import annotations

import ast
import logging
import pickle
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from klaviyo_profile_import import facts
from klaviyo_profiles import (
    AsyncKlaviyoProfiles,
    BulkImportUnavailableError,
    KlaviyoError,
    KlaviyoProfiles,
    _generated,
)
from klaviyo_profiles.bulk import AUTO_BULK_MIN_PROFILES, plan_routes, prepare_profile
from klaviyo_profiles.sandbox import RateLimitConfig, Sandbox, SandboxConfig

KEY = "pk_missing_operations_0000000"
ROWS = [
    {"email": f"p{i}@example.com", "first_name": f"P{i}"} for i in range(AUTO_BULK_MIN_PROFILES)
]


@pytest.fixture(scope="module")
def module_sandbox() -> Iterator[Sandbox]:
    with Sandbox(SandboxConfig(rate_limits=RateLimitConfig(enabled=False))) as sb:
        yield sb


@pytest.fixture
def sandbox(module_sandbox: Sandbox) -> Sandbox:
    module_sandbox.reset()
    return module_sandbox


@pytest.fixture
def no_jobs(monkeypatch: pytest.MonkeyPatch) -> None:
    """The package as generated from a revision without the job operations."""
    monkeypatch.setattr(_generated, "_job_modules", {})


@pytest.fixture
def client(sandbox: Sandbox) -> Iterator[KlaviyoProfiles]:
    with KlaviyoProfiles(api_key=KEY, base_url=sandbox.base_url, rate_limits=False) as client:
        yield client


def _job_requests(sandbox: Sandbox) -> list[str]:
    return [entry["path"] for entry in sandbox.requests() if "bulk-import-jobs" in entry["path"]]


@pytest.mark.usefixtures("no_jobs")
def test_via_auto_sends_every_profile_one_by_one_and_says_so_once(
    client: KlaviyoProfiles, sandbox: Sandbox, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="klaviyo_profiles"):
        outcomes = client.create_or_update_profiles(ROWS)
    assert [outcome.via for outcome in outcomes] == ["single"] * len(ROWS)
    assert all(outcome.ok for outcome in outcomes)
    assert len({p["attributes"]["email"] for p in sandbox.profiles()}) == len(ROWS)
    assert _job_requests(sandbox) == []
    (record,) = caplog.records
    assert f"revision {facts.REVISION} has no bulk import jobs" in record.getMessage()


@pytest.mark.usefixtures("no_jobs")
async def test_the_async_client_degrades_the_same_way(sandbox: Sandbox) -> None:
    async with AsyncKlaviyoProfiles(
        api_key=KEY, base_url=sandbox.base_url, rate_limits=False
    ) as client:
        outcomes = await client.create_or_update_profiles(ROWS)
        with pytest.raises(BulkImportUnavailableError):
            await client.create_or_update_profiles(ROWS, via="bulk")
        with pytest.raises(BulkImportUnavailableError):
            await client.bulk_import_profiles(ROWS[:1])
    assert {outcome.via for outcome in outcomes} == {"single"}
    assert _job_requests(sandbox) == []


@pytest.mark.usefixtures("no_jobs")
@pytest.mark.parametrize(
    ("operation", "call"),
    [
        ("bulk_import_profiles", lambda c: c.bulk_import_profiles(ROWS[:1])),
        ("get_bulk_import_profiles_job", lambda c: c.get_bulk_import_profiles_job("job-1")),
        (
            "get_bulk_import_profiles_job",
            lambda c: c.wait_for_bulk_import_profiles_job("job-1", job_timeout=1),
        ),
        (
            "get_errors_for_bulk_import_profiles_job",
            lambda c: c.get_errors_for_bulk_import_profiles_job("job-1"),
        ),
        ("bulk_import_profiles", lambda c: c.create_or_update_profiles(ROWS, via="bulk")),
        ("bulk_import_profiles", lambda c: c.create_or_update_profiles(ROWS, lists=["Y6nRLr"])),
    ],
)
def test_what_needs_a_job_raises_a_typed_error_naming_the_revision_and_sends_nothing(
    operation: str,
    call: Callable[[KlaviyoProfiles], object],
    client: KlaviyoProfiles,
    sandbox: Sandbox,
) -> None:
    with pytest.raises(BulkImportUnavailableError) as caught:
        call(client)
    error = caught.value
    assert isinstance(error, KlaviyoError)
    assert (error.operation, error.revision) == (operation, facts.REVISION)
    assert f"revision {facts.REVISION} has no bulk profile import job operation" in str(error)
    assert sandbox.requests() == []
    copy = pickle.loads(pickle.dumps(error))
    assert (copy.operation, copy.revision, str(copy)) == (operation, facts.REVISION, str(error))


@pytest.mark.usefixtures("no_jobs")
def test_the_single_call_is_untouched(client: KlaviyoProfiles, sandbox: Sandbox) -> None:
    client.create_or_update_profile(email="ada@example.com", last_name="Lovelace")
    result = client.create_or_update_profile(email="ada@example.com", last_name=None)
    assert result.status_code == 200
    (stored,) = sandbox.profiles()
    assert stored["attributes"]["last_name"] is None


@pytest.mark.usefixtures("no_jobs")
def test_plan_routes_sends_all_one_by_one_under_auto_and_refuses_bulk() -> None:
    prepared = [prepare_profile(row) for row in ROWS]
    assert plan_routes(prepared, "auto") == ([], list(range(len(ROWS))))
    with pytest.raises(BulkImportUnavailableError):
        plan_routes(prepared, "bulk")


def test_with_the_job_operations_auto_still_uses_jobs() -> None:
    prepared = [prepare_profile(row) for row in ROWS]
    assert plan_routes(prepared, "auto") == (list(range(len(ROWS))), [])
    assert _generated.bulk_jobs_available()
    assert _generated.missing_job_operations() == ()


def test_only_the_binding_imports_names_that_come_from_klaviyos_spec(repo_root: Path) -> None:
    """Elsewhere the wrapper imports the project's own modules of the generated package only:
    ``facts`` and ``arguments`` (written by the project's templates) and ``types``."""
    allowed = {
        "klaviyo_profile_import": {"facts"},
        "klaviyo_profile_import.arguments": None,
        "klaviyo_profile_import.types": None,
    }
    wrapper = repo_root / "wrapper" / "klaviyo_profiles"
    found = []
    for path in sorted(wrapper.rglob("*.py")):
        if path.name == "_generated.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                modules = [(alias.name, None) for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                modules = [(node.module, alias.name) for alias in node.names]
            else:
                continue
            for module, name in modules:
                if not module.startswith("klaviyo_profile_import"):
                    continue
                names = allowed.get(module, set())
                if names is not None and name not in names:
                    found.append(f"{path.relative_to(wrapper)}: {module} {name}")
    assert found == []
