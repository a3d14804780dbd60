"""Model answers as data: the JSON a chapter or a memory update must have (pydantic models, which also give
the JSON schema asked for with response_format), and reading an answer however it came (JSON, JSON in
prose or code fences, half JSON cut by the token limit, or tagged text)."""

from __future__ import annotations

import json
import logging
import re
from typing import Any

import jiter
from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator

from plugin.story.gate import MAX_CHOICE_CHARS
from plugin.story.parse import parse_chapter, strip_reasoning
from plugin.writers.model import AnswerShape

log = logging.getLogger(__name__)
NAME = re.compile(r"^[^\W\d_][\w'’.\- ]{0,48}$")
NOT_NAMES = frozenset("name names character characters hero heroine protagonist villain person people someone "
                      "unknown none n/a item items place places location locations thing object the story".split())


def _short(value: Any, limit: int) -> str:
    """A clean one-line string from whatever the model put there."""
    if isinstance(value, list):
        value = ", ".join(str(v) for v in value)
    return re.sub(r"\s+", " ", str(value or "")).strip().strip("*_\"'")[:limit]


def usable_name(name: str) -> bool:
    """A name a story could use: letters first, no brackets or code, not a word like "character"."""
    return (bool(NAME.match(name)) and name.casefold() not in NOT_NAMES and len(name.split()) <= 5
            and len(re.findall(r"[^\W\d_]", name)) >= 2)


class Answer(BaseModel):
    """Lenient reading: unknown fields are ignored, missing ones take their defaults."""

    model_config = ConfigDict(extra="ignore")


class CharacterNote(Answer):
    """A character as a memory update reports it."""

    name: str = Field(max_length=60)
    aliases: list[str] = Field(default_factory=list, max_length=4)
    description: str = Field(default="", max_length=160)
    status: str = Field(default="", max_length=80)
    look: str = Field(default="", max_length=160)

    @field_validator("aliases", mode="before")
    @classmethod
    def _aliases(cls, value: Any) -> list[str]:
        """Aliases that are names."""
        items = value.split(",") if isinstance(value, str) else value if isinstance(value, list) else []
        return [_short(a, 60) for a in items if NAME.match(_short(a, 60))][:4]


class PlaceNote(Answer):
    """A place."""

    name: str = Field(max_length=60)
    description: str = Field(default="", max_length=160)


class ItemNote(Answer):
    """An item and who holds it."""

    name: str = Field(max_length=60)
    holder: str = Field(default="", max_length=60)
    description: str = Field(default="", max_length=160)


class MemoryNote(Answer):
    """What a chapter changed in the story memory."""

    summary: str = Field(default="", max_length=900)
    characters: list[CharacterNote] = Field(default_factory=list, max_length=8)
    locations: list[PlaceNote] = Field(default_factory=list, max_length=5)
    items: list[ItemNote] = Field(default_factory=list, max_length=5)
    events: list[str] = Field(default_factory=list, max_length=4)

    @field_validator("characters", "locations", "items", mode="before")
    @classmethod
    def _entries(cls, value: Any, info: ValidationInfo) -> list[Any]:
        """Keep entries that are objects (or bare names) with a usable name; junk is dropped, not stored."""
        kept = []
        for raw in value if isinstance(value, list) else []:
            entry = {"name": raw} if isinstance(raw, str) else raw
            if isinstance(entry, dict) and usable_name(_short(entry.get("name"), 60)):
                kept.append({k: (_short(v, 160) if k != "aliases" else v) for k, v in entry.items()})
            else:
                log.info("memory entry dropped (no usable name): %r", raw)
        return kept[:8 if info.field_name == "characters" else 5]

    @field_validator("events", mode="before")
    @classmethod
    def _events(cls, value: Any) -> list[str]:
        """Event lines with some words in them."""
        items = value if isinstance(value, list) else [value] if isinstance(value, str) else []
        lines = [_short(e.get("summary") if isinstance(e, dict) else e, 200) for e in items]
        return [line for line in lines if re.search(r"[^\W\d_]{2,}", line) and not re.search(r"[<>{}\[\]=]", line)][:4]

    @field_validator("summary", mode="before")
    @classmethod
    def _summary(cls, value: Any) -> str:
        """A summary that is prose, not a copied placeholder."""
        text = _short(value, 900)
        return "" if re.search(r"[<>{}\[\]]", text) or len(text.split()) < 4 else text


class ChapterAnswer(Answer):
    """A chapter: its title, the story, the choices that end it, and what it changed in the memory."""

    title: str = Field(default="", max_length=120)
    story: str = ""
    choices: list[str] = Field(default_factory=list)  # how many is the gate's business (and the schema's)
    memory: MemoryNote | None = None

    @field_validator("title", mode="before")
    @classmethod
    def _title(cls, value: Any) -> str:
        """A string (models sometimes send a list or a number)."""
        return _short(value, 120)

    @field_validator("story", mode="before")
    @classmethod
    def _story(cls, value: Any) -> str:
        """The story text (a list of paragraphs is joined)."""
        return "\n\n".join(str(v) for v in value) if isinstance(value, list) else str(value or "")

    @field_validator("choices", mode="before")
    @classmethod
    def _choices(cls, value: Any) -> list[str]:
        """Strings, whatever shape the model sent them in."""
        if isinstance(value, dict):
            value = list(value.values())
        items = value if isinstance(value, list) else [value] if value else []
        return [_short(c.get("text") or c.get("choice") if isinstance(c, dict) else c, 200) for c in items]


def _inline(schema: Any, defs: dict[str, Any]) -> Any:
    """The schema with $refs replaced by their definitions, every field required and no extra ones
    (constrained decoding then writes every field, in order), and no titles or defaults."""
    if isinstance(schema, list):
        return [_inline(item, defs) for item in schema]
    if not isinstance(schema, dict):
        return schema
    if "$ref" in schema:
        return _inline(defs[schema["$ref"].rsplit("/", 1)[1]], defs)
    if "anyOf" in schema:  # X | None: ask for X
        options = [o for o in schema["anyOf"] if o.get("type") != "null"]
        return _inline(options[0], defs) if len(options) == 1 else {"anyOf": _inline(options, defs)}
    out = {k: _inline(v, defs) for k, v in schema.items() if k not in ("title", "default", "$defs", "description",
                                                                       "properties")}
    if "properties" in schema:
        out["properties"] = {name: _inline(sub, defs) for name, sub in schema["properties"].items()}
    if out.get("type") == "object" and "properties" in out:
        out["required"] = list(out["properties"])
        out["additionalProperties"] = False
    return out


def chapter_shape(num_choices: int, final: bool, story_chars: int) -> AnswerShape:
    """The JSON schema of a chapter answer (a final chapter has no choices)."""
    raw = ChapterAnswer.model_json_schema()
    schema = _inline(raw, raw.get("$defs", {}))
    props = schema["properties"]
    props["story"]["minLength"] = story_chars  # a small model otherwise closes the string at once
    props["title"]["maxLength"] = 80
    if final:
        del props["choices"]
        schema["required"].remove("choices")
    else:
        props["choices"].update(minItems=num_choices, maxItems=num_choices)
        props["choices"]["items"] = {"type": "string", "minLength": 3, "maxLength": MAX_CHOICE_CHARS}
    return AnswerShape("final_chapter" if final else "chapter", schema)


def memory_shape() -> AnswerShape:
    """The JSON schema of a memory update on its own."""
    raw = MemoryNote.model_json_schema()
    return AnswerShape("memory", _inline(raw, raw.get("$defs", {})))


def json_part(text: str) -> Any | None:
    """The JSON object in an answer (inside code fences or prose too; half JSON cut short is read as far as it
    goes), or None when there is none."""
    text = strip_reasoning(text or "")
    start = text.find("{")
    if start < 0:
        return None
    body = text[start:]
    end = body.rfind("}")
    for candidate in ([body[: end + 1]] if end > 0 else []):
        try:
            return json.loads(candidate, strict=False)  # strict=False: raw newlines inside strings
        except ValueError:
            pass
    for text in (body, body.replace("\n", "\\n")):  # some models put raw line breaks inside strings
        try:
            return jiter.from_json(text.encode(), partial_mode="trailing-strings")
        except ValueError:
            continue
    return None


def read_chapter(text: str, num_choices: int) -> tuple[ChapterAnswer, bool]:
    """A chapter answer from JSON or tagged text; the flag says it came as JSON."""
    data = json_part(text)
    if isinstance(data, dict) and {"story", "title", "chapter"} & {str(k).lower() for k in data}:
        try:
            return ChapterAnswer.model_validate(_relaxed(data)), True
        except ValidationError as exc:
            log.info("chapter JSON did not fit: %s", exc.errors()[0]["msg"] if exc.errors() else exc)
    parsed = parse_chapter(text)
    return ChapterAnswer.model_construct(title=parsed.title, story=parsed.content, choices=parsed.choices,
                                         memory=None), False


def _relaxed(data: dict[str, Any]) -> dict[str, Any]:
    """Keys matched without regard to case, a memory that failed to validate dropped (not the chapter)."""
    lowered = {str(k).lower(): v for k, v in data.items()}
    memory = lowered.get("memory")
    if memory is not None:
        try:
            MemoryNote.model_validate(memory)
        except ValidationError:
            log.info("the chapter's memory update did not fit its schema; it is dropped")
            memory = None
    return {"title": lowered.get("title", ""), "story": lowered.get("story") or lowered.get("chapter") or "",
            "choices": lowered.get("choices", []) or lowered.get("options", []), "memory": memory}


def read_memory(text: str) -> MemoryNote | None:
    """A memory update from a JSON answer, or None when there is no valid one (junk is never stored)."""
    data = json_part(text)
    if not isinstance(data, dict):
        return None
    try:
        return MemoryNote.model_validate({str(k).lower(): v for k, v in data.items()})
    except ValidationError as exc:
        log.info("memory answer did not fit its schema; nothing stored (%s)", exc.errors()[0]["msg"])
        return None
