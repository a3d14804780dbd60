"""Offline writer coherence check (purpose "check"): a draft against the story memory.

Only contradictions that are cheap to see are flagged: a character whose memory status says
they are defeated or gone (dead, banished, vanished, ...) doing something again in the draft,
outside quotations and not merely remembered. Everything else passes: a false alarm would
make the story loop rewrite a good chapter.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from plugin.brief import StoryBrief
from plugin.writers.offline.grammar import sentences_of
from plugin.writers.offline.memory import prose_of, short

_GONE = re.compile(
    r"\b(defeated|gone|dead|died|destroyed|banished|vanished|departed|perished|slain|killed)\b",
    re.I,
)
_RECALL = re.compile(
    r"\b(remember\w*|memor\w+|thought of|thinking of|dream\w*|once|used to|no sign of|defeat of|"
    r"without|story of|legend of|tale of|ghost of|missed|miss)\b",
    re.I,
)
_STILL = frozenset("had would could might never no not once".split())
_ACTS = frozenset(
    "said says ran runs stood stands came comes rose rises spoke speaks struck swept took takes "
    "held holds threw flew strode sat fought sang told drew bit leapt leaped rode broke saw made "
    "gave got went began knew felt found caught stole hid fell lunged appears returns reaches "
    "laughs smiles grins snarls whispers shouts steps attacks waits watches rang shone swung slid "
    "crept spun burst woke led left sent tore wore won shook sprang stuck struck dug".split()
)
_TAGS = r"(?:said|cried|shouted|whispered|called|laughed|hissed|snarled|growled|roared|asked)"


def _entries(memory: Mapping[str, Any] | None, key: str) -> list[Mapping[str, Any]]:
    """The memory's entries under `key` that are mappings (anything else is skipped)."""
    value = (memory or {}).get(key)
    if not isinstance(value, list):
        return []
    return [entry for entry in value if isinstance(entry, Mapping)]


def _names(entry: Mapping[str, Any]) -> list[str]:
    """An entry's name and aliases, only those a reader would capitalise (proper names)."""
    raw = entry.get("aliases") or []
    extra = [a.strip() for a in raw.split(",")] if isinstance(raw, str) else [str(a) for a in raw]
    names = [str(entry.get("name") or ""), *extra]
    return [n for n in dict.fromkeys(names) if len(n) >= 3 and re.search(r"[A-Z]", n)]


def acting(prose: str, name: str) -> str | None:
    """The first sentence in which `name` does something (not just remembered), else None."""
    core = re.sub(r"^the\s+", "", name.strip(), flags=re.I)
    lead = r"(?:[Tt]he\s+)?" if core != name.strip() else ""
    who = lead + re.escape(core)
    narration = re.sub(r"“[^”]*”|\"[^\"]*\"", "“…”", " ".join(prose.split()))
    for sentence in sentences_of(narration):
        if re.search(rf"”\s*,?\s*{_TAGS}\s+{who}(?![\w-])", sentence):
            return sentence
        pattern = rf"(?<![\w-]){who}(?:['’]s\s+[a-z]+)?\s+([a-z']+)(?:\s+([a-z']+))?"
        for match in re.finditer(pattern, sentence):
            verb, after = match.group(1), match.group(2) or ""
            if _RECALL.search(sentence[: match.start()]) or verb in _STILL:
                continue
            if verb in ("was", "is", "were") and not after.endswith("ing"):
                continue
            if verb in _ACTS or verb.endswith("ed") or verb in ("was", "is", "were"):
                return sentence
    return None


def check(brief: StoryBrief) -> str:
    """The answer to a "check" brief: JSON {"ok": true} or {"ok": false, "problem": ...}."""
    prose = prose_of(brief.draft or "")
    for entry in _entries(brief.memory, "characters"):
        status = str(entry.get("status") or entry.get("state") or "")
        gone = _GONE.search(status)
        if not gone:
            continue
        for name in _names(entry):
            sentence = acting(prose, name)
            if sentence:
                quote = short(sentence, 20)
                who, how = entry.get("name") or name, gone.group(1).lower()
                problem = f'{who} is {how} in the story so far, but acts again here: "{quote}"'
                return json.dumps({"ok": False, "problem": problem}, ensure_ascii=False)
    return json.dumps({"ok": True})
