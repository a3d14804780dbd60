"""Offline writer director's notes: turning a streamer's note into a sentence or two of story.

A note is free text ("introduce a talking cat", "the hero finds a secret door", "make it rain").
The writer recognises a few common shapes and acts on them, keeping the note's own key words so
the audience sees the note land; anything else still appears, framed as a change in the air.
Sentences name the hero through the slot values given (markers in a first-person story), so the
caller voices them like any other sentence.
"""

from __future__ import annotations

import random
import re
from collections.abc import Mapping

from plugin.writers.offline.grammar import (
    COMMON_VERBS,
    IRREGULAR_PAST,
    NOT_VERBS,
    cap,
    definite,
    is_adjective,
    lower_first,
    someone_did,
    to_past,
    with_article,
)

MAX_NOTE_CHARS = 160
_POLITE = re.compile(
    r"^(?:(?:please|pls|ok|okay|so|now|and|also|then|maybe|director'?s note:?|note:?|can you|"
    r"could you|would you|i want(?: you)? to|i want|i'd like(?: you)? to|i would like(?: you)? to|"
    r"let's|let us|we need to|you should|try to)\s+)+",
    re.I,
)
_ROLES = (
    (r"\b(?:the|our) (?:hero|heroine|main character|protagonist)\b", "hero"),
    (r"\b(?:the|our) (?:ally|sidekick|companion|friend|helper)\b", "ally"),
    (r"\b(?:the|our) (?:rival|villain|bad guy|baddie|antagonist|enemy)\b", "rival"),
)
_WEATHER = {
    "rain": "Then the sky darkened and it began to rain, big cold drops drumming on everything.",
    "snow": "Then, softly at first and then thickly, it began to snow.",
    "storm": "Then a storm rolled in, with thunder grumbling across {place}.",
    "thunder": "Then thunder cracked overhead, so loud that everyone jumped.",
    "fog": "Then a thick fog crept in, until {place} was nothing but grey shapes.",
    "wind": "Then the wind picked up, tugging at coats and whistling through {place}.",
    "night": "Then night fell, much faster than anyone expected.",
    "sun": "Then the clouds broke apart and warm sunshine poured over {place}.",
}
_WEATHER_WORDS = {
    "rain": "rain", "rainy": "rain", "raining": "rain", "pour": "rain", "snow": "snow",
    "snowy": "snow", "snowing": "snow", "storm": "storm", "stormy": "storm", "thunder": "thunder",
    "fog": "fog", "foggy": "fog", "misty": "fog", "mist": "fog", "wind": "wind", "windy": "wind",
    "night": "night", "dark": "night", "nighttime": "night", "sunny": "sun", "sun": "sun",
}  # fmt: skip
_WEATHER_FILLER = frozenset(
    "start starts to a the begin begins it suddenly heavy heavily more".split()
)
_MORE = r"^(?:(?:add|include|put in|use|give (?:it|us))\s+)?(?:more|extra|lots of)\s+(.+)$"
_ADD = r"^(?:introduce|add|bring in|bring back|bring|include|insert)\s+(.+)()$"
_ARRIVALS = (
    "Just then, {x} appeared right in front of {hero}.",
    "Out of nowhere came {x}, and {hero} could only stare.",
    "That was when {x} turned up at the edge of {place}, as if it had been planned all along.",
)
_REACTIONS = (
    "{X} seemed to have been waiting for {him} all along.",
    "{X} looked at {hero} as if this had all been arranged long ago.",
    "{X} had clearly come to stay, at least for a while.",
)
# Verbs that, opening a note, ask the hero to act ("use the key"), besides the common ones.
_HERO_VERBS = frozenset("have make bring give use start write put set".split())
# Verbs that address the writer ("describe the castle"): such a note is not the hero's action.
_WRITER_VERBS = frozenset(
    "introduce add include insert bring mention reference reveal show make have let give kill "
    "end start set change describe focus use write put".split()
)


def clean_note(note: str) -> str:
    """A note ready to weave: one line, no braces, no politeness, no trailing punctuation."""
    text = " ".join(str(note).replace("{", "(").replace("}", ")").split())
    text = text.strip(" \"'“”‘’")
    text = _POLITE.sub("", text).rstrip(" .!;:,")
    if len(text) > MAX_NOTE_CHARS:
        text = text[:MAX_NOTE_CHARS].rsplit(" ", 1)[0].rstrip(" ,;:")
    return text


class NoteWeaver:
    """Writes the sentences that act on a director's note, for one chapter."""

    def __init__(self, slots: Mapping[str, str], rng: random.Random) -> None:
        # slots: hero/he/him/his (plain names or point-of-view markers), ally, rival, place.
        self.slots = slots
        self.rng = rng

    def fill(self, template: str, **extra: str) -> str:
        """A template filled with the slots and `extra`; {Slot} gives the value capitalised."""
        values = {**self.slots, **extra}
        values.update({key[0].upper() + key[1:]: cap(v) for key, v in list(values.items()) if v})
        return template.format_map(values)

    def names(self, text: str) -> str:
        """Roles in the note ("the hero") replaced by the cast's names."""
        for pattern, slot in _ROLES:
            text = re.sub(pattern, self.slots.get(slot, slot), text, flags=re.I)
        return text

    def sentences(self, note: str) -> list[str]:
        """One or two sentences that act on the note (empty if the note is empty)."""
        note = clean_note(note)
        if not note:
            return []
        note = self.names(note)
        low = note.lower()
        weather = self._weather(low)
        if weather:
            return [self.fill(weather)]
        if re.search(r"\b(?:twist|surprise|plot twist)\b", low) and len(low.split()) <= 6:
            return [self.fill("Then came a twist that nobody had seen coming: {ally} had been "
                              "keeping a secret all along.")]  # fmt: skip
        more = re.match(_MORE, note, re.I)
        if more:
            return [self.fill("Before long there was more {x} than anyone had bargained for.",
                              x=more.group(1))]  # fmt: skip
        appear = re.match(
            r"^(?:introduce|add|bring in|bring back|bring|include|insert|have|let|make)\s+(.+?)\s+"
            r"(?:appear|show up|arrive|turn up|enter|come in)s?\b(.*)$",
            note,
            re.I,
        ) or re.match(_ADD, note, re.I)
        if appear:
            return self._arrival(appear.group(1), appear.group(2))
        found = re.match(r"^(?:mention|reference|talk about)\s+(.+)$", note, re.I)
        if found:
            thing = found.group(1)
            return [self.fill("For no reason {he} could explain, {hero} suddenly thought of {x}.",
                              x=thing)]  # fmt: skip
        found = re.match(r"^(?:reveal|show)\s+(?:that\s+)?(.+)$", note, re.I)
        if found:
            return [self.fill("Then the truth came out at last: {x}.", x=to_past(found.group(1)))]
        found = re.match(r"^give\s+(him|her|them|\S+)\s+(.+)$", note, re.I)
        if found:
            return [self.fill("Then, quite unexpectedly, {x} came into {hero}'s hands.",
                              x=found.group(2))]  # fmt: skip
        grow = re.match(r"^make it (?:(more|less|a bit|a little|very|really|extra)\s+)?(.+)$",
                        note, re.I)  # fmt: skip
        if grow and is_adjective(grow.group(2)):
            how = (grow.group(1) or "").lower()
            degree = "more " if how == "more" else "less " if how == "less" else ""
            return [self.fill("From that moment, everything seemed to grow {x}.",
                              x=degree + grow.group(2))]  # fmt: skip
        found = re.match(r"^(?:have|let|make)\s+(.+)$", note, re.I)
        acted = someone_did(found.group(1)) if found else None
        if acted:
            return [self.fill("Then, without warning, {x}.", x=acted)]
        first = low.split()[0]
        bare = first.isalpha() and first not in NOT_VERBS and first not in _WRITER_VERBS
        doable = first.isalpha() and first not in NOT_VERBS
        if doable and (first in IRREGULAR_PAST or first in COMMON_VERBS or first in _HERO_VERBS):
            # An instruction for the hero ("fight the dragon", "open the box").
            return [self.fill("On a sudden impulse, {hero} decided to {x}.", x=lower_first(note))]
        statement = to_past(note)
        if statement != note:  # "the hero finds a secret door", "a storm hits the town"
            return [self.fill("Then, without warning, {x}.", x=lower_first(statement))]
        if bare and not first.endswith("s") and len(low.split()) > 1 and note[:1].islower():
            return [self.fill("On a sudden impulse, {hero} decided to {x}.", x=note)]
        return [self.fill("Something in the air had changed, and {hero} felt it at once: {x}.",
                          x=lower_first(note))]  # fmt: skip

    def _weather(self, low: str) -> str | None:
        """A weather sentence for 'make it rain', 'a storm', 'let it snow', ..."""
        words = re.findall(r"[a-z]+", low)
        if not words or len(words) > 5:
            return None
        if words[0] in ("make", "let", "have") and words[1:2] == ["it"]:
            words = words[2:]
        words = [w for w in words if w not in _WEATHER_FILLER]
        if len(words) == 1 and words[0] in _WEATHER_WORDS:
            return _WEATHER[_WEATHER_WORDS[words[0]]]
        return None

    def _arrival(self, thing: str, rest: str) -> list[str]:
        """Someone or something new enters the scene, then gets a second look."""
        thing = with_article(thing.strip())
        first = self.fill(self.rng.choice(_ARRIVALS), x=thing)
        if rest.strip():
            first = first.rstrip(".") + f", {rest.strip().rstrip('.')}."
        second = self.fill(self.rng.choice(_REACTIONS), x=definite(thing))
        return [first, second]
