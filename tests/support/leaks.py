"""What viewers must never see, checked from outside the product (the acceptance rules, kept independent of
the quality gate that is meant to meet them): used by the replay tests and bench/real_model.py."""

from __future__ import annotations

import re

LEAKS = {
    "bold **": re.compile(r"\*\*|__"),
    "markdown #": re.compile(r"(^|\n)\s*#|#{2,}"),
    "label A) / 1)": re.compile(r"(^|\n|\s)[\(\[]?[A-Fa-f1-6][\)\]]\s"),
    "Choice N:/Option N:": re.compile(r"\b(choice|option)\s*[A-F1-6]?\s*[:)]", re.I),
    "Title:/Story:/Choices:": re.compile(r"\b(title|story|choices|options|chapter)\s*:", re.I),
    "<think>": re.compile(r"</?think", re.I),
    "preamble": re.compile(r"^\s*(sure|certainly|of course|okay|here(?:'s| is| are))\b", re.I),
    "Sure!/Here is anywhere": re.compile(r"\b(sure!|here is (the|your|a)|here's (the|your|a))", re.I),
    "role token": re.compile(r"<\|?(im_start|im_end|endoftext|end_of_turn|start_of_turn|eos|bos|eot_id)\|?>"
                             r"|</s>|\[/?INST\]|<\|assistant\|>|<\|user\|>", re.I),
    "role word line": re.compile(r"(^|\n)\s*(assistant|user|system|model)\s*(\n|:)", re.I),
    "placeholder <...>": re.compile(r"<[a-z ]{3,30}>", re.I),
    "prompt echo": re.compile(r"the audience chose|your previous attempt|answer in exactly this format|"
                              r"write chapter \d|"
                              r"in short paragraphs|end at a moment|offer exactly \d|story plan:|remember:|"
                              r"<chapter title>|<choice>|<the chapter>", re.I),
}
JUNK_NAME = re.compile(r"[\[\]{}<>=]")


def leaks_in(text: str) -> list[str]:
    """The kinds of leak in a text (empty: clean)."""
    return [name for name, pattern in LEAKS.items() if pattern.search(text or "")]


def bad_choices(choices: list[str], wanted: int) -> list[str]:
    """What is wrong with a chapter's choices (empty: exactly `wanted` distinct, real ones)."""
    problems = []
    if len(choices) != wanted or len({c.casefold() for c in choices}) != len(choices):
        problems.append(f"{len(choices)} choices ({len({c.casefold() for c in choices})} distinct), wanted {wanted}")
    for choice in choices:
        if re.fullmatch(r"\W*[A-Fa-f1-6]\W*", choice) or not re.search(r"[A-Za-z]{3}", choice):
            problems.append(f"bare label {choice!r}")
        if len(choice.split()) > 14:
            problems.append(f"long choice {choice[:40]!r}")
    return problems


def junk_names(memory: dict) -> list[str]:
    """Names in a memory snapshot that are no names."""
    return [str(entry.get("name")) for kind in ("characters", "locations", "items") for entry in memory.get(kind, [])
            if not re.search(r"[A-Za-z]{2}", str(entry.get("name") or "")) or JUNK_NAME.search(str(entry.get("name")))]


def ends_with_sentence(text: str) -> bool:
    """The text ends with a full sentence."""
    return bool(re.search(r"[.!?…\"”']\s*$", text or ""))
