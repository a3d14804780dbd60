"""Drawing kit for offline chapter pictures: colours, a seeded scene and anti-aliased shapes.

A motif draws on a `Scene` in output pixel coordinates. Crisp shapes go onto a supersampled
copy of the background (blended, then box-reduced: cheap anti-aliasing); soft light goes into
low-resolution glow masks, one per colour, that are smoothed, scaled up and blended in by the
caller either below the crisp shapes or above them (fog over silhouettes).
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Iterable, Sequence
from functools import lru_cache

from PIL import Image, ImageChops, ImageColor, ImageDraw, ImageFont

RGB = tuple[int, int, int]
RGBA = tuple[int, int, int, int]
Point = tuple[float, float]
Op = Callable[[Image.Image, ImageDraw.ImageDraw], None]

BLACK: RGB = (0, 0, 0)
WHITE: RGB = (255, 255, 255)
DEFAULT_PALETTE: tuple[RGB, RGB, RGB] = ((29, 27, 47), (244, 211, 94), (238, 150, 75))
GLOW_SCALE = 0.25  # glow masks are drawn at a quarter of the output size


def parse_colour(value: object, fallback: RGB) -> RGB:
    """A '#rrggbb' (or any Pillow colour name) as RGB; anything unreadable gives the fallback."""
    try:
        parsed = ImageColor.getrgb(str(value).strip())
    except (ValueError, AttributeError):
        return fallback
    return (int(parsed[0]), int(parsed[1]), int(parsed[2]))


def mix(a: RGB, b: RGB, t: float) -> RGB:
    """Linear blend from a (t=0) to b (t=1)."""
    t = min(1.0, max(0.0, t))
    return (round(a[0] + (b[0] - a[0]) * t), round(a[1] + (b[1] - a[1]) * t),
            round(a[2] + (b[2] - a[2]) * t))  # fmt: skip


def alpha(colour: RGB, opacity: float) -> RGBA:
    """The colour with an opacity from 0 to 1."""
    return (colour[0], colour[1], colour[2], round(255 * min(1.0, max(0.0, opacity))))


def luminance(colour: RGB) -> float:
    """WCAG relative luminance, 0 (black) to 1 (white)."""

    def channel(v: int) -> float:
        """One linearised sRGB channel."""
        c = v / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    return 0.2126 * channel(colour[0]) + 0.7152 * channel(colour[1]) + 0.0722 * channel(colour[2])


def contrast(a: RGB, b: RGB) -> float:
    """WCAG contrast ratio between two colours (1 to 21)."""
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def readable(colour: RGB, against: RGB, ratio: float = 4.5) -> RGB:
    """The colour, lightened just enough to reach the contrast ratio against a dark colour."""
    for step in range(11):
        candidate = mix(colour, WHITE, step / 10)
        if contrast(candidate, against) >= ratio:
            return candidate
    return WHITE


@lru_cache(maxsize=64)
def font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """Pillow's built-in scalable font (Aileron Regular, a Latin-only subset) at a pixel size."""
    return ImageFont.load_default(size=max(1, int(size)))


@lru_cache(maxsize=1)
def radial_glow() -> Image.Image:
    """A 256x256 'L' glow: 255 in the centre falling smoothly to 0 at the rim."""
    ramp = bytes(round(255 * (1 - min(1.0, v / 181)) ** 2.2) for v in range(256))  # 181: rim
    return Image.radial_gradient("L").point(list(ramp))


class Scene:
    """What a motif draws with: size, palette, a seeded random source and the layers."""

    def __init__(self, size: tuple[int, int], palette: tuple[RGB, RGB, RGB], rng: random.Random,
                 supersample: int, left: bool = True) -> None:  # fmt: skip
        """An empty scene of an output size; shapes are recorded and drawn by `render`. `left`: which way the
        motif faces (its moon, sun or landmark changes sides), so chapters can alternate."""
        self.w, self.h = size
        self.u = min(self.w, self.h) / 720  # one "unit": a pixel on a 1280x720 card
        self.bg, self.acc, self.acc2 = palette
        self.rng = rng
        self.ss = supersample
        self.ops: list[Op] = []
        gw, gh = max(1, round(self.w * GLOW_SCALE)), max(1, round(self.h * GLOW_SCALE))
        self.glow_size = (gw, gh)
        self.glows: dict[tuple[RGB, bool], Image.Image] = {}
        self.dark = mix(self.bg, BLACK, 0.62)  # silhouettes
        self.landscape = self.w >= self.h
        self.left = left

    def render(self, base: Image.Image) -> Image.Image:
        """The recorded shapes drawn over a background, anti-aliased by supersampling."""
        if not self.ops:
            return base
        canvas = base.resize((self.w * self.ss, self.h * self.ss), Image.Resampling.NEAREST)
        draw = ImageDraw.Draw(canvas, "RGBA")
        for op in self.ops:
            op(canvas, draw)
        return canvas.reduce(self.ss) if self.ss > 1 else canvas

    def in_middle(self, x: float, y: float, margin: float = 1.0) -> bool:
        """Whether a point falls in the quiet (elliptical) middle, left mostly to the sky."""
        rx, ry = self.w * 0.40 * margin, self.h * (0.26 if self.landscape else 0.22) * margin
        return ((x - self.w / 2) / rx) ** 2 + ((y - self.h * 0.48) / ry) ** 2 < 1

    def scatter(self, margin: float = 1.0, tries: int = 12) -> Point:
        """A seeded random point, kept out of the quiet middle when possible."""
        x, y = self.r(0, self.w), self.r(0, self.h)
        for _ in range(tries):
            if not self.in_middle(x, y, margin):
                break
            x, y = self.r(0, self.w), self.r(0, self.h)
        return x, y

    # --- helpers -------------------------------------------------------------------------

    def r(self, lo: float, hi: float) -> float:
        """A seeded uniform number."""
        return self.rng.uniform(lo, hi)

    def _s(self, v: float) -> int:
        """An output coordinate on the supersampled canvas."""
        return round(v * self.ss)

    def _pts(self, points: Iterable[Point]) -> list[tuple[int, int]]:
        """Output points on the supersampled canvas."""
        return [(self._s(x), self._s(y)) for x, y in points]

    # --- crisp shapes --------------------------------------------------------------------

    def circle(self, cx: float, cy: float, r: float, fill: RGBA | None = None,
               outline: RGBA | None = None, width: float = 0) -> None:  # fmt: skip
        """A circle (filled and/or outlined)."""
        self.ellipse(cx, cy, r, r, fill, outline, width)

    def ellipse(self, cx: float, cy: float, rx: float, ry: float, fill: RGBA | None = None,
                outline: RGBA | None = None, width: float = 0) -> None:  # fmt: skip
        """An axis-aligned ellipse (filled and/or outlined)."""
        rx, ry = max(rx, 0.5 / self.ss), max(ry, 0.5 / self.ss)
        box = (self._s(cx - rx), self._s(cy - ry), self._s(cx + rx), self._s(cy + ry))
        line = max(1, self._s(width)) if outline else 0
        self.ops.append(lambda _c, d: d.ellipse(box, fill=fill, outline=outline, width=line))

    def polygon(self, points: Sequence[Point], fill: RGBA) -> None:
        """A filled polygon."""
        if len(points) >= 3:
            pts = self._pts(points)
            self.ops.append(lambda _c, d: d.polygon(pts, fill=fill))

    def line(self, points: Sequence[Point], fill: RGBA, width: float) -> None:
        """A polyline with rounded joints."""
        if len(points) >= 2:
            pts, px = self._pts(points), max(1, self._s(width))
            self.ops.append(lambda _c, d: d.line(pts, fill=fill, width=px, joint="curve"))

    def rect(self, x0: float, y0: float, x1: float, y1: float, fill: RGBA) -> None:
        """A filled axis-aligned rectangle."""
        box = (self._s(x0), self._s(y0), self._s(x1) - 1, self._s(y1) - 1)
        if box[2] >= box[0] and box[3] >= box[1]:
            self.ops.append(lambda _c, d: d.rectangle(box, fill=fill))

    def arc(self, cx: float, cy: float, rx: float, ry: float, start: float, end: float,
            fill: RGBA, width: float) -> None:  # fmt: skip
        """An elliptical arc between two angles in degrees (clockwise from 3 o'clock)."""
        box = (self._s(cx - rx), self._s(cy - ry), self._s(cx + rx), self._s(cy + ry))
        px = max(1, self._s(width))
        self.ops.append(lambda _c, d: d.arc(box, start, end, fill=fill, width=px))

    def glyph(self, cx: float, cy: float, text: str, size: float, fill: RGBA) -> None:
        """Text from the built-in font, centred on a point (used for decorative marks)."""
        face = font(self._s(size))
        left, top, right, bottom = face.getbbox(text, anchor="mm")
        mask = Image.new("L", (max(1, int(right - left) + 2), max(1, int(bottom - top) + 2)), 0)
        ImageDraw.Draw(mask).text((1 - left, 1 - top), text, font=face, fill=fill[3], anchor="mm")
        at = (self._s(cx) + int(left) - 1, self._s(cy) + int(top) - 1)
        self.ops.append(lambda c, _d: c.paste(fill[:3], at, mask))  # text ink ignores alpha: use a mask

    def crescent(self, cx: float, cy: float, r: float, dx: float, dy: float, fill: RGB,
                 opacity: float = 1.0) -> None:  # fmt: skip
        """A crescent: the disc at (cx, cy) minus the same disc shifted by (dx, dy)."""
        side = self._s(2 * r) + 2
        mask = Image.new("L", (side, side), 0)
        draw = ImageDraw.Draw(mask)
        draw.ellipse((1, 1, side - 2, side - 2), fill=round(255 * opacity))
        ox, oy = self._s(dx), self._s(dy)
        draw.ellipse((1 + ox, 1 + oy, side - 2 + ox, side - 2 + oy), fill=0)
        at = (self._s(cx - r) - 1, self._s(cy - r) - 1)
        self.ops.append(lambda c, _d: c.paste(fill, at, mask))

    def sparkle(self, cx: float, cy: float, r: float, fill: RGBA) -> None:
        """A four-pointed twinkle star."""
        self.polygon(star_points(cx, cy, r, r * 0.22, 4, -math.pi / 2), fill)

    # --- soft light ----------------------------------------------------------------------

    def glow(self, cx: float, cy: float, rx: float, ry: float, colour: RGB, strength: float,
             above: bool = False) -> None:  # fmt: skip
        """A soft elliptical light in a colour (strength 0-1); above=True goes over the shapes."""
        key = (colour, above)
        mask = self.glows.get(key)
        if mask is None:
            mask = self.glows[key] = Image.new("L", self.glow_size, 0)
        gw, gh = max(1, round(2 * rx * GLOW_SCALE)), max(1, round(2 * ry * GLOW_SCALE))
        spot = radial_glow().resize((gw, gh), Image.Resampling.BILINEAR)
        if strength < 1:
            level = max(0, min(255, round(255 * strength)))
            spot = spot.point([v * level // 255 for v in range(256)])
        x0, y0 = round((cx - rx) * GLOW_SCALE), round((cy - ry) * GLOW_SCALE)
        region = (x0, y0, x0 + gw, y0 + gh)
        mask.paste(ImageChops.lighter(mask.crop(region), spot), region)

    def finish_glows(self, image: Image.Image, above: bool) -> Image.Image:
        """Blend the glow masks of one pass into an output-size image."""
        for (colour, is_above), mask in self.glows.items():
            if is_above == above:
                full = mask.resize(image.size, Image.Resampling.BILINEAR)
                image = Image.composite(Image.new("RGB", image.size, colour), image, full)
        return image


# --- shape point lists -------------------------------------------------------------------------


def star_points(cx: float, cy: float, outer: float, inner: float, points: int,
                turn: float = 0.0) -> list[Point]:  # fmt: skip
    """A star polygon with the given number of points."""
    out: list[Point] = []
    for i in range(points * 2):
        rad = outer if i % 2 == 0 else inner
        a = turn + math.pi * i / points
        out.append((cx + rad * math.cos(a), cy + rad * math.sin(a)))
    return out


def heart_points(cx: float, cy: float, size: float, tilt: float = 0.0) -> list[Point]:
    """The classic parametric heart, about `size` wide, centred on a point."""
    out: list[Point] = []
    k = size / 34
    ct, st = math.cos(tilt), math.sin(tilt)
    for i in range(48):
        t = 2 * math.pi * i / 48
        x = 16 * math.sin(t) ** 3
        y = -(13 * math.cos(t) - 5 * math.cos(2 * t) - 2 * math.cos(3 * t) - math.cos(4 * t)) - 1
        out.append((cx + k * (x * ct - y * st), cy + k * (x * st + y * ct)))
    return out


def blob_points(cx: float, cy: float, r: float, rng: random.Random, wobble: float = 0.18) -> list[Point]:
    """An organic rounded blob: a circle with a few smooth seeded bulges."""
    waves = [(rng.randint(2, 4), rng.uniform(0, math.tau), rng.uniform(0.3, 1.0)) for _ in range(3)]
    out: list[Point] = []
    for i in range(64):
        a = math.tau * i / 64
        bump = sum(amp * math.sin(n * a + phase) for n, phase, amp in waves) / 3
        rad = r * (1 + wobble * bump)
        out.append((cx + rad * math.cos(a), cy + rad * math.sin(a)))
    return out


def ridge_points(rng: random.Random, w: float, base: float, height: float, peaks: int,
                 jagged: float = 0.25) -> list[Point]:  # fmt: skip
    """A mountain ridge polygon across the width, closed along the bottom edge `base`."""
    out: list[Point] = [(-10, base)]
    step = (w + 20) / (peaks * 2)
    x = -10.0
    for i in range(peaks * 2 + 1):
        up = i % 2 == 1
        y = base - height * (rng.uniform(0.6, 1.0) if up else rng.uniform(0.15, 0.45))
        out.append((x, y))
        if up and jagged:
            out.append((x + step * 0.3, y + height * jagged * rng.uniform(0.2, 0.6)))
        x += step * rng.uniform(0.8, 1.2)
    out.append((w + 10, base - height * 0.3))
    out.append((w + 10, base))
    return out
