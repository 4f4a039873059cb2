"""``import --changed-only --dry-run``: what a run would send, found without sending or
writing anything (the state is read only; a missing one reads as empty)."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ...bulk import prepare_profile
from ...errors import InvalidInputError
from ..journal import FINAL_STATES
from .changed_only import BATCH_ROWS, ChangeFilter, Decision
from .import_settings import ImportSettings
from .job_pipeline import item_payload_limit, use_bulk
from .preflight import input_identity
from .row_mapping import RowMapper
from .sources import SourceRow, csv_header, read_rows
from .state_store import open_state, resolve_state_path

__all__ = ["DryRunReport", "dry_run"]


@dataclass
class DryRunReport:
    """What a run would do, as ``--dry-run`` found it."""

    rows: int = 0
    unchanged: int = 0
    changed: int = 0
    new: int = 0
    stale: int = 0
    #: Rows the import would reject without a request (unreadable, no identifier, bad value).
    rejected: int = 0
    #: Rows an earlier run of this file's journal settled (skipped as such by a run).
    settled: int = 0
    #: Of the rows to send: in bulk import jobs, and one by one (a null, too large for a job,
    #: a repeat of a profile sent before in the run, or a run without jobs).
    in_jobs: int = 0
    one_by_one: int = 0
    state: str = ""
    state_profiles: int = 0
    elapsed: float = 0.0
    notes: list[str] = field(default_factory=list)

    @property
    def to_send(self) -> int:
        """Rows a run would send."""
        return self.changed + self.new + self.stale


def dry_run(settings: ImportSettings) -> DryRunReport:
    """Read the file and decide every row against the state, sending and writing nothing."""
    started = time.monotonic()
    path = resolve_state_path(settings, create=False)
    state = open_state(settings, path, read_only=True)
    report = DryRunReport(state=str(path))
    with state:
        report.state_profiles = state.profiles()
        mapper = RowMapper(settings.column_map(), settings.null_token, settings.nulls)
        header = None
        if settings.fmt == "csv":
            header = csv_header(settings.path, **settings.text_format())
        changes = ChangeFilter(state, settings, mapper, header)
        limit = item_payload_limit()
        eligible = 0
        from_journal = _JournalPeek(settings.journal_file, input_identity(settings.path))
        rows = read_rows(
            settings.path,
            settings.fmt,
            delimiter=settings.delimiter,
            encoding=settings.encoding,
            identifier_columns=(None if header is None else mapper.identifier_columns(header)),
        )
        batch: list[tuple[SourceRow, bool]] = []

        def decide() -> None:
            nonlocal eligible
            for decision in changes.decide(batch):
                report.rows += 1
                if decision.kind == "check":
                    report.rejected += 1
                    continue
                _count_report(report, decision)
                if not decision.send:
                    continue
                if _goes_alone(decision, limit):
                    report.one_by_one += 1
                else:
                    eligible += 1
            batch.clear()

        for row in rows:
            if from_journal.settled(row, changes.content_hash):
                report.rows += 1
                report.settled += 1
                continue
            batch.append((row, False))
            if len(batch) >= BATCH_ROWS:
                decide()
        decide()
        from_journal.close()
    if use_bulk(settings.via, report.to_send if settings.via == "auto" else report.rows):
        report.in_jobs = eligible
    else:
        report.one_by_one += eligible
    if report.settled:
        report.notes.append(
            f"{report.settled} rows are settled in the journal {settings.journal_file} by an "
            "earlier run of this file (a run skips them)"
        )
    report.elapsed = time.monotonic() - started
    return report


def _goes_alone(decision: Decision, limit: int | None) -> bool:
    """Whether a row to send would take Create or Update Profile whatever the run decides."""
    if decision.repeat or decision.body is None:
        return True
    try:
        prepared = prepare_profile(decision.body)
    except InvalidInputError:
        return True
    return prepared.has_null or (limit is not None and prepared.size > limit)


def _count_report(report: DryRunReport, decision: Decision) -> None:
    if not decision.send:
        report.unchanged += 1
    elif decision.kind == "stale":
        report.stale += 1
    elif decision.kind == "new":
        report.new += 1
    else:
        report.changed += 1


class _JournalPeek:
    """The outcomes a run would keep from this file's journal, read only (a dry run creates
    nothing): those of a run of this very input file (a resumed run), as ``--changed-only``
    keeps them; none when the file was replaced since."""

    def __init__(self, path: Path, identity: str) -> None:
        self._db: sqlite3.Connection | None = None
        self._generation = 1
        self._last = 0
        if not path.exists():
            return
        try:
            db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
            meta = dict(db.execute("SELECT key, value FROM meta"))
            self._last = int(db.execute("SELECT COALESCE(MAX(row), 0) FROM rows").fetchone()[0])
        except sqlite3.Error:
            return
        if meta.get("input") != identity:
            db.close()
            return
        self._db = db
        generation = str(meta.get("generation") or "1")
        self._generation = int(generation) if generation.isdigit() else 1

    def settled(self, row: SourceRow, content_hash: Callable[[str], str]) -> bool:
        """Whether a run skips ``row`` as settled by an earlier run of this file."""
        if self._db is None or row.number > self._last:
            return False
        found = self._db.execute(
            "SELECT status FROM rows WHERE row = ? AND hash = ? AND gen = ?",
            (row.number, content_hash(row.content), self._generation),
        ).fetchone()
        return found is not None and found[0] in FINAL_STATES

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
