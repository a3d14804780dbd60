"""create_app(settings): the aiohttp application with Socket.IO and one cleanup_ctx per resource."""

from __future__ import annotations

import logging
import os
import secrets
from collections.abc import AsyncIterator
from pathlib import Path

from aiohttp import web

from plugin import events, keys
from plugin.api import config as config_api
from plugin.api import edits as edits_api
from plugin.api import pages
from plugin.api import story as story_api
from plugin.api.middleware import auth_middleware, error_middleware
from plugin.chat.activity import ViewerActivity
from plugin.chat.commands import ModeratorCommands
from plugin.chat.gateway import ChatGateway
from plugin.chat.service import ChatService
from plugin.chat.simulator import SimulatedAudience
from plugin.chat.tiktok import TikTokSource
from plugin.clock import Clock, SystemClock
from plugin.config import Settings
from plugin.coordinator import Coordinator
from plugin.paths import SETTINGS_DIR
from plugin.realtime import Realtime
from plugin.services.configuration import ConfigService
from plugin.services.offline import OfflineWriter
from plugin.services.writer import LLMService
from plugin.store.db import Database
from plugin.store.edits import EditRepo
from plugin.store.meta import MetaRepo
from plugin.store.repo import StoryRepo
from plugin.store.votes import VoteRepo
from plugin.story.engine import StoryEngine
from plugin.story.prompts import PromptBook
from plugin.story.tools import EditorTools
from plugin.story.themes import load_themes
from plugin.voting.desk import VoteDesk

log = logging.getLogger(__name__)
TOKEN_FILE = "admin_token"


def data_dir(settings: Settings) -> Path:
    """The data folder (created if missing)."""
    path = Path(settings.server.data_dir).expanduser()
    path.mkdir(parents=True, exist_ok=True)
    return path


def admin_token(settings: Settings) -> str:
    """The configured token, else the one kept in the data folder, else a new one saved there."""
    if settings.server.admin_token:
        return settings.server.admin_token
    path = data_dir(settings) / TOKEN_FILE
    if path.exists():
        token = path.read_text(encoding="utf-8").strip()
        if token:
            return token
    token = secrets.token_urlsafe(24)
    path.write_text(token + "\n", encoding="utf-8")
    os.chmod(path, 0o600)
    return token


async def _database(app: web.Application) -> AsyncIterator[None]:
    """SQLite with migrations applied, the repositories, and live settings with saved overrides."""
    db = Database(data_dir(app[keys.START_SETTINGS]) / "story.db")
    await db.open()
    try:
        await db.migrate()
        app[keys.DB] = db
        app[keys.STORIES], app[keys.VOTES], app[keys.META] = StoryRepo(db), VoteRepo(db), MetaRepo(db)
        app[keys.EDITS] = EditRepo(db)
        config = ConfigService(app[keys.START_SETTINGS], app[keys.META])
        await config.load_saved()
        app[keys.CONFIG] = config
        yield
    finally:
        await db.close()


async def _writer(app: web.Application) -> AsyncIterator[None]:
    """The LLM service (its AsyncOpenAI clients are closed at shutdown)."""
    config = app[keys.CONFIG]
    offline = OfflineWriter(app[keys.THEMES], words_per_s=lambda: config.settings.llm.offline_words_per_s)
    llm = LLMService(config, app[keys.META], offline)
    app[keys.LLM] = llm
    yield
    await llm.close()


async def _story(app: web.Application) -> AsyncIterator[None]:
    """The vote desk and the story loop, resumed from the database."""
    config, realtime = app[keys.CONFIG], app[keys.REALTIME]
    desk = VoteDesk(app[keys.VOTES], realtime.broadcast, config.settings.voting)
    config.on_change(lambda s: desk.configure(s.voting))
    engine = StoryEngine(app[keys.LLM], app[keys.PROMPTS], app[keys.THEMES])

    def configure_engine(settings: Settings) -> None:
        engine.configure(settings.story.chapter_words, settings.story.context_tokens, settings.story.coherence_check)

    configure_engine(config.settings)
    config.on_change(configure_engine)
    coordinator = Coordinator(
        config=config, stories=app[keys.STORIES], votes=app[keys.VOTES], edits=app[keys.EDITS], engine=engine,
        desk=desk, llm=app[keys.LLM], emit=realtime.broadcast, emit_admin=realtime.to_admins, clock=app[keys.CLOCK],
    )
    app[keys.DESK], app[keys.COORDINATOR], app[keys.TOOLS] = desk, coordinator, EditorTools(coordinator)

    async def force_vote_end(_: dict[str, object]) -> dict[str, object]:
        return {"ok": await coordinator.force_vote_end()}

    realtime.bind(coordinator.snapshot, {events.FORCE_VOTE_END: force_vote_end})
    await desk.start()
    await coordinator.resume()
    yield
    await coordinator.shutdown()
    await desk.stop()


async def _chat(app: web.Application) -> AsyncIterator[None]:
    """The chat gateway and the configured chat source (switchable at runtime)."""
    config, desk, coordinator = app[keys.CONFIG], app[keys.DESK], app[keys.COORDINATOR]
    activity = ViewerActivity(app[keys.VOTES])
    commands = ModeratorCommands(coordinator, lambda: config.settings.tiktok)
    gateway = ChatGateway(desk, activity=activity, commands=commands, on_stream=coordinator.on_stream_status)
    app[keys.GATEWAY] = gateway

    def simulator(_: Settings) -> SimulatedAudience:
        return SimulatedAudience(
            lambda: config.settings.simulator,
            lambda: len(desk.current.record.choices) if desk.current else 0,
            app[keys.CLOCK],
        )

    def tiktok(_: Settings) -> TikTokSource:
        return TikTokSource(lambda: config.settings.tiktok, app[keys.CLOCK])

    chat = ChatService(gateway, config, {"simulator": simulator, "tiktok": tiktok}, app[keys.REALTIME].to_admins)
    coordinator.extra_state["chat"] = chat.status
    app[keys.CHAT] = chat
    activity.start()
    chat.start()
    yield
    await chat.close()
    await activity.stop()


async def _shutdown_realtime(app: web.Application) -> None:
    """Disconnect sockets first so the server can stop without waiting on them."""
    await app[keys.REALTIME].shutdown()


def create_app(settings: Settings, *, clock: Clock | None = None) -> web.Application:
    """Build the application; resources open when it starts and close when it stops."""
    app = web.Application(middlewares=[error_middleware, auth_middleware], client_max_size=4 * 1024**2)
    app[keys.START_SETTINGS] = settings
    app[keys.CLOCK] = clock or SystemClock()
    app[keys.ADMIN_TOKEN] = admin_token(settings)
    app[keys.THEMES] = load_themes(SETTINGS_DIR / "themes.yaml")
    app[keys.PROMPTS] = PromptBook()
    realtime = Realtime(lambda: app[keys.ADMIN_TOKEN])
    realtime.attach(app)
    app[keys.REALTIME] = realtime
    app.cleanup_ctx.extend([_database, _writer, _story, _chat])
    app.on_shutdown.append(_shutdown_realtime)
    app.router.add_routes(story_api.routes)
    app.router.add_routes(config_api.routes)
    app.router.add_routes(edits_api.routes)
    app.router.add_routes(pages.routes)
    pages.add_static(app)
    return app
