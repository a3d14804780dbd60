"""Written pieces on their way to the screen: a chapter draft, and a story prepared before going live."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ChapterDraft:
    """A chapter ready to be stored and shown."""

    title: str
    content: str
    choices: list[str]
    is_final: bool
    model: str
    fell_back: bool = False
    problem: str | None = None  # a check's complaint that survived the retries (logged, never blocking)


@dataclass(frozen=True, slots=True)
class PreparedStory:
    """A story prepared in the writer's room: its seed (so names match the premise) and its opening."""

    seed: int
    title: str
    language: str
    max_chapters: int
    num_choices: int
    opening: ChapterDraft | None = None
