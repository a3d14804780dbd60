"""Optional vote rules on a real server: keywords per choice (voting.keywords) and an early close on a clear lead
(voting.early_end_margin, voting.early_end_min_votes)."""

from __future__ import annotations

from typing import Any

from plugin import keys
from plugin.clock import ManualClock
from plugin.voting.keywords import choice_keywords
from tests.conftest import StartServer
from tests.support.harness import advance_when_waiting, watching
from tests.support.live_chat import tiktok_chat

API = "/api/interactive-story"


def chat(*lines: tuple[str, str]) -> dict[str, Any]:
    """A POST chat batch of (viewer, text)."""
    return {"messages": [{"user_id": user, "nickname": user, "text": text} for user, text in lines]}


async def test_each_choice_has_a_keyword_that_counts_like_its_letter(serve: StartServer) -> None:
    clock = ManualClock()
    server = await serve(clock, **{"voting.keywords": True, "voting.duration_s": 30, "story.num_choices": 3})
    async with watching(server.url) as seen, tiktok_chat(server, clock) as live:
        await server.call("POST", f"{API}/start", {"theme": "fantasy"})
        vote = await seen.wait_for("story:voting-started")
        words = vote["keywords"]
        assert words == choice_keywords(vote["choices"], ["idea"]) and len(words) == 3
        assert all(w is None or (w.isascii() and w.isalpha() and w.islower() and 3 <= len(w) <= 10) for w in words)
        assert len({w for w in words if w}) == len([w for w in words if w])  # one choice each
        mark = seen.mark()
        for index, text in enumerate(("Draw the old sword", "Run for the hills", "Hide in the barn")):
            assert (await server.call("POST", f"{API}/choice", {"index": index, "text": text}))[0] == 200
        vote = await seen.wait_for("story:voting-started", lambda v: v["choices"][2] == "Hide in the barn", after=mark)
        words = vote["keywords"]
        assert words == ["sword", "hills", "barn"]  # edited choices get their own keywords at once
        _, answer = await server.call("POST", f"{API}/chat", chat(
            ("p1", "!sword"), ("p2", "！HILLS!"), ("p3", "hills"), ("p4", "!swords"), ("p5", "!barn please")))
        assert answer["votes"] == 2  # a keyword needs its "!" and to stand alone, whole
        live.say((11, "Nova", "nova11", "#sword"), (12, "Kiwi", "kiwi12", "!c"))  # keywords and letters, mixed
        update = await seen.wait_for("story:vote-update", lambda u: u["voters"] == 4)
        expected = [2, 1, 1]
        assert update["counts"] == expected
        state = (await server.call("GET", f"{API}/status", admin=False))[1]
        assert state["voting"]["keywords"] == words  # a reloaded overlay shows them too
        await advance_when_waiting(clock, 30)
        ended = await seen.wait_for("story:voting-ended")
        assert ended["counts"] == expected and ended["reason"] in ("votes", "tie")


async def test_a_clear_lead_closes_the_vote_early_and_a_tie_never_does(serve: StartServer) -> None:
    clock = ManualClock()
    server = await serve(clock, **{"voting.early_end_margin": 0.5, "voting.early_end_min_votes": 4,
                                   "voting.duration_s": 60})
    desk = server.app[keys.DESK]
    async with watching(server.url) as seen:
        await server.call("POST", f"{API}/start", {"theme": "scifi"})
        vote = await seen.wait_for("story:voting-started")
        assert vote["keywords"] == []  # keywords are off by default
        opened = clock.now()
        _, answer = await server.call("POST", f"{API}/chat", chat(("a", "!a"), ("b", "!b"), ("c", "!a"), ("d", "!b")))
        assert answer["votes"] == 4 and desk.current is not None and not desk.current.closed  # 2-2: a tie
        _, answer = await server.call("POST", f"{API}/chat", chat(("e", "!a"), ("f", "!a")))
        assert not desk.current.closed  # 4-2 of 6: a third ahead, not half
        # 6-2 of 8 is half ahead: the vote closes on that ballot; the rest of the batch is too late
        _, answer = await server.call("POST", f"{API}/chat", chat(("g", "!a"), ("h", "!a"), ("i", "!b"), ("j", "!c")))
        assert answer["votes"] == 2
        ended = await seen.wait_for("story:voting-ended")
        assert (ended["reason"], ended["winnerIndex"], ended["counts"], ended["voters"]) == (
            "decided-early", 0, [6, 2, 0], 8)
        assert clock.now() == opened  # no time had to pass

        second = await seen.wait_for("story:voting-started", lambda v: v["chapterNumber"] == 2)
        _, answer = await server.call("POST", f"{API}/chat", chat(("a", "!b"), ("b", "!b"), ("c", "!b")))
        assert answer["votes"] == 3 and not desk.current.closed  # all ahead, but only 3 voters
        _, answer = await server.call("POST", f"{API}/chat", chat(("a", "!a"), ("d", "!a"), ("e", "!b"), ("f", "!a")))
        assert answer["votes"] == 4 and not desk.current.closed  # 1-2 (3 voters), 2-2, 2-3 (a fifth ahead), 3-3
        await advance_when_waiting(clock, 60)
        ended = await seen.wait_for("story:voting-ended", lambda e: e["chapterNumber"] == 2)
        assert ended["reason"] == "tie" and ended["counts"] == [3, 3, 0] and second["endsAt"] <= clock.now() * 1000
