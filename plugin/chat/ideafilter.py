"""Viewers' ideas before anyone sees them: the !idea command, hostile text cleaned, refusals, the blocklist, and
which ideas say the same thing."""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Callable, Sequence
from functools import lru_cache
from pathlib import Path

from plugin.clock import Clock
from plugin.text import clean_text

log = logging.getLogger(__name__)
_EMAIL = re.compile(r"\S+@\S+\.\w+")
_URL_TAIL = r"[^\s<>()\[\]{}\"']*"
_LINK = re.compile(
    rf"(?i)(?:\b[a-z][a-z0-9+.-]{{1,15}}://|\bwww\.){_URL_TAIL}|\b(?:[a-z0-9-]+\.)+(?:com|net|org|io|gg|tv|ly|me|"
    rf"co|app|xyz|info|link|live|shop|site|online|top|club|ru|cn|de|uk|us|fr|es|it|nl|pl|br|jp|kr|in|to|cc|be|biz)\b"
    rf"(?:[/?#]{_URL_TAIL})?")
_EMPTY = re.compile(r"\(\s*\)|\[\s*\]|\{\s*\}")  # what is left of "[text](link)" and "(see x.com)"
_MENTION = re.compile(r"(?<![\w@＠])[@＠][\w.]{1,40}")
_TAG = re.compile(r"<\s*/?\s*[A-Za-z!?][^<>]{0,300}>")  # <b>, </script>, <!-- ... -->, <?xml ...?>
_ENTITY = re.compile(r"&(?:#\d{1,7}|#x[0-9A-Fa-f]{1,6}|[A-Za-z]{2,10});")
_MARKUP = re.compile(r"[`*_~|<>\[\]{}#\\^]")  # what markdown, HTML and templates are made of
_REPEATS = re.compile(r"(.)\1{3,}")  # "soooooo" -> "sooo"
_LEADING = " -–—:;,.!?/"
_LETTERS = re.compile(r"[^\W\d_]{2}")
_LETTER = re.compile(r"[^\W\d_]")
MAX_MARKS = 2  # combining marks kept on one letter: accents stay, "zalgo" stacks go
_STOP = frozenset("a an the to of and or in on at is are be it its that this with for from into by as so then some "
                  "his her their our my your i we you he she they them us me".split())
_LEET = str.maketrans("013457@$!|", "oieastasil")
_END_PUNCTUATION = ".,;:?!\"'()…"


@lru_cache(maxsize=16)
def command_pattern(command: str) -> re.Pattern[str]:
    """`!idea <text>` for the configured command name (letters only; "idea" if none are left)."""
    name = re.sub(r"[^a-z]", "", command.lower()) or "idea"
    return re.compile(rf"^\s*[!！]\s*{name}(?:[\s:：]+(.*))?$", re.I | re.S)


def clean_idea(text: str) -> str:
    """An idea as it may be shown and quoted: one line without markup, links, @mentions, invisible or
    direction-changing characters, stacked marks or long repeats."""
    text = clean_text(text, multiline=False)  # the edge cleaning every chat line gets
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)
        kept: list[str] = []
        marks = 0
        for char in text:
            kind = unicodedata.category(char)
            if kind in ("Cf", "Co", "Cn", "Cc", "Cs"):  # zero-width joiners, RTL overrides, private use ...
                continue
            if kind in ("Zl", "Zp"):
                char = " "
            marks = marks + 1 if kind in ("Mn", "Me") else 0
            if marks <= MAX_MARKS:
                kept.append(char)
        text = "".join(kept)
    text = _ENTITY.sub(" ", _TAG.sub(" ", text))
    text = _MENTION.sub(" ", _LINK.sub(" ", _EMAIL.sub(" ", text)))
    text = _REPEATS.sub(r"\1\1\1", _MARKUP.sub(" ", _EMPTY.sub(" ", text)))
    return " ".join(text.split()).lstrip(_LEADING).rstrip()


def refusal(text: str, min_chars: int, max_chars: int) -> str | None:
    """Why a cleaned idea is turned away before the blocklist (empty, too short, too long, no words), or None."""
    if not text:
        return "empty"
    if len(text) < min_chars:
        return "too short"
    if len(text) > max_chars:
        return "too long"
    return None if _LETTERS.search(text) else "no words"


def _fold(text: str) -> str:
    """Lowercase, accents dropped: how words are compared."""
    text = unicodedata.normalize("NFKD", text.casefold())
    return "".join(char for char in text if not unicodedata.combining(char))


def _stem(word: str) -> str:
    """A rough English stem, so "dragons appear" and "a dragon appears" say the same."""
    for suffix in ("ing", "ed", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3 and not word.endswith("ss"):
            return word[:-len(suffix)]
    return word


def idea_words(text: str) -> frozenset[str]:
    """The words that carry an idea's meaning (small words left out), for finding near-duplicates."""
    words = re.findall(r"[^\W_]+", _fold(text))
    meaningful = [w for w in words if w not in _STOP]
    return frozenset(_stem(w) for w in (meaningful or words))


SAME_WORDS = 0.75  # near-duplicates share this much of all their words ...
CONTAINED = 0.6  # ... or one holds all of the other's words and the other has this much of its words


def same_idea(first: frozenset[str], second: frozenset[str]) -> bool:
    """Two ideas that say the same: nearly the same words, or one the other with a word or two more. Either way
    they share at least CONTAINED of each one's words (what lets the idea box look at few candidates)."""
    if first == second:
        return bool(first)
    if not first or not second:
        return False
    shared = len(first & second)
    small, large = sorted((len(first), len(second)))
    return shared / len(first | second) >= SAME_WORDS or (shared == small >= 2 and small / large >= CONTAINED)


def _joined(letters: list[str]) -> list[str]:
    """Spaced-out letters read as words: the whole run, and the run without its first or last few ("a s h i t")."""
    if len(letters) < 3:
        return []
    run = "".join(letters)
    return [run[start:] for start in range(len(run) - 2)] + [run[:end] for end in range(3, len(run))]


def _tokens(text: str) -> list[str]:
    """Words as the blocklist sees them: folded, leetspeak read ("sh!t", "5hit"), spaced-out letters joined
    ("b a d", "b.a.d")."""
    words: list[str] = []
    singles: list[str] = []
    for chunk in _fold(text).split():
        chunk = chunk.strip(_END_PUNCTUATION)
        leet = chunk.translate(_LEET) if _LETTER.search(chunk) else chunk  # "455" is a number, "a55" is not
        parts = re.findall(r"[a-z]+|[^\W\d_]+", leet)
        for part in parts:
            words.append(part)
            if len(part) == 1:
                singles.append(part)
                continue
            words += _joined(singles)
            singles = []
    return words + _joined(singles)


class Blocklist:
    """Words no idea may contain, one file per language (`<code>.txt` in each folder, later folders adding to
    earlier ones); a file changed on disk is read again within RELOAD_S. A line is a word (matched whole, with
    plural and -ing/-ed/-er endings), `word*` (any word starting so) or several words (matched in a row);
    `#` starts a comment."""

    RELOAD_S = 2.0
    SUFFIXES = ("", "s", "es", "ed", "er", "ers", "ing")

    def __init__(self, folders: Sequence[Path], languages: Callable[[], Sequence[str]], clock: Clock) -> None:
        self.folders, self.languages, self.clock = list(folders), languages, clock
        self._stamp: tuple[object, ...] = ()
        self._checked = float("-inf")
        self.words: frozenset[str] = frozenset()
        self.prefixes: dict[str, tuple[str, ...]] = {}  # by their first two letters
        self.phrases: tuple[str, ...] = ()

    def _files(self) -> list[Path]:
        """The files of the current languages, in order."""
        codes = dict.fromkeys(re.sub(r"[^a-z-]", "", code.lower()) for code in self.languages())
        return [folder / f"{code}.txt" for folder in self.folders for code in codes if code]

    def refresh(self) -> None:
        """Read the files again if they (or the languages) changed since the last look."""
        now = self.clock.now()
        if now - self._checked < self.RELOAD_S:
            return
        self._checked = now
        files = self._files()
        stamp = tuple((path, path.stat().st_mtime_ns, path.stat().st_size) if path.is_file() else (path,)
                      for path in files)
        if stamp == self._stamp:
            return
        self._stamp = stamp
        words: set[str] = set()
        prefixes: set[str] = set()
        phrases: set[str] = set()
        for path in files:
            try:
                lines = path.read_text(encoding="utf-8").splitlines() if path.is_file() else []
            except (OSError, UnicodeDecodeError) as exc:
                log.warning("blocklist %s could not be read: %s", path, exc)
                continue
            for line in lines:
                entry = " ".join(_fold(line.split("#", 1)[0]).split())
                if entry.endswith("*") and " " not in entry and len(entry) > 2:
                    prefixes.add(entry[:-1])
                elif " " in entry:
                    phrases.add(f" {entry} ")
                elif entry:
                    words.add(entry)
        by_start: dict[str, list[str]] = {}
        for prefix in sorted(prefixes):
            by_start.setdefault(prefix[:2], []).append(prefix)
        self.words, self.phrases = frozenset(words), tuple(sorted(phrases))
        self.prefixes = {start: tuple(found) for start, found in by_start.items()}

    def blocked(self, text: str) -> str | None:
        """The blocked word or phrase the text contains, or None."""
        self.refresh()
        tokens = _tokens(text)
        words, prefixes = self.words, self.prefixes
        for token in tokens:
            for suffix in self.SUFFIXES:
                stem = token[:len(token) - len(suffix)]
                if stem in words and token.endswith(suffix):
                    return stem
            for prefix in prefixes.get(token[:2], ()):
                if token.startswith(prefix):
                    return prefix
        if self.phrases:
            joined = f" {' '.join(tokens)} "
            for phrase in self.phrases:
                if phrase in joined:
                    return phrase.strip()
        return None
