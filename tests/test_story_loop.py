"""The story loop's behaviours: manual mode, ending early, errors with retry, resume after restart."""

from __future__ import annotations

from typing import Any

from plugin.clock import ManualClock
from tests.conftest import StartServer
from tests.support.harness import advance_when_waiting, watching
from tests.support.openai_server import FakeOpenAI, Reply

API = "/api/interactive-story"
OUTLINE = "TITLE: Night Train\nOUTLINE:\n1. Board\n2. Ride\n3. Arrive"
CHAPTER = ("TITLE: Platform Nine\nSTORY:\nThe night train hissed into the station while Ivo counted his last "
           "coins and watched the conductor's lantern swing.\nCHOICES:\nA) Board the train\nB) Follow the "
           "conductor\nC) Wait for the next one")


def votes(*pairs: tuple[str, str]) -> dict[str, Any]:
    return {"messages": [{"user_id": u, "nickname": u, "text": t} for u, t in pairs]}


async def test_manual_mode_waits_for_the_admin_who_may_pick_the_branch(serve: StartServer) -> None:
    clock = ManualClock()
    server = await serve(clock, **{"story.mode": "manual", "voting.duration_s": 5})
    async with watching(server.url) as seen:
        await server.call("POST", f"{API}/start", {"theme": "western"})
        vote = await seen.wait_for("story:voting-started")
        await server.call("POST", f"{API}/chat", votes(("a", "!a"), ("b", "!a")))
        await seen.wait_for("story:vote-update", lambda u: u["total"] == 2)
        await advance_when_waiting(clock, 5)
        assert (await seen.wait_for("story:voting-ended"))["winnerIndex"] == 0
        await seen.wait_for("story:state", lambda s: s["state"] == "waiting")
        assert not [c for c in seen.named("story:generation-started") if c["chapterNumber"] == 2]
        status, _ = await server.call("POST", f"{API}/next-chapter", {"choiceIndex": 7})
        assert status == 400
        status, _ = await server.call("POST", f"{API}/next-chapter", {"choiceIndex": 2})
        assert status == 200
        ready = await seen.wait_for("story:chapter-ready", lambda c: c["chapterNumber"] == 2)
        assert ready["parentChoice"] == vote["choices"][2]
        status, body = await server.call("GET", f"{API}/session/{ready['sessionId']}")
        assert body["chapters"][0]["chosenIndex"] == 2
        assert [v["votes"] for v in body["chapters"][0]["votes"]] == [2, 0, 0]


async def test_end_during_a_vote_writes_a_final_chapter_from_the_leader(serve: StartServer) -> None:
    clock = ManualClock()
    server = await serve(clock, **{"story.max_chapters": 10})
    async with watching(server.url) as seen:
        await server.call("POST", f"{API}/start", {"theme": "fairytale"})
        vote = await seen.wait_for("story:voting-started")
        await server.call("POST", f"{API}/chat", votes(("a", "!c"), ("b", "3"), ("c", "!a")))
        await seen.wait_for("story:vote-update", lambda u: u["total"] == 3)
        assert (await server.call("POST", f"{API}/end", {}))[0] == 200
        final = await seen.wait_for("story:chapter-ready", lambda c: c["chapterNumber"] == 2)
        assert final["isFinal"] and final["choices"] == [] and final["parentChoice"] == vote["choices"][2]
        await seen.wait_for("story:ended")


async def test_end_without_final_stops_at_once(serve: StartServer) -> None:
    server = await serve(ManualClock())
    async with watching(server.url) as seen:
        await server.call("POST", f"{API}/start", {"theme": "comedy"})
        await seen.wait_for("story:voting-started")
        assert (await server.call("POST", f"{API}/end", {"final": False}))[0] == 200
        await seen.wait_for("story:ended")
        status, body = await server.call("GET", f"{API}/status")
        assert body["state"] == "ended" and body["chapter"]["chapterNumber"] == 1
        assert (await server.call("POST", f"{API}/start", {"theme": "comedy"}))[0] == 201


async def test_too_few_votes_extend_the_vote_once(serve: StartServer) -> None:
    clock = ManualClock()
    server = await serve(clock, **{"voting.min_votes": 2, "voting.duration_s": 10})
    async with watching(server.url) as seen:
        await server.call("POST", f"{API}/start", {"theme": "romance"})
        await seen.wait_for("story:voting-started")
        await advance_when_waiting(clock, 10)
        extended = await seen.wait_for("story:voting-started", lambda v: v["extended"])
        assert extended["endsAt"] == int((clock.now() + 10) * 1000)
        await advance_when_waiting(clock, 10)
        assert (await seen.wait_for("story:voting-ended"))["reason"] == "no_votes"


async def test_a_failing_provider_shows_an_error_and_retries_until_it_works(serve: StartServer) -> None:
    clock = ManualClock()
    async with FakeOpenAI(default_reply=None) as fake:
        fake.script(Reply(content=OUTLINE), Reply(status=503), Reply(status=503), Reply(content=CHAPTER))
        server = await serve(clock, **{"llm.base_url": fake.base_url, "llm.api_key": "test-key",
                                       "llm.model": "fake-model", "llm.max_retries": 0,
                                       "llm.offline_fallback": False, "story.retry_delay_s": 30,
                                       "story.chapter_words": 30, "llm.json_mode": "off"})
        async with watching(server.url, "/admin", auth={"token": server.token}) as seen:
            await server.call("POST", f"{API}/start", {"theme": "mystery"})
            error = await seen.wait_for("story:error")
            assert "503" in error["message"] and error["retryInS"] == 30  # the streamer is told why
            status, body = await server.call("GET", f"{API}/status")
            assert body["state"] == "error" and body["error"]["message"]
            retried = seen.mark()
            await advance_when_waiting(clock, 30)  # the automatic retry fails again ...
            await seen.wait_for("story:error", after=retried)
            assert (await server.call("POST", f"{API}/next-chapter", {}))[0] == 200  # ... the admin retries now
            ready = await seen.wait_for("story:chapter-ready")
            assert ready["title"] == "Platform Nine"
            await seen.wait_for("story:voting-started")


async def test_a_restarted_server_resumes_the_open_vote_with_its_ballots(serve: StartServer) -> None:
    clock = ManualClock()
    first = await serve(clock, **{"voting.duration_s": 60})
    async with watching(first.url) as seen:
        await first.call("POST", f"{API}/start", {"theme": "postapocalyptic"})
        vote = await seen.wait_for("story:voting-started")
        await first.call("POST", f"{API}/chat", votes(("a", "!b"), ("b", "!b"), ("c", "!a")))
        await seen.wait_for("story:vote-update", lambda u: u["total"] == 3)
    await first.stop()  # graceful: pending ballots are written

    clock.advance(20)
    second = await serve(clock, **{"voting.duration_s": 60})
    async with watching(second.url) as seen:
        # the restarted server may announce the vote before this socket joins: its state says the same
        resumed = (await seen.wait_for("story:state", lambda s: s["voting"] is not None))["voting"]
        assert resumed["counts"] == [1, 2, 0] and resumed["endsAt"] == vote["endsAt"]
        async with watching(second.url) as late_seen:  # an overlay that reloads mid-vote
            state = await late_seen.wait_for("story:state")
        assert state["voting"]["counts"] == [1, 2, 0] and state["voting"]["remainingMs"] == 40_000
        await second.call("POST", f"{API}/chat", votes(("d", "!b")))
        await advance_when_waiting(clock, 40)
        ended = await seen.wait_for("story:voting-ended")
        assert ended["counts"] == [1, 3, 0] and ended["winnerIndex"] == 1
