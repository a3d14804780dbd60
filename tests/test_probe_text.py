"""Probe: whatever text viewers, streamers or models send, the story goes on and nothing else is lost."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from plugin import keys
from plugin.chat.tiktok import TikTokSource
from plugin.clock import ManualClock
from plugin.messages import ChatMessage
from plugin.settings.chat import TikTokSettings
from plugin.text import clean_text
from plugin.voting.parse import parse_vote
from tests.conftest import StartServer
from tests.support import tiktok_frames as tf
from tests.support.harness import Running, advance_when_waiting, watching

API = "/api/interactive-story"
BROKEN = ["\ud800", "a\udfffb", "\x00", "nul\x00in", "\x1b[31mred", "bell\x07", "\x85next"]  # refused in requests
HOSTILE = [*BROKEN, "\u202eevil", "zero\u200bwidth\u2066", "<img src=x onerror=alert(1)>", "<script>alert(1)</script>",
           "'; DROP TABLE story_ballots; --", "%s%s%n{0}", "{{7*7}}${x}", "\r\n\r\nHTTP/1.1 200 OK", "👩‍👩‍👧 ملك",
           "\ufeff\ufffe\uffff"]
TIKTOK = TikTokSettings(unique_id="story_host", sign_api_key="", session_id="", reconnect_min_s=2.0,
                        reconnect_max_s=60.0, offline_poll_s=30.0, stall_timeout_s=45.0, moderators=())


def ballots(data_dir: Path, chapter: int = 1) -> dict[str, int]:
    """Saved ballots of the vote on a chapter (not the newest round: the next vote may already be open): user id ->
    choice."""
    with sqlite3.connect(data_dir / "story.db") as db:
        return dict(db.execute("SELECT user_id, choice_index FROM story_ballots WHERE round_id ="
                               " (SELECT MIN(id) FROM story_rounds WHERE chapter_number = ?)", (chapter,)).fetchall())


async def open_vote(server: Running, seen: Any) -> dict[str, Any]:
    """Start a story and wait for its first vote."""
    await server.call("POST", f"{API}/start", {"theme": "fantasy"})
    return await seen.wait_for("story:voting-started")


@pytest.mark.parametrize(("path", "body", "field"), [
    ("start", {"theme": "{x}"}, "theme"), ("start", {"theme": "fantasy", "outline": "{x}"}, "outline"),
    ("start", {"theme": "custom", "customTheme": "{x}"}, "customTheme"),
    ("start", {"theme": "fantasy", "style": {"tone": "{x}"}}, "style.tone"),
    ("director-note", {"note": "{x}"}, "note"), ("choice", {"index": 0, "text": "{x}"}, "text"),
    ("chapter/rewrite", {"passage": "{x}", "instruction": "shorter"}, "passage"),
    ("chapter/regenerate", {"instruction": "{x}"}, "instruction"), ("writers-chat", {"message": "{x}"}, "message"),
    ("drafts", {"theme": "fantasy", "wishes": "{x}"}, "wishes"), ("voices", {"Mara": "{x}"}, "Mara"),
    ("config", {"story": {"persona": "{x}"}}, "story.persona"), ("config", {"tiktok.moderators": ["ok", "{x}"]},
                                                                   "tiktok.moderators[1]"),
    ("chat", {"messages": [{"user_id": "u", "text": "!a", "platform": "x", "extra": {"{x}": 1}}]},
     "messages[0].extra"),
])
@pytest.mark.parametrize("text", BROKEN[:5], ids=["surrogate", "surrogate-inside", "nul", "nul-inside", "escape"])
async def test_every_string_field_refuses_broken_text_with_a_400_naming_it(
        serve: StartServer, tmp_path: Path, path: str, body: dict[str, Any], field: str, text: str) -> None:
    server = await serve()
    payload = _fill(body, text)
    status, answer = await server.call("POST", f"{API}/{path}", payload)
    assert status == 400, answer
    assert answer["error"]["field"] == field and answer["error"]["code"] == "invalid_field"
    with sqlite3.connect(tmp_path / "data" / "story.db") as db:  # nothing half-stored
        assert db.execute("SELECT COUNT(*) FROM story_config").fetchone()[0] == 0
        assert db.execute("SELECT COUNT(*) FROM story_sessions").fetchone()[0] == 0


def _fill(value: Any, text: str) -> Any:
    """The request with "{x}" replaced by the hostile text (in keys too)."""
    if isinstance(value, str):
        return value.replace("{x}", text)
    if isinstance(value, dict):
        return {_fill(k, text): _fill(v, text) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, text) for v in value]
    return value


async def test_hostile_chat_through_post_chat_counts_and_loses_nothing(serve: StartServer, tmp_path: Path) -> None:
    clock = ManualClock()
    server = await serve(clock, **{"voting.duration_s": 30})
    async with watching(server.url, "/admin", {"token": server.token}) as seen:
        await open_vote(server, seen)
        lines = [{"user_id": f"u{i}", "nickname": text, "text": "!b", "msg_id": f"m{i}"} for i, text in
                 enumerate(HOSTILE)]
        texts = [f"!{text}" if i % 2 else f"{text} !a" for i, text in enumerate(HOSTILE)]
        lines += [{"user_id": f"t{i}", "nickname": f"Fan {i}", "text": text, "msg_id": f"n{i}"}
                  for i, text in enumerate(texts)]
        lines += [{"user_id": f"ok{i}", "nickname": f"ok{i}", "text": "!c", "msg_id": f"o{i}"} for i in range(50)]
        as_votes = sum(parse_vote(clean_text(text), 3) == 0 for text in texts)  # "\x00 !a" is a vote once cleaned
        status, answer = await server.call("POST", f"{API}/chat", {"messages": lines})
        assert status == 200 and answer["votes"] == len(HOSTILE) + as_votes + 50
        await advance_when_waiting(clock, 30)
        ended = await seen.wait_for("story:voting-ended")
        assert ended["counts"] == [as_votes, len(HOSTILE), 50]
        await seen.wait_for("story:chapter-ready", lambda c: c["chapterNumber"] == 2)
    saved = ballots(tmp_path / "data")
    assert len(saved) == len(HOSTILE) + as_votes + 50 and all(saved[f"u{i}"] == 1 for i in range(len(HOSTILE)))
    status, body = await server.call("GET", f"{API}/status")
    assert body["state"] != "error"
    # POST chat is rehearsal: its viewers are in all-time stats only when asked for (?simulated=1)
    voters = (await server.call("GET", f"{API}/top-voters?limit=100&simulated=1"))[1]["topVoters"]
    nicknames = {v["nickname"] for v in voters}
    assert {clean_text(t, multiline=False).strip() for t in HOSTILE} <= nicknames | {""}  # cleaned, never dropped


async def test_hostile_chat_through_a_real_tiktok_client_counts_and_loses_nothing(
        serve: StartServer, tmp_path: Path) -> None:
    clock = ManualClock()
    server = await serve(clock, **{"voting.duration_s": 30})
    factory = tf.OfflineTikTok()
    source = TikTokSource(lambda: TIKTOK, clock, factory)
    pump = asyncio.create_task(server.app[keys.GATEWAY].pump(source))
    try:
        async with watching(server.url, "/admin", {"token": server.token}) as seen:
            await open_vote(server, seen)
            async with asyncio.timeout(10):
                while source.status()["state"] != "live":
                    await asyncio.sleep(0.01)
            printable = [t for t in HOSTILE if not any("\ud800" <= c <= "\udfff" for c in t)]
            messages: list[Any] = [tf.chat(100 + i, 1000 + i, text, f"h{i}", "!b") for i, text in enumerate(printable)]
            messages += [tf.chat(200 + i, 2000 + i, f"Fan {i}", f"f{i}", f"{text} !z") for i, text in
                         enumerate(printable)]  # hostile text that is no vote
            # TikTok can send bytes that are not UTF-8 at all: that one message is lost, never the frame
            broken = tf.chat(300, 3000, "NICKNAME", "broken", "!a")
            messages.append(tf.Raw("WebcastChatMessage", bytes(broken).replace(b"NICKNAME", b"NI\xff\xed\xa0\x80ME"),
                                   300))
            messages += [tf.chat(400 + i, 4000 + i, f"ok{i}", f"ok{i}", "!c") for i in range(50)]
            factory.socket.push(tf.push_frame(messages))
            await seen.wait_for("story:vote-update", lambda u: u["voters"] == len(printable) + 50)
            await advance_when_waiting(clock, 30)
            ended = await seen.wait_for("story:voting-ended")
            assert ended["counts"] == [0, len(printable), 50]
            await seen.wait_for("story:chapter-ready", lambda c: c["chapterNumber"] == 2)
    finally:
        pump.cancel()
        await asyncio.gather(pump, return_exceptions=True)
    assert len(ballots(tmp_path / "data")) == len(printable) + 50


async def test_a_poison_ballot_among_a_thousand_costs_only_itself(serve: StartServer, tmp_path: Path) -> None:
    clock = ManualClock()
    server = await serve(clock, **{"voting.duration_s": 30})
    desk = server.app[keys.DESK]
    async with watching(server.url, "/admin", {"token": server.token}) as seen:
        await open_vote(server, seen)
        for i in range(1000):  # straight into the desk, past every edge: the journal itself must cope
            nickname = "\ud800poison" if i == 500 else f"viewer {i}"
            desk.accept(ChatMessage("tiktok", f"v{i}", nickname, "!a", f"id{i}", 0.0))
        await seen.wait_for("story:ballots-saved", lambda s: s["journaled"] == 999)
        await advance_when_waiting(clock, 30)
        ended = await seen.wait_for("story:voting-ended")
        assert ended["counts"][0] == 1000 and ended["winnerIndex"] == 0
        await seen.wait_for("story:chapter-ready", lambda c: c["chapterNumber"] == 2)
    saved = ballots(tmp_path / "data")
    assert len(saved) == 999 and "v500" not in saved
    assert (await server.call("GET", f"{API}/status"))[1]["state"] != "error"


async def test_a_message_id_resent_long_after_is_not_counted_again(serve: StartServer) -> None:
    clock = ManualClock()
    server = await serve(clock, **{"voting.duration_s": 30})
    async with watching(server.url) as seen:
        await open_vote(server, seen)

        def line(user: str, text: str, msg_id: str) -> dict[str, str]:
            return {"user_id": user, "nickname": user, "text": text, "msg_id": msg_id, "platform": "tiktok"}

        first = [line(f"v{i}", "!a", f"a{i}") for i in range(5_000)]
        await server.call("POST", f"{API}/chat", {"messages": first})
        await server.call("POST", f"{API}/chat", {"messages": [line(f"v{i}", "!b", f"b{i}") for i in range(5_000)]})
        for batch in range(5):  # 50,000 other lines: far more than the in-memory dedupe window remembers
            await server.call("POST", f"{API}/chat", {"messages": [
                line(f"c{batch}-{i}", "hello", f"c{batch}-{i}") for i in range(10_000)]})
        status, answer = await server.call("POST", f"{API}/chat", {"messages": first})  # TikTok re-sends old ones
        assert answer["votes"] == 0
        update = await seen.wait_for("story:vote-update", lambda u: u["voters"] == 5_000 and u["counts"][1] == 5_000)
        assert update["counts"] == [0, 5_000, 0]
