"""What stops an import, or refuses to start it: the importer's own exceptions.

None of them reaches a library user: the ``import`` command turns each into ``error: ...``
(exit 2 for what was found before anything was sent, 1 otherwise).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

__all__ = [
    "HeaderError",
    "JobWaitError",
    "JournalWriteError",
    "PreflightError",
    "RejectFileError",
    "StateWriteError",
    "journal_error",
]


class HeaderError(Exception):
    """The file cannot be imported as it is (e.g. an unknown column); nothing was sent."""


class PreflightError(Exception):
    """The import cannot start as asked; found before anything was sent."""


class RejectFileError(Exception):
    """The reject file could not be written (the journal still holds every outcome)."""


class JournalWriteError(Exception):
    """An outcome could not be committed to the journal (a full disk, say): the run stops."""


class StateWriteError(Exception):
    """The sync state could not be read or written part way (``--changed-only``): the run
    stops; rows of the batch being decided are not sent."""


class JobWaitError(Exception):
    """A job's outcome could not be read (it is still running, or the server is out of reach);
    the job stays in the journal, and the next run polls it again."""


def journal_error(path: Path, exc: sqlite3.Error, *, doing: str = "write") -> JournalWriteError:
    """The run's reason to stop when the journal at ``path`` failed (``doing``: ``write`` an
    outcome, or ``use`` it to read what earlier runs did)."""
    return JournalWriteError(f"cannot {doing} the journal {path}: {exc}")
