"""Tolerant reading of model answers, reasoning removal, and live prose extraction."""

from __future__ import annotations

import random

import pytest

from plugin.story.parse import parse_chapter, parse_choices, parse_outline
from plugin.story.streaming import LiveProse
from plugin.writers.thinking import ThinkFilter

CANONICAL = """TITLE: The Bridge
STORY:
The wind howled over the old bridge as Mara stepped forward.

Below, the river churned.
CHOICES:
A) Cross the bridge
B) Climb down to the river
C) Wait for nightfall
"""


def test_canonical_format() -> None:
    parsed = parse_chapter(CANONICAL)
    assert parsed.title == "The Bridge"
    assert parsed.content.startswith("The wind howled") and parsed.content.endswith("river churned.")
    assert parsed.choices == ["Cross the bridge", "Climb down to the river", "Wait for nightfall"]


@pytest.mark.parametrize(
    "answer",
    [
        "Sure! Here is chapter 2:\n\n## Chapter 2: The Bridge\n\nThe wind **howled** over the bridge.\n\n"
        "**What happens next?**\n**A)** Cross the bridge (!a)\n**B)** Climb down to the river\n"
        "**C)** Wait for nightfall",
        "<think>They want drama. Let me plan.</think>\n**Title:** The Bridge\n\nThe wind howled over the bridge.\n\n"
        "1. Cross the bridge\n2. Climb down to the river\n3. Wait for nightfall\n",
        "```\nTITLE: The Bridge\n\nThe wind howled over the bridge.\n\nChoices:\n- A: Cross the bridge\n"
        "- B: Climb down to the river\n- C: Wait for nightfall\n```",
        "# The Bridge\nThe wind howled over the bridge.\n\nOptions:\nA. Cross the bridge\nB. Climb down to the river\n"
        "C. Wait for nightfall\nD. Cross the bridge",
    ],
)
def test_markdown_numbering_preamble_and_reasoning(answer: str) -> None:
    parsed = parse_chapter(answer)
    assert parsed.title == "The Bridge"
    assert parsed.content.startswith("The wind howled over the bridge.")
    assert "*" not in parsed.content and "think" not in parsed.content.lower()
    assert parsed.choices == ["Cross the bridge", "Climb down to the river", "Wait for nightfall"]


def test_final_chapter_without_choices() -> None:
    parsed = parse_chapter("TITLE: Home at Last\n\nMara crossed the threshold. The lantern dimmed. The end.")
    assert parsed.choices == [] and parsed.content.endswith("The end.")


@pytest.mark.parametrize("junk", ["", "   ", "<think>only thinking", "{}", "\x00\x01", "A) B) C)"])
def test_junk_never_raises(junk: str) -> None:
    parsed = parse_chapter(junk)
    assert isinstance(parsed.content, str)


def test_repair_answer_and_outline() -> None:
    assert parse_choices("CHOICES:\nA) Run\nB) Hide\nC) Fight") == ["Run", "Hide", "Fight"]
    title, outline = parse_outline("TITLE: The Lantern Road\nOUTLINE:\n1. Start\n2. End")
    assert title == "The Lantern Road" and outline == "1. Start\n2. End"


def stream_through(filter_feed, text: str, seed: int) -> str:
    rng = random.Random(seed)
    out, i = [], 0
    while i < len(text):
        step = rng.randint(1, 7)
        out.append(filter_feed(text[i : i + step]))
        i += step
    return "".join(out)


@pytest.mark.parametrize("seed", range(20))
def test_think_blocks_split_across_deltas_never_leak(seed: int) -> None:
    think = ThinkFilter()
    text = "<think>secret plan A</think>Mara ran.<THINK>more secret</THINK> She hid.<think>unclosed secret"
    out = stream_through(think.feed, text, seed) + think.flush()
    assert out == "Mara ran. She hid."


@pytest.mark.parametrize("seed", range(20))
def test_prose_stream_passes_only_the_story(seed: int) -> None:
    prose = LiveProse()
    final = "The wind howled over the old bridge as Mara stepped forward.\n\nBelow, the river churned."
    out = stream_through(prose.feed, CANONICAL, seed)
    assert final.startswith(out) and prose.finish(final) == (False, final[len(out):])


def test_prose_stream_shows_words_before_the_line_ends() -> None:
    prose = LiveProse()
    prose.feed("TITLE: The Bridge\nSTORY:\n")
    assert prose.feed("The wind howled over the old ") == "The wind howled over the old"
    assert prose.feed("bridge an") == " bridge"  # each word once it is whole
    assert prose.feed("d ") == " and"
