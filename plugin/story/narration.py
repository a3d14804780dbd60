"""Narration planning: a chapter split into spoken lines, quoted dialogue given to the character who says it."""

from __future__ import annotations

import re
from collections.abc import Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass

from plugin.story.memory import Entry, name_key

# A sentence ends at . ! ? … (plus a closing quote) before a capitalised start, or at CJK stops.
_SENTENCE_END = re.compile(r"[.!?…]+[\"”’»」]?(?=\s+[A-Z“\"«„「(¡¿0-9])|[。！？]+[」”]?")
_PARAGRAPHS = re.compile(r"\n\s*\n|\n")
_QUOTE = re.compile(r"(“[^”]+”|\"[^\"]+\"|«[^»]+»|„[^“”]+[“”]|「[^」]+」)")
_VERBS = ("said|says|asked|asks|shouted|whispered|cried|called|replied|answered|muttered|yelled|added|laughed|snapped|"
          "hissed|growled|murmured|screamed|shrieked|begged|warned|demanded|insisted|continued|agreed|admitted|"
          "explained|breathed|gasped|sighed|exclaimed|roared|barked|pleaded|repeated|began|groaned|told|tells")
_INVERTED = _VERBS.replace("|told|tells", "")  # "told Mina" names the listener
_NAME = r"(?:(?:Mr|Mrs|Ms|Dr|Sir|Lady|Lord|Captain|Aunt|Uncle|Old|Young)\.?\s+)?[A-Z][\w'’-]*(?:\s+[A-Z][\w'’-]+)?"
_PRONOUN = r"(?i:he|she|they|it|i|we|you)"  # only "he" and "she" can stand for a named character
# A said-clause right after a quote ("…," said Mara / Mara whispered / she asked) or right before one.
_TAG_AFTER = re.compile(
    rf"^[\s,;:.!?…—–-]*(?:(?:then|and)\s+)?(?:(?P<pro>{_PRONOUN})\s+(?:\w+ly\s+)?(?:{_VERBS})\b|"
    rf"(?P<name>{_NAME})\s+(?:\w+ly\s+)?(?:{_VERBS})\b|(?:{_INVERTED})\s+(?:(?P<pro2>{_PRONOUN})|(?P<inv>{_NAME}))\b)"
)
_TAG_BEFORE = re.compile(
    rf"(?:\b(?P<pro>{_PRONOUN})|(?P<name>{_NAME})(?:,\s+who)?)\s+(?:\w+ly\s+)?(?:{_VERBS})"
    rf"(?:\s+(?:to\s+)?(?:{_NAME}|him|her|them|me|us))?(?:\s+\w+ly)?[\s,;:.…—–-]*$|"
    rf"\b(?:{_INVERTED})\s+(?P<inv>{_NAME})(?:\s+\w+ly)?[\s,;:.…—–-]*$"
)
# What may come before the subject of an action beat: "Then", "As always," or a title ("Old Grimsby").
_BEAT_LEAD = (r"[\s,;:.!?…—–-]*(?:[^\W\d_][^,;:.!?]{0,40},\s+)?"
              r"(?:(?:the|old|young|mr|mrs|ms|dr|sir|lady|lord|captain|aunt|uncle)\.?\s+)*")
_BEAT_SUBJECT = re.compile(rf"(?i:[\s,;:.!?…—–-]*(?:(?:then|and|but|so|now|finally|suddenly|still)\s+)?{_BEAT_LEAD})")
_NOT_NAMES = frozenset("he she they it i you we someone somebody everyone everybody nobody anyone anybody no the a an "
                       "then god this that these those there here what who his her their its my our your one another "
                       "all none both each voice voices and but so now when as if yes oh well suddenly meanwhile "
                       "somewhere far later soon finally still just even only after before once every some outside "
                       "inside behind above below nothing something everything perhaps maybe again at in on of to for "
                       "with from while where why how".split())
# Common words that may be written with a capital before a said-verb ("Mother called", "Silence answered").
_COMMON = frozenset("mother father mum mom mommy mummy dad daddy mama papa grandma grandpa granny gran nana "
                    "grandmother grandfather sister brother son daughter baby king queen prince princess guard "
                    "guards soldier soldiers children child kids villagers crowd silence wind thunder monday tuesday "
                    "wednesday thursday friday saturday sunday".split())
# Someone else is there: the pronoun of a said-clause might mean them ("Mara looked at him. “Go,” he said.").
_OTHERS = re.compile(r"\b(?:him|them|her(?=\s*(?:[.,;:!?…—–-]|$))|man|men|woman|women|boy|boys|girl|girls|child|"
                     r"children|kids?|strangers?|guards?|soldiers?|knights?|king|queen|prince|princess|lady|lord|"
                     r"wizard|witch|figure|voices?|someone|somebody|everyone|others|friends?|crowd|mother|father|"
                     r"brother|sister|uncle|aunt|captain|creature)\b")
# Words heard, read or remembered are not spoken where the quote stands ("A message arrived: “…”").
_HEARSAY = re.compile(r"\b(?:hears?|heard|hearing|remember(?:s|ed)?|recall(?:s|ed)?|message|letter|note|warning|"
                      r"written|wrote|writes|scrawled|reads?|sign|echo(?:es|ed)?|dream(?:s|ed|t)?|memory)\b", re.I)
# A said-verb with another (lower-case) subject: "Mara nodded at the old man, who said, “…”".
_OTHER_SAYS = re.compile(rf"\b(?!(?:and|then|but|so|or|also|just|always|never|now|once|again|too)\b)(?![a-z]+ly\b)"
                         rf"[a-z][\w'’-]*\s+(?:\w+ly\s+)?(?:{_VERBS})\b")
# What may follow a name in the possessive and still be that character's own ("Vexmoor's voice rang out").
_OWN = frozenset("voice eyes eye face lips mouth jaw brow brows gaze hand hands smile expression tone breath cheeks "
                 "ears heart shoulders head chin".split())
# A said-clause naming two speakers ("said Pip and Mara", "Pip and Mara said") is no one's.
# (", and the lamp went out" is a new clause; "and the old man" or ", Pip and Toby" are more speakers)
_JOINED_AFTER = re.compile(r"\s*(?:(?:and|or|&|nor)\s+(?:[A-Z]|the\b|his\b|her\b|their\b|I\b)|"
                           r",\s*[A-Z][\w'’-]*\s*,?\s*(?:and|or|&)\s|together\b|in unison\b|as one\b|both\b)")
_JOINED_BEFORE = re.compile(r"(?:\b[A-Z][\w'’-]*|\b(?:the|a|an|his|her|their|my|our)\s+\w+)\s*,?\s+(?:and|or|&|nor)"
                            r"\s+$")
_ABBREVIATIONS = frozenset("mr mrs ms dr st mt jr sr prof capt gen sgt lt col vs etc no".split())
_TITLES = frozenset("the old young mr mrs ms dr sir lady lord captain aunt uncle".split())
MAX_LINE_CHARS = 400

Index = dict[tuple[str, ...], set[str]]  # folded name words -> the characters they can mean
Mention = tuple[int, int, set[str]]  # where a known character is named: start, end, the characters it can mean
Mentions = list[Mention]


@dataclass(frozen=True, slots=True)
class Line:
    """One spoken piece: narration (speaker None) or a character's quoted words."""

    text: str
    speaker: str | None = None


def sentences(text: str) -> list[str]:
    """Sentences of a text, paragraph by paragraph, keeping closing quotes with their sentence."""
    result: list[str] = []
    for paragraph in _PARAGRAPHS.split(text):
        start = 0
        quoted = [m.span() for m in _QUOTE.finditer(paragraph)]
        for match in _SENTENCE_END.finditer(paragraph):
            if any(a < match.start() < b - 1 for a, b in quoted):
                continue  # a full stop inside a quotation does not end the sentence
            word = re.search(r"(\w+)\W*$", paragraph[: match.start() + 1])
            if match.group(0) == "." and word and word.group(1).lower() in _ABBREVIATIONS:
                continue  # "Dr. Who" is one sentence
            result.extend(_chunks(paragraph[start : match.end()].strip()))
            start = match.end()
        if paragraph[start:].strip():
            result.extend(_chunks(paragraph[start:].strip()))
    return [s for s in result if s]


def _chunks(sentence: str) -> list[str]:
    """Very long sentences are spoken in parts (at commas) so audio starts sooner."""
    if len(sentence) <= MAX_LINE_CHARS:
        return [sentence]
    parts, current = [], ""
    for bit in re.split(r"(?<=[,;:])\s+", sentence):
        if current and len(current) + len(bit) > MAX_LINE_CHARS:
            parts.append(current)
            current = bit
        else:
            current = f"{current} {bit}".strip()
    return parts + ([current] if current else [])


def _index(characters: Sequence[Entry]) -> Index:
    """Every spelling of every character (full names and aliases first, then their single words: first names)."""
    index: Index = {}
    for entry in characters:
        for key in entry.keys():
            index.setdefault(tuple(key.split()), set()).add(entry.name)
    partial: Index = {}
    for entry in characters:
        for key in entry.keys():
            for word in key.split() if " " in key else ():
                if len(word) >= 3 and word not in _TITLES and (word,) not in index:
                    partial.setdefault((word,), set()).add(entry.name)
    return index | partial


def _mentions(text: str, index: Index) -> Mentions:
    """Capitalised mentions of known characters in narration: (start, end, the characters it can mean)."""
    words, found, i = list(re.finditer(r"\w+", text)), [], 0
    while i < len(words):
        for size in (n for n in (3, 2, 1) if i + n <= len(words)):
            names = index.get(tuple(name_key(w.group()) for w in words[i : i + size]))
            if names and words[i].group()[0].isupper():
                found.append((words[i].start(), words[i + size - 1].end(), names))
                i += size - 1
                break
        i += 1
    return found


def _resolve(name: str, index: Index, common: set[str]) -> str | None:
    """The character a said-clause names: a known one (any case, first name or alias), else a plausible new name."""
    if re.search(r"['’]s?$", name):
        return None  # "said Mara's brother": someone of Mara's, not Mara
    words = tuple(name_key(name).split())
    names = index.get(words) or set().union(*(index.get((w,), set()) for w in words))
    if names:
        return next(iter(names)) if len(names) == 1 else None
    first = name.split()[0].casefold().rstrip(".")
    if name.isupper() or first in _NOT_NAMES or name.casefold() in common or " ".join(words) in _COMMON or not words:
        return None  # shouting (ZANE), "Nobody said", or a common word written with a capital
    return name


def _strangers(text: str, mentions: Mentions, common: AbstractSet[str] = frozenset(), initial: bool = False) -> bool:
    """Does the narration name someone unknown: a capitalised word (not a sentence's first unless initial)?"""
    return any(m.group().casefold() not in _NOT_NAMES | _TITLES | common
               and (initial or re.search(r"\w[^.!?…:;\w]*$", text[: m.start()]))
               and not any(a <= m.start() < b for a, b, _ in mentions)
               for m in re.finditer(r"\b[A-Z][\w'’-]*", text))


def _subject(text: str, mention: Mention) -> bool:
    """Is this mention the subject of its sentence ("Then Mara gasped", "Mara's eyes narrowed"), not "Mara's uncle"?"""
    owner = re.match(r"['’]s\s+(\w+)", text[mention[1] :])
    return bool(_BEAT_SUBJECT.fullmatch(text[: mention[0]])) and (not owner or owner.group(1).casefold() in _OWN)


def _beat(text: str, index: Index) -> tuple[bool, str | None]:
    """(does the narration name anyone, the known character who is its subject if no one else is named)."""
    mentions = _mentions(text, index)
    strangers = _strangers(text, mentions)
    speakers: set[str] = set().union(*(names for _, _, names in mentions))
    if strangers or len(speakers) != 1 or not _subject(text, mentions[0]) or _HEARSAY.search(text) \
            or _OTHER_SAYS.search(text):
        return bool(mentions or strangers), None  # two people, words read or heard, or "the guard said"
    return True, next(iter(speakers))


def _tag(text: str, after: bool, index: Index, common: set[str]) -> tuple[str, str | None] | None:
    """A said-clause next to a quote as ("name", who) or ("pronoun", word); None when there is no said-clause."""
    match = _TAG_AFTER.match(text) if after else _TAG_BEFORE.search(text)
    if match is None:
        return None
    pronoun = match.groupdict().get("pro") or match.groupdict().get("pro2")
    if pronoun:  # "he told Mina": Mina is the listener, and "he" someone else
        return "pronoun", None if _mentions(text[match.start() :], index) else pronoun.casefold()
    group = "name" if match.group("name") else "inv"
    joined = (_JOINED_AFTER.match(text, match.end(group)) if after
              else _JOINED_BEFORE.search(text[: match.start(group)]))  # "said Pip and Mara": two speakers
    return "name", None if joined else _resolve(match.group(group), index, common)


def _unquoted(text: str) -> str:
    """Narration without the words of a quotation that opens or closes in another paragraph."""
    return re.sub(r"[“«„「\"].*$", "", re.sub(r"^.*[”»」]", "", text))


def _pieces(paragraph: str) -> list[tuple[int, str, bool]]:
    """A paragraph as (sentence number, text, quoted) pieces, sentence by sentence."""
    return [(number, p.strip(), bool(_QUOTE.fullmatch(p))) for number, sentence in enumerate(sentences(paragraph))
            for p in _QUOTE.split(sentence) if p and p.strip()]


def _paragraph(paragraph: str, index: Index, common: set[str]) -> list[Line]:
    """One paragraph's lines; a quote is given a speaker only when the narration next to it makes it certain."""
    pieces = _pieces(paragraph)
    plain = {k: _unquoted(text) for k, (_, text, quoted) in enumerate(pieces) if not quoted}  # narration pieces
    tags: dict[int, tuple[int, tuple[str, str | None]]] = {}  # quote -> (piece holding its said-clause, clause)
    for k, (number, _, quoted) in enumerate(pieces):
        for j, follows in ((k + 1, True), (k - 1, False)):
            tag = _tag(plain[j], follows, index, common) if quoted and j in plain and pieces[j][0] == number else None
            if tag and k not in tags:
                tags[k] = (j, tag)
    where: dict[str, int] = {}  # who the paragraph names, and the first piece naming them
    for k, text in plain.items():
        for _, _, names in _mentions(text, index):
            if len(names) == 1:
                where.setdefault(next(iter(names)), k)
    for j, (kind, name) in tags.values():
        if kind == "name" and name:
            where[name] = min(j, where.get(name, j))
    sole = next(iter(where)) if len(where) == 1 else None
    # "she" can only be the sole character if it is named first as a subject ("Mara turned.", "said Mara.")
    first = sole is not None and ((where[sole], ("name", sole)) in tags.values() or
                                  _beat(plain[where[sole]], index)[1] == sole)

    def who(tag: tuple[str, str | None], k: int) -> str | None:
        """The said-clause's name, or "she said" when the paragraph names one character only, before the quote."""
        if tag[0] == "name":
            return tag[1]
        if not (sole and first and tag[1] in ("he", "she") and where[sole] < k):
            return None
        before = " ".join(text for j, text in plain.items() if j < k)  # no one else there: "him", "the old man", Jasper
        others = _OTHERS.search(before) or _strangers(before, _mentions(before, index), common, initial=True)
        return None if others else sole

    lines = []
    for k, (number, text, quoted) in enumerate(pieces):
        if k in tags:
            lines.append(Line(text, who(tags[k][1], k)))
            continue
        sides: list[tuple[bool, str | None]] = []  # (names someone, the speaker it makes certain)
        # the narration before may veto by naming others; after, only a known character's own beat counts
        if quoted and k - 1 in plain:
            earlier = _tag(plain[k - 1], False, index, common) if pieces[k - 1][0] != number else None
            sides.append((True, who(earlier, k)) if earlier else _beat(plain[k - 1], index))
        after = _beat(plain[k + 1], index) if quoted and k + 1 in plain else (False, None)
        if after[1]:
            sides.append(after)
        speakers = {speaker for named, speaker in sides if named}
        lines.append(Line(text, speakers.pop() if len(speakers) == 1 else None))
    return lines


def plan_lines(content: str, characters: Sequence[Entry] = ()) -> list[Line]:
    """The chapter as lines to speak, in order; a quote names its speaker only when the narration makes it certain."""
    index, common = _index(characters), set(re.findall(r"\b[a-z][a-z'’-]*\b", content))
    return [line for paragraph in _PARAGRAPHS.split(content) for line in _paragraph(paragraph, index, common)]


def assign_voices(lines: Sequence[Line], known: dict[str, str], pool: Sequence[str]) -> dict[str, str]:
    """Give every new speaker the next voice of the pool (kept for the whole story); returns the full map."""
    voices = dict(known)
    for line in lines:
        if line.speaker and line.speaker not in voices and pool:
            unused = [v for v in pool if v not in voices.values()]
            voices[line.speaker] = unused[0] if unused else pool[len(voices) % len(pool)]
    return voices
