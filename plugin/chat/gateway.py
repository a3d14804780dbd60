"""Every chat event, from any source, enters here: dedupe by message id, then votes go to the desk."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable
from typing import Literal, Protocol

from plugin.chat.activity import ViewerActivity
from plugin.chat.commands import ModeratorCommands
from plugin.chat.ideas import IdeaBox
from plugin.chat.join import JoinDesk
from plugin.messages import (
    ChatEvent,
    ChatMessage,
    ChatSource,
    Gift,
    Like,
    StreamStatus,
    ViewerAction,
)

log = logging.getLogger(__name__)
Verdict = Literal["vote", "duplicate", "ignored"]
DEDUPE_WINDOW = 20_000  # message ids remembered (TikTok re-sends recent comments on reconnect)
SOURCE_RESTART_S = 5.0


class VoteCounter(Protocol):
    """Where votes, gifts and likes go (the vote desk; the show wires it in)."""

    def accept(self, message: ChatMessage) -> bool:
        """Count a message if it is a vote for the open round; True if it was one."""
        ...

    def gift(self, gift: Gift) -> None:
        """A gift may weigh the giver's ballot."""
        ...

    def like(self, like: Like) -> None:
        """Likes may weigh the liker's ballot."""
        ...


class ChatGateway:
    """The one pipeline for real chat, the simulator and POST chat."""

    def __init__(
        self,
        desk: VoteCounter,
        window: int = DEDUPE_WINDOW,
        activity: ViewerActivity | None = None,
        commands: ModeratorCommands | None = None,
        on_stream: Callable[[StreamStatus], None] | None = None,
        ideas: IdeaBox | None = None,  # !idea lines (viewers' story ideas)
        join: JoinDesk | None = None,  # !join lines (viewers asking for a role)
    ) -> None:
        self.desk = desk
        self.ideas, self.join = ideas, join
        self.activity = activity
        self.commands = commands
        self.on_stream = on_stream
        # Two generations of ids: every id is remembered for at least `window` further messages,
        # memory stays under 2 * window, and forgetting costs nothing per message.
        self._recent: set[str] = set()
        self._older: set[str] = set()
        self._window = window
        self.votes = 0
        self.duplicates = 0
        self.ignored = 0
        self._platforms: dict[str, list[int]] = {}  # platform -> [chat messages, votes]

    def accept(self, event: ChatEvent) -> Verdict:
        """Route one event; a message id seen before is dropped."""
        counts = self.accept_batch((event,))
        return "vote" if counts["vote"] else "duplicate" if counts["duplicate"] else "ignored"

    def accept_batch(self, batch: Iterable[ChatEvent]) -> dict[Verdict, int]:
        """Route many events (a POST chat batch, a TikTok frame): the hot path, with lookups hoisted."""
        recent, older, window = self._recent, self._older, self._window
        desk_accept = self.desk.accept
        votes = duplicates = ignored = 0
        platform, run_messages, run_votes = "", 0, 0  # chat comes in runs from one platform: counted per run
        for event in batch:
            msg_id = event.msg_id
            if msg_id is not None:
                if msg_id in recent or msg_id in older:
                    duplicates += 1
                    continue
                recent.add(msg_id)
                if len(recent) >= window:
                    older, recent = recent, set()
                    self._older, self._recent = older, recent
            if type(event) is not ChatMessage and not isinstance(event, ChatMessage):  # exact type first: fast
                self._route_other(event)
                ignored += 1
                continue
            if event.platform is not platform:
                self._count_platform(platform, run_messages, run_votes)
                platform, run_messages, run_votes = event.platform, 0, 0
            run_messages += 1
            if desk_accept(event):
                votes += 1
                run_votes += 1
            else:
                ignored += 1
                if event.text.startswith(("!", "！")):
                    if self.ideas is not None and self.ideas.offer(event):
                        continue
                    if self.join is not None and self.join.offer(event):
                        continue
                    if self.commands is not None:
                        self.commands.handle(event)
        self._count_platform(platform, run_messages, run_votes)
        self.votes += votes
        self.duplicates += duplicates
        self.ignored += ignored
        return {"vote": votes, "duplicate": duplicates, "ignored": ignored}

    def _count_platform(self, platform: str, messages: int, votes: int) -> None:
        """Add one run of chat messages (and the votes among them) to its platform's counters."""
        if messages:
            counts = self._platforms.setdefault(platform, [0, 0])
            counts[0] += messages
            counts[1] += votes

    def _route_other(self, event: ChatEvent) -> None:
        """Gifts and likes weigh ballots and count in viewer stats; stream status goes to the story."""
        if isinstance(event, Gift):
            self.desk.gift(event)
        elif isinstance(event, Like):
            self.desk.like(event)
        elif isinstance(event, StreamStatus):
            if self.on_stream is not None:
                self.on_stream(event)
            return
        if self.activity is not None and isinstance(event, (Gift, Like, ViewerAction)):
            self.activity.record(event)

    def stats(self) -> dict[str, int]:
        """Counters for status and metrics."""
        return {"votes": self.votes, "duplicates": self.duplicates, "ignored": self.ignored}

    def platforms(self) -> dict[str, dict[str, int]]:
        """Chat messages and votes counted per platform ("tiktok", "twitch", ...): one vote, every audience."""
        return {name: {"messages": messages, "votes": votes} for name, (messages, votes) in self._platforms.items()}

    async def pump(self, source: ChatSource, sleep: Callable[[float], Awaitable[object]] = asyncio.sleep) -> None:
        """Feed a source's events in until cancelled; a failing source is restarted after a pause."""
        while True:
            try:
                async for event in source.events():
                    try:
                        self.accept(event)
                    except Exception:  # one bad message never kills the loop
                        log.exception("chat event could not be handled: %r", event)
                return
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("chat source %s failed; restarting in %.0f s", source.name, SOURCE_RESTART_S)
                await sleep(SOURCE_RESTART_S)
