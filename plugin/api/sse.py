"""Server-sent events: one helper to open a stream and send named JSON events on it."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from plugin.jsonsafe import dumps


class EventStream:
    """A text/event-stream response; `send` writes one `event:` + `data:` pair."""

    def __init__(self, response: web.StreamResponse) -> None:
        self.response = response

    @classmethod
    async def open(cls, request: web.Request) -> EventStream:
        """Start the response (no buffering by proxies, no caching)."""
        response = web.StreamResponse(headers={
            "Content-Type": "text/event-stream; charset=utf-8", "Cache-Control": "no-cache",
            "X-Accel-Buffering": "no"})
        await response.prepare(request)
        return cls(response)

    async def send(self, event: str | None, data: Any) -> None:
        """One event; a plain `data:` line when `event` is None (the OpenAI streaming style)."""
        payload = data if isinstance(data, str) else dumps(data, ensure_ascii=False)
        head = f"event: {event}\n" if event else ""
        await self.response.write(f"{head}data: {payload}\n\n".encode())

    async def close(self) -> None:
        """End the stream."""
        await self.response.write_eof()
