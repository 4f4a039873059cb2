"""The reject file: the rows failing now, rewritten from the journal after each run."""

from __future__ import annotations

import contextlib
import csv
import json
import os

from ..journal import Journal
from ..masking import scrub
from .failures import RejectFileError
from .import_settings import ImportSettings
from .sources import csv_header, file_kind

__all__ = ["export_rejects"]


def export_rejects(settings: ImportSettings, journal: Journal) -> int:
    """Rewrite the reject file from the journal; returns the number of rows in it.

    Derived from the journal rather than appended to during the run, so it lists exactly the
    rows failing now, across runs, with no duplicates however often the import was resumed.
    Written to a temporary file first and renamed, so a crash (or a full disk) never leaves
    half a file. A symbolic link is written through (the file it names is replaced, the link
    stays); what is not a regular file (a device, a pipe, a directory) is never replaced.
    Raises :class:`RejectFileError` when it cannot be written.
    """
    target = settings.rejects_file.resolve()
    kind = file_kind(target)
    if kind is not None:
        raise RejectFileError(
            f"the reject file {settings.rejects_file} is {kind}, not a regular file, and is never "
            "replaced; every outcome is in the journal: run again with --rejects PATH"
        )
    temporary = target.with_name(target.name + ".tmp")
    count = 0
    failing = {"rejected", "failed"}
    try:
        with temporary.open("w", newline="", encoding="utf-8") as handle:
            if settings.fmt == "csv":
                writer = csv.writer(handle)
                header = csv_header(settings.path, **settings.text_format())
                # A column skipped with --map may be named anything, a key included.
                writer.writerow(["row", "error", *(scrub(column) for column in header)])
                for entry in journal.entries(failing, current=True):
                    cells = json.loads(entry.original) if entry.original else []
                    writer.writerow([entry.row, entry.error or "", *cells])
                    count += 1
            else:
                for entry in journal.entries(failing, current=True):
                    record = {"row": entry.row, "error": entry.error, "line": entry.original}
                    handle.write(json.dumps(record, ensure_ascii=False) + "\n")
                    count += 1
        if count == 0:
            temporary.unlink()
            with contextlib.suppress(FileNotFoundError):
                target.unlink()  # a stale reject file from an earlier run would mislead
        else:
            os.replace(temporary, target)
    except OSError as exc:
        with contextlib.suppress(OSError):
            temporary.unlink()
        raise RejectFileError(
            f"cannot write the reject file {settings.rejects_file}: {exc.strerror or exc}; every "
            "outcome is in the journal, and running the same command again writes it"
        ) from None
    return count
