"""Writing one chapter: ask (JSON where the provider can), stream what the gate lets through, judge the whole
answer, try once more, and let the offline writer write it (in the story's names) when both attempts fail."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from plugin.brief import Purpose
from plugin.errors import StoryError
from plugin.store.records import ChapterRecord, SessionRecord
from plugin.story.answers import read_chapter
from plugin.story.drafts import ChapterDraft, ChapterSink
from plugin.story.gate import EchoGuard, Finding, clean_choices, clean_prose, clean_title, judge_prose, trim_to_sentence
from plugin.story.memory import MemoryUpdate, StoryMemory, from_note
from plugin.story.parse import parse_choices
from plugin.story.prompts import PromptBook
from plugin.story.requests import Facts, RequestBuilder, echo_guard
from plugin.story.streaming import LiveProse
from plugin.writers.model import ModelRequest
from plugin.writers.router import Generation

log = logging.getLogger(__name__)
Generate = Callable[..., Awaitable[Generation]]
ModelCheck = Callable[[SessionRecord, str, StoryMemory | None], Awaitable[str | None]]
RULES = frozenset({"length", "language", "loop"})  # what `story.coherence_check: off` lets through


@dataclass(slots=True)
class Attempt:
    """One answer after the gate."""

    result: Generation
    title: str = ""
    content: str = ""
    choices: list[str] = field(default_factory=list)
    memory: MemoryUpdate | None = None
    findings: list[Finding] = field(default_factory=list)

    @property
    def fatal(self) -> list[Finding]:
        """What keeps it off the screen."""
        return [f for f in self.findings if f.fatal]

    def why(self) -> str:
        """The problems, in one line (told to the model on the retry, and to the streamer)."""
        return "; ".join(f.detail for f in self.fatal[:3]) or "none"


class ChapterWriter:
    """Writes chapters and final chapters through the gate."""

    def __init__(self, requests: RequestBuilder, prompts: PromptBook, generate: Generate,
                 record: Callable[[str, str], None], coherence: Callable[[], str], model_check: ModelCheck) -> None:
        self.requests, self.prompts, self.generate = requests, prompts, generate
        self.record = record  # (model, "clean" | "repaired" | "fallback"): the writer's health card counts them
        self.coherence, self.model_check = coherence, model_check

    async def write(
        self, session: SessionRecord, chapters: Sequence[ChapterRecord], number: int, winning_choice: str | None,
        final: bool, sink: ChapterSink, memory: StoryMemory | None = None, direction: str | None = None,
        variant: int = 0,
    ) -> ChapterDraft:
        """Chapter `number`, streamed to `sink` as it is written; never fails on bad output."""
        purpose: Purpose = "final" if final else "chapter"
        facts = Facts(session, chapters, number, winning_choice, memory, direction, variant=variant)
        theme = self.requests.theme_for(session)
        attempts: list[Attempt] = []
        shown: Attempt | None = None
        for _ in ("first", "retry"):
            request = self.requests.build(purpose, facts)
            guard = echo_guard(request, facts, theme)
            live = LiveProse(guard)
            attempt = self._judge(await self.generate(request, session, purpose, sink, live=live), guard, final,
                                  session)
            attempts.append(attempt)
            if not attempt.fatal and len(attempts) == 1 and self.coherence() == "llm":
                problem = await self.model_check(session, attempt.content, memory)  # one retry, never a wait
                if problem:
                    attempt.findings.append(Finding("coherence", problem, fatal=False))
                    log.warning("chapter %s: %s; writing it once more", number, problem)
                    await sink.reset()
                    facts.problem = problem
                    continue
            if not attempt.fatal:
                await _show(live, attempt.content, sink)
                shown = attempt
                break
            log.warning("chapter %s from %s kept off the screen: %s", number, attempt.result.model, attempt.why())
            await sink.reset()
            facts.problem = attempt.why()
        usable = [a for a in attempts if not a.fatal]
        reason = None
        if shown is not None:
            attempt = shown
        elif usable:  # the retry after a coherence complaint failed: the first answer stands
            attempt = usable[0]
            await _show(LiveProse(), attempt.content, sink)
        else:
            reason = f"the model's chapter could not be shown ({attempts[0].why()})"
            attempt = await self._offline(request, session, purpose, sink, guard, final)
        choices: list[str] = []
        quality = "fallback" if attempt.result.fell_back else "repaired" if len(attempts) > 1 else "clean"
        if not final:
            choices, repaired, fell_back = await self._settle_choices(facts, attempt, guard)
            quality = "fallback" if fell_back and quality != "fallback" else quality
            quality = "repaired" if repaired and quality == "clean" else quality
        self.record(attempts[0].result.model, quality)
        title = attempt.title
        if title and any(title.casefold() == c.title.casefold() for c in chapters):
            attempt.findings.append(Finding("title", f"the title of an earlier chapter again: {title[:40]!r}"))
            title = ""
        if title and not final and re.match(r"(?:the\s+)?end\b", title, re.I):
            attempt.findings.append(Finding("title", f"an ending's title on a chapter that goes on: {title[:40]!r}"))
            title = ""
        return ChapterDraft(
            title=title or f"Chapter {number}", content=attempt.content, choices=choices, is_final=final,
            model=attempt.result.model, fell_back=attempt.result.fell_back, problem=reason, memory=attempt.memory,
            quality=quality, findings=tuple(str(f) for a in attempts for f in a.findings)[:20],
        )

    def _judge(self, result: Generation, guard: EchoGuard, final: bool, session: SessionRecord) -> Attempt:
        """Read an answer (JSON or tagged text) and put every part of it through the gate."""
        answer, _ = read_chapter(result.text, session.num_choices)
        cleaned = clean_prose(answer.story, guard)
        findings = list(cleaned.findings)
        if not final:  # a chapter cut by the token limit ends at its last full sentence (and is judged so)
            cut = cleaned.text.rstrip() != trim_to_sentence(cleaned.text) or result.finish_reason == "length"
            cleaned.text = trim_to_sentence(cleaned.text)
            if cut:
                findings.append(Finding("cut", "the answer was cut; it ends at its last full sentence"))
        rules = judge_prose(cleaned, self.requests.chapter_words, session.language,
                            result.finish_reason if final else None, final)
        if self.coherence() == "off":  # the streamer turned the length and language rules off
            rules = [replace(f, fatal=False) if f.code in RULES else f for f in rules]
        findings += rules
        content = cleaned.text
        title = clean_title(answer.title, guard)
        if answer.title and not title:
            findings.append(Finding("title", f"unusable title {answer.title[:40]!r}"))
        note = answer.memory
        return Attempt(result, title, content, list(answer.choices), from_note(note) if note else None, findings)

    async def _offline(self, request: ModelRequest, session: SessionRecord, purpose: Purpose, sink: ChapterSink,
                       guard: EchoGuard, final: bool) -> Attempt:
        """The offline writer writes this chapter with the story's names (it reads the brief, not the prompt)."""
        live = LiveProse()
        result = await self.generate(request, session, purpose, sink, live=live, offline=True)
        attempt = self._judge(result, guard, final, session)
        attempt.result = Generation(result.text, result.model, result.provider, True, result.tokens_in,
                                    result.tokens_out)
        await _show(live, attempt.content, sink)
        return attempt

    async def _settle_choices(self, facts: Facts, attempt: Attempt, guard: EchoGuard) -> tuple[list[str], bool, bool]:
        """Exactly N usable, distinct choices: the model's, one repair request, the offline writer's, then (only
        if all of those fail) generic ones. Returns (choices, repaired, fell back)."""
        wanted = facts.session.num_choices
        choices, found = clean_choices(attempt.choices, guard, wanted)
        repaired = fell_back = False
        for offline in (False, True):
            if len(choices) >= wanted:
                break
            log.info("chapter %s: %d of %d usable choices (%s); asking %s", facts.number, len(choices), wanted,
                     "; ".join(f.detail for f in found[:3]) or "none given", "the offline writer" if offline
                     else "for a repair")
            request = self.requests.build("repair", Facts(facts.session, facts.chapters, facts.number,
                                                          draft=attempt.content))
            try:
                answer = await self.generate(request, facts.session, "repair", None, offline=offline, fallback=False)
            except StoryError as exc:
                log.warning("choice repair failed: %s", exc.message)
                continue
            more, found = clean_choices(parse_choices(answer.text), guard, wanted)
            choices = _merge(choices, more, wanted)
            repaired, fell_back = repaired or not offline, fell_back or offline
        if len(choices) < wanted:
            log.warning("chapter %s: generic choices fill in (%d of %d usable)", facts.number, len(choices), wanted)
            theme = self.requests.theme_for(facts.session)
            choices, fell_back = _merge(choices, self.prompts.fallback_choices(theme=theme), wanted), True
        return choices, repaired, fell_back


async def _show(live: LiveProse, content: str, sink: ChapterSink) -> None:
    """Bring the overlay to the final text: the rest of it, or (when what was shown does not begin it) anew."""
    reset, text = live.finish(content)
    if reset:
        await sink.reset()
    if text:
        await sink.token(text)


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



GRADE_OUTLINE = ("1. Mara finds a map that glows at night.\n2. The map leads into the Whispering Woods.\n"
                 "3. Mara reaches the tower and the truth.")


async def grade(writer: ChapterWriter, language: str, num_choices: int, provider: str, model: str) -> dict[str, Any]:
    """Write one sample chapter with the model in use (nothing stored) and say whether it can go live."""
    now = time.time()
    session = SessionRecord(0, "adventure", None, "The Glowing Map", GRADE_OUTLINE, language, "manual", 3,
                            num_choices, provider, model, 7, "grading", False, None, now, now, None)
    facts = Facts(session, number=1)
    request = writer.requests.build("chapter", facts)
    guard = echo_guard(request, facts, writer.requests.theme_for(session))
    try:
        result = await writer.generate(request, session, "grade", None, live=LiveProse(guard), fallback=False)
    except StoryError as exc:
        return {"verdict": "not usable live", "why": exc.message, "model": model}
    attempt = writer._judge(result, guard, False, session)
    choices, found = clean_choices(attempt.choices, guard, num_choices)
    problems = [f.detail for f in attempt.fatal]
    repairs = [f.detail for f in attempt.findings + found if not f.fatal][:8]
    if len(choices) < num_choices:
        repairs.insert(0, f"only {len(choices)} of {num_choices} usable choices (a repair request would follow)")
    if attempt.memory is None:
        repairs.append("no memory update in the answer (a separate memory call would follow)")
    writing_s = result.seconds - (result.first_token_s or 0)
    return {
        "verdict": "not usable live: chapters will fall back to the offline writer" if problems
        else "works with repairs" if repairs else "ready",
        "model": result.model, "output": result.mode, "problems": problems, "repairs": repairs,
        "firstTokenS": round(result.first_token_s or 0, 2), "seconds": round(result.seconds, 2),
        "tokensPerS": round(result.tokens_out / writing_s, 1) if writing_s > 0 else None,
        "title": attempt.title, "story": attempt.content, "choices": choices,
        "memory": {"characters": [c.name for c in attempt.memory.characters], "summary": attempt.memory.summary}
        if attempt.memory else None,
        "answer": result.text[:4000],
    }
