"""Settings: typed sections, validated layers (defaults < file < env < flags < saved) with file:line errors."""

from __future__ import annotations

import dataclasses
import math
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit, urlunsplit

from plugin.errors import SettingsError
from plugin.paths import DEFAULT_SETTINGS
from plugin.settings.chat import ChatSettings, SimulatorSettings, TikTokSettings, TwitchSettings
from plugin.settings.ideas import IdeaSettings, JoinSettings
from plugin.yamlfile import LineMap, load_yaml_file

Flat = dict[str, Any]


def _range(low: float | None = None, high: float | None = None) -> Any:
    """A dataclass field carrying inclusive bounds for validation."""
    return field(metadata={"min": low, "max": high})


@dataclass(frozen=True, slots=True, kw_only=True)
class ServerSettings:
    """Where the server listens and keeps its files."""

    host: str
    port: int = _range(0, 65535)
    data_dir: str
    admin_token: str


Preset = Literal["", "openai", "siliconflow", "ollama", "lmstudio", "llamacpp", "openrouter"]


@dataclass(frozen=True, slots=True, kw_only=True)
class LLMSettings:
    """Which writer writes, and how hard it tries."""

    provider: Literal["auto", "offline", "openai"]
    preset: Preset
    base_url: str
    api_key: str
    model: str
    fallback_models: tuple[str, ...]
    timeout_s: float = _range(1, 600)
    stall_timeout_s: float = _range(0.01, 600)
    max_retries: int = _range(0, 10)
    retry_backoff_s: float = _range(0, 60)
    breaker_failures: int = _range(1, 100)
    breaker_cooldown_s: float = _range(0, 3600)
    offline_fallback: bool
    temperature: float = _range(0, 2)
    offline_words_per_s: float = _range(0, 1000)
    json_mode: Literal["auto", "on", "off"]


@dataclass(frozen=True, slots=True, kw_only=True)
class StorySettings:
    """Shape and pace of a story."""

    max_chapters: int = _range(1, 100)
    num_choices: int = _range(2, 6)
    mode: Literal["auto", "manual"]
    language: str
    chapter_words: int = _range(30, 2000)
    auto_restart_s: float = _range(0, 86400)
    retry_delay_s: float = _range(0, 3600)
    persona: str
    style: str
    tone: str
    pov: Literal["first", "second", "third"]
    audience: Literal["kids", "teens", "adults", "all"]
    rating: Literal["G", "PG", "PG-13"]
    ending: Literal["", "happy", "tragic", "open", "twist", "any"]
    context_tokens: int = _range(800, 128_000)
    coherence_check: Literal["off", "rules", "llm"]
    prefetch: Literal["off", "leader", "all"]
    prefetch_concurrency: int = _range(1, 6)


@dataclass(frozen=True, slots=True, kw_only=True)
class VotingSettings:
    """How a vote runs and how its winner is picked."""

    duration_s: float = _range(1, 3600)
    min_votes: int = _range(0, 1_000_000)
    max_extensions: int = _range(0, 10)
    tie_break: Literal["random", "first"]
    no_votes: Literal["random", "first"]
    max_message_chars: int = _range(1, 200)
    resume_grace_s: float = _range(0, 600)
    diamonds_per_vote: int = _range(0, 1_000_000)
    likes_per_vote: int = _range(0, 1_000_000)
    max_weight_per_viewer: int = _range(1, 1000)
    opens: Literal["after_narration", "with_chapter"]
    max_wait_s: float = _range(0, 3600)
    keywords: bool
    early_end_margin: float = _range(0, 1)
    early_end_min_votes: int = _range(1, 1_000_000)


@dataclass(frozen=True, slots=True, kw_only=True)
class ShowSettings:
    """The show's beats: how long the result and the final chapter stay on screen."""

    result_hold_s: float = _range(0, 120)
    final_hold_s: float = _range(0, 600)


@dataclass(frozen=True, slots=True, kw_only=True)
class ImageSettings:
    """Chapter pictures."""

    provider: Literal["auto", "offline", "openai", "off"]
    preset: Literal["", "openai", "siliconflow"]
    base_url: str
    api_key: str
    model: str
    size: str
    style: str
    cache_max_mb: int = _range(1, 100_000)
    cache_max_age_days: float = _range(0.01, 3650)


@dataclass(frozen=True, slots=True, kw_only=True)
class SpeechSettings:
    """The narrating voice."""

    provider: Literal["auto", "offline", "openai", "off"]
    preset: Literal["", "openai", "siliconflow"]
    base_url: str
    api_key: str
    model: str
    narrator_voice: str
    character_voices: tuple[str, ...]
    speed: float = _range(0.5, 2.0)
    volume: float = _range(0, 1)
    read_vote_call: bool
    reading_wpm: int = _range(60, 400)
    cache_max_mb: int = _range(1, 100_000)


@dataclass(frozen=True, slots=True, kw_only=True)
class RealtimeSettings:
    """How events reach overlays."""

    redis_url: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Settings:
    """Every setting, by section."""

    server: ServerSettings
    llm: LLMSettings
    story: StorySettings
    voting: VotingSettings
    ideas: IdeaSettings
    join: JoinSettings
    show: ShowSettings
    images: ImageSettings
    tts: SpeechSettings
    realtime: RealtimeSettings
    chat: ChatSettings
    tiktok: TikTokSettings
    twitch: TwitchSettings
    simulator: SimulatorSettings

    def flat(self) -> Flat:
        """All values as a flat {'section.key': value} dict."""
        return {
            f"{section.name}.{item.name}": getattr(getattr(self, section.name), item.name)
            for section in dataclasses.fields(self)
            for item in dataclasses.fields(getattr(self, section.name))
        }

    def replace(self, patch: Flat) -> Settings:
        """A copy with already-validated flat values applied."""
        return build_settings({**self.flat(), **patch})


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """The type and bounds of one setting."""

    key: str
    kind: Any
    low: float | None
    high: float | None


def _schema() -> dict[str, FieldSpec]:
    """Derive every setting's type and bounds from the dataclasses above."""
    specs: dict[str, FieldSpec] = {}
    for section in dataclasses.fields(Settings):
        section_type = typing.get_type_hints(Settings)[section.name]
        hints = typing.get_type_hints(section_type)
        for item in dataclasses.fields(section_type):
            key = f"{section.name}.{item.name}"
            specs[key] = FieldSpec(key, hints[item.name], item.metadata.get("min"), item.metadata.get("max"))
    return specs


SCHEMA = _schema()
SECRET_KEYS = frozenset({"llm.api_key", "server.admin_token", "tiktok.sign_api_key", "tiktok.session_id",
                         "images.api_key", "tts.api_key"})
URL_KEYS = frozenset({"llm.base_url", "images.base_url", "tts.base_url", "realtime.redis_url",  # may hold a password
                      "twitch.url"})
STARTUP_ONLY_KEYS = frozenset({"server.host", "server.port", "server.data_dir", "server.admin_token",
                               "realtime.redis_url"})


def _type_name(kind: Any) -> str:
    """Readable name of an expected type."""
    if typing.get_origin(kind) is Literal:
        return "one of " + ", ".join(repr(v) for v in typing.get_args(kind))
    if typing.get_origin(kind) is tuple:
        choices = _tuple_choices(kind)
        return "a list of " + ", ".join(repr(v) for v in choices) if choices else "a list of strings"
    return {int: "an integer", float: "a number", str: "a string", bool: "true or false"}.get(kind, str(kind))


def _tuple_choices(kind: Any) -> tuple[Any, ...]:
    """The allowed items of a `tuple[Literal[...], ...]` setting; () for a list of any strings."""
    item = typing.get_args(kind)[0] if typing.get_args(kind) else str
    return typing.get_args(item) if typing.get_origin(item) is Literal else ()


def coerce_value(spec: FieldSpec, value: Any) -> Any:
    """Check one value against its spec; returns the normalised value or raises ValueError."""
    kind = spec.kind
    if typing.get_origin(kind) is Literal:
        if value is None:
            value = ""
        value = "off" if value is False and "off" in typing.get_args(kind) else value  # YAML reads `off` as false
        if value not in typing.get_args(kind):
            raise ValueError(f"expected {_type_name(kind)}, got {value!r}")
        return value
    if typing.get_origin(kind) is tuple:
        if value is None:
            return ()
        if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
            raise ValueError(f"expected {_type_name(kind)}, got {value!r}")
        items = tuple(v.strip() for v in value if v.strip())
        choices = _tuple_choices(kind)
        if choices:
            for item in items:
                if item not in choices:
                    raise ValueError(f"expected {_type_name(kind)}, got {item!r}")
            items = tuple(dict.fromkeys(items))  # each once, first mention first
        return items
    if kind is str:
        if value is None:
            return ""
        if not isinstance(value, str):
            raise ValueError(f"expected a string, got {value!r}")
        return value.strip()
    if kind is bool:
        if not isinstance(value, bool):
            raise ValueError(f"expected true or false, got {value!r}")
        return value
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) \
            or (kind is int and not float(value).is_integer()):
        raise ValueError(f"expected {_type_name(kind)}, got {value!r}")
    number = kind(value)
    if spec.low is not None and number < spec.low:
        raise ValueError(f"must be at least {spec.low:g}, got {number!r}")
    if spec.high is not None and number > spec.high:
        raise ValueError(f"must be at most {spec.high:g}, got {number!r}")
    return number


def flatten(data: Mapping[str, Any], prefix: str = "") -> Flat:
    """Nested {'story': {'max_chapters': 3}} (or dotted keys) -> {'story.max_chapters': 3}."""
    flat: Flat = {}
    for key, value in data.items():
        path = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, Mapping) and path not in SCHEMA:
            flat.update(flatten(value, path))
        else:
            flat[path] = value
    return flat


def validate_layer(data: Any, source: str, lines: LineMap | None = None) -> Flat:
    """Validate one layer of settings; errors name the source, line and key."""
    if data is None:
        return {}
    if not isinstance(data, Mapping):
        raise SettingsError(f"{source}: expected a mapping of settings sections")
    lines = lines or {}
    result: Flat = {}
    for key, value in flatten(data).items():
        where = f"{source}:{lines[key]}" if key in lines else source
        spec = SCHEMA.get(key)
        if spec is None:
            raise SettingsError(f"{where}: unknown setting '{key}'", field=key)
        try:
            result[key] = coerce_value(spec, value)
        except ValueError as exc:
            raise SettingsError(f"{where}: {key}: {exc}", field=key) from None
    _pair_chat_sources(result)
    return result


def _pair_chat_sources(layer: Flat) -> None:
    """Keep chat.source (one source: the admin panel's picker, older files) and chat.sources (several at once)
    saying the same thing within a layer. A layer that sets only chat.source clears chat.sources (that one source
    runs); a layer that sets a non-empty chat.sources names its first source in chat.source, for readers of the
    older key. When a layer sets both, a non-empty chat.sources wins."""
    sources = layer.get("chat.sources")
    if sources:
        layer["chat.source"] = sources[0]
    elif sources is None and "chat.source" in layer:
        layer["chat.sources"] = ()


def build_settings(flat: Flat) -> Settings:
    """Assemble Settings from a complete flat dict (all keys present and valid)."""
    missing = sorted(set(SCHEMA) - set(flat))
    if missing:
        raise SettingsError(f"{DEFAULT_SETTINGS}: missing setting '{missing[0]}'", field=missing[0])
    sections: dict[str, Any] = {}
    hints = typing.get_type_hints(Settings)
    for section in dataclasses.fields(Settings):
        section_type = hints[section.name]
        values = {f.name: flat[f"{section.name}.{f.name}"] for f in dataclasses.fields(section_type)}
        sections[section.name] = section_type(**values)
    return Settings(**sections)


ENV_KEYS = {
    "OPENAI_API_KEY": "llm.api_key",
    "OPENAI_BASE_URL": "llm.base_url",
    "STORY_ADMIN_TOKEN": "server.admin_token",
}


def load_settings(
    settings_file: Path | None = None,
    env: Mapping[str, str] | None = None,
    flags: Mapping[str, Any] | None = None,
    defaults_file: Path = DEFAULT_SETTINGS,
) -> Settings:
    """Defaults < settings file < environment < command-line flags, each layer validated."""
    data, lines = load_yaml_file(defaults_file)
    flat = validate_layer(data, str(defaults_file), lines)
    if settings_file is not None:
        data, lines = load_yaml_file(settings_file)
        flat.update(validate_layer(data, str(settings_file), lines))
    for name, key in ENV_KEYS.items():
        if env and env.get(name, "").strip():
            flat.update(validate_layer({key: env[name]}, f"environment variable {name}"))
    if flags:
        flat.update(validate_layer({k: v for k, v in flags.items() if v is not None}, "command line"))
    return build_settings(flat)


def mask_secret(value: str) -> str:
    """Show only enough of a secret to recognise it: 'sk-…abcd'."""
    if not value:
        return ""
    if len(value) <= 8:
        return "•" * len(value)
    return f"{value[:3]}…{value[-4:]}"


def mask_url(url: str) -> str:
    """A URL with the password in its user part masked: 'https://me:•••@host/v1'."""
    try:
        parts = urlsplit(url)
    except ValueError:  # not a URL we can read: show none of it
        return mask_secret(url)
    if parts.password is None:
        return url
    user = f"{parts.username}:" if parts.username else ":"
    return urlunsplit(parts._replace(netloc=f"{user}•••@{parts.netloc.rpartition('@')[2]}"))


def masked(key: str, value: Any) -> Any:
    """A setting's value as the admin panel may see it."""
    return mask_secret(value) if key in SECRET_KEYS else mask_url(value) if key in URL_KEYS else value


def public_settings(settings: Settings) -> dict[str, Any]:
    """Settings as nested JSON for the admin panel, with secrets (and passwords inside URLs) masked."""
    nested: dict[str, Any] = {}
    for key, value in settings.flat().items():
        section, name = key.split(".", 1)
        shown = masked(key, value)
        nested.setdefault(section, {})[name] = list(shown) if isinstance(shown, tuple) else shown
    return nested
