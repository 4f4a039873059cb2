"""What the server says is left of its steady window, kept as windows of their own.

Every answer of a rate-limited operation carries ``RateLimit-Remaining`` and
``RateLimit-Reset``: at most ``remaining`` more requests are admitted until the reset. When
that is less than a limiter has left by its own count, something it cannot see (another
process, another host) shares the account. The limiter then keeps the statement as a *budget*:
until its end, at most ``left`` more requests, every request it lets go counting against every
budget in force. A budget only binds once spent: until then what remains goes out at the pace
of the limiter's own windows (the burst window, the requests in flight), and once it is spent
nothing starts before its end. Demand that fits what remains is not slowed; demand that does
not gets what remains, then waits for the reset.

Budgets never loosen a limiter: a budget that ends no earlier and allows no more than another
makes the other redundant, and at most :data:`MOST` are kept: the two ending closest together
become one that ends with the later and allows what the earlier allows, stricter than both.
The Redis limiter keeps the same rule in its script (``_redis_script.TAKE``), fleet-wide.
"""

from __future__ import annotations

import bisect
import functools
import inspect
import math
from typing import Any

__all__ = ["MOST", "ServerBudgets", "observe_answer"]

#: The most budgets kept at once. Answers of one server window report nearly the same reset
#: (whole seconds, after different times in flight), so a few cover a window and the next.
MOST = 4


class ServerBudgets:
    """The budgets in force, on the limiter's clock; not thread-safe (the limiter's lock
    guards it).

    Example::

        budgets = ServerBudgets()
        budgets.add(now=100.0, end=160.0, left=2)   # 2 more until 160
        budgets.spend(100.0); budgets.spend(100.1)
        budgets.gate(100.2)                          # 160.0: the third waits for the reset
    """

    __slots__ = ("_budgets",)

    def __init__(self) -> None:
        # [end, left], ordered by end; left grows with end (a budget that ends later and
        # allows no more would make the earlier one redundant).
        self._budgets: list[list[float]] = []

    def __len__(self) -> int:
        return len(self._budgets)

    def add(self, now: float, end: float, left: int) -> None:
        """At most ``left`` more requests (at least none) from ``now`` until ``end``."""
        self._expire(now)
        if end <= now:
            return
        left = max(0, left)
        budgets = self._budgets
        if any(b_end >= end and b_left <= left for b_end, b_left in budgets):
            return
        budgets[:] = [budget for budget in budgets if budget[0] > end or budget[1] < left]
        bisect.insort(budgets, [end, float(left)])
        while len(budgets) > MOST:
            closest = min(range(len(budgets) - 1), key=lambda i: budgets[i + 1][0] - budgets[i][0])
            budgets[closest + 1][1] = budgets[closest][1]
            del budgets[closest]

    def gate(self, now: float) -> float:
        """The earliest moment a request may start: the end of the last budget in force that
        is spent, or ``-inf`` when none is."""
        gate = -math.inf
        for end, left in self._budgets:
            if end > now and left <= 0:
                gate = end
        return gate

    def spend(self, now: float) -> None:
        """Count a request let go at ``now`` against every budget in force."""
        self._expire(now)
        for budget in self._budgets:
            budget[1] -= 1

    def _expire(self, now: float) -> None:
        budgets = self._budgets
        ended = 0
        while ended < len(budgets) and budgets[ended][0] <= now:
            ended += 1
        del budgets[:ended]


def observe_answer(limiter: Any, info: Any, flight: float) -> None:
    """Report an answer to ``limiter``: its time in flight (seconds, from its slot) to
    ``record_flight``, then its ``RateLimitInfo`` with that flight to ``observe``. An
    ``observe`` that takes the budget alone, as ``RateLimiter.observe`` did before it took
    ``flight`` (a ``LimiterProvider`` plugin's override, a wrapper forwarding to a limiter), is
    still called that way: the answer it gets is the one it always got, and a write the server
    applied never ends in a ``TypeError``."""
    limiter.record_flight(flight)
    observe = limiter.observe  # the instance's: an override set on it, or a wrapper's
    # A bound method's function is the same for every instance of its class: asked once.
    function = getattr(observe, "__func__", None)
    takes = _takes_flight(function) if function is not None else _signature_takes(observe)
    if takes:
        observe(info, flight=flight)
    else:
        observe(info)


@functools.cache
def _takes_flight(function: Any) -> bool:
    return _signature_takes(function)


def _signature_takes(observe: Any) -> bool:
    """Whether ``observe`` can be given ``flight=``."""
    try:
        parameters = inspect.signature(observe).parameters.values()
    except (TypeError, ValueError):  # a C callable or an odd descriptor: the old call
        return False
    return any(
        (parameter.name == "flight" and parameter.kind is not inspect.Parameter.POSITIONAL_ONLY)
        or parameter.kind is inspect.Parameter.VAR_KEYWORD
        for parameter in parameters
    )
