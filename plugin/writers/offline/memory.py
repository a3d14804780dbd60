"""Offline writer memory: what a chapter established (purpose "memory").

The writer knows its own cast from (seed, theme), so it reports the people, places and things
of that cast that the chapter actually mentions, with statuses that follow the story's arc
(the rival "defeated" in the final chapter, the prize held by the hero once it is won, ...).
A chapter by another writer (no name of our cast in it) still gets a best-effort answer built
from its capitalised names and first sentence.

Memory answers use the tagged text format, one item a line:
    SUMMARY: <the story so far>
    CHARACTER: <name> | aliases: <alias>, <alias> | <description> | <status>
                   (the aliases field is left out when there are none)
    LOCATION: <name> | <description>
    ITEM: <name> | holder: <name or nobody> | <description>
    EVENT: <what happened in this chapter>
"""

from __future__ import annotations

import re

from plugin.brief import StoryBrief
from plugin.writers.offline.cast import Material, Person, Slots, longest_literal
from plugin.writers.offline.choices import adapt_choice
from plugin.writers.offline.compose import Composer, phase_of
from plugin.writers.offline.grammar import cap, mentions, proper_names, sentences_of

MAX_SUMMARY_WORDS = 120
MAX_SUMMARY_SENTENCES = 5
MAX_DESCRIPTION_WORDS = 15
# Titles a reader drops after the first mention ("Sir Pellam" -> "Pellam").
_HONORIFICS = (
    "sir dame queen king lord lady director captain doctor dr. mr. mrs. ms. madame mayor "
    "professor count countess baron baroness admiral warlord mother father uncle aunt granny "
    "grandpa detective inspector officer sheriff agent chief princess prince duke duchess giant"
).split() + ["sea witch"]
# Words that end the head noun of a description ("a dragon who hoarded secrets" -> "dragon").
_HEAD_STOP = frozenset(
    "who whose that which with of in no than on from for at to obsessed made".split()
)


def prose_of(draft: str) -> str:
    """A chapter's prose: no TITLE line, nothing from CHOICES on."""
    text = re.split(r"^\s*CHOICES:", draft or "", maxsplit=1, flags=re.M)[0]
    text = re.sub(r"^\s*TITLE:.*$", "", text, flags=re.M)
    return text.strip()


def short(text: str, limit: int = MAX_DESCRIPTION_WORDS) -> str:
    """One line with no field separators, at most `limit` words."""
    words = text.replace("|", "/").split()
    return " ".join(words[:limit]).rstrip(",;:") if words else ""


def aliases(person: Person, rival: bool = False) -> list[str]:
    """Other names a reader might use: 'Sir Pellam' -> 'Pellam'; 'Skarn the Grey' -> 'Skarn'."""
    found: list[str] = []
    name = person.name.strip()
    bare = re.sub(r"^the\s+", "", name, flags=re.I)
    lowered = bare.lower()
    for title in sorted(_HONORIFICS, key=len, reverse=True):
        if lowered.startswith(title + " ") and len(bare) > len(title) + 1:
            found.append(bare[len(title) + 1 :])
            break
    epithet = re.match(r"^(\S+) the (\S+)$", name)
    if epithet:
        found.append(epithet.group(1))
    if rival and person.what:  # "a dragon who hoarded secrets" -> "the dragon"
        head = re.sub(r"^(?:a|an|the)\s+", "", person.what.strip(), flags=re.I).split()
        for index, word in enumerate(head):
            if word.lower() in _HEAD_STOP:
                head = head[:index]
                break
        if head and 1 <= len(head) <= 3 and head[-1].lower() not in ("head", "one"):
            what = f"the {' '.join(head)}"
            if epithet and len(head) == 1:  # "Skarn the Grey" + "dragon" -> "the Grey Dragon"
                what = f"the {epithet.group(2)} {cap(head[0])}"
            found.append(what)
    return [alias for alias in dict.fromkeys(found) if alias and alias != name]


class Remembrance:
    """What one chapter established, in the memory format."""

    def __init__(self, brief: StoryBrief, material: Material) -> None:
        self.brief = brief
        self.material = material
        self.composer = Composer(brief, material)
        self.cast = self.composer.cast
        self.prose = prose_of(brief.draft or "")
        self.chapter = max(1, brief.chapter_number)
        self.slots = Slots(self.cast.slots(), material, self.composer.rng)
        cast = self.cast
        self.ours = any(
            mentions(self.prose, name) for name in (cast.hero.name, cast.ally.name, cast.rival.name)
        ) or (mentions(self.prose, cast.home) and mentions(self.prose, cast.item))
        self.final = self.chapter >= max(1, brief.max_chapters) or self._told("rival_fates")
        self.ending = brief.story_style.ending if self.final else "any"
        self.lost = self._losses() if self.final and self.ending == "tragic" else set()

    # ----- reading the chapter ----------------------------------------------------------

    def _told(self, pool: str, slot: str = "") -> bool:
        """True if a sentence from `pool` (naming `slot`, if given) is in the prose."""
        for template in self.material.templates(pool):
            if slot and slot not in template.lower():
                continue
            literal = longest_literal(template)
            if len(literal) >= 12 and literal in self.prose:
                return True
        return False

    def _losses(self) -> set[str]:
        """What a tragic ending took away: 'ally' and/or 'item'."""
        return {what for what in ("ally", "item") if self._told("tragic_losses", "{" + what)}

    def places(self, prose: str) -> list[str]:
        """Known places the prose mentions, the chapter's setting first."""
        return self.composer.find_places(prose)

    def setting(self, number: int, prose: str) -> str:
        """Where a chapter is set: home in chapter 1, else the first place it names."""
        named = self.places(prose)
        if number <= 1 or not named:
            return self.cast.home
        return named[0]

    def danger(self, prose: str) -> str | None:
        """A theme danger the prose names (for the chapter's event)."""
        for raw in self.material.vocab("dangers"):
            text = self.slots.try_render(str(raw))
            if text and text.lower() in prose.lower():
                return text[0].lower() + text[1:]
        return None

    # ----- the answer -------------------------------------------------------------------

    def answer(self) -> str:
        """All tagged lines for this chapter."""
        if not self.ours:
            return self.foreign()
        lines = [f"SUMMARY: {self.summary()}"]
        lines += self.characters()
        lines += [f"LOCATION: {name} | {short(about)}" for name, about in self.locations()]
        lines += self.items()
        event = self.event(self.chapter, self.prose, self.brief.winning_choice)
        lines.append(f"EVENT: {short(event, 40)}")
        return "\n".join(lines)

    def characters(self) -> list[str]:
        """CHARACTER lines for the cast members the chapter mentions (the hero always)."""
        cast, phase = self.cast, self._phase()
        hero_status = {
            "opening": f"setting out from {cast.home}",
            "rising": f"travelling through {self.setting(self.chapter, self.prose)}",
            "climax": f"closing in on {cast.item}",
        }.get(phase) or {
            "tragic": "victorious but grieving",
            "open": "victorious, facing a new mystery",
            "twist": "victorious, and astonished by the truth",
        }.get(self.ending, "triumphant, the goal reached")
        rival_status = {
            "opening": "plotting from afar",
            "rising": f"one step ahead, hunting for {cast.item}",
            "climax": f"about to seize {cast.item}",
        }.get(phase, "defeated")
        people = [
            (cast.hero, f"{cast.role} from {cast.home}", hero_status, True),
            (cast.ally, cast.ally.what, "gone" if "ally" in self.lost else f"with {cast.hero.name}",
             mentions(self.prose, cast.ally.name)),
            (cast.rival, cast.rival.what, rival_status, mentions(self.prose, cast.rival.name)),
            (cast.other, cast.other.what, f"in {cast.home}" if mentions(self.prose, cast.home)
             else "met along the way", mentions(self.prose, cast.other.name)),
        ]  # fmt: skip
        lines = []
        for person, about, status, present in people:
            if present:
                names = ", ".join(aliases(person, rival=person is cast.rival))
                also = [f"aliases: {names}"] if names else []  # an empty field would shift the rest
                fields = (person.name, *also, short(about), short(status))
                lines.append("CHARACTER: " + " | ".join(fields))
        return lines

    def locations(self) -> list[tuple[str, str]]:
        """Places the chapter mentions, each with a short description."""
        cast = self.cast
        here = self.setting(self.chapter, self.prose)
        found = []
        for place in dict.fromkeys([here, *self.places(self.prose)]):
            if place == cast.home:
                about = f"home of {cast.hero.name}, where the journey began"
            elif place == here and self.final:
                about = f"where {cast.hero.name} faced {cast.rival.name} at last"
            elif place == here:
                about = f"where {cast.hero.name} arrived in chapter {self.chapter}"
            else:
                about = "a place mentioned along the way"
            if place == here or mentions(self.prose, place):
                found.append((place, about))
        return found[:5]

    def items(self) -> list[str]:
        """ITEM lines: the session's prize (and any other theme treasure the prose names)."""
        cast, phase = self.cast, self._phase()
        lines = []
        if mentions(self.prose, cast.item) or self.final:
            if "item" in self.lost:
                holder, about = "nobody", "crumbled to dust, its power spent for ever"
            elif self.final:
                holder, about = cast.hero.name, f"won by {cast.hero.name} at last"
            elif phase == "climax":
                holder, about = "nobody", f"almost within reach, and {cast.rival.name} wants it too"
            else:
                holder, about = "nobody", f"sought by {cast.hero.name} and {cast.rival.name}"
            lines.append(f"ITEM: {cast.item} | holder: {holder} | {short(about)}")
        for raw in self.material.vocab("items"):
            item = str(raw)
            if item != cast.item and "{" not in item and mentions(self.prose, item):
                lines.append(f"ITEM: {item} | holder: nobody | a treasure mentioned in the story")
        return lines

    def _phase(self) -> str:
        """The chapter's place in the arc, or "final" when the story ends here."""
        return "final" if self.final else phase_of(self.chapter, max(1, self.brief.max_chapters))

    def event(self, number: int, prose: str, chosen: str | None) -> str:
        """One sentence: what happened in chapter `number`."""
        cast = self.cast
        hero, ally, rival = cast.hero.name, cast.ally.name, cast.rival.name
        with_ally = mentions(prose, ally)
        if number <= 1:
            text = f"{hero} set out from {cast.home} to {cast.goal}"
            text += f", with {ally} at {cast.slots()['his']} side" if with_ally else ""
            text += f", while {rival} plotted to take {cast.item}" if mentions(prose, rival) else ""
            return text + "."
        here = self.setting(number, prose)
        if number == self.chapter and self.final:
            text = f"{hero} faced {rival} at {here}, defeated {cast.slots()['rival_him']}"
            text += f" and managed to {cast.goal}"
            if self.ending == "tragic":
                lost = [ally] * ("ally" in self.lost) + [cast.item] * ("item" in self.lost)
                text += f", but lost {' and '.join(lost)}" if lost else ", but at a painful cost"
            elif self.ending == "open":
                text += ", though a new mystery appeared"
            elif self.ending == "twist":
                text += ", then learned a surprising truth"
            return text + "."
        subject = f"{hero} and {ally}" if with_ally else hero
        action, is_verb = adapt_choice(chosen, cast) if chosen else ("", False)
        if is_verb and len(action.split()) <= 12:
            text = f"{hero} chose to {action}"
            text += f" and reached {here}" if not mentions(action, here) else ""
        else:
            text = f"{subject} reached {here}"
        danger = self.danger(prose)
        text += f", where they ran into {danger}" if danger else ""
        if mentions(prose, rival):
            climax = phase_of(number, max(1, self.brief.max_chapters)) == "climax"
            ahead = f", while {rival} stayed one step ahead"
            text += f", with {rival} closing in" if climax else ahead
        return text + "."

    def summary(self) -> str:
        """The story so far: the earlier summary (or the earlier chapters) plus this chapter."""
        cast = self.cast
        earlier = sentences_of(self.brief.summary or "")
        if not earlier:
            setup = f"{cast.hero.name}, {cast.role} from {cast.home}, set out to {cast.goal}."
            earlier = [setup]
            for recap in self.brief.chapters:
                if recap.number < self.chapter:
                    earlier.append(self._told_of(recap.number, recap.content, recap.chosen))
        this = self._told_of(self.chapter, self.prose, self.brief.winning_choice)
        return fit_summary([*earlier, this])

    def _told_of(self, number: int, prose: str, chosen: str | None) -> str:
        """A chapter's sentence in the summary (chapter 1: who joined and who opposes)."""
        if number > 1:
            return self.event(number, prose, chosen)
        cast = self.cast
        parts = []
        if mentions(prose, cast.ally.name):
            parts.append(f"{cast.ally.name} joined {cast.slots()['him']}")
        if mentions(prose, cast.rival.name):
            parts.append(f"{cast.rival.name} wanted {cast.item} too")
        if not parts:
            return f"{cast.hero.name} left {cast.home} in search of {cast.item}."
        return cap(", and ".join(parts)) + "."

    def foreign(self) -> str:
        """Best effort for a chapter by another writer: its names and its first sentence."""
        first = sentences_of(self.prose)[:1] or ["Nothing much happened."]
        event = short(first[0], 30)
        summary = fit_summary([*sentences_of(self.brief.summary or ""), event])
        lines = [f"SUMMARY: {summary}"]
        for name in proper_names(self.prose)[:4]:
            lines.append(f"CHARACTER: {name} | someone in the story | present")
        named = re.findall(r"\b(?:in|into|at|to|through) the ((?:[A-Z][a-z]+ ?){1,3})", self.prose)
        for place in named[:2]:
            lines.append(f"LOCATION: the {place.strip()} | a place in the story")
        lines.append(f"EVENT: {event}")
        return "\n".join(lines)


def fit_summary(sentences: list[str]) -> str:
    """2-5 sentences, at most 120 words: the first (the setup) and the most recent ones."""
    parts = [" ".join(s.replace("|", "/").split()) for s in sentences if s.strip()]
    while len(parts) > 2 and (
        len(parts) > MAX_SUMMARY_SENTENCES or len(" ".join(parts).split()) > MAX_SUMMARY_WORDS
    ):
        del parts[1]
    words = " ".join(parts).split()
    if len(words) > MAX_SUMMARY_WORDS:
        return " ".join(words[: MAX_SUMMARY_WORDS - 1]).rstrip(",;:") + "…"
    return " ".join(parts)


def remember(brief: StoryBrief, material: Material) -> str:
    """The answer to a "memory" brief."""
    return Remembrance(brief, material).answer()
