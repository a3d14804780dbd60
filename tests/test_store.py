"""SQLite: migrations applied in order and recorded, WAL, and writes that survive cancellation."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest

from plugin.store.db import Database, MigrationError
from plugin.store.records import BallotRow
from plugin.store.repo import StoryRepo
from plugin.store.votes import VoteRepo


async def open_db(path: Path, migrations: Path | None = None) -> Database:
    db = Database(path)
    await db.open()
    if migrations:
        await db.migrate(migrations)
    else:
        await db.migrate()
    return db


async def test_migrations_are_recorded_and_wal_is_on(tmp_path: Path) -> None:
    db = await open_db(tmp_path / "s.db")
    try:
        assert (await db.fetchone("PRAGMA journal_mode"))[0] == "wal"
        rows = await db.fetchall("SELECT version, name FROM schema_migrations")
        assert [tuple(r) for r in rows][:2] == [(1, "0001_initial.sql"), (2, "0002_viewer_actions.sql")]
        assert [r[0] for r in rows] == list(range(1, len(rows) + 1))
        assert await db.migrate() == []
    finally:
        await db.close()


async def test_a_broken_migration_is_rolled_back_and_named(tmp_path: Path) -> None:
    folder = tmp_path / "migrations"
    folder.mkdir()
    (folder / "0001_good.sql").write_text("CREATE TABLE a (x INTEGER);")
    (folder / "0002_bad.sql").write_text("CREATE TABLE b (y INTEGER);\nINSERT INTO nowhere VALUES (1);")
    db = Database(tmp_path / "m.db")
    await db.open()
    try:
        with pytest.raises(MigrationError, match="0002_bad.sql"):
            await db.migrate(folder)
        tables = {r[0] for r in await db.fetchall("SELECT name FROM sqlite_master WHERE type = 'table'")}
        assert "a" in tables and "b" not in tables
        (folder / "0002_bad.sql").write_text("CREATE TABLE b (y INTEGER);")
        assert await db.migrate(folder) == ["0002_bad.sql"]
    finally:
        await db.close()


async def test_a_write_whose_task_is_cancelled_still_lands_and_the_db_stays_usable(tmp_path: Path) -> None:
    db = await open_db(tmp_path / "c.db")
    try:
        stories, votes = StoryRepo(db), VoteRepo(db)
        session = await stories.create_session(
            theme="fantasy", custom_theme=None, outline="x", language="English", mode="auto", max_chapters=3,
            num_choices=3, provider="offline", model="offline writer", seed=1, state="voting")
        vote = await votes.open_round(session.id, 1, ["a", "b", "c"], 0, 10)
        ballots = [BallotRow("t", f"u{i}", f"n{i}", i % 3, 1, None, 0.0) for i in range(500)]
        for _ in range(20):  # cancel at different moments of the write
            task = asyncio.create_task(votes.save_ballots(vote.id, ballots))
            await asyncio.sleep(0)
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        await votes.save_ballots(vote.id, ballots[:1])
        assert len(await votes.ballots(vote.id)) == 500
    finally:
        await db.close()
    assert sqlite3.connect(tmp_path / "c.db").execute("SELECT COUNT(*) FROM story_ballots").fetchone()[0] == 500
