"""The vote desk: counts ballots for the open round, journals them in batches, announces counts coalesced."""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from plugin import events
from plugin.chat.base import ChatMessage, Gift, Like
from plugin.config import VotingSettings
from plugin.store.records import BallotRow, JournalEntry, RoundRecord
from plugin.store.votes import VoteRepo
from plugin.voting.parse import DEFAULT_MAX_CHARS, EXACT_VOTES, parse_vote
from plugin.voting.round import RoundTimer
from plugin.voting.tally import Tally, ViewerKey

log = logging.getLogger(__name__)
Announce = Callable[[str, dict[str, object]], Awaitable[None]]
FLUSH_INTERVAL_S = 0.03  # ballots reach SQLite well within 100 ms of arriving, even under a flood
ANNOUNCE_INTERVAL_S = 0.1  # at most ~10 vote-updates a second, however fast chat runs


RECENT_VOTERS = 5


@dataclass(slots=True)
class OpenRound:
    """The round ballots are going to right now."""

    record: RoundRecord
    tally: Tally
    timer: RoundTimer
    recent: deque[tuple[str, int]] = field(default_factory=lambda: deque(maxlen=RECENT_VOTERS))
    bonus: dict[ViewerKey, list[int]] = field(default_factory=dict)  # [diamonds, likes] given this round

    def snapshot(self) -> dict[str, object]:
        """The vote-update payload, with the last few voters for the overlay's ticker."""
        return {
            "chapterNumber": self.record.chapter_number,
            **self.tally.snapshot(),
            "recent": [{"nickname": name, "choice": choice} for name, choice in self.recent],
        }


class VoteDesk:
    """Turns chat into ballots for the open round; owns the journal and announcer tasks."""

    def __init__(self, repo: VoteRepo, announce: Announce, rules: VotingSettings | None = None,
                 saved: Announce | None = None) -> None:
        self.repo = repo
        self.announce = announce
        self.saved = saved  # told after each journal write (admins see how many ballots are safe)
        self.journaled = 0
        self.max_chars = DEFAULT_MAX_CHARS
        self.diamonds_per_vote = 0
        self.likes_per_vote = 0
        self.max_weight = 1
        if rules is not None:
            self.configure(rules)
        self.current: OpenRound | None = None
        self._pending: list[JournalEntry] = []
        self._dirty = False  # a wake-up is already on its way; spares two calls per ballot
        self._oldest_pending = 0.0  # when the oldest unsaved ballot arrived
        self._flush_lock = asyncio.Lock()
        self._wake_flusher = asyncio.Event()
        self._wake_announcer = asyncio.Event()
        self._tasks: set[asyncio.Task[None]] = set()
        self.announced = 0

    def configure(self, rules: VotingSettings) -> None:
        """Apply voting settings (called again whenever they change)."""
        self.max_chars = rules.max_message_chars
        self.diamonds_per_vote = rules.diamonds_per_vote
        self.likes_per_vote = rules.likes_per_vote
        self.max_weight = rules.max_weight_per_viewer

    async def start(self) -> None:
        """Start the journal flusher and the coalescing announcer."""
        for loop in (self._flush_loop, self._announce_loop):
            task = asyncio.create_task(loop(), name=f"vote-desk-{loop.__name__}")
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def stop(self) -> None:
        """Stop the tasks and write every pending ballot (a graceful shutdown loses nothing)."""
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self.flush()

    def open(self, record: RoundRecord, timer: RoundTimer, restored: list[BallotRow] = ()) -> OpenRound:  # type: ignore[assignment]
        """Start counting for a round, re-counting ballots journaled before a restart."""
        tally = Tally(len(record.choices))
        for ballot in restored:
            if 0 <= ballot.choice_index < tally.num_choices:
                tally.cast((ballot.platform, ballot.user_id), ballot.choice_index, int(ballot.weight))
        self.current = OpenRound(record, tally, timer)
        self._wake_announcer.set()
        return self.current

    def accept(self, message: ChatMessage) -> bool:
        """Count a chat message if it is a vote for the open round (the hot path: no awaits, few calls)."""
        current = self.current
        if current is None:
            return False
        tally = current.tally
        text = message.text
        choice = EXACT_VOTES.get(text)  # most votes are spelled exactly like this; skip the parser
        if choice is None:
            if len(text) > self.max_chars:
                return False
            choice = parse_vote(text, tally.num_choices, self.max_chars)
            if choice is None:
                return False
        elif choice >= tally.num_choices:
            return False
        viewer = (message.platform, message.user_id)
        weight = self._weight(current, viewer) if current.bonus else 1
        if tally.cast(viewer, choice, weight):
            self._journal(current, message, choice, weight)
        return True

    def gift(self, gift: Gift) -> None:
        """Gifts add votes to the giver's choice (now, or when they vote this round)."""
        if self.diamonds_per_vote:
            self._add_bonus(gift, 0, gift.total_diamonds)

    def like(self, like: Like) -> None:
        """Likes add votes to the liker's choice, like gifts."""
        if self.likes_per_vote:
            self._add_bonus(like, 1, like.count)

    def _add_bonus(self, event: Gift | Like, slot: int, amount: int) -> None:
        """Add diamonds (slot 0) or likes (slot 1) to a viewer's round bonus and re-weigh their ballot."""
        current = self.current
        if current is None or amount <= 0:
            return
        viewer = (event.platform, event.user_id)
        current.bonus.setdefault(viewer, [0, 0])[slot] += amount
        ballot = current.tally.choice_of(viewer)
        if ballot is not None:
            weight = self._weight(current, viewer)
            if current.tally.cast(viewer, ballot[0], weight):
                self._journal(current, event, ballot[0], weight)

    def _weight(self, current: OpenRound, viewer: ViewerKey) -> int:
        """1 plus the votes a viewer's gifts and likes earned this round, capped."""
        bonus = current.bonus.get(viewer)
        if bonus is None:
            return 1
        extra = (bonus[0] // self.diamonds_per_vote if self.diamonds_per_vote else 0) + (
            bonus[1] // self.likes_per_vote if self.likes_per_vote else 0)
        return max(1, min(self.max_weight, 1 + extra))

    def _journal(self, current: OpenRound, message: ChatMessage | Gift | Like, choice: int, weight: int) -> None:
        """Queue a changed ballot for SQLite and ask for a flush and an announcement."""
        current.recent.append((message.nickname or message.user_id, choice))
        if not self._pending:
            self._oldest_pending = time.monotonic()
        self._pending.append(
            (message.platform, message.user_id, message.nickname, choice, weight, message.msg_id, message.ts)
        )
        if not self._dirty:
            self._dirty = True
            self._wake_flusher.set()
            self._wake_announcer.set()

    async def close(self) -> OpenRound | None:
        """Stop accepting ballots and write the journal; returns the round that was open."""
        closed, self.current = self.current, None
        await self.flush(closed)
        return closed

    async def discard(self) -> None:
        """Drop the open round and its unsaved ballots (the chapter is being written again)."""
        async with self._flush_lock:
            self.current, self._pending = None, []

    async def flush(self, current: OpenRound | None = None) -> None:
        """Write pending ballots to story_ballots now."""
        current = current or self.current
        async with self._flush_lock:
            batch, self._pending = self._pending, []
            if not batch or current is None:
                return
            try:
                await self.repo.save_ballots(current.record.id, batch)
            except BaseException:
                self._pending[:0] = batch  # keep them for the next attempt
                raise
            self.journaled += len(batch)
        if self.saved is not None:
            try:
                await self.saved(events.BALLOTS_SAVED, {"roundId": current.record.id,
                                                        "chapterNumber": current.record.chapter_number,
                                                        "saved": len(batch), "journaled": self.journaled})
            except Exception:  # the ballots are safe; telling the panel is only a courtesy
                log.debug("could not announce saved ballots", exc_info=True)

    async def _flush_loop(self) -> None:
        """Write ballots in small batches shortly after they arrive."""
        while True:
            await self._wake_flusher.wait()
            # wait until the oldest unsaved ballot is FLUSH_INTERVAL_S old (not FLUSH_INTERVAL_S from now)
            await asyncio.sleep(max(0.0, FLUSH_INTERVAL_S - (time.monotonic() - self._oldest_pending)))
            self._wake_flusher.clear()
            self._dirty = False
            try:
                await self.flush()
            except Exception:  # a busy disk must not stop the vote; the batch is retried
                log.exception("ballot journal flush failed; will retry")

    async def _announce_loop(self) -> None:
        """Send the latest counts at most every ANNOUNCE_INTERVAL_S."""
        while True:
            await self._wake_announcer.wait()
            self._wake_announcer.clear()
            self._dirty = False
            current = self.current
            if current is not None:
                try:
                    await self.announce(events.VOTE_UPDATE, current.snapshot())
                    self.announced += 1
                except Exception:
                    log.exception("vote-update emit failed")
            await asyncio.sleep(ANNOUNCE_INTERVAL_S)
