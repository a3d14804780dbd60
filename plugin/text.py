"""Text from outside (chat, HTTP bodies, models): what may not pass, and how it is cleaned or refused."""

from __future__ import annotations

import hmac
import re

# Characters no stored or shown text may hold: C0/C1 controls (tab and line breaks aside), lone UTF-16
# surrogates (SQLite and UTF-8 cannot encode them) and non-characters. Requests carrying them are refused.
_BROKEN = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff\ud800-\udfff"
# Viewer and model text also loses the invisible direction overrides and zero-width marks that can reorder
# or hide what the overlay shows (zero-width joiners stay: emoji sequences and some scripts need them).
_INVISIBLE = "\u200b\u200e\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff"
_REFUSED = re.compile(f"[{_BROKEN}]")
_DROPPED = re.compile(f"[{_BROKEN}{_INVISIBLE}]")
_LINE_BREAKS = re.compile(r"\r\n?|\n")


def clean_text(text: str, *, multiline: bool = True) -> str:
    """The text without forbidden characters (line breaks become spaces when `multiline` is False)."""
    if text.isascii() and text.isprintable():
        return text  # the common case: nothing to do
    text = _LINE_BREAKS.sub("\n" if multiline else " ", text)
    return _DROPPED.sub("", text)


def text_problem(text: str) -> str | None:
    """Why a string from a request is refused (a lone surrogate, NUL, another control character), or None."""
    if text.isascii() and text.isprintable():
        return None
    found = _REFUSED.search(text)
    if found is None:
        return None
    char = found.group(0)
    if "\ud800" <= char <= "\udfff":
        return "contains a lone UTF-16 surrogate"
    return "contains a NUL character" if char == "\x00" else f"contains a control character (U+{ord(char):04X})"


def same_token(given: object, expected: str) -> bool:
    """Constant-time token check that any header bytes or JSON value can go through (never raises)."""
    if not isinstance(given, str) or not expected:
        return False
    return hmac.compare_digest(given.encode("utf-8", "surrogateescape"), expected.encode("utf-8"))
