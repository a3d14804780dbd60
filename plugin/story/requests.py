"""Building model requests from one set of facts: the brief for the offline writer, budget-fitted messages for LLMs."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, fields, replace
from typing import Any

from plugin.brief import ChapterRecap, Purpose, StoryBrief, StoryStyle, choice_label
from plugin.settings.schema import StorySettings
from plugin.store.records import ChapterRecord, SessionRecord
from plugin.story.answers import chapter_shape, memory_shape
from plugin.story.context import PromptContext, fit_prompt, messages_tokens
from plugin.story.gate import EchoGuard
from plugin.story.memory import StoryMemory
from plugin.story.prompts import PromptBook
from plugin.themes import CUSTOM_THEME_ID, Theme, ThemeBook
from plugin.writers.model import ModelRequest

log = logging.getLogger(__name__)
EARLIER_WITHOUT_SUMMARY = 4  # before the first summary exists, recap this many older chapters
STYLE_KEYS = tuple(f.name for f in fields(StoryStyle))


def recap(chapter: ChapterRecord) -> ChapterRecap:
    """A stored chapter as the writer sees it."""
    chosen = None
    if chapter.chosen_index is not None and 0 <= chapter.chosen_index < len(chapter.choices):
        chosen = chapter.choices[chapter.chosen_index]
    return ChapterRecap(chapter.number, chapter.title, chapter.content, chapter.choices, chosen)


def resolve_style(story: StorySettings, theme: Theme, overrides: dict[str, Any] | None = None) -> dict[str, str]:
    """The session's style: explicit overrides, else settings, else the theme's defaults, else built-ins."""
    base = StoryStyle()
    chosen: dict[str, str] = {}
    for key in STYLE_KEYS:
        value = (overrides or {}).get(key) or getattr(story, key, "") or theme.defaults.get(key) or getattr(base, key)
        chosen[key] = str(value)
    return chosen


def style_of(session: SessionRecord) -> StoryStyle:
    """The StoryStyle stored with a session (unknown or bad values fall back to the defaults)."""
    stored = {k: v for k, v in session.style.items() if k in STYLE_KEYS and isinstance(v, str) and v}
    try:
        return StoryStyle(**stored)  # type: ignore[arg-type]  # stored strings: one that fits no Literal is caught
    except TypeError:
        return StoryStyle()


@dataclass(slots=True)
class Facts:
    """Everything a request may draw on."""

    session: SessionRecord
    chapters: Sequence[ChapterRecord] = ()
    number: int = 0
    winning_choice: str | None = None
    memory: StoryMemory | None = None
    direction: str | None = None
    draft: str | None = None
    problem: str | None = None  # a rules check's complaint about the last attempt
    variant: int = 0  # regenerations of this chapter so far
    premise: str | None = None  # a prepared story's premise (writer's room)
    question: str | None = None  # the writers' chat: what the streamer asked


class RequestBuilder:
    """Turns Facts into a ModelRequest whose messages fit `story.context_tokens`."""

    def __init__(self, prompts: PromptBook, themes: ThemeBook) -> None:
        self.prompts = prompts
        self.themes = themes
        self.chapter_words = 180
        self.budget = 2000

    def theme_for(self, session: SessionRecord) -> Theme:
        """The session's theme (a custom description becomes a one-off theme)."""
        if session.theme == CUSTOM_THEME_ID or session.theme not in self.themes.themes:
            return self.themes.custom(session.custom_theme or session.theme)
        return self.themes.themes[session.theme]

    def build(self, purpose: Purpose, facts: Facts, template: str | None = None) -> ModelRequest:
        """Brief plus messages for one call (`template` picks another prompt for the same purpose). Chapters,
        final chapters and memory updates ask for JSON (with the same request in tagged text beside it, for
        providers that can do no structured output)."""
        if purpose in ("chapter", "final") and template is None:
            text = self._build(purpose, facts, None, as_json=False)
            shape = chapter_shape(facts.session.num_choices, purpose == "final", int(self.chapter_words * 2.5))
            return replace(self._build(purpose, facts, None, as_json=True), shape=shape, as_text=text,
                           max_tokens=self.chapter_words * 3 + 400)
        if purpose == "memory" and template is None:
            text = self._build(purpose, facts, None, as_json=False)
            return replace(self._build(purpose, facts, "memory_json", as_json=True), shape=memory_shape(),
                           as_text=text)
        return self._build(purpose, facts, template, as_json=False)

    def _build(self, purpose: Purpose, facts: Facts, template: str | None, as_json: bool) -> ModelRequest:
        """One request, its messages fitted to the context budget."""
        session, theme, style = facts.session, self.theme_for(facts.session), style_of(facts.session)
        recaps = [recap(c) for c in facts.chapters]
        memory = facts.memory or StoryMemory()
        focus = " ".join(filter(None, [recaps[-1].content if recaps else "", facts.winning_choice or "",
                                       facts.direction or ""]))
        context = PromptContext(
            outline=session.outline, summary=memory.summary or None,
            memory=memory.relevant(focus) if memory.characters or memory.events else {},
            earlier=[] if memory.summary else recaps[-EARLIER_WITHOUT_SUMMARY - 1 : -1],
            previous=recaps[-1] if recaps else None, winning_choice=facts.winning_choice, direction=facts.direction,
        )
        fixed = {
            "theme": theme, "custom_theme": session.custom_theme, "language": session.language, "style": style,
            "chapter_number": facts.number, "max_chapters": session.max_chapters,
            "chapter_words": self.chapter_words, "num_choices": session.num_choices,
            "labels": [choice_label(i) for i in range(session.num_choices)], "draft": facts.draft,
            "problem": facts.problem, "memory_full": memory, "premise": facts.premise, "json": as_json,
        }

        def render(ctx: PromptContext) -> tuple[dict[str, str], ...]:
            return self.prompts.messages(
                template or purpose, **fixed, outline=ctx.outline, summary=ctx.summary, memory=ctx.memory,
                earlier=ctx.earlier, previous=ctx.previous, winning_choice=ctx.winning_choice, direction=ctx.direction)

        messages, fitted = fit_prompt(render, context, self.budget)
        if fitted.trimmed:
            log.debug("chapter %s prompt trimmed to fit %d tokens: %s", facts.number, self.budget, fitted.trimmed)
        brief = StoryBrief(
            purpose=purpose, theme=theme, language=session.language, seed=session.seed,
            chapter_number=facts.number, max_chapters=session.max_chapters, num_choices=session.num_choices,
            outline=session.outline, chapters=tuple(recaps), winning_choice=facts.winning_choice,
            chapter_words=self.chapter_words, custom_theme=session.custom_theme, draft=facts.draft,
            direction=facts.direction, story_style=style, summary=memory.summary or None,
            memory=memory.to_json() if purpose == "check" else None, variant=facts.variant,
            question=facts.question,
        )
        max_tokens = {"repair": 200, "memory": 600, "check": 150, "scene": 100, "premise": 500, "ideas": 500,
                      "outline": 400, "rewrite": max(200, len((facts.draft or "").split()) * 3)}.get(
            purpose, max(400, self.chapter_words * 3))
        return ModelRequest(messages=messages, brief=brief, max_tokens=max_tokens)

    def chat(self, facts: Facts, history: Sequence[dict[str, str]]) -> ModelRequest:
        """The writers' chat: the story as context, then the conversation (oldest turns dropped to fit)."""
        session, theme = facts.session, self.theme_for(facts.session)
        recaps = [recap(c) for c in facts.chapters]
        memory = facts.memory or StoryMemory()
        system = self.prompts.render("writers_chat", theme=theme, language=session.language, outline=session.outline,
                                     summary=memory.summary or None, previous=recaps[-1] if recaps else None)
        turns = [{"role": t["role"], "content": t["content"]} for t in history]
        question = {"role": "user", "content": facts.question or "Give me three ideas for what could happen next."}
        while turns and messages_tokens([{"content": system}, *turns, question]) > self.budget:
            turns = turns[1:]
        brief = StoryBrief(
            purpose="ideas", theme=theme, language=session.language, seed=session.seed,
            chapter_number=len(recaps), max_chapters=session.max_chapters, num_choices=session.num_choices,
            outline=session.outline, chapters=tuple(recaps), custom_theme=session.custom_theme,
            story_style=style_of(session), summary=memory.summary or None, question=facts.question,
        )
        return ModelRequest(messages=({"role": "system", "content": system}, *turns, question), brief=brief,
                            max_tokens=500, temperature=0.8)


def echo_guard(request: ModelRequest, facts: Facts, theme: Theme) -> EchoGuard:
    """What of the request's prompt is instruction (an answer repeating it echoes the prompt), not the story
    material it quotes (the outline, earlier chapters, names, the winning choice, notes)."""
    versions = [request, *([request.as_text] if request.as_text else [])]
    prompt = "\n".join(m.get("content", "") for r in versions for m in r.messages)
    memory = facts.memory or StoryMemory()
    material = [facts.session.outline or "", facts.session.custom_theme or "", facts.winning_choice or "",
                facts.direction or "", facts.draft or "", facts.premise or "", facts.question or "", memory.summary,
                theme.name,
                theme.description, theme.style, str(memory.to_json()),
                *(f"{c.title} {c.content} {' '.join(c.choices)}" for c in facts.chapters)]
    return EchoGuard(prompt, material)
