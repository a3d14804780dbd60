"""Pieces of the TikTok reconnect loop: one connection's record, replay dedupe, backoff, watchdog, closing a client."""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from plugin.chat import tiktok_map
from plugin.clock import Clock
from plugin.settings.chat import TikTokSettings

log = logging.getLogger(__name__)

DEDUPE_SIZE = 5_000  # message ids remembered (TikTok re-sends recent comments on every reconnect)
JITTER = 0.2  # each backoff wait is 80-100 % of its nominal length, so many servers do not retry in step
CLOSE_GRACE_S = 10.0  # a polite websocket close gets this long before the reader task is cancelled


class RecentIds:
    """The last `size` message ids, to drop replays."""

    def __init__(self, size: int = DEDUPE_SIZE) -> None:
        self._ids: dict[str, None] = {}  # insertion-ordered: the first key is the oldest
        self._size = size

    def seen(self, msg_id: str) -> bool:
        """True if `msg_id` is among the recent ids; otherwise remember it (forgetting the oldest)."""
        ids = self._ids
        if msg_id in ids:
            return True
        ids[msg_id] = None
        if len(ids) > self._size:
            del ids[next(iter(ids))]
        return False

    def __len__(self) -> int:
        return len(self._ids)


@dataclass(eq=False)
class Connection:
    """One client and what it has told us."""

    unique_id: str
    client: Any = None
    task: asyncio.Task[Any] | None = None  # the reader task `client.start()` returned
    connected_at: float | None = None  # when ConnectEvent arrived
    saw_disconnect: bool = False
    live_ended: bool = False
    closed: bool = False  # events arriving after this are from an abandoned client and are dropped

    def error(self) -> str:
        """What ended the reader task, if it failed ("" if it ended cleanly, was cancelled or still runs)."""
        task = self.task
        if task is None or not task.done() or task.cancelled():
            return ""
        exc = task.exception()
        return tiktok_map.describe_error(exc) if exc is not None else ""


def backoff(settings: TikTokSettings, failures: int, rng: random.Random) -> float:
    """reconnect_min_s doubled per earlier consecutive failure, capped at reconnect_max_s, times 0.8-1.0 jitter."""
    nominal = min(settings.reconnect_max_s, settings.reconnect_min_s * 2 ** min(failures, 30))
    return nominal * rng.uniform(1.0 - JITTER, 1.0)


async def watchdog(clock: Clock, stall_timeout_s: Callable[[], float], last_activity: Callable[[], float]) -> None:
    """Return once `last_activity()` is stall_timeout_s() old: a connection that went silent without closing."""
    while True:
        limit = stall_timeout_s()
        idle = clock.now() - last_activity()
        if idle >= limit:
            return
        await clock.sleep(limit - idle)


async def close(conn: Connection, clock: Clock) -> None:
    """Disconnect politely if still open, make sure the reader task is over, release the client; never raises."""
    client, task = conn.client, conn.task
    try:
        if task is not None and not task.done():
            if tiktok_map.is_connected(client):
                closing = asyncio.ensure_future(tiktok_map.disconnect(client))
                grace = asyncio.ensure_future(clock.sleep(CLOSE_GRACE_S))
                try:
                    await asyncio.wait({closing, grace}, return_when=asyncio.FIRST_COMPLETED)
                finally:
                    for job in (closing, grace):
                        job.cancel()
                    await asyncio.gather(closing, return_exceptions=True)
            if not task.done():  # still opening the websocket, or the close hung
                task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        if client is not None:
            await tiktok_map.release(client)
    except Exception:
        log.exception("closing the TikTok client failed")
