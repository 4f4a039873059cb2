"""The two drivers: the only code that performs what steps yield (see ``_effects``).

:func:`run_blocking` serves :class:`~klaviyo_profiles.client.KlaviyoProfiles` (sub-tasks in a
thread pool), :func:`run_awaiting` serves :class:`~klaviyo_profiles.client.AsyncKlaviyoProfiles`
(sub-tasks as asyncio tasks). Each is handed the pool's ``request`` method, so neither knows a
client. An effect's failure is thrown into the steps, which decide what it means.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar, cast

import httpx

from ._effects import Acquire, Emit, Send, Sleep, Spawn, Steps, Wait

__all__ = ["run_awaiting", "run_blocking"]

_T = TypeVar("_T")


class _Stopped(Exception):
    """A sub-task stopped because the steps that started it have ended (failed or closed)."""


def run_blocking(
    send: Callable[..., httpx.Response],
    steps: Steps[_T],
    emit: Callable[[Any], None] | None = None,
    stopped: threading.Event | None = None,
) -> _T:
    """Perform what ``steps`` yield until they return, blocking on each effect. ``send`` is
    the pool's ``request``; ``emit`` takes what the steps emit (a streaming call's queue); a
    sub-task stops at its next effect once ``stopped`` is set (the steps that started it have
    ended)."""
    reply: Any = None
    error: Exception | None = None
    pool: concurrent.futures.ThreadPoolExecutor | None = None
    ended = threading.Event()
    try:
        while True:
            try:
                if error is None:
                    effect = steps.send(reply)
                else:
                    effect, error = steps.throw(error), None
            except StopIteration as stop:
                return stop.value  # type: ignore[no-any-return]
            if stopped is not None and stopped.is_set():
                steps.close()
                raise _Stopped("stopped: the call it belonged to has ended")
            try:
                if type(effect) is Send:
                    reply = send(**effect.request)
                    continue
                reply = None
                if type(effect) is Acquire:
                    effect.limiter.acquire(max_wait=effect.max_wait)
                elif type(effect) is Sleep:
                    if stopped is None:
                        time.sleep(effect.seconds)
                    else:
                        stopped.wait(effect.seconds)
                elif type(effect) is Emit and emit is not None:
                    emit(effect.item)
                elif type(effect) is Spawn:
                    if pool is None:
                        pool = concurrent.futures.ThreadPoolExecutor(max_workers=effect.width)
                    reply = pool.submit(run_blocking, send, effect.steps, None, ended)
                elif type(effect) is Wait:
                    # The handles this driver made for Spawn: futures of its pool.
                    tasks = cast("tuple[concurrent.futures.Future[Any], ...]", effect.tasks)
                    done, _ = concurrent.futures.wait(
                        tasks, return_when=concurrent.futures.FIRST_COMPLETED
                    )
                    reply = [task for task in tasks if task in done]
                else:
                    raise TypeError(f"KlaviyoProfiles cannot perform {effect!r}")
            except Exception as exc:  # handed to the steps, which decide
                reply, error = None, exc
    finally:
        if pool is not None:
            # Sub-tasks not started yet are dropped; running ones finish the request they
            # are in and stop (after the last one, all have ended already).
            ended.set()
            pool.shutdown(wait=True, cancel_futures=True)


async def run_awaiting(
    send: Callable[..., Awaitable[httpx.Response]],
    steps: Steps[_T],
    emit: Callable[[Any], Awaitable[None]] | None = None,
) -> _T:
    """Perform what ``steps`` yield until they return, awaiting each effect (see
    :func:`run_blocking`); sub-tasks are tasks, cancelled and awaited when the steps end."""
    reply: Any = None
    error: Exception | None = None
    tasks: list[asyncio.Task[Any]] = []
    try:
        while True:
            try:
                if error is None:
                    effect = steps.send(reply)
                else:
                    effect, error = steps.throw(error), None
            except StopIteration as stop:
                return stop.value  # type: ignore[no-any-return]
            try:
                if type(effect) is Send:
                    reply = await send(**effect.request)
                    continue
                reply = None
                if type(effect) is Acquire:
                    await effect.limiter.acquire_async(max_wait=effect.max_wait)
                elif type(effect) is Sleep:
                    await asyncio.sleep(effect.seconds)
                elif type(effect) is Emit and emit is not None:
                    await emit(effect.item)
                elif type(effect) is Spawn:
                    reply = asyncio.ensure_future(run_awaiting(send, effect.steps))
                    tasks.append(reply)
                elif type(effect) is Wait:
                    # The handles this driver made for Spawn: its tasks.
                    waiting = cast("tuple[asyncio.Task[Any], ...]", effect.tasks)
                    done, _ = await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
                    reply = [task for task in waiting if task in done]
                else:
                    raise TypeError(f"AsyncKlaviyoProfiles cannot perform {effect!r}")
            except Exception as exc:  # handed to the steps, which decide
                reply, error = None, exc
    finally:
        if tasks:
            # Cancelled or failed: sub-tasks still running are stopped and awaited.
            pending = [task for task in tasks if not task.done()]
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
