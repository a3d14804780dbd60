"""The live chapter: while a model writes, pass on only what the gate lets through, word by word.

The answer may come as JSON (its "story" field is read as it grows, with jiter's partial mode) or as
tagged text. Either way the story so far goes through `gate.clean_prose`, which holds back the last
unfinished word and any sentence that might yet turn out not to be story, so what the overlay sees is
exactly how the final text begins (or, rarely, the overlay is reset and shown the final text).
"""

from __future__ import annotations

import re

import jiter

from plugin.story.gate import NO_GUARD, EchoGuard, clean_prose
from plugin.story.parse import strip_reasoning

_JSON_START = re.compile(r"\{\s*\"")
_JSON_WITHIN = 300  # a JSON answer opens within this many characters (after a fence or a preamble)


def story_field(raw_json: str) -> str:
    """The "story" field of a JSON answer that may still be arriving ("" while there is none)."""
    for text in (raw_json, raw_json.replace("\n", "\\n")):  # some models put raw line breaks inside strings
        try:
            data = jiter.from_json(text.encode(), partial_mode="trailing-strings")
        except ValueError:
            continue
        story = data.get("story") if isinstance(data, dict) else None
        return story if isinstance(story, str) else ""
    return ""


class LiveProse:
    """Feed raw deltas; get back the story text to show now (possibly empty)."""

    def __init__(self, guard: EchoGuard = NO_GUARD) -> None:
        self.guard = guard
        self.reset()

    def reset(self) -> None:
        """Forget everything (the model is starting over)."""
        self.raw = ""
        self.emitted = ""  # what was passed on, in order
        self.halted = False  # something that is not story began: nothing more is shown

    def story_so_far(self) -> str:
        """The story part of the answer so far: the JSON "story" field, or the tagged text."""
        text = strip_reasoning(self.raw)
        opening = _JSON_START.search(text)
        if opening is not None and opening.start() < _JSON_WITHIN:
            return story_field(text[opening.start():])
        return text

    def feed(self, delta: str) -> str:
        """Text to show now."""
        self.raw += delta
        if self.halted:
            return ""
        cleaned = clean_prose(self.story_so_far(), self.guard, final=False)
        if cleaned.stopped or cleaned.fatal:
            self.halted = True
        return self._advance(cleaned.text)

    def _advance(self, text: str) -> str:
        """What `text` adds to what was shown (nothing when it does not continue it)."""
        if not text.startswith(self.emitted):
            return ""
        new, self.emitted = text[len(self.emitted):], text
        return new

    def finish(self, content: str) -> tuple[bool, str]:
        """The final text: (must the overlay be reset first, what to show now)."""
        if content.startswith(self.emitted):
            rest, self.emitted = content[len(self.emitted):], content
            return False, rest
        self.emitted = content
        return True, content
