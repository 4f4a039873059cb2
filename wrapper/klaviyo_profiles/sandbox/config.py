"""Settings of a sandbox: served revisions, API keys, rate limits, faults and bulk import jobs.

Every default comes from the generated endpoint facts, so a regeneration for another revision
moves the sandbox along with the client.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from klaviyo_profile_import import facts

#: Entries a fault script may hold besides a 5xx status code.
DROP = "drop"
DROP_AFTER_COMMIT = "drop_after_commit"
PASS = "pass"
#: A script step for the route that starts bulk import jobs: the job is accepted (202) and
#: later ends ``cancelled`` part way through (see ``BulkJobConfig.cancel_after``).
CANCEL = "cancel"

#: The operation of the single endpoint, whose windows are ``SandboxConfig.rate_limits``.
SINGLE_OPERATION = facts.OPERATION_ID
#: The bulk profile import operations: their windows are ``SandboxConfig.operation_rate_limits``.
BULK_OPERATIONS: tuple[str, ...] = tuple(
    name for name in facts.OPERATIONS if name != SINGLE_OPERATION
)
FaultStep = int | str | None


@dataclass(frozen=True)
class RateLimitConfig:
    """Two fixed windows per API key, as Klaviyo documents: a short burst and a longer steady one.

    Periods are seconds and may be fractions, so tests can use windows of a few hundred ms.
    """

    burst_limit: int = facts.BURST_LIMIT
    burst_period: float = float(facts.BURST_PERIOD_SECONDS)
    steady_limit: int = facts.STEADY_LIMIT
    steady_period: float = float(facts.STEADY_PERIOD_SECONDS)
    #: Off means no limits at all (and no RateLimit-* headers).
    enabled: bool = True

    def __post_init__(self) -> None:
        for name in ("burst_limit", "steady_limit"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1")
        for name in ("burst_period", "steady_period"):
            if getattr(self, name) <= 0:
                raise ValueError(f"{name} must be positive")

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready copy."""
        return dataclasses.asdict(self)

    @classmethod
    def for_operation(cls, operation_id: str) -> RateLimitConfig:
        """The windows ``facts.OPERATIONS`` states for one operation."""
        operation = facts.OPERATIONS[operation_id]
        return cls(
            burst_limit=operation.burst_limit,
            burst_period=float(operation.burst_period_seconds),
            steady_limit=operation.steady_limit,
            steady_period=float(operation.steady_period_seconds),
        )


def _default_operation_rate_limits() -> dict[str, RateLimitConfig]:
    return {name: RateLimitConfig.for_operation(name) for name in BULK_OPERATIONS}


def _bulk_limit(name: str) -> int | None:
    # The revision's figure, or the nearest published revision's where it states none
    # (facts.OPERATIONS[...].fallbacks says which); None without jobs or any such figure,
    # and the sandbox then checks no such limit.
    operation = facts.OPERATIONS.get("bulk_import_profiles")
    return None if operation is None else getattr(operation, name)


@dataclass(frozen=True)
class BulkJobConfig:
    """How the sandbox runs bulk profile import jobs.

    A job waits ``queue_delay`` seconds (``queued``), then, as soon as one of ``concurrency``
    workers is free, is processed at ``profiles_per_second`` (``processing``) until it is
    ``complete``. Progress is a function of the clock, so these figures are what a client
    observes whatever the load on the machine. The request limits default to the revision's
    (``facts.OPERATIONS``); lower ones let tests reach them with small requests; ``None`` (no
    revision states one, or the revision has no jobs) checks none.
    """

    queue_delay: float = 1.0
    profiles_per_second: float = 1000.0
    concurrency: int = 2
    #: Share of a job processed before a job picked by the ``cancel`` fault ends ``cancelled``.
    cancel_after: float = 0.5
    #: Seconds from creation to the ``expires_at`` a job reports.
    expires_after: float = 7 * 24 * 3600.0
    item_limit: int | None = field(default_factory=lambda: _bulk_limit("item_limit"))
    payload_limit_bytes: int | None = field(
        default_factory=lambda: _bulk_limit("payload_limit_bytes")
    )
    item_payload_limit_bytes: int | None = field(
        default_factory=lambda: _bulk_limit("item_payload_limit_bytes")
    )

    def __post_init__(self) -> None:
        if self.queue_delay < 0:
            raise ValueError("queue_delay must not be negative")
        if not self.profiles_per_second > 0:
            raise ValueError("profiles_per_second must be positive")
        if self.concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        if not 0 <= self.cancel_after <= 1:
            raise ValueError("cancel_after must be within 0..1")
        if self.expires_after <= 0:
            raise ValueError("expires_after must be positive")
        for name in ("item_limit", "payload_limit_bytes", "item_payload_limit_bytes"):
            if getattr(self, name) is not None and getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1")

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready copy."""
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class FaultConfig:
    """Injected failures of the Klaviyo routes, reproducible from ``seed``.

    Each request that passed validation draws its fate before the store is touched: first the
    next entry of ``script`` (a status code 500-599, ``"drop"``, ``"drop_after_commit"`` or
    ``"pass"``/``None``), and once the script is used up, one random draw against the rates.
    ``"drop"`` closes the connection with no response and leaves the store unchanged;
    ``"drop_after_commit"`` applies the upsert first, then closes the connection, which is the
    case of a response lost on its way back. ``latency`` seconds are added to every request of
    the routes. ``"cancel"`` (and ``cancel_rate``) make a bulk import job end ``cancelled``.

    Faults apply to the operations named in ``operations`` (every operation when empty), and
    requests draw them in arrival order across those operations.
    """

    seed: int = 0
    error_rate: float = 0.0
    error_statuses: tuple[int, ...] = (500, 502, 503, 504)
    drop_rate: float = 0.0
    drop_after_commit_rate: float = 0.0
    latency: float = 0.0
    script: tuple[FaultStep, ...] = ()
    cancel_rate: float = 0.0
    operations: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        rates = (self.error_rate, self.drop_rate, self.drop_after_commit_rate, self.cancel_rate)
        if any(rate < 0 or rate > 1 for rate in rates) or sum(rates) > 1:
            raise ValueError("fault rates must be within 0..1 and add up to at most 1")
        if self.latency < 0:
            raise ValueError("latency must not be negative")
        if not self.error_statuses or any(not 500 <= s <= 599 for s in self.error_statuses):
            raise ValueError("error_statuses must be 5xx status codes")
        for step in self.script:
            if not _valid_step(step):
                raise ValueError(f"unknown fault script step {step!r}")
        unknown = sorted(set(self.operations) - set(facts.OPERATIONS))
        if unknown:
            raise ValueError(f"unknown operations: {', '.join(unknown)}")

    def applies_to(self, operation_id: str) -> bool:
        """Whether requests of ``operation_id`` draw faults."""
        return not self.operations or operation_id in self.operations

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready copy."""
        data = dataclasses.asdict(self)
        data["error_statuses"] = list(self.error_statuses)
        data["script"] = list(self.script)
        data["operations"] = list(self.operations)
        return data


def _valid_step(step: object) -> bool:
    if step is None or step in (DROP, DROP_AFTER_COMMIT, PASS, CANCEL):
        return True
    return isinstance(step, int) and not isinstance(step, bool) and 500 <= step <= 599


@dataclass(frozen=True)
class SandboxConfig:
    """Everything a sandbox can be told at start (most of it can change at run time too).

    ``revisions`` left as ``None`` serves the revision the sandbox was generated for
    (``facts.REVISION``) and any later well-formed revision dated no later than today, with
    the newest schema the sandbox holds at or before it (``X-Sandbox-Served-Revision`` says
    which), so a client pinned to a newer revision (Klaviyo's own SDK, say) is served. A list
    serves exactly those revisions, each with the schema the sandbox holds.

    ``api_keys`` maps each accepted key to its scopes. Left as ``None``, any well-formed key is
    accepted with every scope, which is what a quick local trial wants. ``rate_limits`` are the
    windows of Create or Update Profile; ``operation_rate_limits`` those of the bulk import
    operations, by operation id (from ``facts.OPERATIONS`` unless given).
    """

    revisions: tuple[str, ...] | None = None
    api_keys: Mapping[str, tuple[str, ...]] | None = None
    rate_limits: RateLimitConfig = field(default_factory=RateLimitConfig)
    faults: FaultConfig = field(default_factory=FaultConfig)
    operation_rate_limits: Mapping[str, RateLimitConfig] = field(
        default_factory=_default_operation_rate_limits
    )
    jobs: BulkJobConfig = field(default_factory=BulkJobConfig)
    payload_limit_bytes: int = facts.PAYLOAD_LIMIT_BYTES
    #: Oldest entries are forgotten beyond this many logged requests.
    request_log_size: int = 10_000

    def __post_init__(self) -> None:
        if self.revisions is not None:
            object.__setattr__(self, "revisions", tuple(self.revisions))
            if not self.revisions:
                raise ValueError("a sandbox serves at least one revision")
        if self.api_keys is not None:
            object.__setattr__(
                self,
                "api_keys",
                {key: tuple(scopes) for key, scopes in self.api_keys.items()},
            )
        unknown = sorted(set(self.operation_rate_limits) - set(BULK_OPERATIONS))
        if unknown:
            raise ValueError(f"no rate limits to set for operations: {', '.join(unknown)}")
        # Operations left out keep the windows the spec states.
        object.__setattr__(
            self,
            "operation_rate_limits",
            {**_default_operation_rate_limits(), **self.operation_rate_limits},
        )

    def rate_limits_for(self, operation_id: str) -> RateLimitConfig:
        """The windows of one operation."""
        if operation_id == SINGLE_OPERATION:
            return self.rate_limits
        return self.operation_rate_limits[operation_id]

    def revisions_text(self) -> str:
        """The revisions served, in words (``2026-07-15 and later, up to today``)."""
        if self.revisions is None:
            return f"{facts.REVISION} and later, up to today"
        return ", ".join(self.revisions)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready copy, with configured API keys masked."""
        return {
            "revisions": None if self.revisions is None else list(self.revisions),
            "api_keys": (
                None
                if self.api_keys is None
                else {_mask(key): list(scopes) for key, scopes in self.api_keys.items()}
            ),
            "rate_limits": self.rate_limits.to_dict(),
            "faults": self.faults.to_dict(),
            "operation_rate_limits": {
                name: limits.to_dict() for name, limits in self.operation_rate_limits.items()
            },
            "jobs": self.jobs.to_dict(),
            "payload_limit_bytes": self.payload_limit_bytes,
            "request_log_size": self.request_log_size,
        }


def _mask(key: str) -> str:
    # The admin surface has no auth, so it must not hand out configured keys in full.
    return key[:4] + "..." if len(key) > 8 else "..."


def rate_limits_from(data: Mapping[str, Any], base: RateLimitConfig) -> RateLimitConfig:
    """``base`` with the fields given in ``data`` replaced (unknown names raise ``ValueError``)."""
    return dataclasses.replace(base, **_known(data, RateLimitConfig))


def faults_from(data: Mapping[str, Any], base: FaultConfig) -> FaultConfig:
    """``base`` with the fields given in ``data`` replaced (unknown names raise ``ValueError``)."""
    values = _known(data, FaultConfig)
    for name in ("error_statuses", "script", "operations"):
        if name in values:
            values[name] = tuple(_as_sequence(values[name], name))
    return dataclasses.replace(base, **values)


def operation_rate_limits_from(
    data: Mapping[str, Any], base: Mapping[str, RateLimitConfig]
) -> dict[str, RateLimitConfig]:
    """``base`` with the windows of the operations named in ``data`` changed field by field."""
    unknown = sorted(set(data) - set(BULK_OPERATIONS))
    if unknown:
        raise ValueError(f"no rate limits to set for operations: {', '.join(unknown)}")
    changed = dict(base)
    for name, changes in data.items():
        if not isinstance(changes, Mapping):
            raise ValueError(f"operation_rate_limits.{name} must be an object")
        changed[name] = rate_limits_from(changes, base[name])
    return changed


def jobs_from(data: Mapping[str, Any], base: BulkJobConfig) -> BulkJobConfig:
    """``base`` with the fields given in ``data`` replaced (unknown names raise ``ValueError``)."""
    return dataclasses.replace(base, **_known(data, BulkJobConfig))


def _known(data: Mapping[str, Any], cls: type[Any]) -> dict[str, Any]:
    names = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(data) - names)
    if unknown:
        raise ValueError(f"unknown {cls.__name__} fields: {', '.join(unknown)}")
    return dict(data)


def _as_sequence(value: Any, name: str) -> Sequence[Any]:
    if not isinstance(value, (list, tuple)):
        raise ValueError(f"{name} must be a list")
    return value
