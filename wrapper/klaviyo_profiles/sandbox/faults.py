"""Deterministic fault injection for the Klaviyo routes.

A :class:`FaultInjector` hands out one :class:`Fault` per request, in arrival order, from the
script of its :class:`~klaviyo_profiles.sandbox.config.FaultConfig` and then from a
``random.Random`` seeded with its seed: the same config and the same sequence of requests give
the same faults on every run.
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass

from .config import CANCEL, DROP, DROP_AFTER_COMMIT, PASS, FaultConfig


@dataclass(frozen=True)
class Fault:
    """The fate of one request: a 5xx status, a dropped connection, a bulk import job that ends
    ``cancelled``, or nothing (all unset)."""

    status: int | None = None
    drop: bool = False
    drop_after_commit: bool = False
    #: Only the route that starts bulk import jobs acts on it; elsewhere it is no fault.
    cancel: bool = False

    @property
    def name(self) -> str | None:
        """A short label for the request log."""
        if self.status is not None:
            return str(self.status)
        if self.drop:
            return DROP
        if self.drop_after_commit:
            return DROP_AFTER_COMMIT
        if self.cancel:
            return CANCEL
        return None


NO_FAULT = Fault()


class FaultInjector:
    """Thread-safe source of faults; ``configure`` restarts the script and the random sequence."""

    def __init__(self, config: FaultConfig) -> None:
        self._lock = threading.Lock()
        self._config = config
        self._random = random.Random(config.seed)
        self._position = 0

    @property
    def config(self) -> FaultConfig:
        """The faults in force."""
        return self._config

    def configure(self, config: FaultConfig) -> None:
        """Switch to ``config`` from its first script step and a freshly seeded generator."""
        with self._lock:
            self._config = config
            self._random = random.Random(config.seed)
            self._position = 0

    def reset(self) -> None:
        """Start the current config over."""
        self.configure(self._config)

    def applies_to(self, operation_id: str) -> bool:
        """Whether requests of ``operation_id`` draw faults."""
        return self._config.applies_to(operation_id)

    @property
    def latency(self) -> float:
        """Seconds to add to each request of the route."""
        return self._config.latency

    def next(self) -> Fault:
        """The fault for the next request."""
        with self._lock:
            config = self._config
            if self._position < len(config.script):
                step = config.script[self._position]
                self._position += 1
                return _from_step(step)
            if not (
                config.error_rate
                or config.drop_rate
                or config.drop_after_commit_rate
                or config.cancel_rate
            ):
                return NO_FAULT
            # Exactly two draws per request whatever the outcome, so one request's fate never
            # shifts the sequence the following requests see.
            draw = self._random.random()
            status = self._random.choice(config.error_statuses)
            if draw < config.error_rate:
                return Fault(status=status)
            draw -= config.error_rate
            if draw < config.drop_rate:
                return Fault(drop=True)
            draw -= config.drop_rate
            if draw < config.drop_after_commit_rate:
                return Fault(drop_after_commit=True)
            draw -= config.drop_after_commit_rate
            if draw < config.cancel_rate:
                return Fault(cancel=True)
            return NO_FAULT


def _from_step(step: int | str | None) -> Fault:
    if step is None or step == PASS:
        return NO_FAULT
    if step == DROP:
        return Fault(drop=True)
    if step == DROP_AFTER_COMMIT:
        return Fault(drop_after_commit=True)
    if step == CANCEL:
        return Fault(cancel=True)
    assert isinstance(step, int)
    return Fault(status=step)
