"""Offline media benchmark: seconds of narration synthesised per second, and title-card render time.

Prints JSON. Run: python bench/media.py
"""

from __future__ import annotations

import asyncio
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from plugin.media.espeak.engine import EspeakEngine
from plugin.media.speech import wav_duration_ms
from plugin.media.titlecard.card import render_title_card
from plugin.paths import SETTINGS_DIR
from plugin.story.narration import sentences
from plugin.themes import load_themes

CHAPTER = (
    "Nobody in the village of Thistledown expected much of Rowan, a hedge-witch in training. Then the news "
    "arrived that changed everything: someone had to relight the Heartflame of the old kingdom. Rowan's oldest "
    "friend, Ollo, a young dragon no bigger than a goat, refused to be left behind. “We go together,” he said. "
    "The runes on a door flared blue, and a polite voice asked for the password. Ivy curled over every stone, as "
    "if the world itself was keeping a secret. And then Rowan heard a harp playing with no one touching it."
) * 3


async def narration(engine: EspeakEngine) -> dict[str, float]:
    """Synthesise a chapter line by line, as the server does, a few times; keep the best run."""
    lines = sentences(CHAPTER)
    best_wall, audio_ms = float("inf"), 0
    for _ in range(3):
        started = time.perf_counter()
        clips = [await engine.synthesize(line, "en-us+m3") for line in lines]
        best_wall = min(best_wall, time.perf_counter() - started)
        audio_ms = sum(wav_duration_ms(c) for c in clips)
    return {"lines": len(lines), "audio_s": round(audio_ms / 1000, 1), "wall_s": round(best_wall, 3),
            "audio_seconds_per_second": round(audio_ms / 1000 / best_wall, 1)}


def title_cards() -> dict[str, float]:
    """Median and worst render time of a 1280x720 card across the themes."""
    book = load_themes(SETTINGS_DIR / "themes.yaml")
    times = []
    for theme in book.themes.values():
        started = time.perf_counter()
        render_title_card(theme, "The Thorn of the Village", 3, size=(1280, 720), seed=7)
        times.append(time.perf_counter() - started)
    return {"cards": len(times), "median_s": round(statistics.median(times), 3), "worst_s": round(max(times), 3)}


async def main() -> None:
    """Run both and print one JSON object."""
    engine = EspeakEngine()
    try:
        speech = await narration(engine)
    finally:
        await engine.close()
    print(json.dumps({"benchmark": "media", "offline_narration": speech, "title_card_1280x720": title_cards()},
                     indent=2))


if __name__ == "__main__":
    asyncio.run(main())
