"""Written pieces on their way to the screen: a chapter draft, and a story prepared before going live."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from plugin.story.memory import MemoryUpdate


class ChapterSink(Protocol):
    """Where streamed prose goes while a chapter is written."""

    async def token(self, delta: str) -> None:
        """A piece of prose."""
        ...

    async def reset(self) -> None:
        """The writer starts over: drop the prose shown so far."""
        ...


class NullSink:
    """A sink for calls whose text is not shown live (outline, repair, memory...)."""

    async def token(self, delta: str) -> None:
        """Ignore."""

    async def reset(self) -> None:
        """Ignore."""


@dataclass(frozen=True, slots=True)
class ChapterDraft:
    """A chapter ready to be stored and shown."""

    title: str
    content: str
    choices: list[str]
    is_final: bool
    model: str
    fell_back: bool = False
    problem: str | None = None  # why the offline writer stood in, or a check's complaint (logged, never blocking)
    memory: MemoryUpdate | None = None  # what the chapter changed in the memory, when the answer carried it
    quality: str = "clean"  # clean | repaired (a retry or a choice repair) | fallback (the offline writer)
    findings: tuple[str, ...] = ()  # what the gate saw


@dataclass(frozen=True, slots=True)
class PreparedStory:
    """A story prepared in the writer's room: its seed (so names match the premise) and its opening."""

    seed: int
    title: str
    language: str
    max_chapters: int
    num_choices: int
    opening: ChapterDraft | None = None
