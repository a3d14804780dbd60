"""The story loop: idle -> outlining -> writing -> voting -> (waiting) -> writing ... -> final -> ended.

Every step reads the persisted session to decide what comes next, so a restarted server resumes
where it stopped. Each transition is persisted first, then emitted.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from plugin import events
from plugin.chat.base import StreamStatus
from plugin.clock import Clock
from plugin.config import Settings
from plugin.errors import BadRequest, Conflict
from plugin.services.configuration import ConfigService
from plugin.services.writer import LLMService
from plugin.store.records import ChapterRecord, RoundRecord, SessionRecord
from plugin.store.edits import EditRepo
from plugin.store.repo import StoryRepo
from plugin.store.votes import VoteRepo
from plugin.tasks import first_of, log_failure, unless
from plugin.story.engine import ChapterDraft, StoryEngine
from plugin.story.keeper import MemoryKeeper
from plugin.story.live import LiveChapter, build_recap, build_state, voting_view
from plugin.story.media import MediaDirector
from plugin.story.parse import parse_outline
from plugin.story.prefetch import Branch, BranchPrefetcher
from plugin.story.requests import resolve_style
from plugin.story.themes import CUSTOM_THEME_ID
from plugin.voting.desk import VoteDesk
from plugin.voting.runner import VoteRunner

log = logging.getLogger(__name__)
Emit = Callable[[str, dict[str, Any]], Awaitable[None]]
RUNNING = frozenset({"outlining", "writing", "voting", "waiting", "final", "error"})


class Coordinator:
    """Owns the current session's loop task and answers the admin's commands."""

    def __init__(
        self, *, config: ConfigService, stories: StoryRepo, votes: VoteRepo, edits: EditRepo, engine: StoryEngine,
        desk: VoteDesk, llm: LLMService, emit: Emit, clock: Clock, keeper: MemoryKeeper,
        media: MediaDirector | None = None,
    ) -> None:
        self.config, self.stories, self.votes, self.edits, self.engine = config, stories, votes, edits, engine
        self.media = media
        self.prefetcher = BranchPrefetcher(
            engine, keeper, edits,
            lambda: (self.config.settings.story.prefetch, self.config.settings.story.prefetch_concurrency),
            keeper.emit)
        if media is not None:
            media.on_picture = self._picture_ready
        self.desk, self.llm, self.emit, self.clock, self.keeper = desk, llm, emit, clock, keeper
        self.emit_admin = keeper.emit
        self.voter = VoteRunner(votes=votes, desk=desk, emit=emit, clock=clock, config=config)
        self.session: SessionRecord | None = None
        self.live: LiveChapter | None = None
        self.last_result: dict[str, Any] | None = None
        self.error: dict[str, Any] | None = None
        self.recap: dict[str, Any] | None = None
        self._loop: asyncio.Task[None] | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self.command_lock = asyncio.Lock()
        self._advance = asyncio.Event()
        self._advance_choice: int | None = None
        self._retry_now = asyncio.Event()
        self._interrupt = asyncio.Event()
        self.extra_state: dict[str, Callable[[], dict[str, Any] | None]] = {"prefetch": self.prefetcher.status}
        config.on_change(self._settings_changed)

    # ----- queries -------------------------------------------------------------------------

    @property
    def state(self) -> str:
        """The loop's state ('idle' when no story has run)."""
        return self.session.state if self.session else "idle"

    @property
    def running(self) -> bool:
        """True while a story is in progress."""
        return self.state in RUNNING

    def snapshot(self) -> dict[str, Any]:
        """The full story:state payload."""
        now = self.clock.now()
        state = build_state(
            session=self.session, live=self.live, voting=voting_view(self.desk.current, now),
            last_result=self.last_result, error=self.error, recap=self.recap, llm=self._public_llm(), now=now,
        )
        return {**state, **{name: provide() for name, provide in self.extra_state.items()}}

    def _public_llm(self) -> dict[str, Any]:
        """What overlays may know about the writer: its name, not its URL."""
        status = self.llm.status()
        return {"provider": status["provider"], "label": status["label"], "keyRejected": status["keyRejected"]}

    # ----- commands ------------------------------------------------------------------------

    async def start(
        self, theme: str, outline: str | None = None, model: str | None = None, custom_theme: str | None = None,
        style: dict[str, Any] | None = None,
    ) -> SessionRecord:
        """Start a new story; 409 if one is running."""
        async with self.command_lock:
            if self.running:
                raise Conflict("a story is already running; end it first", code="story_running")
            if theme != CUSTOM_THEME_ID and self.engine.themes.get(theme) is None:
                raise BadRequest(f"unknown theme '{theme}'", field="theme")
            if theme == CUSTOM_THEME_ID and not (custom_theme or "").strip():
                raise BadRequest("a custom theme needs a description", field="customTheme")
            story, choice = self.config.settings.story, self.llm.choice()
            theme_name = (self.engine.themes.get(theme).name if theme != CUSTOM_THEME_ID else "Custom")  # type: ignore[union-attr]
            title = (parse_outline(outline)[0] or f"{theme_name} story") if (outline or "").strip() else ""
            self.session = await self.stories.create_session(
                theme=theme, title=title, custom_theme=(custom_theme or "").strip() or None,
                outline=(outline or "").strip() or None,
                language=story.language, mode=story.mode, max_chapters=story.max_chapters,
                num_choices=story.num_choices, provider=choice.kind, model=model or choice.model,
                seed=random.randrange(1, 2**31), state="outlining",
                style=resolve_style(story, self.engine.themes.get(theme) or self.engine.themes.custom(custom_theme or ""),
                                    style),
            )
            self.live, self.last_result, self.error, self.recap = None, None, None, None
            self._advance.clear()
            await self.emit_state()
            self.resume_loop()
            return self.session

    async def next_chapter(self, choice_index: int | None = None) -> None:
        """Advance now: close the open vote (optionally dictating the winner) or leave the manual wait."""
        session = self.require_running()
        if choice_index is not None and not 0 <= choice_index < session.num_choices:
            raise BadRequest(f"choiceIndex must be 0..{session.num_choices - 1}", field="choiceIndex")
        if self.state == "voting" and await self.voter.force_end(choice_index):
            pass
        elif self.state == "waiting":
            self._advance_choice = choice_index
            self._advance.set()
        elif self.state == "error":
            self._retry_now.set()
        else:
            raise Conflict("the next chapter is already being written", code="busy")

    async def force_vote_end(self) -> bool:
        """Close the open vote now; False if none is open."""
        return await self.voter.force_end()

    async def extend_vote(self, seconds: float) -> bool:
        """Give the open vote more time (a moderator's !extend); False if none is open."""
        return await self.voter.extend(seconds)

    async def skip(self) -> bool:
        """Move on now (a moderator's !skip): close the vote, or leave manual mode's wait."""
        if self.state not in ("voting", "waiting", "error"):
            return False
        await self.next_chapter()
        return True

    def on_stream_status(self, status: StreamStatus) -> None:
        """The LIVE ended or came back: pause or resume the open vote."""
        self.voter.on_stream_status(status, self.emit_state)

    async def end(self, final: bool = True) -> None:
        """End the story: with a short final chapter (default) or at once."""
        async with self.command_lock:
            session = self.require_running()
            if not final or self.state == "outlining" or (self.live is None and self.state != "writing"):
                await self.pause_loop()
                await self.desk.close()
                await self._finish(session)
                return
            await self.stories.update_session(session.id, end_requested=1)
            self.session = await self.stories.get_session(session.id)
            await self.voter.force_end()
            if self.live is not None and self.live.streaming and not self.live.is_final:
                self._interrupt.set()
            self._advance.set()
            self._retry_now.set()

    async def resume(self) -> None:
        """After a restart: pick up the unfinished session, if any."""
        session = await self.stories.active_session()
        if session is None:
            return
        log.info("resuming session %s in state %s", session.id, session.state)
        self.session = session
        last = await self.stories.last_chapter(session.id)
        self.live = LiveChapter.from_record(last) if last else None
        self.resume_loop()

    async def shutdown(self) -> None:
        """Stop every task; state stays persisted for resume."""
        await self.pause_loop()
        self.prefetcher.abandon()
        await self.keeper.shutdown()
        if self.media is not None:
            await self.media.shutdown()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    # ----- the loop ------------------------------------------------------------------------

    def _spawn(self, coro: Coroutine[Any, Any, Any], name: str) -> asyncio.Task[Any]:
        """Start a task we own (kept referenced, cancelled at shutdown)."""
        task = asyncio.create_task(coro, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        task.add_done_callback(log_failure)
        return task

    def resume_loop(self) -> None:
        """Run the story loop for the current session."""
        assert self.session is not None
        self._loop = self._spawn(self._run(self.session.id), f"story-{self.session.id}")

    async def pause_loop(self) -> None:
        """Cancel the loop task and wait for it."""
        if self._loop is not None and self._loop is not asyncio.current_task():
            self._loop.cancel()
            await asyncio.gather(self._loop, return_exceptions=True)
        self._loop = None

    async def _run(self, session_id: int) -> None:
        """Step until the story ends; a failed step becomes a visible error and is retried."""
        while True:
            try:
                if await self._step(session_id):
                    return
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # never a dead loop: show it, wait, try the step again
                log.exception("story step failed")
                await self._fail(session_id, exc)

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

    async def _reload(self, session_id: int) -> SessionRecord:
        """Fresh session row (the source of truth for every step)."""
        session = await self.stories.get_session(session_id)
        if session is None:
            raise Conflict(f"session {session_id} vanished")
        self.session = session
        return session

    async def _set_state(self, session: SessionRecord, state: str) -> None:
        """Persist a state change, then tell everyone."""
        await self.stories.update_session(session.id, state=state, error=None)
        self.session, self.error = await self._reload(session.id), None
        await self.emit_state()

    async def emit_state(self) -> None:
        """Broadcast the full state."""
        await self.emit(events.STATE, self.snapshot())

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
        chapter = await self.stories.add_chapter(
            session_id=session.id, number=number, title=draft.title, content=draft.content,
            choices=draft.choices, is_final=final, parent_choice=parent, model=draft.model,
            state="final" if final else "writing",
        )
        if notes:
            await self.edits.mark_notes_used([note_id for note_id, _ in notes], number)
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

    async def _fail(self, session_id: int, exc: Exception) -> None:
        """Show a failed step and wait before it is tried again (or until the admin retries)."""
        delay = self.config.settings.story.retry_delay_s
        message = getattr(exc, "message", None) or str(exc) or type(exc).__name__
        self.error = {"message": message, "step": self.state, "retryInS": delay}
        try:
            await self.stories.update_session(session_id, state="error", error=message)
            await self._reload(session_id)
            await self.emit(events.ERROR, self.error)
            await self.emit_state()
        except Exception:
            log.exception("could not record the error state")
        self._retry_now.clear()
        await first_of(self.clock.sleep(delay), self._retry_now.wait())

    def _picture_ready(self, session_id: int, number: int, url: str) -> None:
        """A chapter's picture arrived: a reloaded overlay must show it too."""
        if self.live is not None and self.live.session_id == session_id and self.live.number == number:
            self.live.image_url = url

    def require_running(self) -> SessionRecord:
        """The running session, or 409."""
        if self.session is None or not self.running:
            raise Conflict("no story is running", code="no_story")
        return self.session

    def _settings_changed(self, settings: Settings) -> None:
        """Switching to auto mode releases a manual wait."""
        if settings.story.mode == "auto" and self.state == "waiting":
            self._advance.set()
