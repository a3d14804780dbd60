"""Story memory: who is who, where things are, what happened; parsed tolerantly and merged by name."""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import asdict, dataclass, field
from typing import Any

from plugin.story.answers import MemoryNote, read_memory, usable_name
from plugin.story.parse import strip_reasoning

_TITLES = frozenset("the a an mr mrs ms dr sir lady lord captain king queen prince princess old young".split())
_TAG = re.compile(r"^\W{0,4}(summary|character|person|location|place|item|object|event)s?\W{0,3}[:：]\s*(.*)$", re.I)
MAX_EVENTS_IN_PROMPT = 5


def name_key(name: str) -> str:
    """Comparable form of a name: no accents, case, punctuation or leading titles."""
    text = unicodedata.normalize("NFKD", name)
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    words = re.sub(r"[^\w\s]", " ", text).split()
    while len(words) > 1 and words[0] in _TITLES:
        words = words[1:]
    return " ".join(words)


@dataclass(slots=True)
class Entry:
    """A named thing the story keeps track of (character, location or item)."""

    name: str
    description: str = ""
    aliases: list[str] = field(default_factory=list)
    status: str = ""  # characters: "with the hero", "captured"...
    holder: str = ""  # items: who has it
    look: str = ""  # characters: appearance, so pictures show the same person every chapter
    first_chapter: int = 0
    last_chapter: int = 0

    def keys(self) -> set[str]:
        """Every comparable spelling of this entry's name."""
        return {k for k in (name_key(n) for n in (self.name, *self.aliases)) if k}

    def matches(self, name: str, aliases: list[str]) -> bool:
        """Same person or thing under another spelling: shared name/alias, a first-name match, or a close spelling."""
        mine, theirs = self.keys(), {k for k in (name_key(n) for n in (name, *aliases)) if k}
        if mine & theirs:
            return True
        for a in mine:
            for b in theirs:
                short, long = sorted((a, b), key=len)
                if " " not in short and len(short) >= 3 and short in long.split():
                    return True
                if min(len(a), len(b)) >= 4 and difflib.SequenceMatcher(None, a, b).ratio() >= 0.85:
                    return True
        return False


@dataclass(slots=True)
class MemoryUpdate:
    """What one model answer says changed after a chapter."""

    summary: str = ""
    characters: list[Entry] = field(default_factory=list)
    locations: list[Entry] = field(default_factory=list)
    items: list[Entry] = field(default_factory=list)
    events: list[str] = field(default_factory=list)


@dataclass(slots=True)
class StoryMemory:
    """Everything remembered about one session's story."""

    characters: list[Entry] = field(default_factory=list)
    locations: list[Entry] = field(default_factory=list)
    items: list[Entry] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)  # {"chapter", "summary"}
    summary: str = ""

    def to_json(self) -> dict[str, Any]:
        """JSON for story_memory and the API."""
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> StoryMemory:
        """Rebuild from stored JSON (unknown fields ignored)."""
        if not data:
            return cls()
        known = set(Entry.__dataclass_fields__)

        def entries(key: str) -> list[Entry]:
            return [Entry(**{k: v for k, v in raw.items() if k in known}) for raw in data.get(key, [])
                    if isinstance(raw, dict) and raw.get("name")]

        return cls(entries("characters"), entries("locations"), entries("items"),
                   [e for e in data.get("events", []) if isinstance(e, dict)], str(data.get("summary") or ""))

    def merge(self, update: MemoryUpdate, chapter: int) -> None:
        """Fold an update in: matching names merge (aliases grow), new ones are added, statuses move on."""
        for existing, incoming in ((self.characters, update.characters), (self.locations, update.locations),
                                   (self.items, update.items)):
            for new in incoming:
                _merge_entry(existing, new, chapter)
        self.events.extend({"chapter": chapter, "summary": text} for text in update.events if text)
        if update.summary:
            self.summary = update.summary

    def relevant(self, text: str) -> dict[str, Any]:
        """The entries that matter for the next chapter: named in `text`, else most recently seen."""
        lowered = name_key(text)

        def pick(entries: list[Entry], limit: int) -> list[Entry]:
            named = [e for e in entries if any(k and re.search(rf"\b{re.escape(k)}\b", lowered) for k in e.keys())]
            rest = sorted((e for e in entries if e not in named), key=lambda e: -e.last_chapter)
            return (named + rest)[: max(limit, len(named))]

        return {
            "characters": pick(self.characters, 6),
            "locations": pick(self.locations, 3),
            "items": pick(self.items, 3),
            "events": self.events[-MAX_EVENTS_IN_PROMPT:],
        }


def _merge_entry(existing: list[Entry], new: Entry, chapter: int) -> None:
    """Merge one incoming entry into a list."""
    for entry in existing:
        if entry.matches(new.name, new.aliases):
            spellings = {name_key(n) for n in (entry.name, *entry.aliases)}
            for alias in (new.name, *new.aliases):
                if alias and name_key(alias) not in spellings:
                    entry.aliases.append(alias)
                    spellings.add(name_key(alias))
            entry.description = new.description or entry.description
            entry.status = new.status or entry.status
            entry.holder = new.holder or entry.holder
            entry.look = entry.look or new.look  # the first description of a look is kept: faces stay the same
            entry.last_chapter = max(entry.last_chapter, chapter)
            return
    new.first_chapter = new.last_chapter = chapter
    existing.append(new)


def parse_memory(text: str) -> MemoryUpdate:
    """Read a memory answer: JSON (validated against its schema) or tagged lines; never raises, and junk
    (names that are no names, copied placeholders) gives an empty update, never stored."""
    text = strip_reasoning(text or "")
    if "{" in text:
        note = read_memory(text)
        if note is not None:
            return from_note(note)
    return _from_tags(text)


def from_note(note: MemoryNote) -> MemoryUpdate:
    """A validated memory note as an update to merge."""
    return MemoryUpdate(
        summary=note.summary,
        characters=[Entry(c.name, c.description, list(c.aliases), c.status, look=c.look) for c in note.characters],
        locations=[Entry(p.name, p.description) for p in note.locations],
        items=[Entry(i.name, i.description, holder=i.holder) for i in note.items],
        events=list(note.events),
    )


def _text(value: Any) -> str:
    """A short clean string from whatever the model put there."""
    if isinstance(value, list):
        value = ", ".join(str(v) for v in value)
    return re.sub(r"\s+", " ", str(value or "")).strip().strip("*_\"'")[:300]


def _from_tags(text: str) -> MemoryUpdate:
    """MemoryUpdate from 'CHARACTER: name | aliases: ... | description | status' lines."""
    update = MemoryUpdate()
    for line in text.splitlines():
        match = _TAG.match(line.strip().lstrip("-*• "))
        if not match:
            continue
        kind, rest = match.group(1).lower(), match.group(2)
        if kind == "summary":
            summary = _text(rest)[:1200]
            update.summary = "" if re.search(r"[<>{}\[\]]", summary) else summary
        elif kind == "event":
            update.events.append(_text(rest))
        else:
            entry = _tagged_entry(rest, kind)
            if entry is not None:
                {"character": update.characters, "person": update.characters, "location": update.locations,
                 "place": update.locations}.get(kind, update.items).append(entry)
    return update


def _tagged_entry(rest: str, kind: str) -> Entry | None:
    """One '|'-separated entry; 'aliases:' and 'holder:' fields may come in any position."""
    fields = [f.strip() for f in rest.split("|")]
    if not fields or not usable_name(_text(fields[0])):
        return None
    entry = Entry(name=_text(fields[0]))
    plain: list[str] = []
    for item in fields[1:]:
        label, colon, value = item.partition(":")
        label = label.strip().lower() if colon else ""
        if label in ("aliases", "alias", "also called", "aka"):
            entry.aliases = [_text(a) for a in value.split(",") if a.strip() and a.strip().lower() != "none"]
        elif label in ("holder", "held by", "owner"):
            entry.holder = _text(value)
        elif label == "status":
            entry.status = _text(value)
        elif label in ("look", "appearance"):
            entry.look = _text(value)
        else:
            plain.append(_text(item))  # positional: description, then status (empty ones keep their place)
    if plain:
        entry.description = plain[0]
    if len(plain) > 1 and kind in ("character", "person"):
        entry.status = entry.status or plain[1]
    return entry
