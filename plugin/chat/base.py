"""Chat types shared by every source (TikTok, simulator, the admin's rehearsal box) and the source protocol."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any, Protocol


@dataclass(frozen=True, slots=True)
class ChatMessage:
    """One chat line from a viewer."""

    platform: str
    user_id: str
    nickname: str
    text: str
    msg_id: str | None
    ts: float


ChatEvent = ChatMessage


class ChatSource(Protocol):
    """Something that yields viewers' chat events until cancelled."""

    name: str

    def events(self) -> AsyncIterator[ChatEvent]:
        """Yield events as they arrive; return when the source is done."""
        ...

    def status(self) -> dict[str, Any]:
        """Connection state for the admin panel."""
        ...
