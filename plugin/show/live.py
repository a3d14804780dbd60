"""What is on screen right now: the chapter being written or shown, and the full story:state payload."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from plugin import events
from plugin.store.records import ChapterRecord, SessionRecord
from plugin.store.repo import StoryRepo
from plugin.store.votes import VoteRepo
from plugin.voting.desk import OpenRound

GENERATING_STATES = frozenset({"outlining", "writing", "final"})


@dataclass(slots=True)
class LiveChapter:
    """A chapter as overlays see it: streaming text so far, or the finished chapter."""

    session_id: int
    number: int
    title: str = ""
    content: str = ""
    choices: list[str] = field(default_factory=list)
    is_final: bool = False
    streaming: bool = True
    parent_choice: str | None = None
    image_url: str | None = None
    image_status: str = "none"  # none | pending | ready | failed

    @classmethod
    def from_record(cls, chapter: ChapterRecord) -> LiveChapter:
        """A finished chapter."""
        return cls(
            session_id=chapter.session_id, number=chapter.number, title=chapter.title, content=chapter.content,
            choices=list(chapter.choices), is_final=chapter.is_final, streaming=False,
            parent_choice=chapter.parent_choice, image_url=chapter.image_url, image_status=chapter.image_status,
        )

    def public(self) -> dict[str, Any]:
        """JSON for story:state."""
        return {
            "sessionId": self.session_id,
            "chapterNumber": self.number,
            "title": self.title,
            "content": self.content,
            "choices": self.choices,
            "isFinal": self.is_final,
            "streaming": self.streaming,
            "parentChoice": self.parent_choice,
            "imageUrl": self.image_url,
            "imageStatus": self.image_status,
        }


async def build_recap(stories: StoryRepo, votes: VoteRepo, session: SessionRecord) -> dict[str, Any]:
    """The ended screen: chapters, votes cast, top voters."""
    results = await votes.results(session.id)
    return {
        "sessionId": session.id,
        "title": session.title,
        "chapters": len(await stories.chapters(session.id)),
        "totalVotes": sum(c["votes"] for chapter in results.values() for c in chapter),
        "topVoters": await votes.top_voters(session.id, limit=5),
    }


def voting_view(current: OpenRound | None, now: float) -> dict[str, Any] | None:
    """The open vote as overlays need it to redraw bars and the countdown."""
    if current is None:
        return None
    record, timer = current.record, current.timer
    named = {index: word for word, index in current.keywords.items()}
    return {
        **current.update().wire(),
        "choices": list(record.choices),
        "endsAt": timer.ends_at_ms,
        "durationS": round(record.ends_at - record.started_at, 3),
        "remainingMs": int(timer.remaining() * 1000),
        "paused": timer.paused_remaining is not None,
        "keywords": [named.get(i) for i in range(len(record.choices))] if named else [],  # as in voting-started
    }


@dataclass(slots=True)
class OnScreen:
    """What the show is doing right now (shared by the coordinator and the loop): enough for story:state."""

    session: SessionRecord | None = None
    live: LiveChapter | None = None
    last_result: events.VotingEnded | None = None
    error: events.Error | None = None
    recap: dict[str, Any] | None = None

    @property
    def state(self) -> str:
        """The story's state ('idle' when no story has run)."""
        return self.session.state if self.session else "idle"

    def clear(self) -> None:
        """A new story starts with an empty screen."""
        self.live, self.last_result, self.error, self.recap = None, None, None, None

    def picture(self, session_id: int, number: int, url: str | None) -> None:
        """A chapter's picture arrived (or failed, url None): a reloaded overlay must show the same."""
        live = self.live
        if live is not None and live.session_id == session_id and live.number == number:
            live.image_url, live.image_status = (url, "ready") if url else (live.image_url, "failed")

    def to_state(self, voting: dict[str, Any] | None, llm: dict[str, Any], now: float, beat: events.Beat,
                 extras: dict[str, Any]) -> events.State:
        """The full story:state payload."""
        state = self.state
        writing = state == "outlining" or (state in GENERATING_STATES and beat.beat in ("writing", "idle"))
        return events.State(
            state=state, server_time=int(now * 1000), session=self.session.public() if self.session else None,
            chapter=self.live.public() if self.live else None, voting=voting,
            last_result=self.last_result.wire() if self.last_result else None,
            error=self.error.wire() if self.error else None, recap=self.recap,
            generating=writing, llm=llm, beat=beat.wire() if self.session else None, extras=extras)
