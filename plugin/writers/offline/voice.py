"""Offline writer voice: telling a chapter in the first, second or third person.

Templates name the hero through slots ({hero}, {he}, {him}, {his}, {himself}). For a first or
second person story those slots are filled with markers instead of the hero's name, and each
finished sentence is then "voiced": outside quotations the markers become I/me/my (or
you/your), inside quotations (other people talking to the hero) the hero keeps the name.
Verb agreement is patched for the handful of verbs the templates use ("you was" -> "you were").
Third person is the identity: the text stays exactly as the templates make it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from plugin.writers.offline.cast import Cast
from plugin.writers.offline.grammar import PRONOUNS, cap

MARKERS: dict[str, str] = {
    key: f"⸨{key}⸩" for key in ("hero", "he", "him", "his", "himself", "mine")
}
_MARKER = re.compile(r"⸨(hero|Hero|he|He|him|Him|his|His|himself|Himself|mine|Mine)⸩('s)?")
# A hero named right after these words is an object ("beside me"), otherwise a subject ("I").
_OBJECT_BEFORE = frozenset(
    "to for with at from of by about beside behind toward towards against like into onto "
    "upon without around past near among under over through between beyond except inside outside "
    "on in told asked gave showed helped saw met followed watched warned called let made left "
    "pulled found stopped reminded caught handed joined needed taught greeted hugged thanked "
    "was were is be been tell ask give show help see meet follow watch warn call make leave pull "
    "find stop remind catch join need teach greet hug thank".split()
)
_VERBS_AFTER = frozenset(
    "had was would could did felt knew might should will is has thought made decided managed "
    "could couldn't didn't wasn't hadn't wouldn't".split()
)
_CONJUNCTIONS = frozenset("after before until since".split())
# Past-tense words after which the hero is still the subject ("there lived I").
_SUBJECT_AFTER = frozenset("lived stood sat waited seemed".split())
_FORMS: dict[str, dict[str, str]] = {
    "first": {"he": "I", "him": "me", "his": "my", "himself": "myself", "mine": "mine"},
    "second": {"he": "you", "him": "you", "his": "your", "himself": "yourself", "mine": "yours"},
}
# Verb agreement after "I" or "you" (an appositive like "you, a baker," may come between).
_AGREE: dict[str, dict[str, str]] = {
    "first": {"is": "am", "has": "have", "does": "do", "doesn't": "don't", "hasn't": "haven't",
              "isn't": "am not", "feels": "feel", "knows": "know", "wants": "want",
              "needs": "need", "thinks": "think", "loves": "love", "says": "say", "goes": "go"},
    "second": {"was": "were", "wasn't": "weren't", "is": "are", "isn't": "aren't", "has": "have",
               "hasn't": "haven't", "does": "do", "doesn't": "don't", "feels": "feel",
               "knows": "know", "wants": "want", "needs": "need", "thinks": "think",
               "loves": "love", "says": "say", "goes": "go"},
}  # fmt: skip
_AGREEMENT = re.compile(r"\b(I|[Yy]ou)((?:, [^,.“”]{1,60},)?(?: [a-z]+ly)?) ([a-z']+)\b")
_CHOICE_YOU = (
    (re.compile(r"\byourselves\b", re.I), "themselves"),
    (re.compile(r"\byourself\b", re.I), MARKERS["himself"]),
    (re.compile(r"\byours\b", re.I), MARKERS["mine"]),
    (re.compile(r"\byour\b", re.I), MARKERS["his"]),
    (re.compile(r"\byou\b", re.I), MARKERS["him"]),
)
_AND_NAME = re.compile(r"⸨([Hh])ero⸩ and ((?:the )?[A-Z][\w'-]*(?: [A-Z][\w'-]*)*)(?!')")


class Voice:
    """Turns hero markers into the story's point of view; third person changes nothing."""

    def __init__(self, cast: Cast, pov: str = "third") -> None:
        self.pov = pov if pov in _FORMS else "third"
        he, him, his, himself = PRONOUNS[cast.hero.pronoun]
        self._third = {
            "hero": cast.hero.name,
            "he": he,
            "him": him,
            "his": his,
            "himself": himself,
            "mine": "hers" if his == "her" else his,
        }

    @property
    def active(self) -> bool:
        """True when sentences need voicing (first or second person)."""
        return self.pov != "third"

    def slots(self) -> dict[str, str]:
        """Slot values for templates: markers when voicing, else the plain third person."""
        return dict(MARKERS) if self.active else dict(self._third)

    def plain(self) -> dict[str, str]:
        """The third-person slot values (titles and choices always name the hero)."""
        return dict(self._third)

    def choice(self, text: str) -> str:
        """A viewer choice ("follow your map") with the hero's words as markers."""
        if not self.active:
            return text
        for pattern, replacement in _CHOICE_YOU:
            text = pattern.sub(replacement, text)
        return text

    def __call__(self, text: str) -> str:
        """The sentence in the story's point of view (markers outside quotes, names inside)."""
        if "⸨" not in text:
            return text
        if not self.active:
            return _MARKER.sub(lambda m: self._third_form(m), text)
        parts = re.split(r"(“[^”]*”?|\"[^\"]*\"?)", text)
        out = []
        for index, part in enumerate(parts):
            if index % 2:  # a quotation: people talk to and about the hero by name
                out.append(_MARKER.sub(lambda m: self._third_form(m), part))
            else:
                out.append(self._agree(self._narrate(part)))
        return "".join(out)

    # ----- helpers ----------------------------------------------------------------------

    def _third_form(self, match: re.Match[str]) -> str:
        """A marker in the third person (the hero's name or pronoun), keeping capital and 's."""
        key, possessive = match.group(1), match.group(2) or ""
        word = self._third[key.lower()]
        return (cap(word) if key[0].isupper() else word) + possessive

    def _narrate(self, text: str) -> str:
        """Markers outside quotations in the first or second person."""
        forms = _FORMS[self.pov]
        pronoun = forms["he"]

        def swap(match: re.Match[str]) -> str:  # "Mara and Pip" -> "Pip and I"
            start = match.start()
            if _is_object(_before(text, start), text[match.end() :]):
                return match.group(0)
            other = match.group(2)
            lead = not text[:start].strip() or text[:start].rstrip()[-1:] in ".!?:;"
            return f"{cap(other) if lead else other} and {pronoun}"

        if self.pov == "first":
            text = _AND_NAME.sub(swap, text)

        def replace(match: re.Match[str]) -> str:
            key, possessive = match.group(1), match.group(2)
            low = key.lower()
            if low == "hero":
                if possessive:
                    word = forms["his"]
                elif _is_object(_before(text, match.start()), text[match.end() :]):
                    word = forms["him"]
                else:
                    word = forms["he"]
            else:
                word = forms[low] + (possessive or "")
            return cap(word) if key[0].isupper() or word == "I" else word

        return _MARKER.sub(replace, text)

    def _agree(self, text: str) -> str:
        """Patch verb agreement after I / you ("you was" -> "you were")."""
        table = _AGREE[self.pov]

        def fix(match: re.Match[str]) -> str:
            subject, aside, verb = match.groups()
            wanted = table.get(verb)
            if wanted is None or (self.pov == "first") != (subject == "I"):
                return match.group(0)
            return f"{subject}{aside} {wanted}"

        return _AGREEMENT.sub(fix, text)


def _is_object(word: str, rest: str) -> bool:
    """True if a hero named after `word` (and before `rest`) is an object ("prepared me")."""
    following = re.match(r"\s*([\w']+|[,.;:!?]|$)", rest)
    after = following.group(1).lower() if following else ""
    if after in _VERBS_AFTER:  # "for Mara had managed" -> "for I had managed"
        return False
    if word in _CONJUNCTIONS:  # "named after Mara." -> "after me."; "after Mara left" -> "I"
        return after in ("", ",", ".", ";", ":", "!", "?")
    return word in _OBJECT_BEFORE or (word.endswith("ed") and word not in _SUBJECT_AFTER)


def _before(text: str, index: int) -> str:
    """The word just before `index`, lower-cased, or '' at the start of a clause."""
    head = text[:index].rstrip()
    if not head or head[-1] in ".!?,;:—–(":
        return ""
    found = re.search(r"([A-Za-z']+)$", head)
    return found.group(1).lower() if found else ""


def marker_goal(raw_goals: list[str], cast: Cast, pov_slots: Mapping[str, str]) -> str | None:
    """The session's goal re-filled with hero markers (goals like 'tell {other} how {he} feels')."""
    fixed = cast.slots()
    for raw in raw_goals:
        if "{" not in raw:
            continue
        try:
            if raw.format_map(fixed) == cast.goal:
                return raw.format_map({**fixed, **pov_slots})
        except (KeyError, ValueError, IndexError, AttributeError):
            continue
    return None
