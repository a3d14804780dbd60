"""Offline espeak-ng text-to-speech: WAV output, voices, languages, concurrency and speed."""

from __future__ import annotations

import asyncio
import io
import logging
import statistics
import time
import wave
from array import array
from collections.abc import AsyncIterator

import pytest

from plugin.media.espeak.engine import (
    LANGUAGE_NOTES,
    EspeakEngine,
    clean_text,
    wav_duration_ms,
)
from plugin.media.espeak.voices import LANGUAGE_VOICES, resolve, voice_index

SENTENCE = "The lighthouse keeper climbed the spiral stairs with a lantern in her hand."
PARAGRAPH = (
    "The lighthouse keeper had not seen a ship in eleven days when the storm finally broke over "
    "the harbor. She climbed the spiral stairs with a lantern in one hand and a cup of cold tea in "
    "the other, counting each step as her grandfather had taught her. At the top, the great lamp "
    "was flickering, and if the light went out tonight, the fishing boats would never find home."
)


@pytest.fixture
async def engine() -> AsyncIterator[EspeakEngine]:
    """A fresh engine, closed after the test (the library itself stays initialised)."""
    tts = EspeakEngine()
    yield tts
    await tts.close()


def read_wav(data: bytes) -> tuple[wave._wave_params, array]:
    """Parameters and samples of a WAV file."""
    assert data[:4] == b"RIFF" and data[8:12] == b"WAVE"
    with wave.open(io.BytesIO(data), "rb") as clip:
        params = clip.getparams()
        samples = array("h", clip.readframes(clip.getnframes()))
    return params, samples


def median_pitch_hz(samples: array, rate: int = 22050) -> float:
    """Median fundamental frequency of loud 40 ms frames, by autocorrelation (pure Python)."""
    step = 5  # averaging 5 samples low-passes and downsamples to 4.4 kHz, which keeps this fast
    low = [sum(samples[i : i + step]) / step for i in range(0, len(samples) - step, step)]
    fs = rate / step
    frame = int(fs * 0.04)
    lags = range(int(fs / 400), int(fs / 60) + 1)  # 60-400 Hz covers every espeak voice
    found = []
    for start in range(0, len(low) - frame - lags[-1], frame):
        x = low[start : start + frame + lags[-1]]
        energy = sum(v * v for v in x[:frame])
        if energy < frame * 1000**2:  # silence and quiet consonants have no pitch
            continue
        score, lag = max((sum(x[i] * x[i + k] for i in range(frame)), k) for k in lags)
        if score > 0.5 * energy:  # only clearly periodic (voiced) frames
            found.append(fs / lag)
    return statistics.median(found) if found else 0.0


async def test_synthesize_returns_valid_mono_16bit_wav(engine: EspeakEngine) -> None:
    data = await engine.synthesize(SENTENCE, "en-us+m3")
    params, samples = read_wav(data)
    assert params.nchannels == 1
    assert params.sampwidth == 2
    assert params.framerate == await engine.sample_rate() == 22050
    assert params.nframes == len(samples) > 0
    assert 2000 < wav_duration_ms(data) < 10000
    assert max(abs(s) for s in samples) > 1000  # actually speech, not silence


async def test_duration_roughly_proportional_to_text_length(engine: EspeakEngine) -> None:
    one = wav_duration_ms(await engine.synthesize(SENTENCE, "en-us+m3"))
    four = wav_duration_ms(await engine.synthesize(" ".join([SENTENCE] * 4), "en-us+m3"))
    assert 3.0 < four / one < 5.0


async def test_different_voices_sound_different(engine: EspeakEngine) -> None:
    male = await engine.synthesize(SENTENCE, "en-us+m1")
    female = await engine.synthesize(SENTENCE, "en-us+f4")
    assert male != female
    male_hz = median_pitch_hz(read_wav(male)[1])
    female_hz = median_pitch_hz(read_wav(female)[1])
    assert 70 < male_hz < 130 and 140 < female_hz < 260, (male_hz, female_hz)


async def test_at_least_eight_english_voices_each_synthesise(engine: EspeakEngine) -> None:
    voices = engine.voices()
    english = [v for v in voices if v.language.startswith("en")]
    assert len({v.id for v in english}) >= 8
    assert {v.gender for v in english} == {"male", "female"}
    assert all(v.label and resolve(v.id) for v in voices)
    clips = await asyncio.gather(*(engine.synthesize("Once upon a time.", v.id) for v in english))
    for info, data in zip(english, clips):
        params, _ = read_wav(data)
        assert params.nchannels == 1 and wav_duration_ms(data) > 300, info.id
    assert len(set(clips)) == len(clips)
    # Every variant named in the catalog exists in the shipped voices/!v folder.
    assert all("+" not in resolve(v.id)[1] or resolve(v.id)[1] == v.id for v in voices)


async def test_faster_rate_gives_shorter_audio(engine: EspeakEngine) -> None:
    slow = wav_duration_ms(await engine.synthesize(PARAGRAPH, "en-gb+f3", rate_wpm=120))
    fast = wav_duration_ms(await engine.synthesize(PARAGRAPH, "en-gb+f3", rate_wpm=250))
    assert fast < slow * 0.7


async def test_pitch_and_volume_apply_and_reset(engine: EspeakEngine) -> None:
    low = read_wav(await engine.synthesize(SENTENCE, "en-us+m3", pitch=5))[1]
    high = read_wav(await engine.synthesize(SENTENCE, "en-us+m3", pitch=95))[1]
    assert median_pitch_hz(high) > median_pitch_hz(low) * 1.5
    quiet = read_wav(await engine.synthesize(SENTENCE, "en-us+m3", volume=10))[1]
    loud = read_wav(await engine.synthesize(SENTENCE, "en-us+m3"))[1]
    assert max(map(abs, quiet)) * 3 < max(map(abs, loud))
    # espeak parameters are global: a later default call must not inherit the last pitch.
    again = read_wav(await engine.synthesize(SENTENCE, "en-us+m3"))[1]
    assert abs(median_pitch_hz(again) - median_pitch_hz(loud)) < 10


async def test_concurrent_calls_each_return_valid_wav(engine: EspeakEngine) -> None:
    other = EspeakEngine()  # a second engine shares the global library: the lock must hold
    try:
        voices = ["en-us+m3", "en-gb+f3", "en-029+f1", "es", "en-us+croak", "fr+f1"]
        calls = [engine.synthesize(f"{SENTENCE} Number {i}.", voices[i % 6]) for i in range(12)]
        calls += [other.synthesize(PARAGRAPH, "en-gb-scotland+m4") for _ in range(3)]
        clips = await asyncio.gather(*calls)
    finally:
        await other.close()
    for data in clips:
        params, samples = read_wav(data)
        assert params.nchannels == 1 and params.sampwidth == 2 and len(samples) > 10000


async def test_empty_text_gives_short_silent_wav(engine: EspeakEngine) -> None:
    for text in ("", "   \n ", "<b></b>"):
        data = await engine.synthesize(text, "en-us")
        params, samples = read_wav(data)
        assert params.nchannels == 1 and params.framerate == 22050
        assert 0 < wav_duration_ms(data) <= 200
        assert not any(samples)


async def test_unknown_voice_falls_back_to_en_us(
    engine: EspeakEngine, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="plugin.media.espeak.engine"):
        data = await engine.synthesize(SENTENCE, "klingon-xx+m3")
        await engine.synthesize(SENTENCE, "klingon-xx+m3")
        odd_variant = await engine.synthesize(SENTENCE, "en-gb+nosuchvariant")
    assert len([r for r in caplog.records if "klingon-xx" in r.getMessage()]) == 1  # once only
    assert any("nosuchvariant" in r.getMessage() for r in caplog.records)
    reference = wav_duration_ms(await engine.synthesize(SENTENCE, "en-us"))
    assert abs(wav_duration_ms(data) - reference) < reference * 0.1
    assert read_wav(odd_variant)[0].nframes > 0


async def test_markup_is_stripped_not_spoken_or_interpreted(engine: EspeakEngine) -> None:
    assert clean_text('<b>Run</b>, <break time="3s"/>Tom &amp; Jerry!') == "Run ,  Tom & Jerry!"
    assert clean_text("a < b and c > d") == "a < b and c > d"
    plain = wav_duration_ms(await engine.synthesize("Run now.", "en-us"))
    tagged = wav_duration_ms(await engine.synthesize('<b>Run</b> <break time="5s"/>now.', "en-us"))
    assert abs(tagged - plain) < 250  # no "b slash b" read out, no 5 s SSML break


async def test_long_text_is_fine(engine: EspeakEngine) -> None:
    data = await engine.synthesize(" ".join([PARAGRAPH] * 12), "en-us+m3")
    assert wav_duration_ms(data) > 180_000


async def test_language_voices_in_shipped_data(engine: EspeakEngine) -> None:
    index = voice_index()
    available = {code: voice for code, voice in LANGUAGE_VOICES.items() if index.base(voice)}
    missing = sorted(set(LANGUAGE_VOICES) - set(available))
    print("\nespeak voices per language:", available, "missing:", missing)
    print("limited:", LANGUAGE_NOTES)
    # espeakng-loader 0.2.4 (espeak-ng 1.52) ships all of our 19 story languages.
    assert missing == []
    assert engine.voice_for_language("zh") == "cmn"
    assert engine.voice_for_language("pt") == "pt-br"
    assert engine.voice_for_language("pt-PT") == "pt-pt"
    assert engine.voice_for_language("xx") == "en-us"
    assert engine.voice_for_language("es", "f2") == "es+f2"
    assert engine.voice_for_language("es", "nosuch") == "es"


async def test_voice_for_language_es_fr_de_speaks(engine: EspeakEngine) -> None:
    lines = {"es": "Había una vez un dragón.", "fr": "Il était une fois un dragon.",
             "de": "Es war einmal ein Drache."}
    for code, line in lines.items():
        voice = engine.voice_for_language(code, "m3")
        assert voice == f"{code}+m3"
        assert wav_duration_ms(await engine.synthesize(line, voice)) > 800


async def test_cancel_and_close(engine: EspeakEngine) -> None:
    task = asyncio.create_task(engine.synthesize(" ".join([PARAGRAPH] * 40), "en-us"))
    await asyncio.sleep(0.01)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert wav_duration_ms(await engine.synthesize("Still here.", "en-us")) > 300
    await engine.close()
    await engine.close()  # idempotent
    with pytest.raises(RuntimeError):
        await engine.synthesize("Too late.", "en-us")


async def test_speed_many_times_real_time(engine: EspeakEngine) -> None:
    await engine.synthesize("Warm up.", "en-us+m3")  # library initialisation is not measured
    start = time.process_time()  # CPU time of this process, espeak's worker thread included: a busy machine
    clips = await asyncio.gather(*(engine.synthesize(PARAGRAPH, "en-us+m3") for _ in range(10)))
    cpu = time.process_time() - start  # (other processes hogging the cores) does not count
    audio = sum(wav_duration_ms(c) for c in clips) / 1000
    print(f"\nespeak: {audio:.1f} s audio in {cpu:.3f} s CPU = {audio / cpu:.0f}x real time")
    assert audio / cpu > 50
