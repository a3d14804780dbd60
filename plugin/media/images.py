"""Chapter pictures: an OpenAI-compatible images API (base64 or URL answers) or an offline picture (no text)."""

from __future__ import annotations

import asyncio
import base64
import logging
from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any, Literal

import aiohttp
import openai
from openai import AsyncOpenAI

from plugin.errors import ProviderError
from plugin.media.filecache import FileCache, sniff_extension
from plugin.settings.schema import ImageSettings, Settings
from plugin.themes import Theme
from plugin.writers.openai_api import map_provider_error

log = logging.getLogger(__name__)
OFFLINE_LABEL = "offline title card"
MAX_DOWNLOAD_BYTES = 25 * 1024 * 1024
# The offline picture: (theme, title, chapter_number, size=(w, h), seed=) -> PNG bytes; the title is not drawn
# (the overlay shows it beside the picture), so it does not shape the picture, nor its cache key.
CardRenderer = Callable[..., bytes]


@dataclass(frozen=True, slots=True)
class ImageChoice:
    """Which picture provider the settings select."""

    kind: Literal["offline", "openai", "off"]
    base_url: str = ""
    api_key: str = ""
    model: str = ""
    size: str = "1280x720"
    size_param: str = "size"


@dataclass(frozen=True, slots=True)
class Picture:
    """A picture in the cache."""

    name: str  # the cache file's name (the API serves it; the route table knows where)
    provider: str
    prompt: str


def _nearest_size(wanted: str, sizes: list[str]) -> str:
    """The supported size closest in shape to the wanted one (landscape stays landscape)."""
    if not sizes:
        return wanted
    width, height = (int(v) for v in wanted.split("x"))
    ratio = width / height

    def distance(size: str) -> float:
        w, h = (int(v) for v in size.split("x"))
        return abs(w / h - ratio)

    return min(sizes, key=distance)


def resolve_images(settings: Settings, presets: dict[str, Any]) -> ImageChoice:
    """Provider rules: an explicit preset or base URL means a real API; otherwise title cards."""
    images: ImageSettings = settings.images
    size = images.size if "x" in images.size else "1280x720"
    if images.provider == "off":
        return ImageChoice("off", size=size)
    preset = presets.get(images.preset, {}) if images.preset else {}
    wants_api = images.provider == "openai" or (images.provider == "auto" and bool(images.preset or images.base_url))
    if not wants_api:
        return ImageChoice("offline", size=size)
    model = images.model or (preset.get("models") or ["gpt-image-1"])[0]
    return ImageChoice(
        "openai",
        base_url=images.base_url or preset.get("base_url") or "https://api.openai.com/v1",
        api_key=images.api_key or settings.llm.api_key or "not-needed",
        model=model,
        size=_nearest_size(size, (preset.get("sizes") or {}).get(model, [])),
        size_param=preset.get("size_param", "size"),
    )


class ImageService:
    """Makes and caches pictures; never raises past `make` without a clear ProviderError."""

    def __init__(self, settings: Callable[[], Settings], cache: FileCache, presets: dict[str, Any],
                 render_card: CardRenderer) -> None:
        self.settings = settings
        self.cache = cache
        self.presets = presets
        self.render_card = render_card
        self._clients: dict[tuple[str, str], AsyncOpenAI] = {}
        self.last_error: str | None = None

    def choice(self) -> ImageChoice:
        """The provider in use now."""
        return resolve_images(self.settings(), self.presets)

    def status(self) -> dict[str, Any]:
        """For status and the admin panel: provider and label (offline pictures are labelled as such)."""
        choice = self.choice()
        label = {"offline": OFFLINE_LABEL, "off": "off"}.get(choice.kind, choice.model)
        return {"provider": choice.kind, "label": label, "model": choice.model, "size": choice.size,
                "lastError": self.last_error}

    async def make(self, prompt: str, theme: Theme, title: str, chapter_number: int, seed: int) -> Picture | None:
        """The picture for a chapter (None when pictures are off); cached by everything that shapes it."""
        choice = self.choice()
        if choice.kind == "off":
            return None
        if choice.kind == "offline":
            key = self.cache.key("picture", theme.id, chapter_number, choice.size, seed)
        else:
            key = self.cache.key(choice.base_url, choice.model, choice.size, prompt, seed)
        cached = self.cache.find(key)
        if cached:
            return Picture(cached, choice.kind, prompt)
        if choice.kind == "offline":
            width, height = (int(v) for v in choice.size.split("x"))
            data = await asyncio.to_thread(self.render_card, theme, title, chapter_number, size=(width, height),
                                           seed=seed)
        else:
            data = await self._from_api(choice, prompt)
        ext = sniff_extension(data)
        if ext not in ("png", "jpg", "webp"):
            raise ProviderError("the images API answered something that is not a picture")
        self.last_error = None
        return Picture(self.cache.store(key, data, ext), choice.kind, prompt)

    async def _from_api(self, choice: ImageChoice, prompt: str) -> bytes:
        """Call /v1/images/generations; the answer may carry base64 data or a URL to fetch."""
        client = self._client(choice)
        try:
            size = choice.size if choice.size_param == "size" else openai.omit
            response = await client.images.generate(
                model=choice.model, prompt=prompt, n=1, timeout=self.settings().llm.timeout_s * 2, size=size,
                extra_body={choice.size_param: choice.size} if choice.size_param != "size" else None,
            )
        except openai.OpenAIError as exc:
            error = map_provider_error(exc, choice.model)
            self.last_error = error.message
            raise error from exc
        # OpenAI answers in `data`; SiliconFlow in `images` (an extra field the client keeps as a dict).
        extra = (response.model_extra or {}).get("images", [])
        items: list[Any] = list(response.data or []) or [SimpleNamespace(**i) for i in extra if isinstance(i, dict)]
        if not items:
            raise ProviderError("the images API returned no picture")
        b64, url = getattr(items[0], "b64_json", None), getattr(items[0], "url", None)
        if isinstance(b64, str) and b64:
            return base64.b64decode(b64)
        if isinstance(url, str) and url:
            return await self._download(url)
        raise ProviderError("the images API answer had neither b64_json nor url")

    async def _download(self, url: str) -> bytes:
        """Fetch a picture the provider made (bounded size and time)."""
        timeout = aiohttp.ClientTimeout(total=self.settings().llm.timeout_s)
        try:
            async with aiohttp.ClientSession(timeout=timeout) as http, http.get(url) as response:
                if response.status != 200:
                    raise ProviderError(f"could not fetch the picture (HTTP {response.status})")
                data = await response.content.read(MAX_DOWNLOAD_BYTES + 1)
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise ProviderError(f"could not fetch the picture ({exc or type(exc).__name__})") from None
        if len(data) > MAX_DOWNLOAD_BYTES:
            raise ProviderError("the picture is too large")
        return data

    def _client(self, choice: ImageChoice) -> AsyncOpenAI:
        """One client per base URL and key."""
        key = (choice.base_url, choice.api_key)
        if key not in self._clients:
            self._clients[key] = AsyncOpenAI(api_key=choice.api_key, base_url=choice.base_url, max_retries=1)
        return self._clients[key]

    async def close(self) -> None:
        """Close the API clients."""
        for client in self._clients.values():
            await client.close()
        self._clients.clear()
