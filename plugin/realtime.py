"""Socket.IO: /overlay is public and read-only; /admin needs the admin token and may send commands."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

import socketio
from aiohttp import web

from plugin import events
from plugin.errors import describe
from plugin.jsonsafe import SocketJson
from plugin.text import same_token

log = logging.getLogger(__name__)
StateProvider = Callable[[], events.State | None]
AdminCommand = Callable[[dict[str, Any]], Awaitable[dict[str, Any]]]


class Realtime:
    """Owns the Socket.IO server; everything the story emits goes through `broadcast`."""

    def __init__(self, admin_token: Callable[[], str], redis_url: str = "") -> None:
        # With Redis, every process (and outside emitters) reaches every connected overlay.
        manager = socketio.AsyncRedisManager(redis_url) if redis_url else None
        self.sio = socketio.AsyncServer(async_mode="aiohttp", logger=False, engineio_logger=False,
                                        client_manager=manager, json=SocketJson)
        self._admin_token = admin_token
        self._state: StateProvider = lambda: None  # until the story is bound (start-up)
        self._commands: dict[str, AdminCommand] = {}
        self.sio.on("connect", self._overlay_connect, namespace=events.OVERLAY_NAMESPACE)
        self.sio.on("connect", self._admin_connect, namespace=events.ADMIN_NAMESPACE)

    def attach(self, app: web.Application) -> None:
        """Serve Socket.IO from the aiohttp app (at /socket.io/)."""
        self.sio.attach(app)

    def bind(self, state: StateProvider, commands: dict[str, AdminCommand]) -> None:
        """Connect the story: where story:state comes from and what admin events do."""
        self._state = state
        for name, handler in commands.items():
            if name not in self._commands:
                self.sio.on(name, self._command(name), namespace=events.ADMIN_NAMESPACE)
            self._commands[name] = handler

    def _command(self, name: str) -> Callable[[str, Any], Awaitable[dict[str, Any]]]:
        """Wrap an admin command so a bad payload or failure answers an error instead of crashing."""

        async def handle(sid: str, data: Any = None) -> dict[str, Any]:
            try:
                return await self._commands[name](data if isinstance(data, dict) else {})
            except Exception as exc:  # noqa: BLE001 - the socket must survive whatever a client sends
                log.warning("admin command %s failed: %s", name, exc)
                return {"ok": False, "error": describe(exc)}

        return handle

    async def emit(self, event: events.Event) -> None:
        """Send an event to every admin panel and, unless it is for admins only, what viewers may see of it
        to every overlay."""
        if not event.admin_only:
            await self.sio.emit(event.name, event.public(), namespace=events.OVERLAY_NAMESPACE)
        await self.sio.emit(event.name, event.wire(), namespace=events.ADMIN_NAMESPACE)

    async def shutdown(self) -> None:
        """Disconnect every client (so the HTTP server can stop at once)."""
        await self.sio.shutdown()

    async def _overlay_connect(self, sid: str, environ: dict[str, Any], auth: Any = None) -> None:
        """Anyone may watch: send the state at once (what viewers may see of it)."""
        state = self._state()
        await self.sio.emit(events.STATE, state.public() if state else {"state": "idle"}, to=sid,
                            namespace=events.OVERLAY_NAMESPACE)

    async def _admin_connect(self, sid: str, environ: dict[str, Any], auth: Any = None) -> None:
        """Admins must present the token in the connect auth payload."""
        if not same_token(auth.get("token") if isinstance(auth, dict) else None, self._admin_token()):
            raise socketio.exceptions.ConnectionRefusedError("unauthorized: a valid admin token is required")
        state = self._state()
        await self.sio.emit(events.STATE, state.wire() if state else {"state": "idle"}, to=sid,
                            namespace=events.ADMIN_NAMESPACE)
