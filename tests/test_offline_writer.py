"""The offline writer: a whole themed story from settings/themes.yaml, without any API key."""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest

from plugin.services import offline as offline_module
from plugin.services.model import ChapterRecap, ModelRequest, StoryBrief
from plugin.services.offline import OfflineWriter, split_words
from plugin.services.offline_cast import Material, Slots, make_cast
from plugin.story.parse import parse_chapter, parse_choices, parse_outline
from plugin.story.themes import Theme, ThemeBook, load_themes

THEMES_FILE = Path(__file__).resolve().parent.parent / "settings" / "themes.yaml"
THEME_IDS = [
    "fantasy", "cyberpunk", "horror", "scifi", "mystery", "adventure",
    "romance", "superhero", "postapocalyptic", "comedy", "fairytale", "western",
]  # fmt: skip
STOPWORDS = {"about", "their", "there", "these", "those", "where", "which", "while", "yourselves"}


@pytest.fixture(scope="module")
def book() -> ThemeBook:
    return load_themes(THEMES_FILE)


def make_brief(theme: Theme, purpose: str = "chapter", **fields: object) -> StoryBrief:
    values: dict[str, object] = {
        "purpose": purpose,
        "theme": theme,
        "language": "en",
        "seed": 7,
        "chapter_number": 1,
        "max_chapters": 5,
        "num_choices": 3,
    }
    values.update(fields)
    return StoryBrief(**values)  # type: ignore[arg-type]


async def collect(writer: OfflineWriter, brief: StoryBrief) -> str:
    request = ModelRequest(messages=({"role": "user", "content": "ignored"},), brief=brief)
    return "".join([delta async for delta in writer.stream(request)])


async def play(
    writer: OfflineWriter, theme: Theme, seed: int, chapters: int, pick: int = 0, words: int = 180
) -> list[str]:
    """A whole session as the story loop would run it: each chapter sees the earlier ones."""
    recaps: list[ChapterRecap] = []
    texts: list[str] = []
    winner: str | None = None
    for number in range(1, chapters + 1):
        purpose = "final" if number == chapters else "chapter"
        brief = make_brief(
            theme, purpose, seed=seed, chapter_number=number, max_chapters=chapters,
            chapters=tuple(recaps), winning_choice=winner, chapter_words=words,
        )  # fmt: skip
        text = await collect(writer, brief)
        parsed = parse_chapter(text)
        winner = parsed.choices[pick % len(parsed.choices)] if parsed.choices else None
        choices = tuple(parsed.choices)
        recaps.append(ChapterRecap(number, parsed.title, parsed.content, choices, winner))
        texts.append(text)
    return texts


def paragraphs(text: str) -> list[str]:
    return [p for p in parse_chapter(text).content.split("\n\n") if p.strip()]


def sentences(prose: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?”])\s+", prose) if len(s) > 30]


def distinctive(choice: str) -> list[str]:
    found = re.findall(r"[A-Za-z']+", choice.lower())
    return [w for w in found if len(w) >= 5 and w not in STOPWORDS]


def hero_in(theme: Theme, text: str) -> str:
    names = [h["name"] for h in theme.offline["heroes"] if re.search(rf"\b{h['name']}\b", text)]
    assert len(names) == 1, names
    return names[0]


def test_themes_file_has_the_twelve_themes(book: ThemeBook) -> None:
    assert list(book.themes) == THEME_IDS
    for theme in book.themes.values():
        assert theme.description.endswith(".") and theme.style and theme.emoji
        assert len(theme.palette) == 3
        assert all(re.fullmatch(r"#[0-9a-fA-F]{6}", colour) for colour in theme.palette)
        assert len(theme.offline["heroes"]) >= 6 and len(theme.offline["choices"]) >= 10


def test_label_and_language_note(book: ThemeBook) -> None:
    assert OfflineWriter(book).label == "offline writer"
    assert "English prose only" in " ".join((offline_module.__doc__ or "").split())


@pytest.mark.parametrize("theme_id", THEME_IDS)
@pytest.mark.parametrize("max_chapters", [1, 3, 6])
async def test_outline_has_one_beat_per_chapter(
    book: ThemeBook, theme_id: str, max_chapters: int
) -> None:
    writer = OfflineWriter(book, words_per_s=0)
    theme = book.themes[theme_id]
    brief = make_brief(theme, "outline", chapter_number=0, max_chapters=max_chapters)
    text = await collect(writer, brief)
    title, outline = parse_outline(text)
    assert text.startswith("TITLE: ") and "\nOUTLINE:\n" in text and title
    beats = outline.splitlines()
    assert [b.split(".")[0] for b in beats] == [str(n) for n in range(1, max_chapters + 1)]
    rival = writer.cast(theme, 7).rival.name
    assert rival in beats[-1]  # the resolution deals with the rival


@pytest.mark.parametrize("theme_id", THEME_IDS)
async def test_chapters_have_title_prose_and_exact_choices(book: ThemeBook, theme_id: str) -> None:
    writer = OfflineWriter(book, words_per_s=0)
    theme = book.themes[theme_id]
    for words in (120, 180, 300):
        for number in (1, 2, 3):
            for count in range(2, 7):
                brief = make_brief(
                    theme, chapter_number=number, num_choices=count, chapter_words=words,
                    winning_choice=None if number == 1 else "Search the area for clues",
                )  # fmt: skip
                text = await collect(writer, brief)
                parsed = parse_chapter(text)
                assert parsed.title and "{" not in text and "}" not in text
                assert 0.7 * words <= len(parsed.content.split()) <= 1.3 * words, text
                assert 2 <= len(paragraphs(text)) <= 4
                assert len(parsed.choices) == count, text
                assert len({c.casefold() for c in parsed.choices}) == count
                assert all(len(c) < 90 for c in parsed.choices)
                labels = re.findall(r"^([A-F])\) ", text.split("CHOICES:\n")[1], re.M)
                assert labels == list("ABCDEF"[:count])


@pytest.mark.parametrize("theme_id", THEME_IDS)
async def test_next_chapter_acts_out_the_winning_choice(book: ThemeBook, theme_id: str) -> None:
    writer = OfflineWriter(book, words_per_s=0)
    theme = book.themes[theme_id]
    first = parse_chapter(await collect(writer, make_brief(theme, num_choices=4)))
    recap = ChapterRecap(1, first.title, first.content, tuple(first.choices))
    for winner in [*first.choices, "The hero runs away", "Will you trust the stranger?"]:
        brief = make_brief(theme, chapter_number=2, chapters=(recap,), winning_choice=winner)
        opening = paragraphs(await collect(writer, brief))[0].lower()
        missing = [w for w in distinctive(winner) if w not in opening]
        assert not missing, (winner, opening)


@pytest.mark.parametrize("theme_id", THEME_IDS)
async def test_a_session_keeps_its_cast_and_resolves(book: ThemeBook, theme_id: str) -> None:
    writer = OfflineWriter(book, words_per_s=0)
    theme = book.themes[theme_id]
    texts = await play(writer, theme, seed=11, chapters=4)
    hero = hero_in(theme, parse_chapter(texts[0]).content)
    cast = writer.cast(theme, 11)
    assert hero == cast.hero.name
    for text in texts:
        assert hero_in(theme, parse_chapter(text).content) == hero
    final = texts[-1]
    parsed = parse_chapter(final)
    assert "CHOICES" not in final and parsed.choices == [] and parsed.title
    assert cast.rival.name.lower() in parsed.content.lower()
    assert cast.goal in parsed.content  # the goal is reached
    assert 2 <= len(paragraphs(final)) <= 4


async def test_different_seeds_give_different_heroes_and_text(book: ThemeBook) -> None:
    writer = OfflineWriter(book, words_per_s=0)
    differ = 0
    for theme in book.themes.values():
        one = await collect(writer, make_brief(theme, seed=1))
        two = await collect(writer, make_brief(theme, seed=2))
        assert one != two
        differ += hero_in(theme, one) != hero_in(theme, two)
    assert differ >= 9


async def test_same_brief_gives_the_same_text(book: ThemeBook) -> None:
    writer = OfflineWriter(book, words_per_s=0)
    brief = make_brief(book.themes["western"], chapter_number=2, winning_choice="Ride hard")
    assert await collect(writer, brief) == await collect(writer, brief)


@pytest.mark.parametrize("theme_id", THEME_IDS)
async def test_successive_chapters_do_not_repeat_sentences(book: ThemeBook, theme_id: str) -> None:
    writer = OfflineWriter(book, words_per_s=0)
    for words in (180, 300):
        texts = await play(writer, book.themes[theme_id], seed=3, chapters=6, pick=1, words=words)
        titles = [parse_chapter(t).title for t in texts]
        assert len(set(titles)) == len(titles)
        for before, after in zip(texts, texts[1:]):
            told = parse_chapter(before).content
            repeated = [s for s in sentences(parse_chapter(after).content) if s in told]
            assert not repeated


@pytest.mark.parametrize("theme_id", THEME_IDS)
async def test_repair_gives_exactly_n_choices(book: ThemeBook, theme_id: str) -> None:
    writer = OfflineWriter(book, words_per_s=0)
    theme = book.themes[theme_id]
    brief = make_brief(theme, chapter_number=2, winning_choice="Run")
    chapter = parse_chapter(await collect(writer, brief))
    foreign = "Lena walked into the dark cave. Something growled. She held her torch high."
    cast = writer.cast(theme, 7)
    for count in range(2, 7):
        for draft in (chapter.content, foreign):
            brief = make_brief(theme, "repair", num_choices=count, draft=draft)
            text = await collect(writer, brief)
            assert text.startswith("CHOICES:\nA) ") and "TITLE" not in text
            choices = parse_choices(text)
            assert len(choices) == count and len(set(choices)) == count
            if draft is foreign:  # no names the draft never mentioned
                names = (cast.hero.name, cast.ally.name, cast.rival.name, cast.home)
                assert not [c for c in choices if any(n in c for n in names)]


async def test_custom_theme_weaves_in_the_description(book: ThemeBook) -> None:
    writer = OfflineWriter(book, words_per_s=0)
    theme = book.custom("a cozy cat café on the moon")
    outline = await collect(writer, make_brief(theme, "outline", custom_theme=theme.description))
    assert "a cozy cat café on the moon" in outline
    text = await collect(writer, make_brief(theme, custom_theme=theme.description))
    assert "a cozy cat café on the moon" in paragraphs(text)[0]
    assert len(parse_chapter(text).choices) == 3


async def test_stream_yields_words_that_join_to_the_answer(book: ThemeBook) -> None:
    writer = OfflineWriter(book, words_per_s=0)
    brief = make_brief(book.themes["scifi"])
    request = ModelRequest(messages=(), brief=brief)
    deltas = [delta async for delta in writer.stream(request)]
    assert "".join(deltas) == writer.write(brief)
    assert all(re.fullmatch(r"\S+\s*", d) for d in deltas)
    assert any(d.endswith("\n\n") for d in deltas) and len(deltas) > 100
    assert split_words("a  b\n\nc ") == ["a  ", "b\n\n", "c "]


async def test_pacing_sleeps_between_words(book: ThemeBook) -> None:
    naps: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        naps.append(seconds)

    writer = OfflineWriter(book, words_per_s=20, sleep=fake_sleep)
    deltas = [d async for d in writer.stream(ModelRequest((), make_brief(book.themes["horror"])))]
    assert len(naps) == len(deltas) - 1 and set(naps) == {0.05}

    naps.clear()
    unpaced = OfflineWriter(book, words_per_s=0, sleep=fake_sleep)
    assert [d async for d in unpaced.stream(ModelRequest((), make_brief(book.themes["horror"])))]
    assert naps == []


def test_every_template_fills_for_every_theme(book: ThemeBook) -> None:
    """A typo in a {slot} would silently drop a sentence; catch it here instead."""
    people = ("heroes", "allies", "rivals", "others")
    for theme in [*book.themes.values(), book.custom("pirates fighting robots")]:
        material = Material(theme, book.shared)
        slots = Slots(make_cast(material, 1).slots(), material, random.Random(1))
        slots.update(place="the old bridge", choice="look around", custom="x")
        for source in (book.shared, book.shared["sentences"], theme.offline):
            for key, values in source.items():
                if key == "sentences" or key in people:
                    continue
                for template in values:
                    text = slots.render(str(template))
                    where = (theme.id, key, template)
                    assert "{" not in text and not text.startswith(("“", '"')), where
