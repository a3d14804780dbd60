"""Offline writer material: theme vocabulary, the session's cast, and template slot filling."""

from __future__ import annotations

import random
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from plugin.themes import Theme
from plugin.writers.offline.grammar import PRONOUNS, cap, tidy

# Last-resort vocabulary so a theme with a thin `offline:` section still produces a story.
FALLBACK_VOCAB: dict[str, list[Any]] = {
    "heroes": [{"name": "Alex", "pronoun": "she"}, {"name": "Sam", "pronoun": "he"}],
    "roles": ["a curious traveller"],
    "allies": [{"name": "Pip", "what": "a loyal friend", "pronoun": "he"}],
    "rivals": [{"name": "the Stranger", "what": "a figure in a grey cloak", "pronoun": "he"}],
    "others": [{"name": "the old storyteller", "what": "a wise old traveller", "pronoun": "he"}],
    "homes": ["a quiet little town"],
    "places": ["the old bridge", "the forest edge", "the hilltop tower", "the river crossing"],
    "items": ["the silver key"],
    "goals": ["find the way home"],
    "motifs": ["Road", "Promise", "Secret"],
    "sights": ["a path winding into the distance"],
    "sounds": ["the wind in the grass"],
    "smells": ["rain on warm stone"],
    "dangers": ["a sudden storm"],
    "moments": ["as the light began to fade"],
    "ally_lines": ["Whatever happens, I'm with you."],
    "rival_lines": ["You won't get far."],
}


@dataclass(frozen=True, slots=True)
class Person:
    """A named character with a pronoun and a short description."""

    name: str
    pronoun: str = "she"
    what: str = ""


def _person(raw: Any) -> Person:
    """A Person from a YAML entry: a mapping {name, pronoun, what} or a bare name."""
    if isinstance(raw, Mapping):
        pronoun = str(raw.get("pronoun", "she")).lower()
        return Person(
            name=str(raw.get("name", "Alex")),
            pronoun=pronoun if pronoun in PRONOUNS else "she",
            what=str(raw.get("what", "")),
        )
    return Person(name=str(raw))


class Material:
    """Theme vocabulary layered over shared vocabulary and a built-in fallback."""

    def __init__(self, theme: Theme, shared: Mapping[str, Any]) -> None:
        self.theme = theme
        self.shared = shared
        vocab = shared.get("vocab")
        self._vocab: Mapping[str, Any] = vocab if isinstance(vocab, Mapping) else {}

    def vocab(self, key: str) -> list[Any]:
        """A vocabulary list: the theme's own if present, else shared, else fallback."""
        for source in (self.theme.offline, self._vocab, FALLBACK_VOCAB):
            value = source.get(key)
            if isinstance(value, list) and value:
                return list(value)
        return []

    def own(self, key: str) -> list[str]:
        """The theme's own templates for `key` (e.g. its theme-flavoured choices)."""
        value = self.theme.offline.get(key)
        return [str(item) for item in value] if isinstance(value, list) else []

    def common(self, key: str) -> list[str]:
        """Shared templates for `key`: from `shared.sentences`, else top-level `shared`."""
        sentences = self.shared.get("sentences")
        for pool in (sentences if isinstance(sentences, Mapping) else {}, self.shared):
            value = pool.get(key)
            if isinstance(value, list):
                return [str(item) for item in value]
        return []

    def templates(self, key: str) -> list[str]:
        """Theme templates for `key` followed by the shared ones."""
        return self.own(key) + self.common(key)

    def places(self) -> list[str]:
        """Every place name of the theme (destinations, not homes)."""
        return [str(p) for p in self.vocab("places")]


@dataclass(frozen=True, slots=True)
class Cast:
    """The people, places and things that stay fixed for one story session."""

    hero: Person
    role: str
    ally: Person
    rival: Person
    other: Person  # a secondary figure some themes use (romance: the sweetheart)
    home: str
    goal: str
    item: str
    route: tuple[str, ...]  # places in the order the story visits them by default

    def slots(self) -> dict[str, str]:
        """Template slots naming the cast: hero, he/him/his/himself, ally_*, rival_*, ..."""
        he, him, his, himself = PRONOUNS[self.hero.pronoun]
        a_he, a_him, a_his, _ = PRONOUNS[self.ally.pronoun]
        r_he, r_him, r_his, r_self = PRONOUNS[self.rival.pronoun]
        o_he, o_him, o_his, _ = PRONOUNS[self.other.pronoun]
        return {
            "hero": self.hero.name,
            "he": he,
            "him": him,
            "his": his,
            "himself": himself,
            "role": self.role,
            "ally": self.ally.name,
            "ally_what": self.ally.what or "an old friend",
            "ally_he": a_he,
            "ally_him": a_him,
            "ally_his": a_his,
            "rival": self.rival.name,
            "rival_what": self.rival.what or "a dangerous rival",
            "rival_he": r_he,
            "rival_him": r_him,
            "rival_his": r_his,
            "rival_himself": r_self,
            "other": self.other.name,
            "other_what": self.other.what or "a kind stranger",
            "other_he": o_he,
            "other_him": o_him,
            "other_his": o_his,
            "home": self.home,
            "goal": self.goal,
            "item": self.item,
        }

    def names(self) -> tuple[str, ...]:
        """Proper names a reader would recognise as belonging to this cast."""
        return (self.hero.name, self.ally.name, self.rival.name, self.other.name, self.home)


def make_cast(material: Material, seed: int) -> Cast:
    """The session's cast, chosen deterministically from (seed, theme id)."""
    rng = random.Random(f"cast:{seed}:{material.theme.id}")
    hero = _person(rng.choice(material.vocab("heroes")))
    allies = [_person(a) for a in material.vocab("allies")]
    rivals = [_person(r) for r in material.vocab("rivals")]
    ally = rng.choice([a for a in allies if a.name != hero.name] or allies)
    rival = rng.choice([r for r in rivals if r.name not in (hero.name, ally.name)] or rivals)
    others = [_person(o) for o in material.vocab("others")]
    taken = (hero.name, ally.name, rival.name)
    other = rng.choice([o for o in others if o.name not in taken] or others)
    route = material.places()
    rng.shuffle(route)
    cast = Cast(
        hero=hero,
        role=str(rng.choice(material.vocab("roles"))),
        ally=ally,
        rival=rival,
        other=other,
        home=str(rng.choice(material.vocab("homes"))),
        goal=str(rng.choice(material.vocab("goals"))),
        item=str(rng.choice(material.vocab("items"))),
        route=tuple(route),
    )
    # A goal may name other cast members ("tell {other} how {he} feels"): fill those now.
    filled: dict[str, str] = {}
    for key in ("role", "goal", "item"):
        try:
            filled[key] = getattr(cast, key).format_map(cast.slots())
        except (KeyError, ValueError, IndexError, AttributeError):
            pass  # keep the raw text; one odd entry should not stop the story
    return replace(cast, role=filled.get("role", cast.role), goal=filled.get("goal", cast.goal),
                   item=filled.get("item", cast.item))


# Slots are singular ({place}, {sound}) and vocabulary lists plural ("places", "sounds"); a list
# may also be named exactly like its slot.
_PLURALS = ("s", "es", "")


def longest_literal(template: str) -> str:
    """A template's longest slot-free stretch: reused templates show up by it."""
    return max(re.split(r"\{[^}]*\}", template), key=len).strip()


class Slots(dict[str, str]):
    """Fills `{slot}` templates: fixed cast values, fresh vocabulary draws, `{Slot}` capitalised."""

    def __init__(
        self,
        fixed: Mapping[str, str],
        material: Material,
        rng: random.Random,
        earlier: str = "",
        recent: str = "",
    ) -> None:
        super().__init__(fixed)
        self._material = material
        self._rng = rng
        # Text already told (all of it, and the previous chapter), so draws avoid repeats.
        self._earlier = earlier
        self._recent = recent
        self._decks: dict[str, list[Any]] = {}
        self._depth = 0

    def with_values(self, **values: str) -> Slots:
        """A copy with some slots pinned (e.g. a choice's destination place)."""
        copy = Slots(dict(self), self._material, self._rng, self._earlier, self._recent)
        copy._decks = self._decks  # share decks so copies keep avoiding repeats
        copy.update(values)
        return copy

    def snapshot(self) -> dict[str, list[Any]]:
        """The state of the draw decks, to undo the draws of a sentence that is not used."""
        return {key: list(deck) for key, deck in self._decks.items()}

    def restore(self, snapshot: dict[str, list[Any]]) -> None:
        """Put the decks back as they were (in place: copies share the same decks)."""
        self._decks.clear()
        self._decks.update(snapshot)

    def __missing__(self, key: str) -> str:
        if key[:1].isupper():
            return cap(self[key[0].lower() + key[1:]])
        for suffix in _PLURALS:
            pool = self._material.vocab(key + suffix)
            if pool:
                return self.render(str(self._draw(key, pool)))
        raise KeyError(key)

    def _draw(self, key: str, pool: list[Any]) -> Any:
        """Next item from a shuffled deck so one chapter rarely repeats a detail."""
        deck = self._decks.get(key)
        if not deck:
            deck = list(pool)
            self._rng.shuffle(deck)
            # Items the audience heard go to the bottom of the deck (popped last), the ones
            # from the previous chapter lowest of all.
            deck.sort(key=lambda item: self._freshness(str(item)))
            self._decks[key] = deck
        return deck.pop()

    def _freshness(self, item: str) -> int:
        """2 if never told, 1 if told before the previous chapter, 0 if told just now."""
        longest = longest_literal(item)
        if len(longest) < 8:
            return 2
        return 0 if longest in self._recent else 1 if longest in self._earlier else 2

    def render(self, template: str) -> str:
        """Fill a template; raises KeyError/ValueError/IndexError if it cannot be filled."""
        if "{" not in template:
            return template
        if self._depth > 3:
            raise ValueError("templates nest too deeply")
        self._depth += 1
        try:
            return template.format_map(self)
        finally:
            self._depth -= 1

    def try_render(self, template: str) -> str | None:
        """Fill a template, or None when it names an unknown slot or is malformed."""
        try:
            return tidy(self.render(template))
        except (KeyError, ValueError, IndexError, AttributeError):
            return None

