"""The story engine: outline, chapters and the final chapter, with checks, repair and clean fallbacks."""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import replace

from plugin.brief import Purpose
from plugin.errors import ProviderError, StoryError
from plugin.store.records import ChapterRecord, SessionRecord
from plugin.story.chapters import ChapterWriter
from plugin.story.coherence import read_check
from plugin.story.drafts import ChapterDraft, ChapterSink, NullSink
from plugin.story.gate import clean_plan, clean_prose, clean_title
from plugin.story.memory import StoryMemory, parse_memory
from plugin.story.parse import clean_inline, parse_outline, read_premise, strip_reasoning
from plugin.story.prompts import PromptBook
from plugin.story.requests import Facts, RequestBuilder, echo_guard
from plugin.story.streaming import LiveProse
from plugin.themes import Theme, ThemeBook
from plugin.writers.model import ModelRequest
from plugin.writers.router import OFFLINE_LABEL, Generation, LLMService

log = logging.getLogger(__name__)


class StoryEngine:
    """Calls the writer for every purpose and turns answers into chapters, memory and rewrites."""

    def __init__(self, llm: LLMService, prompts: PromptBook, themes: ThemeBook) -> None:
        self.llm = llm
        self.prompts = prompts
        self.themes = themes
        self.requests = RequestBuilder(prompts, themes)
        self.coherence = "rules"
        self.chapters = ChapterWriter(self.requests, prompts, self._generate, llm.record_chapter,
                                      lambda: self.coherence, self._model_check)

    def configure(self, chapter_words: int, context_tokens: int, coherence: str) -> None:
        """Apply story settings (called again whenever they change)."""
        self.requests.chapter_words, self.requests.budget, self.coherence = chapter_words, context_tokens, coherence

    def theme_for(self, session: SessionRecord) -> Theme:
        """The session's theme."""
        return self.requests.theme_for(session)

    async def write_outline(self, session: SessionRecord) -> tuple[str, str]:
        """The story's title and outline (through the gate; the offline writer's when the model's is unusable)."""
        outline = ""
        for offline in (False, True):
            title, outline = await self.plan("outline", Facts(session), offline=offline)
            if len(outline.splitlines()) >= min(2, session.max_chapters):
                return title, outline
            log.warning("outline answer was unusable%s", "" if offline else "; using the offline writer's outline")
        return "", outline

    async def plan(self, purpose: Purpose, facts: Facts, sink: ChapterSink | None = None,
                   offline: bool = False) -> tuple[str, str]:
        """An outline or a premise: (title, text), through the gate (the raw answer streams to `sink`)."""
        request = self.requests.build(purpose, facts)
        result = await self._generate(request, facts.session, purpose, sink, offline=offline, raw=True)
        guard = echo_guard(request, facts, self.theme_for(facts.session))
        title, body = parse_outline(result.text) if purpose == "outline" else read_premise(result.text)
        return clean_title(title, guard), clean_plan(body, guard)

    async def write_chapter(
        self, session: SessionRecord, chapters: Sequence[ChapterRecord], number: int, winning_choice: str | None,
        final: bool, sink: ChapterSink, memory: StoryMemory | None = None, direction: str | None = None,
        variant: int = 0,
    ) -> ChapterDraft:
        """Write chapter `number`, streaming what the gate lets through to `sink`; never fails on bad output."""
        return await self.chapters.write(session, chapters, number, winning_choice, final, sink, memory, direction,
                                         variant)

    async def _model_check(self, session: SessionRecord, content: str, memory: StoryMemory | None) -> str | None:
        """With coherence 'llm': a short model check of a chapter against the memory (None: fine, or skipped)."""
        if memory is None or not memory.characters:
            return None
        request = self.requests.build("check", Facts(session, memory=memory, draft=content))
        try:
            return read_check((await self._generate(request, session, "check", fallback=False)).text)
        except StoryError as exc:
            log.info("coherence check skipped: %s", exc.message)
            return None

    async def update_memory(self, session: SessionRecord, memory: StoryMemory, chapter: ChapterRecord) -> StoryMemory:
        """Ask the writer what changed in this chapter (as JSON where the provider can) and merge it in; junk is
        dropped, never stored."""
        facts = Facts(session, number=chapter.number, winning_choice=chapter.parent_choice, memory=memory,
                      draft=chapter.content)
        request = replace(self.requests.build("memory", facts), temperature=0.2)
        answer = await self._generate(request, session, "memory", offline=chapter.model == OFFLINE_LABEL,
                                      fallback=False)
        updated = StoryMemory.from_json(memory.to_json())
        updated.merge(parse_memory(answer.text), chapter.number)
        return updated

    async def rewrite_passage(self, session: SessionRecord, chapter: ChapterRecord, passage: str,
                              instruction: str) -> str:
        """The passage rewritten as the streamer asked (only the passage)."""
        request = self.requests.build("rewrite", Facts(session, number=chapter.number, draft=passage,
                                                       direction=instruction))
        result = await self._generate(request, session, "rewrite", offline=chapter.model == OFFLINE_LABEL)
        cleaned = clean_prose(strip_reasoning(result.text), echo_guard(request, Facts(session, draft=passage,
                                                                                       direction=instruction),
                                                                         self.theme_for(session)))
        if not cleaned.text or cleaned.fatal:
            raise ProviderError("the writer's rewrite could not be used; try another instruction")
        return cleaned.text

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

    async def converse(self, facts: Facts, history: Sequence[dict[str, str]], sink: ChapterSink | None = None
                       ) -> tuple[str, Generation]:
        """A writers' chat answer (never part of the story): (the reply through the gate, the generation)."""
        request = self.requests.chat(facts, history)
        result = await self._generate(request, facts.session, "ideas", sink, raw=True)
        reply = clean_plan(strip_reasoning(result.text), echo_guard(request, facts, self.theme_for(facts.session)),
                           conversation=True)
        return reply, result

    async def _generate(
        self, request: ModelRequest, session: SessionRecord, purpose: str, sink: ChapterSink | None = None,
        offline: bool = False, fallback: bool = True, raw: bool = False, live: LiveProse | None = None,
    ) -> Generation:
        """Run the writer; what it writes reaches `sink` through `live` (the gate), or as it is with `raw`."""
        sink = sink or NullSink()

        async def on_delta(delta: str) -> None:
            text = delta if raw else live.feed(delta) if live is not None else ""
            if text:
                await sink.token(text)

        async def on_reset() -> None:
            if live is not None:
                live.reset()
            await sink.reset()

        return await self.llm.generate(
            request, on_delta=on_delta, on_reset=on_reset, purpose=purpose, session_id=session.id,
            model=session.model if session.provider == "openai" and session.model else None, offline=offline,
            fallback=fallback,
        )
