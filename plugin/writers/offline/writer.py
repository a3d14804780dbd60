"""The offline writer: a built-in "model" that tells a themed story without any API key.

It is used for rehearsals and no-key demos. It reads only the structured `StoryBrief` (never
the chat messages), builds the whole answer up front from the theme vocabulary in
settings/themes.yaml (`themes[].offline` plus the top-level `shared:` templates), then streams
it word by word at a reading pace, like a real model would.

Everything is deterministic for a given brief: the cast (hero, ally, rival, home, goal, key
item) comes from (seed, theme id), so every chapter of one session agrees on names and places;
per-chapter variation comes from a `random.Random` seeded with seed, chapter and purpose.
No network and no global state.

Outlines, chapters, finals and choice repairs are composed in compose.py (choices in
choices.py), from the vocabulary and cast of cast.py. It also answers the housekeeping
purposes: "memory" (what a chapter established, as tagged SUMMARY/CHARACTER/LOCATION/ITEM/EVENT
lines, memory.py), "rewrite" (a selected passage redone by an instruction, rewrite.py) and
"check" (a cheap coherence check against the story memory, check.py). Before a stream it
pitches a "premise" (premise.py: title, premise, setting, characters and plot elements for the
very cast the session will get), and in the streamer's writers' chat it answers as a co-writer
with "ideas" (ideas.py, phrasing in talk.py). Chapters honour the brief's director's note
(direct.py) and story style: the point of view (voice.py) and, in the final chapter, the
ending. The English helpers they all share (capitals, articles, tenses, sentences, names) are
in grammar.py.

Language: the offline writer writes English prose only. The story language setting applies
to LLM providers.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncGenerator, Awaitable, Callable, Mapping
from typing import Any

from plugin.brief import StoryBrief
from plugin.errors import SettingsError
from plugin.paths import SETTINGS_DIR
from plugin.themes import Theme, ThemeBook, load_themes
from plugin.writers.model import Capabilities, ModelRequest, OutputMode, Usage, estimate_tokens
from plugin.writers.offline.cast import Cast, Material, make_cast
from plugin.writers.offline.check import check
from plugin.writers.offline.compose import compose
from plugin.writers.offline.ideas import ideas
from plugin.writers.offline.memory import remember
from plugin.writers.offline.premise import premise
from plugin.writers.offline.rewrite import rewrite

_WORD = re.compile(r"\s*\S+\s*")
DEFAULT_THEMES = SETTINGS_DIR / "themes.yaml"

OFFLINE_CAPABILITIES = Capabilities(streams=True, output="text", needs_key=False)


def split_words(text: str) -> list[str]:
    """Deltas of one word each, with its following whitespace (newlines kept); joins to text."""
    return _WORD.findall(text)


class OfflineWriter:
    """A TextModel that writes from theme vocabulary instead of calling an LLM."""

    def __init__(
        self,
        book: ThemeBook,
        words_per_s: float | Callable[[], float] = 12.0,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._book = book
        self._shared = book.shared if book.shared.get("sentences") else _default_shared()
        self._words_per_s = words_per_s
        self._sleep = sleep

    @property
    def label(self) -> str:
        """Human name shown in status."""
        return "offline writer"

    def material(self, theme: Theme) -> Material:
        """The vocabulary the writer uses for a theme (theme's own over shared)."""
        return Material(theme, self._shared)

    def cast(self, theme: Theme, seed: int) -> Cast:
        """The cast a session with this theme and seed will get."""
        return make_cast(self.material(theme), seed)

    def write(self, brief: StoryBrief) -> str:
        """The complete answer for a brief, without pacing."""
        material = self.material(brief.theme)
        if brief.purpose == "memory":
            return remember(brief, material)
        if brief.purpose == "rewrite":
            return rewrite(brief, material)
        if brief.purpose == "check":
            return check(brief)
        if brief.purpose == "premise":
            return premise(brief, material)
        if brief.purpose == "ideas":
            return ideas(brief, material)
        return compose(brief, material)

    @property
    def capabilities(self) -> Capabilities:
        """Tagged plain text, always (it reads the brief, not the prompt)."""
        return OFFLINE_CAPABILITIES

    async def stream(
        self, request: ModelRequest, model: str | None = None, usage: Usage | None = None,
        mode: OutputMode = "text",
    ) -> AsyncGenerator[str, None]:
        """Yield the answer word by word, pausing 1/words_per_s between words when paced."""
        # Composing takes a few milliseconds, so it runs inline rather than in a thread.
        text = self.write(request.brief)
        deltas = split_words(text)
        if usage is not None:
            usage.tokens_in = sum(estimate_tokens(m.get("content", "")) for m in request.messages)
            usage.tokens_out = estimate_tokens(text)
        pace = self._words_per_s() if callable(self._words_per_s) else self._words_per_s
        # Only chapters are watched as they are written; outlines, repairs, memory notes,
        # rewrites, checks, premises and chat ideas come at once.
        shown = request.brief.purpose in ("chapter", "final")
        delay = 1.0 / pace if pace > 0 and shown else 0.0
        for index, delta in enumerate(deltas):
            if delay and index:
                await self._sleep(delay)
            yield delta


def _default_shared() -> Mapping[str, Any]:
    """The shipped shared templates, for a theme book that brings none (e.g. a test's book)."""
    try:
        return load_themes(DEFAULT_THEMES).shared
    except SettingsError:
        return {}  # still writes: titles, the vote's outcome and choices fall back to basics


__all__ = ["OfflineWriter", "split_words"]
