"""Offline chapter pictures: a procedural scene drawn with Pillow, used when no image API is set.

`render_picture` paints, in order: a vertical gradient from the theme's background colour (tinted by
the chapter's light) with a soft central lift; the theme's motif (soft glows below, then crisp shapes
drawn at 2x and box-reduced for anti-aliasing, then glows above such as fog), facing the chapter's
way; the chapter's weather (`light.py`); a vignette. No text: the overlay shows the chapter's number
and title beside the picture. Everything random comes from one `random.Random` seeded with the theme
id, `seed` (the story's) and the chapter number, so equal inputs give equal bytes and every chapter of
a story gets its own picture.
"""

from __future__ import annotations

import io
import random
from collections.abc import Callable

from PIL import Image

from plugin.media.titlecard import motifs as night
from plugin.media.titlecard import scenery as day
from plugin.media.titlecard.draw import (
    BLACK,
    DEFAULT_PALETTE,
    RGB,
    WHITE,
    Scene,
    luminance,
    mix,
    parse_colour,
    radial_glow,
)
from plugin.media.titlecard.light import chapter_light
from plugin.themes import Theme

MIN_SIDE, MAX_SIDE = 64, 4096  # designed for 320x180 .. 1920x1920; outside this raises
MOTIFS: dict[str, Callable[[Scene], None]] = {
    "fantasy": night.fantasy, "cyberpunk": night.cyberpunk, "horror": night.horror,
    "scifi": night.scifi, "mystery": night.mystery, "fairytale": night.fairytale,
    "adventure": day.adventure, "romance": day.romance, "superhero": day.superhero,
    "postapocalyptic": day.postapocalyptic, "comedy": day.comedy, "western": day.western,
}  # fmt: skip


def render_picture(theme: Theme, chapter_number: int, size: tuple[int, int] = (1280, 720), seed: int = 0) -> bytes:
    """A PNG picture for a chapter: the theme's colours and motif under the chapter's own light."""
    w, h = int(size[0]), int(size[1])
    if not (MIN_SIDE <= w <= MAX_SIDE and MIN_SIDE <= h <= MAX_SIDE):
        raise ValueError(f"picture size {w}x{h} is outside {MIN_SIDE}..{MAX_SIDE} pixels")
    light, left = chapter_light(theme.id, seed, chapter_number)
    palette = light.grade(theme_palette(theme))
    rng = random.Random(f"picture|{theme.id}|{int(seed)}|{int(chapter_number)}")
    scene = Scene((w, h), palette, rng, 2 if w * h <= 2_100_000 else 1, left=left)
    MOTIFS.get(theme.id, day.generic)(scene)
    light.draw(scene)
    image = _backdrop(w, h, palette)
    image = scene.finish_glows(image, above=False)
    image = scene.render(image)
    image = scene.finish_glows(image, above=True)
    image = _vignette(image, palette[0])
    out = io.BytesIO()
    image.save(out, "PNG", compress_level=1)
    return out.getvalue()


def render_title_card(theme: Theme, title: str, chapter_number: int, subtitle: str = "",
                      size: tuple[int, int] = (1280, 720), seed: int = 0) -> bytes:  # fmt: skip
    """The chapter's picture (`render_picture`), for callers that pass a title: the title and subtitle are
    not drawn (the overlay shows the title beside the picture), so a chapter's picture is the same whatever
    its title."""
    return render_picture(theme, chapter_number, size, seed)


def theme_palette(theme: Theme) -> tuple[RGB, RGB, RGB]:
    """Background, accent and second accent; a light background is darkened so the lit shapes stand out."""
    colours = list(theme.palette) + [None] * 3
    bg, acc, acc2 = (parse_colour(colours[i], DEFAULT_PALETTE[i]) for i in range(3))
    for _ in range(10):
        if luminance(bg) <= 0.06:
            break
        bg = mix(bg, BLACK, 0.2)
    return bg, acc, acc2


def _backdrop(w: int, h: int, palette: tuple[RGB, RGB, RGB]) -> Image.Image:
    """A vertical gradient from a deepened background colour, lifted softly in the middle."""
    bg, _acc, acc2 = palette
    top, bottom = mix(bg, BLACK, 0.35), mix(bg, acc2, 0.1)
    ramp = Image.linear_gradient("L").resize((w, h), Image.Resampling.BILINEAR)
    image = Image.composite(Image.new("RGB", (w, h), bottom), Image.new("RGB", (w, h), top), ramp)
    lift = radial_glow().resize((max(1, round(w * 1.1)), max(1, round(h * 1.1))), Image.Resampling.BILINEAR)
    lift = lift.point([v * 150 // 255 for v in range(256)])
    mask = Image.new("L", (w, h), 0)
    mask.paste(lift, (round(-w * 0.05), round(-h * 0.08)))
    return Image.composite(Image.new("RGB", (w, h), mix(bg, WHITE, 0.07)), image, mask)


def _vignette(image: Image.Image, bg: RGB) -> Image.Image:
    """Darken the edges and corners."""
    w, h = image.size
    curve = [round(255 * 0.6 * max(0.0, (v / 255 - 0.45) / 0.55) ** 1.6) for v in range(256)]
    mask = Image.radial_gradient("L").point(curve).resize((w, h), Image.Resampling.BILINEAR)
    return Image.composite(Image.new("RGB", (w, h), mix(bg, BLACK, 0.85)), image, mask)
