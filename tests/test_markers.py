"""The marker table of ``tests/conftest.py`` stays true: a test renamed or moved must not drop
out of its marker silently (and so slip into, or out of, ``make test-fast``)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the fixture hands the table over; conftest is not imported at run time
    from conftest import MarkerTable

ROOT = Path(__file__).resolve().parent.parent


def test_every_marker_entry_names_a_test_defined_in_its_file(marker_table: MarkerTable) -> None:
    undefined = [entry for entry in marker_table.entries if not marker_table.is_defined(entry)]
    assert undefined == [], f"MARKED names what no longer exists: {undefined}"


def test_every_marker_entry_matches_a_collected_test(marker_table: MarkerTable) -> None:
    # Collected in a child process: this session may have collected only part of the files.
    files = sorted({entry.split("::")[0] for entry in marker_table.entries})
    collected = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider",
         "--rootdir", str(ROOT), *files],
        cwd=ROOT, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert collected.returncode == 0, collected.stdout + collected.stderr
    identifiers = [line for line in collected.stdout.splitlines() if "::" in line]
    unmatched = [
        entry
        for entry in marker_table.entries
        if not any(marker_table.matches(entry, identifier) for identifier in identifiers)
    ]
    assert unmatched == [], f"MARKED entries that match no collected test: {unmatched}"
