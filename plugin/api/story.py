"""Story routes under /api/interactive-story/: thin handlers over the coordinator and the stores."""

from __future__ import annotations

import time
from typing import Any

from aiohttp import web

from plugin import keys
from plugin.api.body import field, path_int, query_int, read_json, reply, style_field
from plugin.api.middleware import is_admin
from plugin.errors import BadRequest, Conflict, NotFound
from plugin.messages import ChatMessage
from plugin.store.votes import REHEARSAL

MAX_BATCH = 10_000


async def status(request: web.Request) -> web.Response:
    """State, session, chapter, vote counts and endsAt, writer in use (error details for admins only)."""
    state = request.app[keys.COORDINATOR].snapshot()
    return reply(state.wire() if is_admin(request) else state.public())


async def themes(request: web.Request) -> web.Response:
    """Every theme, for theme cards."""
    book = request.app[keys.THEMES]
    return reply({"themes": [t.public() for t in book.themes.values()], "custom": True})


async def start(request: web.Request) -> web.Response:
    """Start a story: {theme, outline?, model?, customTheme?}."""
    body = await read_json(request)
    session = await request.app[keys.COORDINATOR].start(
        theme=field(body, "theme", str, required=True, max_len=64) or "",
        outline=field(body, "outline", str, max_len=20_000),
        model=field(body, "model", str, max_len=200),
        custom_theme=field(body, "customTheme", str, max_len=2_000),
        style=style_field(field(body, "style", dict) or {}),
    )
    return reply({"session": session.public()}, status=201)


async def next_chapter(request: web.Request) -> web.Response:
    """Advance now: {choiceIndex?} picks the branch."""
    body = await read_json(request)
    await request.app[keys.COORDINATOR].next_chapter(field(body, "choiceIndex", int, low=0, high=5))
    return reply({"ok": True})


async def vote(request: web.Request) -> web.Response:
    """The vote's beats: open (now, skipping the rest of the narration), extend {seconds}, close {choiceIndex?}."""
    coordinator, action = request.app[keys.COORDINATOR], request.match_info["action"]
    body = await read_json(request)
    coordinator.require_running()
    if action == "open":
        done = await coordinator.open_vote()
    elif action == "extend":
        done = await coordinator.extend_vote(field(body, "seconds", int, default=30, low=1, high=3600) or 30)
    else:
        done = await coordinator.force_vote_end(field(body, "choiceIndex", int, low=0, high=5))
    if not done:
        raise Conflict("the chapter is not being read out" if action == "open" else "no vote is open",
                       code="no_vote")
    return reply({"ok": True, "beat": coordinator.snapshot().beat})


async def end(request: web.Request) -> web.Response:
    """End the story: {final?: true} writes a short final chapter first."""
    body = await read_json(request)
    await request.app[keys.COORDINATOR].end(final=field(body, "final", bool, default=True) is not False)
    return reply({"ok": True})


async def memory(request: web.Request) -> web.Response:
    """The story memory (latest, or after ?chapter=N)."""
    coordinator = request.app[keys.COORDINATOR]
    session_id = query_int(request, "session", coordinator.session.id if coordinator.session else None, 1, 2**62)
    chapter = query_int(request, "chapter", None, 0, 10_000)
    empty: dict[str, Any] = {"characters": [], "locations": [], "items": [], "events": []}
    if session_id is None:
        return reply({"sessionId": None, "memory": empty})
    stories = request.app[keys.STORIES]
    if chapter is None:
        latest = await stories.latest_memory(session_id)
        chapter, found = latest if latest else (None, None)
    else:
        found = await stories.memory(session_id, chapter)
    return reply({"sessionId": session_id, "chapter": chapter, "memory": found or empty})


async def sessions(request: web.Request) -> web.Response:
    """Past and current sessions, newest first."""
    limit = query_int(request, "limit", 50, 1, 500) or 50
    offset = query_int(request, "offset", 0, 0, 10**9) or 0
    return reply({"sessions": await request.app[keys.STORIES].list_sessions(limit, offset)})


async def session_detail(request: web.Request) -> web.Response:
    """One session: chapters, per-chapter votes, top voters."""
    session_id = path_int(request, "session_id")
    stories, votes = request.app[keys.STORIES], request.app[keys.VOTES]
    session = await stories.get_session(session_id)
    if session is None:
        raise NotFound(f"no session {session_id}")
    results = await votes.results(session_id)
    edits = request.app[keys.EDITS]
    return reply({
        "session": session.public(),
        "chapters": [{**c.public(), "votes": results.get(c.number, [])} for c in await stories.chapters(session_id)],
        "topVoters": await votes.top_voters(session_id),
        "revisions": await edits.revisions(session_id),
        "roadsNotTaken": await edits.branches(session_id),
        "notes": await edits.notes(session_id),
    })


async def top_voters(request: web.Request) -> web.Response:
    """Most active voters overall, real viewers only unless ?simulated=1 (or of ?session=N, each marked
    `simulated` or not)."""
    session_id = query_int(request, "session", None, 1, 2**62)
    limit = query_int(request, "limit", 10, 1, 100) or 10
    simulated = bool(query_int(request, "simulated", 0, 0, 1))
    return reply({"topVoters": await request.app[keys.VOTES].top_voters(session_id, limit, simulated)})


def _chat_message(item: Any, index: int | None) -> ChatMessage:
    """Validate one rehearsal chat line."""
    where = "" if index is None else f"messages[{index}]."
    if not isinstance(item, dict):
        raise BadRequest("each message must be an object", field=where.rstrip(".") or "body")
    try:
        return ChatMessage(
            # typed in the panel, it is rehearsal (out of all-time stats) unless a relay names a real platform
            platform=field(item, "platform", str, default=REHEARSAL, max_len=32) or REHEARSAL,
            user_id=field(item, "user_id", str, required=True, max_len=128) or "",
            nickname=field(item, "nickname", str, default="", max_len=64) or "",
            text=field(item, "text", str, required=True, max_len=500) or "",
            msg_id=field(item, "msg_id", str, max_len=128),
            ts=time.time(),
        )
    except BadRequest as exc:
        raise BadRequest(exc.message, field=f"{where}{exc.field}", code=exc.code) from None


async def chat(request: web.Request) -> web.Response:
    """Feed chat through the same pipeline as real chat: {user_id, nickname, text} or {messages: [...]}."""
    body = await read_json(request, viewer_text=True)
    if "messages" in body:
        items = body["messages"]
        if not isinstance(items, list):
            raise BadRequest("'messages' must be a list", field="messages")
        if len(items) > MAX_BATCH:
            raise BadRequest(f"at most {MAX_BATCH} messages per request", field="messages")
        messages = [_chat_message(item, i) for i, item in enumerate(items)]
    else:
        messages = [_chat_message(body, None)]
    verdicts = request.app[keys.GATEWAY].accept_batch(messages)
    return reply({"accepted": len(messages), "votes": verdicts["vote"],
                              "duplicates": verdicts["duplicate"], "ignored": verdicts["ignored"]})
