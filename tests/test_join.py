"""Viewers joining the story (!join): real TikTokLive events -> a role named after the viewer -> the writer asked to
bring them in -> credited on screen when the chapter names them -> the end card's cast; the streamer's picks; hostile
names and floods."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from plugin import keys
from plugin.clock import ManualClock
from tests.conftest import StartServer
from tests.support.harness import Running, advance_when_waiting, watching
from tests.support.live_chat import tiktok_chat
from tests.support.openai_server import FakeOpenAI

API = "/api/interactive-story"


async def cast(server: Running) -> dict[str, Any]:
    """GET cast."""
    status, body = await server.call("GET", f"{API}/cast")
    assert status == 200, body
    return body


def chat(*lines: tuple[str, str, str]) -> dict[str, Any]:
    """A POST chat batch: (viewer, nickname, text)."""
    return {"messages": [{"user_id": user, "nickname": nick, "text": text} for user, nick, text in lines]}


async def test_the_first_viewers_to_join_come_into_the_story_one_a_chapter_and_close_it_on_the_end_card(
        serve: StartServer, tmp_path: Path) -> None:
    clock = ManualClock()
    server = await serve(clock, **{"join.mode": "first", "join.max_roles": 2, "voting.duration_s": 10,
                                   "story.max_chapters": 4})
    async with watching(server.url) as seen, tiktok_chat(server, clock) as live:
        live.say((10, "Early Bird", "early", "!join"))  # no story yet: nobody to join
        await server.call("POST", f"{API}/start", {"theme": "fantasy"})
        await seen.wait_for("story:voting-started")
        live.say((11, "Nova ✨", "nova_11", "!join"), (12, "kip", "kip_the_cat", "!JOIN please"),
                 (11, "Nova ✨", "nova_11", "!join"),  # once per story
                 (13, "Sage", "sage13", "!join"),  # the roles are taken
                 (14, "Orbit", "orbit14", "!b"))
        update = await seen.wait_for("story:cast-updated", lambda u: len(u["cast"]) == 2)
        assert [(m["name"], m["handle"], m["platform"], m["featuredIn"]) for m in update["cast"]] == [
            ("Nova", "nova_11", "tiktok", None), ("Kip", "kip_the_cat", "tiktok", None)]
        assert update["openRoles"] == 0 and update["waiting"] == []
        listing = await cast(server)
        assert listing["mode"] == "first" and listing["stats"] == {"received": 5, "no story": 1, "cast": 2,
                                                                   "again": 1, "full": 1}
        _, notes = await server.call("GET", f"{API}/director-notes")
        assert notes["pending"] == ["Have a newcomer named Nova appear with an offer of help"]  # one a chapter

        await advance_when_waiting(clock, 10)
        chapter = await seen.wait_for("story:chapter-ready", lambda c: c["chapterNumber"] == 2)
        assert "Nova" in chapter["content"]  # the offline writer followed the note
        featured = await seen.wait_for("story:cast-updated", lambda u: u["cast"][0]["featuredIn"] == 2)
        assert featured["cast"][1]["featuredIn"] is None
        state = (await server.call("GET", f"{API}/status", admin=False))[1]
        assert state["cast"]["cast"][0]["featuredIn"] == 2  # a reloaded overlay credits them too
        _, notes = await server.call("GET", f"{API}/director-notes")
        assert notes["pending"] == ["Have a newcomer named Kip appear with a warning"]  # the next newcomer

        await seen.wait_for("story:voting-started", lambda v: v["chapterNumber"] == 2)
        await advance_when_waiting(clock, 10)
        chapter = await seen.wait_for("story:chapter-ready", lambda c: c["chapterNumber"] == 3)
        assert "Kip" in chapter["content"]
        await seen.wait_for("story:cast-updated", lambda u: u["cast"][1]["featuredIn"] == 3)
        assert (await server.call("POST", f"{API}/end", {"final": False}))[0] == 200
        ended = await seen.wait_for("story:ended")
    assert ended["recap"]["cast"] == [{"name": "Nova", "handle": "nova_11"}, {"name": "Kip", "handle": "kip_the_cat"}]
    with sqlite3.connect(tmp_path / "data" / "story.db") as db:
        rows = db.execute("SELECT name, status, featured_in FROM story_cast ORDER BY id").fetchall()
    assert rows == [("Nova", "cast", 2), ("Kip", "cast", 3)]


async def test_the_writer_is_asked_to_bring_the_newcomer_in(serve: StartServer) -> None:
    clock = ManualClock()
    async with FakeOpenAI(api_key=None) as fake:
        server = await serve(clock, **{"llm.base_url": fake.base_url, "llm.model": "fake-model",
                                       "llm.json_mode": "off", "story.prefetch": "off", "join.mode": "first",
                                       "voting.duration_s": 10})
        async with watching(server.url) as seen:
            await server.call("POST", f"{API}/start", {"theme": "adventure"})
            await seen.wait_for("story:voting-started")
            await server.call("POST", f"{API}/chat", chat(("u1", "Luna Moth", "!join")))
            await seen.wait_for("story:cast-updated")
            await advance_when_waiting(clock, 10)
            await seen.wait_for("story:chapter-ready", lambda c: c["chapterNumber"] == 2)
    prompts = [r.body["messages"][1]["content"] for r in fake.requests if r.path == "/v1/chat/completions"]
    told = [p for p in prompts if "Director's note from the streamer" in p]
    assert told and "Have a newcomer named Luna Moth appear" in told[-1]


async def test_in_pick_mode_the_streamer_casts_and_declines_and_roles_run_out(serve: StartServer) -> None:
    clock = ManualClock()
    server = await serve(clock, **{"join.mode": "pick", "join.max_roles": 1, "join.max_waiting": 3,
                                   "voting.duration_s": 600})
    async with watching(server.url) as seen, watching(server.url, "/admin", {"token": server.token}) as admin:
        await server.call("POST", f"{API}/start", {"theme": "mystery"})
        await seen.wait_for("story:voting-started")
        await server.call("POST", f"{API}/chat", chat(("a", "Ada", "!join"), ("b", "Bo", "!join"),
                                                      ("c", "Cy", "!join"), ("d", "Di", "!join")))
        waiting = await admin.wait_for("story:cast-updated", lambda u: len(u["waiting"]) == 3)
        assert [m["name"] for m in waiting["waiting"]] == ["Ada", "Bo", "Cy"]  # Di: the waiting list is full
        assert (await seen.wait_for("story:cast-updated"))["waiting"] == []  # overlays never see who waits
        ada, bo, cy = (m["memberId"] for m in waiting["waiting"])
        status, body = await server.call("POST", f"{API}/cast/{bo}/pick")
        assert status == 200 and body["member"]["status"] == "cast"
        status, body = await server.call("POST", f"{API}/cast/{ada}/pick")
        assert status == 409 and body["error"]["code"] == "cast_full"
        status, body = await server.call("POST", f"{API}/cast/{bo}/decline")
        assert status == 409 and body["error"]["code"] == "not_waiting"
        assert (await server.call("POST", f"{API}/cast/{cy}/decline"))[0] == 200
        assert (await server.call("POST", f"{API}/cast/999/pick"))[0] == 404
        assert (await server.call("POST", f"{API}/cast/{ada}/pick", admin=False))[0] == 401
    listing = await cast(server)
    assert [m["name"] for m in listing["cast"]] == ["Bo"] and [m["name"] for m in listing["waiting"]] == ["Ada"]
    assert listing["openRoles"] == 0 and listing["stats"]["full"] == 1
    _, notes = await server.call("GET", f"{API}/director-notes")
    assert notes["pending"] == ["Have a newcomer named Bo appear with a warning"]


HOSTILE = [  # (nickname, @handle, the character's name or None when nothing fit to say is left)
    ("<img src=x onerror=alert(1)>", "x", None),
    ("\u202eEvil\u200b Twin\u200d", "evil_twin", "Evil Twin"),
    ("🔥🔥🔥", "blaze_runner", "Blaze Runner"),  # no letters in the nickname: the handle names them
    ("bitchy", "plain_jane", "Plain Jane"),  # a blocklisted nickname: the handle instead
    ("http://spam.example.com @everyone", "12345", None),
    ("{{7*7}} ${name}", "", "Name"),  # what is left of a template: plain text, never evaluated
]


async def test_hostile_names_are_cleaned_or_turned_away(serve: StartServer) -> None:
    clock = ManualClock()
    server = await serve(clock, **{"join.mode": "pick", "join.max_waiting": 10, "voting.duration_s": 600})
    wanted = [name for _, _, name in HOSTILE if name]
    async with watching(server.url, "/admin", {"token": server.token}) as admin, tiktok_chat(server, clock) as live:
        await server.call("POST", f"{API}/start", {"theme": "mystery"})
        await admin.wait_for("story:voting-started")
        live.say(*((100 + i, nick, handle, "!join") for i, (nick, handle, _) in enumerate(HOSTILE)))
        update = await admin.wait_for("story:cast-updated", lambda u: len(u["waiting"]) == len(wanted))
    assert [m["name"] for m in update["waiting"]] == wanted
    assert [m["handle"] for m in update["waiting"]] == ["evil_twin", "blaze_runner", "plain_jane", ""]
    assert server.app[keys.JOIN].stats["no name"] == 2


async def test_a_flood_of_joins_waits_in_a_short_line(serve: StartServer) -> None:
    server = await serve(ManualClock(), **{"join.mode": "pick", "join.max_waiting": 10, "voting.duration_s": 600})
    async with watching(server.url, "/admin", {"token": server.token}) as admin:
        await server.call("POST", f"{API}/start", {"theme": "fantasy"})
        await admin.wait_for("story:voting-started")
        for batch in range(10):
            _, answer = await server.call("POST", f"{API}/chat", chat(
                *((f"v{batch}-{i}", f"Viewer {batch} {i}", "!join") for i in range(1000))))
            assert answer["ignored"] == 1000  # none of it is a vote
        await admin.wait_for("story:cast-updated", lambda u: len(u["waiting"]) == 10)
    listing = await cast(server)
    assert len(listing["waiting"]) == 10 and listing["stats"]["full"] == 9_990
