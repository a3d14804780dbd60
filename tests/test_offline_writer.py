"""The offline writer: a whole themed story from settings/themes.yaml, without any API key."""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest

from plugin.brief import ChapterRecap, StoryBrief, StoryStyle
from plugin.story.parse import parse_chapter, parse_choices, parse_outline
from plugin.themes import Theme, ThemeBook, load_themes
from plugin.writers.model import ModelRequest
from plugin.writers.offline import writer as offline_module
from plugin.writers.offline.cast import Material, Slots, make_cast
from plugin.writers.offline.writer import OfflineWriter, split_words

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
        slots.update(place="the old bridge", choice="look around", custom="x", topic="a cat")
        for source in (book.shared, book.shared["sentences"], theme.offline):
            for key, values in source.items():
                if key == "sentences" or key in people:
                    continue
                for template in values:
                    text = slots.render(str(template))
                    where = (theme.id, key, template)
                    assert "{" not in text and not text.startswith(("“", '"')), where


# ----- story memory, rewrites, coherence checks, director's notes and story style ---------

MEMORY_TAGS = ("SUMMARY", "CHARACTER", "LOCATION", "ITEM", "EVENT")


def parse_memory(text: str) -> dict[str, list[list[str]]]:
    """Tagged memory lines as {tag: [fields, ...]} (fields split on '|')."""
    found: dict[str, list[list[str]]] = {tag: [] for tag in MEMORY_TAGS}
    for line in text.splitlines():
        tag, _, rest = line.partition(": ")
        assert tag in MEMORY_TAGS, line
        found[tag].append([field.strip() for field in rest.split("|")])
    return found


def narration(prose: str) -> str:
    """Prose without its quotations (what the narrator says, not the characters)."""
    return re.sub(r"“[^”]*”", "", prose)


async def memories(
    writer: OfflineWriter, theme: Theme, seed: int, chapters: int, **style: object
) -> tuple[list[str], list[dict[str, list[list[str]]]]]:
    """A session like `play`, asking for a memory note after each chapter."""
    recaps: list[ChapterRecap] = []
    texts: list[str] = []
    notes: list[dict[str, list[list[str]]]] = []
    winner: str | None = None
    summary: str | None = None
    story_style = StoryStyle(**style)  # type: ignore[arg-type]
    for number in range(1, chapters + 1):
        purpose = "final" if number == chapters else "chapter"
        common = {
            "seed": seed, "chapter_number": number, "max_chapters": chapters,
            "chapters": tuple(recaps), "winning_choice": winner, "story_style": story_style,
        }  # fmt: skip
        text = await collect(writer, make_brief(theme, purpose, **common))
        memory = make_brief(theme, "memory", draft=text, summary=summary, **common)
        note = parse_memory(await collect(writer, memory))
        summary = note["SUMMARY"][0][0]
        parsed = parse_chapter(text)
        winner = parsed.choices[0] if parsed.choices else None
        choices = tuple(parsed.choices)
        recaps.append(ChapterRecap(number, parsed.title, parsed.content, choices, winner))
        texts.append(text)
        notes.append(note)
    return texts, notes


def statuses(note: dict[str, list[list[str]]]) -> dict[str, str]:
    return {fields[0]: fields[-1] for fields in note["CHARACTER"]}


@pytest.mark.parametrize("theme_id", THEME_IDS)
async def test_memory_reports_what_each_chapter_established(book: ThemeBook, theme_id: str) -> None:
    writer = OfflineWriter(book, words_per_s=0)
    theme = book.themes[theme_id]
    cast = writer.cast(theme, 5)
    texts, notes = await memories(writer, theme, seed=5, chapters=4)
    for number, (text, note) in enumerate(zip(texts, notes), start=1):
        (summary,) = note["SUMMARY"]
        assert len(summary) == 1 and len(summary[0].split()) <= 120
        ends = re.findall(r"(?<!Mr)(?<!Mrs)(?<!Dr)(?<!Ms)[.!?](?:\s|$)", summary[0])
        assert 2 <= len(ends) <= 5, summary
        assert cast.hero.name in summary[0]
        people = {fields[0]: fields for fields in note["CHARACTER"]}
        assert cast.hero.name in people
        for fields in note["CHARACTER"]:  # name | [aliases: a, b |] description | status
            assert len(fields) == (4 if fields[1].startswith("aliases: ") else 3), fields
            assert fields[0] in parse_chapter(text).content
            assert 0 < len(fields[-2].split()) <= 15 and fields[-1]
        assert note["LOCATION"]
        assert all(len(f) == 2 and len(f[1].split()) <= 15 for f in note["LOCATION"])
        for fields in note["ITEM"]:
            assert len(fields) == 3 and fields[1].startswith("holder: ")
        assert len(note["EVENT"]) == 1 and note["EVENT"][0][0].endswith(".")
        if number > 1:  # the summary builds on the one before
            assert notes[0]["SUMMARY"][0][0].split(". ")[0] in summary[0]
    assert cast.home in [fields[0] for fields in notes[0]["LOCATION"]]
    assert cast.item in [fields[0] for fields in notes[-1]["ITEM"]]


@pytest.mark.parametrize("theme_id", THEME_IDS)
async def test_memory_statuses_change_over_the_arc(book: ThemeBook, theme_id: str) -> None:
    writer = OfflineWriter(book, words_per_s=0)
    theme = book.themes[theme_id]
    cast = writer.cast(theme, 9)
    _, notes = await memories(writer, theme, seed=9, chapters=4)
    first, last = statuses(notes[0]), statuses(notes[-1])
    assert first[cast.hero.name] != last[cast.hero.name]
    assert "defeated" in last[cast.rival.name]
    assert all("defeated" not in statuses(note).get(cast.rival.name, "") for note in notes[:-1])
    holders = {f[0]: f[1] for note in notes for f in note["ITEM"] if note is not notes[-1]}
    assert holders.get(cast.item, "holder: nobody") == "holder: nobody"
    assert {f[0]: f[1] for f in notes[-1]["ITEM"]}[cast.item] == f"holder: {cast.hero.name}"
    assert "defeated" in notes[-1]["EVENT"][0][0]


async def test_memory_of_a_tragic_ending_records_the_loss(book: ThemeBook) -> None:
    writer = OfflineWriter(book, words_per_s=0)
    lost = 0
    for theme in book.themes.values():
        cast = writer.cast(theme, 4)
        _, notes = await memories(writer, theme, seed=4, chapters=3, ending="tragic")
        last = notes[-1]
        hero = statuses(last)[cast.hero.name]
        assert "grieving" in hero
        gone = statuses(last).get(cast.ally.name) == "gone"
        destroyed = {f[0]: f[1] for f in last["ITEM"]}[cast.item] == "holder: nobody"
        lost += gone or destroyed
    assert lost >= 9  # the loss is recorded (one sentence pool may not name ally or item)


async def test_memory_notes_merge_into_the_story_memory(book: ThemeBook) -> None:
    """The story loop's own parser and merger read the tagged notes (aliases merge by name)."""
    from plugin.story.memory import StoryMemory
    from plugin.story.memory import parse_memory as read_memory

    writer = OfflineWriter(book, words_per_s=0)
    theme = book.themes["fantasy"]
    seed = next(s for s in range(200) if writer.cast(theme, s).rival.name == "Skarn the Grey")
    cast = writer.cast(theme, seed)
    texts, _ = await memories(writer, theme, seed=seed, chapters=4)
    memory = StoryMemory()
    for number, text in enumerate(texts, start=1):
        brief = make_brief(theme, "memory", seed=seed, chapter_number=number, max_chapters=4,
                           draft=parse_chapter(text).content, summary=memory.summary or None)  # fmt: skip
        memory.merge(read_memory(await collect(writer, brief)), number)
    people = {entry.name: entry for entry in memory.characters}
    assert set(people) <= {cast.hero.name, cast.ally.name, cast.rival.name, cast.other.name}
    assert people[cast.rival.name].status == "defeated"
    assert {"Skarn", "the Grey Dragon"} <= set(people[cast.rival.name].aliases)
    assert people[cast.hero.name].description.startswith(cast.role)
    items = {entry.name: entry for entry in memory.items}
    assert items[cast.item].holder == cast.hero.name
    assert cast.home in {entry.name for entry in memory.locations}
    assert len(memory.events) == 4 and memory.summary.startswith(cast.hero.name)


def test_rival_aliases_exercise_the_merger() -> None:
    from plugin.writers.offline.cast import Person
    from plugin.writers.offline.memory import aliases

    skarn = Person("Skarn the Grey", "he", "a dragon who hoarded secrets instead of gold")
    assert aliases(skarn, rival=True) == ["Skarn", "the Grey Dragon"]
    assert aliases(Person("Sir Pellam", "he", "an old knight"), rival=False) == ["Pellam"]
    assert "Morwen" in aliases(Person("Queen Morwen", "she", "the frost sorceress"), rival=True)


async def test_memory_of_a_foreign_chapter_is_a_best_effort(book: ThemeBook) -> None:
    writer = OfflineWriter(book, words_per_s=0)
    draft = "Lena walked into the Dark Cave. Something growled. Lena held her torch high for Tomas."
    brief = make_brief(book.themes["fantasy"], "memory", draft=draft, summary="It began.")
    note = parse_memory(await collect(writer, brief))
    assert note["SUMMARY"][0][0].startswith("It began. Lena walked")
    assert {"Lena", "Tomas"} <= {fields[0] for fields in note["CHARACTER"]}
    assert note["EVENT"]


async def rewrite_of(writer: OfflineWriter, theme: Theme, passage: str, instruction: str) -> str:
    return await collect(writer, make_brief(theme, "rewrite", draft=passage, direction=instruction))


@pytest.mark.parametrize("theme_id", THEME_IDS)
async def test_rewrite_follows_common_instructions(book: ThemeBook, theme_id: str) -> None:
    writer = OfflineWriter(book, words_per_s=0)
    theme = book.themes[theme_id]
    chapter = await collect(writer, make_brief(theme, chapter_number=2, winning_choice="Run"))
    passage = parse_chapter(chapter).content
    cast = writer.cast(theme, 7)
    people = (cast.hero.name, cast.ally.name, cast.rival.name)
    names = [n for n in people if n.lower() in passage.lower()]
    assert names
    size = len(passage.split())
    results = {}
    for instruction in ("shorter", "make it longer", "make it scarier", "add some humour",
                        "more dramatic", "calmer please", "mention the dragon",
                        "make it feel like a dream", "the ally finds a secret door"):  # fmt: skip
        text = await rewrite_of(writer, theme, passage, instruction)
        assert text and text != passage and "{" not in text and "⸨" not in text, instruction
        assert not re.match(r"^(TITLE|REWRITE|Rewritten)", text)
        assert all(name.lower() in text.lower() for name in names), (instruction, text)
        results[instruction] = text
    assert len(results["shorter"].split()) < 0.8 * size
    assert len(results["make it longer"].split()) > size
    assert "dragon" in results["mention the dragon"].lower()
    assert "dream" in results["make it feel like a dream"]
    assert "secret door" in results["the ally finds a secret door"]
    assert await rewrite_of(writer, theme, passage, "shorter") == results["shorter"]


async def test_rewrite_renames_and_combines(book: ThemeBook) -> None:
    writer = OfflineWriter(book, words_per_s=0)
    theme = book.themes["western"]
    passage = "Jed rode into town at dusk. The street was quiet. Jed tipped his hat to Rosa."
    renamed = await rewrite_of(writer, theme, passage, "rename Jed to Hank")
    assert "Hank" in renamed and "Jed" not in renamed and "Rosa" in renamed
    both = await rewrite_of(writer, theme, passage, "make it shorter and mention the dragon")
    assert "dragon" in both and "Jed" in both and "Rosa" in both
    assert "pitch-dark" not in await rewrite_of(writer, theme, passage, "make it less scary")


def check_memory(name: str, status: str, *aliases: str) -> dict[str, object]:
    person = {"name": name, "aliases": list(aliases), "description": "someone", "status": status}
    return {"characters": [person], "locations": [], "items": []}


async def test_check_flags_a_defeated_character_acting_again(book: ThemeBook) -> None:
    import json

    writer = OfflineWriter(book, words_per_s=0)
    theme = book.themes["fantasy"]
    memory = check_memory("Skarn the Grey", "defeated", "Skarn", "the Grey Dragon")
    for draft in (
        "The cave was quiet. Then Skarn stepped out of the shadows and laughed.",
        "“You again,” said Skarn the Grey, spreading his wings.",
        "Far above, the Grey Dragon circled the tower.",
    ):
        brief = make_brief(theme, "check", draft=draft, memory=memory)
        answer = json.loads(await collect(writer, brief))
        assert answer["ok"] is False and "Skarn the Grey" in answer["problem"], draft
    for draft in (
        "Mara remembered how Skarn had fallen, and smiled.",
        "Nobody had seen Skarn the Grey since the battle.",
        "“Skarn is gone for good,” said Pip.",
    ):
        brief = make_brief(theme, "check", draft=draft, memory=memory)
        answer = json.loads(await collect(writer, brief))
        assert answer == {"ok": True}, draft
    alive = check_memory("Skarn the Grey", "hunting for the Moon Key", "Skarn")
    draft = "Skarn stepped out of the shadows."
    answer = await collect(writer, make_brief(theme, "check", draft=draft, memory=alive))
    assert json.loads(answer) == {"ok": True}


@pytest.mark.parametrize("theme_id", THEME_IDS)
async def test_check_passes_the_writers_own_next_chapter(book: ThemeBook, theme_id: str) -> None:
    import json

    writer = OfflineWriter(book, words_per_s=0)
    theme = book.themes[theme_id]
    texts, notes = await memories(writer, theme, seed=2, chapters=3)
    people = [
        {"name": fields[0], "aliases": fields[1].removeprefix("aliases: ").split(", ")
         if len(fields) == 4 else [], "description": fields[-2], "status": fields[-1]}
        for note in notes[:-1] for fields in note["CHARACTER"]
    ]  # fmt: skip
    memory = {"characters": people, "locations": [], "items": []}
    answer = await collect(writer, make_brief(theme, "check", draft=texts[-1], memory=memory))
    assert json.loads(answer) == {"ok": True}


DIRECTIONS = {
    "introduce a talking cat": ["talking cat"],
    "the hero finds a secret door": ["secret door"],
    "make it rain": ["rain"],
    "mention the old lighthouse": ["old lighthouse"],
    "have the villain sing a lullaby": ["lullaby"],
}


@pytest.mark.parametrize("theme_id", THEME_IDS)
async def test_directors_note_is_woven_into_the_chapter(book: ThemeBook, theme_id: str) -> None:
    writer = OfflineWriter(book, words_per_s=0)
    theme = book.themes[theme_id]
    cast = writer.cast(theme, 7)
    for number, purpose in ((1, "chapter"), (3, "chapter"), (5, "final")):
        for note, words in DIRECTIONS.items():
            brief = make_brief(
                theme, purpose, chapter_number=number, direction=note,
                winning_choice=None if number == 1 else "Search the area for clues",
            )  # fmt: skip
            text = await collect(writer, brief)
            parsed = parse_chapter(text)
            early = " ".join(paragraphs(text)[:2])
            assert all(word in early for word in words), (note, early)
            assert len(parsed.choices) == (0 if purpose == "final" else 3)
            assert 0.7 * 180 <= len(parsed.content.split()) <= 1.3 * 180
            if note.startswith("the hero"):
                assert f"{cast.hero.name} found a secret door" in early
    plain = await collect(writer, make_brief(theme))
    assert plain == await collect(writer, make_brief(theme, direction="  "))


@pytest.mark.parametrize("theme_id", THEME_IDS)
async def test_point_of_view_first_and_second_person(book: ThemeBook, theme_id: str) -> None:
    writer = OfflineWriter(book, words_per_s=0)
    theme = book.themes[theme_id]
    for seed in (1, 2):
        hero = writer.cast(theme, seed).hero.name
        for pov, word in (("first", "I"), ("second", "you")):
            style = StoryStyle(pov=pov)  # type: ignore[arg-type]
            texts = await play_styled(writer, theme, seed, style)
            for text in texts:
                prose = parse_chapter(text).content
                told = narration(prose)
                assert "⸨" not in text
                assert not re.search(r"\b(I is|I has|you was|you is)\b", prose, re.I)
                assert re.search(rf"\b{word}\b", told, re.I), told
                assert not re.search(rf"\b{re.escape(hero)}\b", told), (pov, told)
            brief = make_brief(theme, "memory", seed=seed, draft=texts[0], story_style=style)
            note = parse_memory(await collect(writer, brief))
            assert hero in [fields[0] for fields in note["CHARACTER"]]


async def play_styled(
    writer: OfflineWriter, theme: Theme, seed: int, style: StoryStyle, chapters: int = 3
) -> list[str]:
    recaps: list[ChapterRecap] = []
    texts: list[str] = []
    winner: str | None = "Follow your map to the old bridge"
    for number in range(1, chapters + 1):
        purpose = "final" if number == chapters else "chapter"
        brief = make_brief(
            theme, purpose, seed=seed, chapter_number=number, max_chapters=chapters,
            chapters=tuple(recaps), winning_choice=winner if number > 1 else None,
            story_style=style,
        )  # fmt: skip
        text = await collect(writer, brief)
        parsed = parse_chapter(text)
        recaps.append(ChapterRecap(number, parsed.title, parsed.content, tuple(parsed.choices)))
        winner = parsed.choices[1] if parsed.choices else None
        texts.append(text)
    return texts


@pytest.mark.parametrize("theme_id", THEME_IDS)
async def test_endings_shape_the_final_chapter(book: ThemeBook, theme_id: str) -> None:
    writer = OfflineWriter(book, words_per_s=0)
    theme = book.themes[theme_id]
    cast = writer.cast(theme, 7)
    finals = {}
    for ending in ("happy", "tragic", "open", "twist", "any"):
        style = StoryStyle(ending=ending)  # type: ignore[arg-type]
        brief = make_brief(
            theme, "final", chapter_number=5, winning_choice="Run", story_style=style
        )
        finals[ending] = parse_chapter(await collect(writer, brief)).content
    assert finals["happy"] == finals["any"] == parse_chapter(
        await collect(writer, make_brief(theme, "final", chapter_number=5, winning_choice="Run"))
    ).content
    assert len(set(finals.values())) == 4
    material = Material(theme, book.shared)
    literal = lambda template: max(re.split(r"\{[^}]*\}", template), key=len).strip()  # noqa: E731
    for ending, pool in (("tragic", "tragic_losses"), ("twist", "twist_reveals")):
        assert any(literal(t) in finals[ending] for t in material.templates(pool)), ending
    assert finals["open"].rstrip().endswith("?")
    for text in finals.values():
        assert cast.rival.name.lower() in text.lower() and cast.goal in text


def test_every_theme_has_story_defaults() -> None:
    from plugin.yamlfile import load_yaml_file

    data, _ = load_yaml_file(THEMES_FILE)
    defaults = {theme["id"]: theme["defaults"] for theme in data["themes"]}
    assert list(defaults) == THEME_IDS
    for values in defaults.values():
        assert set(values) == {"persona", "style", "tone", "ending"}
        assert all(isinstance(v, str) and v.strip() for v in values.values())
        assert values["ending"] in ("happy", "tragic", "open", "twist")
    horror = defaults["horror"]
    assert horror["tone"] == "eerie but never gory" and horror["ending"] == "twist"
    assert defaults["comedy"]["tone"] == "silly and warm"
    assert defaults["romance"]["ending"] == "happy"


# ----- premise (before going live) and the writers' chat ----------------------------------

PREMISE_LINE = re.compile(r"^(TITLE|PREMISE|SETTING): (\S.*)$")


def parse_premise(text: str) -> dict[str, object]:
    """The premise format: TITLE/PREMISE/SETTING lines, then CHARACTERS and PLOT ELEMENTS lists."""
    found: dict[str, object] = {"CHARACTERS": [], "PLOT ELEMENTS": []}
    section = ""
    for line in text.splitlines():
        line_match = PREMISE_LINE.match(line)
        if line_match:
            found[line_match.group(1)] = line_match.group(2)
        elif line in ("CHARACTERS:", "PLOT ELEMENTS:"):
            section = line[:-1]
        else:
            assert line.startswith("- ") and section, line
            found[section].append(line[2:])  # type: ignore[union-attr]
    return found


@pytest.mark.parametrize("theme_id", THEME_IDS)
async def test_premise_pitches_the_sessions_own_story(book: ThemeBook, theme_id: str) -> None:
    writer = OfflineWriter(book, words_per_s=0)
    theme = book.themes[theme_id]
    for seed in (1, 7, 12):
        cast = writer.cast(theme, seed)
        text = await collect(writer, make_brief(theme, "premise", seed=seed, chapter_number=0))
        assert "{" not in text and "⸨" not in text
        premise = parse_premise(text)
        assert {"TITLE", "PREMISE", "SETTING"} <= set(premise), text
        story = str(premise["PREMISE"])
        assert 3 <= len(re.findall(r"[.!?](?:\s|$)", story)) <= 5, story
        assert cast.hero.name in story and cast.rival.name in story and cast.goal in story
        people = premise["CHARACTERS"]
        assert 3 <= len(people) <= 5  # type: ignore[arg-type]
        named = [line.split(": ", 1)[0] for line in people]  # type: ignore[union-attr]
        assert named[:3] == [cast.hero.name, cast.ally.name[0].upper() + cast.ally.name[1:],
                             cast.rival.name[0].upper() + cast.rival.name[1:]]  # fmt: skip
        assert all(len(line.split(": ", 1)[1]) > 10 for line in people)  # type: ignore[union-attr]
        assert 3 <= len(premise["PLOT ELEMENTS"]) <= 5  # type: ignore[arg-type]
        assert cast.home[1:] in str(premise["SETTING"]) and "\n" not in str(premise["SETTING"])
        # The outline written later with the same seed has the same title and hero.
        outline = await collect(writer, make_brief(theme, "outline", seed=seed, chapter_number=0))
        assert parse_outline(outline)[0] == premise["TITLE"]
        chapter = await collect(writer, make_brief(theme, seed=seed))
        assert hero_in(theme, parse_chapter(chapter).content) == cast.hero.name


WISHES = {
    "a heist with a talking cat": ["heist", "talking cat"],
    "I want the villain to be the hero's sister": ["sister"],
    "the villain is the hero's sister": ["sister"],
    "make it spooky please": ["spooky"],
    "set it in space": ["in space"],
    "have the villain sing a lullaby": ["lullaby"],
    "introduce a talking cat": ["talking cat"],
}


@pytest.mark.parametrize("theme_id", THEME_IDS)
async def test_premise_weaves_in_the_streamers_wishes(book: ThemeBook, theme_id: str) -> None:
    writer = OfflineWriter(book, words_per_s=0)
    theme = book.themes[theme_id]
    cast = writer.cast(theme, 7)
    plain = parse_premise(await collect(writer, make_brief(theme, "premise")))
    for wish, words in WISHES.items():
        text = await collect(writer, make_brief(theme, "premise", direction=wish))
        premise = parse_premise(text)
        story = str(premise["PREMISE"])
        assert all(word in story for word in words), (wish, story)
        assert premise["TITLE"] == plain["TITLE"] and cast.hero.name in story
        assert len(premise["PLOT ELEMENTS"]) <= 5  # type: ignore[arg-type]
        assert any(words[0] in e for e in premise["PLOT ELEMENTS"])  # type: ignore[union-attr]
        if "sister" in wish:
            assert f"{cast.rival.name} is {cast.hero.name}'s sister" in story
    assert await collect(writer, make_brief(theme, "premise", direction="  ")) == await collect(
        writer, make_brief(theme, "premise")
    )


async def test_premise_follows_the_custom_theme_and_story_style(book: ThemeBook) -> None:
    writer = OfflineWriter(book, words_per_s=0)
    theme = book.custom("a cozy cat café on the moon")
    brief = make_brief(theme, "premise", custom_theme=theme.description)
    premise = parse_premise(await collect(writer, brief))
    assert "a cozy cat café on the moon" in str(premise["PREMISE"])
    assert "cozy cat café on the moon" in str(premise["SETTING"])
    fantasy = book.themes["fantasy"]
    endings = set()
    for ending in ("happy", "tragic", "open", "twist"):
        style = StoryStyle(ending=ending, tone="eerie but never gory", pov="first")  # type: ignore[arg-type]
        text = await collect(writer, make_brief(fantasy, "premise", story_style=style))
        elements = " ".join(parse_premise(text)["PLOT ELEMENTS"])  # type: ignore[arg-type]
        assert "eerie but never gory" in elements
        endings.add(elements)
    assert len(endings) == 4
    again = make_brief(fantasy, "premise", variant=1)
    assert await collect(writer, again) != await collect(writer, make_brief(fantasy, "premise"))


def idea_items(text: str) -> list[str]:
    return [line[2:] for line in text.splitlines() if line.startswith("- ")]


async def a_story_so_far(
    writer: OfflineWriter, theme: Theme, seed: int
) -> tuple[ChapterRecap, ...]:
    texts = await play(writer, theme, seed=seed, chapters=3)
    recaps = []
    for number, text in enumerate(texts, start=1):
        parsed = parse_chapter(text)
        recaps.append(ChapterRecap(number, parsed.title, parsed.content, tuple(parsed.choices)))
    return tuple(recaps)


QUESTIONS = {
    "what if the villain is the hero's sister?": ["villain", "sister"],
    "give me three twists": ["twist"],
    "how could chapter 2 be funnier?": ["chapter 2", "funnier"],
    "give me ideas": ["ideas"],
    "can we add a talking cat?": ["talking cat"],
    "how should the story end?": ["end"],
    "make the sidekick more useful": ["sidekick"],
    "could chapter 3 be scarier?": ["chapter 3", "scarier"],
    "what about a secret tunnel?": ["secret tunnel"],
    "I'm stuck, what happens next?": ["next"],
    "is the pacing too slow?": ["pacing"],
}


@pytest.mark.parametrize("theme_id", THEME_IDS)
async def test_ideas_answer_the_question_in_the_storys_world(
    book: ThemeBook, theme_id: str
) -> None:
    writer = OfflineWriter(book, words_per_s=0)
    theme = book.themes[theme_id]
    cast = writer.cast(theme, 5)
    story = await a_story_so_far(writer, theme, 5)
    answers = {}
    for question, words in QUESTIONS.items():
        for chapters in (story, ()):
            brief = make_brief(theme, "ideas", seed=5, question=question, chapters=chapters)
            text = await collect(writer, brief)
            assert "{" not in text and "⸨" not in text and not re.search(r"\b(?:an AI|language model)\b", text, re.I)
            assert all(word in text.lower() for word in words), (question, text)
            items = idea_items(text)
            assert 3 <= len(items) <= 5, text
            people = (cast.hero.name, cast.ally.name, cast.rival.name)
            assert any(name.lower() in text.lower() for name in people), text
            assert text == await collect(writer, brief)  # deterministic
            if chapters:
                answers[question] = text
    assert len(set(answers.values())) == len(answers)
    assert "sister" in " ".join(idea_items(answers["what if the villain is the hero's sister?"]))
    whatif = answers["what if the villain is the hero's sister?"]
    assert f"{cast.rival.name} is {cast.hero.name}'s sister" in whatif
    assert story[1].title in answers["how could chapter 2 be funnier?"]


async def test_ideas_count_and_empty_question(book: ThemeBook) -> None:
    writer = OfflineWriter(book, words_per_s=0)
    theme = book.themes["mystery"]
    cast = writer.cast(theme, 3)
    story = await a_story_so_far(writer, theme, 3)
    asked = (("give me ideas", 3), ("give me five twists", 5),
             ("4 ideas for the next chapter please", 4), ("ten ideas!", 5))  # fmt: skip
    for question, count in asked:
        brief = make_brief(theme, "ideas", seed=3, question=question, chapters=story)
        assert len(idea_items(await collect(writer, brief))) == count, question
    for empty in (None, "", "   "):
        brief = make_brief(theme, "ideas", seed=3, question=empty, chapters=story)
        text = await collect(writer, brief)
        assert len(idea_items(text)) == 3 and "next" in text and cast.hero.name in text
        assert "chapter 4" in text  # what could happen in the chapter after the last one told


async def test_ideas_stay_family_friendly(book: ThemeBook) -> None:
    writer = OfflineWriter(book, words_per_s=0)
    theme = book.themes["western"]
    for question in ("make it gory and bloody", "add some swearing"):
        text = await collect(writer, make_brief(theme, "ideas", question=question))
        assert "family-friendly" in text and len(idea_items(text)) == 3
        assert not re.search(r"gory|bloody|swear", text, re.I)
