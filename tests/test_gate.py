"""The quality gate on what real small models wrote (quoted from runs against llama.cpp-served models)."""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from plugin.story.answers import read_chapter, read_memory
from plugin.story.gate import (
    EchoGuard,
    clean_choices,
    clean_plan,
    clean_prose,
    clean_title,
    judge_prose,
    trim_to_sentence,
)
from plugin.story.streaming import LiveProse
from tests.support.leaks import leaks_in

PROMPT = ("Write chapter 5 of 8, the opening: introduce the hero, the place and the goal. Length: about 180 words, "
          "in short paragraphs. End at a moment where the hero must decide. Then offer exactly 3 choices for what "
          "the hero does next: each one a short action (3 to 8 words), clearly different from the others, and each "
          "leading somewhere interesting. Answer in exactly this format: TITLE: <chapter title> STORY: <the chapter>")
GUARD = EchoGuard(PROMPT, ["Mara looked at the old map of the Whispering Woods."])
STORY = ("Mara pressed her palm against the glass door and felt it hum with a song she almost remembered. "
         "Behind her, the corridor filled with footsteps.")


@pytest.mark.parametrize("answer", [
    f"Chapter 1:\n{STORY}", f"THE CHAPTER:\n{STORY}", f"The final chapter:\n{STORY}", f"STORY:\n{STORY}",
    f"Sure! Here's the next chapter:\n\n{STORY}", f"{STORY}\nThis is a great example of creative writing.",
    f"{STORY}\n[/INST]\nUser\nWrite more", f"<b>{STORY}</b>", f"**{STORY}**", f"{STORY}<|im_end|>",
    f"{STORY}\nHere's a quick look at the choices:\nA) Run\nB) Hide", f"{STORY}\n\nTITLE: Another chapter\nMore text.",
    f"{STORY}\nCHOICES:\nA) Open the door\nB) Hide\nC) Sing", f"# The Door\n{STORY}", f"{STORY}\n1. 328 words",
    f"{STORY} Here's what makes this part of the story worth sharing: no action, only choices.",
    f"{STORY} One of my favorite scenes has been when the hero faced the Thornwitch. I love that moment.",
    f"{STORY}\nDo you know how it feels when you write this part of the story?",
    f"The audience chose: \"Open the door\". Open this chapter by acting out that choice, then follow where it leads. "
    f"{STORY}",
])
def test_format_drift_around_the_story_is_cleaned_away(answer: str) -> None:
    cleaned = clean_prose(answer, GUARD)
    assert cleaned.text.replace("\n\n", " ") == STORY and not cleaned.fatal, cleaned.findings
    assert leaks_in(cleaned.text) == []


@pytest.mark.parametrize(("answer", "code"), [
    ("Mara woke up. The <chapter title> hung over the door.", "placeholder"),
    ("Mara woke. <the whole story so far including this chapter, at most 100 words>", "placeholder"),
    ("Your previous attempt had a problem: the chapter is too short (70", "length"),
    ("Write chapter 5 of 8, the opening, and end at a moment where the hero must decide.", "length"),
    ("THIS IS A LIFTEMPEL THAT TOOK A DRAGON IN THE FIRE AND THE FIRE WAS HOT " * 3, "loop"),
    (("The cat sat on the mat in the quiet house. " * 12), "loop"),
    # SmolLM2-135M's first chapter in a real run: a catalogue of names, one of them nine times
    ("A Golden Hope, A Dark Dream, A Promise, A Visionary, An Enigma, A Wonder, A Song.A Dream of the Unreeled, "
     "The One with No Name.An Enchantment to Remember, The Last Witch-King, The Last King's Mother, In a World of "
     "Desperity, A Long, Long Way, A Secret, A Visionary, An Angelic King, A Hero, A Hero Who Loved Her, An Angel "
     "of Mercy, An Angel of Mercy, An Angel of Mercy.A Hero, A Hero with a Red Razor.An Angel of Mercy.", "loop"),
    ("Mira ran to the gate, an angel of mercy, and the guard let her in. She ran on, an angel of mercy, past the "
     "well. At the door, an angel of mercy, she knocked. Nobody came, an angel of mercy, and the night grew cold. "
     "She waited and waited for the dawn to come.", "loop"),
])
def test_answers_that_are_not_story_are_kept_off_the_screen(answer: str, code: str) -> None:
    cleaned = clean_prose(answer, GUARD)
    found = cleaned.findings + judge_prose(cleaned, 60, "English")
    assert any(f.code == code and f.fatal for f in found), found


def test_a_cut_final_chapter_is_rejected_and_a_cut_chapter_ends_at_its_last_sentence() -> None:
    text = STORY + " Then she ran, and there's"
    cleaned = clean_prose(text, GUARD)
    assert any(f.code == "cut" and f.fatal for f in judge_prose(cleaned, 30, "English", "length", final_chapter=True))
    assert not any(f.fatal for f in judge_prose(cleaned, 30, "English", "length", final_chapter=False))
    assert trim_to_sentence(cleaned.text) == STORY


@pytest.mark.parametrize(("raw", "expected"), [
    (["A", "B", "C"], []), (["A) A", "B) B", "C) C"], []), (["<choice>", "<choose>, b) <choose>."], []),
    (["A: short", "B: different from each other"], []),
    (["Take the shortcut through the catacombs beneath the old city, hoping that the ghosts are asleep and the "
      "guards are away"], ["Take the shortcut through the catacombs beneath the old city"]),
    (["Open the door", "open the door!", "Hide in the alcove (!b)"], ["Open the door", "Hide in the alcove"]),
    (["Withen Elen", "Skarn the Grey", "Chapters_5680:2473-9443"], []),
    (['The audience chose: "Open the door"', "Answer in exactly this format"], []),
    (["Goblin King's Lava", "Short answer", "Bargain with the goblin traders"], ["Bargain with the goblin traders"]),
    (["A Golden Hope, A Dark Dream, An Enigma, A Visionary", "Take the old dwarf road"], ["Take the old dwarf road"]),
])
def test_choices_are_real_short_actions(raw: list[str], expected: list[str]) -> None:
    assert clean_choices(raw, GUARD, 3)[0] == expected


@pytest.mark.parametrize(("raw", "expected"), [
    ("<chapter title>", ""), ("[Title of the next chapter]", ""), ("Chapter 3: The Bridge", "The Bridge"),
    ("TITLE: **The Glass Door**", "The Glass Door"), ('"The Legend of the Lost Dragon", "story"', ""),
    ("The Ember Crown is now a gift from the ancient kings of high fantasy to the mort", ""),  # a sentence
    ("The Long Road Home Through the Winter Forest of Old Kings", "The Long Road Home Through the Winter Forest"),
])
def test_titles_are_shown_only_when_they_are_titles(raw: str, expected: str) -> None:
    assert clean_title(raw, GUARD) == expected


def test_a_plan_keeps_its_lines_but_not_placeholders_or_chatter() -> None:
    plan = "Sure! Here is the plan:\n1. <chapter 1 in one line>\n2. Mara finds the map.\n3. Mara reaches the tower."
    assert clean_plan(plan, GUARD) == "2. Mara finds the map.\n3. Mara reaches the tower."


@pytest.mark.parametrize("answer", [
    '{"summary": "<the whole story so far including this chapter, at most 100 words>", "characters": '
    '[{"name": "", "aliases": [""]}, "[{", {"name": "story_id="}, {"name": "{"}], "items": [{"name": "items"}], '
    '"events": ["{", "["]}',
    'Here is the memory: {"characters": [{"name": "A"}], "events": ["events"]',
])
def test_memory_answers_with_junk_store_nothing_of_it(answer: str) -> None:
    note = read_memory(answer)
    assert note is not None and note.summary == "" and note.characters == [] and note.items == []
    assert note.events == [] or note.events == ["events"]


@pytest.mark.parametrize("answer", [
    '{"title": "The Door", "story": "' + STORY + '", "choices": ["Open it", "Hide", "Sing"], "extra": 1}',
    '```json\n{"title": "The Door", "story": "' + STORY + '", "choices": ["Open it", "Hide", "Sing"]}\n```',
    'Here is the chapter as JSON: {"Title": "The Door", "Story": "' + STORY + '", "Choices": ["a", "b"]} Enjoy!',
    '{"title": "The Door", "story": "' + STORY.replace(". ", ".\n") + '"',  # cut short, raw line break inside
])
def test_json_answers_are_read_whatever_their_wrapping(answer: str) -> None:
    chapter, as_json = read_chapter(answer, 3)
    assert as_json and chapter.title == "The Door"
    assert " ".join(chapter.story.split()) == STORY


def stream(answer: str, piece: int) -> tuple[str, LiveProse]:
    """What the overlay is sent while `answer` arrives `piece` characters at a time."""
    live, shown = LiveProse(GUARD), ""
    for start in range(0, len(answer), piece):
        shown += live.feed(answer[start:start + piece])
    return shown, live


@pytest.mark.parametrize("piece", [1, 3, 17])
@pytest.mark.parametrize("answer", [
    f"TITLE: The Door\nSTORY:\n{STORY}\n1. 328 words\nShe turned.\nCHOICES:\nA) Open\nB) Hide\nC) Sing",
    '{"title": "The Door", "story": "' + STORY + '\\n\\nShe turned.", "choices": ["Open", "Hide", "Sing"]}',
    f"Sure! Here's the chapter:\n{STORY}\nThis is a great example of creative writing.\nShe turned.",
])
def test_the_live_stream_is_exactly_how_the_final_text_begins(answer: str, piece: int) -> None:
    shown, live = stream(answer, piece)
    chapter, _ = read_chapter(answer, 3)
    final = clean_prose(chapter.story, GUARD).text
    assert final.startswith(shown) and len(shown) >= len(STORY)  # it streamed, and never stopped at "1."
    assert live.finish(final) == (False, final[len(shown):])
    assert leaks_in(shown) == []


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=400), st.integers(min_value=1, max_value=40))
def test_fuzzed_answers_never_break_the_stream_or_the_gate(answer: str, piece: int) -> None:
    shown, live = stream(answer, piece)
    cleaned = clean_prose(answer, GUARD)
    judge_prose(cleaned, 60, "English")
    reset, rest = live.finish(cleaned.text)
    assert (shown + rest if not reset else rest) == cleaned.text
    assert not re.search(r"<\|im_end\|>|\[/INST\]", shown)


@pytest.mark.parametrize("prose", [
    "Heart pounding, Tobin made his choice: he would follow the will-o'-wisps into the Fen of Lanterns.",
    "The option was clear: they had to cross the river before dark.",
])
def test_a_sentence_about_a_choice_is_story_not_a_label(prose: str) -> None:
    cleaned = clean_prose(f"{prose} {STORY}", GUARD)
    assert cleaned.text == f"{prose} {STORY}" and not cleaned.findings
