"""The streamer's tools and story memory, end to end: regenerate, rewrite, director's notes, choice edits."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

from plugin.clock import ManualClock
from tests.conftest import StartServer
from tests.support.harness import Running, advance_when_waiting, watching

API = "/api/interactive-story"


async def first_sentence(server: Running) -> str:
    status, body = await server.call("GET", f"{API}/status")
    return re.split(r"(?<=[.!?])\s", body["chapter"]["content"])[0]


async def test_memory_fills_in_as_the_story_runs(serve: StartServer) -> None:
    clock = ManualClock()
    server = await serve(clock, **{"voting.duration_s": 10, "story.max_chapters": 3})
    async with watching(server.url) as seen, watching(server.url, "/admin", auth={"token": server.token}) as admin_seen:
        await server.call("POST", f"{API}/start", {"theme": "fantasy"})
        update = await admin_seen.wait_for("story:memory-updated", lambda m: m["chapterNumber"] == 1)
        assert len(update["memory"]["characters"]) >= 2 and update["memory"]["locations"]
        assert update["memory"]["events"][0]["chapter"] == 1 and update["memory"]["summary"]
        for number in (1, 2):
            await seen.wait_for("story:voting-started", lambda v, n=number: v["chapterNumber"] == n)
            await advance_when_waiting(clock, 10)
        await seen.wait_for("story:ended")
        await admin_seen.wait_for("story:memory-updated", lambda m: m["chapterNumber"] == 3)
        status, latest = await server.call("GET", f"{API}/memory")
        status, first = await server.call("GET", f"{API}/memory?chapter=1")
        assert latest["memory"]["events"][-1]["chapter"] == 3 and len(first["memory"]["events"]) == 1
        hero = latest["memory"]["characters"][0]
        assert (hero["first_chapter"], hero["last_chapter"]) == (1, 3)
        statuses = {c["name"]: c["status"] for c in latest["memory"]["characters"]}
        assert any("defeated" in s for s in statuses.values())  # the rival, by the final chapter


async def test_regenerate_resets_the_vote_and_keeps_the_old_chapter(serve: StartServer, tmp_path: Path) -> None:
    server = await serve(ManualClock(), **{"voting.duration_s": 60})
    async with watching(server.url) as seen:
        await server.call("POST", f"{API}/start", {"theme": "horror"})
        first = await seen.wait_for("story:chapter-ready")
        await seen.wait_for("story:voting-started")
        await server.call("POST", f"{API}/chat", {"user_id": "u1", "nickname": "A", "text": "!a"})
        await seen.wait_for("story:vote-update", lambda u: u["total"] == 1)
        regenerated = seen.mark()
        status, body = await server.call("POST", f"{API}/chapter/regenerate", {})
        assert status == 200 and body["chapterNumber"] == 1
        again = await seen.wait_for("story:chapter-ready", lambda c: c["content"] != first["content"],
                                    after=regenerated)
        assert again["chapterNumber"] == 1
        vote = await seen.wait_for("story:voting-started", lambda v: v["choices"] == again["choices"],
                                   after=regenerated)
        assert vote["total"] == 0  # the vote in progress was reset
        status, detail = await server.call("GET", f"{API}/session/{first['sessionId']}")
        assert [(r["chapterNumber"], r["reason"]) for r in detail["revisions"]] == [(1, "regenerate")]
        assert detail["revisions"][0]["content"] == first["content"]
    db = sqlite3.connect(tmp_path / "data" / "story.db")
    assert db.execute("SELECT COUNT(*) FROM story_ballots").fetchone()[0] == 0


async def test_a_directors_note_steers_the_next_chapter_once(serve: StartServer) -> None:
    clock = ManualClock()
    server = await serve(clock, **{"voting.duration_s": 10})
    async with watching(server.url) as seen:
        await server.call("POST", f"{API}/start", {"theme": "mystery"})
        await seen.wait_for("story:voting-started")
        status, body = await server.call("POST", f"{API}/director-note", {"note": "a talking cat appears"})
        assert status == 200 and body["pending"] == ["a talking cat appears"]
        assert (await server.call("POST", f"{API}/director-note", {"note": "  "}))[0] == 400
        await advance_when_waiting(clock, 10)
        chapter = await seen.wait_for("story:chapter-ready", lambda c: c["chapterNumber"] == 2)
        assert "cat" in chapter["content"].lower()
        status, notes = await server.call("GET", f"{API}/director-notes")
        assert notes["pending"] == [] and notes["notes"][0]["usedInChapter"] == 2


async def test_rewrite_a_passage_keeps_the_rest_and_the_old_text(serve: StartServer) -> None:
    server = await serve(ManualClock(), **{"voting.duration_s": 60})
    async with watching(server.url) as seen:
        await server.call("POST", f"{API}/start", {"theme": "fantasy"})
        ready = await seen.wait_for("story:chapter-ready")
        await seen.wait_for("story:voting-started")
        passage = await first_sentence(server)
        status, body = await server.call("POST", f"{API}/chapter/rewrite",
                                         {"passage": passage, "instruction": "mention the dragon"})
        assert status == 200 and "dragon" in body["passage"].lower()
        assert body["content"].endswith(ready["content"][len(passage):])
        updated = await seen.wait_for("story:chapter-updated")
        assert updated["content"] == body["content"]
        status, error = await server.call("POST", f"{API}/chapter/rewrite",
                                          {"passage": "words that are not there", "instruction": "x"})
        assert status == 400 and error["error"]["field"] == "passage"
        status, state = await server.call("GET", f"{API}/status")
        assert state["chapter"]["content"] == body["content"] and state["state"] == "voting"


async def test_a_choice_can_be_edited_while_its_vote_is_open(serve: StartServer) -> None:
    clock = ManualClock()
    server = await serve(clock, **{"voting.duration_s": 10})
    async with watching(server.url) as seen:
        await server.call("POST", f"{API}/start", {"theme": "scifi"})
        await seen.wait_for("story:voting-started")
        await server.call("POST", f"{API}/chat", {"user_id": "u1", "nickname": "A", "text": "!b"})
        status, body = await server.call("POST", f"{API}/choice", {"index": 1, "text": "Hail the *alien* ship"})
        assert status == 200 and body["choices"][1] == "Hail the alien ship"
        vote = await seen.wait_for("story:voting-started", lambda v: "Hail the alien ship" in v["choices"])
        assert vote["counts"][1] == 1  # the ballot stays with its choice
        status, error = await server.call("POST", f"{API}/choice", {"index": 0, "text": "hail the alien ship"})
        assert status == 400 and error["error"]["field"] == "text"
        await advance_when_waiting(clock, 10)
        ended = await seen.wait_for("story:voting-ended")
        assert ended["winnerText"] == "Hail the alien ship"
        chapter2 = await seen.wait_for("story:chapter-ready", lambda c: c["chapterNumber"] == 2)
        assert chapter2["parentChoice"] == "Hail the alien ship"
        status, error = await server.call("POST", f"{API}/choice", {"index": 0, "text": "Too late", "chapterNumber": 1})
        assert status == 409


async def test_story_style_reaches_the_prompt_and_bad_style_is_refused(serve: StartServer) -> None:
    server = await serve(ManualClock())
    status, body = await server.call("POST", f"{API}/start", {"theme": "comedy", "style": {"pov": "sideways"}})
    assert status == 400 and body["error"]["field"] == "style.pov"
    status, body = await server.call("POST", f"{API}/start", {"theme": "comedy", "style": {"colour": "red"}})
    assert status == 400 and body["error"]["field"] == "style.colour"
    status, body = await server.call("POST", f"{API}/start", {"theme": "comedy",
                                                              "style": {"pov": "first", "ending": "twist"}})
    assert status == 201
    style = body["session"]["style"]
    assert (style["pov"], style["ending"]) == ("first", "twist") and style["tone"] == "silly and warm"
