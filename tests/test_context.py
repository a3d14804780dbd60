"""Prompts stay within story.context_tokens however long the story runs (proved on 60 chapters)."""

from __future__ import annotations

import json
from typing import Any

from plugin.brief import ChapterRecap
from plugin.clock import ManualClock
from plugin.story.context import (
    PromptContext,
    estimate_tokens,
    fit_prompt,
    messages_tokens,
)
from tests.conftest import StartServer
from tests.support.harness import advance_when_waiting, watching
from tests.support.openai_server import FakeOpenAI, Reply

API = "/api/interactive-story"
CHAPTERS = 60
BUDGET = 2000
WORDS = "the lantern swung over the river while the hero counted the footsteps behind the old gate".split()


def prose(number: int, words: int = 260) -> str:
    """A long chapter mentioning a growing cast."""
    body = " ".join(WORDS[(number + i) % len(WORDS)] for i in range(words))
    return f"Hero{number % 7} met Person{number} at Place{number}. {body}."


def answer(body: dict[str, Any]) -> Reply:
    """The fake model: an outline, chapters, and memory updates that keep adding people and places."""
    prompt = body["messages"][1]["content"]
    if "Plan an interactive story" in prompt:
        beats = "\n".join(f"{i}. Beat {i}: " + " ".join(WORDS) for i in range(1, CHAPTERS + 1))
        return Reply(content=f"TITLE: The Long Road\nOUTLINE:\n{beats}")
    if "Update the story memory" in prompt:
        number = int(prompt.split("Chapter ")[1].split(" ")[0])
        return Reply(content=json.dumps({
            "summary": " ".join(f"In chapter {n} Person{n} joined." for n in range(1, number + 1))[-1500:],
            "characters": [{"name": f"Person{number}", "aliases": [f"P{number}"], "description": "a traveller " * 4,
                            "status": "with the hero"}, {"name": f"Hero{number % 7}", "description": "the hero"}],
            "locations": [{"name": f"Place{number}", "description": "a long description " * 5}],
            "items": [{"name": f"Key{number}", "holder": f"Person{number}", "description": "brass"}],
            "events": [f"Chapter {number} happened"],
        }))
    number = int(prompt.split("Write chapter ")[1].split(" ")[0].rstrip(","))
    choices = ("" if "final chapter" in prompt
               else f"\nCHOICES:\nA) Go left {number}\nB) Go right {number}\nC) Wait {number}")
    return Reply(content=f"TITLE: Chapter title {number}\nSTORY:\n{prose(number)}{choices}")


async def test_a_60_chapter_story_never_exceeds_the_budget(serve: StartServer) -> None:
    clock = ManualClock()
    async with FakeOpenAI(api_key=None, default_reply=answer) as fake:
        server = await serve(clock, **{"llm.base_url": fake.base_url, "llm.model": "fake-model",
                                       "story.max_chapters": CHAPTERS, "story.context_tokens": BUDGET,
                                       "story.chapter_words": 260, "voting.duration_s": 1})
        async with watching(server.url) as seen:
            await server.call("POST", f"{API}/start", {"theme": "adventure"})
            for number in range(1, CHAPTERS):
                await seen.wait_for("story:voting-started", lambda v, n=number: v["chapterNumber"] == n, timeout=30)
                await advance_when_waiting(clock, 1)
            await seen.wait_for("story:ended", timeout=60)
        prompts = [r.body["messages"] for r in fake.requests if r.path == "/v1/chat/completions"]
        chapter_prompts = [m for m in prompts if "Write chapter" in m[1]["content"]]
        numbers = {int(m[1]["content"].split("Write chapter ")[1].split(" ")[0].rstrip(",")) for m in chapter_prompts}
        assert numbers == set(range(1, CHAPTERS + 1))  # branches written ahead add prompts; all must fit
        sizes = [messages_tokens(m) for m in prompts]
        assert max(sizes) <= BUDGET, max(sizes)
        last = chapter_prompts[-1][1]["content"]
        # even at the end the prompt carries what matters most: the vote, the previous chapter's end, memory
        assert any(f'The audience chose: "{c} 59"' in last for c in ("Go left", "Go right", "Wait"))
        assert prose(59)[-60:] in last
        assert "Remember:" in last and "The story so far:" in last
        assert messages_tokens(chapter_prompts[-1]) > BUDGET * 0.6  # trimmed to fit, not emptied


def render(ctx: PromptContext) -> tuple[dict[str, str], ...]:
    """A stand-in template: every part of the context as text."""
    parts = [ctx.outline or "", ctx.summary or "", json.dumps(ctx.memory), ctx.previous.content if ctx.previous else "",
             " ".join(c.content for c in ctx.earlier), ctx.winning_choice or "", ctx.direction or ""]
    return ({"role": "user", "content": "\n".join(parts)},)


def test_trimming_goes_from_least_to_most_important() -> None:
    ctx = PromptContext(
        outline="plan " * 400, summary="summary sentence. " * 100,
        memory={"characters": [{"n": "x" * 50}] * 6, "items": [{"n": "y" * 50}] * 3, "events": ["e" * 50] * 5},
        earlier=[ChapterRecap(i, "t", "old " * 100) for i in range(3)],
        previous=ChapterRecap(9, "t", "first part. " * 150 + "THE END OF THE PREVIOUS CHAPTER."),
        winning_choice="Go left", direction="a cat appears",
    )
    messages, fitted = fit_prompt(render, ctx, 700)
    assert messages_tokens(messages) <= 700
    assert fitted.trimmed[:3] == ["earlier chapters", "memory", "outline"]
    text = messages[0]["content"]
    assert "Go left" in text and "a cat appears" in text and "THE END OF THE PREVIOUS CHAPTER." in text


def test_nothing_is_trimmed_when_it_fits() -> None:
    ctx = PromptContext(outline="short plan", winning_choice="Go")
    messages, fitted = fit_prompt(render, ctx, 2000)
    assert fitted.trimmed == [] and "short plan" in messages[0]["content"]


def test_the_estimate_is_conservative_for_english_and_counts_cjk() -> None:
    english = "The wind howled over the old stone bridge as Mara stepped forward into the fog. " * 20
    assert estimate_tokens(english) >= len(english) / 4  # real tokenizers give about len/4 for English
    assert estimate_tokens("你好世界" * 10) >= 40
