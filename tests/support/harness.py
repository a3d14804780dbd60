"""Test harness: a real server on a real socket, a real Socket.IO client that records events."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import socketio
from aiohttp import web
from aiohttp.test_utils import TestServer

from plugin import keys
from plugin.app import create_app
from plugin.clock import Clock, ManualClock
from plugin.settings.schema import Settings, load_settings

Predicate = Callable[[Any], bool]


def make_settings(data_dir: Path, **overrides: Any) -> Settings:
    """Defaults for tests: temp data dir, no pacing, no simulated chat, plus any dotted overrides."""
    flags = {
        "server.data_dir": str(data_dir),
        "llm.offline_words_per_s": 0,
        "llm.retry_backoff_s": 0.01,
        "chat.source": "none",
        "story.retry_delay_s": 0.05,
        # the show's beats are tested on their own (tests/test_timeline.py); elsewhere a vote opens with its
        # chapter and nothing is held
        "voting.opens": "with_chapter",
        "voting.max_wait_s": 0,
        "show.result_hold_s": 0,
        "show.final_hold_s": 0,
        **overrides,
    }
    return load_settings(env={}, flags=flags)


@dataclass
class EventLog:
    """Every event a Socket.IO client received, with waiting helpers; `emit` and `call` send on the same socket."""

    events: list[tuple[str, Any]] = field(default_factory=list)
    changed: asyncio.Event = field(default_factory=asyncio.Event)
    client: socketio.AsyncClient | None = None
    namespace: str = "/overlay"

    def record(self, name: str, data: Any) -> None:
        """Store one event and wake waiters."""
        self.events.append((name, data))
        self.changed.set()

    def named(self, name: str) -> list[Any]:
        """Payloads of every event with this name."""
        return [data for event, data in self.events if event == name]

    def mark(self) -> int:
        """Where the log ends now: `wait_for(..., after=mark)` then skips every event received before."""
        return len(self.events)

    async def wait_for(self, name: str, predicate: Predicate | None = None, timeout: float = 45.0,
                       after: int = 0) -> Any:
        """The first payload of `name` matching `predicate`, scanning old events too (all of them, or those
        received since `after`, a `mark()`); fails after `timeout` (generous: only spent when something is wrong,
        and a busy machine writes chapters slowly)."""
        async with asyncio.timeout(timeout):
            while True:
                for event, data in self.events[after:]:
                    if event == name and (predicate is None or predicate(data)):
                        return data
                self.changed.clear()
                await self.changed.wait()

    async def emit(self, name: str, data: Any = None) -> None:
        """Send an event on this log's socket and namespace."""
        assert self.client is not None, "emit needs a connected socket (use watching())"
        await self.client.emit(name, data, namespace=self.namespace)

    async def call(self, name: str, data: Any = None, timeout: float = 5.0) -> Any:
        """Send an event on this log's socket and namespace and return the server's answer."""
        assert self.client is not None, "call needs a connected socket (use watching())"
        return await self.client.call(name, data, namespace=self.namespace, timeout=timeout)


@asynccontextmanager
async def watching(url: str, namespace: str = "/overlay", auth: Any = None) -> AsyncIterator[EventLog]:
    """A Socket.IO client on `namespace` recording every event while the block runs (it may also `emit` and
    `call`); always disconnected after the block, however it ends."""
    client = socketio.AsyncClient(reconnection=False)
    log = EventLog(client=client, namespace=namespace)

    async def catch_all(event: str, data: Any = None) -> None:
        log.record(event, data)

    client.on("*", catch_all, namespace=namespace)
    await client.connect(url, namespaces=[namespace], auth=auth, transports=["websocket"], wait_timeout=10)
    try:
        yield log
    finally:
        await client.disconnect()


@dataclass
class Running:
    """A started server and an HTTP session to talk to it."""

    server: TestServer
    app: web.Application
    http: aiohttp.ClientSession
    clock: Clock

    @property
    def url(self) -> str:
        """Base URL, e.g. http://127.0.0.1:PORT."""
        return str(self.server.make_url("")).rstrip("/")

    @property
    def token(self) -> str:
        """The admin token."""
        return self.app[keys.ADMIN_TOKEN]

    @property
    def auth(self) -> dict[str, str]:
        """Authorization header."""
        return {"Authorization": f"Bearer {self.token}"}

    async def call(self, method: str, path: str, json: Any = None, *, admin: bool = True,
                   data: bytes | None = None) -> tuple[int, Any]:
        """HTTP request to the API; returns (status, parsed JSON)."""
        headers = self.auth if admin else {}
        async with self.http.request(method, self.url + path, json=json, data=data, headers=headers) as resp:
            body = await resp.json(content_type=None)
            return resp.status, body

    async def stop(self) -> None:
        """Close the session and the server (running the app's cleanup)."""
        await self.http.close()
        await self.server.close()


async def start_server(settings: Settings, clock: Clock | None = None) -> Running:
    """create_app + a real TCP server on 127.0.0.1."""
    clock = clock or ManualClock()
    app = create_app(settings, clock=clock)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    return Running(server, app, aiohttp.ClientSession(), clock)


async def raw_status(url: str, head: bytes) -> int:
    """Send a request exactly as written (bytes no client library would send) and return the status code."""
    host, port = url.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    try:
        writer.write(head)
        await writer.drain()
        return int((await reader.readline()).split()[1])
    finally:
        writer.close()


async def advance_when_waiting(clock: ManualClock, seconds: float) -> None:
    """Wait until something sleeps on the manual clock, then move time forward."""
    await clock.wait_for_sleeper()
    clock.advance(seconds)
