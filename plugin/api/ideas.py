"""Viewers' ideas (!idea) for the streamer: list them, approve or reject one."""

from __future__ import annotations

from aiohttp import web

from plugin import keys
from plugin.api.body import path_int, reply
from plugin.errors import BadRequest

STATUSES = ("pending", "approved", "rejected", "used")


async def list_ideas(request: web.Request) -> web.Response:
    """The current story's ideas (?status=pending|approved|rejected|used): waiting first, most proposed first."""
    status = request.query.get("status") or None
    if status is not None and status not in STATUSES:
        raise BadRequest(f"status must be one of {', '.join(STATUSES)}", field="status")
    box = request.app[keys.IDEAS]
    return reply({"mode": request.app[keys.CONFIG].settings.ideas.mode, "pending": box.pending_count(),
                  "ideas": [idea.view() for idea in box.listing(status)], "stats": dict(box.stats)})


async def approve(request: web.Request) -> web.Response:
    """Approve a waiting idea: a director's note now (note mode) or a choice of a coming vote (ballot mode)."""
    coordinator = request.app[keys.COORDINATOR]
    session = coordinator.session if coordinator.running else None
    return reply(await request.app[keys.IDEA_STAGE].approve(path_int(request, "idea_id"), session))


async def reject(request: web.Request) -> web.Response:
    """Reject a waiting idea (its near-duplicates are turned away from then on)."""
    return reply(await request.app[keys.IDEA_STAGE].reject(path_int(request, "idea_id")))
