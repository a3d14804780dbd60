"""Queries for viewers' ideas: each idea with its fate, and every viewer who proposed it."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass

from plugin.store.db import Database


@dataclass(frozen=True, slots=True)
class IdeaRow:
    """One idea as stored (story_ideas)."""

    id: int
    session_id: int | None
    text: str
    status: str  # pending | approved | rejected | used
    proposers: int
    created_at: float
    decided_at: float | None = None
    note_id: int | None = None
    used_as: str | None = None  # note | choice
    used_in_chapter: int | None = None
    choice_index: int | None = None


@dataclass(frozen=True, slots=True)
class AuthorRow:
    """One viewer who proposed an idea (story_idea_authors)."""

    idea_id: int
    platform: str
    user_id: str
    nickname: str
    handle: str
    text: str
    proposed_at: float


_IDEA_COLUMNS = tuple(f.name for f in dataclasses.fields(IdeaRow))
_AUTHOR_COLUMNS = tuple(f.name for f in dataclasses.fields(AuthorRow))


class IdeaRepo:
    """Ideas are counted in memory (the chat hot path never waits on SQLite) and saved here in batches."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def save(self, ideas: Sequence[IdeaRow], authors: Sequence[AuthorRow]) -> None:
        """Write ideas as they are now (new or changed) and newly added proposers, in one transaction."""
        if not ideas and not authors:
            return
        names = ", ".join(_IDEA_COLUMNS)
        updates = ", ".join(f"{c} = excluded.{c}" for c in _IDEA_COLUMNS[1:])
        async with self.db.transaction() as conn:
            if ideas:
                await conn.executemany(
                    f"INSERT INTO story_ideas ({names}) VALUES ({', '.join('?' * len(_IDEA_COLUMNS))})"
                    f" ON CONFLICT (id) DO UPDATE SET {updates}", [dataclasses.astuple(row) for row in ideas])
            if authors:
                await conn.executemany(
                    f"INSERT OR IGNORE INTO story_idea_authors ({', '.join(_AUTHOR_COLUMNS)})"
                    f" VALUES ({', '.join('?' * len(_AUTHOR_COLUMNS))})", [dataclasses.astuple(a) for a in authors])

    async def next_id(self) -> int:
        """The id the next new idea gets."""
        row = await self.db.fetchone("SELECT COALESCE(MAX(id), 0) + 1 FROM story_ideas")
        return int(row[0]) if row else 1

    async def load(self, session_id: int | None) -> tuple[list[IdeaRow], list[AuthorRow]]:
        """The ideas of a session and those proposed between stories, with their proposers (oldest first)."""
        where = "session_id IS NULL" + (" OR session_id = ?" if session_id is not None else "")
        params = (session_id,) if session_id is not None else ()
        ideas = [IdeaRow(**dict(r)) for r in await self.db.fetchall(
            f"SELECT {', '.join(_IDEA_COLUMNS)} FROM story_ideas WHERE {where} ORDER BY id", params)]
        authors = [AuthorRow(**dict(r)) for r in await self.db.fetchall(
            f"SELECT a.{', a.'.join(_AUTHOR_COLUMNS)} FROM story_idea_authors a JOIN story_ideas i"
            f" ON i.id = a.idea_id WHERE {where.replace('session_id', 'i.session_id')}"
            " ORDER BY a.idea_id, a.proposed_at", params)]
        return ideas, authors

    async def for_session(self, session_id: int) -> list[tuple[IdeaRow, list[AuthorRow]]]:
        """Every idea of a session with its proposers, most proposed first (the storybook)."""
        ideas, authors = await self.load(session_id)
        by_idea: dict[int, list[AuthorRow]] = {}
        for author in authors:
            by_idea.setdefault(author.idea_id, []).append(author)
        mine = [idea for idea in ideas if idea.session_id == session_id]
        mine.sort(key=lambda idea: (-idea.proposers, idea.id))
        return [(idea, by_idea.get(idea.id, [])) for idea in mine]
