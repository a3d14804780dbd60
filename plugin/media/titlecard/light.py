"""The light and weather of one chapter's picture, so the chapters of a story do not all look alike.

A story's pictures share the theme's motif and colours; each chapter changes the hour and the weather
(dusk, night, mist, rain, embers: the sky is tinted and a layer drawn over the motif) and which way the
motif faces. Both follow the chapter number, so two chapters in a row always differ in both, and start
from a point seeded by the theme and the story's seed, so equal inputs give equal pictures.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass

from plugin.media.titlecard.draw import RGB, WHITE, Scene, alpha, mix


def _dusk(s: Scene) -> None:
    """A warm band of light low on the horizon."""
    s.glow(s.w * (0.3 if s.left else 0.7), s.h * 0.95, s.w * 0.8, s.h * 0.35, s.acc2, 0.4)


def _night(s: Scene) -> None:
    """Faint extra stars high in a deep sky."""
    for _ in range(round(60 * min(2.5, max(0.3, s.w * s.h / 921600)))):
        x, y = s.r(0, s.w), s.h * s.r(0, 0.45) ** 1.4
        s.circle(x, y, max(0.6, s.u * s.r(0.5, 1.4)), alpha(WHITE, s.r(0.2, 0.6)))


def _mist(s: Scene) -> None:
    """Pale bands of fog drifting over the lower half."""
    fog = mix(s.bg, WHITE, 0.45)
    for i in range(5):
        s.glow(s.r(0, s.w), s.h * (0.55 + i * 0.1), s.w * s.r(0.5, 0.8), s.h * 0.09, fog, 0.22, above=True)


def _rain(s: Scene) -> None:
    """Slanting streaks of rain over everything."""
    drop = alpha(mix(s.bg, WHITE, 0.6), 0.28)
    lean = 0.28 if s.left else -0.28
    width = max(1.0, 1.2 * s.u)
    for _ in range(round(220 * min(2.5, max(0.3, s.w * s.h / 921600)))):
        x, y, length = s.r(-0.1 * s.w, 1.1 * s.w), s.r(-0.05 * s.h, s.h), s.u * s.r(14, 34)
        s.line([(x, y), (x + lean * length, y + length)], drop, width)


def _embers(s: Scene) -> None:
    """Sparks in the accent colours rising from below, a few with a glow."""
    for i in range(round(70 * min(2.0, max(0.4, s.w * s.h / 921600)))):
        x, y = s.r(0, s.w), s.h * (1 - s.r(0, 1) ** 1.8)
        colour = mix(s.acc if i % 2 else s.acc2, WHITE, 0.2)
        r = s.u * s.r(1.2, 3.2)
        s.circle(x, y, r, alpha(colour, s.r(0.5, 0.95)))
        if i % 7 == 0:
            s.glow(x, y, r * 9, r * 9, colour, 0.3, above=True)
    drift = math.copysign(1, 0.5 - float(s.left))
    s.glow(s.w * (0.5 + 0.3 * drift), s.h * 1.05, s.w * 0.7, s.h * 0.3, s.acc, 0.3)


@dataclass(frozen=True, slots=True)
class Light:
    """An hour and its weather: the sky tinted toward `tint` by `amount`, and what `draw` adds."""

    name: str
    tint: RGB
    amount: float
    draw: Callable[[Scene], None]

    def grade(self, palette: tuple[RGB, RGB, RGB]) -> tuple[RGB, RGB, RGB]:
        """The palette under this light (the accents stay: they are the theme's)."""
        bg, acc, acc2 = palette
        return mix(bg, self.tint, self.amount), acc, acc2


LIGHTS = (
    Light("dusk", (120, 48, 40), 0.35, _dusk),
    Light("night", (4, 8, 40), 0.6, _night),
    Light("mist", (96, 108, 122), 0.3, _mist),
    Light("rain", (22, 36, 56), 0.55, _rain),
    Light("embers", (70, 24, 10), 0.4, _embers),
)


def chapter_light(theme_id: str, seed: int, chapter_number: int) -> tuple[Light, bool]:
    """The light of a chapter's picture and which way its motif faces (`left`): both change every chapter."""
    start = random.Random(f"light|{theme_id}|{int(seed)}")
    light, side = start.randrange(len(LIGHTS)), start.randrange(2)
    return LIGHTS[(light + chapter_number) % len(LIGHTS)], (side + chapter_number) % 2 == 0

