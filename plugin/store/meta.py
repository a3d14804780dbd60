"""Queries for saved settings overrides, the overlay's saved layouts and the LLM usage log."""

from __future__ import annotations

import json
import time
from typing import Any

from plugin.store.db import Database


class MetaRepo:
    """Saved config and model usage."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def saved_config(self) -> dict[str, Any]:
        """Settings overrides saved from the admin panel, as a flat dotted dict."""
        rows = await self.db.fetchall("SELECT key, value_json FROM story_config ORDER BY key")
        return {row["key"]: json.loads(row["value_json"]) for row in rows}

    async def save_config(self, values: dict[str, Any]) -> None:
        """Persist overrides (one transaction)."""
        now = time.time()
        await self.db.executemany(
            "INSERT OR REPLACE INTO story_config (key, value_json, updated_at) VALUES (?,?,?)",
            [(key, json.dumps(list(v) if isinstance(v, tuple) else v), now) for key, v in values.items()],
        )

    async def overlay_layouts(self) -> dict[str, dict[str, Any]]:
        """The streamer's panel placements, by layout (a layout not saved keeps the built-in one)."""
        rows = await self.db.fetchall("SELECT layout, panels_json FROM overlay_layouts ORDER BY layout")
        return {row["layout"]: json.loads(row["panels_json"]) for row in rows}

    async def save_overlay_layout(self, layout: str, panels: dict[str, Any] | None) -> None:
        """Save one layout's panel placements, or forget them (None: back to the built-in layout)."""
        if panels is None:
            await self.db.execute("DELETE FROM overlay_layouts WHERE layout = ?", (layout,))
            return
        await self.db.execute("INSERT OR REPLACE INTO overlay_layouts (layout, panels_json, updated_at) VALUES (?,?,?)",
                              (layout, json.dumps(panels), time.time()))

    async def log_usage(
        self,
        *,
        session_id: int | None,
        purpose: str,
        provider: str,
        model: str,
        tokens_in: int,
        tokens_out: int,
        latency_ms: int,
        outcome: str,
        error: str | None = None,
    ) -> None:
        """Record one model call."""
        await self.db.execute(
            "INSERT INTO llm_usage (at, session_id, purpose, provider, model, tokens_in, tokens_out, latency_ms,"
            " outcome, error) VALUES (?,?,?,?,?,?,?,?,?,?)",
            (time.time(), session_id, purpose, provider, model, tokens_in, tokens_out, latency_ms, outcome, error),
        )

    async def usage(self, limit: int = 100) -> list[dict[str, Any]]:
        """Newest model calls first."""
        rows = await self.db.fetchall("SELECT * FROM llm_usage ORDER BY id DESC LIMIT ?", (limit,))
        return [dict(row) for row in rows]
