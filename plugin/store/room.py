"""Queries for the writer's room: prepared stories, background jobs and their cache, the writers' chat."""

from __future__ import annotations

import json
import time
from typing import Any

from plugin.store.db import Database

DRAFT_FIELDS = frozenset({"title", "premise", "outline", "opening_json", "phase", "session_id", "wishes", "style_json"})
JOB_FIELDS = frozenset({"status", "progress", "state_json", "result_json", "error", "resumed"})


def _draft(row: Any) -> dict[str, Any]:
    """A draft row as JSON for the API."""
    data = dict(row)
    return {
        "id": data["id"], "theme": data["theme"], "customTheme": data["custom_theme"], "wishes": data["wishes"],
        "style": json.loads(data["style_json"] or "{}"), "language": data["language"],
        "maxChapters": data["max_chapters"], "numChoices": data["num_choices"], "seed": data["seed"],
        "title": data["title"], "premise": data["premise"], "outline": data["outline"],
        "opening": json.loads(data["opening_json"]) if data["opening_json"] else None, "phase": data["phase"],
        "sessionId": data["session_id"], "createdAt": data["created_at"], "updatedAt": data["updated_at"],
    }


class RoomRepo:
    """Drafts, jobs, cached results and the writers' chat."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def create_draft(self, *, theme: str, custom_theme: str | None, wishes: str | None, style: dict[str, Any],
                           language: str, max_chapters: int, num_choices: int, seed: int) -> dict[str, Any]:
        """A new prepared story in the setup phase."""
        now = time.time()
        draft_id = await self.db.execute(
            "INSERT INTO story_drafts (theme, custom_theme, wishes, style_json, language, max_chapters, num_choices,"
            " seed, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?)",
            (theme, custom_theme, wishes, json.dumps(style), language, max_chapters, num_choices, seed, now, now),
        )
        draft = await self.draft(draft_id)
        assert draft is not None
        return draft

    async def draft(self, draft_id: int) -> dict[str, Any] | None:
        """One prepared story."""
        row = await self.db.fetchone("SELECT * FROM story_drafts WHERE id = ?", (draft_id,))
        return _draft(row) if row else None

    async def drafts(self) -> list[dict[str, Any]]:
        """Prepared stories, newest first."""
        return [_draft(r) for r in await self.db.fetchall("SELECT * FROM story_drafts ORDER BY id DESC LIMIT 200")]

    async def update_draft(self, draft_id: int, **fields: Any) -> dict[str, Any] | None:
        """Change some fields of a draft (names checked against a fixed list)."""
        unknown = set(fields) - DRAFT_FIELDS
        if unknown:
            raise ValueError(f"not draft fields: {sorted(unknown)}")
        assignments = ", ".join(f"{name} = ?" for name in fields)
        await self.db.execute(f"UPDATE story_drafts SET {assignments}, updated_at = ? WHERE id = ?",
                              (*fields.values(), time.time(), draft_id))
        return await self.draft(draft_id)

    async def delete_draft(self, draft_id: int) -> bool:
        """Remove a prepared story."""
        if await self.db.fetchone("SELECT 1 FROM story_drafts WHERE id = ?", (draft_id,)) is None:
            return False
        await self.db.execute("DELETE FROM story_drafts WHERE id = ?", (draft_id,))
        return True

    async def create_job(self, job_id: str, kind: str, params: dict[str, Any], cache_key: str, status: str,
                         result: dict[str, Any] | None = None) -> None:
        """Record a new background job (a cache hit is created already done)."""
        now = time.time()
        await self.db.execute(
            "INSERT INTO story_jobs (id, kind, params_json, cache_key, status, progress, result_json, from_cache,"
            " created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?)",
            (job_id, kind, json.dumps(params), cache_key, status, 100 if result is not None else 0,
             json.dumps(result) if result is not None else None, int(result is not None), now, now),
        )

    async def job(self, job_id: str) -> dict[str, Any] | None:
        """One job, with its parameters, state and result decoded."""
        row = await self.db.fetchone("SELECT * FROM story_jobs WHERE id = ?", (job_id,))
        if row is None:
            return None
        data = dict(row)
        for key in ("params_json", "state_json", "result_json"):
            data[key[:-5]] = json.loads(data.pop(key)) if data[key] else None
        return data

    async def update_job(self, job_id: str, **fields: Any) -> None:
        """Move a job along (status, progress, state, result, error)."""
        unknown = set(fields) - JOB_FIELDS
        if unknown:
            raise ValueError(f"not job fields: {sorted(unknown)}")
        values = [json.dumps(v) if k in ("state_json", "result_json") and not isinstance(v, str) else v
                  for k, v in fields.items()]
        assignments = ", ".join(f"{name} = ?" for name in fields)
        await self.db.execute(f"UPDATE story_jobs SET {assignments}, updated_at = ? WHERE id = ?",
                              (*values, time.time(), job_id))

    async def unfinished_jobs(self) -> list[str]:
        """Jobs that were pending or running when the server stopped."""
        rows = await self.db.fetchall(
            "SELECT id FROM story_jobs WHERE status IN ('pending', 'running') ORDER BY created_at")
        return [row["id"] for row in rows]

    async def forget_old_jobs(self, older_than: float) -> int:
        """Delete finished jobs last touched before a time; returns how many."""
        rows = await self.db.fetchall(
            "SELECT id FROM story_jobs WHERE status IN ('done', 'failed') AND updated_at < ?", (older_than,))
        await self.db.executemany("DELETE FROM story_jobs WHERE id = ?", [(row["id"],) for row in rows])
        return len(rows)

    async def cached(self, cache_key: str) -> dict[str, Any] | None:
        """A cached result (and count the hit)."""
        row = await self.db.fetchone("SELECT result_json FROM story_result_cache WHERE cache_key = ?", (cache_key,))
        if row is None:
            return None
        await self.db.execute("UPDATE story_result_cache SET hits = hits + 1 WHERE cache_key = ?", (cache_key,))
        return json.loads(row["result_json"])

    async def cache(self, cache_key: str, result: dict[str, Any]) -> None:
        """Keep a result for identical requests."""
        await self.db.execute(
            "INSERT OR REPLACE INTO story_result_cache (cache_key, result_json, created_at) VALUES (?,?,?)",
            (cache_key, json.dumps(result), time.time()))

    async def cache_stats(self) -> dict[str, int]:
        """Entries, hits and size of the result cache."""
        row = await self.db.fetchone(
            "SELECT COUNT(*) AS entries, COALESCE(SUM(hits), 0) AS hits,"
            " COALESCE(SUM(LENGTH(result_json)), 0) AS bytes FROM story_result_cache")
        return {"entries": row["entries"], "hits": row["hits"], "bytes": row["bytes"]} if row else {}

    async def clear_cache(self) -> int:
        """Empty the result cache; returns how many entries went."""
        stats = await self.cache_stats()
        await self.db.execute("DELETE FROM story_result_cache")
        return stats.get("entries", 0)

    async def add_chat(self, session_id: int | None, role: str, content: str, model: str = "") -> None:
        """One line of the writers' chat."""
        await self.db.execute(
            "INSERT INTO story_writers_chat (session_id, role, content, model, created_at) VALUES (?,?,?,?,?)",
            (session_id, role, content, model, time.time()))

    async def chat(self, session_id: int | None, limit: int = 50) -> list[dict[str, Any]]:
        """The writers' chat about a story (or with no story), oldest first."""
        rows = await self.db.fetchall(
            "SELECT role, content, model, created_at FROM story_writers_chat WHERE session_id IS ?"
            " ORDER BY id DESC LIMIT ?", (session_id, limit))
        return [{"role": r["role"], "content": r["content"], "model": r["model"], "createdAt": r["created_at"]}
                for r in reversed(rows)]
