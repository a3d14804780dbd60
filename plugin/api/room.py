"""Writer's room routes: prepared stories, background tasks and their cache, the writers' chat, the storybook."""

from __future__ import annotations

from typing import Any, Literal

from aiohttp import web

from plugin import keys
from plugin.api.body import field, path_int, query_int, read_json, reply, style_field
from plugin.errors import BadRequest

MAX_TASK_CHAPTERS = 30
EXPORT_FORMATS: dict[str, Literal["md", "html", "json"]] = {"md": "md", "html": "html", "json": "json"}


async def list_drafts(request: web.Request) -> web.Response:
    """Prepared stories, newest first."""
    return reply({"drafts": await request.app[keys.ROOM_STORE].drafts()})


async def create_draft(request: web.Request) -> web.Response:
    """Prepare a story: {theme, customTheme?, wishes?, style?}."""
    body = await read_json(request)
    draft = await request.app[keys.ROOM].create(
        field(body, "theme", str, required=True, max_len=64) or "", field(body, "customTheme", str, max_len=2_000),
        field(body, "wishes", str, max_len=2_000), style_field(field(body, "style", dict) or {}))
    return reply({"draft": draft}, status=201)


async def get_draft(request: web.Request) -> web.Response:
    """One prepared story."""
    return reply({"draft": await request.app[keys.ROOM].get(path_int(request, "draft_id"))})


async def edit_draft(request: web.Request) -> web.Response:
    """The streamer's edits: {title?, premise?, outline?, wishes?, style?, opening?: {title, content, choices}}."""
    body = await read_json(request)
    changes: dict[str, Any] = {}
    for name, limit in (("title", 120), ("premise", 5_000), ("outline", 20_000), ("wishes", 2_000)):
        if name in body:
            changes[name] = field(body, name, str, max_len=limit) or ""
    if "style" in body:
        changes["style"] = style_field(field(body, "style", dict) or {})
    if "opening" in body:
        changes["opening"] = _opening(body["opening"])
    return reply({"draft": await request.app[keys.ROOM].edit(path_int(request, "draft_id"), changes)})


def _opening(raw: Any) -> dict[str, Any] | None:
    """A hand-edited opening chapter."""
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise BadRequest("'opening' must be an object", field="opening")
    choices = raw.get("choices") or []
    if not isinstance(choices, list) or not all(isinstance(c, str) and c.strip() for c in choices):
        raise BadRequest("'opening.choices' must be a list of texts", field="opening.choices")
    return {"title": field(raw, "title", str, required=True, max_len=120),
            "content": field(raw, "content", str, required=True, max_len=20_000),
            "choices": [c.strip()[:140] for c in choices]}


async def write_step(request: web.Request) -> web.Response:
    """Write (or write again) one step of a prepared story."""
    room = request.app[keys.ROOM]
    step = request.match_info["step"]
    draft = await getattr(room, step)(path_int(request, "draft_id"))
    return reply({"draft": draft})


async def go_live(request: web.Request) -> web.Response:
    """Start the prepared story live with one click."""
    draft_id = path_int(request, "draft_id")
    launch = await request.app[keys.ROOM].launch(draft_id)
    session = await request.app[keys.COORDINATOR].start(
        launch.theme, outline=launch.outline, custom_theme=launch.custom_theme, style=launch.style,
        prepared=launch.prepared)
    await request.app[keys.ROOM].launched(draft_id, session.id)
    return reply({"session": session.public()}, status=201)


async def delete_draft(request: web.Request) -> web.Response:
    """Forget a prepared story."""
    if not await request.app[keys.ROOM_STORE].delete_draft(path_int(request, "draft_id")):
        raise BadRequest("no such prepared story", field="id")
    return reply({"ok": True})


def task_params(request: web.Request, body: dict[str, Any]) -> dict[str, Any]:
    """Checked parameters of a full-story task, the live settings filling what is not given."""
    story = request.app[keys.CONFIG].settings.story
    theme = field(body, "theme", str, required=True, max_len=64) or ""
    if theme != "custom" and request.app[keys.THEMES].get(theme) is None:
        raise BadRequest(f"unknown theme '{theme}'", field="theme")
    return {
        "theme": theme, "customTheme": field(body, "customTheme", str, max_len=2_000),
        "chapters": field(body, "chapters", int, default=story.max_chapters, low=1, high=MAX_TASK_CHAPTERS),
        "numChoices": field(body, "numChoices", int, default=story.num_choices, low=2, high=6),
        "language": field(body, "language", str, default=story.language, max_len=64),
        "style": style_field(field(body, "style", dict) or {}), "wishes": field(body, "wishes", str, max_len=2_000),
        "outline": field(body, "outline", str, max_len=20_000), "seed": field(body, "seed", int, default=1, low=0),
    }


async def full_story(request: web.Request) -> web.Response:
    """Write a whole story in the background: {theme, chapters?, numChoices?, language?, style?, wishes?, seed?}."""
    params = task_params(request, await read_json(request))
    return reply(await request.app[keys.JOBS].submit("full-story", params), status=202)


async def task_status(request: web.Request) -> web.Response:
    """A task's status (pending, running, done, failed) and progress 0-100."""
    return reply(await request.app[keys.JOBS].view(request.match_info["task_id"]))


async def task_result(request: web.Request) -> web.Response:
    """The finished story (409 while the task runs)."""
    jobs = request.app[keys.JOBS]
    result = await jobs.result(request.match_info["task_id"])
    if result is None:
        view = await jobs.view(request.match_info["task_id"])
        return reply({"error": {"code": "not_ready", "message": f"the task is {view['status']}"}},
                                 status=409)
    return reply(result)


async def cache_stats(request: web.Request) -> web.Response:
    """The task result cache: entries, hits, misses, size."""
    stats = await request.app[keys.ROOM_STORE].cache_stats()
    return reply({**stats, "misses": request.app[keys.JOBS].misses})


async def cache_clear(request: web.Request) -> web.Response:
    """Empty the task result cache."""
    return reply({"cleared": await request.app[keys.ROOM_STORE].clear_cache()})


async def writers_chat_history(request: web.Request) -> web.Response:
    """The writers' chat about a story (?session=N; default the current one)."""
    current = request.app[keys.COORDINATOR].session
    session_id = query_int(request, "session", current.id if current else None, 1, 2**62)
    return reply({"sessionId": session_id,
                              "messages": await request.app[keys.ROOM_STORE].chat(session_id)})


async def writers_chat(request: web.Request) -> web.Response:
    """Ask the writer about the story: {message, sessionId?}; the answer is saved, never part of the story."""
    body = await read_json(request)
    current = request.app[keys.COORDINATOR].session
    session_id = field(body, "sessionId", int, default=current.id if current else None, low=1)
    result = await request.app[keys.ROOM].chat(field(body, "message", str, required=True, max_len=2_000) or "",
                                               session_id)
    return reply(result)


async def export(request: web.Request) -> web.Response:
    """The storybook as a download: ?format=md|html|json (html embeds the pictures)."""
    session_id = path_int(request, "session_id")
    fmt = EXPORT_FORMATS.get(request.query.get("format", "html"))
    if fmt is None:
        raise BadRequest("format must be md, html or json", field="format")
    body, media_type, name = await request.app[keys.STORYBOOK].render(session_id, fmt)
    return web.Response(body=body, headers={"Content-Type": media_type,
                                            "Content-Disposition": f'attachment; filename="{name}"'})
