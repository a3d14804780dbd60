"""Narration planning: a chapter split into spoken lines, quoted dialogue given to the character who says it."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from plugin.story.memory import Entry, name_key

# A sentence ends at . ! ? … (plus a closing quote) before a capitalised start, or at CJK stops.
_SENTENCE_END = re.compile(r"[.!?…]+[\"”’»」]?(?=\s+[A-Z“\"«„「(¡¿0-9])|[。！？]+[」”]?")
_QUOTE = re.compile(r"(“[^”]+”|\"[^\"]+\"|«[^»]+»|„[^“”]+[“”]|「[^」]+」)")
_SAID = re.compile(
    r"\b(?:said|asked|shouted|whispered|cried|called|replied|answered|muttered|yelled|added|laughed)\s+"
    r"(?P<after>[A-Z][\w'-]+)|(?P<before>[A-Z][\w'-]+)\s+(?:said|asked|shouted|whispered|cried|called|replied|"
    r"answered|muttered|yelled|added|laughed)\b"
)
_ABBREVIATIONS = frozenset("mr mrs ms dr st mt jr sr prof capt gen sgt lt col vs etc no".split())
_NOT_NAMES = frozenset("he she they it i you we someone everyone nobody the a then".split())
MAX_LINE_CHARS = 400


@dataclass(frozen=True, slots=True)
class Line:
    """One spoken piece: narration (speaker None) or a character's quoted words."""

    text: str
    speaker: str | None = None


def sentences(text: str) -> list[str]:
    """Sentences of a text, paragraph by paragraph, keeping closing quotes with their sentence."""
    result: list[str] = []
    for paragraph in re.split(r"\n\s*\n|\n", text):
        start = 0
        quoted = [m.span() for m in _QUOTE.finditer(paragraph)]
        for match in _SENTENCE_END.finditer(paragraph):
            if any(a < match.start() < b - 1 for a, b in quoted):
                continue  # a full stop inside a quotation does not end the sentence
            word = re.search(r"(\w+)\W*$", paragraph[: match.start() + 1])
            if match.group(0) == "." and word and word.group(1).lower() in _ABBREVIATIONS:
                continue  # "Dr. Who" is one sentence
            result.extend(_chunks(paragraph[start : match.end()].strip()))
            start = match.end()
        if paragraph[start:].strip():
            result.extend(_chunks(paragraph[start:].strip()))
    return [s for s in result if s]


def _chunks(sentence: str) -> list[str]:
    """Very long sentences are spoken in parts (at commas) so audio starts sooner."""
    if len(sentence) <= MAX_LINE_CHARS:
        return [sentence]
    parts, current = [], ""
    for bit in re.split(r"(?<=[,;:])\s+", sentence):
        if current and len(current) + len(bit) > MAX_LINE_CHARS:
            parts.append(current)
            current = bit
        else:
            current = f"{current} {bit}".strip()
    return parts + ([current] if current else [])


def _speaker(narration: str, characters: Sequence[Entry]) -> str | None:
    """Who the narration around a quote names: a known character, or the name in 'said Mara'."""
    key = name_key(narration)
    for entry in characters:
        if any(k and re.search(rf"\b{re.escape(k)}\b", key) for k in entry.keys()):
            return entry.name
    match = _SAID.search(narration)
    if match:
        name = match.group("after") or match.group("before")
        if name.lower() not in _NOT_NAMES:
            return name
    return None


def plan_lines(content: str, characters: Sequence[Entry] = ()) -> list[Line]:
    """The chapter as lines to speak, in order; quotes carry their speaker when it can be told."""
    lines: list[Line] = []
    last_named: str | None = None  # "she asked" after "Mara stepped forward" is Mara
    for sentence in sentences(content):
        pieces = [p for p in _QUOTE.split(sentence) if p and p.strip()]
        if len(pieces) == 1 and not _QUOTE.fullmatch(pieces[0]):
            lines.append(Line(sentence))
            last_named = _speaker(sentence, characters) or last_named
            continue
        around = " ".join(p for p in pieces if not _QUOTE.fullmatch(p))
        speaker = _speaker(around, characters) or last_named
        last_named = speaker or last_named
        for piece in pieces:
            quoted = bool(_QUOTE.fullmatch(piece))
            lines.append(Line(piece.strip(), speaker if quoted else None))
    return lines


def assign_voices(lines: Sequence[Line], known: dict[str, str], pool: Sequence[str]) -> dict[str, str]:
    """Give every new speaker the next voice of the pool (kept for the whole story); returns the full map."""
    voices = dict(known)
    for line in lines:
        if line.speaker and line.speaker not in voices and pool:
            unused = [v for v in pool if v not in voices.values()]
            voices[line.speaker] = unused[0] if unused else pool[len(voices) % len(pool)]
    return voices
