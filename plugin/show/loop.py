"""The story loop: what to do next given the persisted state, and how each step is done.

`idle -> outlining -> writing(chapter n) -> voting -> (waiting) -> writing(n+1) ... -> final -> ended`.
Every step reads the persisted session to decide what comes next, so a restarted server resumes
where it stopped; each change of state is persisted first, then announced.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace

from plugin import events
from plugin.errors import Conflict, describe
from plugin.show.live import LiveChapter, OnScreen, build_recap
from plugin.show.parts import ShowParts
from plugin.show.prefetch import Branch
from plugin.store.records import ChapterRecord, RoundRecord, SessionRecord
from plugin.story.drafts import ChapterDraft
from plugin.story.memory import StoryMemory
from plugin.tasks import Tasks, first_of, unless

log = logging.getLogger(__name__)


class StoryLoop:
    """Steps one session's story until it ends; a failed step is shown, then tried again."""

    def __init__(self, parts: ShowParts, screen: OnScreen, tasks: Tasks,
                 announce_state: Callable[[], Awaitable[None]],
                 restart: Callable[[SessionRecord], Awaitable[object]]) -> None:
        self.parts, self.screen, self.tasks = parts, screen, tasks
        self.announce_state = announce_state
        self.restart = restart  # auto mode: a new story on the same theme
        self.advanced = asyncio.Event()  # the admin moved on from manual mode's wait (or ended the story)
        self.advance_choice: int | None = None  # ... picking this branch instead of the vote's winner
        self.retry = asyncio.Event()  # "try the failed step again now"
        self.interrupted = asyncio.Event()  # an end request stops the chapter being written

    async def run(self, session_id: int) -> None:
        """Step until the story ends; a failed step becomes a visible error and is retried."""
        while True:
            try:
                if await self.step(session_id):
                    return
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # never a dead loop: show it, wait, try the step again
                log.exception("story step failed")
                await self._fail(session_id, exc)

    async def step(self, session_id: int) -> bool:
        """Do the next thing the persisted state calls for; True when the story has ended."""
        parts = self.parts
        session = await self.reload(session_id)
        if session.outline is None:
            await self._write_outline(session)
            return False
        chapters = await parts.stories.chapters(session.id)
        if not chapters:
            await self._write_chapter(session, chapters, None, final=session.end_requested or session.max_chapters <= 1)
            return False
        last = chapters[-1]
        if last.is_final:
            await parts.timeline.read_out(session, last.number, last.content, "finale")
            await parts.timeline.hold(session, "finale", last.number, parts.config.settings.show.final_hold_s, "end")
            await self.finish(session)
            return True
        vote = await parts.votes.get_round(session.id, last.number)
        if vote is None and session.end_requested:
            await self._write_chapter(session, chapters, None, final=True)
        elif vote is None:
            if parts.config.settings.voting.opens == "after_narration":
                await parts.timeline.read_out(session, last.number, last.content, "vote")
                session = await self.reload(session.id)
                if session.end_requested:
                    return False  # the streamer ended the story while it was read: the final chapter is next
            await self._run_vote(session, last, None)
        elif vote.is_open:
            await self._run_vote(session, last, vote)
        elif self._must_wait(session):
            await self._wait_for_admin(session)
        else:
            await self._next_chapter(session, chapters, vote)
        return False

    async def _next_chapter(self, session: SessionRecord, chapters: list[ChapterRecord], vote: RoundRecord) -> None:
        """The winner's chapter: written ahead during the vote, or from now on during the result's hold; it
        appears when the hold ends (in manual mode, or when the story is ending: at once)."""
        parts, last = self.parts, chapters[-1]
        manual_go = self.advanced.is_set()
        self.advanced.clear()
        ahead: Branch | None = None
        hold_s = parts.config.settings.show.result_hold_s
        if hold_s > 0 and not (manual_go or session.end_requested):
            ahead = await self._branch(session, vote, vote.winner_index or 0) or parts.prefetcher.write_now(
                session, chapters, vote.choices, vote.winner_index or 0, self._final_next(session, last.number))
            await parts.timeline.hold(session, "result", last.number, hold_s, "chapter")
            session = await self.reload(session.id)
        winner = await self._apply_admin_choice(vote)
        final = self._final_next(session, last.number)
        if ahead is not None and (ahead.index != winner or ahead.final != final):
            parts.prefetcher.drop(ahead)  # the streamer picked another branch, or is ending the story
            ahead = None
        branch = ahead or await self._branch(session, vote, winner)
        await self._write_chapter(session, chapters, vote.choices[winner], final, branch)

    async def _branch(self, session: SessionRecord, vote: RoundRecord, index: int) -> Branch | None:
        """The chapter for choice `index` written ahead during the vote, if it still fits."""
        notes = [note_id for note_id, _ in await self.parts.edits.pending_note_ids(session.id)]
        return await self.parts.prefetcher.take(vote.chapter_number + 1, vote.choices[index],
                                                self._final_next(session, vote.chapter_number), notes)

    @staticmethod
    def _final_next(session: SessionRecord, number: int) -> bool:
        """Is the chapter after chapter `number` the final one?"""
        return session.end_requested or number + 1 >= session.max_chapters

    # ----- state ---------------------------------------------------------------------------

    async def reload(self, session_id: int) -> SessionRecord:
        """Fresh session row (the source of truth for every step)."""
        session = await self.parts.stories.get_session(session_id)
        if session is None:
            raise Conflict(f"session {session_id} vanished")
        self.screen.session = session
        return session

    async def _set_state(self, session: SessionRecord, state: str) -> None:
        """Persist a state change, then tell everyone."""
        await self.parts.stories.update_session(session.id, state=state, error=None)
        await self.reload(session.id)
        self.screen.error = None
        await self.announce_state()

    async def _fail(self, session_id: int, exc: Exception) -> None:
        """Show a failed step at once, then persist it when the database allows (the failure may be the
        database itself: locked, disk full), and wait before the step is tried again (or the admin retries)."""
        parts, screen = self.parts, self.screen
        delay = parts.config.settings.story.retry_delay_s
        self.retry.clear()  # from here on, the admin's "retry now" counts
        message = describe(exc)
        screen.error = events.Error(message, screen.state, delay)
        if screen.session is not None and screen.session.id == session_id:
            screen.session = replace(screen.session, state="error", error=message)
        try:
            await parts.emit(screen.error)
            await self.announce_state()
        except Exception:
            log.exception("could not announce the error")
        try:
            await parts.stories.update_session(session_id, state="error", error=message)
        except Exception:
            log.exception("could not record the error state (the step is retried all the same)")
        await first_of(parts.clock.sleep(delay), self.retry.wait())

    # ----- writing -------------------------------------------------------------------------

    async def _write_outline(self, session: SessionRecord) -> None:
        """Outline the story (when the streamer gave none)."""
        parts = self.parts
        await self._set_state(session, "outlining")
        await parts.emit(events.GenerationStarted(session.id, 0, "outline", False))
        title, outline = await parts.engine.write_outline(session)
        theme = parts.engine.theme_for(session)
        await parts.stories.update_session(session.id, title=title or theme.name, outline=outline, state="writing")
        await self.reload(session.id)
        await self.announce_state()

    async def _write_chapter(
        self, session: SessionRecord, chapters: list[ChapterRecord], parent: str | None, final: bool,
        branch: Branch | None = None,
    ) -> None:
        """Write, store and show the next chapter; an end request interrupts a non-final one."""
        parts = self.parts
        number = len(chapters) + 1
        await parts.timeline.enter(session.id, "writing", number, None, "narration")
        await self._set_state(session, "final" if final else "writing")
        self.screen.live = LiveChapter(session.id, number, is_final=final, parent_choice=parent)
        await parts.emit(events.GenerationStarted(session.id, number, "final" if final else "chapter", final, parent))
        memory = await parts.keeper.memory_for(session, chapters)
        notes = await parts.edits.pending_note_ids(session.id)
        self.interrupted.clear()
        draft = await self._written_ahead(branch) if branch is not None else None
        if branch is not None and draft is not None:
            notes = [(note_id, "") for note_id in branch.notes]  # the notes the branch was written with
        elif draft is None:
            variant = await parts.edits.regenerations(session.id, number)
            draft = await unless(
                parts.engine.write_chapter(session, chapters, number, parent, final, self, memory,
                                           "; ".join(note for _, note in notes) or None, variant),
                None if final else self.interrupted,  # an end request stops a chapter, never the final one
            )
        if draft is None:
            return  # the admin asked to end: the next step writes the final chapter instead
        if notes:
            await parts.edits.mark_notes_used([note_id for note_id, _ in notes], number)
        await self.store_chapter(session, number, draft, parent, memory, [note_id for note_id, _ in notes])

    async def store_chapter(self, session: SessionRecord, number: int, draft: ChapterDraft, parent: str | None,
                            memory: StoryMemory, note_ids: Sequence[int] = ()) -> None:
        """Keep a written chapter (viewers' ideas among its choices in ballot mode), start its memory update,
        picture and narration, and show it (crediting the viewers whose ideas it used)."""
        parts = self.parts
        choices = list(draft.choices)
        if parts.ideas is not None and not draft.is_final:
            choices = parts.ideas.choices(session, number, choices)
        chapter = await parts.stories.add_chapter(
            session_id=session.id, number=number, title=draft.title, content=draft.content,
            choices=choices, is_final=draft.is_final, parent_choice=parent, model=draft.model,
            state="final" if draft.is_final else "writing",
        )
        parts.keeper.after_chapter(session, chapter, draft.memory)
        parts.timeline.chapter_shown(number)
        if parts.media is not None:
            parts.media.after_chapter(await self.reload(session.id), chapter, memory)
        self.screen.live = LiveChapter.from_record(chapter)
        await parts.emit(events.ChapterReady(chapter.view(), draft.model, draft.fell_back, draft.quality,
                                             draft.problem, list(draft.findings)))
        if parts.ideas is not None:
            await parts.ideas.credit(session.id, number, note_ids)
        if parts.cast is not None:
            await parts.cast.after_chapter(session.id, number, chapter.content, note_ids)
        await self.announce_state()  # carries the writer's health (a fallback, a rejected key) to the panel

    async def _written_ahead(self, branch: Branch) -> ChapterDraft | None:
        """The winner's chapter written during the vote: shown at once (or as it finishes); None if it failed."""
        await branch.sink.attach(self)
        assert branch.task is not None
        try:
            return await unless(asyncio.shield(branch.task), self.interrupted)
        except Exception:
            log.warning("the chapter written ahead failed; writing it now", exc_info=True)
            await self.reset()
            return None

    async def token(self, delta: str) -> None:
        """ChapterSink: a piece of prose for the overlays (and for narration made ahead)."""
        live, session, media = self.screen.live, self.screen.session, self.parts.media
        if live is not None:
            live.content += delta
            if media is not None and session is not None:
                media.streaming(session, delta)
            await self.parts.emit(events.ChapterToken(live.number, delta))

    async def reset(self) -> None:
        """ChapterSink: the writer starts the chapter over."""
        live, session, media = self.screen.live, self.screen.session, self.parts.media
        if live is not None:
            live.content = ""
            if media is not None and session is not None:
                media.streaming(session, None)
            await self.parts.emit(events.ChapterReset(live.number))

    # ----- voting --------------------------------------------------------------------------

    async def _run_vote(self, session: SessionRecord, chapter: ChapterRecord, vote: RoundRecord | None) -> None:
        """Run the vote on a chapter; the loop holds for the admin after it in manual mode."""
        parts = self.parts

        async def state_after() -> str:
            manual = parts.config.settings.story.mode == "manual"
            return "waiting" if manual and not (await self.reload(session.id)).end_requested else "writing"

        async def opened() -> None:
            current = parts.desk.current
            ends_at = current.timer.ends_at if current is not None else None
            opened_at = current.record.started_at if current is not None else None  # the vote's own start
            await parts.timeline.enter(session.id, "voting", chapter.number, ends_at, "result", opened_at)
            fresh = await self.reload(session.id)
            await self.announce_state()
            final_next = fresh.end_requested or chapter.number + 1 >= fresh.max_chapters
            parts.prefetcher.begin(fresh, await parts.stories.chapters(session.id), final_next,
                                   lambda: list(parts.desk.current.tally.weights) if parts.desk.current else [])
            if parts.media is not None and current is not None and not current.timer.is_forced:
                over_reading = parts.config.settings.voting.opens == "after_narration"
                timer = current.timer
                self.tasks.spawn(parts.media.vote_call(fresh, chapter.number, current.record.choices,
                                                       lambda: timer.ends_at, over_reading), "vote-call")

        if vote is not None and session.state != "voting":
            await self._set_state(session, "voting")  # a vote taken up again after a failed step or a restart
        self.screen.last_result = await parts.voter.run(session, chapter, vote, opened, state_after)
        fresh = await self.reload(session.id)
        if fresh.state == "waiting":
            await parts.timeline.enter(session.id, "waiting", chapter.number, None, "admin")
        elif not fresh.end_requested:
            ends_at = parts.clock.now() + parts.config.settings.show.result_hold_s
            await parts.timeline.enter(session.id, "result", chapter.number, ends_at, "chapter")
        await self.announce_state()

    def _must_wait(self, session: SessionRecord) -> bool:
        """Manual mode holds after each vote until the admin advances (or ends)."""
        return (self.parts.config.settings.story.mode == "manual" and not session.end_requested
                and not self.advanced.is_set())

    async def _wait_for_admin(self, session: SessionRecord) -> None:
        """Manual mode: hold until next-chapter (which may pick a different branch) or end."""
        if session.state != "waiting":
            await self._set_state(session, "waiting")
        await self.advanced.wait()

    async def _apply_admin_choice(self, vote: RoundRecord) -> int:
        """The branch to follow: the vote's winner, unless the admin picked another with next-chapter."""
        choice, self.advance_choice = self.advance_choice, None
        if choice is not None and choice != vote.winner_index:
            await self.parts.votes.override_winner(vote, choice)
            return choice
        return vote.winner_index or 0

    # ----- the end -------------------------------------------------------------------------

    async def finish(self, session: SessionRecord) -> None:
        """Mark the story ended and show the recap."""
        parts, screen = self.parts, self.screen
        await parts.timeline.enter(session.id, "ended", screen.live.number if screen.live else 0, None, "")
        await parts.stories.update_session(session.id, state="ended", ended_at=parts.clock.now())
        await self.reload(session.id)
        if screen.live is not None:
            screen.live.streaming = False
        screen.recap = await build_recap(parts.stories, parts.votes, session)
        screen.recap["cast"] = await parts.cast.recap(session.id) if parts.cast is not None else []
        await parts.emit(events.Ended(session.id, screen.recap))
        await self.announce_state()
        delay = parts.config.settings.story.auto_restart_s
        if parts.config.settings.story.mode == "auto" and delay > 0:
            self.tasks.spawn(self._restart_after(delay, session), "auto-restart")

    async def _restart_after(self, delay: float, previous: SessionRecord) -> None:
        """Auto mode: a new story on the same theme after a pause."""
        await self.parts.clock.sleep(delay)
        await self.restart(previous)
