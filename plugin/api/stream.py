"""POST /api/interactive-story/stream: one generation step as server-sent events (status, stream, final, error)."""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp import web

from plugin import keys
from plugin.api.body import field, read_json
from plugin.api.room import task_params
from plugin.api.sse import EventStream
from plugin.errors import BadRequest, StoryError

STEPS = ("premise", "outline", "opening", "chat", "full-story")


class _StreamSink:
    """Text deltas become `stream` events; a writer starting over becomes a `status` event."""

    def __init__(self, events: EventStream) -> None:
        self.events = events

    async def token(self, delta: str) -> None:
        """A piece of text."""
        await self.events.send("stream", {"delta": delta})

    async def reset(self) -> None:
        """The writer starts over: clients drop what they showed."""
        await self.events.send("status", {"phase": "restart"})


async def stream(request: web.Request) -> web.StreamResponse:
    """Run {step: premise|outline|opening (draftId) | chat (message, sessionId?) | full-story (task params)}."""
    body = await read_json(request)
    step = field(body, "step", str, required=True, max_len=20)
    if step not in STEPS:
        raise BadRequest(f"step must be one of {', '.join(STEPS)}", field="step")
    events = await EventStream.open(request)  # from here on, errors are events, not JSON bodies
    sink = _StreamSink(events)
    try:
        await events.send("status", {"phase": "started", "step": step})
        result = await _run(request, step, body, events, sink)
        await events.send("final", result)
    except StoryError as exc:
        await events.send("error", exc.to_json()["error"])
    except (ConnectionResetError, asyncio.CancelledError):
        raise
    except Exception:
        request.app.logger.exception("stream step %s failed", step)
        await events.send("error", {"code": "internal_error", "message": "the step failed (details in the log)"})
    await events.close()
    return events.response


async def _run(request: web.Request, step: str, body: dict[str, Any], events: EventStream,
               sink: _StreamSink) -> dict[str, Any]:
    """The step itself."""
    room = request.app[keys.ROOM]
    if step in ("premise", "outline", "opening"):
        draft_id = field(body, "draftId", int, required=True, low=1) or 0
        return {"draft": await getattr(room, step)(draft_id, sink)}
    if step == "chat":
        current = request.app[keys.COORDINATOR].session
        return await room.chat(field(body, "message", str, required=True, max_len=2_000) or "",
                               field(body, "sessionId", int, default=current.id if current else None, low=1), sink)
    jobs = request.app[keys.JOBS]
    if "taskId" in body:  # follow a task that is already running
        task = await jobs.view(str(body["taskId"]))
    else:
        task = await jobs.submit("full-story", task_params(request, body))
    while task["status"] in ("pending", "running"):
        await events.send("status", {"phase": task["status"], "progress": task["progress"], "taskId": task["id"]})
        try:
            task = await jobs.changed(task, timeout=60)
        except TimeoutError:
            task = await jobs.view(task["id"])
    if task["status"] == "failed":
        raise StoryError(task["error"] or "the task failed", code="task_failed")
    return {"task": task, "story": await jobs.result(task["id"])}
