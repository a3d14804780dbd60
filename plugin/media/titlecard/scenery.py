"""Picture motifs for the daylight and graphic themes, plus the generic one for anything else.

Adventure, romance, superhero, postapocalyptic, comedy and western; `generic` is a quiet art-deco
frame with soft light, used for custom themes and any theme id without a motif of its own.
"""

from __future__ import annotations

import math

from plugin.media.titlecard.draw import (
    BLACK,
    RGB,
    WHITE,
    Scene,
    alpha,
    blob_points,
    heart_points,
    mix,
    ridge_points,
    star_points,
)


def _compass(s: Scene, cx: float, cy: float, r: float, colour: RGB) -> None:
    """A compass rose: two rings, four long and four short points, and an N."""
    ink = alpha(colour, 0.55)
    s.circle(cx, cy, r, None, ink, max(1.0, 2 * s.u))
    s.circle(cx, cy, r * 0.86, None, alpha(colour, 0.3), max(1.0, s.u))
    for i in range(32):
        a = math.tau * i / 32
        inner = r * (0.9 if i % 4 else 0.8)
        s.line([(cx + inner * math.cos(a), cy + inner * math.sin(a)),
                (cx + r * 0.98 * math.cos(a), cy + r * 0.98 * math.sin(a))], ink, max(1.0, s.u))  # fmt: skip
    s.polygon(star_points(cx, cy, r * 0.62, r * 0.1, 4, math.pi / 4), alpha(colour, 0.3))
    s.polygon(star_points(cx, cy, r * 0.8, r * 0.13, 4, -math.pi / 2), alpha(colour, 0.6))
    s.circle(cx, cy, r * 0.06, alpha(mix(colour, WHITE, 0.4), 0.9))
    s.glyph(cx, cy - r * 1.2, "N", r * 0.32, alpha(colour, 0.7))


def adventure(s: Scene) -> None:
    """Layered mountain ranges under a low sun, birds and a compass rose."""
    left = s.left
    k = s.u * (1.0 if s.landscape else 1.2)
    s.glow(s.w * (0.68 if left else 0.32), s.h * 0.72, s.w * 0.55, s.h * 0.4, s.acc2, 0.4)
    s.glow(s.w * (0.68 if left else 0.32), s.h * 0.7, 90 * k, 90 * k, s.acc, 0.5)
    s.circle(s.w * (0.68 if left else 0.32), s.h * 0.72, 46 * k, alpha(mix(s.acc, WHITE, 0.3), 0.75))
    tones = (mix(s.bg, WHITE, 0.1), mix(s.bg, BLACK, 0.3), mix(s.bg, BLACK, 0.68))  # far to near
    for layer, lift in enumerate((0.36, 0.27, 0.17)):
        ridge = ridge_points(s.rng, s.w, s.h + 2, s.h * lift, 3 + layer, 0.2)
        s.polygon(ridge, alpha(tones[layer], 1))
        if layer == 0:  # snow caps on the far peaks, following the slopes
            for i in range(2, len(ridge) - 2):
                (lx, ly), (x, y), (rx, ry) = ridge[i - 1], ridge[i], ridge[i + 1]
                if y < ly and y < ry and y < s.h * (1 - lift * 0.7):
                    t = min(0.35, 26 * k / max(1.0, min(ly - y, ry - y)))
                    pl, pr = (x + (lx - x) * t, y + (ly - y) * t), (x + (rx - x) * t, y + (ry - y) * t)
                    dip = (x, y + min(pl[1] - y, pr[1] - y) * 0.7)
                    s.polygon([(x, y), pr, dip, pl], alpha(mix(s.acc, WHITE, 0.7), 0.5))
    _compass(s, s.w * (0.12 if left else 0.88), s.h * (0.2 if s.landscape else 0.14), 58 * k, s.acc)
    for _ in range(4):
        bx, by = s.w * (0.72 if left else 0.28) + s.r(-90, 90) * k, s.h * s.r(0.07, 0.17)
        span = s.r(8, 14) * k
        s.line([(bx - span, by - span * 0.45), (bx, by), (bx + span, by - span * 0.45)],
               alpha(mix(s.bg, BLACK, 0.5), 0.8), max(1.0, 2 * s.u))  # fmt: skip


def romance(s: Scene) -> None:
    """Soft bokeh lights and floating hearts around the edges."""
    near, far = (0.15, 0.85) if s.left else (0.85, 0.15)
    s.glow(s.w * near, s.h * 0.2, s.w * 0.45, s.h * 0.5, s.acc, 0.25)
    s.glow(s.w * far, s.h * 0.85, s.w * 0.45, s.h * 0.5, s.acc2, 0.22)
    for _ in range(30):
        x, y = s.scatter(0.9)
        r = s.u * s.r(10, 48)
        colour = s.rng.choice((s.acc, s.acc2, WHITE))
        s.circle(x, y, r, alpha(colour, s.r(0.05, 0.14)), alpha(colour, s.r(0.08, 0.2)), max(1.0, 1.5 * s.u))
    for i in range(9):
        x, y = s.scatter(1.1)
        size = s.u * s.r(22, 80)
        tilt = s.r(-0.35, 0.35)
        colour = mix(s.acc, s.acc2, s.r(0, 0.5))
        if i % 3 == 0:
            pts = heart_points(x, y, size, tilt)
            s.line([*pts, pts[0]], alpha(colour, 0.55), max(1.0, 2.5 * s.u))
        else:
            s.polygon(heart_points(x, y, size, tilt), alpha(colour, s.r(0.35, 0.7)))


def superhero(s: Scene) -> None:
    """A comic-book burst of rays from the middle and halftone dots in two corners."""
    cx, cy = s.w / 2, s.h * 0.48
    reach = math.hypot(s.w, s.h)
    rays = 28
    for i in range(0, rays, 2):
        a0, a1 = math.tau * i / rays, math.tau * (i + 1) / rays
        s.polygon([(cx, cy), (cx + reach * math.cos(a0), cy + reach * math.sin(a0)),
                   (cx + reach * math.cos(a1), cy + reach * math.sin(a1))], alpha(s.acc, 0.12))  # fmt: skip
    s.glow(cx, cy, s.w * 0.45, s.h * 0.45, s.acc2, 0.16)
    step = 16 * s.u
    corners = ((0.0, 0.0, s.acc2), (float(s.w), float(s.h), s.acc)) if s.left else (
        (float(s.w), 0.0, s.acc2), (0.0, float(s.h), s.acc))  # fmt: skip
    reach_dots = min(s.w, s.h) * 0.55
    for ox, oy, colour in corners:
        rows = int(reach_dots / step) + 1
        for row in range(rows):
            for col in range(rows):
                x = ox + (col * step + (row % 2) * step / 2) * (1 if ox == 0 else -1)
                y = oy + row * step * 0.87 * (1 if oy == 0 else -1)
                fade = 1 - math.hypot(x - ox, y - oy) / reach_dots
                if fade > 0.05:
                    s.circle(x, y, step * 0.45 * fade, alpha(colour, 0.6))
    for _ in range(14):  # tapered speed lines near the edges
        a = s.r(0, math.tau)
        r0, half = reach * s.r(0.4, 0.5), s.r(0.004, 0.008)
        tip = (cx + r0 * math.cos(a), cy + r0 * math.sin(a))
        ends = [(cx + reach * math.cos(a + d), cy + reach * math.sin(a + d)) for d in (-half, half)]
        s.polygon([tip, *ends], alpha(WHITE, 0.12))


def postapocalyptic(s: Scene) -> None:
    """A hazy sun over a broken skyline, a few stubborn green shoots and drifting dust."""
    sx, sy = s.w * (0.7 if s.left else 0.3), s.h * 0.3
    s.glow(sx, sy, s.w * 0.45, s.h * 0.45, s.acc, 0.35)
    s.circle(sx, sy, 56 * s.u, alpha(mix(s.acc, WHITE, 0.2), 0.45))
    _mast(s, s.w * (0.2 if sx > s.w / 2 else 0.8), s.h - 70 * s.u)
    for layer, shade in enumerate((0.3, 0.6)):
        x = -10.0
        colour = alpha(mix(mix(s.bg, s.acc, 0.16 - layer * 0.12), BLACK, shade), 1)
        while x < s.w + 10:
            bw = s.u * s.r(40, 110)
            centre = 1 - 0.5 * math.exp(-(((x - s.w / 2) / (s.w * 0.22)) ** 2))
            bh = s.u * s.r(70, 230) * centre * (0.75 if layer else 1.0) * (1.0 if s.landscape else 1.3)
            top = s.h - bh
            pts = [(x, s.h + 2), (x, top + s.r(0, 20) * s.u)]
            for j in range(1, 4):  # broken, jagged roof line
                pts.append((x + bw * j / 4, top + s.r(-6, 30) * s.u))
            pts += [(x + bw, top + s.r(10, 50) * s.u), (x + bw, s.h + 2)]
            s.polygon(pts, colour)
            if layer == 1:
                for _ in range(int(bh // (28 * s.u))):
                    if s.rng.random() < 0.5:
                        wx, wy = x + s.r(6, bw - 16 * s.u), s.h - s.r(12, bh - 30 * s.u)
                        s.rect(wx, wy, wx + 8 * s.u, wy + 11 * s.u, alpha(mix(s.bg, s.acc, 0.2), 0.9))
                if s.rng.random() < 0.5:
                    vx = x + bw * s.r(0.1, 0.9)
                    _shoot(s, vx, top + 30 * s.u, s.acc2)
            x += bw + s.r(2, 18) * s.u
    for _ in range(round(140 * min(2.0, s.w * s.h / 921600))):
        x, y = s.r(0, s.w), s.r(0, s.h)
        s.circle(x, y, s.u * s.r(0.6, 1.8), alpha(mix(s.acc, WHITE, 0.3), s.r(0.08, 0.35)))
    for i in range(3):
        s.glow(s.r(0, s.w), s.h * (0.7 + 0.1 * i), s.w * 0.6, s.h * 0.08, s.acc, 0.14, above=True)


def _mast(s: Scene, x: float, base: float) -> None:
    """A leaning, broken radio mast: two rails with cross braces."""
    k = s.u * (1.0 if s.landscape else 1.2)
    lean, tall = s.r(0.08, 0.2) * (1 if s.rng.random() < 0.5 else -1), 230 * k
    ink = alpha(mix(mix(s.bg, s.acc, 0.1), BLACK, 0.45), 1)

    def at(t: float, side: float) -> tuple[float, float]:
        """A point on the mast: t up its height, side -1 (left rail) to 1 (right rail)."""
        half = (1 - t * 0.7) * 16 * k * side
        return x + half + math.sin(lean) * tall * t, base - math.cos(lean) * tall * t

    s.line([at(0, -1), at(1, -1)], ink, 3 * k)
    s.line([at(0, 1), at(0.82, 1)], ink, 3 * k)
    for i in range(8):
        t0, t1 = i / 9, (i + 1) / 9
        s.line([at(t0, -1), at(t1, 1)], ink, 1.5 * k)
        s.line([at(t0, 1), at(t0, -1)], ink, 1.5 * k)


def _shoot(s: Scene, x: float, y: float, colour: RGB) -> None:
    """A little green vine climbing a ruin, with leaves."""
    pts = [(x + math.sin(i * 0.9) * 5 * s.u, y + i * 10 * s.u) for i in range(7)]
    s.line(pts, alpha(colour, 0.8), max(1.0, 1.6 * s.u))
    for i, (px, py) in enumerate(pts[1::2]):
        side = 1 if i % 2 else -1
        s.ellipse(px + side * 5 * s.u, py, 5 * s.u, 2.5 * s.u, alpha(colour, 0.85))


def comedy(s: Scene) -> None:
    """Big bright blobs in the corners and a burst of confetti around the edges."""
    pink = mix(s.acc, (255, 90, 150), 0.7)
    mint = mix(s.acc2, (80, 220, 160), 0.6)
    blobs = ((0.0, 0.0, s.acc), (1.0, 1.0, s.acc2), (1.0, 0.0, pink), (0.0, 1.0, mint))
    for fx, fy, colour in blobs:
        fx = fx if s.left else 1 - fx
        r = min(s.w, s.h) * s.r(0.22, 0.3)
        s.glow(s.w * fx, s.h * fy, r * 1.9, r * 1.9, colour, 0.22)
        s.polygon(blob_points(s.w * fx, s.h * fy, r, s.rng, 0.25), alpha(colour, 0.5))
        s.polygon(
            blob_points(s.w * fx, s.h * fy, r * 0.72, s.rng, 0.2), alpha(mix(colour, WHITE, 0.25), 0.35)
        )
    colours = (s.acc, s.acc2, pink, WHITE, mint)
    for i in range(round(80 * min(2.0, max(0.5, s.w * s.h / 921600)))):
        x, y = s.scatter(1.05)
        ink = alpha(s.rng.choice(colours), 0.9)
        a, ln, wd = s.r(0, math.pi), s.u * s.r(7, 15), s.u * s.r(3, 6)
        if i % 6 == 0:
            s.circle(x, y, wd * 0.8, ink)
        elif i % 9 == 0:
            s.polygon(star_points(x, y, wd * 1.8, wd * 0.8, 5, a), ink)
        else:  # a paper strip: a rotated rectangle
            dx, dy = math.cos(a) * ln, math.sin(a) * ln
            nx, ny = -math.sin(a) * wd, math.cos(a) * wd
            s.polygon([(x - dx + nx, y - dy + ny), (x + dx + nx, y + dy + ny), (x + dx - nx, y + dy - ny),
                       (x - dx - nx, y - dy - ny)], ink)  # fmt: skip


def _cactus(s: Scene, x: float, base: float, k: float, colour: RGB) -> None:
    """A saguaro cactus silhouette with two arms."""
    ink = alpha(colour, 1)
    w = 26 * k

    def limb(points: list[tuple[float, float]], width: float) -> None:
        """A thick stroke with rounded ends."""
        s.line(points, ink, width)
        for px, py in (points[0], points[-1]):
            s.circle(px, py, width / 2, ink)

    limb([(x, base + 10 * k), (x, base - 190 * k)], w)
    limb([(x - w / 2, base - 80 * k), (x - 48 * k, base - 80 * k), (x - 48 * k, base - 140 * k)], w * 0.7)
    limb([(x + w / 2, base - 110 * k), (x + 42 * k, base - 110 * k), (x + 42 * k, base - 160 * k)], w * 0.7)


def western(s: Scene) -> None:
    """A huge low desert sun, flat-topped mesas on the horizon and a saguaro cactus."""
    left = s.left
    k = s.u * (1.0 if s.landscape else 1.2)
    hz = s.h * (0.76 if s.landscape else 0.78)
    sx, sr = s.w * (0.72 if left else 0.28), 120 * k
    sky = mix(s.bg, s.acc2, 0.45)
    s.glow(s.w / 2, hz, s.w * 0.9, s.h * 0.45, s.acc2, 0.6)
    s.glow(sx, hz - 30 * k, 330 * k, 230 * k, s.acc, 0.5)
    s.circle(sx, hz, sr, alpha(mix(s.acc, WHITE, 0.2), 0.95))
    for i in range(5):  # retro horizontal cuts across the lower half of the sun
        y = hz - sr * 0.55 + i * sr * 0.13
        half = math.sqrt(max(0.0, sr * sr - (hz - y) ** 2)) + 2 * s.u
        s.rect(sx - half, y, sx + half, y + (2 + i * 1.6) * k, alpha(sky, 0.85))
    far, near = mix(mix(s.bg, s.acc2, 0.6), BLACK, 0.25), mix(s.bg, BLACK, 0.4)
    x = -40.0
    while x < s.w + 40:  # mesas, leaving the sun and the middle mostly open
        wd, ht = s.r(130, 260) * k, s.r(40, 90) * k
        clear = abs(x + wd / 2 - sx) > sr * 0.7 + wd * 0.5
        if clear:
            s.polygon([(x, hz + 2), (x + wd * 0.16, hz - ht), (x + wd * 0.3, hz - ht * 1.08),
                       (x + wd * 0.84, hz - ht), (x + wd, hz + 2)], alpha(far, 1))  # fmt: skip
            s.rect(
                x + wd * 0.16, hz - ht * 0.55, x + wd * 0.84, hz - ht * 0.5, alpha(mix(far, s.acc, 0.25), 0.8)
            )
        x += wd + s.r(20, 120) * k
    s.rect(0, hz, s.w, s.h, alpha(near, 1))
    s.rect(0, hz, s.w, hz + 2 * k, alpha(mix(s.acc, s.acc2, 0.4), 0.8))
    for i in range(5):  # ground streaks, denser near the horizon
        y = hz + (s.h - hz) * ((i + 1) / 6) ** 1.6
        x0 = s.r(0, s.w * 0.8)
        s.rect(x0, y, x0 + s.r(60, 220) * k, y + max(1.0, 1.5 * s.u), alpha(mix(near, s.acc2, 0.4), 0.4))
    _cactus(s, s.w * (0.09 if left else 0.91), s.h - 14 * k, k, mix(s.bg, BLACK, 0.72))
    _cactus(s, s.w * (0.19 if left else 0.81), hz + 30 * k, k * 0.38, mix(s.bg, BLACK, 0.6))


def generic(s: Scene) -> None:
    """An elegant default: soft light from two corners, a thin deco frame and a few sparkles."""
    near, far = (0.1, 0.9) if s.left else (0.9, 0.1)
    s.glow(s.w * near, s.h * 0.1, s.w * 0.55, s.h * 0.6, s.acc, 0.25)
    s.glow(s.w * far, s.h * 0.9, s.w * 0.55, s.h * 0.6, s.acc2, 0.22)
    for i in range(3):  # diagonal beams of light from the lit corner
        x, side = s.w * ((0.15 + i * 0.12) if s.left else (0.85 - i * 0.12)), 1 if s.left else -1
        s.polygon([(x, -5), (x + side * s.w * 0.06, -5), (x + side * s.w * 0.3, s.h + 5),
                   (x + side * s.w * 0.22, s.h + 5)], alpha(WHITE, 0.025))  # fmt: skip
    m = 26 * s.u
    frame = alpha(s.acc, 0.45)
    width = max(1.0, 1.5 * s.u)
    s.line([(m, m), (s.w - m, m), (s.w - m, s.h - m), (m, s.h - m), (m, m)], frame, width)
    n = 10 * s.u
    s.line([(m + n, m + n), (s.w - m - n, m + n), (s.w - m - n, s.h - m - n), (m + n, s.h - m - n),
            (m + n, m + n)], alpha(s.acc, 0.18), width)  # fmt: skip
    for cx, cy in ((m, m), (s.w - m, m), (m, s.h - m), (s.w - m, s.h - m)):
        d = 9 * s.u
        s.polygon([(cx, cy - d), (cx + d, cy), (cx, cy + d), (cx - d, cy)], alpha(s.acc, 0.85))
    for cx in (s.w / 2,):
        for cy, sign in ((m, 1), (s.h - m, -1)):
            s.arc(cx, cy, 60 * s.u, 30 * s.u, 0 if sign > 0 else 180, 180 if sign > 0 else 360, frame, width)
    for _ in range(18):
        x, y = s.scatter(1.1)
        s.sparkle(x, y, s.u * s.r(3, 9), alpha(s.rng.choice((WHITE, s.acc, s.acc2)), 0.6))
