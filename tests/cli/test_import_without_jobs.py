"""``import`` on a revision without bulk import jobs: ``--via auto`` sends every row one by one
after one notice, ``--via bulk`` stops before sending anything.

The binding is made to see no job module, as on a package generated from such a revision
(``tests/generation/test_revisions.py`` runs the real thing).
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from cli_helpers import invoke
from klaviyo_profile_import import facts
from klaviyo_profiles import _generated
from klaviyo_profiles.cli.importer import SMALL_FILE_ROWS
from klaviyo_profiles.sandbox import Sandbox

NOTICE = f"note: revision {facts.REVISION} has no bulk import jobs"


@pytest.fixture(autouse=True)
def no_jobs(monkeypatch: pytest.MonkeyPatch, cli_env: dict[str, str]) -> None:
    """The package as generated from a revision without the job operations."""
    monkeypatch.setattr(_generated, "_job_modules", {})


def _people(path: Path, rows: int) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["email", "first_name", "last_name"])
        writer.writerows([f"p{i}@example.com", f"P{i}", "Smith"] for i in range(rows))
    return path


def test_via_auto_sends_every_row_one_by_one_after_one_notice(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    people = _people(tmp_path / "people.csv", SMALL_FILE_ROWS + 20)
    result = invoke(
        ["import", str(people), "--base-url", sandbox.base_url, "--no-pacing", "--via", "auto"]
    )
    assert result.exit_code == 0, result.output
    assert result.stdout.count(NOTICE) == 1
    assert "imported in bulk jobs" not in result.stdout
    paths = [entry["path"] for entry in sandbox.requests()]
    assert paths == [facts.PATH] * (SMALL_FILE_ROWS + 20)
    assert len(sandbox.profiles()) == SMALL_FILE_ROWS + 20


def test_via_bulk_stops_before_sending_and_names_the_revision(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    people = _people(tmp_path / "people.csv", 3)
    result = invoke(["import", str(people), "--base-url", sandbox.base_url, "--via", "bulk"])
    assert result.exit_code == 2
    assert result.stderr.startswith(
        f"error: --via bulk: revision {facts.REVISION} has no bulk import jobs"
    )
    assert "--via auto or --via single" in result.stderr
    assert sandbox.requests() == []
    assert not (tmp_path / "people.csv.journal.sqlite").exists()


def test_via_single_says_nothing_about_jobs(sandbox: Sandbox, tmp_path: Path) -> None:
    people = _people(tmp_path / "people.csv", 3)
    result = invoke(["import", str(people), "--base-url", sandbox.base_url, "--via", "single"])
    assert result.exit_code == 0, result.output
    assert "bulk" not in result.stdout
    assert len(sandbox.profiles()) == 3
