"""Faults never stop the show: stalls, timeouts, 5xx, 429, cut-off streams, junk; a breaker; fuzzed parsers."""

from __future__ import annotations

import asyncio
import itertools
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from plugin.clock import ManualClock
from plugin.services.thinking import ThinkFilter
from plugin.story.parse import parse_chapter, parse_choices, parse_outline
from plugin.story.streaming import ProseStream
from plugin.voting.parse import parse_vote
from tests.conftest import StartServer
from tests.support.harness import advance_when_waiting, connect_socket
from tests.support.llm_env import CHAPTER, CHOICES, PROSE, Env, write_first_chapter
from tests.support.openai_server import Reply

API = "/api/interactive-story"
FAULTS = 100


@pytest.mark.parametrize("env", [{"llm.stall_timeout_s": 0.2, "llm.max_retries": 1}], indirect=True)
async def test_a_stalled_stream_is_abandoned_and_retried(env: Env) -> None:
    env.fake.script(Reply(content=CHAPTER, stall_after=3, stall_s=10), Reply(content=CHAPTER))
    draft = await write_first_chapter(env)
    assert draft.content == PROSE
    assert env.usage()[0][2] == "failed" and env.usage()[1][2] == "ok"


@pytest.mark.parametrize("env", [{"llm.breaker_failures": 2, "llm.breaker_cooldown_s": 600,
                                  "llm.max_retries": 3}], indirect=True)
async def test_the_breaker_rests_a_failing_model(env: Env) -> None:
    env.fake.script(*[Reply(status=500, for_model="fake-model")] * 10)
    env.fake.default_reply = Reply(content=CHAPTER)
    await write_first_chapter(env)
    await write_first_chapter(env)
    calls = [r.model for r in env.fake.requests]
    assert calls.count("fake-model") == 2  # two failures, then it rests; fake-backup takes over at once
    assert env.llm.status()["resting"] == ["fake-model"]


def faulty(kind: str) -> tuple[Any, list[int]]:
    """A fake model that answers the first FAULTS requests with one kind of fault, then behaves."""
    seen = [0]

    def answer(body: dict[str, Any]) -> Reply:
        seen[0] += 1
        if seen[0] > FAULTS:
            return Reply(content=CHAPTER)
        return {
            "500": Reply(status=500), "429": Reply(status=429, retry_after=0), "503": Reply(status=503),
            "stall": Reply(content=CHAPTER, stall_after=2, stall_s=30), "cut": Reply(content=CHAPTER, cut_after=4),
            "junk": Reply(content="{{{ ??? }}}"), "timeout": Reply(content=CHAPTER, first_token_delay_s=30),
        }[kind]

    return answer, seen


@pytest.mark.parametrize("kind", ["500", "429", "503", "stall", "cut", "junk", "timeout"])
@pytest.mark.parametrize("env", [{"llm.stall_timeout_s": 0.05, "llm.breaker_cooldown_s": 0, "llm.max_retries": 2,
                                  "llm.fallback_models": []}], indirect=True)
async def test_a_hundred_faults_of_each_kind_never_leave_the_story_stuck(env: Env, kind: str) -> None:
    env.fake.default_reply, seen = faulty(kind)
    written = 0
    while seen[0] <= FAULTS + 2:
        async with asyncio.timeout(30):  # one chapter never hangs, whatever the provider does
            draft = await write_first_chapter(env)
        assert len(draft.content) > 40 and len(draft.choices) == 3
        written += 1
    assert draft.content == PROSE and draft.choices == CHOICES  # the model is back once the faults stop
    assert written >= FAULTS // 8


async def test_a_vote_that_ran_out_while_down_gets_a_grace_period(serve: StartServer, tmp_path: Path) -> None:
    clock = ManualClock()
    first = await serve(clock, **{"voting.duration_s": 20, "voting.resume_grace_s": 15})
    overlay, seen = await connect_socket(first.url)
    await first.call("POST", f"{API}/start", {"theme": "western"})
    await seen.wait_for("story:voting-started")
    await first.call("POST", f"{API}/chat", {"user_id": "u1", "text": "!b"})
    await seen.wait_for("story:vote-update", lambda u: u["total"] == 1)
    await overlay.disconnect()
    await first.stop()
    clock.advance(3600)  # down for an hour
    second = await serve(clock, **{"voting.duration_s": 20, "voting.resume_grace_s": 15})
    overlay, seen = await connect_socket(second.url)
    try:
        resumed = await seen.wait_for("story:voting-started")
        assert resumed["endsAt"] == int((clock.now() + 15) * 1000) and resumed["counts"] == [0, 1, 0]
        await advance_when_waiting(clock, 15)
        assert (await seen.wait_for("story:voting-ended"))["winnerIndex"] == 1
    finally:
        await overlay.disconnect()


chat_lines = st.one_of(
    st.text(max_size=40),
    st.builds(lambda p, c, s: f"{p}{c}{s}", st.sampled_from(["", "!", "！", " ", "#", "/"]),
              st.sampled_from(list("abcdefABCDEF123456ａｂｃ１２") + ["", "g", "7"]),
              st.sampled_from(["", "!", ".", "?!", " ", "。"])),
)


@settings(max_examples=10_000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(chat_lines, st.integers(min_value=2, max_value=6))
def test_fuzzed_chat_lines_never_raise_and_votes_stay_in_range(text: str, choices: int) -> None:
    vote = parse_vote(text, choices)
    assert vote is None or 0 <= vote < choices


model_answers = st.lists(st.one_of(
    st.text(max_size=80),
    st.sampled_from(["TITLE: x", "STORY:", "CHOICES:", "A) go", "B) stay", "1. run", "**A:** hide", "<think>",
                     "</think>", "```", "## Heading", "Sure! Here is the chapter:", "- C: wait", "\n", "", "Options:"]),
), max_size=25).map("\n".join)


@settings(max_examples=1_000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(model_answers, st.integers(min_value=1, max_value=9))
def test_fuzzed_model_answers_never_raise(answer: str, chunk: int) -> None:
    parsed = parse_chapter(answer)
    assert isinstance(parsed.content, str) and len(set(c.casefold() for c in parsed.choices)) == len(parsed.choices)
    parse_choices(answer)
    parse_outline(answer)
    think, prose = ThinkFilter(), ProseStream()
    streamed = "".join(prose.feed(think.feed(answer[i: i + chunk])) for i in range(0, len(answer), chunk))
    assert isinstance(streamed + prose.finish() + think.flush(), str)


def test_fuzz_inputs_cover_votes() -> None:
    """The generated lines really include votes (so the fuzz test exercises both outcomes)."""
    assert any(parse_vote(f"{p}{c}", 3) is not None for p, c in itertools.product("!！ ", "abc"))
