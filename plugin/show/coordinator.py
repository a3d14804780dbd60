"""The show's one owner: starts, steers and ends the story, answers the admin's commands, keeps the loop task."""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from plugin import events
from plugin.errors import BadRequest, Conflict
from plugin.messages import StreamStatus
from plugin.settings.schema import Settings
from plugin.show.live import LiveChapter, OnScreen, voting_view
from plugin.show.loop import StoryLoop
from plugin.show.parts import ShowParts
from plugin.store.records import ChapterRecord, SessionRecord
from plugin.story.drafts import PreparedStory
from plugin.story.memory import StoryMemory
from plugin.story.parse import parse_outline
from plugin.story.requests import resolve_style
from plugin.tasks import Tasks
from plugin.themes import CUSTOM_THEME_ID

log = logging.getLogger(__name__)
RUNNING = frozenset({"outlining", "writing", "voting", "waiting", "final", "error"})


class Coordinator:
    """Owns the current session's loop task and answers the admin's commands."""

    def __init__(self, parts: ShowParts) -> None:
        self.parts = parts
        self.screen = OnScreen()
        self.tasks = Tasks()
        self.loop = StoryLoop(parts, self.screen, self.tasks, self.emit_state, self._restart)
        self._loop_task: asyncio.Task[None] | None = None
        self.command_lock = asyncio.Lock()
        self.extra_state: dict[str, Callable[[], dict[str, Any] | None]] = {"prefetch": parts.prefetcher.status}
        if parts.media is not None:
            parts.media.on_picture = self.screen.picture
        parts.config.on_change(self._settings_changed)

    # ----- queries -------------------------------------------------------------------------

    @property
    def session(self) -> SessionRecord | None:
        """The current (or last) session."""
        return self.screen.session

    @property
    def live(self) -> LiveChapter | None:
        """The chapter on screen."""
        return self.screen.live

    @property
    def state(self) -> str:
        """The story's state ('idle' when no story has run)."""
        return self.screen.state

    @property
    def running(self) -> bool:
        """True while a story is in progress."""
        return self.state in RUNNING

    def snapshot(self) -> events.State:
        """The full story:state payload."""
        now = self.parts.clock.now()
        status = self.parts.llm.status()
        llm = {"provider": status["provider"], "label": status["label"], "keyRejected": status["keyRejected"]}
        current = self.parts.desk.current
        beat = self.parts.timeline.view(current.timer.ends_at if current is not None else None)
        return self.screen.to_state(voting_view(current, now), llm, now, beat,
                                    {name: provide() for name, provide in self.extra_state.items()})

    def require_running(self) -> SessionRecord:
        """The running session, or 409."""
        if self.session is None or not self.running:
            raise Conflict("no story is running", code="no_story")
        return self.session

    # ----- commands ------------------------------------------------------------------------

    async def start(
        self, theme: str, outline: str | None = None, model: str | None = None, custom_theme: str | None = None,
        style: dict[str, Any] | None = None, prepared: PreparedStory | None = None,
    ) -> SessionRecord:
        """Start a new story; 409 if one is running."""
        parts = self.parts
        async with self.command_lock:
            if self.running:
                raise Conflict("a story is already running; end it first", code="story_running")
            found = parts.engine.themes.get(theme)
            if theme != CUSTOM_THEME_ID and found is None:
                raise BadRequest(f"unknown theme '{theme}'", field="theme")
            if theme == CUSTOM_THEME_ID and not (custom_theme or "").strip():
                raise BadRequest("a custom theme needs a description", field="customTheme")
            story, choice = parts.config.settings.story, parts.llm.choice()
            theme_name = found.name if found is not None else "Custom"
            title = (parse_outline(outline or "")[0] or f"{theme_name} story") if (outline or "").strip() else ""
            session = await parts.stories.create_session(
                theme=theme, title=prepared.title if prepared and prepared.title else title,
                custom_theme=(custom_theme or "").strip() or None, outline=(outline or "").strip() or None,
                language=prepared.language if prepared else story.language, mode=story.mode,
                max_chapters=prepared.max_chapters if prepared else story.max_chapters,
                num_choices=prepared.num_choices if prepared else story.num_choices, provider=choice.kind,
                model=model or choice.model, seed=prepared.seed if prepared else random.randrange(1, 2**31),
                state="outlining",
                style=resolve_style(story, found or parts.engine.themes.custom(custom_theme or ""), style),
            )
            self.screen.session = session
            self.screen.clear()
            self.parts.timeline.restore(session)
            self.loop.advanced.clear()
            await self.emit_state()
            if prepared is not None and prepared.opening is not None:
                await self.loop.store_chapter(session, 1, prepared.opening, None, StoryMemory())
            self.resume_loop()
            return session

    async def next_chapter(self, choice_index: int | None = None) -> None:
        """Advance now: close the open vote (optionally dictating the winner) or leave the manual wait."""
        session = self.require_running()
        if choice_index is not None and not 0 <= choice_index < session.num_choices:
            raise BadRequest(f"choiceIndex must be 0..{session.num_choices - 1}", field="choiceIndex")
        beat = self.parts.timeline.current.beat
        if self.state == "voting" and await self.parts.voter.force_end(choice_index):
            pass
        elif beat in ("narrating", "result", "finale"):
            self.loop.advance_choice = choice_index if beat == "result" else None
            self.parts.timeline.skip()
        elif self.state == "waiting":
            self.loop.advance_choice = choice_index
            self.loop.advanced.set()
        elif self.state == "error":
            self.loop.retry.set()
        else:
            raise Conflict("the next chapter is already being written", code="busy")

    async def force_vote_end(self, choice_index: int | None = None) -> bool:
        """Close the open vote now (optionally picking the branch); False if none is open."""
        if choice_index is not None and self.session is not None and choice_index >= self.session.num_choices:
            raise BadRequest(f"choiceIndex must be 0..{self.session.num_choices - 1}", field="choiceIndex")
        return await self.parts.voter.force_end(choice_index)

    async def extend_vote(self, seconds: float) -> bool:
        """Give the open vote more time (a moderator's !extend); False if none is open."""
        return await self.parts.voter.extend(seconds)

    async def open_vote(self) -> bool:
        """Open the vote now, skipping the rest of the narration; False unless the chapter is being read."""
        return self.parts.timeline.current.beat == "narrating" and self.parts.timeline.skip()

    async def skip(self) -> bool:
        """Move on now (a moderator's !skip): open the vote while the chapter is read, close an open vote, end a
        hold, or leave manual mode's wait."""
        try:
            await self.next_chapter()
        except Conflict:
            return False  # a chapter is being written: nothing to skip
        return True

    def on_stream_status(self, status: StreamStatus) -> None:
        """The LIVE ended or came back: pause or resume the open vote."""
        self.parts.voter.on_stream_status(status, self.emit_state)

    async def end(self, final: bool = True) -> None:
        """End the story: with a short final chapter (default) or at once."""
        parts = self.parts
        async with self.command_lock:
            session = self.require_running()
            live = self.live
            if not final or self.state == "outlining" or (live is None and self.state != "writing"):
                await self.pause_loop()
                await parts.desk.close()
                await self.loop.finish(session)
                return
            await parts.stories.update_session(session.id, end_requested=1)
            self.screen.session = await parts.stories.get_session(session.id)
            await parts.voter.force_end()
            parts.timeline.skip()
            if live is not None and live.streaming and not live.is_final:
                self.loop.interrupted.set()
            self.loop.advanced.set()
            self.loop.retry.set()

    @asynccontextmanager
    async def paused(self) -> AsyncIterator[SessionRecord]:
        """Hold the running story still (no other command, the loop stopped) and go on from the persisted
        state afterwards: the streamer's tools change chapters inside this."""
        async with self.command_lock:
            session = self.require_running()
            await self.pause_loop()
            try:
                yield session
            finally:
                self.resume_loop()

    async def show_chapter(self, chapter: ChapterRecord, *, replace_live: bool = True) -> None:
        """A changed chapter: overlays redraw it (and the state carries it when it is the one on screen)."""
        live = self.live
        if replace_live and live is not None and live.number == chapter.number:
            self.screen.live = LiveChapter.from_record(chapter)
        await self.parts.emit(events.ChapterUpdated(chapter.view()))
        await self.emit_state()

    def clear_live(self) -> None:
        """Nothing is on screen until the loop writes the chapter again (a regenerate)."""
        self.screen.live = None

    async def emit_state(self) -> None:
        """Tell everyone the full state."""
        await self.parts.emit(self.snapshot())

    # ----- lifecycle -----------------------------------------------------------------------

    async def resume(self) -> None:
        """After a restart: pick up the unfinished session, if any."""
        session = await self.parts.stories.active_session()
        if session is None:
            return
        log.info("resuming session %s in state %s", session.id, session.state)
        self.screen.session = session
        last = await self.parts.stories.last_chapter(session.id)
        self.screen.live = LiveChapter.from_record(last) if last else None
        self.screen.last_result = await self._closed_vote(session, last) if last else None
        self.parts.timeline.restore(session)
        self.resume_loop()

    async def _closed_vote(self, session: SessionRecord, chapter: ChapterRecord) -> events.VotingEnded | None:
        """The result of the chapter's vote if it has closed: a restart during the winner's hold (or manual mode's
        wait) keeps the winner on screen."""
        votes = self.parts.votes
        vote = await votes.get_round(session.id, chapter.number)
        if vote is None or vote.is_open or vote.winner_index is None:
            return None
        weights = [count["weight"] for count in (await votes.results(session.id)).get(chapter.number, [])]
        return events.VotingEnded(session.id, chapter.number, vote.winner_index, vote.choices[vote.winner_index],
                                  list(vote.choices), vote.winner_reason or "votes", weights, sum(weights),
                                  len(await votes.ballots(vote.id)))

    async def shutdown(self) -> None:
        """Stop every task; state stays persisted for resume."""
        await self.pause_loop()
        await self.parts.prefetcher.close()
        await self.parts.keeper.shutdown()
        if self.parts.media is not None:
            await self.parts.media.shutdown()
        await self.parts.voter.close()
        await self.tasks.close()

    def resume_loop(self) -> None:
        """Run the story loop for the current session."""
        assert self.session is not None
        self._loop_task = self.tasks.spawn(self.loop.run(self.session.id), f"story-{self.session.id}")

    async def pause_loop(self) -> None:
        """Cancel the loop task and wait for it."""
        task, self._loop_task = self._loop_task, None
        if task is not None and task is not asyncio.current_task():
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

    async def _restart(self, previous: SessionRecord) -> None:
        """Auto mode: a new story on the same theme (unless the streamer started one meanwhile)."""
        if not self.running:
            await self.start(previous.theme, custom_theme=previous.custom_theme)

    def _settings_changed(self, settings: Settings) -> None:
        """Switching to auto mode releases a manual wait."""
        if settings.story.mode == "auto" and self.state == "waiting":
            self.loop.advanced.set()
