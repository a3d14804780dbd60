"""Offline title cards: every theme gives a valid, lively, deterministic PNG at any size."""

from __future__ import annotations

import io
import itertools
import time
from dataclasses import replace
from pathlib import Path

import pytest
from PIL import Image, ImageChops, ImageStat

from plugin.media.titlecard.card import render_title_card
from plugin.media.titlecard.text import clean, has_glyph
from plugin.paths import SETTINGS_DIR
from plugin.themes import Theme, ThemeBook, load_themes

SHEET = Path(__file__).parent / "screenshots" / "titlecards.png"
BOOK: ThemeBook = load_themes(SETTINGS_DIR / "themes.yaml")
THEME_IDS = list(BOOK.themes)
TITLES = [
    "The Dragon's Last Riddle", "Neon Rain Over Sector Nine", "Whispers in the Hollow",
    "Beyond the Rings of Kepler", "The Lamplighter's Secret", "The Road to the Sunken Temple",
    "A Letter Under the Cherry Tree", "Captain Comet Strikes Back", "Seeds in the Ashes",
    "The Great Pancake Disaster", "Once Upon a Midnight", "Showdown at Red Mesa",
]  # fmt: skip
LONG = " ".join(["An extraordinarily long and winding chapter title that goes on"] * 12)
UNICODE = "東京の物語 🐉🔥 Über die Brücke — «Ça va?» 👩‍👩‍👧 مرحبا e\u0301\u200d\x00\ud800"


def png(data: bytes) -> Image.Image:
    """Open PNG bytes, checking the signature first."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    image = Image.open(io.BytesIO(data))
    assert image.format == "PNG"
    image.load()
    return image.convert("RGB")


def hex_rgb(value: str) -> tuple[int, int, int]:
    """'#rrggbb' as an RGB tuple."""
    return int(value[1:3], 16), int(value[3:5], 16), int(value[5:7], 16)


def nearest(image: Image.Image, colour: tuple[int, int, int]) -> int:
    """The smallest per-channel distance from any pixel to a colour."""
    diff = ImageChops.difference(image, Image.new("RGB", image.size, colour)).split()
    worst = ImageChops.lighter(ImageChops.lighter(diff[0], diff[1]), diff[2])
    low, _high = worst.getextrema()
    assert isinstance(low, int)
    return low


def text_box(
    theme: Theme, title: str, size: tuple[int, int], subtitle: str = ""
) -> tuple[int, int, int, int]:
    """Bounding box of the pixels the title changes (compared with a one-letter title)."""
    a = png(render_title_card(theme, title, 1, subtitle, size, seed=5)).convert("L")
    b = png(render_title_card(theme, "I", 1, "", size, seed=5)).convert("L")
    box = ImageChops.difference(a, b).point(lambda v: 255 if v > 48 else 0).getbbox()
    assert box is not None, "the title drew nothing"
    return box


@pytest.mark.parametrize("theme_id", THEME_IDS)
def test_every_theme_renders_a_lively_png_in_its_own_colours(theme_id: str) -> None:
    theme = BOOK.themes[theme_id]
    image = png(render_title_card(theme, "The Road to the Sunken Temple", 3, "Vote in chat"))
    assert image.size == (1280, 720)
    colours = image.getcolors(1 << 22)
    assert colours is not None and len(colours) > 1500, "a flat or nearly flat picture"
    assert nearest(image, hex_rgb(theme.palette[1])) <= 12, "the accent colour is missing"
    top_share = max(count for count, _ in colours) / (1280 * 720)
    assert top_share < 0.2, "one colour covers too much of the card"


def test_themes_look_different_from_each_other() -> None:
    cards = {tid: png(render_title_card(BOOK.themes[tid], "The Same Title", 2)) for tid in THEME_IDS}
    cards["custom"] = png(render_title_card(BOOK.custom("a kingdom of glass"), "The Same Title", 2))
    means = {tid: ImageStat.Stat(image).mean for tid, image in cards.items()}
    for a, b in itertools.combinations(cards, 2):
        distance = sum((x - y) ** 2 for x, y in zip(means[a], means[b], strict=True)) ** 0.5
        pixels = sum(ImageStat.Stat(ImageChops.difference(cards[a], cards[b])).mean) / 3
        assert distance > 3 and pixels > 8, f"{a} and {b} look alike"


def test_same_inputs_give_identical_bytes_and_the_seed_varies_the_motif() -> None:
    theme = BOOK.themes["fantasy"]
    first = render_title_card(theme, "Once Upon a Time", 4, "A subtitle", (1280, 720), seed=11)
    assert render_title_card(theme, "Once Upon a Time", 4, "A subtitle", (1280, 720), seed=11) == first
    assert render_title_card(theme, "Once Upon a Time", 4, "A subtitle", (1280, 720), seed=12) != first
    assert render_title_card(theme, "Once Upon a Time", 5, "A subtitle", (1280, 720), seed=11) != first


@pytest.mark.parametrize(
    "size", [(1280, 720), (720, 1280), (320, 180), (180, 320), (1920, 1080), (1920, 1920)]
)
def test_any_size_and_orientation_renders_with_the_text_inside(size: tuple[int, int]) -> None:
    theme = BOOK.themes["scifi"]
    assert png(render_title_card(theme, "Beyond the Rings", 9, "Sub", size)).size == size
    left, top, right, bottom = text_box(theme, "The Quiet Orbit of Kepler", size)
    w, h = size
    assert left > w * 0.03 and right < w * 0.97 and top > h * 0.05 and bottom < h * 0.95


@pytest.mark.parametrize("theme_id", ["horror", "cyberpunk"])
def test_a_very_long_title_is_wrapped_shrunk_and_kept_inside(theme_id: str) -> None:
    theme = BOOK.themes[theme_id]
    for size in [(1280, 720), (720, 1280), (320, 180)]:
        assert png(render_title_card(theme, LONG, 99, LONG, size)).size == size
        left, top, right, bottom = text_box(theme, LONG, size, LONG)
        w, h = size
        assert left > w * 0.03 and right < w * 0.97 and top > h * 0.03 and bottom < h * 0.97


@pytest.mark.parametrize("size", [(1280, 720), (720, 1280), (320, 180)])
@pytest.mark.parametrize(
    "title",
    [
        UNICODE,
        "🐉" * 40,
        "東" * 400,
        "Café au lait 🍰",
        "\u202eevil\u202c",
        "   ",
        "",
        "\n\t",
        "\uff26\uff55\uff4c\uff4c \uff57\uff49\uff44\uff54\uff48",
    ],
)
def test_any_unicode_title_renders_without_error(title: str, size: tuple[int, int]) -> None:
    theme = BOOK.themes["romance"]
    image = png(render_title_card(theme, title, 1, title, size))
    assert image.size == size


def test_unicode_is_folded_to_what_the_built_in_font_can_draw() -> None:
    assert has_glyph("A") and has_glyph("…") and not has_glyph("é") and not has_glyph("東")
    assert clean("Café — «Straße» naïve") == ("Cafe - «Strasse» naive", 0.0)
    assert clean("The 🐉 Dragon\u200d\ufe0f\x00") == ("The Dragon", 0.0)
    assert clean("\uff26\uff55\uff4c\uff4c\u00a0width") == ("Full width", 0.0)  # fullwidth letters
    text, tofu = clean("東京 Tokyo")
    assert text == "東京 Tokyo" and tofu == pytest.approx(2 / 7)  # kept, shown as tofu boxes
    assert clean("Привет")[1] == 1.0  # no Cyrillic glyphs: the card shows the theme name instead
    assert len(clean("x" * 1000)[0]) <= 161


def test_a_title_the_font_cannot_draw_shows_the_theme_name() -> None:
    theme = BOOK.themes["western"]
    as_name = render_title_card(theme, "Western", 2)
    assert render_title_card(theme, "荒野の決闘", 2) == as_name
    assert render_title_card(theme, "🤠🌵", 2) == as_name
    assert render_title_card(theme, "", 2) == as_name


def test_unknown_and_custom_themes_get_the_generic_motif_and_bad_palettes_are_survived() -> None:
    custom = BOOK.custom("a city of clockwork birds")
    image = png(render_title_card(custom, "Clockwork Skies", 1))
    assert len(image.getcolors(1 << 22) or []) > 1500
    odd = replace(custom, id="steampunk-opera", palette=("not a colour", "#fff"))
    assert png(render_title_card(odd, "Gears", 2, size=(640, 360))).size == (640, 360)
    light = replace(custom, id="paper", palette=("#ffffff", "#ffeeaa", "#eeeeee"))
    bright = png(render_title_card(light, "Snow", 3))
    assert sum(ImageStat.Stat(bright).mean) / 3 < 110, "a light palette must be darkened for white text"


def test_sizes_outside_the_supported_range_are_refused() -> None:
    with pytest.raises(ValueError):
        render_title_card(BOOK.themes["comedy"], "x", 1, size=(10, 10))
    with pytest.raises(ValueError):
        render_title_card(BOOK.themes["comedy"], "x", 1, size=(8000, 720))


def test_a_1280x720_card_renders_well_under_half_a_second() -> None:
    render_title_card(BOOK.themes["cyberpunk"], "warm up", 1)
    times = sorted(_timed(BOOK.themes[tid], TITLES[i]) for i, tid in enumerate(THEME_IDS))
    median, worst = times[len(times) // 2], times[-1]
    assert median < 0.25 and worst < 0.5, f"median {median:.3f}s, worst {worst:.3f}s"


def _timed(theme: Theme, title: str) -> float:
    """CPU seconds to render one default-size card (CPU time: other busy processes don't count)."""
    start = time.process_time()
    render_title_card(theme, title, 7, "Vote in chat to choose what happens next")
    return time.process_time() - start


def test_contact_sheet_of_all_themes() -> None:
    cards = [
        png(render_title_card(BOOK.themes[tid], TITLES[i % len(TITLES)], i + 1,
                              "Vote in chat to choose what happens next" if i % 2 == 0 else "", seed=7))
        for i, tid in enumerate(THEME_IDS)
    ]  # fmt: skip
    cols, gap, tw, th = 3, 12, 640, 360
    rows = -(-len(cards) // cols)
    sheet = Image.new("RGB", (cols * tw + (cols + 1) * gap, rows * th + (rows + 1) * gap), (18, 18, 22))
    for i, card in enumerate(cards):
        x, y = gap + (i % cols) * (tw + gap), gap + (i // cols) * (th + gap)
        sheet.paste(card.reduce(2), (x, y))
    SHEET.parent.mkdir(parents=True, exist_ok=True)
    sheet.save(SHEET)
    assert png(SHEET.read_bytes()).size == sheet.size
