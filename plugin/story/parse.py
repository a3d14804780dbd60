"""Tolerant parsing of model answers: titles, prose and choices from whatever the model wrote."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

MAX_CHOICE_CHARS = 140

_THINK_BLOCK = re.compile(r"<think(?:ing)?>.*?</think(?:ing)?>", re.S | re.I)
_THINK_CLOSE = re.compile(r"^.*?</think(?:ing)?>", re.S | re.I)
_THINK_OPEN_TAIL = re.compile(r"<think(?:ing)?>.*\Z", re.S | re.I)
_FENCE = re.compile(r"^\s*```[\w-]*\s*$")
TITLE_LINE = re.compile(
    r"^\W{0,4}(?:chapter\s+title|title)\W{0,4}\s*[:：]\s*(?P<title>.+)$", re.I
)
HEADING_LINE = re.compile(r"^\s*#{1,6}\s+(?P<title>.+?)\s*#*\s*$")
BOLD_LINE = re.compile(r"^\s*(\*\*|__)(?P<title>[^*_]{2,100})\1\s*$")
_CHAPTER_PREFIX = re.compile(r"^(?:chapter|part|kapitel|capítulo|chapitre)\s+[\w\d]+\s*[:.\-–—]\s*", re.I)
SECTION_LINE = re.compile(
    r"^\W{0,4}(?P<name>story|prose|text|chapter|choices|options|decisions|what happens next\??|"
    r"what should .{1,40}\?|vote)\W{0,4}\s*[:：]?\s*\**\s*$",
    re.I,
)
CHOICE_LINE = re.compile(
    r"^\s*(?:[-*•]\s*)?(?:\*\*|__)?\s*(?:option\s+|choice\s+)?[!！]?[\(\[]?"
    r"(?P<label>[A-Fa-f]|[1-6])(?:\*\*)?\s*[\)\].:：\-–—]\s*(?:\*\*|__)?\s*(?P<text>\S.*)$",
    re.I,
)
PREAMBLE_LINE = re.compile(
    r"^(?:sure|okay|ok|certainly|of course|here(?:'s| is| are)|absolutely|great)\b.{0,120}$", re.I
)
_VOTE_HINT = re.compile(r"\s*[\(\[]?\s*(?:type|vote|chat)?\s*[!！][a-f1-6]\s*[\)\]]?\s*$", re.I)
_MARKDOWN = re.compile(r"(\*\*|__|(?<!\w)\*(?!\s)|(?<!\s)\*(?!\w)|`)")


@dataclass(slots=True)
class ParsedChapter:
    """What we could read out of one model answer."""

    title: str = ""
    content: str = ""
    choices: list[str] = field(default_factory=list)


def strip_reasoning(text: str) -> str:
    """Remove <think> blocks, an orphan closing tag's prefix, and an unclosed trailing block."""
    text = _THINK_BLOCK.sub("", text)
    if re.search(r"</think(?:ing)?>", text, re.I):
        text = _THINK_CLOSE.sub("", text, count=1)
    return _THINK_OPEN_TAIL.sub("", text)


def clean_inline(text: str) -> str:
    """Drop markdown emphasis and stray quotes around a short piece of text."""
    text = _MARKDOWN.sub("", text).strip()
    if len(text) >= 2 and text[0] in "\"'“«" and text[-1] in "\"'”»":
        text = text[1:-1].strip()
    return text


def clean_title(text: str) -> str:
    """A chapter title without markdown, quotes or a 'Chapter 3:' prefix."""
    title = clean_inline(text.strip().lstrip("#").strip())
    return _CHAPTER_PREFIX.sub("", title).strip()[:120]


def clean_choice(text: str) -> str:
    """A choice's text without markdown, vote hints or trailing noise."""
    choice = clean_inline(_VOTE_HINT.sub("", text))
    return choice[:MAX_CHOICE_CHARS].rstrip()


def _unique(choices: list[str]) -> list[str]:
    """Drop empty and case-insensitively repeated choices, keeping order."""
    seen: set[str] = set()
    result: list[str] = []
    for choice in choices:
        key = re.sub(r"\W+", " ", choice.casefold()).strip()
        if key and key not in seen:
            seen.add(key)
            result.append(choice)
    return result


def _split_choices(lines: list[str]) -> tuple[list[str], list[str]]:
    """Split lines into (body, choice texts): after a CHOICES header, or a trailing choice run."""
    for index, line in enumerate(lines):
        match = SECTION_LINE.match(line)
        if match and match.group("name").lower() not in ("story", "prose", "text", "chapter"):
            tail = [ln for ln in lines[index + 1 :] if ln.strip()]
            choices = []
            for ln in tail:
                item = CHOICE_LINE.match(ln)
                choices.append(item.group("text") if item else ln.strip().lstrip("-*• "))
            return lines[:index], choices
    end = len(lines)
    while end and not lines[end - 1].strip():
        end -= 1
    start = end
    while start and (CHOICE_LINE.match(lines[start - 1]) or not lines[start - 1].strip()):
        start -= 1
    run = [ln for ln in lines[start:end] if ln.strip()]
    if len(run) >= 2:
        return lines[:start], [m.group("text") for m in map(CHOICE_LINE.match, run) if m]
    return lines, []


def _take_title(lines: list[str]) -> tuple[str, list[str]]:
    """Find the title line (TITLE:, heading or bold line) near the top and remove it."""
    for index, line in enumerate(lines[:6]):
        for pattern in (TITLE_LINE, HEADING_LINE, BOLD_LINE):
            match = pattern.match(line)
            if match:
                return clean_title(match.group("title")), lines[:index] + lines[index + 1 :]
    return "", lines


def _clean_body(lines: list[str]) -> str:
    """Prose paragraphs without section labels, preamble chatter or markdown."""
    kept: list[str] = []
    for line in lines:
        stripped = line.strip()
        section = SECTION_LINE.match(stripped)
        if section or _FENCE.match(stripped) or stripped in ("---", "***"):
            continue
        if not kept and PREAMBLE_LINE.match(stripped) and stripped.endswith(":"):
            continue
        kept.append(clean_inline(stripped.lstrip("#").strip()) if stripped else "")
    text = "\n".join(kept).strip()
    return re.sub(r"\n{3,}", "\n\n", text)


def parse_chapter(text: str) -> ParsedChapter:
    """Read a chapter answer tolerantly: never raises, fields may come back empty."""
    lines = strip_reasoning(text or "").replace("\r\n", "\n").split("\n")
    lines = [ln for ln in lines if not _FENCE.match(ln)]
    while lines and not lines[0].strip():
        lines.pop(0)
    if lines and PREAMBLE_LINE.match(lines[0].strip()) and lines[0].rstrip().endswith(":"):
        lines.pop(0)
    title, lines = _take_title(lines)
    body, raw_choices = _split_choices(lines)
    choices = _unique([clean_choice(c) for c in raw_choices])
    return ParsedChapter(title=title, content=_clean_body(body), choices=choices)


def parse_choices(text: str) -> list[str]:
    """Only the choices from an answer (used for repair requests)."""
    parsed = parse_chapter(text)
    if parsed.choices:
        return parsed.choices
    lines = [ln for ln in strip_reasoning(text or "").split("\n") if CHOICE_LINE.match(ln)]
    return _unique([clean_choice(m.group("text")) for m in map(CHOICE_LINE.match, lines) if m])


def parse_outline(text: str) -> tuple[str, str]:
    """Story title and outline text from an outline answer."""
    lines = strip_reasoning(text or "").replace("\r\n", "\n").split("\n")
    title, rest = _take_title([ln for ln in lines if not _FENCE.match(ln)])
    body = [ln for ln in rest if not re.match(r"^\W{0,4}outline\W{0,4}\s*[:：]?\s*$", ln, re.I)]
    return title, "\n".join(body).strip()


_PREMISE_TITLE = re.compile(r"^\W{0,4}title\W{0,4}\s*[:：]\s*(?P<title>.+)$", re.I | re.M)


def read_premise(text: str) -> tuple[str, str]:
    """(title, premise block) from a premise answer; the block keeps its labelled lines."""
    text = strip_reasoning(text).strip()
    match = _PREMISE_TITLE.search(text)
    title = match.group("title").strip().strip("*\"") if match else ""
    body = _PREMISE_TITLE.sub("", text, count=1).strip() if match else text
    return title[:120], body


