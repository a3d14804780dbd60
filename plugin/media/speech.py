"""The narrating voice: an OpenAI-compatible audio/speech API or offline espeak-ng voices, cached as WAV."""

from __future__ import annotations

import io
import logging
import wave
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal, Protocol

import openai
from openai import AsyncOpenAI

from plugin.errors import ProviderError
from plugin.media.filecache import FileCache, sniff_extension
from plugin.settings.schema import Settings
from plugin.writers.openai_api import map_provider_error

log = logging.getLogger(__name__)
OFFLINE_NARRATOR = "en-us+m3"
OFFLINE_CHARACTERS = ("en-gb+f3", "en-us+f2", "en-gb+m2", "en-us+m1", "en-gb-scotland+m4", "en-029+f1", "en-us+f4")
BASE_WPM = 165


class OfflineVoices(Protocol):
    """The offline engine (espeak-ng)."""

    async def synthesize(self, text: str, voice: str, rate_wpm: int = 165, pitch: int | None = None,
                         volume: int = 100) -> bytes:
        """WAV bytes for the text."""
        ...

    def voices(self) -> list[Any]:
        """Voices offered."""
        ...

    def voice_for_language(self, language_code: str, variant: str = "") -> str:
        """An existing voice for a language."""
        ...


@dataclass(frozen=True, slots=True)
class SpeechChoice:
    """Which speech provider the settings select."""

    kind: Literal["offline", "openai", "off"]
    base_url: str = ""
    api_key: str = ""
    model: str = ""
    voices: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Clip:
    """One synthesised line in the cache."""

    name: str  # the cache file's name (the API serves it; the route table knows where)
    duration_ms: int
    voice: str


def wav_duration_ms(data: bytes) -> int:
    """Length of a WAV file in milliseconds (0 if it is not one)."""
    try:
        with wave.open(io.BytesIO(data)) as audio:
            return int(audio.getnframes() * 1000 / max(1, audio.getframerate()))
    except (wave.Error, EOFError):
        return 0


def resolve_speech(settings: Settings, presets: dict[str, Any]) -> SpeechChoice:
    """Provider rules: an explicit preset or base URL means a real API; otherwise espeak-ng."""
    tts = settings.tts
    if tts.provider == "off":
        return SpeechChoice("off")
    preset = presets.get(tts.preset, {}) if tts.preset else {}
    if not (tts.provider == "openai" or (tts.provider == "auto" and (tts.preset or tts.base_url))):
        return SpeechChoice("offline")
    return SpeechChoice(
        "openai",
        base_url=tts.base_url or preset.get("base_url") or "https://api.openai.com/v1",
        api_key=tts.api_key or settings.llm.api_key or "not-needed",
        model=tts.model or (preset.get("models") or ["tts-1"])[0],
        voices=tuple(preset.get("voices") or ("alloy", "onyx", "nova", "echo", "fable", "shimmer")),
    )


class SpeechService:
    """Speaks lines with the configured provider; the same text and voice are synthesised once."""

    def __init__(self, settings: Callable[[], Settings], cache: FileCache, presets: dict[str, Any],
                 offline: Callable[[], OfflineVoices]) -> None:
        self.settings = settings
        self.cache = cache
        self.presets = presets
        self._offline_factory = offline
        self._offline: OfflineVoices | None = None
        self._clients: dict[tuple[str, str], AsyncOpenAI] = {}
        self.last_error: str | None = None

    @property
    def offline(self) -> OfflineVoices:
        """The espeak-ng engine, started on first use."""
        if self._offline is None:
            self._offline = self._offline_factory()
        return self._offline

    def choice(self) -> SpeechChoice:
        """The provider in use now."""
        return resolve_speech(self.settings(), self.presets)

    def narrator(self, language_code: str = "en") -> str:
        """The narrator's voice for a story language."""
        choice, tts = self.choice(), self.settings().tts
        if tts.narrator_voice:
            return tts.narrator_voice
        if choice.kind == "openai":
            return choice.voices[1] if len(choice.voices) > 1 else (choice.voices or ("alloy",))[0]
        return OFFLINE_NARRATOR if language_code == "en" else self.offline.voice_for_language(language_code, "+m3")

    def character_pool(self, language_code: str = "en") -> list[str]:
        """Voices handed to characters, in order of appearance (never the narrator's)."""
        choice, tts = self.choice(), self.settings().tts
        narrator = self.narrator(language_code)
        if tts.character_voices:
            pool = list(tts.character_voices)
        elif choice.kind == "openai":
            pool = list(choice.voices)
        elif language_code == "en":
            pool = list(OFFLINE_CHARACTERS)
        else:
            pool = [self.offline.voice_for_language(language_code, v) for v in ("+f2", "+m1", "+f4", "+m4")]
        return [v for v in pool if v != narrator] or pool

    def voices(self) -> list[dict[str, Any]]:
        """Voices the admin panel may pick from."""
        choice = self.choice()
        if choice.kind == "openai":
            return [{"id": v, "label": v.split(":")[-1], "language": "", "gender": ""} for v in choice.voices]
        if choice.kind == "off":
            return []
        return [{"id": v.id, "label": v.label, "language": v.language, "gender": v.gender}
                for v in self.offline.voices()]

    def status(self) -> dict[str, Any]:
        """For status and the admin panel."""
        choice = self.choice()
        label = {"offline": "offline voices (espeak-ng)", "off": "off"}.get(choice.kind, choice.model)
        return {"provider": choice.kind, "label": label, "narrator": self.narrator() if choice.kind != "off" else "",
                "lastError": self.last_error}

    async def speak(self, text: str, voice: str) -> Clip | None:
        """A cached clip of `text` in `voice` (None when speech is off)."""
        choice, tts = self.choice(), self.settings().tts
        if choice.kind == "off" or not text.strip():
            return None
        key = self.cache.key(choice.kind, choice.base_url, choice.model, voice, tts.speed, text)
        cached = self.cache.find(key)
        if cached:
            path = self.cache.path(cached)
            return Clip(cached, wav_duration_ms(path.read_bytes()) if path else 0, voice)
        if choice.kind == "offline":
            data = await self.offline.synthesize(text, voice, rate_wpm=int(BASE_WPM * tts.speed))
        else:
            data = await self._from_api(choice, text, voice, tts.speed)
        ext = sniff_extension(data)
        if ext not in ("wav", "mp3"):
            raise ProviderError("the speech API answered something that is not audio")
        self.last_error = None
        duration = wav_duration_ms(data) if ext == "wav" else int(len(text.split()) / (BASE_WPM * tts.speed) * 60_000)
        return Clip(self.cache.store(key, data, ext), duration, voice)

    async def _from_api(self, choice: SpeechChoice, text: str, voice: str, speed: float) -> bytes:
        """Call /v1/audio/speech; SiliconFlow voices come as model:voice."""
        model = voice.rsplit(":", 1)[0] if ":" in voice else choice.model
        client = self._clients.get((choice.base_url, choice.api_key))
        if client is None:
            client = AsyncOpenAI(api_key=choice.api_key, base_url=choice.base_url, max_retries=1)
            self._clients[(choice.base_url, choice.api_key)] = client
        try:
            response = await client.audio.speech.create(model=model, voice=voice, input=text,
                                                        response_format="wav", speed=speed,
                                                        timeout=self.settings().llm.timeout_s)
            return response.content
        except openai.OpenAIError as exc:
            error = map_provider_error(exc, model)
            self.last_error = error.message
            raise error from exc

    async def close(self) -> None:
        """Close API clients and the offline engine."""
        for client in self._clients.values():
            await client.close()
        self._clients.clear()
        if self._offline is not None and hasattr(self._offline, "close"):
            await self._offline.close()
