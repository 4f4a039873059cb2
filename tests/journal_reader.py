"""Read-only snapshots of an import's journal (the SQLite file beside the source), safe to take
while an import writes to it: opened ``mode=ro`` and waiting up to 5 s for a writer's lock.

A journal that does not exist yet, or whose tables are not created yet, reads as empty, so a
test can poll one from the moment it starts the import.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

_T = TypeVar("_T")


def _snapshot(path: Path, read: Callable[[sqlite3.Connection], _T], empty: _T) -> _T:
    if not path.exists():
        return empty
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)
    try:
        return read(db)
    except sqlite3.OperationalError:  # the table is not created yet
        return empty
    finally:
        db.close()


def rows(path: Path) -> dict[int, tuple[str, float]]:
    """Row number -> (status, when it finished), for every row committed so far."""

    def read(db: sqlite3.Connection) -> dict[int, tuple[str, float]]:
        return {
            row: (status, finished)
            for row, status, finished in db.execute("SELECT row, status, finished FROM rows")
        }

    return _snapshot(path, read, {})


def row_details(path: Path) -> dict[int, dict[str, Any]]:
    """Row number -> every column the journal keeps for it (status, error, job_id...)."""

    def read(db: sqlite3.Connection) -> dict[int, dict[str, Any]]:
        db.row_factory = sqlite3.Row
        return {int(r["row"]): dict(r) for r in db.execute("SELECT * FROM rows")}

    return _snapshot(path, read, {})


def jobs(path: Path) -> dict[str, str]:
    """Bulk import job id -> its state in the journal (starting, running, complete...)."""

    def read(db: sqlite3.Connection) -> dict[str, str]:
        return dict(db.execute("SELECT job_id, state FROM jobs"))

    return _snapshot(path, read, {})
