"""Viewers who asked to join the story (!join) for the streamer: who is in, who waits, pick or decline."""

from __future__ import annotations

from aiohttp import web

from plugin import keys
from plugin.api.body import path_int, reply
from plugin.chat.join import member_view


async def list_cast(request: web.Request) -> web.Response:
    """The join mode, the roles, the cast and (pick mode) the viewers waiting, and what became of every !join."""
    return reply(request.app[keys.JOIN].listing())


async def pick(request: web.Request) -> web.Response:
    """Cast a waiting viewer: their character comes into the story (409 when every role is taken)."""
    row = await request.app[keys.JOIN].pick(path_int(request, "member_id"))
    return reply({"member": member_view(row).wire()})


async def decline(request: web.Request) -> web.Response:
    """Turn a waiting viewer down."""
    row = await request.app[keys.JOIN].decline(path_int(request, "member_id"))
    return reply({"member": member_view(row).wire()})
