"""Queries for the streamer's editing tools: director's notes and chapter revisions."""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from typing import Any

from plugin.store.db import Database
from plugin.store.records import ChapterRecord


class EditRepo:
    """Director's notes and the history of every chapter change."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def add_note(self, session_id: int, note: str) -> int:
        """Store a director's note for the next chapter."""
        return await self.db.execute(
            "INSERT INTO story_notes (session_id, note, created_at) VALUES (?,?,?)", (session_id, note, time.time())
        )

    async def pending_notes(self, session_id: int) -> list[str]:
        """Notes not used by a chapter yet, oldest first."""
        return [note for _, note in await self.pending_note_ids(session_id)]

    async def pending_note_ids(self, session_id: int) -> list[tuple[int, str]]:
        """(id, note) of the notes not used yet, oldest first."""
        rows = await self.db.fetchall(
            "SELECT id, note FROM story_notes WHERE session_id = ? AND used_in_chapter IS NULL ORDER BY id",
            (session_id,),
        )
        return [(row["id"], row["note"]) for row in rows]

    async def mark_notes_used(self, note_ids: list[int], chapter: int) -> None:
        """These notes went into this chapter (a note added while it was written waits for the next)."""
        await self.db.executemany("UPDATE story_notes SET used_in_chapter = ? WHERE id = ?",
                                  [(chapter, note_id) for note_id in note_ids])

    async def notes(self, session_id: int) -> list[dict[str, Any]]:
        """Every note of a session with the chapter that used it."""
        rows = await self.db.fetchall(
            "SELECT note, created_at, used_in_chapter FROM story_notes WHERE session_id = ? ORDER BY id",
            (session_id,),
        )
        return [{"note": r["note"], "createdAt": r["created_at"], "usedInChapter": r["used_in_chapter"]} for r in rows]

    async def archive(self, chapter: ChapterRecord, reason: str, instruction: str | None) -> None:
        """Keep the chapter as it was before a change."""
        await self.db.execute(
            "INSERT INTO story_chapter_revisions (session_id, number, title, content, choices_json, reason,"
            " instruction, created_at) VALUES (?,?,?,?,?,?,?,?)",
            (chapter.session_id, chapter.number, chapter.title, chapter.content, json.dumps(list(chapter.choices)),
             reason, instruction, time.time()),
        )

    async def revisions(self, session_id: int, number: int | None = None) -> list[dict[str, Any]]:
        """Earlier versions of a session's chapters (or of one chapter), oldest first."""
        where, params = ("AND number = ?", (session_id, number)) if number is not None else ("", (session_id,))
        rows = await self.db.fetchall(
            f"SELECT * FROM story_chapter_revisions WHERE session_id = ? {where} ORDER BY id", params
        )
        return [{"chapterNumber": r["number"], "title": r["title"], "content": r["content"],
                 "choices": json.loads(r["choices_json"]), "reason": r["reason"], "instruction": r["instruction"],
                 "createdAt": r["created_at"]} for r in rows]

    async def regenerations(self, session_id: int, number: int) -> int:
        """How many times a chapter was regenerated."""
        row = await self.db.fetchone(
            "SELECT COUNT(*) FROM story_chapter_revisions WHERE session_id = ? AND number = ?"
            " AND reason = 'regenerate'",
            (session_id, number),
        )
        return int(row[0]) if row else 0

    async def discard_chapter(self, session_id: int, number: int) -> None:
        """Remove a chapter and its vote (ballots go with it) so the story loop writes it again."""
        async with self.db.transaction() as conn:
            await conn.execute("DELETE FROM story_rounds WHERE session_id = ? AND chapter_number = ?",
                               (session_id, number))
            await conn.execute("DELETE FROM story_votes WHERE session_id = ? AND chapter_number = ?",
                               (session_id, number))
            await conn.execute("DELETE FROM story_memory WHERE session_id = ? AND chapter_number >= ?",
                               (session_id, number))
            await conn.execute("DELETE FROM story_chapters WHERE session_id = ? AND number = ?", (session_id, number))

    async def replace_content(self, session_id: int, number: int, content: str) -> None:
        """A rewritten passage: the chapter's new text."""
        await self.db.execute(
            "UPDATE story_chapters SET content = ? WHERE session_id = ? AND number = ?", (content, session_id, number)
        )

    async def replace_choices(self, session_id: int, number: int, choices: Sequence[str]) -> None:
        """Edited choices, on the chapter and its open vote."""
        data = json.dumps(list(choices))
        async with self.db.transaction() as conn:
            await conn.execute("UPDATE story_chapters SET choices_json = ? WHERE session_id = ? AND number = ?",
                               (data, session_id, number))
            await conn.execute("UPDATE story_rounds SET choices_json = ? WHERE session_id = ? AND chapter_number = ?",
                               (data, session_id, number))

    async def save_branch(self, session_id: int, chapter_number: int, choice_index: int, choice_text: str,
                          title: str, content: str, choices: Sequence[str]) -> None:
        """Keep a chapter written ahead for a choice that lost the vote."""
        await self.db.execute(
            "INSERT INTO story_branches (session_id, chapter_number, choice_index, choice_text, title, content,"
            " choices_json, created_at) VALUES (?,?,?,?,?,?,?,?)",
            (session_id, chapter_number, choice_index, choice_text, title, content, json.dumps(list(choices)),
             time.time()),
        )

    async def branches(self, session_id: int) -> list[dict[str, Any]]:
        """Roads not taken, by chapter."""
        rows = await self.db.fetchall(
            "SELECT * FROM story_branches WHERE session_id = ? ORDER BY chapter_number, choice_index", (session_id,)
        )
        return [{"chapterNumber": r["chapter_number"], "choiceIndex": r["choice_index"], "choice": r["choice_text"],
                 "title": r["title"], "content": r["content"], "choices": json.loads(r["choices_json"])}
                for r in rows]
