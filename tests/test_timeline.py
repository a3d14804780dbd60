"""The show's beats on the server's clock, as viewers and the streamer see them: a chapter is read out, the vote
opens when the reading ends (or when the streamer says so, or when the longest wait is up), the winner is held on
screen, the final chapter is held before "The End", and a restarted server lands on the same beat with the same
time left. Time only moves when a test moves the server's ManualClock."""

from __future__ import annotations

import asyncio
import re
import sqlite3
from pathlib import Path
from typing import Any

from plugin import keys
from plugin.clock import ManualClock
from plugin.messages import ChatMessage
from tests.conftest import StartServer
from tests.support.harness import EventLog, Predicate, Running, watching

API = "/api/interactive-story"
VOTE_S = 30
Payload = dict[str, Any]


def show(**overrides: Any) -> dict[str, Any]:
    """The show as it runs live (the vote opens once the chapter has been read out), with offline voices."""
    return {"voting.opens": "after_narration", "voting.max_wait_s": 600, "voting.duration_s": VOTE_S,
            "voting.min_votes": 0, "images.provider": "off", "story.max_chapters": 3, **overrides}


class ShowClock(ManualClock):
    """A ManualClock that also tells which moments something is waiting for."""

    def __init__(self) -> None:
        super().__init__()
        self.waiting: list[float] = []  # the deadlines of every sleep under way
        self._slept = asyncio.Event()

    async def sleep(self, seconds: float) -> None:
        deadline = self.now() + seconds
        self.waiting.append(deadline)
        self._slept.set()
        try:
            await super().sleep(seconds)
        finally:
            self.waiting.remove(deadline)

    async def waiting_until(self, at_ms: int, timeout: float = 15.0) -> None:
        """Until something (the show) waits for the moment `at_ms` (epoch ms, give or take the ms truncated)."""
        async with asyncio.timeout(timeout):
            while not any(abs(deadline * 1000 - at_ms) <= 2 for deadline in self.waiting):
                self._slept.clear()
                await self._slept.wait()


def now_ms(clock: ManualClock) -> int:
    """The server's clock in epoch ms, as events carry it."""
    return int(clock.now() * 1000)


def advance_to(clock: ManualClock, at_ms: int) -> None:
    """Move the server's clock forward to `at_ms` (epoch ms)."""
    assert at_ms >= now_ms(clock), "time never goes back"
    clock.advance(at_ms / 1000 - clock.now())


def near(a: int, b: int, ms: int = 1) -> bool:
    """Equal but for the truncation of seconds to whole milliseconds."""
    return abs(a - b) <= ms


async def beat_seen(seen: EventLog, predicate: Predicate, timeout: float = 15.0) -> Payload:
    """The first beat a client was told of, by story:beat or in a story:state, that matches `predicate`."""
    async with asyncio.timeout(timeout):
        while True:
            for name, data in seen.events:
                beat = data if name == "story:beat" else data.get("beat") if name == "story:state" else None
                if beat and predicate(beat):
                    return dict(beat)
            seen.changed.clear()
            await seen.changed.wait()


def is_beat(beat: str, chapter: int) -> Predicate:
    """A beat of this kind on this chapter."""
    return lambda b: b["beat"] == beat and b["chapterNumber"] == chapter


async def reading(seen: EventLog, number: int) -> tuple[list[Payload], int]:
    """Every narrated line of chapter `number` once the last one is out, and when the last one ends (epoch ms)."""
    await seen.wait_for("story:narration", lambda n: n["kind"] == "chapter" and n["chapterNumber"] == number
                        and n["index"] == n["total"] - 1, timeout=30)
    lines = [n for n in seen.named("story:narration") if n["kind"] == "chapter" and n["chapterNumber"] == number]
    assert [n["index"] for n in lines] == list(range(lines[0]["total"]))
    for before, after in zip(lines, lines[1:]):  # one after the other: no gap, no overlap
        assert near(after["startsAt"], before["startsAt"] + before["durationMs"])
    return lines, lines[-1]["startsAt"] + lines[-1]["durationMs"]


async def status_beat(server: Running) -> Payload:
    """The beat the status route reports now (a round trip: the server has had its turn at this clock time)."""
    status, body = await server.call("GET", f"{API}/status")
    assert status == 200
    return dict(body["beat"])


def vote_call_seconds(call: Payload) -> int:
    """The seconds a vote call announces."""
    found = re.search(r"(\d+) seconds", call["text"])
    assert found, call["text"]
    return int(found.group(1))


def chapter_lines_after(seen: EventLog, event: Payload, number: int) -> list[Payload]:
    """Chapter `number`'s narrated lines sent after `event`."""
    at = next(i for i, (_, data) in enumerate(seen.events) if data is event)
    later = seen.events[at + 1:]
    return [d for name, d in later if name == "story:narration" and d["kind"] == "chapter"
            and d["chapterNumber"] == number]


def persisted_beat(data_dir: Path) -> tuple[str, int, float, float | None]:
    """The beat the database holds (read while no server runs)."""
    db = sqlite3.connect(data_dir / "story.db")
    try:
        row = db.execute("SELECT beat, beat_chapter, beat_started_at, beat_ends_at FROM story_sessions"
                         " ORDER BY id DESC LIMIT 1").fetchone()
    finally:
        db.close()
    return row[0], row[1], row[2], row[3]


def from_streamer(text: str) -> ChatMessage:
    return ChatMessage("tiktok", "boss", "The Streamer", text, None, 0.0, "thestreamer")


def from_viewer(text: str) -> ChatMessage:
    return ChatMessage("tiktok", "rando", "Rando", text, None, 0.0, "rando")


async def test_the_vote_opens_when_the_chapter_has_been_read_out(serve: StartServer) -> None:
    clock = ShowClock()
    server = await serve(clock, **show())
    async with watching(server.url) as seen:
        shown = now_ms(clock)
        await server.call("POST", f"{API}/start", {"theme": "fantasy"})
        narrating = await beat_seen(seen, is_beat("narrating", 1))
        assert narrating["startedAt"] == shown and narrating["then"] == "vote"
        lines, end = await reading(seen, 1)
        assert lines[0]["startsAt"] == shown  # the reading starts as the chapter is shown
        assert end - shown > 3000
        # once every line is known, the beat says when the reading ends (its first estimate is corrected)
        await seen.wait_for("story:beat", lambda b: b["beat"] == "narrating" and near(b["endsAt"], end, 501))

        await clock.waiting_until(end)  # the show waits for this moment ...
        advance_to(clock, end - 1000)  # the last line is still being heard: no vote yet
        assert (await status_beat(server))["beat"] == "narrating"
        assert not seen.named("story:voting-started")

        advance_to(clock, end + 2)
        vote = await seen.wait_for("story:voting-started")
        voting = await beat_seen(seen, is_beat("voting", 1))
        assert end <= voting["startedAt"] <= end + 2 and voting["then"] == "result"
        assert voting["endsAt"] == vote["endsAt"] and vote["durationS"] == VOTE_S
        assert near(vote["endsAt"] - voting["startedAt"], VOTE_S * 1000)
        call = await seen.wait_for("story:narration", lambda n: n["kind"] == "vote-call")
        assert call["chapterNumber"] == 1 and call["startsAt"] == voting["startedAt"]  # heard as the vote opens
        assert vote_call_seconds(call) == VOTE_S

        clock.advance(VOTE_S)  # the story goes on
        await seen.wait_for("story:voting-ended")
        await seen.wait_for("story:chapter-ready", lambda c: c["chapterNumber"] == 2)


async def test_the_longest_wait_cuts_a_long_reading_short(serve: StartServer) -> None:
    clock = ShowClock()
    server = await serve(clock, **show(**{"voting.max_wait_s": 5}))
    async with watching(server.url) as seen:
        shown = now_ms(clock)
        await server.call("POST", f"{API}/start", {"theme": "mystery"})
        cap = shown + 5000
        narrating = await beat_seen(seen, is_beat("narrating", 1))
        assert narrating["endsAt"] == cap and narrating["then"] == "vote"
        lines, end = await reading(seen, 1)
        assert end > cap + 1000  # the chapter takes longer to read than the vote may wait
        assert {b["endsAt"] for b in seen.named("story:beat") if b["beat"] == "narrating"} == {cap}

        await clock.waiting_until(cap)  # the show waits for this moment ...
        advance_to(clock, cap - 500)
        assert (await status_beat(server))["beat"] == "narrating"
        assert not seen.named("story:voting-started")

        advance_to(clock, cap + 1)
        vote = await seen.wait_for("story:voting-started")
        voting = await beat_seen(seen, is_beat("voting", 1))
        assert cap <= voting["startedAt"] <= cap + 1
        assert near(vote["endsAt"] - voting["startedAt"], VOTE_S * 1000)
        call = await seen.wait_for("story:narration", lambda n: n["kind"] == "vote-call")
        assert call["startsAt"] == voting["startedAt"] and vote_call_seconds(call) == VOTE_S
        # the lines placed after the cut are not read: none comes after the vote call, and overlays told of
        # them drop them when the call (meant for now) arrives
        assert call["startsAt"] < end
        assert chapter_lines_after(seen, call, 1) == []
        status, body = await server.call("GET", f"{API}/status")
        assert body["beat"]["beat"] == "voting" and body["voting"]["endsAt"] == vote["endsAt"]


async def test_the_streamer_opens_extends_and_closes_the_vote(serve: StartServer) -> None:
    clock = ShowClock()
    server = await serve(clock, **show())
    async with watching(server.url) as seen:
        await server.call("POST", f"{API}/start", {"theme": "scifi"})
        await beat_seen(seen, is_beat("narrating", 1))
        assert (await server.call("POST", f"{API}/vote/extend", {"seconds": 20}))[0] == 409  # no vote yet
        assert (await server.call("POST", f"{API}/vote/close", {}))[0] == 409

        clock.advance(1)  # mid-reading
        opened_at = now_ms(clock)
        status, body = await server.call("POST", f"{API}/vote/open", {})
        assert status == 200 and body["ok"]
        vote = await seen.wait_for("story:voting-started")
        voting = await beat_seen(seen, is_beat("voting", 1))
        assert voting["startedAt"] == opened_at and vote["endsAt"] == voting["endsAt"]
        assert near(vote["endsAt"] - opened_at, VOTE_S * 1000)
        call = await seen.wait_for("story:narration", lambda n: n["kind"] == "vote-call")
        assert call["startsAt"] == opened_at and vote_call_seconds(call) == VOTE_S
        assert (await server.call("POST", f"{API}/vote/open", {}))[0] == 409  # it is open already

        clock.advance(10)
        mark = seen.mark()
        status, _ = await server.call("POST", f"{API}/vote/extend", {"seconds": 20})
        assert status == 200
        extended = await seen.wait_for("story:voting-started", lambda v: v["extended"], after=mark)
        assert extended["endsAt"] == vote["endsAt"] + 20_000
        assert (await status_beat(server))["endsAt"] == extended["endsAt"]  # the beat's end moved with it
        assert (await server.call("POST", f"{API}/vote/extend", {"seconds": 0}))[0] == 400

        status, _ = await server.call("POST", f"{API}/vote/close", {"choiceIndex": 2})
        assert status == 200
        ended = await seen.wait_for("story:voting-ended")
        assert ended["winnerIndex"] == 2 and ended["winnerText"] == vote["choices"][2] and ended["reason"] == "admin"
        ready = await seen.wait_for("story:chapter-ready", lambda c: c["chapterNumber"] == 2)
        assert ready["parentChoice"] == vote["choices"][2]
        # the reading of chapter 1 stopped when its vote opened: none of its lines came after the vote call
        assert chapter_lines_after(seen, call, 1) == []


async def test_skip_opens_the_vote_while_the_chapter_is_read(serve: StartServer) -> None:
    clock = ShowClock()
    server = await serve(clock, **show(**{"tiktok.unique_id": "@TheStreamer"}))
    gateway = server.app[keys.GATEWAY]
    async with watching(server.url) as seen:
        await server.call("POST", f"{API}/start", {"theme": "western"})
        await beat_seen(seen, is_beat("narrating", 1))
        clock.advance(1)
        gateway.accept_batch([from_viewer("!skip")])  # a viewer may not
        assert (await status_beat(server))["beat"] == "narrating"
        clock.advance(1)
        skipped_at = now_ms(clock)
        gateway.accept_batch([from_streamer("!skip")])
        voting = await beat_seen(seen, is_beat("voting", 1))
        assert voting["startedAt"] == skipped_at
        call = await seen.wait_for("story:narration", lambda n: n["kind"] == "vote-call")
        assert call["startsAt"] == skipped_at and vote_call_seconds(call) == VOTE_S

        # chapter 2: "next chapter" from the panel while it is read opens its vote too
        clock.advance(VOTE_S)
        await seen.wait_for("story:voting-ended")
        await beat_seen(seen, is_beat("narrating", 2))
        clock.advance(1)
        asked_at = now_ms(clock)
        assert (await server.call("POST", f"{API}/next-chapter", {}))[0] == 200
        assert (await beat_seen(seen, is_beat("voting", 2)))["startedAt"] == asked_at
        vote = await seen.wait_for("story:voting-started", lambda v: v["chapterNumber"] == 2)
        assert near(vote["endsAt"] - asked_at, VOTE_S * 1000)


async def test_the_winner_is_held_on_screen_before_the_next_chapter(serve: StartServer) -> None:
    clock = ShowClock()
    server = await serve(clock, **show(**{"voting.opens": "with_chapter", "show.result_hold_s": 6,
                                          "story.mode": "auto"}))
    async with watching(server.url) as seen:
        await server.call("POST", f"{API}/start", {"theme": "comedy"})
        await seen.wait_for("story:voting-started")
        clock.advance(VOTE_S)
        ended = await seen.wait_for("story:voting-ended")
        result = await beat_seen(seen, is_beat("result", 1))
        assert result["startedAt"] == now_ms(clock) and result["then"] == "chapter"
        assert result["endsAt"] - result["startedAt"] == 6000

        await clock.waiting_until(result["endsAt"])  # the show waits for this moment ...
        advance_to(clock, result["endsAt"] - 500)
        assert (await status_beat(server))["beat"] == "result"
        status, body = await server.call("GET", f"{API}/status")
        assert body["lastResult"]["winnerIndex"] == ended["winnerIndex"]  # the winner is what is on screen
        assert not [c for c in seen.named("story:generation-started") if c["chapterNumber"] == 2]
        assert not [c for c in seen.named("story:chapter-ready") if c["chapterNumber"] == 2]

        advance_to(clock, result["endsAt"] + 1)
        ready = await seen.wait_for("story:chapter-ready", lambda c: c["chapterNumber"] == 2)
        assert ready["parentChoice"] == ended["winnerText"]
        writing = await beat_seen(seen, is_beat("writing", 2))
        assert writing["startedAt"] >= result["endsAt"]

        # the streamer may cut the hold short ("next chapter" from the panel)
        await seen.wait_for("story:voting-started", lambda v: v["chapterNumber"] == 2)
        clock.advance(VOTE_S)
        result = await beat_seen(seen, is_beat("result", 2))
        assert (await server.call("POST", f"{API}/next-chapter", {}))[0] == 200
        await seen.wait_for("story:chapter-ready", lambda c: c["chapterNumber"] == 3)
        assert (await beat_seen(seen, is_beat("writing", 3)))["startedAt"] < result["endsAt"]


async def test_manual_mode_waits_for_the_streamer_with_no_hold(serve: StartServer) -> None:
    clock = ShowClock()
    server = await serve(clock, **show(**{"voting.opens": "with_chapter", "show.result_hold_s": 6,
                                          "story.mode": "manual"}))
    async with watching(server.url) as seen:
        await server.call("POST", f"{API}/start", {"theme": "romance"})
        await seen.wait_for("story:voting-started")
        clock.advance(VOTE_S)
        waiting = await beat_seen(seen, is_beat("waiting", 1))
        assert waiting["endsAt"] is None and waiting["then"] == "admin"
        clock.advance(60)  # nothing moves on by itself
        assert (await status_beat(server))["beat"] == "waiting"
        assert (await server.call("POST", f"{API}/next-chapter", {"choiceIndex": 1}))[0] == 200
        ready = await seen.wait_for("story:chapter-ready", lambda c: c["chapterNumber"] == 2)  # at once: no hold
        assert not [b for b in seen.named("story:beat") if b["beat"] == "result"]
        assert ready["parentChoice"] == (await seen.wait_for("story:voting-ended"))["choices"][1]


async def test_the_final_chapter_is_read_out_then_held_before_the_end(serve: StartServer) -> None:
    clock = ShowClock()
    server = await serve(clock, **show(**{"story.max_chapters": 2, "voting.opens": "with_chapter",
                                          "show.final_hold_s": 12}))
    async with watching(server.url) as seen:
        await server.call("POST", f"{API}/start", {"theme": "fairytale"})
        await seen.wait_for("story:voting-started")
        clock.advance(VOTE_S)
        final = await seen.wait_for("story:chapter-ready", lambda c: c["chapterNumber"] == 2)
        assert final["isFinal"]
        shown = now_ms(clock)
        narrating = await beat_seen(seen, is_beat("narrating", 2))
        assert narrating["startedAt"] == shown and narrating["then"] == "finale"
        _, end = await reading(seen, 2)
        assert end - shown > 2000

        await clock.waiting_until(end)  # the show waits for this moment ...
        advance_to(clock, end - 1000)
        assert (await status_beat(server))["beat"] == "narrating"
        advance_to(clock, end + 2)
        finale = await beat_seen(seen, is_beat("finale", 2))
        assert end <= finale["startedAt"] <= end + 2 and finale["then"] == "end"
        assert finale["endsAt"] - finale["startedAt"] == 12_000

        await clock.waiting_until(finale["endsAt"])  # the show waits for this moment ...
        advance_to(clock, finale["endsAt"] - 500)
        assert (await status_beat(server))["beat"] == "finale"
        assert not seen.named("story:ended")
        advance_to(clock, finale["endsAt"] + 1)
        await seen.wait_for("story:ended")
        ended = await beat_seen(seen, lambda b: b["beat"] == "ended")
        assert ended["startedAt"] >= finale["endsAt"]
        status, body = await server.call("GET", f"{API}/status")
        assert body["state"] == "ended" and body["beat"]["beat"] == "ended"


async def test_a_restart_mid_reading_resumes_it_with_the_time_it_had_left(serve: StartServer,
                                                                          tmp_path: Path) -> None:
    clock = ShowClock()
    first = await serve(clock, **show())
    async with watching(first.url) as seen:
        await first.call("POST", f"{API}/start", {"theme": "postapocalyptic"})
        narrating = await beat_seen(seen, is_beat("narrating", 1))
        _, end = await reading(seen, 1)
        await seen.wait_for("story:beat", lambda b: b["beat"] == "narrating" and near(b["endsAt"], end, 501))
        assert end - narrating["startedAt"] > 4000
        await clock.waiting_until(end)  # the reading's end is known (and kept)
        advance_to(clock, narrating["startedAt"] + (end - narrating["startedAt"]) // 3)  # a third of the way
        assert (await status_beat(first))["beat"] == "narrating"
    await first.stop()
    beat, chapter, started, ends = persisted_beat(tmp_path / "data")
    assert (beat, chapter, int(started * 1000)) == ("narrating", 1, narrating["startedAt"])
    assert ends is not None and near(int(ends * 1000), end, 501)
    ends_ms = int(ends * 1000)

    advance_to(clock, narrating["startedAt"] + (ends_ms - narrating["startedAt"]) * 2 // 3)  # down a while
    second = await serve(clock, **show())
    async with watching(second.url) as seen:
        resumed = await beat_seen(seen, lambda b: b["beat"] == "narrating" and b["then"] == "vote")
        assert resumed == {**narrating, "endsAt": ends_ms}  # the same beat, ending when it would have
        await clock.waiting_until(ends_ms)  # the show waits for this moment ...
        advance_to(clock, ends_ms - 1000)
        assert (await status_beat(second))["beat"] == "narrating"
        assert not seen.named("story:voting-started")

        advance_to(clock, ends_ms + 1)
        vote = await seen.wait_for("story:voting-started")
        voting = await beat_seen(seen, is_beat("voting", 1))
        assert ends_ms <= voting["startedAt"] <= ends_ms + 1
        assert near(vote["endsAt"] - voting["startedAt"], VOTE_S * 1000)
        call = await seen.wait_for("story:narration", lambda n: n["kind"] == "vote-call")
        assert call["startsAt"] == voting["startedAt"] and vote_call_seconds(call) == VOTE_S

        clock.advance(VOTE_S)  # and the story goes on
        await seen.wait_for("story:voting-ended")
        await seen.wait_for("story:chapter-ready", lambda c: c["chapterNumber"] == 2)


async def test_a_restart_mid_result_keeps_the_winner_up_for_the_time_left(serve: StartServer,
                                                                          tmp_path: Path) -> None:
    clock = ShowClock()
    settings = show(**{"voting.opens": "with_chapter", "show.result_hold_s": 20})
    first = await serve(clock, **settings)
    async with watching(first.url) as seen:
        await first.call("POST", f"{API}/start", {"theme": "superhero"})
        await seen.wait_for("story:voting-started")
        ballots = [{"user_id": user, "nickname": user, "text": text} for user, text in (("a", "!b"), ("b", "!b"))]
        await first.call("POST", f"{API}/chat", {"messages": ballots})
        await seen.wait_for("story:vote-update", lambda u: u["total"] == 2)
        clock.advance(VOTE_S)
        ended = await seen.wait_for("story:voting-ended")
        result = await beat_seen(seen, lambda b: b["beat"] == "result")
        assert result["endsAt"] - result["startedAt"] == 20_000
        clock.advance(8)
        assert (await status_beat(first))["beat"] == "result"
    await first.stop()
    beat, chapter, _, ends = persisted_beat(tmp_path / "data")
    assert (beat, chapter) == ("result", 1) and ends is not None and int(ends * 1000) == result["endsAt"]

    clock.advance(2)
    second = await serve(clock, **settings)
    async with watching(second.url) as seen:
        resumed = await beat_seen(seen, lambda b: b["beat"] == "result" and b["then"] == "chapter")
        assert resumed == result
        assert ended["winnerIndex"] == 1 and ended["counts"] == [0, 2, 0]
        state = await seen.wait_for("story:state")
        assert state["lastResult"] == ended  # the winner stays on screen
        await clock.waiting_until(result["endsAt"])  # the show waits for this moment ...
        advance_to(clock, result["endsAt"] - 500)
        assert (await status_beat(second))["beat"] == "result"
        assert not seen.named("story:chapter-ready")

        advance_to(clock, result["endsAt"] + 1)
        ready = await seen.wait_for("story:chapter-ready", lambda c: c["chapterNumber"] == 2)
        assert ready["parentChoice"] == ended["winnerText"]
        assert (await beat_seen(seen, is_beat("writing", 2)))["startedAt"] >= result["endsAt"]


async def test_a_restart_mid_finale_ends_the_story_when_it_would_have(serve: StartServer, tmp_path: Path) -> None:
    clock = ShowClock()
    settings = show(**{"story.max_chapters": 1, "show.final_hold_s": 20})
    first = await serve(clock, **settings)
    async with watching(first.url) as seen:
        await first.call("POST", f"{API}/start", {"theme": "mystery"})
        final = await seen.wait_for("story:chapter-ready")
        assert final["isFinal"]
        _, end = await reading(seen, 1)
        await clock.waiting_until(end)
        advance_to(clock, end + 2)
        finale = await beat_seen(seen, is_beat("finale", 1))
        assert finale["endsAt"] - finale["startedAt"] == 20_000
        clock.advance(5)
        assert (await status_beat(first))["beat"] == "finale"
    await first.stop()
    assert persisted_beat(tmp_path / "data")[:2] == ("finale", 1)

    clock.advance(5)
    second = await serve(clock, **settings)
    async with watching(second.url) as seen:
        resumed = await beat_seen(seen, lambda b: b["beat"] == "finale" and b["then"] == "end")
        assert resumed == finale  # the same beat, ending when it would have (the chapter is not read again)
        await clock.waiting_until(finale["endsAt"])
        advance_to(clock, finale["endsAt"] - 500)
        assert (await status_beat(second))["beat"] == "finale"
        assert not seen.named("story:ended")
        advance_to(clock, finale["endsAt"] + 1)
        await seen.wait_for("story:ended")
        assert [b["beat"] for b in seen.named("story:beat")] in (["ended"], ["finale", "ended"])


async def test_with_chapter_the_vote_call_tells_the_time_left_when_it_is_heard(serve: StartServer) -> None:
    clock = ShowClock()
    server = await serve(clock, **show(**{"voting.opens": "with_chapter", "voting.duration_s": 300}))
    async with watching(server.url) as seen:
        shown = now_ms(clock)
        await server.call("POST", f"{API}/start", {"theme": "fantasy"})
        vote = await seen.wait_for("story:voting-started")
        voting = await beat_seen(seen, is_beat("voting", 1))
        assert voting["startedAt"] == shown  # the vote opens with the chapter ...
        assert not [b for b in seen.named("story:beat") if b["beat"] == "narrating"]
        _, end = await reading(seen, 1)
        call = await seen.wait_for("story:narration", lambda n: n["kind"] == "vote-call")
        assert near(call["startsAt"], end)  # ... and is read out right after the chapter's last line
        left_ms = vote["endsAt"] - call["startsAt"]
        seconds = vote_call_seconds(call)
        assert seconds < 300 and seconds * 1000 <= left_ms + 1 < (seconds + 1) * 1000 + 1
