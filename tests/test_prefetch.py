"""Pre-written branches: the winner's chapter is ready when the vote closes; the others are roads not taken."""

from __future__ import annotations

import asyncio
from typing import Any

from plugin.clock import ManualClock
from tests.conftest import StartServer
from tests.support.harness import advance_when_waiting, watching
from tests.support.openai_server import FakeOpenAI, Reply

API = "/api/interactive-story"


def fake_writer(body: dict[str, Any]) -> Reply:
    """Outline, memory and chapters; a chapter says which choice it continues, and streams at a human pace."""
    prompt = body["messages"][1]["content"]
    if "Plan an interactive story" in prompt:
        return Reply(content="TITLE: Forks\nOUTLINE:\n1. Start\n2. Middle\n3. End")
    if "Update the story memory" in prompt:
        return Reply(content='{"summary": "Things happened.", "characters": []}')
    chose = prompt.split('The audience chose: "')[1].split('"')[0] if "The audience chose" in prompt else "nothing"
    text = f"TITLE: After {chose}\nSTORY:\nThe hero did this: {chose}. " + "".join(
        f"Then the road went on for mile {mile} and the hero walked on. " for mile in range(1, 9))
    return Reply(content=text + "\nCHOICES:\nA) Left path\nB) Right path\nC) Stay put", tokens_per_s=400)


async def requested(fake: FakeOpenAI, choice: str, timeout: float = 15) -> None:
    """Wait until the fake has received a chapter request continuing from `choice`."""
    async with asyncio.timeout(timeout):
        while not chapter_requests(fake, choice):
            await fake.wait_for_requests(len(fake.requests) + 1, timeout=timeout)


def chapter_requests(fake: FakeOpenAI, choice: str) -> int:
    """How many chapter requests continued from `choice`."""
    return sum(f'The audience chose: "{choice}"' in r.body["messages"][1]["content"]
               for r in fake.requests if r.path == "/v1/chat/completions")


async def test_the_leaders_chapter_is_written_during_the_vote_and_used_at_once(serve: StartServer) -> None:
    clock = ManualClock()
    async with FakeOpenAI(api_key=None, default_reply=fake_writer) as fake:
        server = await serve(clock, **{"llm.base_url": fake.base_url, "llm.model": "fake-model",
                                       "story.chapter_words": 60, "story.prefetch": "leader",
                                       "voting.duration_s": 30})
        async with watching(server.url) as seen, \
                watching(server.url, "/admin", auth={"token": server.token}) as admin_seen:
            await server.call("POST", f"{API}/start", {"theme": "adventure"})
            await seen.wait_for("story:voting-started")
            await server.call("POST", f"{API}/chat", {"messages": [
                {"user_id": "a", "text": "!b"}, {"user_id": "b", "text": "!b"}, {"user_id": "c", "text": "!a"}]})
            ready = await admin_seen.wait_for("story:branch-ready", lambda b: b["choiceIndex"] == 1)
            assert ready["chapterNumber"] == 2 and chapter_requests(fake, "Right path") == 1
            status, body = await server.call("GET", f"{API}/status")
            assert {"choiceIndex": 1, "state": "ready"} in body["prefetch"]["branches"]
            await advance_when_waiting(clock, 30)
            chapter = await seen.wait_for("story:chapter-ready", lambda c: c["chapterNumber"] == 2)
            assert chapter["title"] == "After Right path" and chapter["parentChoice"] == "Right path"
            assert chapter_requests(fake, "Right path") == 1  # written once, during the vote


async def test_when_the_leader_changes_the_branch_that_fell_behind_is_cancelled(serve: StartServer) -> None:
    clock = ManualClock()
    slow = lambda body: Reply(content=fake_writer(body).content, tokens_per_s=20)  # noqa: E731
    async with FakeOpenAI(api_key=None, default_reply=slow) as fake:
        server = await serve(clock, **{"llm.base_url": fake.base_url, "llm.model": "fake-model",
                                       "story.chapter_words": 60, "story.prefetch": "leader",
                                       "story.prefetch_concurrency": 1, "voting.duration_s": 30})
        async with watching(server.url) as seen:
            await server.call("POST", f"{API}/start", {"theme": "adventure"})
            await seen.wait_for("story:voting-started")
            await server.call("POST", f"{API}/chat", {"user_id": "a", "text": "!a"})
            await requested(fake, "Left path")  # the leader's branch is being written
            await server.call("POST", f"{API}/chat", {"messages": [{"user_id": u, "text": "!c"} for u in "bcd"]})
            await advance_when_waiting(clock, 30)
            chapter = await seen.wait_for("story:chapter-ready", lambda c: c["chapterNumber"] == 2, timeout=30)
            assert chapter["parentChoice"] == "Stay put"
            status, detail = await server.call("GET", f"{API}/session/{chapter['sessionId']}")
            assert detail["roadsNotTaken"] == []  # the cancelled branch was never finished


async def test_all_mode_keeps_the_roads_not_taken(serve: StartServer) -> None:
    clock = ManualClock()
    server = await serve(clock, **{"story.prefetch": "all", "story.prefetch_concurrency": 3, "voting.duration_s": 30})
    async with watching(server.url) as seen, watching(server.url, "/admin", auth={"token": server.token}) as admin_seen:
        await server.call("POST", f"{API}/start", {"theme": "fairytale"})
        vote = await seen.wait_for("story:voting-started")
        for index in range(3):
            await admin_seen.wait_for("story:branch-ready", lambda b, i=index: b["choiceIndex"] == i)
        await server.call("POST", f"{API}/chat", {"user_id": "a", "text": "!c"})
        await seen.wait_for("story:vote-update", lambda u: u["total"] == 1)
        await advance_when_waiting(clock, 30)
        chapter = await seen.wait_for("story:chapter-ready", lambda c: c["chapterNumber"] == 2)
        assert chapter["parentChoice"] == vote["choices"][2]
        status, detail = await server.call("GET", f"{API}/session/{chapter['sessionId']}")
        roads = detail["roadsNotTaken"]
        assert [(r["chapterNumber"], r["choice"]) for r in roads] == [(2, vote["choices"][0]), (2, vote["choices"][1])]
        assert all(r["content"] and r["content"] != chapter["content"] for r in roads)


async def test_a_note_given_during_the_vote_is_followed_even_with_branches_ready(serve: StartServer) -> None:
    clock = ManualClock()
    server = await serve(clock, **{"story.prefetch": "all", "story.prefetch_concurrency": 3, "voting.duration_s": 30})
    async with watching(server.url) as seen, watching(server.url, "/admin", auth={"token": server.token}) as admin_seen:
        await server.call("POST", f"{API}/start", {"theme": "mystery"})
        await seen.wait_for("story:voting-started")
        await admin_seen.wait_for("story:branch-ready")
        await server.call("POST", f"{API}/director-note", {"note": "a talking cat appears"})
        await advance_when_waiting(clock, 30)
        chapter = await seen.wait_for("story:chapter-ready", lambda c: c["chapterNumber"] == 2)
        assert "cat" in chapter["content"].lower()
