"""Chat types shared by every source (TikTok, simulator, the admin's rehearsal box) and the source protocol."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any, Literal, Protocol


@dataclass(frozen=True, slots=True)
class ChatMessage:
    """One chat line from a viewer."""

    platform: str
    user_id: str
    nickname: str
    text: str
    msg_id: str | None
    ts: float
    handle: str = ""  # the @name (TikTok display_id); moderators are matched on it


@dataclass(frozen=True, slots=True)
class Gift:
    """A gift, reported once: for a streakable gift, when its streak ends (count = streak length)."""

    platform: str
    user_id: str
    nickname: str
    gift_name: str
    diamonds: int  # diamond value of one gift
    count: int  # how many were sent (repeat_count)
    msg_id: str | None
    ts: float

    @property
    def total_diamonds(self) -> int:
        """Diamonds for the whole gift or streak."""
        return self.diamonds * self.count


@dataclass(frozen=True, slots=True)
class Like:
    """Likes tapped by a viewer (TikTok batches them)."""

    platform: str
    user_id: str
    nickname: str
    count: int
    msg_id: str | None
    ts: float


@dataclass(frozen=True, slots=True)
class ViewerAction:
    """A viewer joined, followed or shared: counted in viewer stats."""

    platform: str
    user_id: str
    nickname: str
    action: Literal["join", "follow", "share"]
    msg_id: str | None
    ts: float


@dataclass(frozen=True, slots=True)
class StreamStatus:
    """The live stream itself changed: connected, disconnected, or the streamer ended the LIVE."""

    platform: str
    status: Literal["connected", "disconnected", "live_ended"]
    detail: str
    ts: float
    msg_id: str | None = None


ChatEvent = ChatMessage | Gift | Like | ViewerAction | StreamStatus


class ChatSource(Protocol):
    """Something that yields viewers' chat events until cancelled."""

    name: str

    def events(self) -> AsyncIterator[ChatEvent]:
        """Yield events as they arrive; return when the source is done."""
        ...

    def status(self) -> dict[str, Any]:
        """Connection state for the admin panel."""
        ...
