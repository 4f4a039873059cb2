"""What ``import`` was asked to do (:class:`ImportSettings`) and what a run did
(:class:`ImportSummary`)."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ...bulk import Via
from ...errors import InvalidInputError
from ...nulls import NullPolicy
from ...ratelimit import LimiterBackend
from .cell_types import ValueType
from .row_mapping import ColumnMap, Unmapped
from .sources import Format, SourceStats

__all__ = ["ChangeOptions", "ImportSettings", "ImportSummary", "Via", "parse_duration"]

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86_400, "w": 604_800}


def parse_duration(text: str) -> float:
    """``--resend-after``: ``7d``, ``12h``, ``30m``, ``90s``, ``2w`` as seconds; ``ValueError``
    naming the form."""
    match = _DURATION.match(text)
    if match is None or float(match.group(1)) <= 0:
        raise ValueError(
            f"--resend-after expects a positive number and a unit (s, m, h, d or w), e.g. "
            f"7d or 12h; got {text!r}"
        )
    return float(match.group(1)) * _UNIT_SECONDS[match.group(2)]


@dataclass(frozen=True)
class ChangeOptions:
    """``--changed-only`` and its options: send only rows whose request differs from what the
    account's sync state says was last applied."""

    #: ``--state``; ``None``: the account's file in the user's state directory.
    state_path: Path | None = None
    #: ``--full``: send every row, and refresh the state.
    full: bool = False
    #: ``--resend-after``: seconds after which an unchanged row is sent again (``None``: never).
    resend_after: float | None = None
    #: ``--dry-run``: read the file and say what would go; send and write nothing.
    dry_run: bool = False


@dataclass
class ImportSettings:
    """Everything ``import`` was asked to do."""

    path: Path
    fmt: Format
    api_key: str = field(repr=False)
    base_url: str | None = None
    allow_insecure_http: bool = False
    #: CSV cell separator (``--delimiter``) and the file's text encoding (``--encoding``).
    delimiter: str = ","
    encoding: str = "utf-8-sig"
    #: Column to field name (``--map``, ``--map-file``; an empty name skips the column).
    mapping: dict[str, str] = field(default_factory=dict)
    #: Declared types of columns (``FIELD:TYPE``, the mapping file's ``[types]``).
    types: dict[str, ValueType] = field(default_factory=dict)
    #: What becomes of a column that names no field (``--unmapped``).
    unmapped: Unmapped = "error"
    null_token: str | None = None
    #: ``--nulls``: ``clear`` sends a null (JSON ``null``, the null token), ``omit`` leaves
    #: it out as if it were not given.
    nulls: NullPolicy = "clear"
    concurrency: int = 8
    journal_path: Path | None = None
    rejects_path: Path | None = None
    additional_fields: tuple[str, ...] = ()
    pacing: bool = True
    max_attempts: int = 5
    #: Where the rate limiter counts (``--limiter``); ``None``: ``$KLAVIYO_LIMITER_URL`` or memory.
    limiter: LimiterBackend | None = None
    #: ``--via``: ``single`` sends every row with Create or Update Profile; ``bulk`` sends rows
    #: without a null in bulk import jobs; ``auto`` does so unless the file is small.
    via: Via = "auto"
    #: Bulk import jobs in flight at once (``--max-jobs``).
    max_jobs: int = 4
    #: At most this many profiles per job (``--job-size``; ``None``: the operation's limit).
    job_size: int | None = None
    #: First and longest pause between two polls of a job (``--poll-interval``).
    poll_interval: float = 1.0
    max_poll_interval: float = 30.0
    #: Seconds to wait for one job before stopping the run (``None``: no limit); the job stays
    #: in the journal and the next run polls it again.
    job_timeout: float | None = 3600.0
    #: ``--changed-only`` (or ``--full``); ``None``: every row is sent.
    changes: ChangeOptions | None = None

    def column_map(self) -> ColumnMap:
        """Where the columns go: ``mapping``, ``types`` and ``unmapped`` together."""
        return ColumnMap(self.mapping, self.types, self.unmapped)

    def text_format(self) -> dict[str, str]:
        """``delimiter`` and ``encoding`` as keyword arguments of the readers."""
        return {"delimiter": self.delimiter, "encoding": self.encoding}

    def fingerprint(self, header: Sequence[str] | None = None) -> str:
        """The settings that shape each request, folded into every row's hash.

        The CSV header is one of them: the same cells under renamed or reordered columns
        are another request, so a replaced file never inherits the old file's outcomes.
        """
        shape: dict[str, object] = {
            "format": self.fmt,
            "header": list(header) if header is not None else None,
            "map": sorted(self.mapping.items()),
            "null": self.null_token,
            "additional_fields": list(self.additional_fields),
        }
        # Only when they differ from the default, so that a journal written before these
        # settings existed still matches its rows (and a re-run skips what it did).
        if self.types:
            shape["types"] = sorted(self.types.items())
        if self.unmapped != "error":
            shape["unmapped"] = self.unmapped
        if self.nulls != "clear":
            shape["nulls"] = self.nulls
        if self.types or _has_object_column(self.column_map(), header or ()):
            # Such rows became other requests before (a location or properties cell replaced
            # the columns of its fields; a type held for one spelling only, and cut values it
            # could not hold): what was journalled for them then is not sent again unread.
            shape["rules"] = 2
        return json.dumps(shape, sort_keys=True)

    @property
    def journal_file(self) -> Path:
        """``--journal``, or ``FILE.journal.sqlite`` beside the input."""
        return self.journal_path or self.path.with_name(self.path.name + ".journal.sqlite")

    @property
    def rejects_file(self) -> Path:
        """``--rejects``, or ``FILE.rejects.csv`` / ``FILE.rejects.jsonl`` beside the input."""
        suffix = ".rejects.csv" if self.fmt == "csv" else ".rejects.jsonl"
        return self.rejects_path or self.path.with_name(self.path.name + suffix)


def _has_object_column(columns: ColumnMap, header: Sequence[str]) -> bool:
    """Whether a column of ``header`` gives a whole ``location`` or ``properties`` object."""
    for column in header:
        try:
            target = columns.target(column)
        except InvalidInputError:  # refused with the header before anything is sent
            continue
        if target in (("attribute", "location"), ("attribute", "properties")):
            return True
    return False


@dataclass
class ImportSummary:
    """Counts of one run (``skipped``: already journalled by an earlier run)."""

    total: int = 0
    processed: int = 0
    created: int = 0
    updated: int = 0
    #: Rows applied by bulk import jobs (a job does not say created or updated).
    imported: int = 0
    rejected: int = 0
    failed: int = 0
    skipped: int = 0
    #: With ``--changed-only``: rows left out because the state says their request was the
    #: last applied (``unchanged``), and rows sent because it was not: ``changed`` (another
    #: request was applied to the identity, or to one of its identifiers), ``new`` (nothing
    #: known), ``stale`` (unchanged, but applied longer ago than ``--resend-after``).
    unchanged: int = 0
    changed: int = 0
    new: int = 0
    stale: int = 0
    #: The sync state file (``None`` without ``--changed-only``).
    state: str | None = None
    #: Rows listed in the reject file after the run (this run's and earlier runs').
    reject_file_rows: int = 0
    elapsed: float = 0.0
    aborted: str | None = None
    #: What to do about ``aborted`` before running again.
    abort_hint: str = "fix the API key and run again to resume"
    interrupted: bool = False
    #: Whether rows may go in bulk import jobs in this run (``--via`` and the file size).
    bulk: bool = False
    #: Rows handed to the server (in accepted jobs, or as single requests) in this run.
    submitted: int = 0
    #: Jobs accepted in this run; jobs whose outcomes are not recorded yet.
    jobs_started: int = 0
    jobs_running: int = 0
    #: Rows of a job request that may have created a job (a run killed while asking, a
    #: timeout or a 5xx after sending), sent one by one instead: never in another job.
    in_doubt: int = 0
    #: Where the file's lines went (rows, header, blank lines, multi-line cells).
    source: SourceStats | None = None
    #: Where each CSV column went, by field name (``None``: skipped; ``FIELD:TYPE`` when
    #: typed); ``None`` for JSON Lines, whose keys are read row by row.
    columns: dict[str, str | None] | None = None

    @property
    def sent(self) -> int:
        """Rows the server accepted in this run."""
        return self.created + self.updated + self.imported

    @property
    def ok(self) -> bool:
        """No failed rows (now or from earlier runs), and the run was not cut short."""
        return self.reject_file_rows == 0 and self.aborted is None and not self.interrupted
