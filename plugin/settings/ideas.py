"""The `ideas:` and `join:` settings sections (viewers' story ideas and roles), kept apart so schema.py stays a
readable size."""

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


@dataclass(frozen=True, slots=True, kw_only=True)
class JoinSettings:
    """Viewers joining the story (!join): a minor character named after them, the writer asked to bring them in."""

    mode: Literal["off", "first", "pick"]
    command: str
    max_roles: int = field(metadata={"min": 1, "max": 20})
    max_waiting: int = field(metadata={"min": 1, "max": 500})
