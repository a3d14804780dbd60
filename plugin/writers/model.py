"""The model interface: every writer (OpenAI-compatible or offline) streams text deltas, and says what it can do."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from plugin.brief import StoryBrief

# How an answer's structure is asked for, best first. A provider that refuses one is asked the next way:
# json_schema     response_format {"type": "json_schema", ...} (OpenAI, Ollama, LM Studio, vLLM)
# json_object_schema  {"type": "json_object", "schema": ...} (llama.cpp's Python server: constrained decoding)
# json_object     {"type": "json_object"}: any JSON; the fields are asked for in the prompt
# text            tagged plain text (TITLE: / STORY: / CHOICES:), for providers that can do nothing else
OutputMode = Literal["json_schema", "json_object_schema", "json_object", "text"]
LADDER: tuple[OutputMode, ...] = ("json_schema", "json_object_schema", "json_object", "text")


@dataclass(frozen=True, slots=True)
class Capabilities:
    """What a writer can do (declared per provider, like simonw/llm's model attributes; learnt from refusals)."""

    streams: bool = True
    output: OutputMode = "json_schema"  # the best way to ask for structure it is believed to support
    needs_key: bool = False


@dataclass(frozen=True, slots=True)
class AnswerShape:
    """The JSON an answer must have: a name and a JSON schema (enforced where the provider can)."""

    name: str
    schema: dict[str, Any]


@dataclass(frozen=True, slots=True)
class ModelRequest:
    """One call to a writer: chat messages for LLMs plus the brief for the offline writer.

    With `shape`, the messages ask for JSON; `as_text` is the same request in tagged plain text, used when
    the provider can do no structured output (and by the offline writer)."""

    messages: tuple[dict[str, str], ...]
    brief: StoryBrief
    max_tokens: int | None = None
    temperature: float = 0.9
    extra: dict[str, object] = field(default_factory=dict)
    shape: AnswerShape | None = None
    as_text: ModelRequest | None = None

    def for_mode(self, mode: OutputMode) -> ModelRequest:
        """The request to send when asking for structure `mode` (plain text falls back to `as_text`)."""
        if self.shape is None or mode != "text":
            return self
        return self.as_text or self


@dataclass(slots=True)
class Usage:
    """Token counts of one call (from the provider when it reports them, else estimated), and how it ended."""

    tokens_in: int = 0
    tokens_out: int = 0
    reasoning_chars: int = 0
    first_token_s: float | None = None  # seconds from the request to the first piece of text
    finish_reason: str | None = None  # "stop", or "length" when the token limit cut the answer


def estimate_tokens(text: str) -> int:
    """Rough token count (about 4 characters a token) when the provider reports none."""
    return max(1, len(text) // 4) if text else 0


class TextModel(Protocol):
    """Anything that can write: yields text deltas for a request."""

    @property
    def label(self) -> str:
        """Human name shown in status, e.g. 'offline writer' or the model id."""
        ...

    @property
    def capabilities(self) -> Capabilities:
        """What it can do."""
        ...

    def stream(
        self, request: ModelRequest, model: str | None = None, usage: Usage | None = None,
        mode: OutputMode = "text",
    ) -> AsyncGenerator[str, None]:
        """Yield text deltas (filling `usage` if given); raise a ProviderError subclass on failure."""
        ...
