"""Offline chapter images: a procedural title card drawn with Pillow, used when no image API is set.

`render_title_card` paints, in order: a vertical gradient from the theme's background colour
with a soft central lift; the theme's motif (soft glows below, then crisp shapes drawn at 2x
and box-reduced for anti-aliasing, then glows above such as fog); a vignette; a dark soft
"scrim" behind the text block; and the text: a letter-spaced "CHAPTER N" label between two
accent rules, the title (up to three balanced lines, shrunk to fit) with an outline and a
blurred drop shadow, a small ornament and an optional subtitle. Everything random comes from
one `random.Random` seeded with the theme id and `seed`, so equal inputs give equal bytes.

Text uses Pillow's built-in scalable font only; see `titlecard_text` for what happens to
characters it has no glyph for (accents are folded, emoji dropped, other scripts -> tofu, and a
title that would be mostly tofu is replaced by the theme's name).
"""

from __future__ import annotations

import io
import random
from collections.abc import Callable
from dataclasses import dataclass, replace

from PIL import Image, ImageDraw, ImageFilter

from plugin.media.titlecard import motifs as night
from plugin.media.titlecard import scenery as day
from plugin.media.titlecard.draw import (
    BLACK,
    DEFAULT_PALETTE,
    RGB,
    WHITE,
    Scene,
    font,
    luminance,
    mix,
    parse_colour,
    radial_glow,
    readable,
)
from plugin.media.titlecard.text import Fitted, clean, fit
from plugin.themes import Theme

MIN_SIDE, MAX_SIDE = 64, 4096  # designed for 320x180 .. 1920x1920; outside this raises
TOFU_LIMIT = 0.5  # more glyph-less letters than this: the title shows the theme name, a subtitle is left out
MOTIFS: dict[str, Callable[[Scene], None]] = {
    "fantasy": night.fantasy, "cyberpunk": night.cyberpunk, "horror": night.horror,
    "scifi": night.scifi, "mystery": night.mystery, "fairytale": night.fairytale,
    "adventure": day.adventure, "romance": day.romance, "superhero": day.superhero,
    "postapocalyptic": day.postapocalyptic, "comedy": day.comedy, "western": day.western,
}  # fmt: skip


def render_title_card(theme: Theme, title: str, chapter_number: int, subtitle: str = "",
                      size: tuple[int, int] = (1280, 720), seed: int = 0) -> bytes:  # fmt: skip
    """A PNG title card for a chapter: the theme's colours and motif, 'Chapter N' and the title."""
    w, h = int(size[0]), int(size[1])
    if not (MIN_SIDE <= w <= MAX_SIDE and MIN_SIDE <= h <= MAX_SIDE):
        raise ValueError(f"title card size {w}x{h} is outside {MIN_SIDE}..{MAX_SIDE} pixels")
    palette = theme_palette(theme)
    rng = random.Random(f"titlecard|{theme.id}|{int(seed)}")
    scene = Scene((w, h), palette, rng, 2 if w * h <= 2_100_000 else 1)
    MOTIFS.get(theme.id, day.generic)(scene)
    image = _backdrop(w, h, palette)
    image = scene.finish_glows(image, above=False)
    image = scene.render(image)
    image = scene.finish_glows(image, above=True)
    image = _vignette(image, palette[0])
    sub, sub_tofu = clean(subtitle)
    image = _text(
        image, palette, _title_text(theme, title), chapter_number, sub if sub_tofu <= TOFU_LIMIT else ""
    )
    out = io.BytesIO()
    image.save(out, "PNG", compress_level=1)
    return out.getvalue()


def theme_palette(theme: Theme) -> tuple[RGB, RGB, RGB]:
    """Background, accent and second accent; a light background is darkened so text stays readable."""
    colours = list(theme.palette) + [None] * 3
    bg, acc, acc2 = (parse_colour(colours[i], DEFAULT_PALETTE[i]) for i in range(3))
    for _ in range(10):
        if luminance(bg) <= 0.06:
            break
        bg = mix(bg, BLACK, 0.2)
    return bg, acc, acc2


def _title_text(theme: Theme, title: str) -> str:
    """The title as the font can draw it, or the theme's name when it would be mostly tofu."""
    text, tofu = clean(title)
    if text and tofu <= TOFU_LIMIT:
        return text
    name, name_tofu = clean(theme.name)
    return name if name and name_tofu <= TOFU_LIMIT else ""


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


@dataclass(frozen=True, slots=True)
class _Line:
    """One line of text to draw: baseline centre, size and style."""

    text: str
    x: float
    y: float
    size: int
    role: str  # "label", "title" or "subtitle"


def _layout(
    w: int, h: int, title: str, chapter: int, subtitle: str
) -> tuple[list[_Line], tuple[float, float]]:
    """Lines of the text block centred on the card, and the block's top and bottom."""
    m = min(w, h)
    landscape = w >= h
    max_w = w * (0.78 if landscape else 0.86)
    label_size = max(9, round(m * 0.036))
    label = f"CHAPTER {chapter}"
    while label_size > 7 and _tracked_width(label, label_size) > max_w:
        label_size -= 1
    largest = max(14, round(min(m * 0.128, w * 0.12)))
    titled = fit(title, max_w, h * (0.42 if landscape else 0.34), largest, max(11, round(m * 0.048)), 3, 1.1)
    sub = Fitted((), 0)
    if subtitle:
        sub = fit(subtitle, max_w * 0.9, h * 0.14, max(9, round(m * 0.044)), max(8, round(m * 0.03)), 2, 1.25)
    # stack baselines: cap height ~0.72 em, descender ~0.22 em
    parts: list[tuple[str, int, str, float, float]] = [(label, label_size, "label", 0.72, 0.0)]
    for i, line in enumerate(titled.lines):
        gap = label_size * 1.15 if i == 0 else titled.size * 0.38
        parts.append((line, titled.size, "title", 0.72, gap))
    ornament = max(label_size * 1.6, titled.size * 0.5) if (titled.lines or sub.lines) else 0.0
    for i, line in enumerate(sub.lines):
        gap = titled.size * 0.22 + ornament if i == 0 else sub.size * 0.5
        parts.append((line, sub.size, "subtitle", 0.72, gap))
    tail = parts[-1][1] * 0.22 + (ornament * 0.9 if titled.lines and not sub.lines else 0.0)
    total = sum(size * cap + gap for _t, size, _r, cap, gap in parts) + tail
    y = h * (0.47 if landscape else 0.46) - total / 2
    top = y
    lines: list[_Line] = []
    for text, size, role, cap, gap in parts:
        y += gap + size * cap
        lines.append(_Line(text, w / 2, y, size, role))
    return lines, (top, y + tail)


def _tracked_width(text: str, size: int) -> float:
    """Width of letter-spaced text."""
    face = font(size)
    return sum(face.getlength(ch) for ch in text) + size * 0.3 * (len(text) - 1)


def _text(
    image: Image.Image, palette: tuple[RGB, RGB, RGB], title: str, chapter: int, subtitle: str
) -> Image.Image:
    """Scrim, shadow, label, title, ornament and subtitle."""
    bg, acc, acc2 = palette
    w, h = image.size
    m = min(w, h)
    lines, (top, bottom) = _layout(w, h, title, chapter, subtitle)
    widest = max(_tracked_width(ln.text, ln.size) if ln.role == "label" else font(ln.size).getlength(ln.text)
                 for ln in lines)  # fmt: skip
    # scrim: a soft dark ellipse behind the whole block
    sw, sh = max(1, round(widest * 1.35 + m * 0.12)), max(1, round((bottom - top) * 1.6 + m * 0.12))
    scrim = (
        radial_glow().resize((sw, sh), Image.Resampling.BILINEAR).point([v * 135 // 255 for v in range(256)])
    )
    image.paste(mix(bg, BLACK, 0.75), (round(w / 2 - sw / 2), round((top + bottom) / 2 - sh / 2)), scrim)

    outline = mix(bg, BLACK, 0.82)
    colours = {"label": readable(acc, mix(bg, BLACK, 0.5), 5.5), "title": mix(WHITE, acc, 0.07),
               "subtitle": readable(mix(acc2, WHITE, 0.45), mix(bg, BLACK, 0.5), 7.0)}  # fmt: skip
    strokes = {ln: _strokes(ln) for ln in lines}
    # drop shadow: the text (with its outline) blurred and offset down, drawn in the block's box only
    pad = round(m * 0.07)
    x0, y0 = max(0, round(w / 2 - widest / 2) - pad), max(0, round(top) - pad)
    box = (max(1, min(w, round(w / 2 + widest / 2) + pad) - x0), max(1, min(h, round(bottom) + pad) - y0))
    shadow = Image.new("L", box, 0)
    sd = ImageDraw.Draw(shadow)
    for ln in lines:
        bold, edge = strokes[ln]
        moved = replace(ln, x=ln.x - x0, y=ln.y - y0)
        _draw_line(sd, moved, 255, bold + edge + max(1, round(ln.size * 0.02)), 255)
    shadow = shadow.filter(ImageFilter.GaussianBlur(max(1.0, m * 0.011)))
    image.paste(
        mix(bg, BLACK, 0.9), (x0, y0 + round(m * 0.008)), shadow.point([v * 185 // 255 for v in range(256)])
    )

    draw = ImageDraw.Draw(image)
    for ln in lines:
        bold, edge = strokes[ln]
        if edge:
            _draw_line(draw, ln, outline, bold + edge, outline)
        _draw_line(draw, ln, colours[ln.role], bold, colours[ln.role])
    label = lines[0]
    _rules(draw, label, _tracked_width(label.text, label.size), acc, m, w * 0.9)
    if len(lines) > 1:
        after = next((i for i, ln in enumerate(lines) if ln.role == "subtitle"), len(lines))
        last_title = lines[after - 1]
        if last_title.role == "title":
            y = last_title.y + last_title.size * 0.22 + max(label.size * 0.8, last_title.size * 0.25)
            _ornament(draw, w / 2, y, max(3.0, label.size * 0.26), acc, outline, m)
    return image


def _strokes(line: _Line) -> tuple[int, int]:
    """Faux-bold stroke and dark outline width (pixels) for a line."""
    if line.role == "title":
        return max(0, round(line.size * 0.016)), max(1, round(line.size * 0.028))
    return 0, max(1, round(line.size * 0.06))


def _draw_line(
    draw: ImageDraw.ImageDraw, line: _Line, fill: RGB | int, stroke: int, stroke_fill: RGB | int
) -> None:
    """One line centred on its baseline; the label is drawn letter-spaced."""
    face = font(line.size)
    if line.role != "label":
        draw.text((line.x, line.y), line.text, font=face, fill=fill, anchor="ms",
                  stroke_width=stroke, stroke_fill=stroke_fill)  # fmt: skip
        return
    x = line.x - _tracked_width(line.text, line.size) / 2
    for ch in line.text:
        draw.text(
            (x, line.y), ch, font=face, fill=fill, anchor="ls", stroke_width=stroke, stroke_fill=stroke_fill
        )
        x += face.getlength(ch) + line.size * 0.3


def _rules(draw: ImageDraw.ImageDraw, label: _Line, width: float, colour: RGB, m: int, room: float) -> None:
    """Thin accent rules with diamond tips on both sides of the chapter label."""
    gap, length = label.size * 0.9, max(m * 0.07, label.size * 1.5)
    if width + 2 * (gap + length) > room:
        length = (room - width) / 2 - gap
    if length < label.size:
        return
    y = round(label.y - label.size * 0.36)
    thick = max(1, round(m * 0.0025))
    d = max(2, round(label.size * 0.18))
    for side in (-1, 1):
        inner = label.x + side * (width / 2 + gap)
        outer = inner + side * length
        draw.line([(inner, y), (outer, y)], fill=colour, width=thick)
        draw.polygon(
            [(outer, y - d), (outer + side * d, y), (outer, y + d), (outer - side * d, y)], fill=colour
        )


def _ornament(
    draw: ImageDraw.ImageDraw, x: float, y: float, d: float, colour: RGB, edge: RGB, m: int
) -> None:
    """A small diamond between two short rules, under the title."""
    thick = max(1, round(m * 0.0025))
    length = m * 0.06
    for side in (-1, 1):
        draw.line([(x + side * d * 2.2, y), (x + side * (d * 2.2 + length), y)], fill=colour, width=thick)
    draw.polygon([(x, y - d), (x + d, y), (x, y + d), (x - d, y)], fill=colour, outline=edge)
