"""A chat source (TikTok, Twitch) whose events() a task consumes, as the gateway does, with bounded waits on what
it yields and the state it reports."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, Protocol

from plugin.clock import ManualClock
from plugin.messages import ChatEvent

WAIT_S = 10.0  # generous: these waits only cost time when something is wrong, and CI machines are busy


class ChatSource(Protocol):
    """What the reader needs of a source."""

    def events(self) -> Any: ...

    def status(self) -> dict[str, Any]: ...


class SourceReader:
    """Consumes a source's events in a task; `close()` stops it."""

    def __init__(self, source: ChatSource, clock: ManualClock) -> None:
        self.source = source
        self.clock = clock
        self.events: list[ChatEvent] = []
        self._arrived = asyncio.Event()
        self.task = asyncio.ensure_future(self._consume())

    async def _consume(self) -> None:
        async for event in self.source.events():
            self.events.append(event)
            self._arrived.set()

    @property
    def state(self) -> str:
        """The state the source reports now."""
        return str(self.source.status()["state"])

    async def until(self, condition: Callable[[], bool], timeout: float = WAIT_S) -> None:
        """Wait (bounded, real time) until `condition()` holds; the source runs meanwhile."""
        async with asyncio.timeout(timeout):
            while not condition():
                await asyncio.sleep(0.002)

    async def collect(self, kind: type, count: int, timeout: float = WAIT_S) -> list[Any]:
        """Wait until `count` events of `kind` have been yielded; returns them all."""
        async with asyncio.timeout(timeout):
            while len(found := [e for e in self.events if isinstance(e, kind)]) < count:
                self._arrived.clear()
                await self._arrived.wait()
        return found

    async def close(self) -> None:
        """Stop consuming."""
        self.task.cancel()
        await asyncio.gather(self.task, return_exceptions=True)
