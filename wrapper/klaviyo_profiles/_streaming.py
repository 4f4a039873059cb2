"""Streaming steps' output to a caller as it is produced: the steps run in a worker (a thread
for the sync client, a task for the async one) whose driver puts each
:class:`~klaviyo_profiles._effects.Emit` on a bounded queue, and the caller iterates the queue.

The queue is the backpressure: while it is full the steps wait, so memory holds at most
:data:`QUEUE_SIZE` items between the steps and a slow consumer. Closing the iterator early
(``break``, ``close()``, ``aclose()``, the consumer's own error) stops the steps at their next
item and waits for the worker to end; an error of the steps is raised to the caller.
"""

from __future__ import annotations

import asyncio
import contextlib
import queue
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any

from ._drivers import StopSignal
from ._effects import Steps

__all__ = ["QUEUE_SIZE", "StreamClosedError", "task_stream", "thread_stream"]

#: Items the steps may be ahead of the consumer.
QUEUE_SIZE = 1_000


class StreamClosedError(Exception):
    """Raised into the steps at their next item once the consumer has stopped reading."""


class _Failed:
    __slots__ = ("error",)

    def __init__(self, error: BaseException) -> None:
        self.error = error


_END: Any = object()


def thread_stream(
    run: Callable[[Steps[None], Callable[[Any], None], StopSignal], object],
    steps: Steps[None],
    size: int = QUEUE_SIZE,
) -> Iterator[Any]:
    """The items ``steps`` emit, as ``run(steps, emit, stop)`` (a blocking driver) produces
    them in a worker thread started on the first ``next()``; ``stop`` is set once the consumer
    stops reading, which ends the steps at once wherever they wait."""
    items: queue.Queue[Any] = queue.Queue(maxsize=size)
    closed = StopSignal()

    def emit(item: Any) -> None:
        if closed.is_set():
            raise StreamClosedError("the consumer stopped reading")
        items.put(item)

    def work() -> None:
        end: Any = _END
        try:
            run(steps, emit, closed)
        except BaseException as exc:  # handed to the consumer, which raises it
            end = _Failed(exc)
        items.put(end)

    def consume() -> Iterator[Any]:
        worker = threading.Thread(target=work, name="klaviyo-profiles-stream", daemon=True)
        worker.start()
        try:
            while True:
                item = items.get()
                if item is _END:
                    return
                if type(item) is _Failed:
                    raise item.error
                yield item
        finally:
            closed.set()
            # Take what the worker still puts, so that it never blocks, until it has ended.
            while worker.is_alive():
                with contextlib.suppress(queue.Empty):
                    items.get(timeout=0.05)
            worker.join()

    return consume()


def task_stream(
    run: Callable[[Steps[None], Callable[[Any], Awaitable[None]]], Awaitable[object]],
    steps: Steps[None],
    size: int = QUEUE_SIZE,
) -> AsyncIterator[Any]:
    """The items ``steps`` emit, as ``await run(steps, emit)`` (an awaiting driver) produces
    them in a task started on the first ``__anext__()``."""

    async def consume() -> AsyncIterator[Any]:
        items: asyncio.Queue[Any] = asyncio.Queue(maxsize=size)
        worker = asyncio.ensure_future(run(steps, items.put))
        try:
            while True:
                if not items.empty():
                    yield items.get_nowait()
                    continue
                if worker.done():
                    worker.result()  # the steps' error, if any
                    return
                getter = asyncio.ensure_future(items.get())
                try:
                    await asyncio.wait((getter, worker), return_when=asyncio.FIRST_COMPLETED)
                finally:
                    if not getter.done():
                        getter.cancel()
                if getter.done() and not getter.cancelled():
                    yield getter.result()
        finally:
            if not worker.done():
                worker.cancel()
            await asyncio.gather(worker, return_exceptions=True)

    return consume()
