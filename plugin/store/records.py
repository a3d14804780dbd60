"""Typed rows read from the database."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from typing import Any, NamedTuple

from plugin.events import ChapterView


@dataclass(frozen=True, slots=True)
class SessionRecord:
    """One story session."""

    id: int
    theme: str
    custom_theme: str | None
    title: str
    outline: str | None
    language: str
    mode: str
    max_chapters: int
    num_choices: int
    provider: str
    model: str
    seed: int
    state: str
    end_requested: bool
    error: str | None
    created_at: float
    updated_at: float
    ended_at: float | None
    style_json: str = "{}"
    voices_json: str = "{}"
    beat: str = ""  # the show's beat (see plugin/show/timeline.py) and its times, for a restart
    beat_chapter: int = 0
    beat_started_at: float | None = None
    beat_ends_at: float | None = None

    @property
    def voices(self) -> dict[str, str]:
        """The voice each character speaks with, kept for the whole story."""
        return json.loads(self.voices_json or "{}")

    @property
    def style(self) -> dict[str, Any]:
        """The story style chosen at start (persona, tone, pov ...)."""
        return json.loads(self.style_json or "{}")

    @classmethod
    def from_row(cls, row: sqlite3.Row | dict[str, Any]) -> SessionRecord:
        """Build from a story_sessions row."""
        data = dict(row)
        data["end_requested"] = bool(data["end_requested"])
        return cls(**data)

    def public(self) -> dict[str, Any]:
        """JSON for the API."""
        return {
            "id": self.id,
            "theme": self.theme,
            "customTheme": self.custom_theme,
            "title": self.title,
            "outline": self.outline,
            "language": self.language,
            "mode": self.mode,
            "maxChapters": self.max_chapters,
            "numChoices": self.num_choices,
            "provider": self.provider,
            "model": self.model,
            "state": self.state,
            "error": self.error,
            "createdAt": self.created_at,
            "endedAt": self.ended_at,
            "style": self.style,
        }


@dataclass(frozen=True, slots=True)
class ChapterRecord:
    """One written chapter."""

    id: int
    session_id: int
    number: int
    title: str
    content: str
    choices: tuple[str, ...]
    is_final: bool
    parent_choice: str | None
    chosen_index: int | None
    model: str
    created_at: float
    image_file: str | None = None
    image_prompt: str | None = None
    image_status: str = "none"

    @property
    def image_url(self) -> str | None:
        """Where overlays load the chapter's picture, once it exists."""
        return f"/api/interactive-story/image/{self.image_file}" if self.image_file else None

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> ChapterRecord:
        """Build from a story_chapters row."""
        data = dict(row)
        data["choices"] = tuple(json.loads(data.pop("choices_json")))
        data["is_final"] = bool(data["is_final"])
        return cls(**data)

    def view(self) -> ChapterView:
        """The chapter as clients see it (events and the API)."""
        return ChapterView(self.session_id, self.number, self.title, self.content, list(self.choices), self.is_final,
                           self.parent_choice, self.chosen_index, self.image_url, self.image_status)

    def public(self) -> dict[str, Any]:
        """JSON for the API."""
        return self.view().wire()


@dataclass(frozen=True, slots=True)
class RoundRecord:
    """One vote on the choices of a chapter."""

    id: int
    session_id: int
    chapter_number: int
    choices: tuple[str, ...]
    started_at: float
    ends_at: float
    extensions: int
    status: str
    winner_index: int | None
    winner_reason: str | None
    closed_at: float | None

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> RoundRecord:
        """Build from a story_rounds row."""
        data = dict(row)
        data["choices"] = tuple(json.loads(data.pop("choices_json")))
        return cls(**data)

    @property
    def is_open(self) -> bool:
        """True while ballots are accepted."""
        return self.status == "open"


# A ballot as journaled on the hot path: (platform, user_id, nickname, choice_index, weight, msg_id, cast_at).
JournalEntry = tuple[str, str, str, int, int, "str | None", float]


class BallotRow(NamedTuple):
    """One viewer's ballot in one round, as journaled (a tuple: cheap to build on the hot path)."""

    platform: str
    user_id: str
    nickname: str
    choice_index: int
    weight: float
    msg_id: str | None
    cast_at: float


@dataclass(frozen=True, slots=True)
class ChoiceCount:
    """Votes for one choice at the close of a round."""

    choice_index: int
    choice_text: str
    votes: int
    weight: float
