"""User code type-checks clean under mypy --strict and pyright (strict): typed results with no
narrowing, ``UNSET`` keywords, ``body=`` typed by the generated TypedDict, ``timeout=None``,
per-call options, the bulk import calls and their results, ``nulls=`` and the streaming call,
public submodules reached from the bare package; and typos are caught by both checkers."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

USER_CODE = textwrap.dedent(
    """
    # pyright: strict
    from __future__ import annotations

    from klaviyo_profile_import.payloads import ProfileUpsertQuery
    from typing_extensions import assert_type

    from collections.abc import Iterator
    from typing import cast

    import klaviyo_profiles
    from klaviyo_profiles import (
        UNSET,
        AsyncKlaviyoProfiles,
        BulkProgress,
        KlaviyoError,
        KlaviyoProfiles,
        ProfileOutcome,
    )


    def upsert(client: KlaviyoProfiles) -> str | None:
        result = client.create_or_update_profile(
            email="ada@example.com",
            first_name=UNSET,  # left out: the stored value stays
            last_name=None,  # cleared
            location={"city": "London"},
            timeout=None,
            extra_headers={"X-Request-Id": "42"},
        )
        attributes = result.attributes
        assert_type(attributes.get("first_name"), str | None)
        assert_type(attributes.get("email"), str | None)
        location = attributes.get("location") or {}
        assert_type(location.get("city"), str | None)
        assert_type(result.created, bool)
        return attributes.get("first_name")


    def upsert_body(client: KlaviyoProfiles) -> bool:
        body: ProfileUpsertQuery = {
            "data": {"type": "profile", "attributes": {"email": "ada@example.com"}}
        }
        return client.create_or_update_profile(body=body, max_attempts=1).created


    async def upsert_async(client: AsyncKlaviyoProfiles) -> str | None:
        patient = client.with_options(timeout=60.0)
        result = await patient.create_or_update_profile(email="ada@example.com")
        return result.attributes.get("last_name")


    def make() -> KlaviyoProfiles:
        return KlaviyoProfiles(api_key="pk_...", timeout=None).with_options(timeout=5)


    def make_tagged() -> AsyncKlaviyoProfiles:
        client = AsyncKlaviyoProfiles(default_headers={"X-Team": "growth"}, max_retries=2)
        return client.with_options(api_key="pk_other", max_retries=0, default_headers={})


    def import_many(client: KlaviyoProfiles, rows: list[dict[str, object]]) -> list[int]:
        outcomes = client.create_or_update_profiles(
            rows, via="auto", lists=["Y6nRLr"], timeout=30.0, extra_headers={"X-Sync": "7"}
        )
        job = client.bulk_import_profiles([{"email": "ada@example.com"}, *rows])
        done = client.wait_for_bulk_import_profiles_job(
            job.id, job_timeout=600, extra_headers={"X-Sync": "7"}
        )
        assert_type(done.done, bool)
        failed = [outcome.index for outcome in outcomes if not outcome.ok]
        for entry in client.get_errors_for_bulk_import_profiles_job(job.id, page_size=50):
            assert_type(entry.index, int | None)
            if entry.index is not None:
                failed.append(entry.index)
        return failed


    async def import_many_async(client: AsyncKlaviyoProfiles) -> list[str | None]:
        outcomes = await client.create_or_update_profiles([{"email": "ada@example.com"}])
        errors = client.get_errors_for_bulk_import_profiles_job("01JOB")
        details = [entry.detail async for entry in errors]
        return [outcome.job_id for outcome in outcomes] + details


    def stream_many(client: KlaviyoProfiles, rows: Iterator[dict[str, object]]) -> int:
        def show(progress: BulkProgress) -> None:
            assert_type(progress.done, int)

        client.create_or_update_profile(email="ada@example.com", first_name=None, nulls="omit")
        failed = 0
        for outcome in client.iter_create_or_update_profiles(
            rows, nulls="omit", progress=show, max_jobs=2
        ):
            assert_type(outcome, ProfileOutcome)
            if outcome.error is not None:
                assert_type(outcome.error, KlaviyoError)
                failed += 1
        return failed


    async def stream_many_async(client: AsyncKlaviyoProfiles) -> list[int]:
        stream = client.iter_create_or_update_profiles([{"email": "ada@example.com"}])
        return [outcome.index async for outcome in stream if not outcome.skipped]


    def through_submodules(client: KlaviyoProfiles, document: dict[str, object]) -> bool:
        # Public submodules as attributes of the bare package, as the documentation writes them.
        body = cast(klaviyo_profiles.client.Body, document)
        klaviyo_profiles.pacing.reset_pacing("http://127.0.0.1:8000")
        return client.create_or_update_profile(body=body).created
    """
)

TYPO_CODE = textwrap.dedent(
    """
    # pyright: strict
    from __future__ import annotations

    from klaviyo_profile_import.payloads import ProfileUpsertQuery

    from klaviyo_profiles import KlaviyoProfiles


    def typo_in_a_body(client: KlaviyoProfiles) -> None:
        body: ProfileUpsertQuery = {
            "data": {"type": "profile", "atributes": {"email": "ada@example.com"}}
        }
        client.create_or_update_profile(body=body)


    def typo_in_a_body_argument(client: KlaviyoProfiles) -> None:
        client.create_or_update_profile(body={"data": {"type": "profil", "attributes": {}}})


    def typo_in_a_read(client: KlaviyoProfiles) -> object:
        return client.create_or_update_profile(email="a@example.com").attributes["frist_name"]


    def typo_in_an_option(client: KlaviyoProfiles) -> object:
        return client.with_options(timout=5)
    """
)


def mypy(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", str(path)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        cwd=path.parent,
    )


def pyright(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pyright",
            "--outputjson",
            "--pythonpath",
            sys.executable,
            str(path),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        cwd=path.parent,
    )


@pytest.fixture(scope="module")
def user_code(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("typing") / "user_code.py"
    path.write_text(USER_CODE)
    return path


@pytest.fixture(scope="module")
def typo_code(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("typos") / "typo_code.py"
    path.write_text(TYPO_CODE)
    return path


def test_user_code_passes_mypy_strict(user_code: Path) -> None:
    result = mypy(user_code)
    assert result.returncode == 0, result.stdout + result.stderr


def test_user_code_passes_pyright_strict(user_code: Path) -> None:
    result = pyright(user_code)
    assert result.returncode == 0, result.stdout[-5000:] + result.stderr


def test_mypy_catches_typos_in_a_body_and_in_a_read(typo_code: Path) -> None:
    result = mypy(typo_code)
    assert result.returncode == 1, result.stdout
    assert '"atributes"' in result.stdout
    assert '"frist_name"' in result.stdout
    assert "typo_code.py:18: error" in result.stdout  # the "profil" argument


def test_mypy_names_the_public_client_for_an_unknown_option(typo_code: Path) -> None:
    result = mypy(typo_code)
    (line,) = [line for line in result.stdout.splitlines() if '"timout"' in line]
    assert 'for "with_options" of "KlaviyoProfiles"' in line, line
    assert "BaseClient" not in result.stdout


def test_pyright_catches_typos_in_a_body_and_in_a_read(typo_code: Path) -> None:
    result = pyright(typo_code)
    report = json.loads(result.stdout)
    messages = [d["message"] for d in report["generalDiagnostics"] if d["severity"] == "error"]
    assert any("atributes" in message for message in messages), messages
    assert any("frist_name" in message for message in messages), messages
    lines = {d["range"]["start"]["line"] + 1 for d in report["generalDiagnostics"]}
    assert 18 in lines  # the "profil" argument


def test_mypy_catches_a_misspelt_public_name(tmp_path: Path) -> None:
    # The package resolves its names lazily at run time; a type checker must still see the
    # exact set, so a misspelt import is an error, not an Any.
    path = tmp_path / "misspelt.py"
    path.write_text(
        "import klaviyo_profiles\n"
        "from klaviyo_profiles import KlaviyoProfile\n"
        "klaviyo_profiles.NoSuchName\n"
    )
    result = mypy(path)
    assert result.returncode == 1, result.stdout
    assert 'has no attribute "KlaviyoProfile"' in result.stdout
    assert 'has no attribute "NoSuchName"' in result.stdout
