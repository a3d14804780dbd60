"""Faults never stop the show: stalls, timeouts, 5xx, 429, cut-off streams, junk; a breaker; fuzzed parsers."""

from __future__ import annotations

import asyncio
import itertools
import random
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from plugin import keys
from plugin.clock import ManualClock
from plugin.story.parse import parse_chapter, parse_choices, parse_outline
from plugin.story.streaming import LiveProse
from plugin.voting.parse import parse_vote
from plugin.writers.thinking import ThinkFilter
from tests.conftest import StartServer
from tests.support.harness import advance_when_waiting, watching
from tests.support.llm_env import CHAPTER, CHOICES, PROSE, Env, write_first_chapter
from tests.support.openai_server import FakeOpenAI, Reply

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
        return fault(kind, CHAPTER)

    return answer, seen


def fault(kind: str, content: str) -> Reply:
    """One kind of misbehaving answer to a request that should have answered `content`."""
    return {
        "500": Reply(status=500), "429": Reply(status=429, retry_after=0), "503": Reply(status=503),
        "stall": Reply(content=content, stall_after=2, stall_s=30), "cut": Reply(content=content, cut_after=4),
        "junk": Reply(content="{{{ ??? }}}"), "timeout": Reply(content=content, first_token_delay_s=30),
        "bad-frame": Reply(content=content, bad_frame_after=3), "empty": Reply(content=""),
    }[kind]


KINDS = ["500", "429", "503", "stall", "cut", "junk", "timeout", "bad-frame", "empty"]


@pytest.mark.parametrize("kind", KINDS)
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
    async with watching(first.url) as seen:
        await first.call("POST", f"{API}/start", {"theme": "western"})
        await seen.wait_for("story:voting-started")
        await first.call("POST", f"{API}/chat", {"user_id": "u1", "text": "!b"})
        await seen.wait_for("story:vote-update", lambda u: u["total"] == 1)
    await first.stop()
    clock.advance(3600)  # down for an hour
    second = await serve(clock, **{"voting.duration_s": 20, "voting.resume_grace_s": 15})
    async with watching(second.url) as seen:
        # the restarted server may announce the vote before this socket joins: its state says the same
        resumed = (await seen.wait_for("story:state", lambda s: s["voting"] is not None))["voting"]
        assert resumed["endsAt"] == int((clock.now() + 15) * 1000) and resumed["counts"] == [0, 1, 0]
        await advance_when_waiting(clock, 15)
        assert (await seen.wait_for("story:voting-ended"))["winnerIndex"] == 1


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
    think, prose = ThinkFilter(), LiveProse()
    streamed = "".join(prose.feed(think.feed(answer[i: i + chunk])) for i in range(0, len(answer), chunk))
    assert isinstance(streamed + prose.finish(streamed)[1] + think.flush(), str)


def test_fuzz_inputs_cover_votes() -> None:
    """The generated lines really include votes (so the fuzz test exercises both outcomes)."""
    assert any(parse_vote(f"{p}{c}", 3) is not None for p, c in itertools.product("!！ ", "abc"))


# --- whole stories against a provider that misbehaves in every way, in every purpose --------------------------------

OUTLINE = "TITLE: The Long Fall\nOUTLINE:\n1. The cliff\n2. The cave\n3. The way home"
FINAL = ("TITLE: Home Again\nSTORY:\nMara climbed the last ridge and saw the lights of the village below. "
         "She laughed, tired and whole, and walked down to meet the morning.")
MEMORY = ("SUMMARY: Mara searches for the way home.\nCHARACTER: Mara | brave climber | searching\n"
          "EVENT: Mara found a door.")
BARE = CHAPTER.split("CHOICES:")[0]  # a chapter without choices: the engine asks for a repair
REPAIR = "CHOICES:\nA) Open the door\nB) Hide in the alcove\nC) Sing the song back"
PURPOSES = (("memory", "Update the story memory"), ("repair", "It needs exactly"), ("outline", "Plan an interactive"),
            ("final", "the final chapter"), ("chapter", "Write chapter"))


def purpose_of(body: dict[str, Any]) -> str:
    """Which step of the story a request is (read from its prompt)."""
    prompt = " ".join(str(m.get("content", "")) for m in body.get("messages", []))
    return next((name for name, marker in PURPOSES if marker in prompt), "other")


class Gremlin:
    """A provider that answers most requests with a fault of a random kind, and counts them per purpose."""

    def __init__(self, seed: int, rate: float) -> None:
        self.rng, self.rate = random.Random(seed), rate
        self.faults: dict[str, int] = {}
        self.calls = 0

    def __call__(self, body: dict[str, Any]) -> Reply:
        purpose = purpose_of(body)
        self.calls += 1
        good = {"memory": MEMORY, "repair": REPAIR, "outline": OUTLINE, "final": FINAL}.get(
            purpose, BARE if self.rng.random() < 0.4 else CHAPTER)
        if self.rng.random() >= self.rate:
            return Reply(content=good)
        self.faults[purpose] = self.faults.get(purpose, 0) + 1
        return fault(self.rng.choice(KINDS), good)


async def test_a_hundred_faults_in_every_purpose_never_leave_a_story_stuck(serve: StartServer) -> None:
    gremlin = Gremlin(seed=11, rate=0.7)
    async with FakeOpenAI(default_reply=gremlin) as fake:
        server = await serve(ManualClock(), **{
            "llm.base_url": fake.base_url, "llm.api_key": "test-key", "llm.model": "fake-model",
            "llm.fallback_models": [], "llm.max_retries": 1, "llm.stall_timeout_s": 0.3, "llm.timeout_s": 20,
            "llm.breaker_cooldown_s": 0, "story.max_chapters": 3, "story.chapter_words": 30,
            "images.provider": "off", "tts.provider": "off", "story.prefetch": "off"})
        stories = 0
        async with watching(server.url, "/admin", {"token": server.token}) as seen:
            while sum(gremlin.faults.values()) < 100:
                status, body = await server.call("POST", f"{API}/start", {"theme": "fantasy"})
                assert status == 201, body
                session = body["session"]["id"]
                async with asyncio.timeout(120):  # a story never hangs, whatever the provider does
                    for number in (1, 2):
                        await seen.wait_for("story:voting-started", lambda v, s=session, n=number: (
                            v["sessionId"], v["chapterNumber"]) == (s, n))
                        assert (await server.call("POST", f"{API}/next-chapter", {"choiceIndex": 1}))[0] == 200
                    await seen.wait_for("story:ended", lambda e, s=session: e["sessionId"] == s)
                stories += 1
            assert not seen.named("story:error")  # no step ever failed: faults were retried, then written offline
        assert set(gremlin.faults) >= {"outline", "chapter", "final", "memory", "repair"}, gremlin.faults
        assert stories >= 3


@pytest.mark.parametrize("json_mode", ["on", "off"])
async def test_a_broken_memory_answer_never_holds_up_the_next_chapter(serve: StartServer, json_mode: str) -> None:
    def answer(body: dict[str, Any]) -> Reply:
        purpose = purpose_of(body)
        if purpose == "memory":
            return Reply(content=MEMORY, bad_frame_after=1)  # the openai client raises JSONDecodeError
        return Reply(content={"outline": OUTLINE, "final": FINAL}.get(purpose, CHAPTER))

    async with FakeOpenAI(default_reply=answer) as fake:
        server = await serve(ManualClock(), **{
            "llm.base_url": fake.base_url, "llm.api_key": "test-key", "llm.model": "fake-model",
            "llm.fallback_models": [], "llm.json_mode": json_mode, "story.max_chapters": 2,
            "story.chapter_words": 30, "images.provider": "off", "tts.provider": "off"})
        async with watching(server.url, "/admin", {"token": server.token}) as seen:
            await server.call("POST", f"{API}/start", {"theme": "fantasy"})
            await seen.wait_for("story:voting-started")
            await server.call("POST", f"{API}/next-chapter", {"choiceIndex": 0})
            ended = await seen.wait_for("story:ended", timeout=30)
            assert ended["recap"]["chapters"] == 2 and not seen.named("story:error")
        status, memory = await server.call("GET", f"{API}/memory")
        assert memory["memory"]["characters"] == []  # the failed updates stored nothing, and nothing broke


# --- the database itself fails: the panel is told at once, ballots are kept, the story goes on after ------------------


@pytest.mark.parametrize("fault_kind", ["locked", "full"])
async def test_a_failing_database_is_told_to_the_panel_and_loses_no_ballot(serve: StartServer, tmp_path: Path,
                                                                           fault_kind: str) -> None:
    clock = ManualClock()
    server = await serve(clock, **{"voting.duration_s": 60, "images.provider": "off", "tts.provider": "off",
                                   "story.retry_delay_s": 5})
    db = server.app[keys.DB]
    async with watching(server.url, "/admin", {"token": server.token}) as seen:
        await server.call("POST", f"{API}/start", {"theme": "fantasy"})
        await seen.wait_for("story:voting-started")
        blocker = sqlite3.connect(tmp_path / "data" / "story.db", isolation_level=None)
        if fault_kind == "locked":
            blocker.execute("BEGIN EXCLUSIVE")  # another program holds the database
        else:
            pages = (await db.fetchone("PRAGMA page_count"))[0]
            await db.conn.execute(f"PRAGMA max_page_count = {pages}")  # the disk is full from now on
        lines = [{"user_id": f"v{i}", "nickname": f"v{i}", "text": "!b", "msg_id": f"m{i}"} for i in range(300)]
        await server.call("POST", f"{API}/chat", {"messages": lines})
        await server.call("POST", f"{API}/next-chapter", {})  # closing the vote needs the database
        error = await seen.wait_for("story:error", timeout=30)
        assert error["retryInS"] == 5 and ("locked" in error["message"] or "full" in error["message"])
        state = await seen.wait_for("story:state", lambda s: s["state"] == "error")
        assert state["error"]["message"] == error["message"]
        if fault_kind == "locked":
            blocker.execute("ROLLBACK")
        else:
            await db.conn.execute("PRAGMA max_page_count = 1073741823")
        blocker.close()
        retried = seen.mark()
        await advance_when_waiting(clock, 5)  # the step is tried again: the vote is open again, ballots and all
        reopened = await seen.wait_for("story:voting-started", after=retried)
        assert reopened["counts"] == [0, 300, 0]
        await server.call("POST", f"{API}/next-chapter", {})
        ended = await seen.wait_for("story:voting-ended", timeout=30)
        assert ended["counts"] == [0, 300, 0]
        await seen.wait_for("story:chapter-ready", lambda c: c["chapterNumber"] == 2, timeout=30)
    with sqlite3.connect(tmp_path / "data" / "story.db") as check:
        assert check.execute("SELECT COUNT(*) FROM story_ballots").fetchone()[0] == 300
