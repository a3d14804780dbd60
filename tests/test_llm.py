"""The LLM path over real HTTP: the official openai client against a local OpenAI-compatible server."""

from __future__ import annotations

from typing import Any

import pytest

from plugin.errors import ProviderError
from plugin.store.repo import StoryRepo
from plugin.story.memory import StoryMemory, parse_memory
from tests.conftest import StartServer
from tests.support.harness import watching
from tests.support.llm_env import (
    CHAPTER,
    CHOICES,
    PROSE,
    Env,
    Sink,
    write_first_chapter,
)
from tests.support.openai_server import FakeOpenAI, Reply


async def test_streamed_chapter_reaches_the_sink_and_is_parsed(env: Env) -> None:
    env.fake.script(Reply(content=CHAPTER))
    sink = Sink()
    draft = await write_first_chapter(env, sink)
    assert (draft.title, draft.content, draft.choices) == ("The Glass Door", PROSE, CHOICES)
    assert sink.text == PROSE and len(sink.deltas) > 10
    body = env.fake.requests[-1].body
    assert body["stream"] is True and body["model"] == "fake-model"
    assert "Answer with one JSON object" in body["messages"][1]["content"]  # asked as JSON, read as it came
    assert body["response_format"]["type"] == "json_schema"
    assert body["response_format"]["json_schema"]["schema"]["properties"]["choices"]["maxItems"] == 3
    assert env.usage() == [("chapter", "fake-model", "ok")]


async def test_reasoning_content_and_think_tags_never_reach_story_text(env: Env) -> None:
    env.fake.script(Reply(reasoning=["Let me think about ", "the secret plan."],
                          chunks=["<thi", "nk>hidden plan</th", "ink>", *Reply(content=CHAPTER).content_chunks()]))
    sink = Sink()
    draft = await write_first_chapter(env, sink)
    assert draft.content == PROSE and sink.text == PROSE
    assert "plan" not in draft.content + sink.text + draft.title


async def test_429_is_retried_then_succeeds(env: Env) -> None:
    env.fake.script(Reply(status=429, retry_after=0), Reply(content=CHAPTER))
    draft = await write_first_chapter(env)
    assert draft.choices == CHOICES
    assert env.usage() == [("chapter", "fake-model", "failed"), ("chapter", "fake-model", "ok")]


async def test_500s_exhaust_retries_then_the_fallback_model_writes(env: Env) -> None:
    env.fake.script(*[Reply(status=500, for_model="fake-model")] * 3, Reply(content=CHAPTER, for_model="fake-backup"))
    draft = await write_first_chapter(env)
    assert draft.model == "fake-backup" and draft.content == PROSE
    assert [m for _, m, _ in env.usage()] == ["fake-model"] * 3 + ["fake-backup"]


async def test_a_stream_cut_off_midway_is_retried_and_the_overlay_text_restarts(env: Env) -> None:
    env.fake.script(Reply(content=CHAPTER, cut_after=8), Reply(content=CHAPTER))
    sink = Sink()
    draft = await write_first_chapter(env, sink)
    assert sink.resets == 1 and sink.text == PROSE and draft.content == PROSE


async def test_junk_output_is_retried_then_the_offline_writer_takes_over(env: Env) -> None:
    env.fake.script(Reply(content="!!!"), Reply(content="{}"))
    draft = await write_first_chapter(env)
    assert draft.model == "offline writer" and draft.fell_back
    assert len(draft.content) > 200 and len(draft.choices) == 3


async def test_too_few_choices_get_one_repair_request(env: Env) -> None:
    env.fake.script(Reply(content="TITLE: Alone\n\n" + PROSE + "\n\nA) Open the door"),
                    Reply(content="CHOICES:\nA) Open the door\nB) Run\nC) Wait"))
    draft = await write_first_chapter(env)
    assert draft.choices == ["Open the door", "Run", "Wait"]
    assert "exactly 3 distinct choices" in env.fake.requests[-1].body["messages"][1]["content"]


async def test_duplicate_choices_and_a_useless_repair_fall_back_to_generic_choices(env: Env) -> None:
    env.fake.script(Reply(content="TITLE: Twice\n\n" + PROSE + "\n\nA) Run\nB) run\nC) Run!"),
                    Reply(content="I cannot help with that."))
    draft = await write_first_chapter(env)
    assert len(draft.choices) == 3 and len({c.lower() for c in draft.choices}) == 3 and draft.choices[0] == "Run"


async def test_a_final_chapter_without_choices_is_accepted(env: Env) -> None:
    env.fake.script(Reply(content="TITLE: Home\n\n" + PROSE + "\n\nThe end."))
    draft = await env.engine.write_chapter(env.session, [], 3, "Open the door", True, Sink())
    assert draft.is_final and draft.choices == [] and len(env.fake.requests) == 1
    assert 'The audience chose: "Open the door"' in env.fake.requests[0].body["messages"][1]["content"]


@pytest.mark.parametrize("env", [{"llm.api_key": "wrong-key"}], indirect=True)
async def test_a_rejected_key_is_reported_and_the_story_goes_on_offline(env: Env) -> None:
    draft = await write_first_chapter(env)
    assert draft.model == "offline writer" and len(draft.choices) == 3
    status = env.llm.status()
    assert status["keyRejected"] is True and "API key rejected" in status["lastError"]
    assert len(env.fake.requests) == 1  # a 401 is not retried
    assert env.usage()[0][2] == "auth"


@pytest.mark.parametrize("env", [{"llm.offline_fallback": False, "llm.max_retries": 0}], indirect=True)
async def test_without_offline_fallback_a_failure_surfaces(env: Env) -> None:
    env.fake.script(Reply(status=503), Reply(status=503))
    with pytest.raises(ProviderError):
        await write_first_chapter(env)


async def test_setting_a_base_url_switches_the_server_to_the_real_client(serve: StartServer) -> None:
    async with FakeOpenAI(api_key=None) as fake:
        def answer(body: dict[str, Any]) -> Reply:
            prompt = body["messages"][1]["content"]
            return Reply(content="TITLE: Lantern Road\nOUTLINE:\n1. Go\n2. Come back" if "Plan an" in prompt
                         else CHAPTER)
        fake.default_reply = answer
        server = await serve(**{"llm.base_url": fake.base_url, "llm.model": "fake-model", "story.chapter_words": 30})
        async with watching(server.url) as seen:
            status, body = await server.call("GET", "/api/interactive-story/config")
            assert body["llm"]["provider"] == "openai" and body["llm"]["model"] == "fake-model"
            await server.call("POST", "/api/interactive-story/start", {"theme": "mystery"})
            ready = await seen.wait_for("story:chapter-ready")
            assert (ready["content"], ready["choices"], ready["model"]) == (PROSE, CHOICES, "fake-model")
            status, models = await server.call("GET", "/api/interactive-story/llm/models")
            assert models["models"] == ["fake-backup", "fake-model"]


SPANISH = ("TITLE: La puerta\nSTORY:\nMara empujó la puerta de cristal y sintió que vibraba con una canción que casi "
           "recordaba. Detrás de ella, el pasillo se llenó de pasos y de voces que no conocía. Ella no sabía qué hacer "
           "con la llave, pero su amigo le dijo que el camino estaba al otro lado del río y que no había tiempo.\n"
           "CHOICES:\nA) Abrir la puerta\nB) Esconderse\nC) Cantar")


async def test_a_chapter_in_the_wrong_language_is_written_again_once(env: Env) -> None:
    env.fake.script(Reply(content=SPANISH), Reply(content=CHAPTER))
    sink = Sink()
    draft = await write_first_chapter(env, sink)
    assert draft.content == PROSE and draft.problem is None and sink.text == PROSE
    retry_prompt = env.fake.requests[-1].body["messages"][1]["content"]
    assert "written in Spanish, expected English" in retry_prompt


async def test_a_chapter_that_fails_the_gate_twice_is_written_by_the_offline_writer(env: Env) -> None:
    env.fake.script(Reply(content=SPANISH), Reply(content=SPANISH))
    draft = await write_first_chapter(env)
    assert draft.fell_back and draft.model == "offline writer" and len(draft.choices) == 3
    assert "written in Spanish" in (draft.problem or "") and draft.quality == "fallback"
    assert len(env.fake.requests) == 2  # one retry, then on with the show


async def test_the_model_check_against_memory_gets_one_rewrite(env: Env) -> None:
    env.engine.configure(chapter_words=30, context_tokens=2000, coherence="llm")
    memory = StoryMemory()
    memory.merge(parse_memory("CHARACTER: Skarn | the rival | defeated"), 1)
    env.fake.script(Reply(content=CHAPTER.replace("Mara", "Skarn")),
                    Reply(content='{"ok": false, "problem": "Skarn was defeated in chapter 1 but acts here"}'),
                    Reply(content=CHAPTER))
    draft = await env.engine.write_chapter(env.session, [], 2, "Open the door", False, Sink(), memory)
    assert draft.content == PROSE
    purposes = [r.body["messages"][1]["content"][:40] for r in env.fake.requests]
    assert len(purposes) == 3 and "Facts established so far" in env.fake.requests[1].body["messages"][1]["content"]
    assert "Skarn was defeated in chapter 1" in env.fake.requests[2].body["messages"][1]["content"]


async def test_memory_uses_json_mode_and_falls_back_to_tagged_text(env: Env) -> None:
    stories = StoryRepo(env.llm.meta.db)
    chapter = await stories.add_chapter(session_id=env.session.id, number=1, title="T", content=PROSE,
                                        choices=CHOICES, is_final=False, parent_choice=None, model="fake-model",
                                        state="voting")
    env.fake.script(Reply(content='{"summary": "Mara found the door.", "characters": [{"name": "Mara"}]}'))
    memory = await env.engine.update_memory(env.session, StoryMemory(), chapter)
    assert env.fake.requests[-1].body["response_format"]["json_schema"]["name"] == "memory"
    assert memory.summary == "Mara found the door." and memory.characters[0].name == "Mara"
    refused = Reply(status=400, error_message="response_format is not supported")
    env.fake.script(refused, refused, refused,  # json_schema, then json_object with a schema, then plain json_object
                    Reply(content="SUMMARY: Still at the door.\nCHARACTER: Marah | the heroine | curious"))
    memory = await env.engine.update_memory(env.session, memory, chapter)
    shapes = [r.body.get("response_format", {}).get("type") for r in env.fake.requests[-4:]]
    assert shapes == ["json_schema", "json_object", "json_object", None]  # each refusal: the next way down
    assert [c.name for c in memory.characters] == ["Mara"] and memory.characters[0].aliases == ["Marah"]
    env.fake.script(Reply(content="SUMMARY: At the door.\nCHARACTER: Mara | the heroine | brave"))
    await env.engine.update_memory(env.session, memory, chapter)
    assert "response_format" not in env.fake.requests[-1].body  # remembered: no more refusals to wait for
