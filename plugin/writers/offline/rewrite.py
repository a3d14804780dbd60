"""Offline writer rewrites: a passage the streamer selected, redone by an instruction.

An honest best effort without a model: the passage keeps its meaning and its names, and the
common kinds of instruction get recognisable changes:
  shorter / longer, scarier / funnier / more dramatic / calmer / sadder / happier / romantic,
  more dialogue, "mention X" (or add / include / introduce X), "rename X to Y".
Anything else is rephrased lightly and gets one sentence acting on the instruction (the same
weaving as a director's note). Deterministic for a given brief. The answer is the passage only.
"""

from __future__ import annotations

import functools
import random
import re
from collections.abc import Callable

from plugin.brief import StoryBrief
from plugin.writers.offline.cast import Material, Slots, make_cast
from plugin.writers.offline.direct import NoteWeaver, clean_note
from plugin.writers.offline.grammar import (
    cap,
    is_adjective,
    mentions,
    proper_names,
    sentences_of,
    tidy,
)

_KINDS: tuple[tuple[str, str], ...] = (
    ("calm", r"\b(?:less|not so|not as|not)\s+(?:scary|spooky|dark|frightening|intense|creepy)|"
             r"\b(?:calm|gentl|soft|peaceful|cozy|cosy|sooth|relax|kid|child|friendl)"),
    ("scary", r"scar|spook|creep|dark|frighten|horror|eerie|sinister|ominous|haunt|tense|tension"),
    ("funny", r"funn|humou?r|joke|silly|comic|comed|playful|goofy|witty"),
    ("drama", r"dramat|epic|intens|excit|action|thrill|suspens|heroic|bold"),
    ("sad", r"\bsad|melanchol|bittersweet|tear|emotional|moving|touching"),
    ("happy", r"happ|cheer|joy|uplift|hopeful|bright|positive|lighter"),
    ("romance", r"romanc|romantic|\blove"),
    ("dialogue", r"dialog|conversation|more talk|speech"),
    ("rhyme", r"rhym|poem|poetic|verse|\bpoet"),
    ("short", r"\bshort|condense|trim|brief|concise|tighten|\bcut\b|less wordy|fewer words|"
              r"summar|compress"),
    ("long", r"\blong|expand|more detail|elaborat|describe|flesh out|richer|descriptive|"
             r"add detail|extend"),
)  # fmt: skip
_SWAPS: dict[str, tuple[tuple[str, str], ...]] = {
    "scary": (("dark", "pitch-dark"), ("quiet", "deathly quiet"), ("wind", "howling wind"),
              ("said", "whispered"), ("looked", "peered"), ("cold", "icy"),
              ("noise", "strange noise")),
    "funny": (("said", "announced"), ("walked", "marched"), ("ran", "scampered"),
              ("looked", "squinted"), ("shouted", "squawked")),
    "drama": (("ran", "raced"), ("walked", "strode"), ("looked", "stared"), ("said", "cried"),
              ("big", "enormous"), ("moved", "surged")),
    "calm": (("screamed", "called"), ("shouted", "said"), ("terrifying", "strange"),
             ("terrified", "worried"), ("roared", "rumbled"), ("ran", "hurried"), ("dark", "dim")),
    "sad": (("smiled", "smiled sadly"), ("said", "said quietly"), ("looked", "gazed")),
    "happy": (("said", "beamed"), ("looked", "glanced happily"), ("walked", "skipped")),
    "romance": (("looked", "gazed"), ("said", "murmured")),
    "light": (("said", "replied"), ("looked", "glanced"), ("quickly", "swiftly"), ("big", "huge"),
              ("small", "little"), ("began", "started"), ("walked", "wandered"),
              ("afraid", "frightened"),
              ("happy", "glad"), ("quiet", "silent"), ("saw", "spotted")),
}  # fmt: skip
_ADDS: dict[str, tuple[str, ...]] = {
    "scary": ("Somewhere behind {whom}, something breathed softly in the dark.",
              "A cold draught crept across the back of {whose} neck, though every door was shut.",
              "The shadows seemed to lean a little closer, as if they were listening."),
    "funny": ("{Who} would later insist that this had all been part of the plan.",
              "Somewhere nearby, a goose honked loudly, as if it had strong opinions about this.",
              "It was not, everyone agreed afterwards, the most dignified moment of the day."),
    "drama": ("Everything hung on this single moment.",
              "{Whose} heart hammered like a drum, and there would be no second chance."),
    "calm": ("For a moment, everything was still and peaceful.",
             "A gentle breeze drifted by, and the world felt soft and safe again."),
    "sad": ("A quiet sadness settled over {whom}, like dust on an old photograph.",
            "{Who} thought of everything that could never be quite the same again."),
    "happy": ("{Whose} heart felt suddenly light, as if the sun had come out just for {whom}.",
              "Somewhere, someone started to laugh, and soon everyone was smiling."),
    "romance": ("{Whose} heart gave a small, surprising flutter.",
                "For one long moment, the rest of the world seemed very far away."),
    "dialogue": ("{Who} cleared {his} throat. “Well,” {who} said, “this is not what I "
                 "pictured.”",),
    "rhyme": ("And so the tale went on its way, to find what waited another day.",
              "The wind sang low, the stars shone bright, and hope burned on into the night."),
}  # fmt: skip
_DETAILS = ("The air smelled of {smell}.", "Somewhere nearby came {sound}.",
            "Not far away there was {sight}.")
_FILLERS = re.compile(
    r"\b(?:very|really|just|quite|suddenly|simply|rather|somehow|actually|truly|completely|"
    r"absolutely|a little|a bit|slightly)\s+",
    re.I,
)
_CLAUSE_WORDS = frozenset(
    "as and while which where who until though although because like just before after so with "
    "then whose when".split()
)
_RENAME = re.compile(
    r"\b(?:rename|change|replace|call)\s+[\"“']?(.+?)[\"”']?\s+(?:to|with|into|as)\s+"
    r"[\"“']?(.+?)[\"”']?(?:$|[.,;!]| and )",
    re.I,
)
_MENTION = re.compile(
    r"\b(?:mention|include|add|introduce|bring in|feature|reference)\s+(.+?)(?:$|[.,;!]| and )",
    re.I,
)
_MAKE_ADJ = re.compile(
    r"^make (it|this|her|him|them|the \w+|[A-Z]\w+) "
    r"(more |less |a bit |a little |even )?([a-z-]+)$",
    re.I,
)


class Rewriter:
    """Rewrites one passage by one instruction."""

    def __init__(self, brief: StoryBrief, material: Material) -> None:
        self.passage = (brief.draft or "").strip()
        self.instruction = " ".join((brief.direction or "").split())
        key = f"rewrite:{brief.seed}:{brief.theme.id}:{self.passage}:{self.instruction}"
        self.rng = random.Random(key)
        self.cast = make_cast(material, brief.seed)
        self.material = material
        self.paras = [sentences_of(p) for p in re.split(r"\n\s*\n", self.passage) if p.strip()]
        self.original_words = len(self.passage.split())
        self.keep: list[str] = self._names()
        self.who, self.whose, self.whom, self.pronoun = self._subject()

    # ----- reading the passage ----------------------------------------------------------

    def _names(self) -> list[str]:
        """Names to keep: the cast's and the theme's that appear, and other proper names."""
        cast = self.cast
        known = [cast.hero.name, cast.ally.name, cast.rival.name, cast.other.name]
        known += [cast.home, cast.item]
        known += self.material.places()
        found = [name for name in known if mentions(self.passage, name)]
        return list(dict.fromkeys(found + proper_names(self.passage)))

    def _subject(self) -> tuple[str, str, str, str]:
        """Who added sentences are about: (subject, possessive, object, he/she/it or '')."""
        if len(re.findall(r"\bI\b", self.passage)) >= 2:
            return "I", "my", "me", ""
        if len(re.findall(r"\byou\b", self.passage, re.I)) >= 2 and not self.keep:
            return "you", "your", "you", ""
        for person in (self.cast.hero, self.cast.ally, self.cast.rival, self.cast.other):
            if mentions(self.passage, person.name):
                return person.name, person.name + "'s", person.name, person.pronoun
        if self.keep:
            name = self.keep[0]
            return name, name + "'s", name, ""
        return "everyone", "everyone's", "everyone", ""

    def fill(self, template: str) -> str:
        """A template's {who}/{whose}/{whom}/{his} filled with whom added sentences are about."""
        his = {"she": "her", "he": "his", "it": "its"}.get(self.pronoun, self.whose)
        values = {"who": self.who, "whose": self.whose, "whom": self.whom, "his": his}
        values.update({key.capitalize(): cap(value) for key, value in list(values.items())})
        return template.format_map(values)

    # ----- editing ----------------------------------------------------------------------

    def flat(self) -> list[str]:
        """Every sentence of the passage, paragraph breaks dropped."""
        return [s for para in self.paras for s in para]

    def insert(self, sentence: str, position: str = "middle") -> None:
        """Add a sentence after the first one, in the middle, or at the end."""
        if not self.paras:
            self.paras = [[sentence]]
            return
        total = len(self.flat())
        index = {"start": 1, "middle": max(1, total // 2), "end": total}[position]
        for para in self.paras:
            if index <= len(para):
                para.insert(index, sentence)
                return
            index -= len(para)
        self.paras[-1].append(sentence)

    def map_sentences(self, change: Callable[[str], str]) -> None:
        """Apply `change` to every sentence, keeping the paragraphs."""
        self.paras = [[change(s) for s in para] for para in self.paras]

    def swap(self, kind: str, limit: int = 99) -> bool:
        """Apply a kind's word swaps (each at most once); True if anything changed."""
        text, changed = "\n\n".join(" ".join(p) for p in self.paras), 0
        for old, new in _SWAPS.get(kind, ()):
            if changed >= limit:
                break
            pattern = re.compile(rf"\b{old}\b(?!-)", re.I)
            match = pattern.search(text)
            if match and not re.search(rf"\b{re.escape(new)}\b", text[match.start() :], re.I):
                word, head = match.group(0), text[: match.start()]
                article = re.search(r"\b([Aa]n?) $", head)
                if article:  # "a cold smile" -> "an icy smile"
                    fixed = article.group(1)[0] + ("n" if new[0] in "aeiou" else "")
                    head = head[: article.start()] + fixed + " "
                text = head + (cap(new) if word[0].isupper() else new) + text[match.end() :]
                changed += 1
        if changed:
            self.paras = [sentences_of(p) for p in text.split("\n\n") if p.strip()]
        return changed > 0

    def add_tone(self, kind: str) -> None:
        """The kind's word swaps plus one sentence in its tone (a rhyme at the end)."""
        self.swap(kind)
        choices = [t for t in _ADDS.get(kind, ()) if "{" not in t or self.who != "everyone"]
        if choices:
            self.insert(self.fill(self.rng.choice(choices)), "end" if kind == "rhyme" else "middle")

    def rename(self, old: str, new: str) -> bool:
        """Replace every mention of `old` ('the' optional) by `new`; True if there was one."""
        old = clean_note(old)
        new = clean_note(new)
        for candidate in (old, re.sub(r"^the\s+", "", old, flags=re.I)):
            pattern = re.compile(rf"(?<![\w-]){re.escape(candidate)}(?![\w-])", re.I)
            if candidate and new and pattern.search(self.passage):
                self.map_sentences(functools.partial(pattern.sub, new))
                self.keep = [new if k.lower() == candidate.lower() else k for k in self.keep]
                gone = re.compile(rf"\b{re.escape(candidate)}\b", re.I)
                self.keep = [k for k in self.keep if not gone.search(k)]
                return True
        return False

    def mention(self, thing: str) -> None:
        """A sentence naming `thing` after the first one, unless the passage already mentions it."""
        thing = clean_note(thing)
        if not thing or mentions(" ".join(self.flat()), thing):
            return
        templates = (
            "Not far away, {x} was there too, watching everything.",
            "It was impossible not to think of {x} just then.",
            "Somewhere close by, there was {x}.",
        )
        self.insert(tidy(self.rng.choice(templates).replace("{x}", thing)), "start")
        self.keep.append(thing)

    def lengthen(self) -> None:
        """Up to three sensory details from the theme, the first after the opening sentence."""
        slots = Slots(self.cast.slots(), self.material, self.rng)
        goal, added = int(self.original_words * 1.3) + 1, 0
        for template in self.rng.sample(_DETAILS, len(_DETAILS)):
            sentence = slots.try_render(template)
            if sentence:
                self.insert(sentence, "start" if added == 0 else "end")
                added += 1
            if len(" ".join(self.flat()).split()) >= goal and added >= 2:
                break

    def shorten(self) -> None:
        """Keep the first sentence and every name; drop the rest down to ~60%, trim fillers."""
        flat = self.flat()
        target = max(3, int(self.original_words * 0.6))
        chosen = {0} if flat else set()
        for name in self.keep:
            holders = [i for i, s in enumerate(flat) if name.lower() in s.lower()]
            if holders and not chosen & set(holders):
                chosen.add(min(holders, key=lambda i: len(flat[i].split())))
        for index in sorted(range(len(flat)), key=lambda i: (-("“" in flat[i]), len(flat[i]))):
            size = sum(len(flat[i].split()) for i in chosen | {index})
            if size <= target:
                chosen.add(index)
        kept = iter(sorted(chosen))
        wanted = next(kept, None)
        paras, index = [], 0
        for para in self.paras:
            out = []
            for sentence in para:
                if index == wanted:
                    out.append(sentence)
                    wanted = next(kept, None)
                index += 1
            if out:
                paras.append(out)
        self.paras = paras
        self.map_sentences(lambda s: tidy(_FILLERS.sub("", s)))
        for para in self.paras:  # still long: drop trailing clauses, longest sentences first
            for index in sorted(range(len(para)), key=lambda i: -len(para[i])):
                if len(" ".join(self.flat()).split()) <= target:
                    return
                para[index] = self._trim_clause(para[index])

    def _trim_clause(self, sentence: str) -> str:
        """Drop a trailing clause after the last comma when it names nobody we must keep."""
        head, sep, tail = sentence.rpartition(", ")
        if not sep or len(tail.split()) < 3 or any(k.lower() in tail.lower() for k in self.keep):
            return sentence
        if "“" in tail or "”" in tail or tail.split()[0].lower() not in _CLAUSE_WORDS:
            return sentence
        return head.rstrip(",;:") + sentence[-1] if sentence[-1] in ".!?" else head

    def weave(self) -> None:
        """An instruction not understood: light rephrase plus one sentence acting on it."""
        self.swap("light", limit=3)
        note = clean_note(self.instruction)
        adjective = _MAKE_ADJ.match(note)
        if adjective and is_adjective(adjective.group(3)):
            target, how, word = adjective.groups()
            how = (how or "").strip().lower()
            grade = f"{how} " if how in ("more", "less") else ""
            if target.lower() in ("it", "this"):
                sentence = f"Everything about the moment felt {grade}{word}."
            else:
                sentence = self.fill("{Who} seemed " + f"{grade}{word} than ever now.")
        else:
            he = {"she": "she", "he": "he", "it": "it"}.get(self.pronoun, self.who)
            him = {"she": "her", "he": "him", "it": "it"}.get(self.pronoun, self.whom)
            his = {"she": "her", "he": "his", "it": "its"}.get(self.pronoun, self.whose)
            cast = self.cast
            slots = {"hero": self.who, "he": he, "him": him, "his": his, "himself": him,
                     "ally": cast.ally.name, "rival": cast.rival.name, "place": "the place",
                     "home": cast.home, "item": cast.item}  # fmt: skip
            told = NoteWeaver(slots, self.rng).sentences(note)
            sentence = " ".join(told)
        if sentence:
            self.insert(tidy(sentence), "middle")

    # ----- the answer -------------------------------------------------------------------

    def run(self) -> str:
        """The rewritten passage (empty when there is no passage)."""
        if not self.passage:
            return ""
        renamed = _RENAME.search(self.instruction)
        mentioned = _MENTION.search(self.instruction)
        low = self.instruction.lower()
        for found in (renamed, mentioned):  # "mention the dark tower" is not "make it darker"
            if found and not any(re.search(p, found.group(1).lower()) for _, p in _KINDS):
                low = low.replace(found.group(0).lower(), " ")
        kinds = [kind for kind, pattern in _KINDS if re.search(pattern, low)]
        if "calm" in kinds:
            kinds = [k for k in kinds if k != "scary"]
        acted = False
        if renamed:
            acted = self.rename(renamed.group(1), renamed.group(2))
        for kind in kinds:
            if kind not in ("short", "long"):
                self.add_tone(kind)
                acted = True
        if mentioned and not any(re.search(p, mentioned.group(1).lower()) for _, p in _KINDS):
            self.mention(mentioned.group(1))
            acted = True
        if "long" in kinds and "short" not in kinds:
            self.lengthen()
            acted = True
        if "short" in kinds:
            self.shorten()
            acted = True
        if not acted:
            self.weave()
        return "\n\n".join(" ".join(para) for para in self.paras if para)


def rewrite(brief: StoryBrief, material: Material) -> str:
    """The answer to a "rewrite" brief: the rewritten passage only."""
    return Rewriter(brief, material).run()
