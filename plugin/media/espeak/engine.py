"""Offline text-to-speech: story chapters read aloud by libespeak-ng when no API key is set.

The library comes from the `espeakng-loader` wheel (libespeak-ng plus its data) and is driven
through ctypes (espeak_native.py). espeak-ng is a blocking, non-thread-safe process singleton,
so each engine runs every call on ONE dedicated worker thread and exposes async methods; the
event loop never waits on the synthesiser. Text is always plain text (SSML off), and markup
the writer may leave behind is stripped so it is neither interpreted nor read out as
"b slash b". Voices and language mapping live in espeak_voices.py.
"""

from __future__ import annotations

import asyncio
import html
import io
import logging
import re
import sys
import wave
from array import array
from concurrent.futures import ThreadPoolExecutor

from plugin.media.espeak.native import DEFAULT_PITCH, Job, native
from plugin.media.espeak.voices import (
    DEFAULT_VOICE,
    LANGUAGE_NOTES,
    LANGUAGE_VOICES,
    VoiceInfo,
    offered_voices,
    resolve,
    voice_index,
)

__all__ = ["EspeakEngine", "VoiceInfo", "LANGUAGE_NOTES", "wav_duration_ms", "clean_text"]

log = logging.getLogger(__name__)

SILENCE_MS = 100  # what empty text becomes: a valid, short, silent clip
_TAG = re.compile(r"</?[A-Za-z!?][^<>]{0,500}>")  # HTML/SSML-looking tags, not "a < b"
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")  # NUL would end the C string early


def clean_text(text: str) -> str:
    """Plain speakable text: markup tags removed, entities decoded, control characters gone."""
    text = _TAG.sub(" ", text)
    text = html.unescape(text)
    return _CONTROL.sub(" ", text).strip()


def pcm_to_wav(pcm: bytes, sample_rate: int) -> bytes:
    """Wrap 16-bit mono samples in a RIFF/WAV file."""
    if sys.byteorder == "big":  # espeak writes native-endian samples; WAV is little-endian
        samples = array("h", pcm)
        samples.byteswap()
        pcm = samples.tobytes()
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(sample_rate)
        out.writeframes(pcm)
    return buffer.getvalue()


def wav_duration_ms(data: bytes) -> int:
    """Length of a WAV file in milliseconds."""
    with wave.open(io.BytesIO(data), "rb") as clip:
        return clip.getnframes() * 1000 // clip.getframerate()


class EspeakEngine:
    """Offline TTS engine; async methods, one worker thread, library initialised lazily."""

    def __init__(self) -> None:
        # One worker: espeak-ng has global state and must only ever run on a single thread.
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="espeak")
        self._jobs: set[Job] = set()
        self._warned: set[str] = set()
        self._closed = False

    @property
    def closed(self) -> bool:
        """True after close()."""
        return self._closed

    async def synthesize(self, text: str, voice: str, rate_wpm: int = 165,
                         pitch: int | None = None, volume: int = 100) -> bytes:
        """Speak text with a voice id ("en-us+m3"); returns a complete 16-bit mono WAV file.

        pitch is 0-99 around the voice's own pitch (None keeps the voice's), volume 0-200.
        """
        if self._closed:
            raise RuntimeError("EspeakEngine is closed")
        espeak_voice = self._espeak_voice(voice)
        spoken = clean_text(text)
        job = Job()
        self._jobs.add(job)
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(
                self._executor, self._run, spoken, espeak_voice, rate_wpm,
                DEFAULT_PITCH if pitch is None else pitch, volume, job,
            )  # fmt: skip
        except asyncio.CancelledError:
            # The worker cannot be interrupted from here; the flag makes espeak stop early.
            job.cancelled.set()
            raise
        finally:
            self._jobs.discard(job)

    async def sample_rate(self) -> int:
        """Output sample rate reported by espeak_Initialize (initialises the library)."""
        if self._closed:
            raise RuntimeError("EspeakEngine is closed")
        engine = await asyncio.get_running_loop().run_in_executor(self._executor, native)
        return engine.sample_rate

    def voices(self) -> list[VoiceInfo]:
        """Voices we offer for narrator and characters (all present in the shipped data)."""
        return offered_voices()

    def voice_for_language(self, language_code: str, variant: str = "") -> str:
        """Espeak voice id for a story language code ("es" -> "es", "zh" -> "cmn").

        Languages missing from the shipped data fall back to English ("en-us"); ones that exist
        but are weak are listed in LANGUAGE_NOTES. A variant ("f2") is appended when it exists.
        """
        code = language_code.strip().lower().replace("_", "-")
        index = voice_index()
        primary = code.split("-")[0]
        # A full regional code the data knows ("pt-pt", "en-gb") wins over the primary mapping.
        voice = code if code != primary and index.base(code) else LANGUAGE_VOICES.get(primary, "")
        if not voice or index.base(voice) is None:
            self._warn_once(f"lang:{code}", "no espeak voice for language %r; using English", code)
            voice = DEFAULT_VOICE
        if variant:
            variant_file = index.variant(variant)
            if variant_file is None:
                self._warn_once(f"variant:{variant}", "unknown espeak variant %r; ignored", variant)
            else:
                voice = f"{voice}+{variant_file}"
        return voice

    async def close(self) -> None:
        """Stop any running synthesis and shut the worker down (the library stays loaded)."""
        if self._closed:
            return
        self._closed = True
        for job in list(self._jobs):
            job.cancelled.set()
        await asyncio.get_running_loop().run_in_executor(
            None, lambda: self._executor.shutdown(wait=True, cancel_futures=True)
        )

    def _espeak_voice(self, voice: str) -> str:
        """Name to hand espeak for our voice id, falling back to en-us when it is unknown."""
        resolved = resolve(voice)
        if resolved is None:
            self._warn_once(voice, "unknown espeak voice %r; falling back to %s", voice,
                            DEFAULT_VOICE)
            resolved = resolve(DEFAULT_VOICE)
            assert resolved is not None, "en-us is always shipped"
        elif "+" in voice and "+" not in resolved[1]:
            self._warn_once(voice, "unknown variant in voice %r; using %s", voice, resolved[1])
        return resolved[0]

    def _warn_once(self, key: str, message: str, *args: object) -> None:
        """Log a warning once per bad voice, not once per sentence."""
        if key not in self._warned:
            self._warned.add(key)
            log.warning(message, *args)

    @staticmethod
    def _run(text: str, voice: str, rate: int, pitch: int, volume: int, job: Job) -> bytes:
        """Worker-thread body: synthesise and wrap as WAV."""
        engine = native()
        pcm = b""
        if text and not job.cancelled.is_set():
            pcm = engine.synthesize(text, voice, rate, pitch, volume, job)
        if not pcm:  # empty text, or text espeak finds nothing to say in ("...")
            pcm = bytes(2 * (engine.sample_rate * SILENCE_MS // 1000))
        return pcm_to_wav(pcm, engine.sample_rate)
