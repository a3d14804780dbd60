"""A whole story session over real HTTP and Socket.IO, on the offline writer, checked in SQLite."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from plugin.clock import ManualClock
from tests.conftest import StartServer
from tests.support.harness import advance_when_waiting, watching

VOTERS = [("u1", "Ana", "!b"), ("u2", "Ben", "B"), ("u3", "Cy", "2"), ("u4", "Di", "!a"), ("u5", "Eve", "hello")]


async def test_a_story_runs_to_the_end_following_the_votes(serve: StartServer, tmp_path: Path) -> None:
    clock = ManualClock()
    server = await serve(clock, **{"voting.duration_s": 2, "story.max_chapters": 3, "story.prefetch": "off"})
    async with watching(server.url) as seen, watching(server.url, "/admin", {"token": server.token}) as admin_seen:
        state = await seen.wait_for("story:state")
        assert state["state"] == "idle"

        status, body = await server.call("POST", "/api/interactive-story/start", {"theme": "fantasy"})
        assert status == 201, body
        session_id = body["session"]["id"]

        winners: list[str] = []
        for number in (1, 2):
            vote = await seen.wait_for("story:voting-started", lambda v, n=number: v["chapterNumber"] == n)
            assert len(vote["choices"]) == 3
            assert vote["endsAt"] == int((clock.now() + 2) * 1000)
            status, result = await server.call("POST", "/api/interactive-story/chat", {"messages": [
                {"user_id": uid, "nickname": nick, "text": text} for uid, nick, text in VOTERS]})
            assert (status, result["votes"], result["ignored"]) == (200, 4, 1)
            await seen.wait_for("story:vote-update", lambda u, n=number: u["chapterNumber"] == n and u["total"] == 4)
            await advance_when_waiting(clock, 2)
            ended = await seen.wait_for("story:voting-ended", lambda e, n=number: e["chapterNumber"] == n)
            assert (ended["winnerIndex"], ended["counts"], ended["reason"]) == (1, [1, 3, 0], "votes")
            winners.append(vote["choices"][1])
            ready = await seen.wait_for("story:chapter-ready", lambda c, n=number + 1: c["chapterNumber"] == n)
            assert ready["parentChoice"] == vote["choices"][1]

        final = await seen.wait_for("story:chapter-ready", lambda c: c["chapterNumber"] == 3)
        assert final["isFinal"] is True and final["choices"] == []
        done = await seen.wait_for("story:ended")
        assert done["sessionId"] == session_id
        assert done["recap"]["chapters"] == 3 and done["recap"]["totalVotes"] == 8
        assert [v["nickname"] for v in done["recap"]["topVoters"]][:1] in (["Ana"], ["Ben"], ["Cy"], ["Di"])
        tokens = [t for t in seen.named("story:chapter-token") if t["chapterNumber"] == 2]
        ready2 = await seen.wait_for("story:chapter-ready", lambda c: c["chapterNumber"] == 2)
        assert len(tokens) > 20 and "".join(t["delta"] for t in tokens).strip() == ready2["content"].replace(
            "\n\n", "\n\n").strip()
        # the final chapter's memory is updated in the background after the story ends: wait until it is saved
        await admin_seen.wait_for("story:memory-updated", lambda m: m["chapterNumber"] == 3)

    db = sqlite3.connect(tmp_path / "data" / "story.db")
    chapters = db.execute(
        "SELECT number, is_final, parent_choice, chosen_index, content FROM story_chapters WHERE session_id = ?"
        " ORDER BY number", (session_id,)).fetchall()
    assert [(n, f, p, c) for n, f, p, c, _ in chapters] == [
        (1, 0, None, 1), (2, 0, winners[0], 1), (3, 1, winners[1], None)]
    # the offline writer acts out the winning choice at the start of the next chapter
    first_words = {w.lower().strip(".,!?") for w in winners[0].split() if len(w) > 4}
    assert first_words & {w.lower().strip(".,!?“”") for w in chapters[1][4].split("\n")[0].split()}
    assert db.execute("SELECT chapter_number, choice_index, votes FROM story_votes WHERE session_id = ?"
                      " ORDER BY 1, 2", (session_id,)).fetchall() == [(1, 0, 1), (1, 1, 3), (1, 2, 0),
                                                                      (2, 0, 1), (2, 1, 3), (2, 2, 0)]
    assert db.execute("SELECT COUNT(*) FROM story_ballots").fetchone()[0] == 8
    assert db.execute("SELECT nickname, votes FROM story_viewer_stats ORDER BY user_id").fetchall() == [
        ("Ana", 2), ("Ben", 2), ("Cy", 2), ("Di", 2)]
    assert db.execute("SELECT state, ended_at IS NOT NULL FROM story_sessions").fetchall() == [("ended", 1)]
    calls = dict(db.execute("SELECT purpose, COUNT(*) FROM llm_usage WHERE provider = 'offline' GROUP BY purpose"))
    assert calls == {"outline": 1, "chapter": 2, "final": 1, "memory": 3}
    assert db.execute("SELECT COUNT(*) FROM story_memory WHERE session_id = ?", (session_id,)).fetchone()[0] == 3
