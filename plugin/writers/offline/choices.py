"""Offline writer choices: the options viewers vote on, and turning a winner into prose."""

from __future__ import annotations

import random
import re
from collections.abc import Callable

from plugin.writers.offline.cast import Cast, Slots

LETTERS = "ABCDEF"  # the chapter parser reads at most six labelled choices
MAX_CHOICE_CHARS = 88
# First words that mark a choice as a statement or question rather than an imperative verb
# phrase; such choices are quoted instead of being turned into "Mara chose to ...".
_STATEMENT_OPENERS = frozenset(
    "the a an he she they we i you it his her their our my your this that these those there "
    "someone everyone nobody will should shall do does did can could would what where who why "
    "how is are was were if when maybe perhaps".split()
)


def choice_key(text: str) -> str:
    """Comparison key matching the chapter parser's de-duplication."""
    return re.sub(r"\W+", " ", text.casefold()).strip()


def adapt_choice(choice: str, cast: Cast) -> tuple[str, bool]:
    """A viewer choice ready to follow "chose to": (verb phrase, True) or (as written, False)."""
    text = re.sub(r"^\s*[!(\[]?[A-Fa-f1-6][).:\]]\s+", "", choice.strip())
    text = text.strip().strip("\"'“”")
    first = text.split()[0] if text.split() else ""
    bare = first.strip(",.!?;:").lower()
    named = any(text.lower().startswith(name.lower() + " ") for name in cast.names() if name)
    if not first or bare in _STATEMENT_OPENERS or named or text.endswith("?"):
        return text, False
    slots = cast.slots()
    mine = "hers" if slots["his"] == "her" else slots["his"]
    # Choices address the viewers ("your map"); the prose speaks about the hero ("her map").
    for pattern, replacement in (
        (r"\byourselves\b", "themselves"),
        (r"\byourself\b", slots["himself"]),
        (r"\byours\b", mine),
        (r"\byour\b", slots["his"]),
        (r"\byou\b", slots["him"]),
    ):
        text = re.sub(pattern, replacement, text, flags=re.I)
    if not (len(first) > 1 and first.isupper()):
        text = text[0].lower() + text[1:]
    return text.rstrip(" .!;:…"), True


def letter_lines(choices: list[str]) -> str:
    """Choices as 'A) ...' lines."""
    return "\n".join(f"{LETTERS[i]}) {choice}" for i, choice in enumerate(choices))


class ChoiceMaker:
    """Picks distinct, short, theme-flavoured choices that each lead somewhere different."""

    def __init__(
        self,
        slots: Slots,
        destinations: list[str],
        banned: set[str],
        avoid: list[str],
        rng: random.Random,
    ) -> None:
        self.slots = slots
        self.places = list(destinations)
        self.banned = banned
        self.avoid = [name.lower() for name in avoid if name]
        self.rng = rng
        self.picked: list[str] = []

    def make(self, count: int, templates: list[str], fallback: Callable[[int], str]) -> list[str]:
        """Exactly `count` choices; a first pass wants a new opening verb for each."""
        count = max(1, min(count, len(LETTERS)))
        for strict in (True, False):
            for template in templates:
                if len(self.picked) >= count:
                    break
                choice = self._one(template, strict)
                if choice:
                    self.picked.append(choice)
        while len(self.picked) < count:  # only with a nearly empty settings file
            self.picked.append(fallback(len(self.picked) + 1))
        self.rng.shuffle(self.picked)  # the route's next stop should not always be A
        return self.picked

    def _one(self, template: str, strict: bool) -> str | None:
        """Render one choice if it is short, new, and (when strict) opens with a new verb."""
        uses_place = "{place}" in template or "{Place}" in template
        if uses_place and not self.places:
            return None
        destination = self.places[0] if uses_place else self.slots.get("place", "")
        text = self.slots.with_values(place=destination).try_render(template)
        if not text:
            return None
        text = text.rstrip(". ")
        key = choice_key(text)
        if len(text) > MAX_CHOICE_CHARS or key in self.banned:
            return None
        if key in {choice_key(p) for p in self.picked}:
            return None
        if any(name in text.lower() for name in self.avoid):
            return None
        if strict and text.split()[0].lower() in {p.split()[0].lower() for p in self.picked}:
            return None
        if uses_place:
            self.places.remove(destination)
        return text


def interleave(first: list[str], second: list[str]) -> list[str]:
    """Two theme choices for each shared one, so choices stay theme-flavoured."""
    result: list[str] = []
    a, b = list(first), list(second)
    while a or b:
        result.extend(a[:2])
        del a[:2]
        result.extend(b[:1])
        del b[:1]
    return result
