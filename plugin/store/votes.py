"""Queries for vote rounds, the ballot journal, per-choice results and viewer stats."""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from typing import Any

from plugin.store.db import Database
from plugin.store.records import BallotRow, ChoiceCount, JournalEntry, RoundRecord

SIMULATOR = "simulator"  # the platform of the simulated audience (plugin/chat/simulator.py)
REHEARSAL = "rehearsal"  # chat typed in the admin panel (POST chat without a platform)
# Rehearsal viewers: their ballots are journaled and their votes decide rehearsal rounds like any others,
# but they stay out of all-time top voters (and are marked `simulated` wherever they are listed).
SIMULATED_PLATFORMS = (SIMULATOR, REHEARSAL)
_REAL_VIEWER = f"platform NOT IN ({', '.join('?' * len(SIMULATED_PLATFORMS))})"


class VoteRepo:
    """Rounds, ballots, results and the viewers who cast them."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def open_round(
        self, session_id: int, chapter_number: int, choices: Sequence[str], started_at: float, ends_at: float
    ) -> RoundRecord:
        """Open (or return the already open) vote on a chapter's choices and mark the session voting."""
        async with self.db.transaction() as conn:
            await conn.execute(
                "INSERT OR IGNORE INTO story_rounds (session_id, chapter_number, choices_json, started_at,"
                " ends_at) VALUES (?,?,?,?,?)",
                (session_id, chapter_number, json.dumps(list(choices)), started_at, ends_at),
            )
            await conn.execute(
                "UPDATE story_sessions SET state = 'voting', updated_at = ? WHERE id = ?", (time.time(), session_id)
            )
        record = await self.get_round(session_id, chapter_number)
        assert record is not None
        return record

    async def get_round(self, session_id: int, chapter_number: int) -> RoundRecord | None:
        """The vote on one chapter, if any."""
        row = await self.db.fetchone(
            "SELECT * FROM story_rounds WHERE session_id = ? AND chapter_number = ?", (session_id, chapter_number)
        )
        return RoundRecord.from_row(row) if row else None

    async def extend_round(self, round_id: int, ends_at: float, extensions: int) -> None:
        """Move a round's end (too few votes, a moderator's !extend, a restart)."""
        await self.db.execute(
            "UPDATE story_rounds SET ends_at = ?, extensions = ? WHERE id = ?", (ends_at, extensions, round_id)
        )

    async def save_ballots(self, round_id: int, ballots: Sequence[JournalEntry | BallotRow]
                           ) -> list[tuple[Sequence[Any], str]]:
        """Journal a batch of ballots (a viewer's later ballot replaces the earlier one); returns the rows
        that could not be saved, with why: one bad row never costs the others."""
        return await self.db.write_rows(
            "INSERT INTO story_ballots (round_id, platform, user_id, nickname, choice_index, weight, msg_id,"
            " cast_at) VALUES (?,?,?,?,?,?,?,?) ON CONFLICT (round_id, platform, user_id) DO UPDATE SET"
            " nickname = excluded.nickname, choice_index = excluded.choice_index, weight = excluded.weight,"
            " msg_id = excluded.msg_id, cast_at = excluded.cast_at",
            [(round_id, *ballot) for ballot in ballots],
        )

    async def ballots(self, round_id: int) -> list[BallotRow]:
        """Every journaled ballot of a round."""
        rows = await self.db.fetchall(
            "SELECT platform, user_id, nickname, choice_index, weight, msg_id, cast_at FROM story_ballots"
            " WHERE round_id = ? ORDER BY cast_at",
            (round_id,),
        )
        return [BallotRow(**dict(row)) for row in rows]

    async def close_round(
        self, record: RoundRecord, winner_index: int, reason: str, counts: Sequence[ChoiceCount], state: str
    ) -> None:
        """Close a round: winner, per-choice counts, the chapter's chosen index and viewer stats, atomically."""
        now = time.time()
        async with self.db.transaction() as conn:
            await conn.execute(
                "UPDATE story_rounds SET status = 'closed', winner_index = ?, winner_reason = ?, closed_at = ?"
                " WHERE id = ?",
                (winner_index, reason, now, record.id),
            )
            await conn.executemany(
                "INSERT OR REPLACE INTO story_votes (session_id, chapter_number, choice_index, choice_text, votes,"
                " weight) VALUES (?,?,?,?,?,?)",
                [(record.session_id, record.chapter_number, c.choice_index, c.choice_text, c.votes, c.weight)
                 for c in counts],
            )
            await conn.execute(
                "UPDATE story_chapters SET chosen_index = ? WHERE session_id = ? AND number = ?",
                (winner_index, record.session_id, record.chapter_number),
            )
            # Each viewer who voted in this round gets one vote counted, once, at the close.
            await conn.execute(
                "INSERT INTO story_viewer_stats (platform, user_id, nickname, votes, first_seen, last_vote_at)"
                " SELECT platform, user_id, nickname, 1, cast_at, cast_at FROM story_ballots WHERE round_id = ?"
                " ON CONFLICT (platform, user_id) DO UPDATE SET votes = votes + 1,"
                " nickname = excluded.nickname, last_vote_at = MAX(COALESCE(last_vote_at, 0), excluded.last_vote_at)",
                (record.id,),
            )
            await conn.execute(
                "UPDATE story_sessions SET state = ?, updated_at = ? WHERE id = ?", (state, now, record.session_id)
            )

    async def override_winner(self, record: RoundRecord, winner_index: int) -> None:
        """The admin picks a different branch after the vote closed."""
        async with self.db.transaction() as conn:
            await conn.execute(
                "UPDATE story_rounds SET winner_index = ?, winner_reason = 'admin' WHERE id = ?",
                (winner_index, record.id),
            )
            await conn.execute(
                "UPDATE story_chapters SET chosen_index = ? WHERE session_id = ? AND number = ?",
                (winner_index, record.session_id, record.chapter_number),
            )

    async def results(self, session_id: int) -> dict[int, list[dict[str, Any]]]:
        """Per-chapter vote results of a session: {chapter: [{index, text, votes, weight}]}. One rule with
        `top_voters`: every journaled ballot counts. A closed vote gives the counts saved at its close; a vote
        not closed (still open, or cut short when the story ended with "End now") its ballots so far."""
        rows = await self.db.fetchall(
            "SELECT chapter_number, choice_index, choice_text, votes, weight FROM story_votes"
            " WHERE session_id = ? ORDER BY chapter_number, choice_index",
            (session_id,),
        )
        results: dict[int, list[dict[str, Any]]] = {}
        for row in rows:
            results.setdefault(row["chapter_number"], []).append(
                {"index": row["choice_index"], "text": row["choice_text"], "votes": row["votes"],
                 "weight": row["weight"]}
            )
        unclosed = await self.db.fetchall(
            "SELECT r.chapter_number, r.choices_json, b.choice_index, COUNT(b.user_id) AS votes,"
            " COALESCE(SUM(b.weight), 0) AS weight FROM story_rounds r LEFT JOIN story_ballots b ON b.round_id = r.id"
            " WHERE r.session_id = ? AND r.status != 'closed' GROUP BY r.id, b.choice_index",
            (session_id,),
        )
        for row in unclosed:  # one row per chapter and choice voted for (a vote with no ballots: one row)
            counts = results.setdefault(row["chapter_number"], [
                {"index": i, "text": text, "votes": 0, "weight": 0.0}
                for i, text in enumerate(json.loads(row["choices_json"]))])
            index = row["choice_index"]
            if index is not None and 0 <= index < len(counts):
                counts[index].update(votes=row["votes"], weight=float(row["weight"]))
        return dict(sorted(results.items()))

    async def top_voters(self, session_id: int | None = None, limit: int = 10, simulated: bool = False
                         ) -> list[dict[str, Any]]:
        """Most active voters, overall or in one session. Overall (viewer stats, added up when a vote closes)
        leaves simulated and rehearsal viewers out unless `simulated`; in a session every voter is listed,
        marked `simulated` or not, and every journaled ballot counts, as in `results` (the end card shows
        both: they must agree, a vote cut short by "End now" included)."""
        if session_id is None:
            rows = await self.db.fetchall(
                "SELECT platform, user_id, nickname, votes, gifts, diamonds, likes, last_vote_at"
                f" FROM story_viewer_stats WHERE votes > 0 AND (? OR {_REAL_VIEWER})"
                " ORDER BY votes DESC, last_vote_at ASC LIMIT ?",
                (int(simulated), *SIMULATED_PLATFORMS, limit),
            )
        else:
            rows = await self.db.fetchall(
                "SELECT b.platform, b.user_id, MAX(b.nickname) AS nickname, COUNT(*) AS votes,"
                " MAX(b.cast_at) AS last_vote_at FROM story_ballots b JOIN story_rounds r ON r.id = b.round_id"
                " WHERE r.session_id = ? GROUP BY b.platform, b.user_id"
                " ORDER BY votes DESC, last_vote_at ASC LIMIT ?",
                (session_id, limit),
            )
        return [
            {"platform": r["platform"], "userId": r["user_id"], "nickname": r["nickname"], "votes": r["votes"],
             "lastVoteAt": r["last_vote_at"], "simulated": r["platform"] in SIMULATED_PLATFORMS,
             **({"gifts": r["gifts"], "diamonds": r["diamonds"], "likes": r["likes"]} if session_id is None else {})}
            for r in rows
        ]

    async def add_viewer_activity(self, rows: Sequence[tuple[str, str, str, int, int, int, int, int, int, float]]
                                  ) -> list[tuple[Sequence[Any], str]]:
        """Add up gifts, diamonds, likes, joins, follows and shares per viewer:
        rows of (platform, user_id, nickname, gifts, diamonds, likes, joins, follows, shares, seen_at).
        Returns the rows that could not be saved, with why (the others are saved)."""
        return await self.db.write_rows(
            "INSERT INTO story_viewer_stats (platform, user_id, nickname, gifts, diamonds, likes, joins, follows,"
            " shares, first_seen, last_seen) VALUES (?,?,?,?,?,?,?,?,?,?,?)"
            " ON CONFLICT (platform, user_id) DO UPDATE SET nickname = excluded.nickname,"
            " gifts = gifts + excluded.gifts, diamonds = diamonds + excluded.diamonds,"
            " likes = likes + excluded.likes, joins = joins + excluded.joins, follows = follows + excluded.follows,"
            " shares = shares + excluded.shares, last_seen = excluded.last_seen",
            [(*row[:9], row[9], row[9]) for row in rows],
        )

