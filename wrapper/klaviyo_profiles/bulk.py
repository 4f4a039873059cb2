"""Bulk profile import: one job carries up to ``item_limit`` profiles.

Klaviyo's bulk profile import jobs (``POST /api/profile-bulk-import-jobs``) take many profiles
in one request and work through them asynchronously. Each profile is the very resource object
Create or Update Profile takes as ``data``, with one difference that matters: **a job leaves a
field given as null unchanged** instead of clearing it. This module is the public face of
bulk import: it re-exports the pieces that need no network (written in ``_prepare``,
``_routing``, ``_hybrid``, ``identity``, ``result`` and ``errors``):

* :func:`prepare_profile` checks one profile exactly as ``create_or_update_profile`` would and
  returns a :class:`PreparedProfile`: its wire resource object, encoded size, whether it holds a
  null anywhere, and its identity (normalised identifier keys);
* :class:`BulkChunker` and :func:`chunk_profiles` group prepared profiles into job-sized
  chunks, by count and by encoded bytes (the job's envelope included), lazily;
* :func:`encode_job_body` builds the job's request body from already encoded profiles;
* the result types :class:`BulkImportJob`, :class:`BulkImportErrorEntry` and
  :class:`ProfileOutcome`;
* :func:`plan_routes` and :func:`identity_groups`, which decide which profile of a window
  of ``create_or_update_profiles`` goes which way (the engine that carries a call out is
  ``_hybrid``).

Every limit comes from ``facts.OPERATIONS["bulk_import_profiles"]``, so a client regenerated
for another revision chunks by that revision's limits. A revision without the job operations
sends every profile one by one under ``via="auto"`` and raises
:class:`~klaviyo_profiles.errors.BulkImportUnavailableError` for what needs a job.

Example::

    from klaviyo_profiles.bulk import chunk_profiles, prepare_profile

    rows = [{"email": "ada@example.com", "first_name": "Ada"}, {"email": "grace@example.com"}]
    prepared = [prepare_profile(row, index=i) for i, row in enumerate(rows)]
    for chunk in chunk_profiles(prepared):
        client.bulk_import_profiles(chunk)
"""

from ._prepare import (
    BULK_OPERATION,
    BulkChunker,
    PreparedJob,
    PreparedProfile,
    ProfileInput,
    check_lists,
    chunk_profiles,
    encode_job_body,
    envelope_size,
    from_encoded,
    membership_profile,
    prepare_job,
    prepare_profile,
    stored_membership,
)
from ._routing import (
    AUTO_BULK_MIN_PROFILES,
    Via,
    identity_groups,
    job_outcomes,
    plan_routes,
)
from ._routing import check_via as check_via
from ._routing import failed_outcomes as failed_outcomes
from .errors import BulkImportJobCancelledError, BulkImportJobTimeoutError
from .identity import IDENTIFIER_ATTRIBUTES, identity_of, normalise_identifier
from .result import BulkImportErrorEntry, BulkImportJob, BulkProgress, ProfileOutcome
from .result import JobStatus as JobStatus

__all__ = [
    "AUTO_BULK_MIN_PROFILES",
    "BULK_OPERATION",
    "IDENTIFIER_ATTRIBUTES",
    "BulkChunker",
    "BulkImportErrorEntry",
    "BulkImportJob",
    "BulkImportJobCancelledError",
    "BulkImportJobTimeoutError",
    "BulkProgress",
    "PreparedJob",
    "PreparedProfile",
    "ProfileInput",
    "ProfileOutcome",
    "Via",
    "check_lists",
    "chunk_profiles",
    "encode_job_body",
    "envelope_size",
    "from_encoded",
    "identity_groups",
    "identity_of",
    "job_outcomes",
    "membership_profile",
    "normalise_identifier",
    "plan_routes",
    "prepare_job",
    "prepare_profile",
    "stored_membership",
]
