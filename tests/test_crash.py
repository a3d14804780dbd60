"""kill -9 and restart: ballots older than the flush window survive, the vote continues, chapters are rewritten."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tests.support.harness import watching
from tests.support.process import TOKEN, ServerProcess

API = "/api/interactive-story"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
SETTINGS: dict[str, Any] = {"chat": {"source": "none"}, "voting": {"duration_s": 600, "opens": "with_chapter"},
                            "show": {"result_hold_s": 0, "final_hold_s": 0},
                            "llm": {"offline_words_per_s": 0}, "story": {"prefetch": "off"},
                            "tts": {"provider": "off"}, "images": {"provider": "off"}}


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(headers=AUTH) as session:
        yield session


def ballots(data_dir: Path) -> dict[str, int]:
    """user -> choice, as journaled in SQLite."""
    with sqlite3.connect(data_dir / "story.db") as db:
        return dict(db.execute("SELECT user_id, choice_index FROM story_ballots").fetchall())


async def vote(http: aiohttp.ClientSession, server: ServerProcess, users: range, text: str) -> None:
    async with http.post(f"{server.url}{API}/chat", json={"messages": [
            {"user_id": f"u{i}", "nickname": f"n{i}", "text": text} for i in users]}) as response:
        assert response.status == 200


async def test_kill_9_mid_vote_loses_nothing_older_than_the_flush_window(tmp_path: Path,
                                                                        http: aiohttp.ClientSession) -> None:
    server = ServerProcess(tmp_path / "data", SETTINGS)
    await server.start()
    async with watching(server.url, "/admin", auth={"token": TOKEN}) as seen:
        async with http.post(f"{server.url}{API}/start", json={"theme": "horror"}) as response:
            assert response.status == 201
        opened = await seen.wait_for("story:voting-started", timeout=30)
        await vote(http, server, range(0, 60), "!b")
        await seen.wait_for("story:ballots-saved", lambda s: s["journaled"] >= 60)  # past the flush window
        await vote(http, server, range(60, 80), "!c")  # these may or may not make it: the loss window
    await server.kill()
    saved = ballots(server.data_dir)
    assert all(saved[f"u{i}"] == 1 for i in range(60))

    await server.start()
    try:
        async with watching(server.url) as seen:
            state = await seen.wait_for("story:state", lambda s: s["voting"] is not None, timeout=30)
            resumed = state["voting"]
            assert resumed["endsAt"] == opened["endsAt"] and resumed["counts"][1] == 60  # the vote goes on
            await vote(http, server, range(100, 105), "!a")
            async with http.post(f"{server.url}{API}/next-chapter", json={}) as response:
                assert response.status == 200
            ended = await seen.wait_for("story:voting-ended")
            assert ended["counts"][:2] == [5, 60] and ended["winnerIndex"] == 1
            await seen.wait_for("story:chapter-ready", lambda c: c["chapterNumber"] == 2)
    finally:
        await server.terminate()


async def test_kill_9_mid_chapter_writes_the_chapter_again(tmp_path: Path, http: aiohttp.ClientSession) -> None:
    slow = {**SETTINGS, "llm": {"offline_words_per_s": 4}}
    server = ServerProcess(tmp_path / "data", slow)
    await server.start()
    async with watching(server.url) as seen:
        await http.post(f"{server.url}{API}/start", json={"theme": "western"})
        await seen.wait_for("story:chapter-token", timeout=30)
    await server.kill()
    with sqlite3.connect(server.data_dir / "story.db") as db:
        assert db.execute("SELECT COUNT(*) FROM story_chapters").fetchone()[0] == 0

    server.settings = SETTINGS  # a faster writer after the restart
    await server.start()
    try:
        async with watching(server.url) as seen:
            # the chapter is written again (perhaps before this overlay connects): the story reaches its vote
            state = await seen.wait_for("story:state", lambda s: s["voting"] is not None, timeout=30)
            assert state["chapter"]["chapterNumber"] == 1 and state["chapter"]["content"]
            with sqlite3.connect(server.data_dir / "story.db") as db:
                assert db.execute("SELECT COUNT(*) FROM story_chapters").fetchone()[0] == 1
    finally:
        await server.terminate()


async def test_a_graceful_shutdown_loses_nothing(tmp_path: Path, http: aiohttp.ClientSession) -> None:
    server = ServerProcess(tmp_path / "data", SETTINGS)
    await server.start()
    async with watching(server.url) as seen:
        await http.post(f"{server.url}{API}/start", json={"theme": "comedy"})
        await seen.wait_for("story:voting-started", timeout=30)
    await vote(http, server, range(0, 500), "!a")
    assert await server.terminate() == 0  # SIGTERM right after the votes were accepted
    assert len(ballots(server.data_dir)) == 500
