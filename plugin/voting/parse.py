"""Chat text -> choice index. Pure and fast: an exact-match table first, normalisation only if needed."""

from __future__ import annotations

import unicodedata

MAX_CHOICES = 6
DEFAULT_MAX_CHARS = 12
# Trailing noise that still counts as a vote: "a!", "!b.", "c?!", "Ａ！".
_TRAILING = "!.?,;:~…。！？，、"
_PREFIXES = ("!", "#", "/")


def _exact_table() -> dict[str, int]:
    """Every common spelling of a vote, precomputed so most messages cost one dict lookup."""
    table: dict[str, int] = {}
    for index in range(MAX_CHOICES):
        letter = chr(ord("a") + index)
        digit = str(index + 1)
        for token in (letter, letter.upper(), digit):
            for spelled in (token, f"!{token}", f"{token}!", f"!{token}!", f"!{token}."):
                table[spelled] = index
    return table


EXACT_VOTES = _exact_table()
LEARNED_LIMIT = 8192
# Short chat lines repeat all the time ("lol", "🔥🔥🔥", " !c "): remember what each one parsed to
# (-1 for "not a vote"). Bounded: cleared when full.
_learned: dict[str, int] = {}


def _normalise(text: str) -> str | None:
    """Strip spaces, fullwidth forms, a leading '!' and trailing punctuation; None if nothing is left."""
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)
    token = text.strip().rstrip(_TRAILING).strip()
    if token[:1] in _PREFIXES:
        token = token[1:].strip()
    return token or None


def parse_vote(text: str, num_choices: int, max_chars: int = DEFAULT_MAX_CHARS) -> int | None:
    """The 0-based choice a chat message votes for, or None if it is not a vote for 0..num_choices-1."""
    index = EXACT_VOTES.get(text)
    if index is None:
        if len(text) > max_chars or not text:
            return None
        index = _learned.get(text)
        if index is None:
            index = _parse_short(text)
            if len(_learned) >= LEARNED_LIMIT:
                _learned.clear()
            _learned[text] = index
    return index if 0 <= index < num_choices else None


def _parse_short(text: str) -> int:
    """The choice a short message names, or -1."""
    token = _normalise(text)
    if token is None or len(token) != 1:
        return -1
    char = token.lower()
    if "a" <= char <= "f":
        return ord(char) - 97
    if "1" <= char <= "6":
        return ord(char) - 49
    return -1


KEYWORD_MAX_CHARS = 16  # "!riverbank!!" and a little noise; anything longer is chatter


def parse_keyword(text: str, keywords: dict[str, int]) -> int | None:
    """The choice a "!keyword" message names ("!sword", "！Sword!", " #run "), or None; the "!" is needed, so a
    keyword said in passing ("run!") is no vote."""
    if len(text) > KEYWORD_MAX_CHARS or not keywords:
        return None
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)
    token = text.strip().rstrip(_TRAILING).strip()
    if token[:1] not in _PREFIXES:
        return None
    return keywords.get(token[1:].strip().lower())
