"""Keeping chapter prompts within `story.context_tokens` however long the story runs.

Tokens are estimated, not counted with a vendor tokenizer (those download their vocabularies at
run time, which we never do): about 3.5 characters a token for Latin text, 2 for other scripts and
1.2 tokens per CJK character. Real tokenizers give fewer tokens than this for English prose
(about 4 characters a token), so the estimate errs on the side of staying under the budget.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from plugin.brief import ChapterRecap

MESSAGE_OVERHEAD = 4  # role and separators per chat message
CJK_CHARS = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]")


def estimate_tokens(text: str) -> int:
    """A conservative token estimate for any script (see the module docstring)."""
    if not text:
        return 0
    cjk = len(CJK_CHARS.findall(text)) if not text.isascii() else 0
    ascii_chars = sum(1 for c in text if c < "\x80") if not text.isascii() else len(text)
    other = len(text) - ascii_chars - cjk
    return math.ceil(ascii_chars / 3.5 + other / 2 + cjk * 1.2)


def messages_tokens(messages: Sequence[dict[str, str]]) -> int:
    """Estimated tokens of a whole chat prompt."""
    return sum(estimate_tokens(m.get("content", "")) + MESSAGE_OVERHEAD for m in messages)


@dataclass(slots=True)
class PromptContext:
    """The parts of a chapter prompt that can grow with the story (and so may be trimmed)."""

    outline: str | None = None
    summary: str | None = None
    memory: dict[str, Any] = field(default_factory=dict)
    earlier: list[ChapterRecap] = field(default_factory=list)
    previous: ChapterRecap | None = None
    winning_choice: str | None = None
    direction: str | None = None
    trimmed: list[str] = field(default_factory=list)  # what had to give way, for logs and tests


Render = Callable[[PromptContext], tuple[dict[str, str], ...]]


def _drop_earlier(ctx: PromptContext) -> bool:
    """Oldest chapter recap first."""
    if ctx.earlier:
        ctx.earlier = ctx.earlier[1:]
        return True
    return False


def _drop_memory(ctx: PromptContext) -> bool:
    """Events, then items and places, then characters beyond the two that matter most."""
    for key, keep in (("events", 0), ("items", 0), ("locations", 0), ("characters", 2)):
        entries = ctx.memory.get(key) or []
        if len(entries) > keep:
            ctx.memory = {**ctx.memory, key: entries[:-1]}
            return True
    return False


def _shorten(text: str | None, keep_end: bool) -> str | None:
    """Cut a text to about two thirds, at a sentence or line boundary when possible."""
    if not text:
        return None
    target = len(text) * 2 // 3
    if target < 40:
        return None
    piece = text[-target:] if keep_end else text[:target]
    boundary = re.search(r"(?<=[.!?\n])\s", piece) if keep_end else None
    if keep_end:
        piece = piece[boundary.end():] if boundary and boundary.end() < len(piece) // 2 else piece
        return "…" + piece.lstrip()
    cut = max(piece.rfind("\n"), piece.rfind(". "))
    return (piece[: cut + 1] if cut > len(piece) // 2 else piece).rstrip() + " …"


def _trim_outline(ctx: PromptContext) -> bool:
    """Shorter outline (its start carries the premise)."""
    shorter = _shorten(ctx.outline, keep_end=False)
    changed = shorter != ctx.outline
    ctx.outline = shorter
    return changed


def _trim_summary(ctx: PromptContext) -> bool:
    """Keep the newest part of the rolling summary."""
    shorter = _shorten(ctx.summary, keep_end=True)
    changed = shorter != ctx.summary
    ctx.summary = shorter
    return changed


def _trim_previous(ctx: PromptContext) -> bool:
    """Keep the end of the previous chapter: the moment the vote was about."""
    if ctx.previous is None:
        return False
    shorter = _shorten(ctx.previous.content, keep_end=True)
    ctx.previous = replace(ctx.previous, content=shorter) if shorter else None
    return True


def _trim_direction(ctx: PromptContext) -> bool:
    """A very long director's note is cut last."""
    if ctx.direction and len(ctx.direction) > 200:
        ctx.direction = ctx.direction[:200] + " …"
        return True
    return False


SHRINK_STEPS: tuple[tuple[str, Callable[[PromptContext], bool]], ...] = (
    ("earlier chapters", _drop_earlier),
    ("memory", _drop_memory),
    ("outline", _trim_outline),
    ("summary", _trim_summary),
    ("previous chapter", _trim_previous),
    ("director's note", _trim_direction),
)


def fit_prompt(render: Render, ctx: PromptContext, budget: int) -> tuple[tuple[dict[str, str], ...], PromptContext]:
    """Render the prompt, shrinking the least important parts first until it fits the budget."""
    messages = render(ctx)
    while messages_tokens(messages) > budget:
        for name, step in SHRINK_STEPS:
            if step(ctx):
                if not ctx.trimmed or ctx.trimmed[-1] != name:
                    ctx.trimmed.append(name)
                break
        else:
            break  # nothing left to trim: the fixed instructions alone are over budget
        messages = render(ctx)
    return messages, ctx
