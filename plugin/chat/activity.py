"""Viewer activity (gifts, likes, joins, follows, shares) added up in memory and written in batches."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from plugin.messages import Gift, Like, ViewerAction
from plugin.store.votes import VoteRepo
from plugin.tasks import Tasks

log = logging.getLogger(__name__)
FLUSH_EVERY_S = 2.0
_ACTION_SLOT = {"join": 3, "follow": 4, "share": 5}


@dataclass(slots=True)
class _Counts:
    """One viewer's activity since the last flush."""

    nickname: str
    numbers: list[int]  # gifts, diamonds, likes, joins, follows, shares
    seen_at: float


class ViewerActivity:
    """Counts what viewers do besides voting; a like storm costs a dict update, not a write."""

    def __init__(self, repo: VoteRepo) -> None:
        self.repo = repo
        self._pending: dict[tuple[str, str], _Counts] = {}
        self._tasks = Tasks()

    def record(self, event: Gift | Like | ViewerAction) -> None:
        """Add one event to the viewer's counts."""
        key = (event.platform, event.user_id)
        counts = self._pending.get(key)
        if counts is None:
            counts = self._pending[key] = _Counts(event.nickname, [0] * 6, event.ts)
        counts.nickname, counts.seen_at = event.nickname or counts.nickname, event.ts
        if isinstance(event, Gift):
            counts.numbers[0] += event.count
            counts.numbers[1] += event.total_diamonds
        elif isinstance(event, Like):
            counts.numbers[2] += event.count
        else:
            counts.numbers[_ACTION_SLOT[event.action]] += 1

    async def flush(self) -> None:
        """Write what has accumulated."""
        batch, self._pending = self._pending, {}
        if batch:
            try:
                rejected = await self.repo.add_viewer_activity(
                    [(p, u, c.nickname, *c.numbers, c.seen_at) for (p, u), c in batch.items()])  # type: ignore[misc]  # numbers is always six ints
                for row, why in rejected:
                    log.error("viewer activity could not be saved and was left out (%s): %r", why, row)
            except Exception:
                log.exception("could not save viewer activity; keeping it for the next flush")
                for key, counts in batch.items():
                    self._merge(key, counts)

    def _merge(self, key: tuple[str, str], counts: _Counts) -> None:
        """Put unsaved counts back, adding to anything newer."""
        newer = self._pending.get(key)
        if newer is None:
            self._pending[key] = counts
        else:
            newer.numbers = [a + b for a, b in zip(newer.numbers, counts.numbers, strict=True)]

    def start(self) -> None:
        """Flush every few seconds."""
        self._tasks.spawn(self._loop(), "viewer-activity")

    async def stop(self) -> None:
        """Stop flushing and write the rest."""
        await self._tasks.close()
        await self.flush()

    async def _loop(self) -> None:
        """The periodic flush."""
        while True:
            await asyncio.sleep(FLUSH_EVERY_S)
            await self.flush()
