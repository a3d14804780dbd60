"""Clocks: the system clock for the product, a manual clock that tests advance by hand."""

from __future__ import annotations

import asyncio
import heapq
import itertools
import time
from typing import Protocol


class Clock(Protocol):
    """Wall time in epoch seconds and a way to wait on it."""

    def now(self) -> float:
        """Current time, epoch seconds."""
        ...

    async def sleep(self, seconds: float) -> None:
        """Wait this many seconds of this clock's time."""
        ...


class SystemClock:
    """Real time."""

    def now(self) -> float:
        """time.time()."""
        return time.time()

    async def sleep(self, seconds: float) -> None:
        """asyncio.sleep, never negative."""
        await asyncio.sleep(max(0.0, seconds))


class ManualClock:
    """Time that only moves when `advance` is called; sleepers wake when their deadline passes."""

    def __init__(self, start: float = 1_800_000_000.0) -> None:
        self._now = start
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._order = itertools.count()
        self._sleeper_added = asyncio.Event()

    def now(self) -> float:
        """The manual time."""
        return self._now

    async def sleep(self, seconds: float) -> None:
        """Wait until `advance` moves time past now + seconds."""
        if seconds <= 0:
            await asyncio.sleep(0)
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (self._now + seconds, next(self._order), future))
        self._sleeper_added.set()
        await future

    def advance(self, seconds: float) -> None:
        """Move time forward and wake every sleeper whose deadline has come."""
        self._now += seconds
        while self._sleepers and self._sleepers[0][0] <= self._now:
            _, _, future = heapq.heappop(self._sleepers)
            if not future.done():
                future.set_result(None)

    @property
    def sleepers(self) -> int:
        """How many tasks are waiting on this clock."""
        return sum(1 for _, _, f in self._sleepers if not f.done())

    async def wait_for_sleeper(self, timeout: float = 5.0) -> None:
        """Wait (on real time, bounded) until some task sleeps on this clock."""
        async with asyncio.timeout(timeout):
            while not self.sleepers:
                self._sleeper_added.clear()
                await self._sleeper_added.wait()
