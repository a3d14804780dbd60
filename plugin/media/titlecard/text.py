"""Title card text: making any Unicode printable with Pillow's built-in font, and fitting it.

The built-in scalable font (`ImageFont.load_default(size=...)`) is a subset of Aileron Regular
with 116 glyphs: printable ASCII plus a few marks (quotes « » and curly ones, … · © ™ °). Everything else
renders as an empty "tofu" box, even "é". It never raises. So text is folded first:
accented Latin letters lose their accents ("Café" -> "Cafe", "ß" -> "ss"), typographic dashes
and quotes become their ASCII or supported forms, and emoji, symbols, control and format
characters are dropped. Letters of other scripts (CJK, Cyrillic, Greek, Arabic...) have no
glyph: a few of them are kept as tofu boxes, but a title made mostly of them is reported as
unprintable so the caller can show something else.
"""

from __future__ import annotations

import itertools
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from PIL import ImageFont

from plugin.media.titlecard.draw import font

_REF = 100  # reference size for measuring; advances scale linearly with size
_LIMIT = 160  # characters; longer titles are cut (nothing longer fits three lines anyway)
_FOLD = str.maketrans({
    "ß": "ss", "ẞ": "SS", "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE", "ø": "o", "Ø": "O",
    "ł": "l", "Ł": "L", "đ": "d", "Đ": "D", "ð": "d", "Ð": "D", "þ": "th", "Þ": "Th",
    "\u0131": "i", "ħ": "h", "Ħ": "H", "ŀ": "l", "Ŀ": "L", "ŧ": "t", "Ŧ": "T", "ŋ": "ng", "Ŋ": "Ng",
    # dashes, bullets, low quotes, primes, Spanish inverted marks, no-break spaces
    "\u2013": "-", "\u2014": " - ", "\u2015": " - ", "\u2010": "-", "\u2011": "-", "\u2212": "-",
    "\u2022": "\u00b7", "\u201e": "\u201c", "\u201a": "\u2018", "\u2032": "'", "\u2033": '"',
    "\u00a1": "", "\u00bf": "", "\u00a0": " ", "\u202f": " ",
})  # fmt: skip


@lru_cache(maxsize=1)
def _tofu() -> bytes:
    """The bitmap the built-in font draws for a character it has no glyph for."""
    return bytes(font(24).getmask("\U0010fffd"))


@lru_cache(maxsize=4096)
def has_glyph(ch: str) -> bool:
    """Whether the built-in font draws this character (space counts as drawn)."""
    if ch == " ":
        return True
    if not ch.isprintable():
        return False
    return bytes(font(24).getmask(ch)) != _tofu()


def _fold_char(ch: str) -> tuple[str, bool]:
    """One character as printable text, and whether it is an unprintable letter (tofu)."""
    if has_glyph(ch):
        return ch, False
    if ch.isspace():
        return " ", False
    plain = "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c))
    if plain and plain != ch and all(has_glyph(c) for c in plain):
        return plain, False
    if unicodedata.category(ch)[0] in "LN":
        return ch, True
    return "", False  # emoji, symbols, marks, controls, format characters


def clean(text: str) -> tuple[str, float]:
    """Printable, single-spaced text, and the share of its letters that will show as tofu."""
    text = "".join(ch for ch in str(text) if not 0xD800 <= ord(ch) <= 0xDFFF).translate(_FOLD)
    out: list[str] = []
    tofu = letters = 0
    for ch in unicodedata.normalize("NFC", text):
        folded, missing = _fold_char(ch)
        out.append(folded)
        if folded.strip():
            letters += 1
            tofu += missing
    words = "".join(out).split()
    result = " ".join(words)
    if len(result) > _LIMIT:
        cut = result[:_LIMIT].rsplit(" ", 1)[0] if " " in result[:_LIMIT] else result[:_LIMIT]
        result = cut.rstrip(" ,;:-") + "…"
    return result, (tofu / letters if letters else 0.0)


@dataclass(frozen=True, slots=True)
class Fitted:
    """Wrapped lines and the font size they fit at."""

    lines: tuple[str, ...]
    size: int


def _width(text: str, size: int) -> float:
    """Advance width of a line at a size."""
    return float(font(size).getlength(text))


def _split_long(words: list[str], max_ref: float) -> list[str]:
    """Words wider than the limit (at the reference size) broken into character chunks."""
    out: list[str] = []
    for word in words:
        if _width(word, _REF) <= max_ref:
            out.append(word)
            continue
        chunk = ""
        for ch in word:
            if chunk and _width(chunk + ch, _REF) > max_ref:
                out.append(chunk)
                chunk = ""
            chunk += ch
        out.append(chunk)
    return out


def _balanced(words: list[str], lines: int) -> tuple[list[str], float]:
    """Words split into exactly `lines` lines with the narrowest widest line (reference size)."""
    n = len(words)
    cost: dict[tuple[int, int], float] = {}

    def span(i: int, j: int) -> float:
        """Width of words[i:j] as one line."""
        if (i, j) not in cost:
            cost[(i, j)] = _width(" ".join(words[i:j]), _REF)
        return cost[(i, j)]

    # best[k][j]: (widest line, cut points) for the first j words in k lines
    best: list[dict[int, tuple[float, tuple[int, ...]]]] = [{0: (0.0, ())}]
    for k in range(1, lines + 1):
        row: dict[int, tuple[float, tuple[int, ...]]] = {}
        for j in range(k, n - (lines - k) + 1):
            options = [
                (max(best[k - 1][i][0], span(i, j)), best[k - 1][i][1] + (j,))
                for i in range(k - 1, j)
                if i in best[k - 1]
            ]
            if options:
                row[j] = min(options)
        best.append(row)
    widest, cuts = best[lines][n]
    bounds = (0, *cuts)
    return [" ".join(words[a:b]) for a, b in itertools.pairwise(bounds)], widest


def _ellipsize(lines: list[str], words: list[str], size: int, max_width: float, count: int) -> list[str]:
    """Greedy wrap at a size, keeping `count` lines; text that does not fit ends in an ellipsis."""
    out: list[str] = []
    for word in words:
        if out and _width(out[-1] + " " + word, size) <= max_width:
            out[-1] += " " + word
        else:
            out.append(word)
    if len(out) <= count:
        return out
    last = " ".join(out[count - 1 :])
    while last and _width(last + "…", size) > max_width:
        last = last[:-1]
    return [*out[: count - 1], last.rstrip(" ,;:-") + "…"]


def fit(text: str, max_width: float, max_height: float, largest: int, smallest: int,
        max_lines: int, leading: float) -> Fitted:  # fmt: skip
    """The largest size (from `largest` down to `smallest`) at which text wraps into the box."""
    words = _split_long(text.split(), max_width * _REF / smallest)
    if not words:
        return Fitted((), smallest)
    choice: tuple[float, list[str]] | None = None
    for count in range(1, min(max_lines, len(words)) + 1):
        lines, widest = _balanced(words, count)
        size = min(float(largest), max_width * _REF / max(widest, 1.0) * 0.985,
                   max_height / (1 + (count - 1) * leading))  # fmt: skip
        if choice is None or size > choice[0] * 1.2:  # an extra line must buy real size
            choice = (size, lines)
    assert choice is not None
    size = int(choice[0])
    lines = choice[1]
    while size > smallest and max(_width(line, size) for line in lines) > max_width:
        size -= 1
    if size <= smallest:
        size = smallest
        if max(_width(line, size) for line in lines) > max_width or len(lines) > max_lines:
            lines = _ellipsize(lines, words, size, max_width, max_lines)
    return Fitted(tuple(lines), size)


def metrics(size: int) -> tuple[int, int]:
    """Ascent and descent of the built-in font at a size."""
    face = font(size)
    if isinstance(face, ImageFont.FreeTypeFont):
        return face.getmetrics()
    return size, 0
