"""A local Twitch chat server for tests: IRC over a real aiohttp WebSocket, spoken as irc-ws.chat.twitch.tv does.

It answers CAP REQ with CAP ACK, NICK with the 001..376 welcome, JOIN with the echo, the names list and ROOMSTATE,
and PING with PONG; it records every line each client sent. Tests drive it from outside: PRIVMSG with tags, PING
(then wait for the PONG), RECONNECT, dropping the connection, garbage lines and frames, hostile text.
"""

from __future__ import annotations

import asyncio
import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

HOST = "tmi.twitch.tv"
_LINES = re.compile(r"\r\n|\r|\n")
_TAG_ESCAPES = {";": r"\:", " ": r"\s", "\\": "\\\\", "\r": r"\r", "\n": r"\n"}


def escape_tag(value: str) -> str:
    """An IRCv3 tag value as it goes on the wire."""
    return "".join(_TAG_ESCAPES.get(char, char) for char in value)


@dataclass(eq=False)
class IrcClient:
    """One connected client, as the server sees it."""

    server: IrcServer
    ws: web.WebSocketResponse
    request: web.Request
    index: int
    lines: list[str] = field(default_factory=list)  # every line the client sent, in order
    nick: str = ""
    channels: list[str] = field(default_factory=list)
    pongs: list[str] = field(default_factory=list)
    closed: bool = False

    @property
    def joined(self) -> bool:
        """The client has joined a channel."""
        return bool(self.channels)

    async def send(self, *lines: str) -> None:
        """Send lines in one text frame, CRLF-terminated (Twitch batches lines this way)."""
        await self.ws.send_str("".join(f"{line}\r\n" for line in lines))

    async def privmsg(self, text: str, *, login: str = "viewer", user_id: str | None = "1001",
                      display_name: str | None = None, badges: str = "", msg_id: str | None = None,
                      channel: str | None = None, **tags: str) -> str:
        """A chat line from `login` with Twitch's tags; returns its message id."""
        msg_id = msg_id if msg_id is not None else self.server.next_id()
        values: dict[str, str] = {
            "badge-info": "", "badges": badges, "color": "#8A2BE2",
            "display-name": display_name if display_name is not None else login, "emotes": "",
            "first-msg": "0", "flags": "", "id": msg_id, "mod": "1" if "moderator/" in badges else "0",
            "room-id": "4242", "subscriber": "0", "tmi-sent-ts": "1800000000000", "turbo": "0",
            "user-type": "", **tags,
        }
        if user_id is not None:
            values["user-id"] = user_id
        raw_tags = ";".join(f"{key}={escape_tag(value)}" for key, value in values.items())
        target = channel or (self.channels[0] if self.channels else "#unknown")
        await self.send(f"@{raw_tags} :{login}!{login}@{login}.{HOST} PRIVMSG {target} :{text}")
        return msg_id

    async def ping(self, token: str = HOST) -> None:
        """PING the client, as Twitch does about every five minutes."""
        await self.send(f"PING :{token}")

    async def wait_pong(self, token: str, timeout: float = 10.0) -> None:
        """Wait until the client has answered PONG :token."""
        await self.server.until(lambda: token in self.pongs, timeout)

    async def reconnect(self) -> None:
        """Ask the client to reconnect (Twitch does before restarting a server)."""
        await self.send(f":{HOST} RECONNECT")

    async def drop(self) -> None:
        """Cut the connection without a close frame (a network drop)."""
        transport = self.request.transport
        if transport is not None:
            transport.abort()
        await self.server.until(lambda: self.closed)

    async def send_frame(self, data: bytes, opcode: WSMsgType = WSMsgType.TEXT) -> None:
        """A raw frame: invalid UTF-8 in a text frame, say, or a binary frame."""
        await self.ws.send_frame(data, opcode)


@dataclass(eq=False)
class IrcServer:
    """The server: start(), then `url` for twitch.url; clients in connection order; close() at the end."""

    refuse_login: bool = False  # answer NICK with Twitch's "Login authentication failed" NOTICE and close
    answer_pings: bool = True
    clients: list[IrcClient] = field(default_factory=list)
    _changed: asyncio.Event = field(default_factory=asyncio.Event)
    _runner: web.AppRunner | None = None
    _ids: Any = field(default_factory=lambda: itertools.count(1))
    url: str = ""

    async def start(self) -> str:
        """Listen on a free local port; returns the ws:// URL."""
        app = web.Application()
        app.router.add_get("/", self._handle)
        self._runner = web.AppRunner(app, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        host, port = self._runner.addresses[0][:2]
        self.url = f"ws://{host}:{port}/"
        return self.url

    async def close(self) -> None:
        """Close every connection and stop listening."""
        for client in self.clients:
            if not client.closed:
                await client.ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    def next_id(self) -> str:
        """A fresh message id, shaped like Twitch's UUIDs."""
        return f"5f0e1d2c-0000-4000-8000-{next(self._ids):012d}"

    async def until(self, condition: Callable[[], bool], timeout: float = 10.0) -> None:
        """Wait (bounded) until `condition()` holds; re-checked whenever a client connects, sends or leaves."""
        async with asyncio.timeout(timeout):
            while not condition():
                self._changed.clear()
                await self._changed.wait()

    async def joined(self, count: int = 1, timeout: float = 10.0) -> IrcClient:
        """Wait until `count` clients have joined a channel (ever); returns the count-th."""
        await self.until(lambda: sum(c.joined for c in self.clients) >= count, timeout)
        return [c for c in self.clients if c.joined][count - 1]

    async def _handle(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        client = IrcClient(self, ws, request, len(self.clients))
        self.clients.append(client)
        self._changed.set()
        try:
            async for msg in ws:
                if msg.type is not WSMsgType.TEXT:
                    continue
                for line in _LINES.split(msg.data):
                    if line:
                        client.lines.append(line)
                        await self._answer(client, line)
                        self._changed.set()
        finally:
            client.closed = True
            self._changed.set()
        return ws

    async def _answer(self, client: IrcClient, line: str) -> None:
        """What Twitch answers to each client command."""
        command, _, rest = line.partition(" ")
        command = command.upper()
        if command == "CAP" and rest.startswith("REQ :"):
            await client.send(f":{HOST} CAP * ACK :{rest.removeprefix('REQ :')}")
        elif command == "NICK":
            client.nick = rest.strip().lower()
            if self.refuse_login:
                await client.send(f":{HOST} NOTICE * :Login authentication failed")
                await client.ws.close()
                return
            nick = client.nick
            await client.send(
                f":{HOST} 001 {nick} :Welcome, GLHF!", f":{HOST} 002 {nick} :Your host is {HOST}",
                f":{HOST} 003 {nick} :This server is rather new", f":{HOST} 004 {nick} :-",
                f":{HOST} 375 {nick} :-", f":{HOST} 372 {nick} :You are in a maze of twisty passages, all alike.",
                f":{HOST} 376 {nick} :>",
            )
        elif command == "JOIN":
            channel = rest.strip().lower()
            nick = client.nick
            client.channels.append(channel)
            await client.send(
                f":{nick}!{nick}@{nick}.{HOST} JOIN {channel}",
                f":{nick}.{HOST} 353 {nick} = {channel} :{nick}",
                f":{nick}.{HOST} 366 {nick} {channel} :End of /NAMES list",
                f"@emote-only=0;followers-only=-1;r9k=0;room-id=4242;slow=0;subs-only=0 :{HOST} ROOMSTATE {channel}",
            )
        elif command == "PING" and self.answer_pings:
            await client.send(f":{HOST} PONG {HOST} :{rest.removeprefix(':')}")
        elif command == "PONG":
            client.pongs.append(rest.removeprefix(":"))
