"""What viewers do besides typing a vote: gifts and likes weigh ballots, moderators command, stats add up."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from plugin import keys
from plugin.clock import ManualClock
from plugin.messages import ChatMessage, Gift, Like, StreamStatus, ViewerAction
from tests.conftest import StartServer
from tests.support.harness import Running, advance_when_waiting, watching

API = "/api/interactive-story"


def comment(user: str, text: str, handle: str = "", msg_id: str | None = None) -> ChatMessage:
    return ChatMessage("tiktok", user, f"nick-{user}", text, msg_id, 0.0, handle)


def feed(server: Running, *events: object) -> None:
    server.app[keys.GATEWAY].accept_batch(events)  # type: ignore[arg-type]


async def test_gifts_and_likes_add_votes_to_the_givers_choice(serve: StartServer, tmp_path: Path) -> None:
    clock = ManualClock()
    server = await serve(clock, **{"voting.diamonds_per_vote": 5, "voting.likes_per_vote": 100,
                                   "voting.max_weight_per_viewer": 4})
    async with watching(server.url) as seen:
        await server.call("POST", f"{API}/start", {"theme": "superhero"})
        await seen.wait_for("story:voting-started")
        feed(server, comment("whale", "!b"), comment("fan", "!a"))
        feed(server, Gift("tiktok", "whale", "Whale", "Rose", 1, 10, "g1", 0.0))  # 10 diamonds: +2 votes
        await seen.wait_for("story:vote-update", lambda u: u["counts"] == [1, 3, 0])
        feed(server, Like("tiktok", "fan", "Fan", 250, "l1", 0.0))  # 250 likes: +2 votes
        await seen.wait_for("story:vote-update", lambda u: u["counts"] == [3, 3, 0])
        feed(server, Gift("tiktok", "whale", "Whale", "Universe", 500, 1, "g2", 0.0))
        await seen.wait_for("story:vote-update", lambda u: u["counts"] == [3, 4, 0])  # capped at 4
        feed(server, Gift("tiktok", "late", "Late", "Rose", 1, 5, "g3", 0.0), comment("late", "!c"))
        await seen.wait_for("story:vote-update", lambda u: u["counts"] == [3, 4, 2])  # gift before the vote counts
        await advance_when_waiting(clock, 60)
        assert (await seen.wait_for("story:voting-ended"))["winnerIndex"] == 1
    await server.stop()
    db = sqlite3.connect(tmp_path / "data" / "story.db")
    assert dict(db.execute("SELECT user_id, weight FROM story_ballots").fetchall()) == {
        "whale": 4, "fan": 3, "late": 2}
    stats = {r[0]: r[1:] for r in db.execute("SELECT user_id, gifts, diamonds, likes FROM story_viewer_stats")}
    assert stats["whale"] == (11, 510, 0) and stats["fan"] == (0, 0, 250)


async def test_moderators_can_extend_end_and_skip_and_others_cannot(serve: StartServer) -> None:
    clock = ManualClock()
    server = await serve(clock, **{"tiktok.unique_id": "@TheStreamer", "tiktok.moderators": ["helper_mod"],
                                   "voting.duration_s": 60})
    async with watching(server.url) as seen:
        await server.call("POST", f"{API}/start", {"theme": "mystery"})
        vote = await seen.wait_for("story:voting-started")
        feed(server, comment("rando", "!extend 300", handle="rando"), comment("rando", "!endvote", handle="rando"))
        feed(server, comment("mod", "!extend 30", handle="Helper_Mod"))
        extended = await seen.wait_for("story:voting-started", lambda v: v["extended"])
        assert extended["endsAt"] == vote["endsAt"] + 30_000
        feed(server, comment("boss", "!endvote", handle="thestreamer"))
        await seen.wait_for("story:voting-ended")
        assert len(seen.named("story:voting-ended")) == 1


async def test_rehearsal_box_commands_work_like_a_moderators(serve: StartServer) -> None:
    server = await serve(ManualClock(), **{"story.mode": "manual"})
    async with watching(server.url) as seen:
        await server.call("POST", f"{API}/start", {"theme": "adventure"})
        await seen.wait_for("story:voting-started")
        await server.call("POST", f"{API}/chat", {"user_id": "me", "nickname": "me", "text": "!endvote"})
        await seen.wait_for("story:state", lambda s: s["state"] == "waiting")
        await server.call("POST", f"{API}/chat", {"user_id": "me", "nickname": "me", "text": "!skip"})
        await seen.wait_for("story:chapter-ready", lambda c: c["chapterNumber"] == 2)


async def test_the_live_ending_pauses_the_vote_until_it_is_back(serve: StartServer) -> None:
    clock = ManualClock()
    server = await serve(clock, **{"voting.duration_s": 60})
    async with watching(server.url) as seen:
        await server.call("POST", f"{API}/start", {"theme": "scifi"})
        await seen.wait_for("story:voting-started")
        clock.advance(20)
        feed(server, StreamStatus("tiktok", "live_ended", "the streamer ended the LIVE", 0.0))
        state = await seen.wait_for("story:state", lambda s: bool(s["voting"] and s["voting"]["paused"]))
        assert state["voting"]["remainingMs"] == 40_000
        clock.advance(600)
        status, body = await server.call("GET", f"{API}/status")
        assert body["state"] == "voting" and body["voting"]["remainingMs"] == 40_000
        feed(server, StreamStatus("tiktok", "connected", "back", 0.0))
        resumed = await seen.wait_for("story:voting-started", lambda v: v["extended"] and not v["paused"])
        assert resumed["endsAt"] == int((clock.now() + 40) * 1000)
        await advance_when_waiting(clock, 40)
        await seen.wait_for("story:voting-ended")


async def test_joins_follows_and_shares_count_in_viewer_stats(serve: StartServer, tmp_path: Path) -> None:
    server = await serve()
    feed(server, *[ViewerAction("tiktok", "v1", "Vee", action, None, 0.0) for action in ("join", "follow", "share")],
         ViewerAction("tiktok", "v1", "Vee", "join", None, 0.0))
    await server.stop()
    row = sqlite3.connect(tmp_path / "data" / "story.db").execute(
        "SELECT joins, follows, shares, votes FROM story_viewer_stats WHERE user_id = 'v1'").fetchone()
    assert row == (2, 1, 1, 0)
