"""``klaviyo-profiles import FILE``: stream a CSV or JSON Lines file into Klaviyo, resumably.

The names the ``import`` command and others use, from the modules that define them: the run
(:mod:`.import_run`), its bulk jobs (:mod:`.job_pipeline`), reading the file (:mod:`.sources`),
columns to fields (:mod:`.row_mapping`), order per profile (:mod:`.lanes`), progress, the
reject file, the checks before sending, the settings and the failures; and ``--changed-only``
(:mod:`.changed_only` decides, :mod:`.state_store` keeps the state, :mod:`.dry_run`).
"""

from __future__ import annotations

from ...identity import identity_of_body as identity_keys
from .cell_types import VALUE_TYPES, ValueType, typed_value
from .changed_only import ChangeFilter
from .dry_run import DryRunReport
from .dry_run import dry_run as dry_run_import
from .failures import HeaderError, JobWaitError, JournalWriteError, PreflightError, RejectFileError
from .import_run import SMALL_FILE_ROWS, ImportRun, run_import, use_bulk
from .import_settings import ChangeOptions, ImportSettings, ImportSummary, Via, parse_duration
from .lanes import ProfileLanes, held_back_by
from .mapping_file import MappingFileError, load_column_map
from .progress import Reporter
from .rejects import export_rejects
from .row_mapping import UNMAPPED_POLICIES, ColumnMap, RowMapper, Unmapped
from .sources import SourceRow, SourceStats, detect_format, read_rows, text_encoding

__all__ = [
    "SMALL_FILE_ROWS",
    "UNMAPPED_POLICIES",
    "VALUE_TYPES",
    "ChangeFilter",
    "ChangeOptions",
    "ColumnMap",
    "DryRunReport",
    "HeaderError",
    "ImportRun",
    "ImportSettings",
    "ImportSummary",
    "JobWaitError",
    "JournalWriteError",
    "MappingFileError",
    "PreflightError",
    "ProfileLanes",
    "RejectFileError",
    "Reporter",
    "RowMapper",
    "SourceRow",
    "SourceStats",
    "Unmapped",
    "ValueType",
    "Via",
    "detect_format",
    "dry_run_import",
    "export_rejects",
    "held_back_by",
    "identity_keys",
    "load_column_map",
    "parse_duration",
    "read_rows",
    "run_import",
    "text_encoding",
    "typed_value",
    "use_bulk",
]
