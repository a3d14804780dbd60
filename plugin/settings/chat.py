"""The chat sections of the settings (`chat:`, `tiktok:`, `twitch:`, `simulator:`), kept apart so schema.py stays a
readable size."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

ChatSourceName = Literal["simulator", "tiktok", "twitch"]


@dataclass(frozen=True, slots=True, kw_only=True)
class ChatSettings:
    """Where viewers' chat comes from: one source (`source`, the admin panel's picker) or several (`sources`)."""

    source: Literal["simulator", "tiktok", "twitch", "none"]
    sources: tuple[ChatSourceName, ...]

    def active(self) -> tuple[str, ...]:
        """The sources that run: `sources`, or the one `source` names while `sources` is empty."""
        if self.sources:
            return self.sources
        return () if self.source == "none" else (self.source,)


@dataclass(frozen=True, slots=True, kw_only=True)
class TikTokSettings:
    """The TikTok LIVE connection."""

    unique_id: str
    sign_api_key: str
    session_id: str
    reconnect_min_s: float = field(metadata={"min": 0.1, "max": 600})
    reconnect_max_s: float = field(metadata={"min": 1, "max": 3600})
    offline_poll_s: float = field(metadata={"min": 5, "max": 3600})
    stall_timeout_s: float = field(metadata={"min": 5, "max": 3600})
    moderators: tuple[str, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class TwitchSettings:
    """The Twitch chat connection (anonymous, read-only IRC over WebSocket)."""

    channel: str
    url: str
    reconnect_min_s: float = field(metadata={"min": 0.1, "max": 600})
    reconnect_max_s: float = field(metadata={"min": 1, "max": 3600})
    stall_timeout_s: float = field(metadata={"min": 5, "max": 3600})


@dataclass(frozen=True, slots=True, kw_only=True)
class SimulatorSettings:
    """The rehearsal audience."""

    viewers: int = field(metadata={"min": 1, "max": 100_000})
    votes_per_s: float = field(metadata={"min": 0, "max": 100_000})
    bias: int = field(metadata={"min": -1, "max": 5})
    chatter: float = field(metadata={"min": 0, "max": 1})
