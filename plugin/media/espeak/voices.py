"""Voices for the offline espeak-ng engine: what the shipped data holds and what we offer.

The index is read straight from the `espeakng-loader` data folder (lang/** voice files and the
voices/!v variants) instead of asking libespeak-ng, so listing and resolving voices needs no
worker thread and never touches the library's global state.

We resolve our ids ourselves because espeak_SetVoiceByName is a poor judge: it rejects plain
language codes such as "en-gb", "fr-fr" or "zh" (only file and voice names match), accepts
nonsense it happens to match by name ("klingon"), silently ignores an unknown "+variant", and on
failure keeps whatever voice the previous call left behind.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import espeakng_loader

DEFAULT_VOICE = "en-us"


@dataclass(frozen=True)
class VoiceInfo:
    """A voice we offer: espeak voice id, human label, BCP 47-ish language and gender."""

    id: str
    label: str
    language: str
    gender: str


@dataclass(frozen=True)
class VoiceIndex:
    """What the shipped espeak-ng data contains."""

    files: dict[str, str]  # lower-cased voice file name ("en-us") -> identifier ("gmw/en-US")
    languages: dict[str, str]  # language code ("en-gb") -> identifier of its preferred voice
    variants: dict[str, str]  # lower-cased variant name -> file name in voices/!v ("Alex")

    def base(self, name: str) -> str | None:
        """Identifier for a voice file name or language code, or None when absent."""
        key = name.strip().lower()
        return self.files.get(key) or self.languages.get(key)

    def variant(self, name: str) -> str | None:
        """Variant file name for a variant name (case-insensitive), or None when absent."""
        return self.variants.get(name.strip().lower())


# Narrator and character voices (English). Labels are what the admin panel shows.
CATALOG: tuple[VoiceInfo, ...] = (
    VoiceInfo("en-us+m3", "Narrator – warm male (US)", "en-US", "male"),
    VoiceInfo("en-us+f2", "Narrator – clear female (US)", "en-US", "female"),
    VoiceInfo("en-us+m1", "Hero – deep male (US)", "en-US", "male"),
    VoiceInfo("en-us+f4", "Heroine – soft female (US)", "en-US", "female"),
    VoiceInfo("en-gb+m2", "Knight – male (British)", "en-GB", "male"),
    VoiceInfo("en-gb+f3", "Queen – bright female (British)", "en-GB", "female"),
    VoiceInfo("en-gb-x-rp+m7", "Butler – formal male (RP)", "en-GB", "male"),
    VoiceInfo("en-gb-scotland+m4", "Innkeeper – male (Scottish)", "en-GB", "male"),
    VoiceInfo("en-029+f1", "Sailor – female (Caribbean)", "en-029", "female"),
    VoiceInfo("en-us-nyc+m5", "Detective – male (New York)", "en-US", "male"),
    VoiceInfo("en-gb+grandpa", "Old storyteller – grandfather (British)", "en-GB", "male"),
    VoiceInfo("en-us+grandma", "Old storyteller – grandmother (US)", "en-US", "female"),
    VoiceInfo("en-us+croak", "Monster – croaking (US)", "en-US", "male"),
    VoiceInfo("en-us+whisper", "Ghost – whispering male (US)", "en-US", "male"),
    VoiceInfo("en-us+whisperf", "Ghost – whispering female (US)", "en-US", "female"),
)

# Our story language codes -> espeak voice. Portuguese goes to Brazilian (most of the audience).
LANGUAGE_VOICES: dict[str, str] = {
    "en": "en-us", "es": "es", "pt": "pt-br", "fr": "fr", "de": "de", "it": "it", "nl": "nl",
    "id": "id", "tr": "tr", "pl": "pl", "vi": "vi", "ru": "ru", "uk": "uk", "zh": "cmn",
    "ja": "ja", "ko": "ko", "ar": "ar", "hi": "hi", "th": "th",
}  # fmt: skip

# Languages whose shipped voice exists but reads real-world text poorly (checked on 1.52.0).
LANGUAGE_NOTES: dict[str, str] = {
    "ja": "kana only: kanji are read as 'Chinese letter' in English",
    "th": "espeak status 'testing'; Thai script is phonemised unreliably",
    "ar": "needs vowel marks (tashkeel); plain Arabic text loses its vowels",
    "uk": "espeak status 'testing'",
    "zh": "Mandarin (cmn) from Chinese characters; Latin letters are read as English",
}


@functools.cache
def voice_index(data_path: str | None = None) -> VoiceIndex:
    """Scan the espeak-ng data folder once (the loader's by default)."""
    root = Path(data_path or espeakng_loader.get_data_path())
    files: dict[str, str] = {}
    ranked: dict[str, tuple[int, str]] = {}
    for path in sorted((root / "lang").rglob("*")):
        if not path.is_file():
            continue
        identifier = path.relative_to(root / "lang").as_posix()
        files[path.name.lower()] = identifier
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            parts = line.split()
            if len(parts) >= 2 and parts[0] == "language":
                # "language en-gb 2": a lower number means this voice is preferred for the code.
                priority = int(parts[2]) if len(parts) > 2 and parts[2].isdigit() else 5
                code = parts[1].lower()
                if code not in ranked or priority < ranked[code][0]:
                    ranked[code] = (priority, identifier)
    variants = {p.name.lower(): p.name for p in (root / "voices" / "!v").iterdir() if p.is_file()}
    return VoiceIndex(files, {code: ident for code, (_, ident) in ranked.items()}, variants)


def resolve(voice_id: str, index: VoiceIndex | None = None) -> tuple[str, str] | None:
    """Our voice id -> (name for espeak_SetVoiceByName, canonical id); None if base unknown.

    An unknown variant is dropped (the language is the part that matters) and reported by a
    canonical id without it.
    """
    index = index or voice_index()
    base, _, variant = voice_id.strip().partition("+")
    identifier = index.base(base)
    if identifier is None:
        return None
    canonical = base.strip().lower()
    variant_file = index.variant(variant) if variant else None
    if variant_file is None:
        return identifier, canonical
    return f"{identifier}+{variant_file}", f"{canonical}+{variant_file}"


def offered_voices(index: VoiceIndex | None = None) -> list[VoiceInfo]:
    """Catalog voices whose language and variant both exist in the shipped data."""
    index = index or voice_index()
    offered = []
    for info in CATALOG:
        base, _, variant = info.id.partition("+")
        if index.base(base) and (not variant or index.variant(variant)):
            offered.append(info)
    return offered
