"""Reading request bodies and query strings: clear 400s that name the field."""

from __future__ import annotations

import json
import math
from typing import Any, TypeVar

from aiohttp import web

from plugin.brief import StoryStyle
from plugin.errors import BadRequest, NotFound
from plugin.jsonsafe import dumps
from plugin.settings.schema import SCHEMA, coerce_value
from plugin.text import clean_text, text_problem

T = TypeVar("T")
STYLE_KEYS = tuple(StoryStyle.__dataclass_fields__)
_TYPE_NAMES = {str: "a string", int: "an integer", bool: "true or false", dict: "an object", list: "a list"}
MAX_DEPTH = 32  # no request we take nests deeper than a few levels
MAX_ID = 2**63 - 1  # SQLite's largest integer: a longer id names nothing


def reply(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    """A JSON answer (never NaN or Infinity in it)."""
    return web.json_response(data, status=status, headers=headers, dumps=dumps)


async def read_json(request: web.Request, *, viewer_text: bool = False) -> dict[str, Any]:
    """The JSON object body ({} when empty); anything else, or any unusable value in it, is a 400.

    `viewer_text`: the strings are what viewers typed (rehearsal chat): they are cleaned as real chat is
    (one line, no unusable or invisible characters) instead of refusing the request."""
    raw = await request.read()
    if not raw.strip():
        return {}
    try:
        data = json.loads(raw)
    except RecursionError:
        raise BadRequest(f"request body nests deeper than {MAX_DEPTH} levels", code="invalid_json") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadRequest(f"request body is not valid JSON ({exc})", code="invalid_json") from None
    if not isinstance(data, dict):
        raise BadRequest("request body must be a JSON object", code="invalid_json")
    checked: dict[str, Any] = _checked(data, "", 0, viewer_text)
    return checked


def _checked(value: Any, path: str, depth: int, viewer_text: bool) -> Any:
    """The value, once nothing a handler must never receive is in it: deep nesting, NaN or infinite
    numbers, text with lone surrogates, NUL or control characters (in values and keys alike)."""
    if depth > MAX_DEPTH:
        raise BadRequest(f"'{path}' nests deeper than {MAX_DEPTH} levels", field=path, code="invalid_field")
    if isinstance(value, str):
        if viewer_text:
            return clean_text(value, multiline=False)
        problem = text_problem(value)
        if problem:
            raise BadRequest(f"'{path}' {problem}", field=path, code="invalid_field")
    elif isinstance(value, float) and not math.isfinite(value):
        raise BadRequest(f"'{path}' must be a finite number", field=path, code="invalid_field")
    elif isinstance(value, dict):
        for key in value:
            problem = text_problem(key)
            if problem:
                raise BadRequest(f"a key under '{path or 'the body'}' {problem}", field=path or "body",
                                 code="invalid_field")
        return {key: _checked(item, f"{path}.{key}" if path else key, depth + 1, viewer_text)
                for key, item in value.items()}
    elif isinstance(value, list):
        return [_checked(item, f"{path}[{index}]", depth + 1, viewer_text) for index, item in enumerate(value)]
    return value


def field(
    data: dict[str, Any], name: str, kind: type[T], *, required: bool = False, default: T | None = None,
    max_len: int | None = None, low: int | None = None, high: int | None = None,
) -> T | None:
    """One field of a JSON object, type- and range-checked."""
    value = data.get(name)
    if value is None:
        if required:
            raise BadRequest(f"'{name}' is required", field=name, code="missing_field")
        return default
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise BadRequest(f"'{name}' must be {_TYPE_NAMES.get(kind, kind.__name__)}", field=name, code="invalid_field")
    if isinstance(value, str):
        text = value.strip()
        if required and not text:
            raise BadRequest(f"'{name}' must not be empty", field=name, code="invalid_field")
        if max_len is not None and len(text) > max_len:
            raise BadRequest(f"'{name}' is longer than {max_len} characters", field=name, code="invalid_field")
        return text  # type: ignore[return-value]  # a str field gives a str
    if isinstance(value, int) and ((low is not None and value < low) or (high is not None and value > high)):
        raise BadRequest(f"'{name}' must be between {low} and {high}", field=name, code="invalid_field")
    return value


def path_int(request: web.Request, name: str) -> int:
    """A positive integer id from the URL path; one too long to be an id names nothing (404)."""
    raw = request.match_info[name]
    if not raw.isascii() or not raw.isdigit():
        raise BadRequest(f"{name.replace('_', ' ')} must be a positive integer", field=name)
    if len(raw) > 19 or not 0 < int(raw) <= MAX_ID:
        raise NotFound(f"no {name.removesuffix('_id')} {raw[:24]}")
    return int(raw)


def query_int(request: web.Request, name: str, default: int | None, low: int, high: int) -> int | None:
    """An integer query parameter within bounds."""
    raw = request.query.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise BadRequest(f"query parameter '{name}' must be an integer", field=name, code="invalid_field") from None
    if not low <= value <= high:
        raise BadRequest(f"query parameter '{name}' must be between {low} and {high}", field=name,
                         code="invalid_field")
    return value


def style_field(raw: dict[str, Any]) -> dict[str, str]:
    """Per-story style overrides, checked like settings: {"tone": "cosy", "pov": "first", ...}."""
    style: dict[str, str] = {}
    for key, value in raw.items():
        spec = SCHEMA.get(f"story.{key}")
        if key not in STYLE_KEYS or spec is None:
            raise BadRequest(f"unknown style setting '{key}' (use {', '.join(STYLE_KEYS)})", field=f"style.{key}")
        try:
            style[key] = coerce_value(spec, value)
        except ValueError as exc:
            raise BadRequest(f"style.{key}: {exc}", field=f"style.{key}") from None
    return style
