"""What a writer is asked for: the story's facts and style for one piece of writing (any writer reads these)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from plugin.themes import Theme

Purpose = Literal["outline", "chapter", "final", "repair", "memory", "rewrite", "check", "scene", "premise", "ideas"]


@dataclass(frozen=True, slots=True)
class StoryStyle:
    """How the story is told: set per session, defaulting to the theme's own defaults."""

    persona: str = "a warm, vivid storyteller"
    style: str = "vivid and concrete, short paragraphs, easy to follow when read aloud"
    tone: str = "adventurous"
    pov: Literal["first", "second", "third"] = "third"
    audience: Literal["kids", "teens", "adults", "all"] = "all"
    rating: Literal["G", "PG", "PG-13"] = "PG"
    ending: Literal["happy", "tragic", "open", "twist", "any"] = "happy"


@dataclass(frozen=True, slots=True)
class ChapterRecap:
    """A chapter already told, as the writer needs to see it."""

    number: int
    title: str
    content: str
    choices: tuple[str, ...] = ()
    chosen: str | None = None


@dataclass(frozen=True, slots=True)
class StoryBrief:
    """Structured facts about the next piece of writing (the offline writer reads these)."""

    purpose: Purpose
    theme: Theme
    language: str
    seed: int
    chapter_number: int
    max_chapters: int
    num_choices: int
    outline: str | None = None
    chapters: tuple[ChapterRecap, ...] = ()
    winning_choice: str | None = None
    chapter_words: int = 180
    custom_theme: str | None = None
    draft: str | None = None  # repair/memory/check: the chapter; rewrite: the passage to rewrite
    direction: str | None = None  # chapter: the director's note; rewrite: the instruction
    story_style: StoryStyle = field(default_factory=StoryStyle)
    summary: str | None = None  # the rolling summary of older chapters
    memory: dict[str, Any] | None = None  # the memory entries that matter now
    variant: int = 0  # how many times this chapter was regenerated (so a rewrite differs)
    question: str | None = None  # ideas: what the streamer asked in the writers' chat


def choice_label(index: int) -> str:
    """'A' for 0, 'B' for 1 ..."""
    return chr(ord("A") + index)
