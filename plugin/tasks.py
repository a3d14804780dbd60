"""Task helpers: the one owner of background tasks, waiting for whichever comes first, interruptible work."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


class Tasks:
    """Background tasks of one owner: each is kept referenced (never garbage-collected mid-run), its failure
    is logged (never lost), and `close` cancels them all and waits for them."""

    def __init__(self) -> None:
        self._running: set[asyncio.Task[Any]] = set()

    def spawn(self, work: Coroutine[Any, Any, T], name: str | None = None) -> asyncio.Task[T]:
        """Start `work` as an owned task."""
        task = asyncio.create_task(work, name=name)
        self._running.add(task)
        task.add_done_callback(self._running.discard)
        task.add_done_callback(log_failure)
        return task

    def __len__(self) -> int:
        """How many are still running."""
        return len(self._running)

    async def close(self) -> None:
        """Cancel every task and wait until all have finished."""
        for task in list(self._running):
            task.cancel()
        await asyncio.gather(*self._running, return_exceptions=True)


def log_failure(task: asyncio.Task[Any]) -> None:
    """Done-callback for background tasks: an exception is logged, never lost or left unretrieved."""
    if not task.cancelled() and task.exception() is not None:
        logging.getLogger("plugin.tasks").error("background task %s failed", task.get_name(),
                                                exc_info=task.exception())


async def first_of(*waits: Awaitable[Any]) -> None:
    """Return when the first of `waits` finishes; the others are cancelled (never left running)."""
    tasks = [asyncio.ensure_future(w) for w in waits]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


async def unless(work: Awaitable[T], stop: asyncio.Event | None) -> T | None:
    """Run `work`; if `stop` is set first, cancel it and return None. Errors in `work` propagate."""
    task = asyncio.ensure_future(work)
    try:
        await first_of(asyncio.shield(task), stop.wait()) if stop is not None else await asyncio.wait({task})
    finally:
        if not task.done():
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
    return None if task.cancelled() else task.result()
