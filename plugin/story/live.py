"""What is on screen right now: the chapter being written or shown, and the full story:state payload."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

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
    return {
        **current.snapshot(),
        "choices": list(record.choices),
        "endsAt": timer.ends_at_ms,
        "durationS": round(record.ends_at - record.started_at, 3),
        "remainingMs": int(timer.remaining() * 1000),
        "paused": timer.paused_remaining is not None,
    }


def build_state(
    *,
    session: SessionRecord | None,
    live: LiveChapter | None,
    voting: dict[str, Any] | None,
    last_result: dict[str, Any] | None,
    error: dict[str, Any] | None,
    recap: dict[str, Any] | None,
    llm: dict[str, Any],
    now: float,
) -> dict[str, Any]:
    """The full story:state payload: enough for a reloaded overlay to show the exact screen."""
    state = session.state if session else "idle"
    return {
        "state": state,
        "serverTime": int(now * 1000),
        "session": session.public() if session else None,
        "chapter": live.public() if live else None,
        "voting": voting,
        "lastResult": last_result,
        "error": error,
        "recap": recap,
        "generating": state in GENERATING_STATES,
        "llm": llm,
    }
