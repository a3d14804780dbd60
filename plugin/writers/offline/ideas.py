"""Offline writer writers' chat (purpose "ideas"): a co-writer answering the streamer.

brief.question is what the streamer asked ("what if the villain is the hero's sister?", "give
me three twists", "how could chapter 4 be funnier?"). The answer is a short intro that picks up
the question's own words, a bulleted list of 3-5 concrete ideas told with the session's cast
and places (from (seed, theme id), like every chapter), and a closing line. A few kinds of
question are recognised (what-ifs, twists, tone, endings, titles, villain, sidekick, new
characters, places, "add X", what next); anything else still gets ideas that quote it. An
empty question gets three ideas for what could happen next. Everything stays family-friendly:
a request that is not gets a friendly nudge and ideas with the same punch instead.
Deterministic for a given brief.
"""

from __future__ import annotations

import random
import re

from plugin.brief import StoryBrief
from plugin.writers.offline.cast import Material, Slots, make_cast
from plugin.writers.offline.compose import Composer
from plugin.writers.offline.grammar import (
    cap,
    has_verb,
    is_adjective,
    sentences_of,
    tidy,
    title_case,
    with_article,
)
from plugin.writers.offline.premise import tidy_wish
from plugin.writers.offline.talk import (
    CLOSINGS,
    INTENTS,
    INTROS,
    POOLS,
    REVEAL,
    REWRITE,
    SOFTER,
    STOP,
    TONE_TAILS,
    UNSAFE,
)

MIN_ITEMS, MAX_ITEMS = 3, 5
_NUMBERS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "a couple of": 2, "a couple": 2, "a few": 3, "several": 4,
}  # fmt: skip
_COUNT_WORDS = {3: "three", 4: "four", 5: "five"}
_NUMBER = r"\d+|" + "|".join(sorted(_NUMBERS, key=len, reverse=True))
_CHAPTER = re.compile(rf"\bchapter\s+({_NUMBER})\b", re.I)
_RELATIVE = re.compile(r"\b(this|last|next|first|final|previous|current|opening) chapter\b", re.I)
_WHAT_IF = re.compile(
    r"\b(?:what if|what about if|imagine if|suppose|supposing|how about if|what would happen if|"
    r"what happens if|wouldn'?t it be \w+ if|could it be that|maybe)\s+(.+)$",
    re.I,
)
_WHAT_ABOUT = re.compile(r"\b(?:what about|how about)\s+(.+)$", re.I)
_ADD = re.compile(
    r"\b(?:add|include|introduce|bring in|bring back|work in|put in|feature|"
    r"(?:should|could|can) (?:there be|we have|we get))\s+(.+)$",
    re.I,
)
_WHERE_TO = re.compile(
    r"\s+(?:to|into|in|for)\s+(?:the |this |that |our |the next |the last )?"
    r"(?:story|chapter\b.*|tale|plot|scene|next one|episode|stream)\W*$",
    re.I,
)


def _number(word: str) -> int:
    """A count written as digits or words ("3", "three", "a few"); 0 if it is neither."""
    low = word.lower()
    return int(low) if low.isdigit() else _NUMBERS.get(low, 0)


def key_words(text: str) -> list[str]:
    """The words a reader would expect an answer to pick up (4+ letters, not filler)."""
    found = re.findall(r"[A-Za-z][A-Za-z'-]+", text)
    return [w for w in dict.fromkeys(found) if len(w) >= 4 and w.lower() not in STOP]


class Ideas:
    """Answers one writers' chat question."""

    def __init__(self, brief: StoryBrief, material: Material) -> None:
        self.brief = brief
        self.material = material
        self.cast = make_cast(material, brief.seed)
        self.composer = Composer(brief, material)
        raw = getattr(brief, "question", None) or ""
        self.raw = " ".join(str(raw).replace("{", "(").replace("}", ")").split())
        for old, new in SOFTER:  # "kills the villain" -> "defeats the villain"
            self.raw = re.sub(rf"\b{old}\b", new, self.raw, flags=re.I)
        self.ask = self.raw.rstrip(" ?!.") + ("?" if self.raw.rstrip().endswith("?") else ".")
        cast = self.cast
        self.names = {"hero": cast.hero.name, "ally": cast.ally.name, "rival": cast.rival.name}
        key = f"ideas:{brief.seed}:{brief.theme.id}:{self.raw.lower()}:{len(brief.chapters)}"
        self.rng = random.Random(key + (f":v{brief.variant}" if brief.variant else ""))
        self.done = max((recap.number for recap in brief.chapters), default=0)
        self.max_chapters = max(1, brief.max_chapters)
        self.next = self.done + 1
        self.slots = Slots(self.cast.slots(), material, self.rng)

    # ----- reading the question and the story -------------------------------------------

    def count(self) -> int:
        """How many ideas: the number asked for (not a chapter's), else three."""
        text = _CHAPTER.sub("", self.raw)
        found = re.search(rf"\b({_NUMBER})\b", text, re.I)
        wanted = _number(found.group(1)) if found else 0
        return min(MAX_ITEMS, max(MIN_ITEMS, wanted or MIN_ITEMS))

    def target(self) -> int | None:
        """The chapter the question is about, if it names one."""
        found = _CHAPTER.search(self.raw)
        if found:
            return max(1, _number(found.group(1)))
        relative = _RELATIVE.search(self.raw)
        if not relative:
            return None
        word = relative.group(1).lower()
        if word in ("first", "opening"):
            return 1
        if word == "final" or (word == "last" and not self.done):
            return self.max_chapters
        if word == "next":
            return self.next
        return self.done or self.next

    def place_of(self, number: int) -> str:
        """Where chapter `number` is (or will be) set."""
        recap = next((r for r in self.brief.chapters if r.number == number), None)
        if number <= 1:
            return self.cast.home
        if recap:
            named = self.composer.find_places(recap.content)
            if named:
                return named[0]
        before = next((r for r in self.brief.chapters if r.number == number - 1), None)
        chosen = self.brief.winning_choice if number == self.next else None
        return self.composer.place_for(number, chosen or (before.chosen if before else None))

    def where_now(self) -> str:
        """One sentence on where the story stands (from the summary or the last chapter)."""
        told = sentences_of(self.brief.summary or "")
        if told:
            return f"Where we are: {told[-1]}"
        if not self.brief.chapters:
            return ""
        last = self.brief.chapters[-1]
        named = self.composer.find_places(last.content)
        here = named[-1] if named else self.cast.home
        return f"Where we are: {self.cast.hero.name} has just reached {here}."

    def intent(self) -> tuple[str, str]:
        """(intent, the question's word or phrase it hinges on)."""
        text = self.raw
        if not text:
            return "next", ""
        if UNSAFE.search(text):
            return "unsafe", ""
        found = _WHAT_IF.search(text) or _WHAT_ABOUT.search(text)
        if found:
            clause = found.group(1)
            if not has_verb(clause):
                return "add", clause
            return ("whatif" if REVEAL.search(clause) else "event"), clause
        lowered = text.lower()
        for name, kind in ((self.cast.rival.name, "rival"), (self.cast.ally.name, "ally")):
            if name.lower() in lowered and not re.search(r"\btwists?\b|\bend", lowered):
                return kind, name
        for kind, pattern in INTENTS:
            match = re.search(pattern, text, re.I)
            if match and kind in ("rival", "ally", "character", "place", "next"):
                added = _ADD.search(text)
                if added:
                    return "add", added.group(1)
            if match:
                return kind, self._phrase(text, match)
        added = _ADD.search(text)
        return ("add", added.group(1)) if added else ("general", "")

    @staticmethod
    def _phrase(text: str, match: re.Match[str]) -> str:
        """The matched word with its 'more'/'less' ('more dramatic'), as the streamer put it."""
        before = text[: match.start()].split()[-1:] or [""]
        lead = before[0].lower() if before[0].lower() in ("more", "less", "a", "even") else ""
        return f"{lead} {match.group(0)}".strip()

    @staticmethod
    def _make(word: str) -> str:
        """A rewrite instruction for a tone word: 'make it funnier', 'add more humor'."""
        low = word.lower()
        if " " in low or is_adjective(low) or low.endswith("er"):
            return f"make it {low}"
        return f"add more {low}"

    # ----- writing ----------------------------------------------------------------------

    def items(self, pool: str, count: int, **values: str) -> list[str]:
        """`count` distinct ideas from a pool (topped up from the general ones)."""
        found: list[str] = []
        places = values.pop("places", "")
        stops = places.split("|") if places else []
        for source in (pool, "ideas_next", "ideas_general"):
            templates = list(dict.fromkeys(self.material.templates(source)))
            self.rng.shuffle(templates)
            # The streamer's own idea (a what-if, "add X") leads the list.
            lead = next((t for t in templates if "{topic}" in t), None)
            if lead and "topic" in values:
                templates.remove(lead)
                templates.insert(0, lead)
            for template in templates:
                if len(found) >= count:
                    return found
                extra = dict(values)
                if stops:
                    extra["place"] = stops[len(found) % len(stops)]
                text = self.slots.with_values(**extra).try_render(template)
                if text and text not in found:
                    found.append(text if text[-1] in ".!?”" else text + ".")
        return found

    def titles(self, count: int, number: int | None) -> list[str]:
        """Title ideas for the story, or for one chapter."""
        pools = ("chapter_titles", "titles") if number else ("story_titles", "titles")
        templates = [t for pool in pools for t in self.material.templates(pool)]
        self.rng.shuffle(templates)
        stops = list(self.cast.route) or [self.cast.home]
        found: list[str] = []
        for template in templates:
            place = stops[len(found) % len(stops)]
            text = self.slots.with_values(place=place).try_render(template)
            title = title_case(text.rstrip(".")) if text else ""
            if title and title not in found and len(title) <= 60:
                found.append(title)
            if len(found) >= count:
                break
        return found

    def answer(self) -> str:
        """The whole reply: an intro, the bulleted ideas and (usually) a closing line."""
        kind, word = self.intent()
        count = self.count()
        number = self.target()
        wanted = number or self.next
        place = self.place_of(wanted)
        if kind == "next" and wanted == 1 and self.cast.route:
            place = self.cast.route[0]  # where the first chapter will send the hero
        if number and number <= self.done:
            recap = next(r for r in self.brief.chapters if r.number == number)
            target = f"chapter {number}, “{recap.title}”," if recap.title else f"chapter {number}"
        elif number:
            target = f"chapter {number}"
        elif self.next > self.max_chapters:
            target = "a sequel" if kind == "next" else "the story"
        else:
            target = "the next chapter" if kind != "next" else f"chapter {self.next}"
        values = {"place": place}
        clause = topic = ""
        if kind in ("whatif", "event"):
            clause = _WHERE_TO.sub("", word).strip(" ?!.,")
            topic = tidy_wish(clause, self.names) or clause
            values["topic"] = topic
        elif kind == "add":
            topic = with_article(_WHERE_TO.sub("", tidy_wish(word, self.names)).strip(" ?!.,"))
            values["topic"] = topic or "something new"
        if kind == "titles":
            ideas = self.titles(count, number)
        elif kind == "place":
            stops = [p for p in self.cast.route if p != place] or [place]
            ideas = self.items("ideas_place", count, places="|".join(stops))
        else:
            ideas = self.items(POOLS[kind], count, **values)
        intro = self.intro(kind, word, target, count, clause, values.get("topic", ""), number)
        told = " ".join([intro, *ideas]).lower()
        missing = [w for w in key_words(self.raw) if w[: max(4, len(w) - 2)].lower() not in told]
        if missing and kind not in ("general", "unsafe"):
            intro = f"“{cap(self.ask)}” {intro}"  # the streamer sees the question was heard
        lines = [intro, "", *[f"- {idea}" for idea in ideas]]
        if kind in TONE_TAILS and number and number <= self.done:
            lines += ["", REWRITE.format(number=number, phrase=self._make(word))]
        elif kind not in ("titles", "unsafe") and self.next <= self.max_chapters:
            lines += ["", self.rng.choice(CLOSINGS).format(next=self.next)]
        return "\n".join(lines)

    def intro(
        self, kind: str, word: str, target: str, count: int, clause: str, topic: str,
        number: int | None,
    ) -> str:  # fmt: skip
        """The opening line: picks up the question's own words."""
        cast = self.cast
        fill = {
            "hero": cast.hero.name, "rival": cast.rival.name, "ally": cast.ally.name,
            "place": self.place_of(number or self.next), "target": target.rstrip(","),
            "ask": self.ask,
            "count": _COUNT_WORDS.get(count, str(count)), "clause": clause, "topic": topic,
            "what": f"chapter {number}" if number else "the story",
        }  # fmt: skip
        if kind in TONE_TAILS:
            phrase = word if (is_adjective(word) or " " in word) else f"with more {word}"
            if word.lower() in ("fun", "love", "drama", "action", "tension", "suspense"):
                phrase = f"with more {word}"
            if kind == "pace":
                phrase = "faster"
            tail = self.rng.choice(TONE_TAILS[kind]).format(**fill)
            text = f"{cap(target)} but {phrase}? {tail}" if target.endswith(",") else \
                f"{cap(target)}, but {phrase}? {tail}"  # fmt: skip
        else:
            ending = self.brief.story_style.ending
            fill["planned"] = f" (we planned a {ending} ending)" if ending != "any" else ""
            fill["word"] = f"the {word.lower()}" if word and word not in cast.names() else (
                "our villain" if kind == "rival" else "our sidekick")  # fmt: skip
            template = self.rng.choice(INTROS[kind])
            text = template.format(**fill, **{k.capitalize(): cap(v) for k, v in fill.items()})
        if kind == "next":
            text = " ".join(p for p in (self.where_now(), text) if p)
        return tidy(text)


def ideas(brief: StoryBrief, material: Material) -> str:
    """The answer to an "ideas" brief."""
    return Ideas(brief, material).answer()
