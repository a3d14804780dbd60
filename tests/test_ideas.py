"""Viewers' ideas (!idea): chat -> filter -> the streamer's review -> a director's note or the next vote's choices,
credited on screen and kept in the storybook; hostile text, floods and the blocklist."""

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


def chat(*lines: tuple[str, str]) -> dict[str, Any]:
    """A POST chat batch: (viewer, text) pairs; each viewer's nickname is "Nick <viewer>"."""
    return {"messages": [{"user_id": user, "nickname": f"Nick {user}", "text": text} for user, text in lines]}


async def ideas(server: Running, status: str = "") -> list[dict[str, Any]]:
    """GET ideas (optionally one status)."""
    code, body = await server.call("GET", f"{API}/ideas" + (f"?status={status}" if status else ""))
    assert code == 200, body
    return list(body["ideas"])


def stored(data_dir: Path) -> tuple[list[tuple[Any, ...]], int]:
    """(id, text, status, proposers) of every stored idea, and how many proposers are stored."""
    with sqlite3.connect(data_dir / "story.db") as db:
        rows = db.execute("SELECT id, text, status, proposers FROM story_ideas ORDER BY id").fetchall()
        return rows, db.execute("SELECT COUNT(*) FROM story_idea_authors").fetchone()[0]


async def test_an_approved_idea_steers_the_next_chapter_and_its_proposers_are_credited(
        serve: StartServer, tmp_path: Path) -> None:
    clock = ManualClock()
    server = await serve(clock, **{"ideas.mode": "note", "voting.duration_s": 10})
    async with watching(server.url) as seen, watching(server.url, "/admin", {"token": server.token}) as admin:
        await server.call("POST", f"{API}/start", {"theme": "mystery"})
        await seen.wait_for("story:voting-started")
        _, answer = await server.call("POST", f"{API}/chat", chat(
            ("u1", "!idea a talking cat joins the crew"), ("u2", "!IDEA  A talking cat joins the crew!!"),
            ("u3", "!a")))
        assert answer["votes"] == 1  # ideas and votes share the chat
        update = await admin.wait_for("story:ideas-updated", lambda u: any(i["proposers"] == 2 for i in u["ideas"]))
        assert update["pending"] == 1
        [idea] = await ideas(server)
        assert (idea["text"], idea["status"], idea["by"]) == ("a talking cat joins the crew", "pending",
                                                             ["Nick u1", "Nick u2"])
        code, approved = await server.call("POST", f"{API}/ideas/{idea['id']}/approve")
        assert code == 200 and approved["note"] is True and approved["idea"]["status"] == "approved"
        assert (await server.call("POST", f"{API}/ideas/{idea['id']}/approve"))[0] == 409  # decided once
        assert (await server.call("POST", f"{API}/ideas/999/reject"))[0] == 404
        _, notes = await server.call("GET", f"{API}/director-notes")
        assert notes["pending"] == ["a talking cat joins the crew"]  # the director's-note mechanism carries it

        await advance_when_waiting(clock, 10)
        chapter = await seen.wait_for("story:chapter-ready", lambda c: c["chapterNumber"] == 2)
        assert "cat" in chapter["content"].lower()  # the offline writer followed the note
        credit = await seen.wait_for("story:idea-credit")  # public: the overlay credits the viewers
        assert credit == {"sessionId": chapter["sessionId"], "chapterNumber": 2, "credits": [{
            "ideaId": idea["id"], "text": "a talking cat joins the crew", "by": ["Nick u1", "Nick u2"],
            "handles": ["", ""], "proposers": 2, "usedAs": "note", "choiceIndex": None}]}
        state = (await server.call("GET", f"{API}/status", admin=False))[1]
        assert state["ideaCredits"] == credit  # a reloaded overlay credits them too
        assert not seen.named("story:ideas-updated")  # the review is for admins only
    _, notes = await server.call("GET", f"{API}/director-notes")
    assert notes["notes"][0]["usedInChapter"] == 2
    [used] = await ideas(server)
    assert (used["status"], used["usedAs"], used["usedInChapter"]) == ("used", "note", 2)
    _, book = await server.call("GET", f"{API}/export/{chapter['sessionId']}?format=json")
    assert book["ideas"]["list"][0]["text"] == "a talking cat joins the crew" and book["ideas"]["proposed"] == 1
    async with server.http.get(f"{server.url}{API}/export/{chapter['sessionId']}?format=md",
                               headers=server.auth) as response:
        markdown = await response.text()
    assert "## Ideas from the audience" in markdown
    assert "“a talking cat joins the crew”, from Nick u1, Nick u2: it steered chapter 2." in markdown
    rows, authors = stored(tmp_path / "data")
    assert rows == [(idea["id"], "a talking cat joins the crew", "used", 2)] and authors == 2


async def test_the_writer_is_asked_to_follow_an_approved_idea(serve: StartServer) -> None:
    clock = ManualClock()
    async with FakeOpenAI(api_key=None) as fake:
        server = await serve(clock, **{"llm.base_url": fake.base_url, "llm.model": "fake-model",
                                       "llm.json_mode": "off", "story.prefetch": "off", "ideas.mode": "note",
                                       "voting.duration_s": 10})
        async with watching(server.url) as seen:
            await server.call("POST", f"{API}/start", {"theme": "adventure"})
            await seen.wait_for("story:voting-started")
            await server.call("POST", f"{API}/chat", chat(("u1", "!idea the lantern starts to sing")))
            [idea] = await ideas(server)
            await server.call("POST", f"{API}/ideas/{idea['id']}/approve")
            await advance_when_waiting(clock, 10)
            await seen.wait_for("story:chapter-ready", lambda c: c["chapterNumber"] == 2)
    prompts = [r.body["messages"][1]["content"] for r in fake.requests if r.path == "/v1/chat/completions"]
    told = [p for p in prompts if "Director's note from the streamer" in p]
    assert told and "the lantern starts to sing" in told[-1]


async def test_in_ballot_mode_the_top_approved_ideas_become_the_next_votes_choices(
        serve: StartServer, tmp_path: Path) -> None:
    clock = ManualClock()
    server = await serve(clock, **{"ideas.mode": "ballot", "ideas.ballot_slots": 2, "voting.duration_s": 10})
    async with watching(server.url) as seen, tiktok_chat(server, clock) as live:
        await server.call("POST", f"{API}/start", {"theme": "fantasy"})
        first = await seen.wait_for("story:voting-started")
        live.say((11, "Nova ✨", "nova_11", "!idea ride the giant eagle north"),
                 (12, "Kiwi", "kiwi12", "!idea Ride the giant eagles north!"),
                 (13, "Sage", "sage13", "!idea bake a cake for the queen"),
                 (14, "Remy", "remy14", "!idea hide inside the old well"),
                 (15, "Orbit", "orbit15", "!b"))
        await seen.wait_for("story:vote-update", lambda u: u["voters"] == 1)  # the frame's last line: all are in
        eagle, cake, well = await ideas(server)  # most proposed first
        assert eagle["proposers"] == 2 and eagle["handles"] == ["nova_11", "kiwi12"]
        await server.call("POST", f"{API}/ideas/{well['id']}/reject")
        await server.call("POST", f"{API}/ideas/{cake['id']}/approve")
        await server.call("POST", f"{API}/ideas/{eagle['id']}/approve")
        live.say((16, "Late", "late16", "!idea hide in the old well"))  # like a rejected idea: turned away

        await advance_when_waiting(clock, 10)
        vote = await seen.wait_for("story:voting-started", lambda v: v["chapterNumber"] == 2)
        assert vote["choices"][:2] == ["Ride the giant eagle north", "Bake a cake for the queen"]
        assert len(vote["choices"]) == len(first["choices"]) and vote["choices"][2] not in vote["choices"][:2]
        credit = await seen.wait_for("story:idea-credit", lambda c: c["chapterNumber"] == 2)
        assert [(c["ideaId"], c["usedAs"], c["choiceIndex"], c["by"], c["handles"]) for c in credit["credits"]] == [
            (eagle["id"], "choice", 0, ["Nova ✨", "Kiwi"], ["nova_11", "kiwi12"]),
            (cake["id"], "choice", 1, ["Sage"], ["sage13"])]
        live.say((11, "Nova ✨", "nova_11", "!a"), (12, "Kiwi", "kiwi12", "!a"), (13, "Sage", "sage13", "!b"))
        await seen.wait_for("story:vote-update", lambda u: u["chapterNumber"] == 2 and u["voters"] == 3)
        await advance_when_waiting(clock, 10)
        ended = await seen.wait_for("story:voting-ended", lambda e: e["chapterNumber"] == 2)
        assert ended["winnerText"] == "Ride the giant eagle north"
        chapter = await seen.wait_for("story:chapter-ready", lambda c: c["chapterNumber"] == 3)
        assert chapter["parentChoice"] == "Ride the giant eagle north"
    assert [i["status"] for i in await ideas(server)] == ["used", "used", "rejected"]
    assert server.app[keys.IDEAS].stats["repeat"] == 1
    _, book = await server.call("GET", f"{API}/export/{chapter['sessionId']}?format=json")
    assert [(i["letter"], i["chapter"], i["won"]) for i in book["ideas"]["list"]] == [("A", 2, True), ("B", 2, False)]
    assert book["ideas"]["rejected"] == 1 and "well" not in str(book["ideas"]["list"])  # rejected text stays out


HOSTILE = [  # (what a viewer typed after "!idea ", what the streamer sees or None when it is turned away)
    ("<b>A ghost</b> haunts the <script>lighthouse</script>", "A ghost haunts the lighthouse"),
    ("the\u202e moon turns red\u202c", "the moon turns red"),  # a right-to-left override
    ("a se\u200bcret do\u200dor op\ufeffens", "a secret door opens"),  # zero-width characters
    ("**the king** `falls` [asleep](http://x.io) #now", "the king falls asleep now"),
    ("visit www.free-c0ins.example.com and @spammer says hi to all", "visit and says hi to all"),
    ("the mayor is a huge a$$hole", None),  # blocklisted (leetspeak read)
    ("the hero shouts s h i t at the sky", None),  # blocklisted (spaced out)
    ("ok", None),  # too short
    ("dragons " * 40, None),  # too long
    ("🐉🐉🐉 !!! 🐉🐉🐉", None),  # no words
    ("Z\u0335\u0321\u0322\u0323\u0324ombies rise", "\u1e92\u0335\u0321ombies rise"),  # stacked marks cut
]


async def test_hostile_ideas_are_cleaned_or_turned_away_the_same_from_post_chat_and_tiktok(
        serve: StartServer) -> None:
    clock = ManualClock()
    server = await serve(clock, **{"ideas.mode": "ballot", "voting.duration_s": 60})
    async with watching(server.url) as seen, tiktok_chat(server, clock) as live:
        await server.call("POST", f"{API}/start", {"theme": "mystery"})
        await seen.wait_for("story:voting-started")
        await server.call("POST", f"{API}/chat", chat(*((f"p{i}", f"!idea {text}") for i, (text, _) in
                                                        enumerate(HOSTILE))))
        live.say(*((100 + i, f"Fan {i}", f"fan{i}", f"!idea {text}") for i, (text, _) in enumerate(HOSTILE)),
                 (999, "Last", "last", "!a"))
        await seen.wait_for("story:vote-update", lambda u: u["voters"] == 1)
    found = {idea["text"]: idea for idea in await ideas(server)}
    assert sorted(found) == sorted(shown for _, shown in HOSTILE if shown)
    assert all(idea["proposers"] == 2 for idea in found.values())  # each path cleaned it to the same text
    assert all(not any(ch in text for ch in "\u202e\u202c\u200b\u200d\ufeff<>*`[]#@") for text in found)
    stats = server.app[keys.IDEAS].stats
    assert (stats["blocked"], stats["too short"], stats["too long"], stats["no words"]) == (4, 2, 2, 2)


COLOURS = "red blue green gold silver black white pink amber violet".split()
BEASTS = "dragon griffin troll sprite golem wyvern kraken phoenix unicorn basilisk".split()
PLACES = ("oslo paris lima cairo quito delhi perth tokyo rome kyiv accra bern dakar hanoi lagos minsk riga sofia "
          "tunis vaduz baku doha male oslo2 zagreb").split()


async def test_ten_thousand_ideas_at_once_are_rate_limited_merged_and_capped(
        serve: StartServer, tmp_path: Path) -> None:
    clock = ManualClock()
    server = await serve(clock, **{"ideas.mode": "note", "ideas.max_pending": 100, "ideas.per_viewer_s": 60,
                                   "voting.duration_s": 600})
    themes = [f"the {animal} steals the {thing}" for animal in ("fox", "owl", "crow", "bear", "wolf", "cat")
              for thing in ("crown", "map", "key", "boat", "moon")]  # 30 ideas, said in many ways
    spellings = ["{}", "{}!", "{}!!!", "{} 🔥", "  {}  ", "{}?", "{}.", "omg {}"]

    def line(viewer: int, attempt: int) -> dict[str, str]:
        if viewer < 1500:
            text = spellings[(viewer + attempt) % len(spellings)].format(themes[viewer % len(themes)])
            text = text.upper() if viewer % 7 == 0 else text
        else:
            n = viewer - 1500 + attempt * 500  # all different
            text = f"the {COLOURS[n % 10]} {BEASTS[n // 10 % 10]} of {PLACES[n // 100 % 25]}"
        return {"user_id": f"v{viewer}", "nickname": f"V{viewer}", "text": f"!idea {text}",
                "msg_id": f"{viewer}.{attempt}"}

    lines = [line(viewer, attempt) for attempt in range(5) for viewer in range(2000)]
    assert len(lines) == 10_000
    async with watching(server.url) as seen, watching(server.url, "/admin", {"token": server.token}) as admin:
        await server.call("POST", f"{API}/start", {"theme": "fantasy"})
        await seen.wait_for("story:voting-started")
        code, answer = await server.call("POST", f"{API}/chat", {"messages": lines})
        assert code == 200 and answer["accepted"] == 10_000
        await admin.wait_for("story:ideas-updated", lambda u: u["pending"] == 100)
        _, answer = await server.call("POST", f"{API}/chat", chat(("voter", "!b")))
        assert answer["votes"] == 1  # the vote goes on
    stats = server.app[keys.IDEAS].stats
    assert stats["received"] == 10_000 and stats["rate-limited"] == 8_000  # one idea per viewer per minute
    assert (stats["new"], stats["merged"], stats["full"]) == (100, 1470, 430)
    listed = await ideas(server)
    assert len(listed) == 100 and sum(i["proposers"] for i in listed) == 1570
    assert sorted(i["text"].lower().strip("!?.🔥 ").removeprefix("omg ") for i in listed[:30]) == sorted(themes)
    assert all(i["proposers"] == 50 for i in listed[:30])  # 1500 viewers over 30 ideas, merged
    await server.app[keys.IDEAS].flush()
    rows, authors = stored(tmp_path / "data")
    assert len(rows) == 100 and authors == 1570
    assert (await server.call("GET", f"{API}/status"))[1]["state"] == "voting"

    clock.advance(61)  # a minute later the same viewers may propose again; the queue is still full
    await server.call("POST", f"{API}/chat", chat(("v1", f"!idea {themes[1]} again"), ("v2", f"!idea {themes[1]}"),
                                                  ("v1600", "!idea a new one")))
    assert (stats["again"], stats["merged"], stats["full"]) == (1, 1471, 431)  # v1 proposed it already


async def test_the_streamers_blocklist_is_read_again_when_edited(serve: StartServer, tmp_path: Path) -> None:
    clock = ManualClock()
    mine = tmp_path / "data" / "blocklist" / "en.txt"
    mine.parent.mkdir(parents=True)
    mine.write_text("# my own words\nbanana\n", encoding="utf-8")
    server = await serve(clock, **{"ideas.mode": "ballot", "ideas.per_viewer_s": 0})
    await server.call("POST", f"{API}/chat", chat(("u1", "!idea a banana falls from the sky"),
                                                  ("u2", "!idea the pear falls from the sky")))
    assert [i["text"] for i in await ideas(server)] == ["the pear falls from the sky"]  # between stories too
    mine.write_text("pear\n", encoding="utf-8")
    clock.advance(3)  # the files are looked at again every couple of seconds
    await server.call("POST", f"{API}/chat", chat(("u3", "!idea a banana falls from the sky"),
                                                  ("u4", "!idea pears rain on the town square")))
    assert [i["text"] for i in await ideas(server)] == ["the pear falls from the sky", "a banana falls from the sky"]
    assert server.app[keys.IDEAS].stats["blocked"] == 2


async def test_ideas_wait_for_a_story_survive_a_restart_and_are_ignored_when_off(
        serve: StartServer, tmp_path: Path) -> None:
    clock = ManualClock()
    first = await serve(clock, **{"ideas.mode": "note"})
    await first.call("POST", f"{API}/chat", chat(("u1", "!idea a storm floods the valley"),
                                                 ("u2", "!idea a quiet festival begins")))
    storm, festival = await ideas(first)
    code, error = await first.call("POST", f"{API}/ideas/{storm['id']}/approve")
    assert code == 409 and error["error"]["code"] == "no_story"  # a note needs a running story
    assert (await first.call("POST", f"{API}/ideas/{festival['id']}/reject"))[0] == 200
    assert (await first.call("GET", f"{API}/ideas", admin=False))[0] == 401
    assert (await first.call("GET", f"{API}/ideas?status=maybe"))[0] == 400
    await first.stop()

    second = await serve(clock, **{"ideas.mode": "off"})
    assert [(i["text"], i["status"]) for i in await ideas(second)] == [
        ("a storm floods the valley", "pending"), ("a quiet festival begins", "rejected")]
    assert [i["text"] for i in await ideas(second, "pending")] == ["a storm floods the valley"]
    _, answer = await second.call("POST", f"{API}/chat", chat(("u3", "!idea dragons everywhere now")))
    assert answer["ignored"] == 1 and len(await ideas(second)) == 2  # off: not an idea, just chat
