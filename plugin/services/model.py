"""The model interface: every writer (OpenAI-compatible or offline) streams text deltas."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from plugin.story.themes import Theme

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


@dataclass(frozen=True, slots=True)
class ModelRequest:
    """One call to a writer: chat messages for LLMs plus the brief for the offline writer."""

    messages: tuple[dict[str, str], ...]
    brief: StoryBrief
    max_tokens: int | None = None
    temperature: float = 0.9
    extra: dict[str, object] = field(default_factory=dict)


@dataclass(slots=True)
class Usage:
    """Token counts of one call (from the provider when it reports them, else estimated)."""

    tokens_in: int = 0
    tokens_out: int = 0
    reasoning_chars: int = 0


def estimate_tokens(text: str) -> int:
    """Rough token count (about 4 characters a token) when the provider reports none."""
    return max(1, len(text) // 4) if text else 0


class TextModel(Protocol):
    """Anything that can write: yields text deltas for a request."""

    @property
    def label(self) -> str:
        """Human name shown in status, e.g. 'offline writer' or the model id."""
        ...

    def stream(
        self, request: ModelRequest, model: str | None = None, usage: Usage | None = None
    ) -> AsyncIterator[str]:
        """Yield text deltas (filling `usage` if given); raise a ProviderError subclass on failure."""
        ...
