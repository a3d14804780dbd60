"""The vote desk: counts ballots for the open round, journals them in batches, announces counts coalesced."""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field

from plugin import events
from plugin.messages import ChatMessage, Gift, Like
from plugin.settings.schema import VotingSettings
from plugin.store.records import BallotRow, JournalEntry, RoundRecord
from plugin.store.votes import VoteRepo
from plugin.tasks import Tasks
from plugin.voting.parse import DEFAULT_MAX_CHARS, EXACT_VOTES, parse_keyword, parse_vote
from plugin.voting.round import RoundTimer
from plugin.voting.tally import Tally, ViewerKey, clear_lead

log = logging.getLogger(__name__)
FLUSH_INTERVAL_S = 0.03  # ballots reach SQLite well within 100 ms of arriving, even under a flood
ANNOUNCE_INTERVAL_S = 0.1  # at most ~10 vote-updates a second, however fast chat runs
RETRY_FLUSH_S = 1.0  # after a failed journal write (locked or full disk), try again this much later


RECENT_VOTERS = 5


@dataclass(slots=True)
class OpenRound:
    """The round ballots are going to right now."""

    record: RoundRecord
    tally: Tally
    timer: RoundTimer
    recent: deque[tuple[str, int]] = field(default_factory=lambda: deque(maxlen=RECENT_VOTERS))
    bonus: dict[ViewerKey, list[int]] = field(default_factory=dict)  # [diamonds, likes] given this round
    # Message ids already counted this round: a chat source re-sending one after the gateway's dedupe window
    # has forgotten it (or after a restart: the journal's ids come back) never counts it twice.
    counted: set[str] = field(default_factory=set)
    unsaved: list[JournalEntry] = field(default_factory=list)  # ballots not in SQLite yet
    keywords: dict[str, int] = field(default_factory=dict)  # voting.keywords: "sword" -> its choice
    closed: bool = False  # decided early: later ballots are too late

    def update(self) -> events.VoteUpdate:
        """The counts now, with the last few voters for the overlay's ticker."""
        tally = self.tally
        return events.VoteUpdate(self.record.chapter_number, list(tally.weights), tally.total, tally.voters,
                                 [events.RecentVoter(name, choice) for name, choice in self.recent])


class VoteDesk:
    """Turns chat into ballots for the open round; owns the journal and announcer tasks."""

    def __init__(self, repo: VoteRepo, emit: events.Emit, rules: VotingSettings | None = None) -> None:
        self.repo = repo
        self.emit = emit
        self.journaled = 0
        self.max_chars = DEFAULT_MAX_CHARS
        self.diamonds_per_vote = 0
        self.likes_per_vote = 0
        self.max_weight = 1
        self.early_margin = 0.0
        self.early_min_voters = 1
        if rules is not None:
            self.configure(rules)
        self.current: OpenRound | None = None
        self._unsaved: dict[int, OpenRound] = {}  # round id -> a round with ballots not in SQLite yet (open or not)
        self._dirty = False  # a wake-up is already on its way; spares two calls per ballot
        self._oldest_pending = 0.0  # when the oldest unsaved ballot arrived
        self._flush_lock = asyncio.Lock()
        self._wake_flusher = asyncio.Event()
        self._wake_announcer = asyncio.Event()
        self._tasks = Tasks()
        self.announced = 0

    def configure(self, rules: VotingSettings) -> None:
        """Apply voting settings (called again whenever they change)."""
        self.max_chars = rules.max_message_chars
        self.diamonds_per_vote = rules.diamonds_per_vote
        self.likes_per_vote = rules.likes_per_vote
        self.max_weight = rules.max_weight_per_viewer
        self.early_margin = rules.early_end_margin
        self.early_min_voters = rules.early_end_min_votes

    async def start(self) -> None:
        """Start the journal flusher and the coalescing announcer."""
        self._tasks.spawn(self._flush_loop(), "vote-desk-journal")
        self._tasks.spawn(self._announce_loop(), "vote-desk-announcer")

    async def stop(self) -> None:
        """Stop the tasks and write every pending ballot (a graceful shutdown loses nothing)."""
        await self._tasks.close()
        await self.flush()

    def open(self, record: RoundRecord, timer: RoundTimer, restored: Sequence[BallotRow] = ()) -> OpenRound:
        """Start counting for a round, re-counting ballots journaled before a restart and, when the round
        opens again after its close failed (the database was locked or full), the ballots not saved yet."""
        tally = Tally(len(record.choices))
        earlier = self._unsaved.pop(record.id, None)
        unsaved = earlier.unsaved if earlier is not None else []
        for ballot in [*restored, *(BallotRow(*entry) for entry in unsaved)]:
            if 0 <= ballot.choice_index < tally.num_choices:
                tally.cast((ballot.platform, ballot.user_id), ballot.choice_index, int(ballot.weight))
        counted = {b.msg_id for b in restored if b.msg_id} | (earlier.counted if earlier is not None else set())
        self.current = OpenRound(record, tally, timer, counted=counted, unsaved=unsaved)
        if unsaved:
            self._unsaved[record.id] = self.current
        if self.early_margin:
            self._end_if_decided(self.current)  # resumed with a clear lead already
        self._wake_announcer.set()
        return self.current

    def accept(self, message: ChatMessage) -> bool:
        """Count a chat message if it is a vote for the open round (the hot path: no awaits, few calls)."""
        current = self.current
        if current is None or current.closed:
            return False
        tally = current.tally
        text = message.text
        choice = EXACT_VOTES.get(text)  # most votes are spelled exactly like this; skip the parser
        if choice is None:
            if len(text) <= self.max_chars:
                choice = parse_vote(text, tally.num_choices, self.max_chars)
            if choice is None and current.keywords:
                choice = parse_keyword(text, current.keywords)
            if choice is None:
                return False
        elif choice >= tally.num_choices:
            return False
        msg_id = message.msg_id
        if msg_id is not None:
            if msg_id in current.counted:
                return False
            current.counted.add(msg_id)
        viewer = (message.platform, message.user_id)
        weight = self._weight(current, viewer) if current.bonus else 1
        if tally.cast(viewer, choice, weight):
            self._journal(current, message, choice, weight)
            if self.early_margin:
                self._end_if_decided(current)
        return True

    def _end_if_decided(self, current: OpenRound) -> None:
        """voting.early_end_margin: a clear lead closes the round now (its count stays as it is)."""
        tally, timer = current.tally, current.timer
        if timer.paused_remaining is None and not timer.is_forced \
                and clear_lead(tally.weights, tally.voters, self.early_margin, self.early_min_voters):
            current.closed = True
            timer.decide()

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
        if current is None or current.closed or amount <= 0 or event.msg_id in current.counted:
            return
        if event.msg_id is not None:
            current.counted.add(event.msg_id)
        viewer = (event.platform, event.user_id)
        current.bonus.setdefault(viewer, [0, 0])[slot] += amount
        ballot = current.tally.choice_of(viewer)
        if ballot is not None:
            weight = self._weight(current, viewer)
            if current.tally.cast(viewer, ballot[0], weight):
                self._journal(current, event, ballot[0], weight)
                if self.early_margin:
                    self._end_if_decided(current)

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
        if not current.unsaved:
            if not self._unsaved:
                self._oldest_pending = time.monotonic()
            self._unsaved[current.record.id] = current
        current.unsaved.append(
            (message.platform, message.user_id, message.nickname, choice, weight, message.msg_id, message.ts)
        )
        if not self._dirty:
            self._dirty = True
            self._wake_flusher.set()
            self._wake_announcer.set()

    async def close(self) -> OpenRound | None:
        """Stop accepting ballots and write the journal; returns the round that was open. If the write fails,
        the ballots stay queued (and come back if the round is opened again)."""
        closed, self.current = self.current, None
        await self.flush()
        return closed

    async def discard(self) -> None:
        """Drop the open round and its unsaved ballots (the chapter is being written again)."""
        async with self._flush_lock:
            if self.current is not None:
                self._unsaved.pop(self.current.record.id, None)
            self.current = None

    async def flush(self) -> None:
        """Write every round's queued ballots to story_ballots now."""
        async with self._flush_lock:
            for round_id, current in list(self._unsaved.items()):
                batch, current.unsaved = current.unsaved, []
                del self._unsaved[round_id]
                try:
                    rejected = await self.repo.save_ballots(round_id, batch)
                except BaseException:
                    # the database failed, not a ballot: keep them all (before any newer ones) for the next attempt
                    current.unsaved[:0] = batch
                    self._unsaved[round_id] = current
                    raise
                for row, why in rejected:
                    log.error("a ballot could not be saved and was left out (%s): %r", why, row)
                self.journaled += len(batch) - len(rejected)
                await self._tell_saved(current, len(batch) - len(rejected))

    async def _tell_saved(self, current: OpenRound, saved: int) -> None:
        """Tell admin panels how many ballots are safe (a courtesy: a failure here loses nothing)."""
        try:
            await self.emit(events.BallotsSaved(current.record.id, current.record.chapter_number, saved,
                                                self.journaled))
        except Exception:
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
            except Exception:  # a busy or full disk must not stop the vote; the ballots are written later
                log.exception("ballot journal flush failed; trying again in %g s", RETRY_FLUSH_S)
                await asyncio.sleep(RETRY_FLUSH_S)
                self._wake_flusher.set()

    async def _announce_loop(self) -> None:
        """Send the latest counts at most every ANNOUNCE_INTERVAL_S."""
        while True:
            await self._wake_announcer.wait()
            self._wake_announcer.clear()
            self._dirty = False
            current = self.current
            if current is not None:
                try:
                    await self.emit(current.update())
                    self.announced += 1
                except Exception:
                    log.exception("vote-update emit failed")
            await asyncio.sleep(ANNOUNCE_INTERVAL_S)
