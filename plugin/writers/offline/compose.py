"""Offline writer composition: turns a StoryBrief into outline, chapter, final or repair text."""

from __future__ import annotations

import random
import re
from collections.abc import Iterable

from plugin.brief import StoryBrief
from plugin.themes import CUSTOM_THEME_ID
from plugin.writers.offline.cast import Material, Slots, longest_literal, make_cast
from plugin.writers.offline.choices import (
    ChoiceMaker,
    adapt_choice,
    choice_key,
    interleave,
    letter_lines,
)
from plugin.writers.offline.direct import NoteWeaver
from plugin.writers.offline.grammar import tidy, title_case, word_count
from plugin.writers.offline.voice import Voice, marker_goal

_TALK_POOLS = ("ally_talk", "rival_talk", "final_rival_talk")
_BODY_POOLS = {
    "opening": ("scenery", "senses", "body_opening", "ally_talk", "thoughts", "events"),
    "rising": ("events", "senses", "body_rising", "ally_talk", "travel", "scenery", "rival_talk",
               "thoughts"),
    "climax": ("body_climax", "rival_talk", "events", "senses", "ally_talk", "thoughts", "scenery",
               "travel"),
    "final": ("final_climax", "final_rival_talk", "ally_talk", "senses"),
}  # fmt: skip
# The last sentences of a final chapter, by the story's ending ("happy" and "any": as always).
_ENDINGS = {
    "tragic": ("rival_fates", "tragic_victories", "tragic_losses", "tragic_closings"),
    "open": ("rival_fates", "victories", "open_endings"),
    "twist": ("rival_fates", "victories", "twist_reveals"),
}
_HAPPY_ENDING = ("rival_fates", "victories", "closings")
# How much may be repeated from earlier chapters: nothing, nothing from the previous
# chapter, anything (a very long session can exhaust a theme's sentences).
_RETELL_LEVELS = (0, 1, 2)


def phase_of(chapter: int, max_chapters: int) -> str:
    """Where a chapter sits in the arc: opening, rising or climax (final is its own purpose)."""
    if chapter <= 1:
        return "opening"
    if max_chapters >= 3 and chapter >= max_chapters - 1:
        return "climax"
    return "rising"


class Composer:
    """Writes one answer for one brief; all randomness comes from the brief's seed."""

    def __init__(self, brief: StoryBrief, material: Material) -> None:
        self.brief = brief
        self.material = material
        self.cast = make_cast(material, brief.seed)
        self.max_chapters = max(1, brief.max_chapters)
        self.chapter = max(1, brief.chapter_number)
        self.target = max(40, brief.chapter_words)
        # `variant` counts regenerations of this chapter, so "regenerate" gives a different chapter.
        variant = f":v{brief.variant}" if brief.variant else ""
        self.rng = random.Random(f"{brief.seed}:{brief.theme.id}:{self.chapter}:{brief.purpose}{variant}")
        self.earlier = "\n".join(recap.content for recap in brief.chapters)
        self.recent = brief.chapters[-1].content if brief.chapters else ""
        self.slots = Slots(self.cast.slots(), material, self.rng, self.earlier, self.recent)
        self.slots["custom"] = self._custom_text()
        self.used: set[str] = set()
        self._cursors: dict[str, list[str]] = {}
        self.voice = Voice(self.cast, brief.story_style.pov)

    # ----- helpers ----------------------------------------------------------------------

    def _custom_text(self) -> str:
        """The streamer's own theme description, trimmed to fit inside a sentence."""
        if self.brief.theme.id != CUSTOM_THEME_ID:
            return ""
        text = (self.brief.custom_theme or self.brief.theme.description or "").strip()
        text = " ".join(text.split()).rstrip(".!?;: ")
        return text if len(text) <= 200 else text[:200].rsplit(" ", 1)[0]

    def speak(self) -> None:
        """Name the hero in the story's point of view from now on (chapters and finals)."""
        if not self.voice.active:
            return
        self.slots.update(self.voice.slots())
        goals = [str(goal) for goal in self.material.vocab("goals")]
        goal = marker_goal(goals, self.cast, self.voice.slots())
        if goal:
            self.slots["goal"] = goal

    def plain(self) -> Slots:
        """Slots that name the hero in the third person (titles and choices)."""
        if not self.voice.active:
            return self.slots
        return self.slots.with_values(**self.voice.plain(), goal=self.cast.goal)

    def directed(self) -> list[str]:
        """Sentences acting on the streamer's director's note, if there is one."""
        note = (self.brief.direction or "").strip()
        if not note:
            return []
        keys = ("hero", "he", "him", "his", "himself", "ally", "rival", "place", "home", "item")
        rng = random.Random(f"note:{self.brief.seed}:{self.chapter}:{note}")
        weaver = NoteWeaver({key: self.slots[key] for key in keys}, rng)
        told = [tidy(self.voice(sentence)) for sentence in weaver.sentences(note)]
        self.used.update(told)
        return told

    def dealt(self, key: str, templates: list[str]) -> list[str]:
        """Templates in a per-session order, rotated per chapter so chapters draw different ones."""
        order = list(dict.fromkeys(templates))
        random.Random(f"deal:{self.brief.seed}:{self.brief.theme.id}:{key}").shuffle(order)
        if not order:
            return order
        stride = max(1, len(order) // self.max_chapters)
        start = ((self.chapter - 1) * stride) % len(order)
        return order[start:] + order[:start]

    def _fixed_only(self, template: str) -> bool:
        """True if a template names only fixed slots, so reusing it repeats a sentence."""
        names = re.findall(r"\{(\w+)\}", template)
        return all(name[:1].lower() + name[1:] in self.slots for name in names)

    def pick(
        self,
        pool: str,
        budget: int | None = None,
        slots: Slots | None = None,
        retell: int = 0,
    ) -> str | None:
        """Next sentence from a pool that renders, is new enough and fits the word budget."""
        if pool not in self._cursors:
            self._cursors[pool] = self.dealt(pool, self.material.templates(pool))
        memory = self.earlier if retell == 0 else self.recent if retell == 1 else ""
        queue = self._cursors[pool]
        slots = slots or self.slots
        for index, template in enumerate(queue):
            # A reused template reads as a repeat even with new details: fixed-only ones are
            # kept out of all earlier text, the others out of the previous chapter.
            literal = longest_literal(template)
            seen = memory if self._fixed_only(template) else self.recent if retell < 2 else ""
            if len(literal) >= 12 and literal in seen:
                continue
            before = slots.snapshot()
            sentence = slots.try_render(template)
            sentence = self.voice(sentence) if sentence else sentence
            fits = budget is None or (sentence is not None and word_count(sentence) <= budget)
            if not sentence or sentence in self.used or (memory and sentence in memory) or not fits:
                slots.restore(before)  # unused draws go back, so details are not wasted
                continue
            del queue[index]
            self.used.add(sentence)
            return sentence
        return None

    def need(self, pool: str, slots: Slots | None = None) -> str:
        """A sentence the structure requires: short and fresh if possible, else any."""
        budget = max(10, self.target // 5)
        for retell in _RETELL_LEVELS:
            for limit in (budget, None):
                sentence = self.pick(pool, budget=limit, slots=slots, retell=retell)
                if sentence:
                    return sentence
        return ""

    def fill(self, sentences: list[str], pools: tuple[str, ...], fixed: int) -> None:
        """Add body sentences from rotating pools until the chapter reaches its target length."""
        total = fixed + sum(word_count(s) for s in sentences)
        high, enough = int(self.target * 1.15), self.target * 0.92
        # Dialogue pools are capped so quotes stay fresh across a long session.
        caps = {pool: 1 + self.target // 300 for pool in _TALK_POOLS}
        used = dict.fromkeys(pools, 0)
        for retell in _RETELL_LEVELS:
            exhausted: set[str] = set()
            while total < enough and len(exhausted) < len(pools):
                for pool in pools:
                    if pool in exhausted or total >= enough:
                        continue
                    sentence = None
                    if used[pool] < caps.get(pool, 99):
                        sentence = self.pick(pool, budget=high - total, retell=retell)
                    if sentence is None:
                        exhausted.add(pool)
                        continue
                    sentences.append(sentence)
                    used[pool] += 1
                    total += word_count(sentence)
            if total >= self.target * 0.8:
                return

    def place_for(self, chapter: int, choice: str | None = None) -> str:
        """The chapter's setting: home first, then a place the chosen path names, else the route."""
        if chapter <= 1:
            return self.cast.home
        named = self.find_places(choice) if choice else []
        if named:
            return named[0]
        route = self.cast.route or (self.cast.home,)
        return route[(chapter - 2) % len(route)]

    def find_places(self, text: str) -> list[str]:
        """Known places mentioned in text, in order of first mention."""
        lowered = text.lower()
        found: list[tuple[int, str]] = []
        for place in [*self.material.places(), self.cast.home]:
            core = re.sub(r"^the\s+", "", place, flags=re.I).lower()
            match = re.search(rf"\b{re.escape(core)}\b", lowered) if core else None
            if match:
                found.append((match.start(), place))
        return [place for _, place in sorted(found)]

    def title(self, pools: Iterable[str]) -> str:
        """A title not used by earlier chapters."""
        pools = tuple(pools)
        earlier = {recap.title.casefold() for recap in self.brief.chapters}
        templates = [t for pool in pools for t in self.material.templates(pool)]
        slots = self.plain()
        for template in self.dealt("title:" + "+".join(pools), templates):
            title = slots.try_render(template)
            if title and title.casefold() not in earlier and len(title) <= 70:
                return title_case(title.rstrip("."))
        return f"Chapter {self.chapter}"

    def _rotated(self, pools: tuple[str, ...]) -> tuple[str, ...]:
        """The body pools starting at a seeded position, so chapters open differently."""
        shift = self.rng.randrange(len(pools))
        return pools[shift:] + pools[:shift]

    # ----- the parts of a chapter --------------------------------------------------------

    def opening(self, place: str) -> list[str]:
        """First-paragraph sentences: the story's start, or the winning choice acted out."""
        choice = self.brief.winning_choice
        if self.chapter <= 1:
            pools: tuple[str, ...] = ("intro", "intro_goal")
            if self.slots["custom"]:
                pools = ("custom", *pools)
            return [s for s in map(self.need, pools) if s]
        if not choice:
            return [s for s in (self.need("resume"), self.need("arrive")) if s]
        text, is_verb = adapt_choice(choice, self.cast)
        if is_verb and self.voice.active:  # "follow your map" -> "I decided to follow my map"
            text, is_verb = adapt_choice(self.voice.choice(choice), self.cast)
        pool = "continue" if is_verb else "continue_quoted"
        acted = self.need(pool, slots=self.slots.with_values(choice=text))
        if not acted:  # an empty settings file: still honour the viewers' vote
            acted = f"{self.cast.hero.name} chose: {choice.strip()}."
        arrival = self.need("return_home" if place == self.cast.home else "arrive")
        return [s for s in (acted, arrival) if s]

    def choices(self, here: str, avoid: list[str] | None = None) -> list[str]:
        """Exactly num_choices distinct choices, each heading somewhere different."""
        route = list(self.cast.route)
        start = (self.chapter - 1) % len(route) if route else 0
        places = [p for p in route[start:] + route[:start] if p.lower() != here.lower()]
        # Never offer again what viewers already saw, so each vote feels new.
        banned = {choice_key(self.brief.winning_choice or "")}
        banned.update(choice_key(c) for recap in self.brief.chapters for c in recap.choices)
        own = self.dealt("choices:theme", self.material.own("choices"))
        generic = self.dealt("choices:shared", self.material.common("choices"))
        plain = self.dealt("choices:plain", self.material.templates("plain_choices"))
        maker = ChoiceMaker(self.plain(), places, banned, avoid or [], self.rng)
        return maker.make(
            self.brief.num_choices, interleave(own, generic) + plain, lambda n: f"Try path {n}"
        )

    # ----- purposes ---------------------------------------------------------------------

    def outline(self) -> str:
        """TITLE plus a numbered outline of max_chapters beats ending in the resolution."""
        story_title = self.title(("story_titles",))
        beats: list[str] = []
        for number in range(1, self.max_chapters + 1):
            slots = self.slots.with_values(place=self.place_for(number))
            pool = "outline_" + phase_of(number, self.max_chapters)
            if number == self.max_chapters:
                pool = "outline_resolution"
            beat = self.need(pool, slots=slots) or f"{self.cast.hero.name} presses on."
            if number == 1 and self.slots["custom"]:
                beat = f"The setting: {self.slots['custom']}. {beat}"
            beats.append(f"{number}. {beat}")
        return f"TITLE: {story_title}\nOUTLINE:\n" + "\n".join(beats)

    def chapter_text(self) -> str:
        """TITLE, 2-4 paragraphs of prose, then CHOICES with exactly num_choices lines."""
        place = self.place_for(self.chapter, self.brief.winning_choice)
        self.slots["place"] = place
        self.speak()
        phase = phase_of(self.chapter, self.max_chapters)
        title = self.title(("chapter_titles", "titles"))
        opening = self.opening(place) + self.directed()
        closing = [s for s in (self.need("hook_" + phase), self.need("prompt")) if s]
        fixed = sum(word_count(s) for s in opening + closing)
        body: list[str] = []
        if self.chapter <= 1:  # meet the ally and the rival, if the length allows
            for pool in ("intro_ally", "intro_rival"):
                room = int(self.target * 1.15) - fixed - sum(word_count(s) for s in body)
                sentence = self.pick(pool, budget=room)
                body.extend([sentence] if sentence else [])
        self.fill(body, self._rotated(_BODY_POOLS[phase]), fixed)
        count = 2 if self.target < 120 else 3 if self.target < 260 else 4
        chunk = max(1, -(-len(body) // (count - 1)))
        paras = [opening] + [body[i : i + chunk] for i in range(0, len(body), chunk)]
        if len(paras) == 1:
            paras.append([])
        paras[-1] = paras[-1] + closing
        prose = "\n\n".join(" ".join(p) for p in paras if p)
        return f"TITLE: {title}\n\n{prose}\n\nCHOICES:\n{letter_lines(self.choices(place))}"

    def final_text(self) -> str:
        """TITLE and prose that resolves the story, with no choices."""
        place = self.place_for(self.chapter, self.brief.winning_choice)
        if self.chapter > 1 and not self.brief.winning_choice and self.cast.route:
            place = self.cast.route[-1]
        self.slots["place"] = place
        self.speak()
        title = self.title(("final_titles",))
        opening = self.opening(place) + self.directed()
        showdown = [s for s in (self.need("final_confront"),) if s]
        turn = [s for s in (self.need("final_turn"),) if s]  # the moment the tide turns
        pools = _ENDINGS.get(self.brief.story_style.ending, _HAPPY_ENDING)
        ending = [s for s in map(self.need, pools) if s]
        # A very short final keeps the resolution and drops the build-up first.
        for extra in (turn, showdown):
            if sum(map(word_count, opening + showdown + turn + ending)) > self.target * 1.15:
                extra.clear()
        fixed = sum(map(word_count, opening + turn + ending))
        self.fill(showdown, self._rotated(_BODY_POOLS["final"]), fixed)
        showdown += turn
        if self.target >= 280 and len(showdown) >= 4:
            half = len(showdown) // 2
            paras = [opening, showdown[:half], showdown[half:], ending]
        else:
            paras = [opening, showdown, ending]
        prose = "\n\n".join(" ".join(p) for p in paras if p)
        return f"TITLE: {title}\n\n{prose}"

    def repair_text(self) -> str:
        """Only a CHOICES section that fits the draft chapter."""
        draft = self.brief.draft or ""
        mentioned = self.find_places(draft)
        here = mentioned[-1] if mentioned else self.cast.home
        self.slots["place"] = here
        cast = self.cast
        # Names the draft never mentions would confuse viewers; a draft by another writer
        # (without our hero) gets no places of ours either.
        names = (cast.hero.name, cast.ally.name, cast.rival.name, cast.other.name, cast.item)
        avoid = [name for name in names if name not in draft]
        if self.cast.hero.name not in draft:
            avoid += [p for p in (*self.material.places(), self.cast.home) if p not in mentioned]
        return f"CHOICES:\n{letter_lines(self.choices(here, avoid))}"


def compose(brief: StoryBrief, material: Material) -> str:
    """The full answer text for a brief, in the format the story parser expects."""
    composer = Composer(brief, material)
    if brief.purpose == "outline":
        return composer.outline()
    if brief.purpose == "final":
        return composer.final_text()
    if brief.purpose == "repair":
        return composer.repair_text()
    return composer.chapter_text()
