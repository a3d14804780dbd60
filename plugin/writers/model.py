"""The model interface: every writer (OpenAI-compatible or offline) streams text deltas."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from dataclasses import dataclass, field
from typing import Protocol

from plugin.brief import StoryBrief


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
    ) -> AsyncGenerator[str, None]:
        """Yield text deltas (filling `usage` if given); raise a ProviderError subclass on failure."""
        ...
