"""Queries for sessions, chapters and memory snapshots."""

from __future__ import annotations

import json
import time
from typing import Any

from plugin.store.db import Database
from plugin.store.records import ChapterRecord, SessionRecord

ACTIVE_STATES = ("outlining", "writing", "voting", "waiting", "final", "error")
_SESSION_COLUMNS = frozenset(
    {"title", "outline", "provider", "model", "state", "end_requested", "error", "ended_at", "mode", "beat",
     "beat_chapter", "beat_started_at", "beat_ends_at"}
)


class StoryRepo:
    """Sessions and chapters."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def create_session(
        self,
        *,
        theme: str,
        title: str = "",
        custom_theme: str | None,
        outline: str | None,
        language: str,
        mode: str,
        max_chapters: int,
        num_choices: int,
        provider: str,
        model: str,
        seed: int,
        state: str,
        style: dict[str, Any] | None = None,
    ) -> SessionRecord:
        """Insert a new session and return it."""
        now = time.time()
        session_id = await self.db.execute(
            "INSERT INTO story_sessions (theme, title, custom_theme, outline, language, mode, max_chapters,"
            " num_choices, provider, model, seed, state, created_at, updated_at, style_json)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (theme, title, custom_theme, outline, language, mode, max_chapters, num_choices, provider, model,
             seed, state, now, now, json.dumps(style or {})),
        )
        session = await self.get_session(session_id)
        assert session is not None
        return session

    async def get_session(self, session_id: int) -> SessionRecord | None:
        """A session by id."""
        row = await self.db.fetchone("SELECT * FROM story_sessions WHERE id = ?", (session_id,))
        return SessionRecord.from_row(row) if row else None

    async def active_session(self) -> SessionRecord | None:
        """The newest session that has not ended (there is at most one)."""
        marks = ",".join("?" * len(ACTIVE_STATES))
        row = await self.db.fetchone(
            f"SELECT * FROM story_sessions WHERE state IN ({marks}) ORDER BY id DESC LIMIT 1",
            ACTIVE_STATES,
        )
        return SessionRecord.from_row(row) if row else None

    async def list_sessions(self, limit: int = 50, offset: int = 0) -> list[dict[str, Any]]:
        """Sessions newest first, with chapter counts."""
        rows = await self.db.fetchall(
            "SELECT s.*, (SELECT COUNT(*) FROM story_chapters c WHERE c.session_id = s.id) AS chapters"
            " FROM story_sessions s ORDER BY s.id DESC LIMIT ? OFFSET ?",
            (limit, offset),
        )
        result = []
        for row in rows:
            data = dict(row)
            chapters = data.pop("chapters")
            result.append({**SessionRecord.from_row(data).public(), "chapterCount": chapters})
        return result

    async def update_session(self, session_id: int, **fields: Any) -> None:
        """Change some columns of a session (names are checked against a fixed list)."""
        unknown = set(fields) - _SESSION_COLUMNS
        if unknown:
            raise ValueError(f"not session columns: {sorted(unknown)}")
        assignments = ", ".join(f"{name} = ?" for name in fields)
        await self.db.execute(
            f"UPDATE story_sessions SET {assignments}, updated_at = ? WHERE id = ?",
            (*fields.values(), time.time(), session_id),
        )

    async def add_chapter(
        self,
        *,
        session_id: int,
        number: int,
        title: str,
        content: str,
        choices: list[str],
        is_final: bool,
        parent_choice: str | None,
        model: str,
        state: str,
    ) -> ChapterRecord:
        """Store a finished chapter and move the session to `state` in one transaction."""
        now = time.time()
        async with self.db.transaction() as conn:
            await conn.execute(
                "INSERT OR REPLACE INTO story_chapters (session_id, number, title, content, choices_json,"
                " is_final, parent_choice, model, created_at) VALUES (?,?,?,?,?,?,?,?,?)",
                (session_id, number, title, content, json.dumps(choices), int(is_final), parent_choice,
                 model, now),
            )
            await conn.execute(
                "UPDATE story_sessions SET state = ?, error = NULL, updated_at = ? WHERE id = ?",
                (state, now, session_id),
            )
        chapter = await self.get_chapter(session_id, number)
        assert chapter is not None
        return chapter

    async def get_chapter(self, session_id: int, number: int) -> ChapterRecord | None:
        """One chapter of a session."""
        row = await self.db.fetchone(
            "SELECT * FROM story_chapters WHERE session_id = ? AND number = ?", (session_id, number)
        )
        return ChapterRecord.from_row(row) if row else None

    async def chapters(self, session_id: int) -> list[ChapterRecord]:
        """All chapters of a session in order."""
        rows = await self.db.fetchall(
            "SELECT * FROM story_chapters WHERE session_id = ? ORDER BY number", (session_id,)
        )
        return [ChapterRecord.from_row(row) for row in rows]

    async def last_chapter(self, session_id: int) -> ChapterRecord | None:
        """The newest chapter of a session."""
        row = await self.db.fetchone(
            "SELECT * FROM story_chapters WHERE session_id = ? ORDER BY number DESC LIMIT 1", (session_id,)
        )
        return ChapterRecord.from_row(row) if row else None

    async def set_image(self, session_id: int, number: int, status: str, file: str | None = None,
                        prompt: str | None = None) -> None:
        """Record a chapter's picture state (pending, ready with its file, failed)."""
        await self.db.execute(
            "UPDATE story_chapters SET image_status = ?, image_file = COALESCE(?, image_file),"
            " image_prompt = COALESCE(?, image_prompt) WHERE session_id = ? AND number = ?",
            (status, file, prompt, session_id, number),
        )

    async def set_voices(self, session_id: int, voices: dict[str, str]) -> None:
        """Store the voice given to each character."""
        await self.db.execute("UPDATE story_sessions SET voices_json = ? WHERE id = ?",
                              (json.dumps(voices), session_id))

    async def image_files(self) -> set[str]:
        """Every picture some chapter still shows (kept by the cache cleanup)."""
        rows = await self.db.fetchall("SELECT image_file FROM story_chapters WHERE image_file IS NOT NULL")
        return {row["image_file"] for row in rows}

    async def save_memory(self, session_id: int, chapter_number: int, memory: dict[str, Any]) -> None:
        """Store the memory snapshot taken after a chapter."""
        await self.db.execute(
            "INSERT OR REPLACE INTO story_memory (session_id, chapter_number, memory_json, created_at)"
            " VALUES (?,?,?,?)",
            (session_id, chapter_number, json.dumps(memory), time.time()),
        )

    async def latest_memory(self, session_id: int, before: int | None = None) -> tuple[int, dict[str, Any]] | None:
        """(chapter, snapshot) of the newest memory snapshot, optionally only those taken before a chapter."""
        row = await self.db.fetchone(
            "SELECT chapter_number, memory_json FROM story_memory WHERE session_id = ? AND chapter_number < ?"
            " ORDER BY chapter_number DESC LIMIT 1",
            (session_id, before if before is not None else 2**31),
        )
        return (row["chapter_number"], json.loads(row["memory_json"])) if row else None

    async def memory(self, session_id: int, chapter_number: int | None = None) -> dict[str, Any] | None:
        """The latest memory snapshot (or the one taken after `chapter_number`)."""
        if chapter_number is None:
            row = await self.db.fetchone(
                "SELECT memory_json FROM story_memory WHERE session_id = ? ORDER BY chapter_number DESC LIMIT 1",
                (session_id,),
            )
        else:
            row = await self.db.fetchone(
                "SELECT memory_json FROM story_memory WHERE session_id = ? AND chapter_number = ?",
                (session_id, chapter_number),
            )
        return json.loads(row["memory_json"]) if row else None
