"""The story loop: idle -> outlining -> writing -> voting -> (waiting) -> writing ... -> final -> ended.

Every step reads the persisted session to decide what comes next, so a restarted server resumes
where it stopped. Each transition is persisted first, then emitted.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, replace
from typing import Any

from plugin import events
from plugin.chat.base import StreamStatus
from plugin.clock import Clock
from plugin.config import Settings
from plugin.errors import BadRequest, Conflict, describe
from plugin.services.configuration import ConfigService
from plugin.services.writer import LLMService
from plugin.store.edits import EditRepo
from plugin.store.records import SessionRecord
from plugin.store.repo import StoryRepo
from plugin.store.votes import VoteRepo
from plugin.story.engine import ChapterDraft, StoryEngine
from plugin.story.keeper import MemoryKeeper
from plugin.story.live import LiveChapter, build_state, voting_view
from plugin.story.media import MediaDirector
from plugin.story.memory import StoryMemory
from plugin.story.parse import parse_outline
from plugin.story.prefetch import BranchPrefetcher
from plugin.story.requests import resolve_style
from plugin.story.steps import LoopSteps
from plugin.story.themes import CUSTOM_THEME_ID
from plugin.tasks import first_of, log_failure
from plugin.voting.desk import VoteDesk
from plugin.voting.runner import VoteRunner

log = logging.getLogger(__name__)
Emit = Callable[[str, dict[str, Any]], Awaitable[None]]
RUNNING = frozenset({"outlining", "writing", "voting", "waiting", "final", "error"})


@dataclass(frozen=True, slots=True)
class PreparedStory:
    """A story prepared in the writer's room: its seed (so names match the premise) and its opening."""

    seed: int
    title: str
    language: str
    max_chapters: int
    num_choices: int
    opening: ChapterDraft | None = None


class Coordinator(LoopSteps):
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
        style: dict[str, Any] | None = None, prepared: PreparedStory | None = None,
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
                theme=theme, title=prepared.title if prepared and prepared.title else title,
                custom_theme=(custom_theme or "").strip() or None, outline=(outline or "").strip() or None,
                language=prepared.language if prepared else story.language, mode=story.mode,
                max_chapters=prepared.max_chapters if prepared else story.max_chapters,
                num_choices=prepared.num_choices if prepared else story.num_choices, provider=choice.kind,
                model=model or choice.model, seed=prepared.seed if prepared else random.randrange(1, 2**31),
                state="outlining",
                style=resolve_style(story, self.engine.themes.get(theme) or self.engine.themes.custom(custom_theme or ""),
                                    style),
            )
            self.live, self.last_result, self.error, self.recap = None, None, None, None
            self._advance.clear()
            await self.emit_state()
            if prepared is not None and prepared.opening is not None:
                await self._store_chapter(self.session, 1, prepared.opening, None, StoryMemory())
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

    async def _fail(self, session_id: int, exc: Exception) -> None:
        """Show a failed step at once, then persist it when the database allows (the failure may be the
        database itself: locked, disk full), and wait before the step is tried again (or the admin retries)."""
        delay = self.config.settings.story.retry_delay_s
        self._retry_now.clear()  # from here on, the admin's "retry now" counts
        message = describe(exc)
        self.error = {"message": message, "step": self.state, "retryInS": delay}
        if self.session is not None and self.session.id == session_id:
            self.session = replace(self.session, state="error", error=message)
        try:
            await self.emit(events.ERROR, self.error)
            await self.emit_state()
        except Exception:
            log.exception("could not announce the error")
        try:
            await self.stories.update_session(session_id, state="error", error=message)
        except Exception:
            log.exception("could not record the error state (the step is retried all the same)")
        await first_of(self.clock.sleep(delay), self._retry_now.wait())

    def _picture_ready(self, session_id: int, number: int, url: str | None) -> None:
        """A chapter's picture arrived (or failed, url None): a reloaded overlay must show the same."""
        if self.live is not None and self.live.session_id == session_id and self.live.number == number:
            if url is None:
                self.live.image_status = "failed"
            else:
                self.live.image_url, self.live.image_status = url, "ready"

    def require_running(self) -> SessionRecord:
        """The running session, or 409."""
        if self.session is None or not self.running:
            raise Conflict("no story is running", code="no_story")
        return self.session

    def _settings_changed(self, settings: Settings) -> None:
        """Switching to auto mode releases a manual wait."""
        if settings.story.mode == "auto" and self.state == "waiting":
            self._advance.set()
