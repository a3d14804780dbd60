"""The show's beats on the server's clock, with one owner: the chapter is revealed, read out, voted on, its result
held, then the next chapter appears.

`writing -> narrating -> voting -> result -> writing ...`, and for the final chapter `narrating -> finale -> ended`.
Each beat is persisted with its start and end, so a restart or a reloaded overlay lands on the same beat with the
right time left. Narration is placed on the timeline line by line: a line is heard right after the one before it
(never before it is ready), so the server knows when the reading ends without asking any browser.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from dataclasses import dataclass

from plugin import events
from plugin.clock import Clock
from plugin.settings.schema import Settings
from plugin.store.records import SessionRecord
from plugin.store.repo import StoryRepo
from plugin.tasks import first_of

RESTIMATE_S = 0.5  # a narration estimate that moves by more than this is announced again
AFTER_READING = frozenset({"voting", "result", "waiting", "finale", "ended"})  # a chapter's beats once it is read


def _ms(at: float | None) -> int | None:
    """Epoch seconds as epoch milliseconds (None stays None)."""
    return None if at is None else int(at * 1000)


@dataclass(slots=True)
class Playhead:
    """When the narrated lines of one chapter are heard: one after another, from when the chapter was shown."""

    chapter: int
    shown_at: float
    free_at: float  # when the last placed line ends
    placed: int = 0
    total: int | None = None
    over: bool = False  # every line is placed (or the reading was stopped)


class ShowTimeline:
    """Owns the current beat: enters, persists and announces it, and waits for it to end."""

    def __init__(self, clock: Clock, emit: events.Emit, stories: StoryRepo, settings: Callable[[], Settings]) -> None:
        self.clock, self.emit, self.stories, self.settings = clock, emit, stories, settings
        self.current = events.Beat("idle", 0, 0, None, "")
        self.playhead: Playhead | None = None
        self.skipped = asyncio.Event()  # the streamer (or a moderator) moves on now
        self._changed = asyncio.Event()  # replaced on every change: a waiter takes it before it looks

    def _notify(self) -> None:
        """Wake everyone waiting on the playhead."""
        self._changed.set()
        self._changed = asyncio.Event()

    # ----- the beat ------------------------------------------------------------------------------------

    async def enter(self, session_id: int, beat: str, chapter: int, ends_at: float | None, then: str,
                    started_at: float | None = None) -> None:
        """Persist a new beat (begun now, or at `started_at`), then tell everyone."""
        now = self.clock.now() if started_at is None else started_at
        await self.stories.update_session(session_id, beat=beat, beat_chapter=chapter, beat_started_at=now,
                                          beat_ends_at=ends_at)
        self.current = events.Beat(beat, chapter, int(now * 1000), _ms(ends_at), then)
        self.skipped.clear()
        await self.emit(self.current)

    async def _move_end(self, session_id: int, ends_at: float) -> None:
        """The current beat ends at another time (a narration estimate became exact)."""
        await self.stories.update_session(session_id, beat_ends_at=ends_at)
        beat = self.current
        self.current = events.Beat(beat.beat, beat.chapter_number, beat.started_at, _ms(ends_at), beat.then)
        await self.emit(self.current)

    def restore(self, session: SessionRecord, then: str = "") -> None:
        """After a restart: the persisted beat (its end stays where it was; what comes next is not persisted: the
        loop tells it again when it takes the beat up)."""
        self.current = events.Beat(session.beat or "idle", session.beat_chapter, _ms(session.beat_started_at) or 0,
                                   _ms(session.beat_ends_at), then)

    def view(self, voting_ends_at: float | None) -> events.Beat:
        """The beat for story:state (a vote's end moves with extensions and pauses)."""
        beat = self.current
        if beat.beat == "voting" and voting_ends_at is not None:
            return events.Beat(beat.beat, beat.chapter_number, beat.started_at, _ms(voting_ends_at), beat.then)
        return beat

    def skip(self) -> bool:
        """Go on to the next beat now (narrating opens the vote, a hold ends); False when nothing waits."""
        if self.current.beat not in ("narrating", "result", "finale"):
            return False
        self.stop_reading(cut=True)
        self.skipped.set()
        return True

    def _resumed_end(self, session: SessionRecord, beat: str, chapter: int) -> float | None:
        """The end of `beat` on `chapter` if it is the beat already under way (a restart, a paused loop)."""
        if session.beat == beat and session.beat_chapter == chapter and session.beat_ends_at is not None:
            return session.beat_ends_at
        return None

    async def hold(self, session: SessionRecord, beat: str, chapter: int, seconds: float, then: str) -> None:
        """A timed beat (the result, the finale): wait it out unless skipped; taken up again where it was."""
        ends_at = self._resumed_end(session, beat, chapter)
        if ends_at is None:
            ends_at = self.clock.now() + seconds
            await self.enter(session.id, beat, chapter, ends_at, then)
        elif self.current.beat != beat or self.current.then != then:
            self.restore(session, then)  # taken up after a restart: overlays learn again what comes next
            await self.emit(self.current)
        left = ends_at - self.clock.now()
        if left > 0:
            await first_of(self.clock.sleep(left), self.skipped.wait())

    # ----- narration -----------------------------------------------------------------------------------

    def chapter_shown(self, number: int) -> None:
        """A chapter is on screen: its reading starts now."""
        now = self.clock.now()
        self.playhead = Playhead(number, now, now)
        self._notify()

    def place(self, number: int, index: int, total: int, duration_s: float) -> float:
        """A narrated line is ready: when it is heard (after the line before it, never before now)."""
        now, head = self.clock.now(), self.playhead
        if head is None or head.chapter != number or head.over:
            return now
        start = max(now, head.free_at)
        head.free_at = start + duration_s
        head.placed, head.total = index + 1, total
        head.over = head.placed >= total
        self._notify()
        return start

    def stop_reading(self, number: int | None = None, cut: bool = False) -> None:
        """No more lines of chapter `number` (None: the one on screen) come: the placed ones play out, or (`cut`:
        the vote opens early) the reading ends now."""
        head = self.playhead
        if head is not None and (number is None or head.chapter == number) and (cut or not head.over):
            head.over = True
            head.free_at = min(head.free_at, self.clock.now()) if cut else head.free_at
            self._notify()

    def reading_ends(self, number: int) -> float | None:
        """When the reading of chapter `number` ends by this timeline, once every line is known."""
        head = self.playhead
        return head.free_at if head is not None and head.chapter == number and head.over else None

    async def read_out(self, session: SessionRecord, number: int, content: str, then: str) -> None:
        """The narrating beat: until the chapter's last line has been heard, `voting.max_wait_s` after the chapter
        was shown at most, or until skipped."""
        if session.beat in AFTER_READING and session.beat_chapter == number:
            return  # read out already: a restart (or a paused loop) after the reading takes up the next beat
        settings = self.settings()
        head = self.playhead
        resumed = self._resumed_end(session, "narrating", number)
        if head is None or head.chapter != number:  # a restart: no voice now, the persisted end stands
            ends_at = resumed if resumed is not None else self.clock.now() + self._reading_s(content, settings)
            await self.hold(session, "narrating", number, ends_at - self.clock.now(), then)
            return
        cap = head.shown_at + settings.voting.max_wait_s
        announced = min(cap, max(head.free_at, head.shown_at + self._reading_s(content, settings)))
        if resumed is None:
            await self.enter(session.id, "narrating", number, announced, then)
        while not self.skipped.is_set():
            ends_at = min(cap, head.free_at) if head.over else announced
            if head.over and abs(ends_at - announced) > RESTIMATE_S:
                announced = ends_at
                await self._move_end(session.id, ends_at)
            changed = self._changed
            left = (ends_at if head.over else cap) - self.clock.now()
            if left <= 0:
                return
            await first_of(self.clock.sleep(left), changed.wait(), self.skipped.wait())

    async def heard(self, number: int) -> None:
        """Wait until chapter `number` has been read out by this timeline (or the reading was stopped)."""
        while True:
            head, changed = self.playhead, self._changed
            if head is None or head.chapter != number:
                return
            left = head.free_at - self.clock.now()
            if head.over and left <= 0:
                return
            await first_of(changed.wait(), *([self.clock.sleep(left)] if left > 0 else []))

    @staticmethod
    def _reading_s(content: str, settings: Settings) -> float:
        """How long reading a text takes at `tts.reading_wpm` (before its narration is known)."""
        return len(re.findall(r"\w+", content)) / settings.tts.reading_wpm * 60
