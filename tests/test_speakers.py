"""Who says each quoted line: a speaker only when the narration makes it certain (a wrong voice is worse than none)."""

from __future__ import annotations

import re

import pytest

from plugin.story.memory import Entry
from plugin.story.narration import plan_lines

QUOTED = re.compile(r"^[“\"«„「].*[”\"»“」]$", re.S)


def cast(*names: str) -> list[Entry]:
    """Known characters, each written "Name" or "Name|alias|alias"."""
    return [Entry(name=spec.split("|")[0], aliases=spec.split("|")[1:]) for spec in names]


# (chapter text, known characters, the speaker of each quoted line in order)
CASES: list[tuple[str, list[Entry], list[str | None]]] = [
    # a said-verb and a name next to the quote, known or new
    ("“Run,” said Mara.", [], ["Mara"]),
    ("Mara whispered, “Stay close.”", [], ["Mara"]),
    ("\"Run,\" said Mara, and the lamp went out.", cast("Pip"), ["Mara"]),
    ("“Get down,” Captain Rowan growled.", [], ["Captain Rowan"]),
    ("“Get down,” Captain Rowan growled.", cast("Rowan"), ["Rowan"]),
    ("“Quiet,” Mara said softly, her eyes on the door.", cast("Mara"), ["Mara"]),
    ("“Where now?” asked Toby.", cast("Toby", "Mina"), ["Toby"]),
    ("“Where now?” asked Toby, looking at Mina.", cast("Toby", "Mina"), ["Toby"]),
    ("“Enough,” said Old Grimsby.", cast("Grimsby"), ["Grimsby"]),
    ("“Follow me,” said Red.", cast("Scarlet Fox|Red"), ["Scarlet Fox"]),
    ("“Follow me,” said Elena.", cast("Elena Marsh"), ["Elena Marsh"]),
    ("“Hello,” said Anna.", cast("Anna Bell", "Anna Stone"), [None]),  # which Anna?
    ("“Ready?” asked Pip. “Always,” said Bramble.", cast("Pip", "Bramble"), ["Pip", "Bramble"]),
    ("“If we hurry,” said Mara, “we can still make it.”", [], ["Mara", "Mara"]),
    ("“Stop. Wait. Listen,” said Mara.", [], ["Mara"]),
    ("Mara glanced at Bramble, who said, “Not yet.”", cast("Mara", "Bramble"), ["Bramble"]),
    ("Pip frowned. “Wrong way,” said Bramble.", cast("Pip", "Bramble"), ["Bramble"]),
    ("“Go,” said Grimsby, Mara's uncle.", cast("Mara", "Grimsby"), ["Grimsby"]),
    # two speakers in one said-clause, or someone of a character's, is no one
    ("“Go,” said Pip and Mara.", cast("Pip", "Mara"), [None]),
    ("“Go,” said Pip and the old man.", cast("Pip"), [None]),
    ("Pip and Mara said, “Go.”", cast("Pip", "Mara"), [None]),
    ("“Run,” said Mara's brother.", cast("Mara"), [None]),
    ("Mara's brother stepped forward. “Run.”", cast("Mara"), [None]),
    ("Mara's eyes narrowed. “Run.”", cast("Mara"), ["Mara"]),
    # never a common word with a capital, never a shout in capitals (unless it is a known character)
    ("“KANE!” yelled ZANE.", [], [None]),
    ("“KANE!” yelled ZANE.", cast("Kane"), [None]),
    ("“KANE!” yelled ZANE.", cast("Zane"), ["Zane"]),
    ("“Kane, wait!” Zane shouted.", cast("Zane", "Kane"), ["Zane"]),
    ("“Fire!” Someone shouted.", [], [None]),
    ("“Welcome home!” Everyone cried at once.", cast("Mara"), [None]),
    ("Her mother stood at the door. “Come inside,” Mother called.", [], [None]),
    ("“Dinner is ready,” Mother called.", [], [None]),
    ("“Who goes there?” Silence answered.", [], [None]),
    ("“Dinner is ready,” Mother called.", cast("Mother"), ["Mother"]),
    # names inside the quote never make its speaker
    ("Old Grimsby narrowed his eyes. “You shouldn't have come here, Mina.”", cast("Grimsby", "Toby", "Mina"),
     ["Grimsby"]),
    ("Toby and Mina crept into the cellar. “You shouldn't have come here, Mina.”", cast("Grimsby", "Toby", "Mina"),
     [None]),
    ("“Mina, run!” shouted Toby.", cast("Toby", "Mina"), ["Toby"]),
    ("“Mina, run!”", cast("Toby", "Mina"), [None]),
    ("Mara set down the lamp. “Thank you, Grimsby,” she said.", cast("Mara", "Grimsby"), ["Mara"]),
    # action beats in the same paragraph
    ("Bramble spoke up quietly. “We should rest.”", cast("Bramble", "Pip"), ["Bramble"]),
    ("“Look, a light!” Then Bramble gasped and pointed.", cast("Bramble", "Pip"), ["Bramble"]),
    ("As always, Bramble had an opinion: “Snacks first.”", cast("Bramble", "Mara"), ["Bramble"]),
    ("Far away, Lord Vexmoor smiled a cold smile. “Let them come.”", cast("Vexmoor|Lord Vexmoor"), ["Vexmoor"]),
    ("Somewhere, Vexmoor was watching, and muttered, “Closer.”", cast("Vexmoor", "Mara"), ["Vexmoor"]),
    ("Vexmoor's voice rang out across the valley: “Kneel!”", cast("Vexmoor", "Mara"), ["Vexmoor"]),
    ("Pip and Bramble stopped. “Listen.”", cast("Pip", "Bramble"), [None]),
    ("Pip looked at Bramble. “Ready?”", cast("Pip", "Bramble"), [None]),
    ("Mara and Jasper stopped at the gate. “Listen.”", cast("Mara"), [None]),
    ("Pip frowned. “That's the wrong way.” Bramble shook her head.", cast("Pip", "Bramble"), [None]),
    ("Pip frowned. “That's the wrong way.” Pip pointed north.", cast("Pip", "Bramble"), ["Pip"]),
    ("“Run!” Mina grabbed Toby's hand.", cast("Toby", "Mina"), [None]),
    ("“Run!” She grabbed the lamp.", cast("Mina"), [None]),
    ("Mara turned to the guard and said, “Me first.”", cast("Mara"), ["Mara"]),
    ("The guard turned to Mara and said, “You first.”", cast("Mara"), [None]),
    ("Mara nodded at the old man, who said, “Go.”", cast("Mara"), [None]),
    ("Mara turned to the guard, and the guard said, “Halt.”", cast("Mara"), [None]),
    ("Bramble sighed. “Fine.” “Really?” “Really.”", cast("Bramble", "Pip"), ["Bramble", None, None]),
    # pronoun tags: only when the paragraph names exactly one known character before the quote
    ("Mara turned around. “Who's there?” she asked.", cast("Mara"), ["Mara"]),
    ("Mara turned around. She whispered, “Who's there?”", cast("Mara"), ["Mara"]),
    ("Mara turned to Pip. “Who's there?” she asked.", cast("Mara", "Pip"), [None]),
    ("“Who's there?” she asked.", cast("Mara"), [None]),
    ("“Who's there?” she asked. Mara held up the lamp.", cast("Mara"), [None]),
    ("“I'm ready,” I said.", cast("Mara"), [None]),
    ("“Hi,” said Mara. “Bye,” she added.", cast("Mara"), ["Mara", "Mara"]),
    ("He looked at Mara. “Quick!” he said.", cast("Mara"), [None]),
    ("Mara looked at him. “Quick!” he said.", cast("Mara"), [None]),
    ("Mara nodded at the old man. “Go,” he said.", cast("Mara"), [None]),
    ("Jasper nodded. Mara smiled. “Go,” he said.", cast("Mara"), [None]),
    ("Mara and Pip ran. “Faster!” they said.", cast("Mara", "Pip"), [None]),
    ("Mara ran. “Faster!” they said.", cast("Mara"), [None]),
    ("He told Mina, “Stay here.”", cast("Toby", "Mina"), [None]),
    ("Mina waited. “Stay here,” he told Mina.", cast("Toby", "Mina"), [None]),
    # nothing carries across paragraphs
    ("Mara stepped forward.\n\n“I'll go first.”", cast("Mara"), [None]),
    ("Mara stepped forward.\n“I'll go first.”", cast("Mara"), [None]),
    ("Mara stepped forward.\n\n“I'll go first,” she said.", cast("Mara"), [None]),
    ("“Run!”\nMara grabbed the lamp.", cast("Mara"), [None]),
    ("“Run,” said Mara.\n\n“Where?”", cast("Mara"), ["Mara", None]),
    # "told Mina" names the listener; "asked Toby" after a quote is the speaker
    ("Toby told Mina, “Stay here.”", cast("Toby", "Mina"), ["Toby"]),
    ("“Stay here,” Toby told Mina.", cast("Toby", "Mina"), ["Toby"]),
    ("“Is it safe?” asked Toby.", cast("Toby", "Mina"), ["Toby"]),
    # messages and voices heard are not certain
    ("A message arrived, written in Lord Vexmoor's sharp hand: “You will never find it.”",
     cast("Vexmoor|Lord Vexmoor", "Cassian"), [None]),
    ("Cassian could almost hear Queen Morwen's voice: “Turn back.”", cast("Cassian", "Morwen|Queen Morwen"), [None]),
    ("Lord Vexmoor had left a warning behind: “Turn back.”", cast("Vexmoor|Lord Vexmoor"), [None]),
    ("The note on the door read: “Gone fishing.”", cast("Mara"), [None]),
    ("Mara heard a shout: “Help!”", cast("Mara"), [None]),
    ("Mara remembered her father's words: “Never give up.”", cast("Mara"), [None]),
    # no quotes at all
    ("Mara walked on. The road was long, and Pip hummed.", cast("Mara", "Pip"), []),
]


def case_id(number: int, content: str) -> str:
    """A readable test id: the case number and the chapter text's first words."""
    return f"{number:02d}-" + re.sub(r"\W+", "-", content)[:40].strip("-")


@pytest.mark.parametrize(("content", "characters", "speakers"), CASES,
                         ids=[case_id(n, content) for n, (content, _, _) in enumerate(CASES)])
def test_a_quote_gets_a_speaker_only_when_certain(content: str, characters: list[Entry],
                                                  speakers: list[str | None]) -> None:
    lines = plan_lines(content, characters)
    assert "".join("".join(line.text for line in lines).split()) == "".join(content.split())  # nothing lost
    assert all(line.speaker is None for line in lines if not QUOTED.match(line.text))  # narration is the narrator's
    assert [line.speaker for line in lines if QUOTED.match(line.text)] == speakers


def test_enough_cases() -> None:
    assert len(CASES) >= 30
