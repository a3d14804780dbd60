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

from plugin.writers.offline.cast import cap

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
_IRREGULAR = {
    "is": "was", "are": "were", "am": "was", "has": "had", "have": "had", "does": "did",
    "do": "did", "goes": "went", "go": "went", "finds": "found", "find": "found", "meets": "met",
    "meet": "met", "gets": "got", "get": "got", "sees": "saw", "see": "saw", "takes": "took",
    "take": "took", "makes": "made", "make": "made", "falls": "fell", "fall": "fell",
    "comes": "came", "come": "came", "runs": "ran", "run": "ran", "loses": "lost", "lose": "lost",
    "wins": "won", "win": "won", "gives": "gave", "give": "gave", "tells": "told", "tell": "told",
    "leaves": "left", "leave": "left", "breaks": "broke", "break": "broke", "sings": "sang",
    "sing": "sang", "becomes": "became", "become": "became", "steals": "stole", "steal": "stole",
    "says": "said", "say": "said", "knows": "knew", "know": "knew", "flies": "flew", "fly": "flew",
    "fights": "fought", "fight": "fought", "builds": "built", "build": "built", "buys": "bought",
    "buy": "bought", "brings": "brought", "bring": "brought", "thinks": "thought",
    "think": "thought", "catches": "caught", "catch": "caught", "eats": "ate", "eat": "ate",
    "drinks": "drank", "drink": "drank", "swims": "swam", "swim": "swam", "wakes": "woke",
    "wake": "woke", "hides": "hid", "hide": "hid", "rides": "rode", "ride": "rode",
    "writes": "wrote", "write": "wrote", "speaks": "spoke", "speak": "spoke", "hears": "heard",
    "hear": "heard", "feels": "felt", "feel": "felt", "holds": "held", "hold": "held",
    "sits": "sat", "sit": "sat", "stands": "stood", "stand": "stood", "falls in": "fell in",
    "keeps": "kept", "keep": "kept", "sends": "sent", "send": "sent", "spends": "spent",
    "throws": "threw", "throw": "threw", "digs": "dug", "dig": "dug", "will": "would",
    "can": "could", "shows": "showed", "show": "showed", "begins": "began", "begin": "began",
}  # fmt: skip
_NOT_VERBS = frozenset(
    "the a an his her their its my your our this that these those some every no one two three "
    "very really old new big small little secret magic".split()
)
_COMMON_VERBS = frozenset(
    "open visit climb explore search escape follow attack save rescue help sneak hide jump dance "
    "cross enter chase try look call ask sail travel return hug kiss free fix solve race follow "
    "celebrate trust betray forgive defeat battle face confront discover learn shout whisper "
    "cook bake paint play sleep rest wait listen plant grow".split()
)
_COMMON_WORDS = _COMMON_VERBS | frozenset(
    "the a an some every something nothing everyone everybody someone somebody suddenly".split()
)
_HERO_VERBS = frozenset("have make bring give use start write put set".split())
_WRITER_VERBS = frozenset(
    "introduce add include insert bring mention reference reveal show make have let give kill "
    "end start set change describe focus use write put".split()
)


_ADJECTIVE_END = re.compile(r"(?:y|er|ous|ful|ish|ive|ic|al|ing|ed|ent|ant|ble|less|est|like)$")
_ADJECTIVES = frozenset(
    "brave bold dark calm weird strange odd cute sweet wild grand epic bright sad mad fun cool "
    "intense tense grim nice warm cold hot wet dry loud soft quiet gentle sinister eerie serene "
    "mysterious dramatic romantic magical spooky funny silly scary creepy".split()
)


def is_adjective(phrase: str) -> bool:
    """A cheap guess: does 'make it ___' end in a description ('spooky', 'more tense')?"""
    last = phrase.lower().split()[-1] if phrase.split() else ""
    return last in _ADJECTIVES or (len(last) > 3 and _ADJECTIVE_END.search(last) is not None)


def clean_note(note: str) -> str:
    """A note ready to weave: one line, no braces, no politeness, no trailing punctuation."""
    text = " ".join(str(note).replace("{", "(").replace("}", ")").split())
    text = text.strip(" \"'“”‘’")
    text = _POLITE.sub("", text).rstrip(" .!;:,")
    if len(text) > MAX_NOTE_CHARS:
        text = text[:MAX_NOTE_CHARS].rsplit(" ", 1)[0].rstrip(" ,;:")
    return text


def past(verb: str) -> str:
    """The simple past of a present-tense or bare verb ("finds" -> "found", "opens" -> "opened")."""
    low = verb.lower()
    if low in _IRREGULAR:
        return _IRREGULAR[low]
    if low.endswith("ies") and len(low) > 4:
        return low[:-3] + "ied"
    if re.search(r"(ss|sh|ch|x|z|o)es$", low):
        return low[:-2] + "ed"
    if low.endswith("s") and not low.endswith("ss"):
        low = low[:-1]
    if low.endswith("e"):
        return low + "d"
    if low.endswith("y") and len(low) > 2 and low[-2] not in "aeiou":
        return low[:-1] + "ied"
    return low + "ed"


def _with_article(phrase: str) -> str:
    """'talking cat' -> 'a talking cat'; names, plurals and phrases with articles stay."""
    first = phrase.split()[0].lower() if phrase.split() else ""
    if not first or first in _NOT_VERBS or phrase[:1].isupper() or phrase.endswith("s"):
        return phrase
    return ("an " if first[0] in "aeiou" else "a ") + phrase


def _definite(phrase: str) -> str:
    """'a talking cat' -> 'the talking cat' (for the second mention)."""
    return re.sub(r"^(?:a|an|some)\s+", "the ", phrase, flags=re.I)


def _lower_first(text: str) -> str:
    """'Fight the dragon' -> 'fight the dragon' (names and 'I' keep their capital)."""
    first = text.split()[0] if text.split() else ""
    low = first.lower()
    if len(first) > 1 and first[1:].islower() and (low in _COMMON_WORDS or low in _IRREGULAR):
        return text[0].lower() + text[1:]
    return text


def _subject_verb(text: str) -> str | None:
    """'the dragon sing a song' -> 'the dragon sang a song' (after 'have', 'let', 'make')."""
    words = text.split()
    start = 2 if words and words[0].lower() in ("the", "a", "an", "some", "his", "her") else 1
    for index in range(start, len(words)):
        verb = words[index]
        if verb.isalpha() and verb.islower() and verb not in _NOT_VERBS:
            return " ".join([*words[:index], past(verb), *words[index + 1 :]])
    return None


def _to_past(statement: str) -> str:
    """'Mara finds a door' -> 'Mara found a door': the first present-tense verb goes past."""
    words = statement.split()
    for index, word in enumerate(words):
        bare = word.lower().strip(",.")
        if index == 0 or "'" in bare or bare in _NOT_VERBS:
            continue
        if words[index - 1].lower() in _NOT_VERBS:  # "the castles" is a noun, not a verb
            continue
        is_verb = bare in _IRREGULAR or bare in _COMMON_VERBS or (
            bare.endswith("s") and not bare.endswith(("ss", "us", "is", "'s")) and len(bare) > 3
        )
        if is_verb:
            if bare == "will" and index + 1 < len(words):  # "will attack" -> "attacked"
                words[index : index + 2] = [past(words[index + 1])]
            else:
                words[index] = past(bare)
            return " ".join(words)
    return statement


class NoteWeaver:
    """Writes the sentences that act on a director's note, for one chapter."""

    def __init__(self, slots: Mapping[str, str], rng: random.Random) -> None:
        # slots: hero/he/him/his (plain names or point-of-view markers), ally, rival, place.
        self.slots = slots
        self.rng = rng

    def fill(self, template: str, **extra: str) -> str:
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
            return [self.fill("Then the truth came out at last: {x}.", x=_to_past(found.group(1)))]
        found = re.match(r"^give\s+(him|her|them|\S+)\s+(.+)$", note, re.I)
        if found:
            return [self.fill("Then, quite unexpectedly, {x} came into {hero}'s hands.",
                              x=found.group(2))]  # fmt: skip
        found = re.match(r"^make it (?:(more|less|a bit|a little|very|really|extra)\s+)?(.+)$",
                         note, re.I)  # fmt: skip
        if found and is_adjective(found.group(2)):
            how = (found.group(1) or "").lower()
            more = "more " if how == "more" else "less " if how == "less" else ""
            return [self.fill("From that moment, everything seemed to grow {x}.",
                              x=more + found.group(2))]  # fmt: skip
        found = re.match(r"^(?:have|let|make)\s+(.+)$", note, re.I)
        acted = _subject_verb(found.group(1)) if found else None
        if acted:
            return [self.fill("Then, without warning, {x}.", x=acted)]
        first = low.split()[0]
        bare = first.isalpha() and first not in _NOT_VERBS and first not in _WRITER_VERBS
        doable = first.isalpha() and first not in _NOT_VERBS
        if doable and (first in _IRREGULAR or first in _COMMON_VERBS or first in _HERO_VERBS):
            # An instruction for the hero ("fight the dragon", "open the box").
            return [self.fill("On a sudden impulse, {hero} decided to {x}.", x=_lower_first(note))]
        statement = _to_past(note)
        if statement != note:  # "the hero finds a secret door", "a storm hits the town"
            return [self.fill("Then, without warning, {x}.", x=_lower_first(statement))]
        if bare and not first.endswith("s") and len(low.split()) > 1 and note[:1].islower():
            return [self.fill("On a sudden impulse, {hero} decided to {x}.", x=note)]
        return [self.fill("Something in the air had changed, and {hero} felt it at once: {x}.",
                          x=_lower_first(note))]  # fmt: skip

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
        thing = _with_article(thing.strip())
        first = self.fill(self.rng.choice(_ARRIVALS), x=thing)
        if rest.strip():
            first = first.rstrip(".") + f", {rest.strip().rstrip('.')}."
        second = self.fill(self.rng.choice(_REACTIONS), x=_definite(thing))
        return [first, second]
