"""The two drivers: the only code that performs what steps yield (see ``_effects``).

:func:`run_blocking` serves :class:`~klaviyo_profiles.client.KlaviyoProfiles` (sub-tasks in a
thread pool), :func:`run_awaiting` serves :class:`~klaviyo_profiles.client.AsyncKlaviyoProfiles`
(sub-tasks as asyncio tasks). Each is handed the pool's ``request`` method, so neither knows a
client. An effect's failure is thrown into the steps, which decide what it means.

When the steps that started sub-tasks end (returned, failed, interrupted by Ctrl-C, or a
stream closed early), the sub-tasks end too, and the caller does not wait for them: a sub-task
waiting (a sleep between polls, the limiter) stops at once, one in the middle of a request
stops when it is answered, and none starts another request.

The function of an :class:`~klaviyo_profiles._effects.Offload` (the reader of the caller's
input) runs in a daemon thread of its own, under either driver: the input may keep it
waiting for ever (a queue that gets no more rows), and neither the interpreter's exit nor
``asyncio.run`` waits for it (a ``ThreadPoolExecutor`` worker, or the loop's default executor,
is joined at exit). The steps tell the function when the call has ended, and it reads no
further row.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import functools
import threading
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, TypeVar, cast

import httpx

from ._effects import Acquire, Emit, Offload, Send, Sleep, Spawn, Steps, Wait
from .ratelimit import AcquireStopped

if TYPE_CHECKING:
    import asyncio

__all__ = ["StopSignal", "run_awaiting", "run_blocking"]

_T = TypeVar("_T")
#: Names the threads of the sync driver's pools (``klaviyo-profiles_0``...).
THREAD_PREFIX = "klaviyo-profiles"
#: Names the thread that reads a streaming call's input (either driver).
READER_THREAD = f"{THREAD_PREFIX}-reader"


class _Stopped(Exception):
    """A sub-task stopped because the steps that started it have ended (failed or closed)."""


class StopSignal:
    """Set once the steps a driver runs should stop: a sleep or a limiter wait ends at once,
    a :class:`~klaviyo_profiles._effects.Wait` for sub-tasks too, and no further effect is
    performed."""

    __slots__ = ("event", "future")

    def __init__(self) -> None:
        self.event = threading.Event()
        #: Completed with the event: what a Wait for sub-tasks waits on beside them.
        self.future: concurrent.futures.Future[None] = concurrent.futures.Future()

    def set(self) -> None:
        """Ask the steps to stop (from any thread; once or more)."""
        self.event.set()
        with contextlib.suppress(concurrent.futures.InvalidStateError):
            self.future.set_result(None)

    def is_set(self) -> bool:
        """Whether :meth:`set` was called."""
        return self.event.is_set()


def _sleep(seconds: float, stop: StopSignal | None) -> None:
    if stop is None:
        time.sleep(seconds)
    elif stop.event.wait(seconds):
        raise _Stopped("stopped while sleeping: the call it belonged to has ended")


def _finished(call: Callable[[], Any]) -> concurrent.futures.Future[Any]:
    """A future completed with what ``call()`` returns or raises (a sub-task run in place)."""
    future: concurrent.futures.Future[Any] = concurrent.futures.Future()
    try:
        future.set_result(call())
    except Exception as exc:  # the sub-task's own failure: what its handle holds
        future.set_exception(exc)
    return future


def _in_thread(function: Callable[[], Any]) -> concurrent.futures.Future[Any]:
    """A future completed with what ``function()`` returns or raises, called in a daemon
    thread of its own (see the module: nothing waits for it at exit). Where no thread can be
    started (after the interpreter began shutting down), it is called here, to its end."""
    future: concurrent.futures.Future[Any] = concurrent.futures.Future()
    future.set_running_or_notify_cancel()

    def read() -> None:
        try:
            result = function()
        except BaseException as exc:  # the function's own failure: what its handle holds
            future.set_exception(exc)
        else:
            future.set_result(result)

    reader = threading.Thread(target=read, name=READER_THREAD, daemon=True)
    try:
        reader.start()
    except RuntimeError:  # no thread can start: call it here
        read()
    return future


def _on_loop(future: concurrent.futures.Future[Any]) -> asyncio.Future[Any]:
    """``future`` (completed in another thread) as a future of the running loop, completed
    through ``call_soon_threadsafe``: no executor of the loop is involved, and a loop closed
    meanwhile is left alone."""
    import asyncio  # loaded already: this runs in a coroutine (see run_awaiting)

    loop = asyncio.get_running_loop()
    mirror: asyncio.Future[Any] = loop.create_future()

    def copy() -> None:
        if mirror.done():  # cancelled: the steps have ended
            return
        error = future.exception()
        if error is not None:
            mirror.set_exception(error)
        else:
            mirror.set_result(future.result())

    def done(_: concurrent.futures.Future[Any]) -> None:
        with contextlib.suppress(RuntimeError):  # the loop has closed: nobody waits
            loop.call_soon_threadsafe(copy)

    future.add_done_callback(done)
    return mirror


def _end_with(steps: Steps[Any], error: BaseException) -> None:
    """End ``steps`` with ``error``, raised where the driver waited for them (Ctrl-C, a
    cancellation): their own clean-up runs, and the list form keeps the outcomes it had
    (see :func:`~klaviyo_profiles._effects.collected`). The caller raises ``error``."""
    try:
        steps.throw(error)
    except BaseException:  # ``error`` itself, or what the clean-up raised
        return
    steps.close()  # the steps went on regardless: stop them


def run_blocking(
    send: Callable[..., httpx.Response],
    steps: Steps[_T],
    emit: Callable[[Any], None] | None = None,
    stop: StopSignal | None = None,
) -> _T:
    """Perform what ``steps`` yield until they return, blocking on each effect. ``send`` is
    the pool's ``request``; ``emit`` takes what the steps emit (a streaming call's queue);
    once ``stop`` is set the steps stop at their next effect (their waits end at once).

    Sub-tasks run in a pool of at most the ``width`` their :class:`Spawn` names, and the
    function of an :class:`Offload` in a daemon thread of its own (see the module). Where no
    thread can be started (an ``atexit`` hook, after the interpreter began shutting down), a
    sub-task (or such a function) runs in place, to its end, before the steps go on."""
    reply: Any = None
    error: Exception | None = None
    pool: ThreadPoolExecutor | None = None
    # The sub-tasks' stop, set when these steps end however they end: made with the first
    # sub-task (a single call starts none, and a StopSignal costs a few microseconds).
    ended: StopSignal | None = None
    try:
        while True:
            try:
                if error is None:
                    effect = steps.send(reply)
                else:
                    effect, error = steps.throw(error), None
            except StopIteration as finished:
                return finished.value  # type: ignore[no-any-return]
            if stop is not None and stop.is_set():
                steps.close()
                raise _Stopped("stopped: the call it belonged to has ended")
            try:
                if type(effect) is Send:
                    reply = send(**effect.request)
                    continue
                reply = None
                if type(effect) is Acquire:
                    effect.limiter.acquire(
                        max_wait=effect.max_wait, stop=None if stop is None else stop.event
                    )
                elif type(effect) is Sleep:
                    _sleep(effect.seconds, stop)
                elif type(effect) is Emit and emit is not None:
                    emit(effect.item)
                elif type(effect) is Spawn:
                    if ended is None:
                        ended = StopSignal()
                    sub_task = functools.partial(run_blocking, send, effect.steps, None, ended)
                    try:
                        if pool is None:
                            pool = ThreadPoolExecutor(effect.width, THREAD_PREFIX)
                        reply = pool.submit(sub_task)
                    except RuntimeError:  # no thread can start: run it here
                        reply = _finished(sub_task)
                elif type(effect) is Offload:
                    reply = _in_thread(effect.function)
                elif type(effect) is Wait:
                    # The handles this driver made for Spawn and Offload: futures.
                    tasks = cast("tuple[concurrent.futures.Future[Any], ...]", effect.tasks)
                    waiting = tasks if stop is None else (*tasks, stop.future)
                    done, _ = concurrent.futures.wait(
                        waiting,
                        timeout=effect.timeout,
                        return_when=concurrent.futures.FIRST_COMPLETED,
                    )
                    reply = [task for task in tasks if task in done]
                else:
                    raise TypeError(f"KlaviyoProfiles cannot perform {effect!r}")
            except (_Stopped, AcquireStopped):
                steps.close()
                raise
            except Exception as exc:  # handed to the steps, which decide
                reply, error = None, exc
            except BaseException as exc:  # Ctrl-C while waiting: the steps end with it
                _end_with(steps, exc)
                raise
    finally:
        if pool is not None and ended is not None:
            # Sub-tasks not started are dropped; the others stop at their next effect (a
            # sleep or a limiter wait at once). Not waited for: a request in flight ends in
            # its thread, and nothing after it is sent.
            ended.set()
            pool.shutdown(wait=False, cancel_futures=True)


async def run_awaiting(
    send: Callable[..., Awaitable[httpx.Response]],
    steps: Steps[_T],
    emit: Callable[[Any], Awaitable[None]] | None = None,
) -> _T:
    """Perform what ``steps`` yield until they return, awaiting each effect (see
    :func:`run_blocking`); sub-tasks are tasks, and the function of an :class:`Offload` runs
    in a daemon thread of its own (never in the loop, nor in its default executor, which
    ``asyncio.run`` waits for); each is cancelled and awaited when
    the steps end, and its outcome taken (none is left for asyncio to report as never
    retrieved)."""
    # Imported where it is used: a coroutine runs in an event loop, so asyncio is loaded by
    # then, and programs that only block (the sync client) do not import it with this module.
    import asyncio

    reply: Any = None
    error: Exception | None = None
    tasks: list[asyncio.Future[Any]] = []
    try:
        while True:
            try:
                if error is None:
                    effect = steps.send(reply)
                else:
                    effect, error = steps.throw(error), None
            except StopIteration as finished:
                return finished.value  # type: ignore[no-any-return]
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
                elif type(effect) is Offload:
                    # Beside the loop, which is never blocked by it (see the module).
                    reply = _on_loop(_in_thread(effect.function))
                    tasks.append(reply)
                elif type(effect) is Wait:
                    # The handles this driver made for Spawn and Offload: its tasks.
                    waiting = cast("tuple[asyncio.Task[Any], ...]", effect.tasks)
                    done, _ = await asyncio.wait(
                        waiting, timeout=effect.timeout, return_when=asyncio.FIRST_COMPLETED
                    )
                    reply = [task for task in waiting if task in done]
                else:
                    raise TypeError(f"AsyncKlaviyoProfiles cannot perform {effect!r}")
            except Exception as exc:  # handed to the steps, which decide
                reply, error = None, exc
            except BaseException as exc:  # cancelled or Ctrl-C: the steps end with it
                _end_with(steps, exc)
                raise
    finally:
        if tasks:
            # Returned, failed or cancelled: sub-tasks still running are stopped, and every
            # sub-task's outcome is taken, those that failed before the steps read them too.
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
