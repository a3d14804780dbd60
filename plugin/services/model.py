"""The model interface: every writer (OpenAI-compatible or offline) streams text deltas."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Literal, Protocol

from plugin.story.themes import Theme

Purpose = Literal["outline", "chapter", "final", "repair"]


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
    draft: str | None = None  # for repair: the chapter whose choices need fixing


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
