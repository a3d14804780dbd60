"""Pre-written branches: while viewers vote, the next chapter for the leader (or every choice) is written ahead."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from plugin import events
from plugin.store.edits import EditRepo
from plugin.store.records import ChapterRecord, SessionRecord
from plugin.story.drafts import ChapterDraft, ChapterSink
from plugin.story.engine import StoryEngine
from plugin.story.keeper import MemoryKeeper
from plugin.tasks import Tasks

log = logging.getLogger(__name__)
Mode = Literal["off", "leader", "all"]
LEADER_CHECK_S = 0.5  # how often the leader is looked at during a vote
MEMORY_WAIT_S = 10.0


class RelaySink:
    """Keeps the prose of a branch written ahead; once attached, replays it and forwards what follows."""

    def __init__(self) -> None:
        self.buffer: list[str] = []
        self.target: ChapterSink | None = None

    async def token(self, delta: str) -> None:
        """A piece of prose."""
        self.buffer.append(delta)
        if self.target is not None:
            await self.target.token(delta)

    async def reset(self) -> None:
        """The writer starts over."""
        self.buffer.clear()
        if self.target is not None:
            await self.target.reset()

    async def attach(self, target: ChapterSink) -> None:
        """Send everything written so far to `target` (as one piece) and forward the rest live."""
        self.target = target
        if self.buffer:
            await target.token("".join(self.buffer))


@dataclass(slots=True)
class Branch:
    """One choice's chapter, being (or already) written ahead."""

    index: int
    choice: str
    sink: RelaySink
    task: asyncio.Task[ChapterDraft] | None = None
    notes: tuple[int, ...] = ()  # the director's notes it followed
    final: bool = False  # written as the final chapter


@dataclass(slots=True)
class Plan:
    """What the open vote's branches continue from."""

    session: SessionRecord
    chapters: Sequence[ChapterRecord]
    number: int
    final: bool
    choices: tuple[str, ...]
    branches: dict[int, Branch] = field(default_factory=dict)


class BranchPrefetcher:
    """Starts, cancels and hands over chapters written ahead; never blocks the vote."""

    def __init__(self, engine: StoryEngine, keeper: MemoryKeeper, edits: EditRepo,
                 settings: Callable[[], tuple[Mode, int]], emit: events.Emit) -> None:
        self.engine, self.keeper, self.edits, self.settings, self.emit = engine, keeper, edits, settings, emit
        self.plan: Plan | None = None
        self._watcher: asyncio.Task[None] | None = None
        self._tasks = Tasks()

    def status(self) -> dict[str, Any] | None:
        """Branches being written ahead, for the admin panel."""
        plan = self.plan
        if plan is None:
            return None
        return {"chapterNumber": plan.number, "branches": [
            {"choiceIndex": b.index, "state": "ready" if _done(b) else "writing"} for b in plan.branches.values()]}

    def begin(self, session: SessionRecord, chapters: Sequence[ChapterRecord], final: bool,
              leader: Callable[[], list[int]]) -> None:
        """A vote opened on the last of `chapters`: start writing ahead (`leader` gives the weighted counts)."""
        self.abandon()
        mode, _ = self.settings()
        if mode == "off" or not chapters or not chapters[-1].choices:
            return
        self.plan = Plan(session, list(chapters), chapters[-1].number + 1, final, tuple(chapters[-1].choices))
        self._watcher = self._tasks.spawn(self._watch(leader), "prefetch-watch")

    async def _watch(self, leader: Callable[[], list[int]]) -> None:
        """Keep the right branches running while the vote goes on."""
        plan = self.plan
        if plan is None:
            return
        await self.keeper.settled(plan.session, plan.chapters[-1], MEMORY_WAIT_S)  # branches see this chapter
        while self.plan is plan:
            self._steer(plan, leader())
            await asyncio.sleep(LEADER_CHECK_S)

    def _steer(self, plan: Plan, counts: list[int]) -> None:
        """Leader mode: write the leader's branch, dropping the least-voted running ones to make room.
        All mode: write every choice's branch, most-voted first, `limit` at a time."""
        mode, limit = self.settings()
        ranked = sorted(range(len(plan.choices)), key=lambda i: (-(counts[i] if i < len(counts) else 0), i))
        wanted = ranked[:1] if mode == "leader" else ranked
        running = [i for i in ranked if i in plan.branches and not _done(plan.branches[i])]
        while mode == "leader" and len(running) >= limit and running[-1] not in wanted:
            self._cancel(plan, running.pop())  # a branch that has fallen behind can no longer win soon
        for index in wanted:
            if index not in plan.branches and len(running) < limit:
                self._start(plan, index)
                running.append(index)

    def _start(self, plan: Plan, index: int) -> None:
        """Write chapter N+1 from choice `index` in the background."""
        branch = Branch(index, plan.choices[index], RelaySink(), final=plan.final)
        coro: Coroutine[Any, Any, ChapterDraft] = self._write(plan, branch)
        branch.task = self._tasks.spawn(coro, f"prefetch-{plan.number}-{index}")
        plan.branches[index] = branch

    async def _write(self, plan: Plan, branch: Branch) -> ChapterDraft:
        """The branch itself: the same writing path as a chapter written after the vote."""
        memory = await self.keeper.memory_for(plan.session, plan.chapters)
        notes = await self.edits.pending_note_ids(plan.session.id)
        branch.notes = tuple(note_id for note_id, _ in notes)
        variant = await self.edits.regenerations(plan.session.id, plan.number)
        draft = await self.engine.write_chapter(plan.session, plan.chapters, plan.number, branch.choice,
                                                plan.final, branch.sink, memory,
                                                "; ".join(note for _, note in notes) or None, variant)
        await self.emit(events.BranchReady(plan.session.id, plan.number, branch.index, draft.title))
        return draft

    def write_now(self, session: SessionRecord, chapters: Sequence[ChapterRecord], choices: Sequence[str],
                  index: int, final: bool) -> Branch:
        """The winner's chapter started at once (it is written during the result's hold) when none was ahead."""
        plan = Plan(session, list(chapters), chapters[-1].number + 1, final, tuple(choices))
        self._start(plan, index)
        return plan.branches[index]

    @staticmethod
    def drop(branch: Branch) -> None:
        """Stop a branch that will not be shown."""
        if branch.task is not None:
            branch.task.cancel()

    def _cancel(self, plan: Plan, index: int) -> None:
        """Stop a branch that is no longer wanted."""
        task = plan.branches.pop(index).task
        if task is not None:
            task.cancel()

    def invalidate(self) -> None:
        """Something changed the story under the branches (a note, an edit, a regenerate): start over later."""
        if self.plan is not None:
            for index in list(self.plan.branches):
                self._cancel(self.plan, index)

    async def take(self, number: int, choice: str, final: bool, notes: Sequence[int]) -> Branch | None:
        """The branch for the winning choice, if it still fits; other finished branches become roads not taken."""
        plan, self.plan = self.plan, None
        if self._watcher is not None:
            self._watcher.cancel()
        if plan is None:
            return None
        winner = None
        for branch in list(plan.branches.values()):
            task = branch.task
            assert task is not None
            fits = (branch.choice == choice and plan.number == number and plan.final == final
                    and set(notes) <= set(branch.notes))
            if fits and not task.cancelled():
                winner = branch
            elif task.done() and not task.cancelled() and task.exception() is None:
                draft = task.result()
                await self.edits.save_branch(plan.session.id, plan.number, branch.index, branch.choice,
                                             draft.title, draft.content, draft.choices)
            else:
                task.cancel()
        return winner

    def abandon(self) -> None:
        """Drop every branch (the vote is gone: a regenerate, the story ended, shutdown)."""
        if self._watcher is not None:
            self._watcher.cancel()
        if self.plan is not None:
            for index in list(self.plan.branches):
                self._cancel(self.plan, index)
        self.plan = None

    async def close(self) -> None:
        """Drop every branch and wait until none is running (shutdown)."""
        self.abandon()
        await self._tasks.close()


def _done(branch: Branch) -> bool:
    """True once a branch's writing has finished (or failed, or was cancelled)."""
    return branch.task is not None and branch.task.done()
