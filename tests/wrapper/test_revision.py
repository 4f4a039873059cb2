"""Revision pinning: format checks, lifecycle warnings once, mismatch warnings."""

from __future__ import annotations

import datetime as dt
import warnings

import pytest
from klaviyo_profile_import import facts
from klaviyo_profiles import InvalidInputError
from klaviyo_profiles import revision as revision_module
from klaviyo_profiles.revision import (
    RevisionDeprecatedWarning,
    RevisionMismatchWarning,
    RevisionRetiredWarning,
    check_revision,
    revision_status,
)


@pytest.fixture(autouse=True)
def fresh_warning_memory(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(revision_module, "_warned", set())


def test_lifecycle_is_stable_one_year_then_deprecated_then_retired() -> None:
    assert revision_status("2026-07-15", today=dt.date(2027, 7, 14)).state == "stable"
    assert revision_status("2026-07-15", today=dt.date(2027, 7, 15)).state == "deprecated"
    assert revision_status("2026-07-15", today=dt.date(2028, 7, 15)).state == "retired"


@pytest.mark.parametrize("bad", ["2026-7-15", "20260715", "2026-13-01", "latest", "2026-07-15."])
def test_malformed_revisions_are_refused(bad: str) -> None:
    with pytest.raises(InvalidInputError) as caught:
        check_revision(bad)
    assert caught.value.field == "revision"


def test_suffixed_revision_is_accepted() -> None:
    released = dt.date.fromisoformat(facts.REVISION)
    with warnings.catch_warnings(record=True):
        warnings.simplefilter("always")
        assert check_revision(f"{facts.REVISION}.pre", today=released) == f"{facts.REVISION}.pre"


def test_deprecated_revision_warns_once() -> None:
    released = dt.date.fromisoformat(facts.REVISION)
    later = released.replace(year=released.year + 1, day=min(released.day, 28))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        check_revision(None, today=later)
        check_revision(None, today=later)
    assert [w.category for w in caught] == [RevisionDeprecatedWarning]


def test_retired_revision_is_one_warning_and_no_log_record(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        check_revision("2020-01-15", today=dt.date(2026, 11, 28))
    categories = [w.category for w in caught]
    assert categories.count(RevisionRetiredWarning) == 1
    assert RevisionMismatchWarning in categories
    assert not [r for r in caplog.records if r.name.startswith("klaviyo_profiles")]


def test_revision_warnings_tell_package_users_to_upgrade() -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        check_revision("2020-01-16", today=dt.date(2026, 11, 28))
    assert caught
    for warning in caught:
        assert "pip install --upgrade klaviyo-profiles" in str(warning.message)


def test_default_revision_is_the_generated_one_and_quiet_while_stable() -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert check_revision(None, today=dt.date.fromisoformat(facts.REVISION)) == facts.REVISION
    assert caught == []
