"""Rehearsal is never mistaken for live: simulated and rehearsal viewers stay out of all-time stats; and the end
card counts ballots by one rule (every ballot cast counts, those of a vote cut short by "End now" too)."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from plugin.clock import ManualClock, SystemClock
from tests.conftest import StartServer
from tests.support.harness import advance_when_waiting, watching

API = "/api/interactive-story"


def chat(platform: str | None, *pairs: tuple[str, str]) -> dict[str, Any]:
    """POST chat lines, each {user_id, nickname, text} (and platform, when given)."""
    extra = {"platform": platform} if platform else {}
    return {"messages": [{"user_id": u, "nickname": f"Nick {u}", "text": t, **extra} for u, t in pairs]}


async def test_end_now_during_the_first_vote_counts_its_ballots_on_the_end_card(serve: StartServer) -> None:
    server = await serve(ManualClock(), **{"story.max_chapters": 6, "voting.duration_s": 30})
    async with watching(server.url) as seen:
        await server.call("POST", f"{API}/start", {"theme": "fairytale"})
        await seen.wait_for("story:voting-started")
        # the reported case: five viewers vote once each, then the streamer ends the story at once ("End now")
        five = [(f"v{i}", "!a" if i % 2 else "!b") for i in range(5)]
        await server.call("POST", f"{API}/chat", chat("tiktok", *five))
        await seen.wait_for("story:vote-update", lambda u: u["total"] == 5)
        assert (await server.call("POST", f"{API}/end", {"final": False}))[0] == 200
        ended = await seen.wait_for("story:ended")
    recap = ended["recap"]
    # one rule: every ballot cast counts, those of the vote cut short too (the card read "1 CHAPTERS · 0 VOTES"
    # above five top voters with one vote each)
    assert (recap["chapters"], recap["totalVotes"]) == (1, 5)
    assert [v["votes"] for v in recap["topVoters"]] == [1] * 5


async def test_the_end_card_history_and_storybook_count_the_same_ballots(serve: StartServer) -> None:
    clock = ManualClock()
    server = await serve(clock, **{"story.max_chapters": 6, "voting.duration_s": 30})
    async with watching(server.url) as seen:
        await server.call("POST", f"{API}/start", {"theme": "fairytale"})
        await seen.wait_for("story:voting-started", lambda v: v["chapterNumber"] == 1)
        await server.call("POST", f"{API}/chat", chat("tiktok", ("ana", "!a"), ("ben", "!b")))
        await seen.wait_for("story:vote-update", lambda u: u["total"] == 2)
        await advance_when_waiting(clock, 30)
        await seen.wait_for("story:voting-ended", lambda v: v["chapterNumber"] == 1)
        await seen.wait_for("story:voting-started", lambda v: v["chapterNumber"] == 2)
        await server.call("POST", f"{API}/chat", chat("tiktok", ("ana", "!c"), ("cy", "!b"), ("dee", "!c")))
        await seen.wait_for("story:vote-update", lambda u: u["total"] == 3)
        assert (await server.call("POST", f"{API}/end", {"final": False}))[0] == 200
        ended = await seen.wait_for("story:ended")
    recap, session_id = ended["recap"], ended["sessionId"]
    assert (recap["chapters"], recap["totalVotes"]) == (2, 5)
    assert {v["userId"]: v["votes"] for v in recap["topVoters"]} == {"ana": 2, "ben": 1, "cy": 1, "dee": 1}
    assert (await server.call("GET", f"{API}/status"))[1]["recap"] == recap
    detail = (await server.call("GET", f"{API}/session/{session_id}"))[1]
    assert [[c["votes"] for c in ch["votes"]] for ch in detail["chapters"]] == [[1, 1, 0], [0, 1, 2]]
    assert detail["chapters"][1]["chosenIndex"] is None  # counted, but never decided
    assert sum(v["votes"] for v in detail["topVoters"]) == 5
    book = (await server.call("GET", f"{API}/export/{session_id}?format=json"))[1]
    assert book["total_votes"] == 5 and sum(v["votes"] for v in book["top_voters"]) == 5


async def test_a_story_run_on_the_simulated_audience_leaves_all_time_top_voters_empty(
        serve: StartServer, tmp_path: Path) -> None:
    server = await serve(SystemClock(), **{"chat.source": "simulator", "simulator.votes_per_s": 200,
                                           "simulator.chatter": 0, "story.max_chapters": 2, "voting.duration_s": 1})
    async with watching(server.url) as seen:
        await server.call("POST", f"{API}/start", {"theme": "scifi"})
        ended = await seen.wait_for("story:ended", timeout=60)
    db = sqlite3.connect(tmp_path / "data" / "story.db")
    platforms = {p for (p,) in db.execute("SELECT DISTINCT platform FROM story_ballots")}
    assert platforms == {"simulator"}, "the simulated audience votes on a platform of its own"
    assert (await server.call("GET", f"{API}/top-voters"))[1]["topVoters"] == []
    session = (await server.call("GET", f"{API}/top-voters?session={ended['sessionId']}"))[1]["topVoters"]
    assert session and all(v["simulated"] and v["platform"] == "simulator" for v in session)
    assert ended["recap"]["topVoters"] and all(v["simulated"] for v in ended["recap"]["topVoters"])
    assert ended["recap"]["totalVotes"] > 0
    everyone = (await server.call("GET", f"{API}/top-voters?simulated=1"))[1]["topVoters"]
    assert everyone and all(v["simulated"] for v in everyone)


async def test_rehearsal_chat_is_listed_per_story_as_simulated_and_kept_out_of_all_time_stats(
        serve: StartServer, tmp_path: Path) -> None:
    clock = ManualClock()
    server = await serve(clock, **{"story.max_chapters": 2, "voting.duration_s": 30})
    async with watching(server.url) as seen:
        await server.call("POST", f"{API}/start", {"theme": "western"})
        await seen.wait_for("story:voting-started")
        await server.call("POST", f"{API}/chat", chat(None, ("me", "!a"), ("me2", "!a")))  # the streamer's box
        await server.call("POST", f"{API}/chat", chat("tiktok", ("fan", "!b")))
        await seen.wait_for("story:vote-update", lambda u: u["total"] == 3)
        await advance_when_waiting(clock, 30)
        ended = await seen.wait_for("story:ended")
    # an old database: simulated viewers' stats from before are there too, and stay out as well
    db = sqlite3.connect(tmp_path / "data" / "story.db")
    db.execute("INSERT INTO story_viewer_stats (platform, user_id, nickname, votes, first_seen, last_vote_at)"
               " VALUES ('simulator', 'sim-7', 'Kiwi7', 99, 0, 0)")
    db.commit()
    alltime = (await server.call("GET", f"{API}/top-voters"))[1]["topVoters"]
    assert [(v["userId"], v["platform"], v["votes"], v["simulated"]) for v in alltime] == [
        ("fan", "tiktok", 1, False)]
    per_story = (await server.call("GET", f"{API}/top-voters?session={ended['sessionId']}"))[1]["topVoters"]
    assert sorted((v["userId"], v["platform"], v["simulated"]) for v in per_story) == [
        ("fan", "tiktok", False), ("me", "rehearsal", True), ("me2", "rehearsal", True)]
    assert ended["recap"]["totalVotes"] == 3 == sum(v["votes"] for v in ended["recap"]["topVoters"])
    everyone = (await server.call("GET", f"{API}/top-voters?simulated=1"))[1]["topVoters"]
    assert {v["userId"]: v["simulated"] for v in everyone} == {"sim-7": True, "fan": False, "me": True,
                                                               "me2": True}
    assert (await server.call("GET", f"{API}/top-voters?simulated=2"))[0] == 400
