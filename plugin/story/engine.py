"""The story engine: outline, chapters and the final chapter, with checks, repair and clean fallbacks."""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import replace
from typing import Protocol

from plugin.brief import Purpose
from plugin.errors import ProviderError, ProviderRequestError, StoryError
from plugin.store.records import ChapterRecord, SessionRecord
from plugin.story.coherence import read_check, rules_problem
from plugin.story.drafts import ChapterDraft
from plugin.story.memory import StoryMemory, parse_memory
from plugin.story.parse import (
    ParsedChapter,
    clean_inline,
    parse_chapter,
    parse_choices,
    parse_outline,
    strip_reasoning,
)
from plugin.story.prompts import PromptBook
from plugin.story.requests import Facts, RequestBuilder
from plugin.story.streaming import ProseStream
from plugin.themes import Theme, ThemeBook
from plugin.writers.model import ModelRequest
from plugin.writers.router import OFFLINE_LABEL, Generation, LLMService

log = logging.getLogger(__name__)
MIN_PROSE_CHARS = 40  # shorter than this is junk, not a chapter


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


class StoryEngine:
    """Calls the writer for every purpose and turns answers into chapters, memory and rewrites."""

    def __init__(self, llm: LLMService, prompts: PromptBook, themes: ThemeBook) -> None:
        self.llm = llm
        self.prompts = prompts
        self.themes = themes
        self.requests = RequestBuilder(prompts, themes)
        self.coherence = "rules"
        self._no_json_mode: set[str] = set()  # models that refused response_format

    def configure(self, chapter_words: int, context_tokens: int, coherence: str) -> None:
        """Apply story settings (called again whenever they change)."""
        self.requests.chapter_words, self.requests.budget, self.coherence = chapter_words, context_tokens, coherence

    def theme_for(self, session: SessionRecord) -> Theme:
        """The session's theme."""
        return self.requests.theme_for(session)

    async def write_outline(self, session: SessionRecord) -> tuple[str, str]:
        """The story's title and outline."""
        request = self.requests.build("outline", Facts(session))
        title, outline = parse_outline((await self._generate(request, session, "outline")).text)
        if not outline:
            log.warning("outline answer was empty; using the offline writer's outline")
            title, outline = parse_outline((await self._generate(request, session, "outline", offline=True)).text)
        return title, outline

    async def write_chapter(
        self,
        session: SessionRecord,
        chapters: Sequence[ChapterRecord],
        number: int,
        winning_choice: str | None,
        final: bool,
        sink: ChapterSink,
        memory: StoryMemory | None = None,
        direction: str | None = None,
        variant: int = 0,
    ) -> ChapterDraft:
        """Write chapter `number`, streaming prose to `sink`; checks get one retry; never fails on bad output."""
        purpose: Purpose = "final" if final else "chapter"
        facts = Facts(session, chapters, number, winning_choice, memory, direction, variant=variant)
        best: tuple[ParsedChapter, Generation] | None = None
        problem: str | None = None
        for attempt in ("first", "retry"):
            facts.problem = problem
            result = await self._generate(self.requests.build(purpose, facts), session, purpose, sink)
            parsed = parse_chapter(result.text)
            if len(parsed.content) < MIN_PROSE_CHARS:
                problem = "the answer had no usable story text"
            else:
                best = (parsed, result)
                problem = await self._check(session, parsed, memory) if attempt == "first" else None
                if problem is None:
                    break
            log.warning("chapter %s (%s attempt): %s", number, attempt, problem)
            await sink.reset()
        if best is None:
            result = await self._generate(self.requests.build(purpose, facts), session, purpose, sink, offline=True)
            best = (parse_chapter(result.text), replace(result, fell_back=True))
        parsed, result = best
        choices = [] if final else await self._settle_choices(facts, parsed)
        return ChapterDraft(
            title=parsed.title or f"Chapter {number}", content=parsed.content, choices=choices, is_final=final,
            model=result.model, fell_back=result.fell_back, problem=problem,
        )

    async def _check(self, session: SessionRecord, parsed: ParsedChapter, memory: StoryMemory | None) -> str | None:
        """Rules first; with coherence 'llm', a short model check against memory."""
        if self.coherence == "off":
            return None
        problem = rules_problem(parsed, self.requests.chapter_words, session.language)
        if problem is None and self.coherence == "llm" and memory is not None and memory.characters:
            request = self.requests.build("check", Facts(session, memory=memory, draft=parsed.content))
            try:
                problem = read_check((await self._generate(request, session, "check", fallback=False)).text)
            except StoryError as exc:
                log.info("coherence check skipped: %s", exc.message)
        return problem

    async def _settle_choices(self, facts: Facts, parsed: ParsedChapter) -> list[str]:
        """Exactly N distinct choices: the model's, then one repair request, then generic fallbacks."""
        wanted = facts.session.num_choices
        choices = list(parsed.choices[:wanted])
        if len(choices) < wanted:
            log.info("chapter %s came with %d of %d choices; asking for a repair", facts.number, len(choices), wanted)
            request = self.requests.build("repair", Facts(facts.session, facts.chapters, facts.number,
                                                          draft=parsed.content))
            try:
                choices = _merge(choices, parse_choices((await self._generate(request, facts.session, "repair")).text),
                                 wanted)
            except StoryError:
                log.exception("choice repair failed; using fallback choices")
        if len(choices) < wanted:
            theme = self.requests.theme_for(facts.session)
            choices = _merge(choices, self.prompts.fallback_choices(theme=theme), wanted)
        return choices

    async def update_memory(self, session: SessionRecord, memory: StoryMemory, chapter: ChapterRecord) -> StoryMemory:
        """Ask the writer what changed in this chapter and merge it into the memory (JSON mode when it works)."""
        offline = chapter.model == OFFLINE_LABEL
        facts = Facts(session, number=chapter.number, winning_choice=chapter.parent_choice, memory=memory,
                      draft=chapter.content)
        request = self.requests.build("memory", facts)
        model = session.model if session.provider == "openai" else ""
        if not offline and self._wants_json(model):
            json_request = self.requests.build("memory", facts, template="memory_json")
            json_request = ModelRequest(json_request.messages, json_request.brief, json_request.max_tokens, 0.2,
                                        {"response_format": {"type": "json_object"}})
            try:
                answer = await self._generate(json_request, session, "memory", fallback=False)
                return _merged(memory, answer.text, chapter.number)
            except ProviderRequestError:
                log.info("model %s refused JSON mode; memory uses tagged text from now on", model)
                self._no_json_mode.add(model)
        answer = await self._generate(request, session, "memory", offline=offline, fallback=False)
        return _merged(memory, answer.text, chapter.number)

    def _wants_json(self, model: str) -> bool:
        """JSON mode per setting: on, off, or auto (until the model refuses it once)."""
        setting = self.llm.config.settings.llm.json_mode
        return setting == "on" or (setting == "auto" and model not in self._no_json_mode)

    async def rewrite_passage(self, session: SessionRecord, chapter: ChapterRecord, passage: str,
                              instruction: str) -> str:
        """The passage rewritten as the streamer asked (only the passage)."""
        request = self.requests.build("rewrite", Facts(session, number=chapter.number, draft=passage,
                                                       direction=instruction))
        result = await self._generate(request, session, "rewrite", offline=chapter.model == OFFLINE_LABEL)
        text = clean_inline(strip_reasoning(result.text).strip())
        if not text:
            raise ProviderError("the writer returned an empty rewrite; try another instruction")
        return text

    async def describe_scene(self, session: SessionRecord, chapter: ChapterRecord) -> str:
        """One sentence describing the chapter's most striking moment, for the picture."""
        opening = " ".join(re.split(r"(?<=[.!?])\s+", chapter.content)[:2])
        if chapter.model == OFFLINE_LABEL:
            return opening  # the offline writer's own opening is already a scene
        request = self.requests.build("scene", Facts(session, number=chapter.number, draft=chapter.content))
        try:
            answer = clean_inline(strip_reasoning((await self._generate(request, session, "scene",
                                                                         fallback=False)).text).strip())
        except StoryError as exc:
            log.info("scene description failed (%s); using the chapter's opening", exc.message)
            return opening
        return answer.splitlines()[0][:400] if answer else opening

    async def compose(self, purpose: Purpose, facts: Facts, *, template: str | None = None,
                      sink: ChapterSink | None = None, fallback: bool = True) -> Generation:
        """Any single generation step (premise, outline ...), its raw text streamed to `sink` if given."""
        request = self.requests.build(purpose, facts, template=template)
        return await self._generate(request, facts.session, purpose, sink, fallback=fallback, raw=True)

    async def converse(self, facts: Facts, history: Sequence[dict[str, str]], sink: ChapterSink | None = None
                       ) -> Generation:
        """A writers' chat answer (never part of the story)."""
        request = self.requests.chat(facts, history)
        return await self._generate(request, facts.session, "ideas", sink, raw=True)

    async def _generate(
        self, request: ModelRequest, session: SessionRecord, purpose: str, sink: ChapterSink | None = None,
        offline: bool = False, fallback: bool = True, raw: bool = False,
    ) -> Generation:
        """Run the writer, extracting live prose into the sink (or passing raw text on, with `raw`)."""
        sink = sink or NullSink()
        prose = ProseStream()

        async def on_delta(delta: str) -> None:
            text = delta if raw else prose.feed(delta)
            if text:
                await sink.token(text)

        async def on_reset() -> None:
            prose.reset()
            await sink.reset()

        result = await self.llm.generate(
            request, on_delta=on_delta, on_reset=on_reset, purpose=purpose, session_id=session.id,
            model=session.model if session.provider == "openai" and session.model else None, offline=offline,
            fallback=fallback,
        )
        tail = prose.finish()
        if tail:
            await sink.token(tail)
        return result


def _merged(memory: StoryMemory, answer: str, chapter: int) -> StoryMemory:
    """A copy of the memory with a parsed answer folded in."""
    updated = StoryMemory.from_json(memory.to_json())
    updated.merge(parse_memory(answer), chapter)
    return updated


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
