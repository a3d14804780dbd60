"""Live prose extraction: from a streamed chapter answer, pass on only the story text, as it arrives."""

from __future__ import annotations

import re

from plugin.story.parse import (
    BOLD_LINE,
    CHOICE_LINE,
    HEADING_LINE,
    PREAMBLE_LINE,
    SECTION_LINE,
    TITLE_LINE,
)

_MARKER_WORDS = ("choices", "options", "story", "prose", "text", "chapter", "decisions", "what happens next",
                 "vote", "title")
_LABEL_START = re.compile(r"^[!！]?[\(\[]?[A-Fa-f1-6]?(?:\*\*)?(?:[\)\].:：\-–—]|$)")
_HOLD_CHARS = 14  # a partial line this long that is not a marker is prose for sure


def _could_be_marker(partial: str) -> bool:
    """True while an unfinished line might still become a choice or a section label."""
    if CHOICE_LINE.match(partial):
        return True
    text = partial.strip().lstrip("-*•#_ ").strip()
    if len(text) >= _HOLD_CHARS:
        return False
    if not text or _LABEL_START.match(text):
        return True
    word = re.sub(r"[^a-z ]", "", text.lower()).strip()
    return any(w.startswith(word) or word.startswith(w) for w in _MARKER_WORDS if word)


class ProseStream:
    """Feed raw deltas; get back the prose part only (no title line, labels or choices)."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        """Forget everything (the model is starting over)."""
        self._line = ""  # the current, unfinished line
        self._line_emitted = 0  # how much of the current line was already passed on
        self._stage = "head"  # head -> prose -> choices
        self._started = False  # a prose line has been passed on (paragraph breaks follow it)

    def feed(self, delta: str) -> str:
        """Prose text to show now (may be empty)."""
        out: list[str] = []
        for piece in re.split(r"(\n)", delta):
            if piece == "\n":
                out.append(self._end_line())
            elif piece:
                self._line += piece
                out.append(self._partial())
        return "".join(out).replace("*", "")  # markdown emphasis, even split across deltas

    def finish(self) -> str:
        """Prose still held at the end of the stream."""
        return self._end_line().rstrip("\n") if self._line else ""

    def _partial(self) -> str:
        """Emit the unfinished line once it is clearly prose."""
        if self._stage != "prose":
            return ""
        if self._line_emitted == 0:
            if _could_be_marker(self._line):
                return ""
            prefix = "\n\n" if self._started else ""
            self._started = True
            self._line_emitted = len(self._line)
            return prefix + self._line.lstrip()
        new = self._line[self._line_emitted :]
        self._line_emitted = len(self._line)
        return new

    def _end_line(self) -> str:
        """A line is complete: decide what it was."""
        line, emitted = self._line, self._line_emitted
        self._line, self._line_emitted = "", 0
        stripped = line.strip()
        if self._stage == "choices" or not stripped:
            return ""
        if emitted:
            return line[emitted:]
        if self._stage == "head":
            if TITLE_LINE.match(stripped) or HEADING_LINE.match(stripped) or BOLD_LINE.match(stripped):
                self._stage = "prose"
                return ""
            if PREAMBLE_LINE.match(stripped) and stripped.endswith(":"):
                return ""
            section = SECTION_LINE.match(stripped)
            self._stage = "prose"
            if section:
                return ""
        section = SECTION_LINE.match(stripped)
        if section and section.group("name").lower() not in ("story", "prose", "text", "chapter"):
            self._stage = "choices"
            return ""
        if CHOICE_LINE.match(line) or section:
            if CHOICE_LINE.match(line):
                self._stage = "choices"
            return ""
        prefix = "\n\n" if self._started else ""
        self._started = True
        return prefix + stripped
