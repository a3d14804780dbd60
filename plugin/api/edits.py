"""The streamer's editing routes: regenerate, rewrite a passage, director's notes, edit a choice, revisions."""

from __future__ import annotations

from aiohttp import web

from plugin import keys
from plugin.api.body import field, read_json, reply


async def regenerate(request: web.Request) -> web.Response:
    """Write the current chapter again (resets any vote in progress): {instruction?}."""
    body = await read_json(request)
    result = await request.app[keys.TOOLS].regenerate(field(body, "instruction", str, max_len=500) or None)
    return reply(result)


async def rewrite(request: web.Request) -> web.Response:
    """Rewrite a passage: {passage, instruction, chapterNumber?}."""
    body = await read_json(request)
    result = await request.app[keys.TOOLS].rewrite(
        passage=field(body, "passage", str, required=True, max_len=5_000) or "",
        instruction=field(body, "instruction", str, required=True, max_len=500) or "",
        number=field(body, "chapterNumber", int, low=1, high=10_000),
    )
    return reply(result)


async def director_note(request: web.Request) -> web.Response:
    """A note that steers the next chapter: {note}."""
    body = await read_json(request)
    return reply(await request.app[keys.TOOLS].add_note(field(body, "note", str, required=True,
                                                                          max_len=500) or ""))


async def director_notes(request: web.Request) -> web.Response:
    """The current session's notes: pending and used."""
    session = request.app[keys.COORDINATOR].session
    edits = request.app[keys.EDITS]
    if session is None:
        return reply({"pending": [], "notes": []})
    return reply({"pending": await edits.pending_notes(session.id), "notes": await edits.notes(session.id)})


async def edit_choice(request: web.Request) -> web.Response:
    """Change a choice's text while its vote is open: {index, text, chapterNumber?}."""
    body = await read_json(request)
    result = await request.app[keys.TOOLS].edit_choice(
        index=field(body, "index", int, required=True, low=0, high=5) or 0,
        text=field(body, "text", str, required=True, max_len=140) or "",
        number=field(body, "chapterNumber", int, low=1, high=10_000),
    )
    return reply(result)
