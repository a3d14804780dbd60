"""create_app(settings): the aiohttp application with Socket.IO and one cleanup_ctx per resource."""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
from collections.abc import AsyncIterator
from pathlib import Path

from aiohttp import web

from plugin import events, keys
from plugin.api.middleware import auth_middleware, error_middleware
from plugin.api.routes import route_table
from plugin.chat.activity import ViewerActivity
from plugin.chat.gateway import ChatGateway
from plugin.chat.ideafilter import Blocklist
from plugin.chat.ideas import IdeaBox
from plugin.chat.join import JoinDesk
from plugin.chat.service import ChatService
from plugin.chat.simulator import SimulatedAudience
from plugin.chat.tiktok import TikTokSource
from plugin.chat.twitch import TwitchSource
from plugin.chat.twitch_irc import ModeratorCommandsWithTwitch
from plugin.clock import Clock, SystemClock
from plugin.media.espeak.engine import EspeakEngine
from plugin.media.filecache import FileCache
from plugin.media.images import ImageService
from plugin.media.speech import SpeechService
from plugin.media.titlecard.card import render_title_card
from plugin.paths import SETTINGS_DIR
from plugin.realtime import Realtime
from plugin.room.jobs import JobRunner
from plugin.room.storybook import Storybook
from plugin.room.writers_room import WritersRoom
from plugin.settings.live import ConfigService
from plugin.settings.schema import Settings
from plugin.show.cast import AudienceCast
from plugin.show.coordinator import Coordinator
from plugin.show.ideas import AudienceIdeas
from plugin.show.media import MediaDirector, MediaUrls
from plugin.show.parts import ShowParts
from plugin.show.prefetch import BranchPrefetcher
from plugin.show.timeline import ShowTimeline
from plugin.show.tools import EditorTools
from plugin.store.cast import CastRepo
from plugin.store.db import Database
from plugin.store.edits import EditRepo
from plugin.store.ideas import IdeaRepo
from plugin.store.meta import MetaRepo
from plugin.store.repo import StoryRepo
from plugin.store.room import RoomRepo
from plugin.store.votes import VoteRepo
from plugin.story.engine import StoryEngine
from plugin.story.keeper import MemoryKeeper
from plugin.story.language import resolve_language
from plugin.story.prompts import PromptBook
from plugin.tasks import Tasks
from plugin.themes import load_themes
from plugin.voting.desk import VoteDesk
from plugin.voting.runner import VoteRunner
from plugin.writers.offline.writer import OfflineWriter
from plugin.writers.router import LLMService
from plugin.yamlfile import load_yaml_file

log = logging.getLogger(__name__)
TOKEN_FILE = "admin_token"
MB, DAY = 1024 * 1024, 86_400.0
CLEANUP_EVERY_S = 600


def data_dir(settings: Settings) -> Path:
    """The data folder (created if missing)."""
    path = Path(settings.server.data_dir).expanduser()
    path.mkdir(parents=True, exist_ok=True)
    return path


def _blocklist_languages(language: str) -> list[str]:
    """Blocklists for ideas: the story's language (by its code: settings/blocklist/es.txt) and English."""
    found = resolve_language(language)
    return ["en"] if found is None or found.code == "en" else [found.code, "en"]


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
        app[keys.EDITS], app[keys.ROOM_STORE] = EditRepo(db), RoomRepo(db)
        app[keys.IDEA_STORE], app[keys.CAST_STORE] = IdeaRepo(db), CastRepo(db)
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


async def _media(app: web.Application) -> AsyncIterator[None]:
    """Picture and speech services with their on-disk caches, trimmed every few minutes."""
    config, folder = app[keys.CONFIG], data_dir(app[keys.START_SETTINGS])
    media = config.settings.images, config.settings.tts
    image_cache = FileCache(folder / "images", media[0].cache_max_mb * MB, media[0].cache_max_age_days * DAY)
    audio_cache = FileCache(folder / "audio", media[1].cache_max_mb * MB, 7 * DAY)
    presets = load_yaml_file(SETTINGS_DIR / "media_providers.yaml")[0]
    app[keys.IMAGE_CACHE], app[keys.AUDIO_CACHE] = image_cache, audio_cache
    app[keys.IMAGES] = ImageService(lambda: config.settings, image_cache, presets["images"], render_title_card)
    app[keys.SPEECH] = SpeechService(lambda: config.settings, audio_cache, presets["tts"], EspeakEngine)

    async def trim() -> None:
        while True:
            await asyncio.sleep(CLEANUP_EVERY_S)
            images, tts = config.settings.images, config.settings.tts
            image_cache.max_bytes, image_cache.max_age_s = images.cache_max_mb * MB, images.cache_max_age_days * DAY
            audio_cache.max_bytes = tts.cache_max_mb * MB
            keep = await app[keys.STORIES].image_files()
            await asyncio.to_thread(image_cache.cleanup, None, keep)
            await asyncio.to_thread(audio_cache.cleanup)

    tasks = Tasks()
    tasks.spawn(trim(), "cache-cleanup")
    yield
    await tasks.close()
    await app[keys.IMAGES].close()
    await app[keys.SPEECH].close()


async def _story(app: web.Application) -> AsyncIterator[None]:
    """The vote desk and the story loop, resumed from the database."""
    config, realtime = app[keys.CONFIG], app[keys.REALTIME]
    emit, clock = realtime.emit, app[keys.CLOCK]
    desk = VoteDesk(app[keys.VOTES], emit, config.settings.voting)
    config.on_change(lambda s: desk.configure(s.voting))
    engine = app[keys.ENGINE] = StoryEngine(app[keys.LLM], app[keys.PROMPTS], app[keys.THEMES])

    def configure_engine(settings: Settings) -> None:
        engine.configure(settings.story.chapter_words, settings.story.context_tokens, settings.story.coherence_check)

    configure_engine(config.settings)
    config.on_change(configure_engine)
    keeper = MemoryKeeper(engine, app[keys.STORIES], emit)
    timeline = ShowTimeline(clock, emit, app[keys.STORIES], lambda: config.settings)
    media = MediaDirector(
        images=app[keys.IMAGES], speech=app[keys.SPEECH], engine=engine, stories=app[keys.STORIES], keeper=keeper,
        prompts=app[keys.PROMPTS], vote_calls=load_yaml_file(SETTINGS_DIR / "vote_call.yaml")[0],
        emit=emit, clock=clock, urls=MediaUrls(
            image=lambda name: str(app.router["image"].url_for(filename=name)),
            audio=lambda name: str(app.router["audio"].url_for(filename=name))), timeline=timeline,
    )
    prefetcher = BranchPrefetcher(
        engine, keeper, app[keys.EDITS],
        lambda: (config.settings.story.prefetch, config.settings.story.prefetch_concurrency), emit)
    voter = VoteRunner(votes=app[keys.VOTES], desk=desk, emit=emit, clock=clock, config=config)
    blocklist = Blocklist([SETTINGS_DIR / "blocklist", data_dir(app[keys.START_SETTINGS]) / "blocklist"],
                          lambda: _blocklist_languages(config.settings.story.language), clock)

    def running() -> int | None:
        """The running story's id (ideas and joins belong to it), or None between stories."""
        return coordinator.session.id if coordinator.session is not None and coordinator.running else None

    ideas = app[keys.IDEAS] = IdeaBox(app[keys.IDEA_STORE], emit, clock, lambda: config.settings.ideas, running,
                                      blocklist)
    stage = app[keys.IDEA_STAGE] = AudienceIdeas(ideas, app[keys.EDITS], prefetcher, emit, lambda: config.settings)
    join = app[keys.JOIN] = JoinDesk(app[keys.CAST_STORE], emit, clock, lambda: config.settings.join, running,
                                     blocklist)
    cast = AudienceCast(join, app[keys.EDITS], prefetcher, app[keys.PROMPTS], emit)
    join.on_cast = cast.bring_in
    coordinator = Coordinator(ShowParts(
        config=config, stories=app[keys.STORIES], votes=app[keys.VOTES], edits=app[keys.EDITS], engine=engine,
        keeper=keeper, desk=desk, voter=voter, prefetcher=prefetcher, llm=app[keys.LLM], emit=emit, clock=clock,
        timeline=timeline, media=media, ideas=stage, cast=cast))
    coordinator.extra_state["media"] = media.status
    coordinator.extra_state["narration"] = media.narration_state
    coordinator.extra_state["cast"] = cast.on_screen
    coordinator.extra_state["ideaCredits"] = lambda: (
        stage.on_screen(coordinator.live.session_id, coordinator.live.number) if coordinator.live else None)
    app[keys.DESK], app[keys.COORDINATOR], app[keys.TOOLS] = desk, coordinator, EditorTools(coordinator)
    app[keys.ROOM] = WritersRoom(engine, app[keys.ROOM_STORE], app[keys.STORIES], keeper,
                                 lambda: config.settings.story)
    app[keys.JOBS] = jobs = JobRunner(engine, app[keys.ROOM_STORE], app[keys.LLM], emit)
    app[keys.STORYBOOK] = Storybook(app[keys.STORIES], app[keys.VOTES], app[keys.EDITS], app[keys.THEMES],
                                    app[keys.IMAGE_CACHE], ideas=ideas)

    tools = app[keys.TOOLS]

    async def force_vote_end(_: dict[str, object]) -> dict[str, object]:
        return {"ok": await coordinator.force_vote_end()}

    async def regenerate_image(data: dict[str, object]) -> dict[str, object]:
        prompt, number = data.get("prompt"), data.get("chapterNumber")
        return {"ok": True, **await tools.regenerate_image(prompt if isinstance(prompt, str) and prompt.strip()
                                                           else None, number if isinstance(number, int) else None)}

    realtime.bind(coordinator.snapshot, {events.FORCE_VOTE_END: force_vote_end,
                                         events.REGENERATE_IMAGE: regenerate_image})
    await desk.start()
    active = await app[keys.STORIES].active_session()
    await ideas.start(active.id if active is not None else None)  # before the loop may use them
    await join.start(active.id if active is not None else None)
    await coordinator.resume()
    await jobs.resume_unfinished()
    yield
    await jobs.shutdown()
    await coordinator.shutdown()
    await ideas.stop()
    await join.stop()
    await desk.stop()


async def _chat(app: web.Application) -> AsyncIterator[None]:
    """The chat gateway and the configured chat sources (several at once, switchable at runtime)."""
    config, desk, coordinator = app[keys.CONFIG], app[keys.DESK], app[keys.COORDINATOR]
    activity = ViewerActivity(app[keys.VOTES])
    commands = ModeratorCommandsWithTwitch(coordinator, lambda: config.settings.tiktok)
    gateway = ChatGateway(desk, activity=activity, commands=commands, on_stream=coordinator.on_stream_status,
                          ideas=app[keys.IDEAS], join=app[keys.JOIN])
    app[keys.GATEWAY] = gateway

    def simulator(_: Settings) -> SimulatedAudience:
        return SimulatedAudience(
            lambda: config.settings.simulator,
            lambda: len(desk.current.record.choices) if desk.current else 0,
            app[keys.CLOCK],
        )

    def tiktok(_: Settings) -> TikTokSource:
        return TikTokSource(lambda: config.settings.tiktok, app[keys.CLOCK])

    def twitch(_: Settings) -> TwitchSource:
        return TwitchSource(lambda: config.settings.twitch, app[keys.CLOCK])

    chat = ChatService(gateway, config, {"simulator": simulator, "tiktok": tiktok, "twitch": twitch},
                       app[keys.REALTIME].emit)
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
    app[keys.PRICES] = load_yaml_file(SETTINGS_DIR / "prices.yaml")[0] or {}
    realtime = Realtime(lambda: app[keys.ADMIN_TOKEN], settings.realtime.redis_url)
    realtime.attach(app)
    app[keys.REALTIME] = realtime
    app.cleanup_ctx.extend([_database, _writer, _media, _story, _chat])
    app.on_shutdown.append(_shutdown_realtime)
    app.router.add_routes(route_table())
    return app
