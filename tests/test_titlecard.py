"""Offline chapter pictures: every theme gives a valid, lively, deterministic PNG at any size, each chapter of a
story its own scenery, and no title drawn on it (the overlay shows the title beside the picture)."""

from __future__ import annotations

import io
import itertools
import time
from dataclasses import replace
from pathlib import Path

import pytest
from PIL import Image, ImageChops, ImageStat

from plugin.media.filecache import FileCache
from plugin.media.images import ImageService
from plugin.media.titlecard.card import render_picture, render_title_card
from plugin.media.titlecard.light import LIGHTS, chapter_light
from plugin.paths import SETTINGS_DIR
from plugin.themes import Theme, ThemeBook, load_themes
from tests.support.harness import make_settings

SHEET = Path(__file__).parent / "screenshots" / "titlecards.png"
BOOK: ThemeBook = load_themes(SETTINGS_DIR / "themes.yaml")
THEME_IDS = list(BOOK.themes)
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


def difference(a: Image.Image, b: Image.Image) -> float:
    """Mean absolute difference of two pictures, 0 (same) to 255, over all channels."""
    return sum(ImageStat.Stat(ImageChops.difference(a, b)).mean) / 3


@pytest.mark.parametrize("theme_id", THEME_IDS)
def test_every_theme_renders_a_lively_png_in_its_own_colours(theme_id: str) -> None:
    theme = BOOK.themes[theme_id]
    image = png(render_picture(theme, 3))
    assert image.size == (1280, 720)
    colours = image.getcolors(1 << 22)
    assert colours is not None and len(colours) > 1500, "a flat or nearly flat picture"
    assert nearest(image, hex_rgb(theme.palette[1])) <= 80, "the accent colour is missing"
    top_share = max(count for count, _ in colours) / (1280 * 720)
    assert top_share < 0.2, "one colour covers too much of the picture"


@pytest.mark.parametrize("theme_id", [*THEME_IDS, "custom"])
def test_each_chapter_of_a_story_gets_its_own_scenery(theme_id: str) -> None:
    theme = BOOK.themes[theme_id] if theme_id != "custom" else BOOK.custom("a kingdom of glass")
    for seed in (0, 7, 123456):
        chapters = [png(render_picture(theme, n, (640, 360), seed)) for n in range(1, 7)]
        for n, (one, two) in enumerate(itertools.pairwise(chapters), start=1):
            assert difference(one, two) > 6, f"chapters {n} and {n + 1} of one story look alike"
        lights = [chapter_light(theme.id, seed, n) for n in range(1, 7)]
        assert len({light.name for light, _left in lights[:len(LIGHTS)]}) == len(LIGHTS)  # every light in turn
        assert all(a[1] != b[1] for a, b in itertools.pairwise(lights))  # the scene faces the other way


def test_the_title_is_not_drawn() -> None:
    theme = BOOK.themes["fantasy"]
    picture = render_title_card(theme, "The Dragon's Last Riddle", 2, "Vote in chat", (640, 360), seed=3)
    for title in ("", "I", "Whispers in the Hollow", LONG, UNICODE, "荒野の決闘"):
        assert render_title_card(theme, title, 2, title, (640, 360), seed=3) == picture
    assert render_picture(theme, 2, (640, 360), 3) == picture
    assert render_title_card(theme, "The Dragon's Last Riddle", 3, "", (640, 360), seed=3) != picture


async def test_the_offline_picture_service_gives_each_chapter_its_picture_whatever_the_title(
        tmp_path: Path) -> None:
    settings = make_settings(tmp_path, **{"images.provider": "offline", "images.size": "640x360"})
    service = ImageService(lambda: settings, FileCache(tmp_path / "images", 10**8), {}, render_title_card)
    theme = BOOK.themes["western"]
    one = await service.make("Showdown", theme, "Showdown", 1, 42)
    two = await service.make("High Noon", theme, "High Noon", 2, 42)
    retitled = await service.make("Another Title", theme, "Another Title", 2, 42)
    assert one and two and retitled and one.provider == "offline"
    assert retitled.name == two.name != one.name  # a renamed chapter keeps its picture
    images = [png((tmp_path / "images" / p.name).read_bytes()) for p in (one, two)]
    assert difference(*images) > 6


def test_same_inputs_give_identical_bytes_and_the_seed_varies_the_scene() -> None:
    theme = BOOK.themes["fantasy"]
    first = render_picture(theme, 4, (1280, 720), seed=11)
    assert render_picture(theme, 4, (1280, 720), seed=11) == first
    assert render_picture(theme, 4, (1280, 720), seed=12) != first
    assert render_picture(theme, 5, (1280, 720), seed=11) != first


def test_themes_look_different_from_each_other() -> None:
    cards = {tid: png(render_picture(BOOK.themes[tid], 2)) for tid in THEME_IDS}
    cards["custom"] = png(render_picture(BOOK.custom("a kingdom of glass"), 2))
    means = {tid: ImageStat.Stat(image).mean for tid, image in cards.items()}
    for a, b in itertools.combinations(cards, 2):
        distance = sum((x - y) ** 2 for x, y in zip(means[a], means[b], strict=True)) ** 0.5
        assert distance > 3 and difference(cards[a], cards[b]) > 8, f"{a} and {b} look alike"


@pytest.mark.parametrize(
    "size", [(1280, 720), (720, 1280), (320, 180), (180, 320), (1920, 1080), (1920, 1920)]
)
def test_any_size_and_orientation_renders(size: tuple[int, int]) -> None:
    for theme_id in ("scifi", "western"):
        image = png(render_picture(BOOK.themes[theme_id], 9, size))
        assert image.size == size and len(image.getcolors(1 << 22) or []) > 200


def test_unknown_and_custom_themes_get_the_generic_motif_and_bad_palettes_are_survived() -> None:
    custom = BOOK.custom("a city of clockwork birds")
    image = png(render_picture(custom, 1))
    assert len(image.getcolors(1 << 22) or []) > 1500
    odd = replace(custom, id="steampunk-opera", palette=("not a colour", "#fff"))
    assert png(render_picture(odd, 2, size=(640, 360))).size == (640, 360)
    light = replace(custom, id="paper", palette=("#ffffff", "#ffeeaa", "#eeeeee"))
    bright = png(render_picture(light, 3))
    assert sum(ImageStat.Stat(bright).mean) / 3 < 110, "a light palette is darkened so lit shapes stand out"


def test_sizes_outside_the_supported_range_are_refused() -> None:
    with pytest.raises(ValueError):
        render_picture(BOOK.themes["comedy"], 1, size=(10, 10))
    with pytest.raises(ValueError):
        render_picture(BOOK.themes["comedy"], 1, size=(8000, 720))


def test_a_1280x720_picture_renders_well_under_half_a_second() -> None:
    render_picture(BOOK.themes["cyberpunk"], 1)
    times = sorted(_timed(BOOK.themes[tid], i + 1) for i, tid in enumerate(THEME_IDS))
    median, worst = times[len(times) // 2], times[-1]
    assert median < 0.25 and worst < 0.5, f"median {median:.3f}s, worst {worst:.3f}s"


def _timed(theme: Theme, chapter: int) -> float:
    """CPU seconds to render one default-size picture (CPU time: other busy processes don't count)."""
    start = time.process_time()
    render_picture(theme, chapter)
    return time.process_time() - start


def test_contact_sheet_of_all_themes_over_three_chapters() -> None:
    cols, gap, tw, th = 3, 12, 426, 240
    sheet = Image.new("RGB", (cols * tw + (cols + 1) * gap, len(THEME_IDS) * th + (len(THEME_IDS) + 1) * gap),
                      (18, 18, 22))
    for row, tid in enumerate(THEME_IDS):
        for col in range(cols):
            card = png(render_picture(BOOK.themes[tid], col + 1, (tw, th), seed=7))
            sheet.paste(card, (gap + col * (tw + gap), gap + row * (th + gap)))
    SHEET.parent.mkdir(parents=True, exist_ok=True)
    sheet.save(SHEET)
    assert png(SHEET.read_bytes()).size == sheet.size
