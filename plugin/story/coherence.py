"""Coherence checks on a written chapter: rules (length, language) and, optionally, a short model check."""

from __future__ import annotations

import json
import re

from plugin.story.context import CJK_CHARS
from plugin.story.language import check_language
from plugin.story.parse import ParsedChapter, strip_reasoning

MIN_SHARE = 0.4  # shorter than 40% of the asked length is a problem
MAX_SHARE = 2.5  # longer than 250% too


def word_count(text: str) -> int:
    """Words, counting about 1.5 CJK characters as one word."""
    cjk = len(CJK_CHARS.findall(text)) if not text.isascii() else 0
    return len(text.split()) + int(cjk / 1.5)


def rules_problem(parsed: ParsedChapter, chapter_words: int, language: str) -> str | None:
    """What is wrong with a chapter by the rules (length bounds, language), or None."""
    words = word_count(parsed.content)
    if words < chapter_words * MIN_SHARE:
        return f"the chapter is too short ({words} words; write about {chapter_words})"
    if words > chapter_words * MAX_SHARE:
        return f"the chapter is too long ({words} words; write about {chapter_words})"
    return check_language(parsed.content, language)


def read_check(answer: str) -> str | None:
    """The problem a model check reported, or None (an unreadable answer counts as no problem)."""
    text = strip_reasoning(answer or "")
    match = re.search(r"\{.*\}", text, re.S)
    if match is None:
        return None
    try:
        data = json.loads(match.group(0))
    except ValueError:
        return None
    if not isinstance(data, dict) or data.get("ok") is not False:
        return None
    problem = str(data.get("problem") or "it contradicts the story so far").strip()
    return problem[:300]
