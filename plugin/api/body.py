"""Reading request bodies and query strings: clear 400s that name the field."""

from __future__ import annotations

import json
from typing import Any, TypeVar

from aiohttp import web

from plugin.config import SCHEMA, coerce_value
from plugin.errors import BadRequest
from plugin.services.model import StoryStyle

T = TypeVar("T")
STYLE_KEYS = tuple(StoryStyle.__dataclass_fields__)
_TYPE_NAMES = {str: "a string", int: "an integer", bool: "true or false", dict: "an object", list: "a list"}


async def read_json(request: web.Request) -> dict[str, Any]:
    """The JSON object body ({} when empty); anything else is a 400."""
    raw = await request.read()
    if not raw.strip():
        return {}
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadRequest(f"request body is not valid JSON ({exc})", code="invalid_json") from None
    if not isinstance(data, dict):
        raise BadRequest("request body must be a JSON object", code="invalid_json")
    return data


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
        value = value.strip()  # type: ignore[assignment]
        if required and not value:
            raise BadRequest(f"'{name}' must not be empty", field=name, code="invalid_field")
        if max_len is not None and len(value) > max_len:  # type: ignore[arg-type]
            raise BadRequest(f"'{name}' is longer than {max_len} characters", field=name, code="invalid_field")
    if isinstance(value, int) and ((low is not None and value < low) or (high is not None and value > high)):
        raise BadRequest(f"'{name}' must be between {low} and {high}", field=name, code="invalid_field")
    return value


def path_int(request: web.Request, name: str) -> int:
    """An integer from the URL path, e.g. a session id."""
    try:
        return int(request.match_info[name])
    except ValueError:
        raise BadRequest(f"{name.replace('_', ' ')} must be an integer", field=name) from None


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
