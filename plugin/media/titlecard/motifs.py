"""Picture motifs for the night-sky themes: fantasy, cyberpunk, horror, scifi, mystery, fairytale.

Each motif draws a few large, quiet shapes at the edges of the picture and leaves the middle
mostly to the sky; `scene.left` says which way it faces. Sizes are in units of `scene.u` (one pixel on
a 1280x720 card) so the picture scales with the card; positions follow the card's shape.
"""

from __future__ import annotations

import math

from plugin.media.titlecard.draw import (
    BLACK,
    RGB,
    WHITE,
    Point,
    Scene,
    alpha,
    mix,
    ridge_points,
)


def starfield(s: Scene, count: int, colours: tuple[RGB, ...], biggest: float = 2.2,
              twinkles: int = 4) -> None:  # fmt: skip
    """Small stars scattered over the card, denser towards the top, a few with a twinkle."""
    n = round(count * min(2.5, max(0.3, s.w * s.h / 921600)))
    for i in range(n):
        x, y = s.r(0, s.w), s.h * s.r(0, 1) ** 1.6
        r = s.u * s.r(0.5, biggest) * (0.6 if s.in_middle(x, y) else 1.0)
        colour = colours[i % len(colours)]
        s.circle(x, y, max(r, 0.6), alpha(colour, s.r(0.25, 0.85)))
    for _ in range(twinkles):
        x, y = s.scatter(1.15)
        s.sparkle(x, y, s.u * s.r(7, 13), alpha(mix(colours[0], WHITE, 0.5), 0.8))


def _towers(s: Scene, cx: float, base: float, k: float, colour: RGB, window: RGB) -> None:
    """A small castle silhouette: a keep, two round towers with pointed roofs, lit windows."""
    ink = alpha(colour, 1)
    s.rect(cx - 70 * k, base - 95 * k, cx + 70 * k, base + 4, ink)
    for i in range(7):  # battlements
        x = cx - 70 * k + i * 21.7 * k
        s.rect(x, base - 108 * k, x + 12 * k, base - 94 * k, ink)
    for side, tall in ((-1, 185), (1, 150)):
        tx = cx + side * 70 * k
        s.rect(tx - 22 * k, base - tall * k, tx + 22 * k, base + 4, ink)
        s.polygon([(tx - 29 * k, base - tall * k), (tx + 29 * k, base - tall * k),
                   (tx, base - (tall + 70) * k)], ink)  # fmt: skip
        s.line([(tx, base - (tall + 70) * k), (tx, base - (tall + 88) * k)], ink, 2 * k)
        s.polygon([(tx, base - (tall + 88) * k), (tx + 20 * k * side, base - (tall + 82) * k),
                   (tx, base - (tall + 76) * k)], ink)  # fmt: skip
        s.rect(tx - 4 * k, base - (tall - 30) * k, tx + 4 * k, base - (tall - 48) * k, alpha(window, 0.9))
    s.ellipse(cx, base - 30 * k, 18 * k, 30 * k, alpha(mix(colour, BLACK, 0.4), 1))
    for wx in (-40, 40):
        s.rect(cx + wx * k - 4 * k, base - 70 * k, cx + wx * k + 4 * k, base - 56 * k, alpha(window, 0.85))


def fantasy(s: Scene) -> None:
    """Stars, a glowing crescent moon and a castle on a hill."""
    left = s.left
    mx, my, r = s.w * (0.14 if left else 0.86), s.h * 0.2, 48 * s.u
    s.glow(s.w / 2, s.h * 1.05, s.w * 0.7, s.h * 0.45, s.acc2, 0.45)
    s.glow(mx, my, r * 5, r * 5, s.acc, 0.35)
    starfield(s, 110, (WHITE, mix(s.acc, WHITE, 0.4)))
    s.crescent(mx, my, r, r * 0.42 * (1 if left else -1), -r * 0.22, mix(s.acc, WHITE, 0.55))
    far = ridge_points(s.rng, s.w, s.h + 2, s.h * 0.2, 3, 0)
    s.polygon(far, alpha(mix(s.bg, s.acc2, 0.3), 1))
    cx = s.w * (0.84 if left else 0.16)
    k = s.u * (1.0 if s.landscape else 1.15)
    hill = s.h - 36 * k
    s.ellipse(cx, s.h + 40 * k, 260 * k, 110 * k, alpha(s.dark, 1))
    _towers(s, cx, hill, k, s.dark, mix(s.acc, WHITE, 0.2))
    s.ellipse(s.w - cx, s.h + 60 * k, s.w * 0.5, 95 * k, alpha(mix(s.dark, s.bg, 0.3), 1))


def cyberpunk(s: Scene) -> None:
    """A neon perspective grid under a glowing horizon, a striped sun setting behind a skyline, circuit traces."""
    hz = s.h * (0.7 if s.landscape else 0.74)
    s.glow(s.w / 2, hz, s.w * 0.75, s.h * 0.16, s.acc, 0.7)
    s.glow(s.w / 2, hz - s.h * 0.1, s.w * 0.5, s.h * 0.3, s.acc2, 0.18)
    sx, sr = s.w * (0.3 if s.left else 0.7), 110 * s.u * (1.0 if s.landscape else 1.2)
    s.glow(sx, hz - sr * 0.4, sr * 2.4, sr * 1.8, s.acc2, 0.35)
    s.circle(sx, hz, sr, alpha(mix(s.acc2, s.acc, 0.35), 0.9))
    for i in range(6):  # the synthwave cuts across the sun's lower half
        y = hz - sr * 0.7 + i * sr * 0.12
        half = math.sqrt(max(0.0, sr * sr - (hz - y) ** 2)) + 2 * s.u
        s.rect(sx - half, y, sx + half, y + (2 + i * 1.5) * s.u, alpha(mix(s.bg, BLACK, 0.2), 0.9))
    x = -20.0
    while x < s.w + 20:  # skyline
        bw = s.u * s.r(26, 70)
        centre = 1 - 0.45 * math.exp(-(((x - s.w / 2) / (s.w * 0.25)) ** 2))
        bh = s.u * s.r(30, 120) * centre
        s.rect(x, hz - bh, x + bw - 3 * s.u, hz + 1, alpha(mix(s.bg, BLACK, 0.35), 1))
        for _ in range(int(bh // (14 * s.u))):
            if s.rng.random() < 0.35:
                wx, wy = x + s.r(4, bw - 10) * 1, hz - s.r(8, bh - 4)
                s.rect(wx, wy, wx + 3 * s.u, wy + 2 * s.u, alpha(s.rng.choice((s.acc, s.acc2)), 0.8))
        x += bw
    s.rect(0, hz, s.w, s.h, alpha(mix(s.bg, BLACK, 0.4), 1))
    width = max(1.0, 1.6 * s.u)
    for i in range(1, 11):  # horizontal grid lines, closer together near the horizon
        y = hz + (s.h - hz) * (i / 10) ** 1.9
        s.line([(0, y), (s.w, y)], alpha(s.acc, 0.22 + 0.4 * i / 10), width)
    vx = s.w / 2
    for i in range(-14, 15):
        s.line([(vx + i * s.u * 14, hz), (vx + i * s.u * 150, s.h)], alpha(s.acc2, 0.45), width)
    s.line([(0, hz), (s.w, hz)], alpha(mix(s.acc, WHITE, 0.3), 0.9), 2 * s.u)
    for corner in range(4):  # circuit traces from the edges
        left, top = corner % 2 == 0, corner < 2
        for _ in range(3 if top else 1):
            if not top and s.landscape:
                break
            _trace(s, left, top)


def _trace(s: Scene, left: bool, top: bool) -> None:
    """One circuit trace: in from an edge, a 45-degree bend, out to a node."""
    sx, sy = (1 if left else -1), (1 if top else -1)
    x0 = 0 if left else s.w
    y0 = (s.h * s.r(0.05, 0.3)) if top else s.h * s.r(0.55, 0.62)
    run, bend, tail = s.u * s.r(40, 140), s.u * s.r(15, 50), s.u * s.r(20, 90)
    pts: list[Point] = [(x0, y0), (x0 + sx * run, y0), (x0 + sx * (run + bend), y0 + sy * bend),
                        (x0 + sx * (run + bend + tail), y0 + sy * bend)]  # fmt: skip
    colour = s.rng.choice((s.acc, s.acc2))
    s.line(pts, alpha(colour, 0.55), max(1.0, 2 * s.u))
    ex, ey = pts[-1]
    s.circle(ex, ey, 5 * s.u, alpha(s.bg, 1), alpha(colour, 0.8), max(1.0, 2 * s.u))
    s.glow(ex, ey, 30 * s.u, 30 * s.u, colour, 0.35, above=True)


def _branch(s: Scene, x: float, y: float, angle: float, length: float, width: float, depth: int,
            colour: RGB) -> None:  # fmt: skip
    """A bare branch that forks into thinner, shorter branches."""
    bend = s.r(-0.25, 0.25)
    mx, my = x + math.cos(angle + bend) * length * 0.5, y + math.sin(angle + bend) * length * 0.5
    ex, ey = mx + math.cos(angle - bend) * length * 0.5, my + math.sin(angle - bend) * length * 0.5
    s.line([(x, y), (mx, my), (ex, ey)], alpha(colour, 1), width)
    if depth == 0 or width < 0.5:
        return
    forks = 3 if s.rng.random() < 0.3 else 2
    for i in range(forks):
        spread = (i - (forks - 1) / 2) * s.r(0.45, 0.75)
        turn = angle + spread + s.r(-0.15, 0.15)
        _branch(s, ex, ey, turn, length * s.r(0.62, 0.78), width * 0.62, depth - 1, colour)


def horror(s: Scene) -> None:
    """A pale full moon, a bare tree reaching in from the side, red gloom and low fog."""
    left = s.left
    moon = mix(s.acc2, WHITE, 0.25)
    mx, my, r = s.w * (0.78 if left else 0.22), s.h * (0.2 if s.landscape else 0.16), 62 * s.u
    s.glow(s.w / 2, s.h * 1.1, s.w * 0.8, s.h * 0.5, s.acc, 0.55)
    s.glow(mx, my, r * 4, r * 4, s.acc2, 0.3)
    s.circle(mx, my, r, alpha(moon, 0.95))
    for _ in range(5):
        a, d = s.r(0, math.tau), s.r(0.1, 0.65) * r
        s.circle(
            mx + math.cos(a) * d,
            my + math.sin(a) * d,
            s.r(0.08, 0.2) * r,
            alpha(mix(s.acc2, s.bg, 0.3), 0.25),
        )
    starfield(s, 30, (s.acc2,), 1.4, 0)
    ground = ridge_points(s.rng, s.w, s.h + 2, s.h * 0.1, 4, 0)
    s.polygon(ground, alpha(mix(s.bg, BLACK, 0.5), 1))
    tx = s.w * (0.06 if left else 0.94)
    lean = -math.pi / 2 + (0.18 if left else -0.18)
    k = s.u * (1.0 if s.landscape else 1.2)
    _branch(s, tx, s.h + 5, lean, 210 * k, 24 * k, 6, mix(s.bg, BLACK, 0.7))
    for i in range(4):
        y = s.h * (0.74 + i * 0.08)
        s.glow(s.r(0, s.w), y, s.w * s.r(0.45, 0.7), s.h * 0.07, s.acc2, 0.16, above=True)


def _ring(s: Scene, cx: float, cy: float, rx: float, ry: float, tilt: float, front: bool) -> list[Point]:
    """Half of a tilted ellipse: the front (lower) or back (upper) half."""
    pts: list[Point] = []
    start = 0.0 if front else math.pi
    for i in range(41):
        t = start + math.pi * i / 40
        x, y = rx * math.cos(t), ry * math.sin(t)
        pts.append(
            (cx + x * math.cos(tilt) - y * math.sin(tilt), cy + x * math.sin(tilt) + y * math.cos(tilt))
        )
    return pts


def scifi(s: Scene) -> None:
    """A deep starfield, a soft nebula and a ringed planet with a small moon."""
    left = s.left
    s.glow(s.w * (0.3 if left else 0.7), s.h * 0.75, s.w * 0.6, s.h * 0.45, s.acc, 0.32)
    s.glow(s.w * (0.12 if left else 0.88), s.h * 0.9, s.w * 0.3, s.h * 0.3, s.acc2, 0.14)
    starfield(s, 170, (WHITE, mix(s.acc2, WHITE, 0.5), mix(s.acc, WHITE, 0.5)), 1.9, 5)
    k = s.u * (1.0 if s.landscape else 1.1)
    px, py, r = (
        s.w * ((0.84 if left else 0.16) if s.landscape else (0.72 if left else 0.28)),
        s.h * (0.26 if s.landscape else 0.15),
        78 * k,
    )
    tilt = -0.35 if left else 0.35
    ring, ring2 = alpha(mix(s.acc2, s.bg, 0.15), 0.85), alpha(mix(s.acc2, s.acc, 0.5), 0.5)
    s.glow(px, py, r * 2.6, r * 2.6, s.acc, 0.3)
    s.line(_ring(s, px, py, r * 1.9, r * 0.42, tilt, False), ring, 5 * k)
    s.line(_ring(s, px, py, r * 2.2, r * 0.5, tilt, False), ring2, 2 * k)
    body = mix(s.acc, s.bg, 0.35)
    s.circle(px, py, r, alpha(body, 1))
    for band in range(-2, 3):
        y = py + band * r * 0.32
        half = math.sqrt(max(0.0, r * r - (y - py) ** 2)) * 0.96
        s.line([(px - half, y), (px + half, y)], alpha(mix(body, WHITE, 0.25), 0.35), r * 0.1)
    light = -1 if left else 1
    s.crescent(px, py, r, -r * 0.38 * light, -r * 0.3, mix(s.bg, BLACK, 0.3), 0.8)
    s.line(_ring(s, px, py, r * 1.9, r * 0.42, tilt, True), ring, 5 * k)
    s.line(_ring(s, px, py, r * 2.2, r * 0.5, tilt, True), ring2, 2 * k)
    mx, my = s.w * (0.06 if not left else 0.94), s.h * 0.82
    s.circle(mx, my, 16 * k, alpha(mix(s.acc2, s.bg, 0.4), 1))
    s.crescent(mx, my, 16 * k, 6 * k * light, -5 * k, mix(s.bg, BLACK, 0.2), 0.7)


def mystery(s: Scene) -> None:
    """A street lamp's warm pool of light, a magnifying glass and faint question marks."""
    left = s.left
    k = s.u * (1.0 if s.landscape else 1.2)
    lx = s.w * (0.075 if left else 0.925)
    top = s.h - (360 if s.landscape else 430) * k
    s.glow(lx, top + 30 * k, 210 * k, 210 * k, s.acc, 0.7)
    s.glow(lx, s.h - 10 * k, 300 * k, 70 * k, s.acc, 0.45)
    s.polygon([(lx - 14 * k, top + 40 * k), (lx + 14 * k, top + 40 * k), (lx + 150 * k, s.h),
               (lx - 150 * k, s.h)], alpha(s.acc, 0.07))  # fmt: skip
    post = alpha(s.dark, 1)
    s.rect(lx - 5 * k, top + 40 * k, lx + 5 * k, s.h, post)
    s.rect(lx - 14 * k, s.h - 60 * k, lx + 14 * k, s.h, post)
    s.polygon([(lx - 24 * k, top), (lx + 24 * k, top), (lx + 15 * k, top + 40 * k),
               (lx - 15 * k, top + 40 * k)], alpha(mix(s.acc, WHITE, 0.35), 0.95))  # fmt: skip
    s.polygon([(lx - 30 * k, top), (lx + 30 * k, top), (lx, top - 22 * k)], post)
    s.rect(lx - 16 * k, top + 38 * k, lx + 16 * k, top + 46 * k, post)
    gx, gy, gr = s.w * (0.86 if left else 0.14), s.h * (0.76 if s.landscape else 0.8), 70 * k
    glass = alpha(mix(s.acc2, s.bg, 0.2), 0.5)
    s.glow(gx, gy, gr, gr, s.acc2, 0.12)
    s.circle(gx, gy, gr, None, glass, 10 * k)
    d = (1 if left else -1) * gr * 0.71
    s.line([(gx + d * 1.1, gy + abs(d) * 1.1), (gx + d * 2.1, gy + abs(d) * 2.1)], glass, 18 * k)
    s.arc(gx, gy, gr * 0.72, gr * 0.72, 200, 250, alpha(WHITE, 0.25), 4 * k)
    for _ in range(3):
        x, y = s.scatter(1.2)
        s.glyph(x, y, "?", s.r(60, 130) * k, alpha(s.acc2, s.r(0.13, 0.22)))
    for i in range(3):
        s.glow(s.r(0, s.w), s.h * (0.8 + i * 0.08), s.w * 0.6, s.h * 0.06, s.acc2, 0.12, above=True)


def fairytale(s: Scene) -> None:
    """Rolling hills, a slender tower with a lit window and a trail of sparkles."""
    left = s.left
    k = s.u * (1.0 if s.landscape else 1.2)
    s.glow(s.w * (0.2 if left else 0.8), s.h * 0.25, s.w * 0.45, s.h * 0.4, s.acc, 0.22)
    s.glow(s.w * (0.8 if left else 0.2), s.h * 0.85, s.w * 0.45, s.h * 0.35, s.acc2, 0.2)
    starfield(s, 45, (WHITE, s.acc, s.acc2), 1.5, 0)
    s.ellipse(s.w * 0.25, s.h + 70 * k, s.w * 0.45, 150 * k, alpha(mix(s.bg, s.acc2, 0.22), 1))
    s.ellipse(s.w * 0.8, s.h + 80 * k, s.w * 0.45, 130 * k, alpha(mix(s.bg, s.acc2, 0.14), 1))
    tx, base = s.w * (0.91 if left else 0.09), s.h - 40 * k
    k *= 0.72 if s.landscape else 0.9
    body = alpha(mix(s.bg, BLACK, 0.4), 1)
    s.polygon([(tx - 34 * k, base + 80 * k), (tx + 34 * k, base + 80 * k), (tx + 27 * k, base - 250 * k),
               (tx - 27 * k, base - 250 * k)], body)  # fmt: skip
    s.rect(tx - 38 * k, base - 262 * k, tx + 38 * k, base - 246 * k, body)
    for i in range(5):  # crenellations under the roof
        x = tx - 38 * k + i * 17 * k
        s.rect(x, base - 270 * k, x + 8 * k, base - 260 * k, body)
    roof = alpha(mix(s.acc, s.bg, 0.4), 1)
    s.polygon([(tx - 44 * k, base - 268 * k), (tx + 44 * k, base - 268 * k), (tx, base - 390 * k)], roof)
    s.polygon([(tx, base - 268 * k), (tx + 44 * k, base - 268 * k), (tx, base - 390 * k)],
              alpha(mix(s.bg, BLACK, 0.3), 0.35))  # fmt: skip
    s.line([(tx, base - 390 * k), (tx, base - 420 * k)], body, 3 * k)
    flag = 1 if left else -1
    s.polygon([(tx, base - 420 * k), (tx - flag * 34 * k, base - 412 * k), (tx, base - 404 * k)],
              alpha(s.acc2, 0.9))  # fmt: skip
    light = mix(s.acc, WHITE, 0.5)
    for wy, ww in ((base - 205 * k, 10 * k), (base - 110 * k, 7 * k)):
        s.glow(tx, wy, 70 * k, 70 * k, s.acc, 0.45, above=True)
        s.rect(tx - ww, wy - ww * 0.6, tx + ww, wy + ww * 1.6, alpha(light, 1))
        s.circle(tx, wy - ww * 0.6, ww, alpha(light, 1))
    s.ellipse(tx, base + 40 * k, 14 * k, 24 * k, alpha(mix(s.bg, BLACK, 0.7), 1))
    for _ in range(10):  # sparkles drifting around the tower
        x, y = tx + s.r(-150, 150) * k, base - s.r(120, 460) * k
        if not s.in_middle(x, y, 1.05):
            s.sparkle(x, y, s.u * s.r(4, 11), alpha(s.rng.choice((WHITE, s.acc, s.acc2)), 0.85))
    for _ in range(16):
        x, y = s.scatter(1.1)
        s.sparkle(x, y, s.u * s.r(4, 10), alpha(s.rng.choice((WHITE, s.acc, s.acc2)), 0.7))
