"""The story engine: outline, chapters and the final chapter, with repair and clean fallbacks."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from plugin.services.model import ChapterRecap, ModelRequest, Purpose, StoryBrief
from plugin.services.writer import Generation, LLMService
from plugin.store.records import ChapterRecord, SessionRecord
from plugin.story.parse import ParsedChapter, parse_chapter, parse_choices, parse_outline
from plugin.story.prompts import PromptBook
from plugin.story.streaming import ProseStream
from plugin.story.themes import CUSTOM_THEME_ID, Theme, ThemeBook
from plugin.voting.parse import choice_label

log = logging.getLogger(__name__)
MIN_PROSE_CHARS = 40  # shorter than this is junk, not a chapter
EARLIER_CHAPTERS = 8  # how many older chapters are recapped in a prompt


class ChapterSink(Protocol):
    """Where streamed prose goes while a chapter is written."""

    async def token(self, delta: str) -> None:
        """A piece of prose."""
        ...

    async def reset(self) -> None:
        """The writer starts over: drop the prose shown so far."""
        ...


class _NullSink:
    """A sink for calls whose text is not shown live (outline, repair)."""

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


def recap(chapter: ChapterRecord) -> ChapterRecap:
    """A stored chapter as the writer sees it."""
    chosen = None
    if chapter.chosen_index is not None and 0 <= chapter.chosen_index < len(chapter.choices):
        chosen = chapter.choices[chapter.chosen_index]
    return ChapterRecap(chapter.number, chapter.title, chapter.content, chapter.choices, chosen)


class StoryEngine:
    """Builds prompts and briefs, calls the writer, and turns answers into chapters."""

    def __init__(self, llm: LLMService, prompts: PromptBook, themes: ThemeBook, chapter_words: int = 180) -> None:
        self.llm = llm
        self.prompts = prompts
        self.themes = themes
        self.chapter_words = chapter_words

    def theme_for(self, session: SessionRecord) -> Theme:
        """The session's theme (a custom description becomes a one-off theme)."""
        if session.theme == CUSTOM_THEME_ID or session.theme not in self.themes.themes:
            return self.themes.custom(session.custom_theme or session.theme)
        return self.themes.themes[session.theme]

    def _request(
        self,
        purpose: Purpose,
        session: SessionRecord,
        chapters: Sequence[ChapterRecord] = (),
        number: int = 0,
        winning_choice: str | None = None,
        draft: str | None = None,
    ) -> ModelRequest:
        """Messages for LLMs and a brief for the offline writer, from the same facts."""
        theme = self.theme_for(session)
        recaps = tuple(recap(c) for c in chapters)
        brief = StoryBrief(
            purpose=purpose, theme=theme, language=session.language, seed=session.seed,
            chapter_number=number, max_chapters=session.max_chapters, num_choices=session.num_choices,
            outline=session.outline, chapters=recaps, winning_choice=winning_choice,
            chapter_words=self.chapter_words, custom_theme=session.custom_theme, draft=draft,
        )
        messages = self.prompts.messages(
            purpose, theme=theme, custom_theme=session.custom_theme, language=session.language,
            outline=session.outline, earlier=recaps[-EARLIER_CHAPTERS - 1 : -1], previous=recaps[-1] if recaps else None,
            winning_choice=winning_choice, chapter_number=number, max_chapters=session.max_chapters,
            chapter_words=self.chapter_words, num_choices=session.num_choices,
            labels=[choice_label(i) for i in range(session.num_choices)], draft=draft,
        )
        max_tokens = max(400, self.chapter_words * 3) if purpose != "repair" else 300
        return ModelRequest(messages=messages, brief=brief, max_tokens=max_tokens)

    async def write_outline(self, session: SessionRecord) -> tuple[str, str]:
        """The story's title and outline."""
        request = self._request("outline", session)
        result = await self._generate(request, session, "outline", _NullSink())
        title, outline = parse_outline(result.text)
        if not outline:
            log.warning("outline answer was empty; using the offline writer's outline")
            result = await self._generate(request, session, "outline", _NullSink(), offline=True)
            title, outline = parse_outline(result.text)
        return title, outline

    async def write_chapter(
        self,
        session: SessionRecord,
        chapters: Sequence[ChapterRecord],
        number: int,
        winning_choice: str | None,
        final: bool,
        sink: ChapterSink,
    ) -> ChapterDraft:
        """Write chapter `number`, streaming prose to `sink`; never fails for bad model output."""
        purpose: Purpose = "final" if final else "chapter"
        request = self._request(purpose, session, chapters, number, winning_choice)
        parsed, model, fell_back = ParsedChapter(), "", False
        for attempt in ("model", "retry", "offline"):
            result = await self._generate(request, session, purpose, sink, offline=attempt == "offline")
            parsed, model, fell_back = parse_chapter(result.text), result.model, result.fell_back or attempt == "offline"
            if len(parsed.content) >= MIN_PROSE_CHARS:
                break
            log.warning("chapter %s answer had no usable prose (%s); trying again", number, attempt)
            await sink.reset()
        choices: list[str] = []
        if not final:
            choices = await self._settle_choices(session, chapters, number, parsed, request.brief.theme)
        return ChapterDraft(
            title=parsed.title or f"Chapter {number}", content=parsed.content, choices=choices,
            is_final=final, model=model, fell_back=fell_back,
        )

    async def _settle_choices(
        self,
        session: SessionRecord,
        chapters: Sequence[ChapterRecord],
        number: int,
        parsed: ParsedChapter,
        theme: Theme,
    ) -> list[str]:
        """Exactly N distinct choices: the model's, then one repair request, then generic fallbacks."""
        wanted = session.num_choices
        choices = list(parsed.choices[:wanted])
        if len(choices) < wanted:
            log.info("chapter %s came with %d of %d choices; asking for a repair", number, len(choices), wanted)
            request = self._request("repair", session, chapters, number, draft=parsed.content)
            try:
                result = await self._generate(request, session, "repair", _NullSink())
                choices = _merge(choices, parse_choices(result.text), wanted)
            except Exception:
                log.exception("choice repair failed; using fallback choices")
        if len(choices) < wanted:
            choices = _merge(choices, self.prompts.fallback_choices(theme=theme), wanted)
        return choices

    async def _generate(
        self, request: ModelRequest, session: SessionRecord, purpose: str, sink: ChapterSink, offline: bool = False
    ) -> Generation:
        """Run the writer with prose extraction feeding the sink."""
        prose = ProseStream()

        async def on_delta(delta: str) -> None:
            text = prose.feed(delta)
            if text:
                await sink.token(text)

        async def on_reset() -> None:
            prose.reset()
            await sink.reset()

        result = await self.llm.generate(
            request, on_delta=on_delta, on_reset=on_reset, purpose=purpose, session_id=session.id,
            model=session.model if session.provider == "openai" and session.model else None, offline=offline,
        )
        tail = prose.finish()
        if tail:
            await sink.token(tail)
        return result


def _merge(first: list[str], more: list[str], wanted: int) -> list[str]:
    """Append choices from `more` that are not already present, up to `wanted`."""
    seen = {c.casefold() for c in first}
    merged = list(first)
    for choice in more:
        if len(merged) >= wanted:
            break
        if choice.casefold() not in seen:
            seen.add(choice.casefold())
            merged.append(choice)
    return merged
