"""What the core may ask a client to do, and the two smallest drivers.

The library's operations (one upsert, a job's start, its polling, the hybrid
``create_or_update_profiles``) are written once, as *steps*: generators that never perform
I/O themselves. Each yields an *effect* (send this request, take a slot of this limiter,
sleep, start a sub-task, call a blocking function in a thread, wait for either, hand an item
on) and is resumed with its result, or has the effect's exception thrown into it, so every
decision (what to retry, how long to wait, what a failure means) stays in the steps. A driver
performs the effects: each client has one (``_run``), blocking for
:class:`~klaviyo_profiles.client.KlaviyoProfiles`, awaiting for
:class:`~klaviyo_profiles.client.AsyncKlaviyoProfiles`; :func:`run_plain` and
:func:`arun_plain` drive the retry functions of :mod:`klaviyo_profiles.retries`.

Example::

    def steps() -> Steps[int]:
        yield Sleep(0.5)
        return 42

    run_plain(steps(), time.sleep)   # 42, after half a second
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Awaitable, Callable, Generator
from typing import Any, Protocol, TypeVar

__all__ = [
    "Acquire",
    "Await",
    "Effect",
    "Emit",
    "Offload",
    "Pacer",
    "Send",
    "Sleep",
    "Spawn",
    "Steps",
    "TaskHandle",
    "Wait",
    "arun_plain",
    "collected",
    "run_plain",
]

T = TypeVar("T")


class Pacer(Protocol):
    """A rate limiter as the drivers use it (``ratelimit.RateLimiter`` is one)."""

    def acquire(
        self, max_wait: float | None = None, *, stop: threading.Event | None = None
    ) -> float:
        """Block until a request may start (``max_wait`` and ``stop``: see
        ``RateLimiter.acquire``)."""

    async def acquire_async(self, max_wait: float | None = None) -> float:
        """Await until a request may start."""


class TaskHandle(Protocol):
    """A sub-task a driver started for a :class:`Spawn` (a ``concurrent.futures.Future`` or an
    ``asyncio.Task``)."""

    def done(self) -> bool:
        """Whether it has finished."""

    def result(self) -> Any:
        """What its steps returned (or raised), once done."""

    def cancel(self) -> bool:
        """Stop it if it can still be stopped."""


# Plain classes with slots rather than attrs: one or two are built for every request, and
# the drivers dispatch on their exact type.


class Effect:
    """Base of every effect."""

    __slots__: tuple[str, ...] = ()

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and all(
            getattr(self, name) == getattr(other, name) for name in self.__slots__
        )

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.__slots__)
        return f"{type(self).__name__}({fields})"


class Send(Effect):
    """Send one request (keyword arguments of ``httpx.Client.request``); the reply is the
    ``httpx.Response``, and a transport failure is thrown into the steps."""

    __slots__ = ("request",)

    def __init__(self, request: dict[str, Any]) -> None:
        self.request = request

    def __repr__(self) -> str:  # the request holds the key: never shown
        method = self.request.get("method", "?")
        return f"Send({method} {self.request.get('url', '?')})"


class Acquire(Effect):
    """Take a slot of ``limiter``, waiting as it says, at most ``max_wait`` seconds (``None``:
    no bound); the limiter raises ``RateLimitWaitError`` for a longer wait."""

    __slots__ = ("limiter", "max_wait")

    def __init__(self, limiter: Pacer, max_wait: float | None = None) -> None:
        self.limiter = limiter
        self.max_wait = max_wait


class Sleep(Effect):
    """Wait ``seconds`` before the steps go on."""

    __slots__ = ("seconds",)

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds


class Spawn(Effect):
    """Start ``steps`` as a sub-task beside the current steps; the reply is its
    :class:`TaskHandle`. ``width`` is how many sub-tasks may run at once (the sync driver
    sizes its thread pool by it). Sub-task steps yield only ``Acquire``, ``Send`` and
    ``Sleep``."""

    __slots__ = ("steps", "width")

    def __init__(self, steps: Steps[Any], width: int) -> None:
        self.steps = steps
        self.width = width


class Offload(Effect):
    """Call the blocking ``function()`` in a thread beside the steps (it reads the caller's
    input, which may keep it waiting); the reply is its :class:`TaskHandle`, done with what
    it returns or raises. Nothing stops the thread: ``function`` must return soon once the
    steps have ended (they tell it so)."""

    __slots__ = ("function",)

    def __init__(self, function: Callable[[], Any]) -> None:
        self.function = function


class Wait(Effect):
    """Wait until at least one of ``tasks`` is done, or ``timeout`` seconds have passed
    (``None``: no bound); the reply is the list of those done, in the order given (empty
    when the time ran out)."""

    __slots__ = ("tasks", "timeout")

    def __init__(self, tasks: tuple[TaskHandle, ...], timeout: float | None = None) -> None:
        self.tasks = tasks
        self.timeout = timeout


class Await(Effect):
    """Await ``awaitable`` (only for :func:`arun_plain`: a coroutine a caller of
    ``acall_with_retries`` handed in); the reply is its result."""

    __slots__ = ("awaitable",)

    def __init__(self, awaitable: Awaitable[Any]) -> None:
        self.awaitable = awaitable


class Emit(Effect):
    """Hand ``item`` to the consumer of a streaming call; the reply is nothing. The drivers
    put it on a bounded queue (blocking or awaiting while it is full: that is the
    backpressure), and only the coordinating steps emit, never a sub-task."""

    __slots__ = ("item",)

    def __init__(self, item: Any) -> None:
        self.item = item


#: An operation written as steps, returning ``T``.
Steps = Generator[Effect, Any, T]


def collected(steps: Steps[Any], keep_as: str | None = None) -> Steps[list[Any]]:
    """``steps`` with every :class:`Emit` kept instead of handed on: returns the items, in
    the order emitted (the list form of a streaming operation). Every other effect passes
    through, and what it answers or raises goes back to ``steps``.

    With ``keep_as``, an exception that ends the steps (raised by them, or by the driver and
    not handed to them: Ctrl-C, a cancellation) carries the items emitted before it as its
    attribute of that name, so that the caller of the list form still has them; Ctrl-C and a
    cancellation are thrown into the steps, and what they emit as they end is kept too."""
    items: list[Any] = []
    reply: Any = None
    error: Exception | None = None
    while True:
        try:
            effect = steps.send(reply) if error is None else steps.throw(error)
        except StopIteration:
            return items
        except BaseException as exc:
            _keep(exc, keep_as, items)
            raise
        reply, error = None, None
        if type(effect) is Emit:
            items.append(effect.item)
            continue
        try:
            reply = yield effect
        except Exception as exc:  # handed to the steps, which decide
            error = exc
        except GeneratorExit:  # closed: the steps end here too
            steps.close()
            raise
        except BaseException as exc:  # interrupted: the steps end with it
            _end_kept(steps, exc, items)
            _keep(exc, keep_as, items)
            raise


def _end_kept(steps: Steps[Any], error: BaseException, items: list[Any]) -> None:
    """End ``steps`` with ``error`` (Ctrl-C, a cancellation), keeping what they emit as they
    end (the outcomes they already know); they are closed if they go on otherwise."""
    try:
        effect = steps.throw(error)
        while type(effect) is Emit:
            items.append(effect.item)
            effect = steps.send(None)
    except BaseException:  # ``error`` itself, or what the clean-up raised
        return
    steps.close()


def _keep(error: BaseException, name: str | None, items: list[Any]) -> None:
    if name is not None:
        # An exception class that refuses new attributes keeps its own type all the same.
        with contextlib.suppress(Exception):
            setattr(error, name, items)


def run_plain(steps: Steps[T], sleep: Callable[[float], None]) -> T:
    """Drive steps that yield only :class:`Sleep` (the retry loop over a plain call)."""
    while True:
        try:
            effect = steps.send(None)
        except StopIteration as done:
            return done.value  # type: ignore[no-any-return]
        if type(effect) is not Sleep:
            steps.close()
            raise TypeError(f"run_plain cannot perform {effect!r}")
        sleep(effect.seconds)


async def arun_plain(steps: Steps[T], sleep: Callable[[float], Awaitable[None]]) -> T:
    """Drive steps that yield only :class:`Sleep` and :class:`Await`, awaiting both."""
    reply: Any = None
    error: BaseException | None = None
    while True:
        try:
            effect = steps.send(reply) if error is None else steps.throw(error)
        except StopIteration as done:
            return done.value  # type: ignore[no-any-return]
        reply, error = None, None
        if type(effect) is Sleep:
            await sleep(effect.seconds)
        elif type(effect) is Await:
            try:
                reply = await effect.awaitable
            except Exception as exc:  # handed to the steps, which decide
                error = exc
        else:
            steps.close()
            raise TypeError(f"arun_plain cannot perform {effect!r}")
