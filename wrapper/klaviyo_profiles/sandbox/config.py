"""Settings of a sandbox: served revisions, API keys, rate limits and faults.

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


@dataclass(frozen=True)
class FaultConfig:
    """Injected failures of the profile-import route, reproducible from ``seed``.

    Each request that passed validation draws its fate before the store is touched: first the
    next entry of ``script`` (a status code 500-599, ``"drop"``, ``"drop_after_commit"`` or
    ``"pass"``/``None``), and once the script is used up, one random draw against the rates.
    ``"drop"`` closes the connection with no response and leaves the store unchanged;
    ``"drop_after_commit"`` applies the upsert first, then closes the connection, which is the
    case of a response lost on its way back. ``latency`` seconds are added to every request of
    the route.
    """

    seed: int = 0
    error_rate: float = 0.0
    error_statuses: tuple[int, ...] = (500, 502, 503, 504)
    drop_rate: float = 0.0
    drop_after_commit_rate: float = 0.0
    latency: float = 0.0
    script: tuple[FaultStep, ...] = ()

    def __post_init__(self) -> None:
        rates = (self.error_rate, self.drop_rate, self.drop_after_commit_rate)
        if any(rate < 0 or rate > 1 for rate in rates) or sum(rates) > 1:
            raise ValueError("fault rates must be within 0..1 and add up to at most 1")
        if self.latency < 0:
            raise ValueError("latency must not be negative")
        if not self.error_statuses or any(not 500 <= s <= 599 for s in self.error_statuses):
            raise ValueError("error_statuses must be 5xx status codes")
        for step in self.script:
            if not _valid_step(step):
                raise ValueError(f"unknown fault script step {step!r}")

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready copy."""
        data = dataclasses.asdict(self)
        data["error_statuses"] = list(self.error_statuses)
        data["script"] = list(self.script)
        return data


def _valid_step(step: object) -> bool:
    if step is None or step in (DROP, DROP_AFTER_COMMIT, PASS):
        return True
    return isinstance(step, int) and not isinstance(step, bool) and 500 <= step <= 599


@dataclass(frozen=True)
class SandboxConfig:
    """Everything a sandbox can be told at start (most of it can change at run time too).

    ``api_keys`` maps each accepted key to its scopes. Left as ``None``, any well-formed key is
    accepted with every scope, which is what a quick local trial wants.
    """

    revisions: tuple[str, ...] = (facts.REVISION,)
    api_keys: Mapping[str, tuple[str, ...]] | None = None
    rate_limits: RateLimitConfig = field(default_factory=RateLimitConfig)
    faults: FaultConfig = field(default_factory=FaultConfig)
    payload_limit_bytes: int = facts.PAYLOAD_LIMIT_BYTES
    #: Oldest entries are forgotten beyond this many logged requests.
    request_log_size: int = 10_000

    def __post_init__(self) -> None:
        if not self.revisions:
            raise ValueError("a sandbox serves at least one revision")
        if self.api_keys is not None:
            object.__setattr__(
                self,
                "api_keys",
                {key: tuple(scopes) for key, scopes in self.api_keys.items()},
            )

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready copy, with configured API keys masked."""
        return {
            "revisions": list(self.revisions),
            "api_keys": (
                None
                if self.api_keys is None
                else {_mask(key): list(scopes) for key, scopes in self.api_keys.items()}
            ),
            "rate_limits": self.rate_limits.to_dict(),
            "faults": self.faults.to_dict(),
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
    for name in ("error_statuses", "script"):
        if name in values:
            values[name] = tuple(_as_sequence(values[name], name))
    return dataclasses.replace(base, **values)


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
