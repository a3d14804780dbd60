"""The `ideas:` settings section (viewers' story ideas), kept apart so schema.py stays a readable size."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal


@dataclass(frozen=True, slots=True, kw_only=True)
class IdeaSettings:
    """Viewers' story ideas (!idea): collected, filtered, reviewed by the streamer, then used."""

    mode: Literal["off", "note", "ballot"]
    command: str
    min_chars: int = field(metadata={"min": 1, "max": 200})
    max_chars: int = field(metadata={"min": 10, "max": 300})
    per_viewer_s: float = field(metadata={"min": 0, "max": 86400})
    max_pending: int = field(metadata={"min": 1, "max": 1_000})
    ballot_slots: int = field(metadata={"min": 1, "max": 6})
