"""Every typed application key in one place."""

from __future__ import annotations

from aiohttp import web

from plugin.chat.gateway import ChatGateway
from plugin.chat.service import ChatService
from plugin.clock import Clock
from plugin.media.filecache import FileCache
from plugin.media.images import ImageService
from plugin.media.speech import SpeechService
from plugin.realtime import Realtime
from plugin.room.jobs import JobRunner
from plugin.room.storybook import Storybook
from plugin.room.writers_room import WritersRoom
from plugin.settings.live import ConfigService
from plugin.settings.schema import Settings
from plugin.show.coordinator import Coordinator
from plugin.show.tools import EditorTools
from plugin.store.db import Database
from plugin.store.edits import EditRepo
from plugin.store.meta import MetaRepo
from plugin.store.repo import StoryRepo
from plugin.store.room import RoomRepo
from plugin.store.votes import VoteRepo
from plugin.story.prompts import PromptBook
from plugin.themes import ThemeBook
from plugin.voting.desk import VoteDesk
from plugin.writers.router import LLMService

START_SETTINGS = web.AppKey("start_settings", Settings)
CLOCK = web.AppKey("clock", Clock)
ADMIN_TOKEN = web.AppKey("admin_token", str)
THEMES = web.AppKey("themes", ThemeBook)
PROMPTS = web.AppKey("prompts", PromptBook)
REALTIME = web.AppKey("realtime", Realtime)
DB = web.AppKey("db", Database)
STORIES = web.AppKey("stories", StoryRepo)
VOTES = web.AppKey("votes", VoteRepo)
META = web.AppKey("meta", MetaRepo)
EDITS = web.AppKey("edits", EditRepo)
CONFIG = web.AppKey("config", ConfigService)
LLM = web.AppKey("llm", LLMService)
DESK = web.AppKey("desk", VoteDesk)
COORDINATOR = web.AppKey("coordinator", Coordinator)
GATEWAY = web.AppKey("gateway", ChatGateway)
CHAT = web.AppKey("chat", ChatService)
TOOLS = web.AppKey("tools", EditorTools)
IMAGE_CACHE = web.AppKey("image_cache", FileCache)
AUDIO_CACHE = web.AppKey("audio_cache", FileCache)
IMAGES = web.AppKey("images", ImageService)
SPEECH = web.AppKey("speech", SpeechService)
ROOM_STORE = web.AppKey("room_store", RoomRepo)
ROOM = web.AppKey("room", WritersRoom)
JOBS = web.AppKey("jobs", JobRunner)
STORYBOOK = web.AppKey("storybook", Storybook)
PRICES = web.AppKey("prices", dict)
