"""The overlay's layout editor: the streamer's placement of the story and vote panels, per layout."""

from __future__ import annotations

import math
from typing import Any

from aiohttp import web

from plugin import events, keys
from plugin.api.body import read_json, reply
from plugin.errors import BadRequest

LAYOUTS = ("landscape", "portrait")
PANELS = ("story", "vote")
MIN_SIZE = 5.0  # % of the canvas: a panel can be made small, never invisible


async def get_layouts(request: web.Request) -> web.Response:
    """The saved placements (public: every overlay reads them)."""
    return reply({"layouts": await request.app[keys.META].overlay_layouts()})


async def save_layout(request: web.Request) -> web.Response:
    """Place the panels of one layout: {"story": {"x", "y", "w", "h"}, "vote": {...}} in % of the canvas."""
    layout = _layout(request)
    panels = _panels(await read_json(request))
    await _store(request, layout, panels)
    return reply({"layout": layout, "panels": panels})


async def reset_layout(request: web.Request) -> web.Response:
    """Back to the built-in placement for one layout."""
    layout = _layout(request)
    await _store(request, layout, None)
    return reply({"layout": layout, "panels": None})


async def _store(request: web.Request, layout: str, panels: dict[str, Any] | None) -> None:
    """Save, then tell every overlay."""
    await request.app[keys.META].save_overlay_layout(layout, panels)
    await request.app[keys.REALTIME].emit(events.OverlayLayout(layout, panels))


def _layout(request: web.Request) -> str:
    """The layout named in the path."""
    layout = request.match_info["layout"]
    if layout not in LAYOUTS:
        raise BadRequest(f"layout must be one of {', '.join(LAYOUTS)}", field="layout")
    return layout


def _panels(body: dict[str, Any]) -> dict[str, dict[str, float]]:
    """Checked panel boxes: known panels, finite numbers, at least MIN_SIZE, inside the canvas."""
    if not body:
        raise BadRequest(f"place at least one panel ({', '.join(PANELS)})", field="body")
    placed: dict[str, dict[str, float]] = {}
    for name, box in body.items():
        if name not in PANELS:
            raise BadRequest(f"unknown panel '{name}' (use {', '.join(PANELS)})", field=name)
        if not isinstance(box, dict):
            raise BadRequest(f"'{name}' must be an object with x, y, w and h", field=name)
        numbers = {}
        for key in ("x", "y", "w", "h"):
            value = box.get(key)
            if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
                raise BadRequest(f"'{name}.{key}' must be a number (% of the canvas)", field=f"{name}.{key}")
            numbers[key] = round(float(value), 2)
        if numbers["w"] < MIN_SIZE or numbers["h"] < MIN_SIZE:
            raise BadRequest(f"'{name}' must be at least {MIN_SIZE:g}% wide and high", field=f"{name}.w")
        for start, size in (("x", "w"), ("y", "h")):
            if numbers[start] < 0 or numbers[start] + numbers[size] > 100:
                raise BadRequest(f"'{name}' must lie inside the canvas ({start} + {size} within 0 to 100%)",
                                 field=f"{name}.{start}")
        placed[name] = numbers
    return placed
