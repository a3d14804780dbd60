"""Real answers of a real small model (SmolLM2-135M-Instruct served by llama.cpp, recorded in tests/fixtures/smollm2),
replayed through the local OpenAI-compatible server: whatever it wrote, only story reaches the screen."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from plugin.store.records import ChapterRecord
from plugin.story.memory import StoryMemory
from tests.support.leaks import bad_choices, ends_with_sentence, junk_names, leaks_in
from tests.support.llm_env import Env, Sink
from tests.support.openai_server import Reply

FIXTURES = Path(__file__).parent / "fixtures" / "smollm2"
MODES = ("json_object_schema", "json_object", "text")


def recorded(mode: str, purpose: str) -> list[dict[str, Any]]:
    """The model's answers for one purpose, as it streamed them."""
    return json.loads((FIXTURES / f"{mode}.json").read_text(encoding="utf-8"))["answers"][purpose]


def replay(answer: dict[str, Any]) -> Reply:
    """A recorded answer, streamed piece by piece as the model sent it."""
    return Reply(chunks=answer["chunks"], finish_reason=answer["finish"] or "stop")


def earlier_chapter(env: Env) -> ChapterRecord:
    """A chapter 1 for the prompts of chapter 2 and the final chapter."""
    return ChapterRecord(id=1, session_id=env.session.id, number=1, title="The Glowing Map",
                         content="Mara found a map that glowed at night. It pointed to the Whispering Woods.",
                         choices=("Follow the map", "Burn the map", "Ask the old baker"), chosen_index=0,
                         is_final=False, parent_choice=None, model="fake-model",
                         created_at=time.time())


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("purpose", ["chapter1", "chapter2", "final"])
async def test_whatever_a_small_model_wrote_only_story_reaches_the_screen(env: Env, mode: str, purpose: str) -> None:
    env.engine.configure(chapter_words=180, context_tokens=2000, coherence="rules")
    final, number = purpose == "final", 1 if purpose == "chapter1" else 2
    chapters = [] if number == 1 else [earlier_chapter(env)]
    answers, repairs = recorded(mode, purpose), recorded(mode, "repair")
    for index, answer in enumerate(answers):
        env.fake.replies.clear()
        env.fake.script(replay(answer), replay(answers[(index + 1) % len(answers)]),
                        replay(repairs[index % len(repairs)]))
        sink = Sink()
        draft = await env.engine.write_chapter(env.session, chapters, number, "Follow the map" if chapters else None,
                                               final, sink)
        shown = {"title": draft.title, "content": draft.content, "choices": "\n".join(draft.choices),
                 "streamed": sink.text}
        assert {where: leaks_in(text) for where, text in shown.items() if leaks_in(text)} == {}, draft
        assert " ".join(draft.content.split()).startswith(" ".join(sink.text.split())), (sink.text, draft.content)
        assert bad_choices(draft.choices, 3) == [] if not final else draft.choices == []
        assert ends_with_sentence(draft.content)


@pytest.mark.parametrize("title", ["The Glowing Map", "The End", "The End of the Day"])
async def test_a_chapter_that_repeats_an_earlier_title_or_says_the_end_is_shown_under_its_number(
        env: Env, title: str) -> None:
    env.engine.configure(chapter_words=40, context_tokens=2000, coherence="rules")
    story = ("Mara followed the map into the Whispering Woods, where the trees leaned close and the path glowed "
             "silver under her boots. An owl watched her pass. At the edge of a clearing she found a stone door "
             "with her own name carved on it, and behind it something knocked three times.")
    answer = {"title": title, "story": story, "choices": ["Knock back", "Open the door", "Run away"]}
    env.fake.script(Reply(content=json.dumps(answer)))
    draft = await env.engine.write_chapter(env.session, [earlier_chapter(env)], 2, "Follow the map", False, Sink())
    assert (draft.title, draft.content, draft.fell_back) == ("Chapter 2", story, False)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("purpose", ["memory_json", "memory"])
async def test_a_small_models_memory_answers_never_store_junk(env: Env, mode: str, purpose: str) -> None:
    chapter = earlier_chapter(env)
    for answer in recorded(mode, purpose):
        env.fake.replies.clear()
        env.fake.script(replay(answer))
        memory = await env.engine.update_memory(env.session, StoryMemory(), chapter)
        snapshot = memory.to_json()
        assert junk_names(snapshot) == [], snapshot
        assert not any(c in memory.summary for c in "<>{}[]"), memory.summary


@pytest.mark.parametrize("mode", MODES)
async def test_a_small_models_outlines_are_clean_or_written_offline(env: Env, mode: str) -> None:
    for answer in recorded(mode, "outline"):
        env.fake.replies.clear()
        env.fake.script(replay(answer))
        title, outline = await env.engine.write_outline(env.session)
        assert leaks_in(title) == [] and leaks_in(outline.replace("\n", " ")) == [], (title, outline)
        assert len(outline.splitlines()) >= 2
