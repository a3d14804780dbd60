"""Vote keywords (voting.keywords): each choice gets a short word from its own text ("!sword", "!run") that
counts like its letter. Pure and deterministic: the same choices always give the same keywords."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence

MIN_CHARS, MAX_CHARS = 3, 10
# Chat commands (and the idea command's default) are never keywords, whatever a choice says.
RESERVED = frozenset({"skip", "idea", "join", "endvote", "extend", "vote", "help"})
# Small words say nothing about a choice; a keyword is a word that does.
_SMALL = frozenset(
    "the and for with from into onto over under your their his her its our this that then than them they him she "
    "you who what when where which while will would could should about after before again across along around "
    "down back just only very more most some any each every other another there here have has had was were are "
    "been does did not nor but also one two all out off away upon yet toward towards through try".split())


def _words(choice: str) -> list[str]:
    """A choice's words as keywords may spell them: lowercase ASCII letters, accents and possessives dropped
    ("Café" -> cafe)."""
    bare = re.sub(r"['’]", "", re.sub(r"['’]s\b", "", choice.casefold()))  # "Nim's" -> nim, "don't" -> dont
    folded = unicodedata.normalize("NFKD", bare)
    ascii_only = "".join(char for char in folded if not unicodedata.combining(char))
    return re.findall(r"[a-z]+", ascii_only)


def choice_keywords(choices: Sequence[str], reserved: Iterable[str] = ()) -> list[str | None]:
    """One keyword per choice (None when its text offers none): distinct, 3-10 letters, no command name.
    Preferred: the last telling word only this choice uses ("Draw the sword" -> sword, "Run" -> run)."""
    taken = set(RESERVED) | {word.lower() for word in reserved}
    words = [[w for w in _words(choice) if MIN_CHARS <= len(w) <= MAX_CHARS] for choice in choices]
    shared = Counter(word for each in words for word in set(each))
    keywords: list[str | None] = []
    for each in words:
        telling = [w for w in reversed(each) if w not in _SMALL]
        ranked = [w for w in telling if shared[w] == 1] + telling
        keyword = next((w for w in ranked if w not in taken), None)
        if keyword is not None:
            taken.add(keyword)
        keywords.append(keyword)
    return keywords
