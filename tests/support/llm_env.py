"""An engine wired to a local OpenAI-compatible server, for the LLM-path tests."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from plugin.paths import SETTINGS_DIR
from plugin.settings.live import ConfigService
from plugin.store.db import Database
from plugin.store.meta import MetaRepo
from plugin.store.records import SessionRecord
from plugin.store.repo import StoryRepo
from plugin.story.drafts import ChapterDraft
from plugin.story.engine import StoryEngine
from plugin.story.prompts import PromptBook
from plugin.themes import load_themes
from plugin.writers.offline.writer import OfflineWriter
from plugin.writers.router import LLMService
from tests.support.harness import make_settings
from tests.support.openai_server import FakeOpenAI

CHAPTER = (
    "TITLE: The Glass Door\nSTORY:\nMara pressed her palm against the glass door and felt it hum with a "
    "song she almost remembered.\n\nBehind her, the corridor filled with footsteps.\nCHOICES:\n"
    "A) Open the door\nB) Hide in the alcove\nC) Sing the song back"
)
PROSE = ("Mara pressed her palm against the glass door and felt it hum with a song she almost remembered."
         "\n\nBehind her, the corridor filled with footsteps.")
CHOICES = ["Open the door", "Hide in the alcove", "Sing the song back"]


@dataclass
class Sink:
    """Collects streamed prose like an overlay would."""

    text: str = ""
    resets: int = 0
    deltas: list[str] = field(default_factory=list)

    async def token(self, delta: str) -> None:
        self.deltas.append(delta)
        self.text += delta

    async def reset(self) -> None:
        self.resets += 1
        self.text = ""


@dataclass
class Env:
    fake: FakeOpenAI
    llm: LLMService
    engine: StoryEngine
    session: SessionRecord
    db_path: Path

    def usage(self) -> list[tuple[str, str, str]]:
        with sqlite3.connect(self.db_path) as db:
            return db.execute("SELECT purpose, model, outcome FROM llm_usage ORDER BY id").fetchall()


@pytest.fixture
async def env(tmp_path: Path, request: pytest.FixtureRequest) -> AsyncIterator[Env]:
    overrides: dict[str, Any] = getattr(request, "param", {})
    async with FakeOpenAI(default_reply=None) as fake:
        settings = make_settings(tmp_path, **{
            "llm.base_url": fake.base_url, "llm.api_key": "test-key", "llm.model": "fake-model",
            "llm.fallback_models": ["fake-backup"], **overrides})
        db = Database(tmp_path / "story.db")
        await db.open()
        await db.migrate()
        meta, stories = MetaRepo(db), StoryRepo(db)
        config = ConfigService(settings, meta)
        themes = load_themes(SETTINGS_DIR / "themes.yaml")
        llm = LLMService(config, meta, OfflineWriter(themes, words_per_s=0))
        engine = StoryEngine(llm, PromptBook(), themes)
        engine.configure(chapter_words=30, context_tokens=2000, coherence="rules")  # the fake's chapters are short
        session = await stories.create_session(
            theme="fantasy", custom_theme=None, outline="1. Start\n2. Middle\n3. End", language="English",
            mode="auto", max_chapters=3, num_choices=3, provider="openai", model="fake-model", seed=7,
            state="writing")
        yield Env(fake, llm, engine, session, tmp_path / "story.db")
        await llm.close()
        await db.close()


async def write_first_chapter(env: Env, sink: Sink | None = None) -> ChapterDraft:
    return await env.engine.write_chapter(env.session, [], 1, None, False, sink or Sink())


