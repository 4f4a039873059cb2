"""A local stand-in for Klaviyo's Create or Update Profile endpoint and its bulk profile import
jobs, over real HTTP.

Think of it as moto for boto3: ``with Sandbox() as sb:`` serves ``POST /api/profile-import``
and ``GET /api/profiles/{id}`` on a free loopback port (``sb.base_url``), with the revision,
path, media type, field names, payload limit and rate limits of the generated endpoint facts.
Needs the ``sandbox`` extra (Starlette, uvicorn, jsonschema).

What it models:

* Klaviyo-API-Key auth (401 / 403 by scope), the ``revision`` header (a later revision up to
  today is served with the schema held, named by ``X-Sandbox-Served-Revision``; see
  ``SandboxConfig.revisions``), content types (415),
  the payload limit (413), schema validation with one JSON:API error and ``source.pointer`` per
  problem, identifier, email and E.164 checks (400); unknown members of the objects the spec
  closes (attributes, ``location``, ``meta``...) 400 ``invalid``; strict decoding (see
  ``decoding``: nesting, integer range, NaN, lone surrogates, duplicate names all 400);
* the upsert: match by ``id``, else by email (case-insensitive), phone number, external id,
  ``_kx``; 201 on create, 200 on update, 409 ``duplicate_profile`` when the identifiers belong
  to two profiles; ``null`` clears, an absent key keeps; ``location`` and ``properties`` merge
  field by field; ``meta.patch_properties`` and ``meta.patch_identifiers`` (email only);
* the response resource (links, relationships, ``additional-fields`` and sparse fieldsets);
* per-key burst and steady fixed windows with ``RateLimit-*`` and ``Retry-After`` headers;
* deterministic faults: 5xx answers, connections dropped before or after the upsert, latency;
* bulk profile import jobs (``POST /api/profile-bulk-import-jobs``, ``GET`` a job, ``GET`` its
  import errors), run on the clock at a configurable speed (see ``BulkJobConfig`` and
  ``job_queue``), nulls ignored, content failures as import errors, each operation with its own
  windows from ``facts.OPERATIONS``, and a fault that ends a job ``cancelled``.

What it does not: segments, lists, flows, events, consent and subscriptions (always "never
subscribed"), predictive analytics (always null), other endpoints; timings of Klaviyo's real
windows are approximate; it keeps everything in memory.
"""

from __future__ import annotations

from ..extras import require_extra

# Before the imports below, so that a missing extra reads as the line to run.
require_extra("sandbox", "klaviyo_profiles.sandbox")

from .app import create_app  # noqa: E402
from .config import BulkJobConfig, FaultConfig, RateLimitConfig, SandboxConfig  # noqa: E402
from .rendering import render_profile  # noqa: E402
from .server import Sandbox, build_parser, cli_main, serve  # noqa: E402
from .state import SandboxState  # noqa: E402

__all__ = [
    "BulkJobConfig",
    "FaultConfig",
    "RateLimitConfig",
    "Sandbox",
    "SandboxConfig",
    "SandboxState",
    "build_parser",
    "cli_main",
    "create_app",
    "render_profile",
    "serve",
]
