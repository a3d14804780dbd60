"""The story loop's steps: what to do next given the persisted state, and how each step is done.

A mixin of Coordinator (plugin/coordinator.py): it shares the coordinator's state and services.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from plugin import events
from plugin.store.records import ChapterRecord, RoundRecord, SessionRecord
from plugin.story.engine import ChapterDraft
from plugin.story.live import LiveChapter, build_recap
from plugin.story.memory import StoryMemory
from plugin.story.prefetch import Branch
from plugin.tasks import unless

if TYPE_CHECKING:
    pass

log = logging.getLogger(__name__)


class LoopSteps:
    """Each step reads the persisted session to decide what comes next, so a restart resumes cleanly."""

    async def _step(self, session_id: int) -> bool:
        """Do the next thing the persisted state calls for; True when the story has ended."""
        session = await self._reload(session_id)
        if session.outline is None:
            await self._write_outline(session)
            return False
        chapters = await self.stories.chapters(session.id)
        if not chapters:
            await self._write_chapter(session, chapters, None, final=session.end_requested or session.max_chapters <= 1)
            return False
        last = chapters[-1]
        if last.is_final:
            await self._finish(session)
            return True
        vote = await self.votes.get_round(session.id, last.number)
        if vote is None and session.end_requested:
            await self._write_chapter(session, chapters, None, final=True)
        elif vote is None or vote.is_open:
            await self._run_vote(session, last, vote)
        elif self._must_wait(session):
            await self._wait_for_admin(session)
        else:
            self._advance.clear()
            winner = await self._apply_admin_choice(vote)
            final = session.end_requested or last.number + 1 >= session.max_chapters
            notes = [note_id for note_id, _ in await self.edits.pending_note_ids(session.id)]
            branch = await self.prefetcher.take(last.number + 1, vote.choices[winner], final, notes)
            await self._write_chapter(session, chapters, vote.choices[winner], final, branch)
        return False

    def _must_wait(self, session: SessionRecord) -> bool:
        """Manual mode holds after each vote until the admin advances (or ends)."""
        return self.config.settings.story.mode == "manual" and not session.end_requested and not self._advance.is_set()

    async def _write_outline(self, session: SessionRecord) -> None:
        """Outline the story (when the streamer gave none)."""
        await self._set_state(session, "outlining")
        await self.emit(events.GENERATION_STARTED,
                        {"sessionId": session.id, "chapterNumber": 0, "purpose": "outline", "isFinal": False})
        title, outline = await self.engine.write_outline(session)
        theme = self.engine.theme_for(session)
        await self.stories.update_session(session.id, title=title or theme.name, outline=outline, state="writing")
        await self._reload(session.id)
        await self.emit_state()

    async def _write_chapter(
        self, session: SessionRecord, chapters: list[ChapterRecord], parent: str | None, final: bool,
        branch: Branch | None = None,
    ) -> None:
        """Write, store and show the next chapter; an end request interrupts a non-final one."""
        number = len(chapters) + 1
        await self._set_state(session, "final" if final else "writing")
        self.live = LiveChapter(session.id, number, is_final=final, parent_choice=parent)
        await self.emit(events.GENERATION_STARTED, {
            "sessionId": session.id, "chapterNumber": number, "purpose": "final" if final else "chapter",
            "isFinal": final, "parentChoice": parent,
        })
        memory = await self.keeper.memory_for(session, chapters)
        notes = await self.edits.pending_note_ids(session.id)
        self._interrupt.clear()
        draft = await self._written_ahead(branch) if branch is not None else None
        if draft is None:
            variant = await self.edits.regenerations(session.id, number)
            draft = await unless(
                self.engine.write_chapter(session, chapters, number, parent, final, self, memory,
                                          "; ".join(note for _, note in notes) or None, variant),
                None if final else self._interrupt,  # an end request stops a chapter, never the final one
            )
        else:
            notes = [(note_id, "") for note_id in branch.notes]
        if draft is None:
            return  # the admin asked to end: the next step writes the final chapter instead
        if notes:
            await self.edits.mark_notes_used([note_id for note_id, _ in notes], number)
        await self._store_chapter(session, number, draft, parent, memory)

    async def _store_chapter(self, session: SessionRecord, number: int, draft: ChapterDraft, parent: str | None,
                             memory: StoryMemory) -> None:
        """Keep a written chapter, start its memory update, picture and narration, and show it."""
        chapter = await self.stories.add_chapter(
            session_id=session.id, number=number, title=draft.title, content=draft.content,
            choices=draft.choices, is_final=draft.is_final, parent_choice=parent, model=draft.model,
            state="final" if draft.is_final else "writing",
        )
        self.keeper.after_chapter(session, chapter)
        if self.media is not None:
            self.media.after_chapter(await self._reload(session.id), chapter, memory)
        self.live = LiveChapter.from_record(chapter)
        await self.emit(events.CHAPTER_READY, {**chapter.public(), "model": draft.model, "fellBack": draft.fell_back})
        await self.emit_state()  # carries the writer's health (a fallback, a rejected key) to the panel

    async def _written_ahead(self, branch: Branch) -> ChapterDraft | None:
        """The winner's chapter written during the vote: shown at once (or as it finishes); None if it failed."""
        await branch.sink.attach(self)
        assert branch.task is not None
        try:
            return await unless(asyncio.shield(branch.task), self._interrupt)
        except Exception:  # noqa: BLE001 - a failed branch is simply written again the normal way
            log.warning("the chapter written ahead failed; writing it now", exc_info=True)
            await self.reset()
            return None

    async def token(self, delta: str) -> None:
        """ChapterSink: a piece of prose for the overlays (and for narration made ahead)."""
        if self.live is not None:
            self.live.content += delta
            if self.media is not None and self.session is not None:
                self.media.streaming(self.session, delta)
            await self.emit(events.CHAPTER_TOKEN, {"chapterNumber": self.live.number, "delta": delta})

    async def reset(self) -> None:
        """ChapterSink: the writer starts the chapter over."""
        if self.live is not None:
            self.live.content = ""
            if self.media is not None and self.session is not None:
                self.media.streaming(self.session, None)
            await self.emit(events.CHAPTER_RESET, {"chapterNumber": self.live.number})

    async def _run_vote(self, session: SessionRecord, chapter: ChapterRecord, vote: RoundRecord | None) -> None:
        """Run the vote on a chapter; the loop holds for the admin after it in manual mode."""

        async def state_after() -> str:
            manual = self.config.settings.story.mode == "manual"
            return "waiting" if manual and not (await self._reload(session.id)).end_requested else "writing"

        async def opened() -> None:
            fresh = await self._reload(session.id)
            await self.emit_state()
            current = self.desk.current
            final_next = fresh.end_requested or chapter.number + 1 >= fresh.max_chapters
            self.prefetcher.begin(fresh, await self.stories.chapters(session.id), final_next,
                                  lambda: list(self.desk.current.tally.weights) if self.desk.current else [])
            if self.media is not None and current is not None and not current.timer.is_forced:
                self._spawn(self.media.vote_call(fresh, chapter.number, current.record.choices,
                                                 current.timer.remaining()), "vote-call")

        if vote is not None and session.state != "voting":
            await self._set_state(session, "voting")  # a vote taken up again after a failed step or a restart
        self.last_result = await self.voter.run(session, chapter, vote, opened, state_after)
        await self._reload(session.id)
        await self.emit_state()

    async def _wait_for_admin(self, session: SessionRecord) -> None:
        """Manual mode: hold until next-chapter (which may pick a different branch) or end."""
        if session.state != "waiting":
            await self._set_state(session, "waiting")
        await self._advance.wait()

    async def _apply_admin_choice(self, vote: RoundRecord) -> int:
        """The branch to follow: the vote's winner, unless the admin picked another with next-chapter."""
        choice, self._advance_choice = self._advance_choice, None
        if choice is not None and choice != vote.winner_index:
            await self.votes.override_winner(vote, choice)
            return choice
        return vote.winner_index or 0

    async def _finish(self, session: SessionRecord) -> None:
        """Mark the story ended and show the recap."""
        await self.stories.update_session(session.id, state="ended", ended_at=self.clock.now())
        await self._reload(session.id)
        if self.live is not None:
            self.live.streaming = False
        self.recap = await build_recap(self.stories, self.votes, session)
        await self.emit(events.ENDED, {"sessionId": session.id, "recap": self.recap})
        await self.emit_state()
        delay = self.config.settings.story.auto_restart_s
        if self.config.settings.story.mode == "auto" and delay > 0:
            self._spawn(self._restart_after(delay, session), "auto-restart")

    async def _restart_after(self, delay: float, previous: SessionRecord) -> None:
        """Auto mode: a new story on the same theme after a pause."""
        await self.clock.sleep(delay)
        if not self.running:
            await self.start(previous.theme, custom_theme=previous.custom_theme)

