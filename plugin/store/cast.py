"""Queries for the viewers who joined a story (!join) and the characters named after them."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from plugin.store.db import Database


@dataclass(frozen=True, slots=True)
class CastRow:
    """One viewer who asked to join a story (story_cast)."""

    id: int
    session_id: int
    platform: str
    user_id: str
    name: str
    handle: str
    status: str  # waiting | cast | declined
    asked_at: float
    decided_at: float | None = None
    note_id: int | None = None
    featured_in: int | None = None
    tries: int = 0


_COLUMNS = tuple(f.name for f in dataclasses.fields(CastRow))
CHANGEABLE = frozenset({"status", "decided_at", "note_id", "featured_in", "tries"})


class CastRepo:
    """Joins are rare (once per viewer per story, capped): each is written as it happens."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def add(self, row: CastRow) -> CastRow | None:
        """Record a viewer's request; None when they already asked to join this story (requests are written one
        at a time, by one task)."""
        asked = await self.db.fetchone(
            "SELECT 1 FROM story_cast WHERE session_id = ? AND platform = ? AND user_id = ?",
            (row.session_id, row.platform, row.user_id))
        if asked is not None:
            return None
        values = dataclasses.astuple(row)[1:]
        new_id = await self.db.execute(
            f"INSERT INTO story_cast ({', '.join(_COLUMNS[1:])}) VALUES ({', '.join('?' * len(values))})", values)
        return dataclasses.replace(row, id=new_id)

    async def update(self, row: CastRow, **changes: Any) -> CastRow:
        """Change what became of a request (status, note, chapter, tries)."""
        unknown = set(changes) - CHANGEABLE
        if unknown:
            raise ValueError(f"cannot change {sorted(unknown)}")
        sets = ", ".join(f"{name} = ?" for name in changes)
        await self.db.execute(f"UPDATE story_cast SET {sets} WHERE id = ?", (*changes.values(), row.id))
        return dataclasses.replace(row, **changes)

    async def for_session(self, session_id: int) -> list[CastRow]:
        """Every request to join a story, oldest first."""
        rows = await self.db.fetchall(
            f"SELECT {', '.join(_COLUMNS)} FROM story_cast WHERE session_id = ? ORDER BY id", (session_id,))
        return [CastRow(**dict(r)) for r in rows]
