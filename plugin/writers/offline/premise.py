"""Offline writer premise (purpose "premise"): a story pitch a streamer reads before going live.

The answer names the same cast, home, goal, prize and route the session's outline and chapters
will use (all from (seed, theme id)), and the same title the outline will get, so what the
streamer approved is what the audience then hears. The streamer's wishes (brief.direction,
e.g. "a heist with a talking cat") are woven in with their own key words. Format:

    TITLE: <story title>
    PREMISE: <3-5 sentences>
    SETTING: <one line>
    CHARACTERS:
    - <Name>: <one line>        (hero, ally, rival; a fourth where the theme has one)
    PLOT ELEMENTS:
    - <element>                 (3-5)
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, replace

from plugin.brief import StoryBrief
from plugin.writers.offline.cast import Cast, Material, Slots, make_cast
from plugin.writers.offline.compose import Composer
from plugin.writers.offline.direct import NoteWeaver, clean_note
from plugin.writers.offline.grammar import (
    COMMON_VERBS,
    IRREGULAR_PAST,
    cap,
    has_verb,
    is_adjective,
    present,
    someone_does,
    tidy,
    title_case,
    with_article,
)

_THANKS = re.compile(r"[,;\s]*\b(?:please|pls|thanks|thank you|thx)\W*$", re.I)
_ABOUT = re.compile(
    r"^(?:(?:a|the) (?:story|tale|plot|adventure) (?:about|with|where|in which)|about|with|"
    r"something (?:about|with)|one (?:about|with)|introduce|add|include|feature|bring in|"
    r"put in|use|needs?|there should be)\s+",
    re.I,
)
_SET_IN = re.compile(
    r"^(?:set|place|put)\s+(?:it|the story|everything|this|the whole thing)?\s*"
    r"(in|on|at|under|aboard|inside|during|near|beneath)\s+(.+)$",
    re.I,
)
_MAKE_IT = re.compile(
    r"^make\s+(?:it|the story|everything|this)\s+(?:(more|less|a bit|a little|very|really|extra)"
    r"\s+)?(.+)$",
    re.I,
)
_HAVE = re.compile(r"^(?:have|let|make)\s+(.+)$", re.I)
_STYLE_VOICE = {"first": "in {hero}'s own voice", "second": "with the audience in {hero}'s shoes"}
_AUDIENCE = {"kids": "for kids", "teens": "for teens", "adults": "for grown-ups"}
_ENDINGS = {
    "happy": "A happy ending: {hero} finally manages to {goal}",
    "tragic": "A bittersweet ending: {hero} manages to {goal}, but at a real cost",
    "open": "An open ending: the goal is reached, but a new question is left hanging",
    "twist": "A twist at the very end that makes the whole story look different",
    "any": "An ending the viewers steer, vote by vote",
}


@dataclass(frozen=True, slots=True)
class Wish:
    """A streamer's wish, ready to weave: a premise sentence, a plot element, a setting note."""

    sentence: str
    element: str
    setting: str = ""


def tidy_wish(text: str, names: dict[str, str]) -> str:
    """A wish or question cleaned for weaving, with roles ("the villain") named.

    "(I want) the villain to be the hero's sister" becomes "Morwen is Mara's sister".
    """
    text = _THANKS.sub("", clean_note(text or ""))
    text = NoteWeaver(names, random.Random(0)).names(text).strip(" .!?;:,")
    wanted = re.match(r"^((?:the |a |an )?[\w'’. -]+?) to ([a-z]+)\b(.*)$", text)
    if wanted and wanted.group(1).lower().split()[0] not in COMMON_VERBS:
        verb = wanted.group(2)
        if verb == "be" or verb in COMMON_VERBS or verb in IRREGULAR_PAST:
            plural = wanted.group(1).endswith("s") and wanted.group(1)[:1].islower()
            done = (
                ("are" if plural else "is") if verb == "be" else verb if plural else present(verb)
            )
            text = f"{wanted.group(1)} {done}{wanted.group(3)}"
    return text


def read_wish(direction: str | None, cast: Cast) -> Wish | None:
    """What the streamer's extra wishes add to the premise (None when there are none)."""
    names = {"hero": cast.hero.name, "ally": cast.ally.name, "rival": cast.rival.name}
    text = tidy_wish(direction or "", names)
    if not text:
        return None
    hero = cast.hero.name
    placed = _SET_IN.match(text)
    if placed:
        where = f"{placed.group(1).lower()} {placed.group(2)}"
        return Wish(f"And this time, the whole adventure unfolds {where}.",
                    f"A journey that unfolds {where}", where)  # fmt: skip
    made = _MAKE_IT.match(text)
    if made and is_adjective(made.group(2)):
        how = (made.group(1) or "").lower()
        how = f"{how} " if how in ("more", "less", "very", "really") else ""
        return Wish(f"Above all, the whole tale is {how}{made.group(2)}, from start to finish.",
                    f"Plenty of {how}{made.group(2)} moments along the way")  # fmt: skip
    had = _HAVE.match(text)
    acted = someone_does(had.group(1)) if had and not _MAKE_IT.match(text) else None
    if acted:
        return Wish(f"Somewhere along the way, {acted}, and nothing is quite the same after.",
                    f"A scene where {acted}")  # fmt: skip
    first = text.split()[0].lower()
    if first in COMMON_VERBS or (first in IRREGULAR_PAST and not first.endswith("s")):
        task = text[0].lower() + text[1:]
        return Wish(
            f"Before the end, {hero} will have to {task}.", f"The moment {hero} has to {task}"
        )
    about = _ABOUT.sub("", text) or text
    if has_verb(about):
        return Wish(f"And at its heart there is a secret: {about}.", f"The secret: {about}")
    thing = with_article(about)
    return Wish(f"And woven right through it: {thing}.", cap(thing))


class Premise:
    """Writes the premise for one brief."""

    def __init__(self, brief: StoryBrief, material: Material) -> None:
        self.brief = brief
        self.material = material
        self.cast = make_cast(material, brief.seed)
        # The outline of this session (same seed, chapter 1, no chapters yet) gets this title.
        self.outline = Composer(
            replace(brief, purpose="outline", chapter_number=0, chapters=(), variant=0),
            material,
        )
        variant = f":v{brief.variant}" if brief.variant else ""
        self.rng = random.Random(f"premise:{brief.seed}:{brief.theme.id}{variant}")
        self.slots = Slots(self.cast.slots(), material, self.rng)
        self.slots["custom"] = self.outline.slots["custom"]
        route = self.cast.route or (self.cast.home,)
        self.route = list(route)
        self.slots["place"] = self.route[0]

    def one(self, pool: str, told: str = "") -> str:
        """A template of a pool (in a seeded order) that fills, repeating least of `told`."""
        templates = list(dict.fromkeys(self.material.templates(pool)))
        self.rng.shuffle(templates)
        cast = self.cast
        phrases = [p for p in (cast.item, cast.ally.what, cast.rival.what, cast.role) if p]
        best, fewest = "", 99
        for template in templates:
            text = self.slots.try_render(template)
            repeats = sum(p in text and p in told for p in phrases) if text else 99
            if text and repeats < fewest:
                best, fewest = text, repeats
        return best

    def title(self) -> str:
        """The outline's title (another one for a regenerated premise)."""
        if not self.brief.variant:
            return self.outline.title(("story_titles",))
        templates = self.material.templates("story_titles")
        titles = [t for t in map(self.outline.plain().try_render, templates) if t and len(t) <= 70]
        titles = list(dict.fromkeys(t.rstrip(".") for t in titles))
        if not titles:
            return self.outline.title(("story_titles",))
        return title_case(titles[self.brief.variant % len(titles)])

    def premise(self, wish: Wish | None) -> str:
        """3-5 sentences: world, hero and goal, rival, stakes, and the streamer's wish."""
        pools = ["premise_world", "premise_hero", "premise_rival", "premise_stakes"]
        if self.slots["custom"]:
            pools[0] = "premise_custom"
        parts: list[str] = []
        for pool in pools:
            parts.append(tidy(self.one(pool, " ".join(parts))))
        if wish:
            parts.append(wish.sentence)
        return " ".join(p for p in parts if p)

    def setting(self, wish: Wish | None) -> str:
        """One line: where it starts and where it goes."""
        stops = [p for p in self.route[:3] if p != self.cast.home]
        if len(stops) > 1:
            way = ", ".join(stops[:-1]) + f" and {stops[-1]}"
        else:
            way = stops[0] if stops else "the wide world beyond"
        line = f"{cap(self.cast.home)} and the road beyond it: {way}"
        if self.slots["custom"]:
            custom, home = cap(self.slots["custom"]), self.cast.home
            line = f"{custom}; the story starts in {home} and leads to {way}"
        if wish and wish.setting:
            line += f", all of it {wish.setting}"
        return line + "."

    def characters(self) -> list[str]:
        """'- Name: one line' for hero, ally, rival (and the theme's own fourth figure)."""
        cast = self.cast
        people = [
            (cast.hero.name, "premise_cast_hero"),
            (cast.ally.name, "premise_cast_ally"),
            (cast.rival.name, "premise_cast_rival"),
        ]
        if self.material.theme.offline.get("others") or cast.other.name in cast.goal:
            people.append((cast.other.name, "premise_cast_other"))
        lines = []
        for name, pool in people:
            about = self.one(pool).rstrip(".") or "someone who matters to the story"
            lines.append(f"- {cap(name)}: {about}")
        return lines

    def elements(self, wish: Wish | None) -> list[str]:
        """3-5 plot elements: two or three from the theme, the wish, the ending, the telling."""
        found: list[str] = []
        templates = list(dict.fromkeys(self.material.templates("premise_elements")))
        self.rng.shuffle(templates)
        stops = self.route[1:] + self.route[:1]
        want = 2 if wish else 3
        for template in templates:
            if len(found) >= want:
                break
            place = stops[len(found) % len(stops)]
            text = self.slots.with_values(place=place).try_render(template)
            if text and text not in found:
                found.append(text.rstrip("."))
        if wish:
            found.append(wish.element)
        style = self.brief.story_style
        ending = _ENDINGS.get(style.ending, _ENDINGS["happy"])
        found.append(ending.format(hero=self.cast.hero.name, goal=self.cast.goal))
        voice = _STYLE_VOICE.get(style.pov, "as told by {persona}")
        voice = voice.format(
            hero=self.cast.hero.name, persona=style.persona.strip() or "a storyteller"
        )
        tone = " ".join(style.tone.split()) or "adventurous"
        audience = _AUDIENCE.get(style.audience, "for the whole family")
        found.append(f"The telling: {tone}, {voice}, {audience}")
        return [f"- {cap(text)}" for text in found[:5]]

    def answer(self) -> str:
        """The whole premise answer: TITLE, PREMISE, SETTING, CHARACTERS and PLOT ELEMENTS."""
        wish = read_wish(self.brief.direction, self.cast)
        return "\n".join(
            [
                f"TITLE: {self.title()}",
                f"PREMISE: {self.premise(wish)}",
                f"SETTING: {self.setting(wish)}",
                "CHARACTERS:",
                *self.characters(),
                "PLOT ELEMENTS:",
                *self.elements(wish),
            ]
        )


def premise(brief: StoryBrief, material: Material) -> str:
    """The answer to a "premise" brief."""
    return Premise(brief, material).answer()
