"""Keeps each session's memory up to date: one update per chapter, in the background while viewers vote."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

from plugin import events
from plugin.errors import describe
from plugin.store.records import ChapterRecord, SessionRecord
from plugin.store.repo import StoryRepo
from plugin.story.engine import StoryEngine
from plugin.story.memory import MemoryUpdate, StoryMemory
from plugin.tasks import Tasks

log = logging.getLogger(__name__)
GRACE_S = 1.0  # how long the next chapter waits at most for a memory update still running


class MemoryKeeper:
    """Runs memory updates after chapters and hands the next chapter the freshest memory it can."""

    def __init__(self, engine: StoryEngine, stories: StoryRepo, emit: events.Emit) -> None:
        self.engine = engine
        self.stories = stories
        self.emit = emit
        self._pending: dict[int, asyncio.Task[None]] = {}  # the newest update of each session
        self._tasks = Tasks()

    def after_chapter(self, session: SessionRecord, chapter: ChapterRecord, note: MemoryUpdate | None = None) -> None:
        """Update the memory with a chapter just written (or rewritten): with the `note` its answer carried
        (no model call), or by asking the writer in the background (during the vote)."""
        previous = self._pending.get(session.id)
        task = self._tasks.spawn(self._update(session, chapter, previous, note), f"memory-{session.id}")
        self._pending[session.id] = task

    async def memory_for(self, session: SessionRecord, chapters: Sequence[ChapterRecord]) -> StoryMemory:
        """The newest memory there is (an update still running is not waited for beyond a short grace: the
        next chapter never waits on a memory call); after a restart, a missing update is started."""
        task = self._pending.get(session.id)
        if task is not None:
            await self._wait(task, GRACE_S)
        latest = await self.stories.latest_memory(session.id)
        if chapters and (latest is None or latest[0] < chapters[-1].number) and (task is None or task.done()):
            self.after_chapter(session, chapters[-1])
            await self._wait(self._pending[session.id], GRACE_S)
            latest = await self.stories.latest_memory(session.id)
        return StoryMemory.from_json(latest[1] if latest else None)

    async def settled(self, session: SessionRecord, chapter: ChapterRecord, timeout: float) -> StoryMemory:
        """The memory including `chapter` if its update finishes within `timeout`, else the newest there is."""
        task = self._pending.get(session.id)
        if task is not None:
            try:
                await asyncio.wait_for(asyncio.shield(task), timeout=timeout)
            except Exception:  # noqa: BLE001 - slow or failed: take the newest memory there is
                pass
        latest = await self.stories.latest_memory(session.id, before=chapter.number + 1)
        return StoryMemory.from_json(latest[1] if latest else None)

    async def _wait(self, task: asyncio.Future[None], timeout: float) -> None:
        """Wait for an update at most `timeout` seconds, and never fail because it did: the chapter goes on
        with the memory there is."""
        try:
            await asyncio.wait_for(asyncio.shield(task), timeout=timeout)
        except TimeoutError:
            log.info("memory update still running; the next chapter goes ahead with the memory it has")
        except Exception:
            log.warning("memory update failed; the next chapter goes ahead with the memory it has", exc_info=True)

    async def _update(self, session: SessionRecord, chapter: ChapterRecord,
                      previous: asyncio.Task[None] | None, note: MemoryUpdate | None = None) -> None:
        """One update: the memory before this chapter plus what the writer reports about it."""
        if previous is not None:
            await asyncio.gather(previous, return_exceptions=True)  # updates of one session run in order
        try:
            before = await self.stories.latest_memory(session.id, before=chapter.number)
            memory = StoryMemory.from_json(before[1] if before else None)
            try:
                if note is not None:
                    memory.merge(note, chapter.number)
                else:
                    memory = await self.engine.update_memory(session, memory, chapter)
            except Exception as exc:  # noqa: BLE001 - a failed update keeps the memory as it was
                log.warning("memory update after chapter %s failed: %s", chapter.number,
                            describe(exc))
            await self.stories.save_memory(session.id, chapter.number, memory.to_json())
            await self.emit(events.MemoryUpdated(session.id, chapter.number, memory.to_json()))
        except Exception:
            log.exception("could not keep the memory after chapter %s; a later chapter catches up", chapter.number)

    async def shutdown(self) -> None:
        """Cancel running updates (the next start catches up)."""
        await self._tasks.close()
        self._pending.clear()
