"""Runs one vote at a time: open (or resume) it, extend or pause it, close it with a winner."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Any

from plugin import events
from plugin.clock import Clock
from plugin.messages import StreamStatus
from plugin.settings.live import ConfigService
from plugin.store.records import ChapterRecord, ChoiceCount, RoundRecord, SessionRecord
from plugin.store.votes import VoteRepo
from plugin.tasks import Tasks
from plugin.voting.desk import OpenRound, VoteDesk
from plugin.voting.keywords import choice_keywords
from plugin.voting.round import RoundTimer
from plugin.voting.tally import Outcome, pick_winner, round_rng

log = logging.getLogger(__name__)


class VoteRunner:
    """The voting half of the story loop, plus what admins and moderators may do to an open vote."""

    def __init__(self, *, votes: VoteRepo, desk: VoteDesk, emit: events.Emit, clock: Clock,
                 config: ConfigService) -> None:
        self.votes, self.desk, self.emit, self.clock, self.config = votes, desk, emit, clock, config
        self._tasks = Tasks()

    async def run(
        self,
        session: SessionRecord,
        chapter: ChapterRecord,
        vote: RoundRecord | None,
        on_open: Callable[[], Awaitable[Any]],
        state_after: Callable[[], Awaitable[str]],
    ) -> events.VotingEnded:
        """Open (or resume) the vote on a chapter, wait for it to close, record the winner; returns the result.

        `on_open` runs once the round is persisted and counting; `state_after` names the session's next state.
        """
        voting = self.config.settings.voting
        restored = []
        if vote is None:
            now = self.clock.now()
            vote = await self.votes.open_round(session.id, chapter.number, chapter.choices, now,
                                               now + voting.duration_s)
        else:
            restored = await self.votes.ballots(vote.id)
            if vote.ends_at <= self.clock.now() and voting.resume_grace_s > 0:
                # it expired while the server was down: give viewers a moment to see it again
                await self.votes.extend_round(vote.id, self.clock.now() + voting.resume_grace_s, vote.extensions)
                vote = replace(vote, ends_at=self.clock.now() + voting.resume_grace_s)
        timer = RoundTimer(self.clock, vote.ends_at)
        current = self.desk.open(vote, timer, restored)
        self.keywords(current)
        await on_open()
        if session.end_requested:
            timer.force()
        await self.announce(current)
        extensions = vote.extensions
        while (why := await timer.wait()) == "timer" and current.tally.voters < voting.min_votes \
                and extensions < voting.max_extensions:
            extensions += 1
            timer.extend_to(self.clock.now() + voting.duration_s)
            await self.votes.extend_round(vote.id, timer.ends_at, extensions)
            await self.announce(current, extended=True)
        await self.desk.close()
        vote = current.record  # choices may have been edited while the vote was open
        tally = current.tally
        outcome = (
            Outcome(timer.forced_choice, "admin") if timer.forced_choice is not None
            else pick_winner(tally.weights, voting.tie_break, voting.no_votes,
                             round_rng(session.id, chapter.number, session.seed))
        )
        if why == "decided" and outcome.reason == "votes":
            outcome = Outcome(outcome.index, "decided-early")  # the count froze on a clear lead
        counts = [ChoiceCount(i, text, tally.votes[i], tally.weights[i]) for i, text in enumerate(vote.choices)]
        await self.votes.close_round(vote, outcome.index, outcome.reason, counts, await state_after())
        result = events.VotingEnded(session.id, chapter.number, outcome.index, vote.choices[outcome.index],
                                    list(vote.choices), outcome.reason, list(tally.weights), tally.total, tally.voters)
        await self.emit(result)
        return result

    async def close(self) -> None:
        """Stop its follow-up tasks (shutdown)."""
        await self._tasks.close()

    def keywords(self, current: OpenRound) -> list[str | None]:
        """voting.keywords: a keyword per choice of the round (counted by the desk from now on); [] when off."""
        settings = self.config.settings
        found = choice_keywords(current.record.choices, [settings.ideas.command]) if settings.voting.keywords else []
        current.keywords = {word: index for index, word in enumerate(found) if word}
        return found

    async def announce(self, current: OpenRound, extended: bool = False) -> None:
        """Tell overlays a vote is open (or resumed, or extended), with the server's end time, counts and keywords."""
        vote, timer, tally = current.record, current.timer, current.tally
        await self.emit(events.VotingStarted(
            vote.session_id, vote.chapter_number, list(vote.choices), list(tally.weights), tally.total, tally.voters,
            timer.ends_at_ms, round(timer.ends_at - vote.started_at, 3), extended, timer.paused_remaining is not None,
            int(self.clock.now() * 1000), self.keywords(current)))

    async def force_end(self, choice: int | None = None) -> bool:
        """Close the open vote now (optionally dictating the winner); False if none is open."""
        if self.desk.current is None:
            return False
        self.desk.current.timer.force(choice)
        return True

    async def extend(self, seconds: float) -> bool:
        """Give the open vote more time (a moderator's !extend); False if none is open."""
        current = self.desk.current
        if current is None:
            return False
        timer = current.timer
        if timer.paused_remaining is not None:
            timer.paused_remaining += seconds
        else:
            timer.extend_to(max(timer.ends_at, self.clock.now()) + seconds)
        await self.votes.extend_round(current.record.id, timer.ends_at, current.record.extensions)
        await self.announce(current, extended=True)
        return True

    def on_stream_status(self, status: StreamStatus, then: Callable[[], Awaitable[None]]) -> None:
        """The LIVE ended: hold the countdown; the stream is back: let it run again. `then` re-sends state."""
        current = self.desk.current
        if current is None or status.status == "disconnected":
            return
        if status.status == "live_ended":
            current.timer.pause()
        else:
            current.timer.resume()
        self._tasks.spawn(self._announce_pause(current, then), "vote-pause")

    async def _announce_pause(self, current: OpenRound, then: Callable[[], Awaitable[None]]) -> None:
        """Persist the (possibly moved) end of the vote and tell everyone."""
        await self.votes.extend_round(current.record.id, current.timer.ends_at, current.record.extensions)
        await self.announce(current, extended=True)
        await then()
