"""Twitch chat as a ChatSource: anonymous, read-only IRC over WebSocket, reconnected for as long as the source runs.

The dialect (parsing, tags, mapping) lives in `twitch_irc`; this module is the connection lifecycle: log in as
justinfan<digits>, request tags, join the channel, answer PINGs, notice every way a connection dies (a drop, a
RECONNECT, a silent socket, a refused login), wait with backoff, try again.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import AsyncGenerator, AsyncIterator, Callable
from contextlib import aclosing
from dataclasses import dataclass
from typing import Any, Literal

import aiohttp
from aiohttp import WSMsgType

from plugin.chat import twitch_irc
from plugin.chat.linkstate import LinkState
from plugin.chat.twitch_irc import PLATFORM, IrcLine
from plugin.clock import Clock
from plugin.errors import describe
from plugin.messages import ChatEvent
from plugin.settings.chat import TwitchSettings
from plugin.tasks import Tasks

log = logging.getLogger(__name__)

State = Literal["connecting", "live", "reconnecting", "error", "stopped"]
Outcome = Literal["", "closed", "failed", "refused", "reconnect", "stalled", "config", "request", "stop"]

STABLE_S = 60.0  # a connection that stayed joined this long resets the backoff
JITTER = 0.2  # each backoff wait is 80-100 % of its nominal length
CONNECT_TIMEOUT_S = 20.0  # TCP + TLS + WebSocket handshake
PONG_WAIT_S = 10.0  # after our keepalive PING, this long for any line before the connection counts as dead
MAX_FRAME = 1024 * 1024  # one WebSocket message (Twitch batches lines; a few KiB is normal)
_WAITING: frozenset[State] = frozenset({"reconnecting", "error"})


@dataclass(eq=False)
class Link:
    """One WebSocket connection and what it has told us."""

    url: str
    channel: str
    nick: str
    ws: aiohttp.ClientWebSocketResponse | None = None
    welcomed: bool = False  # 001 arrived: the login was accepted
    joined_at: float | None = None  # our JOIN was echoed: chat flows
    last_activity: float = 0.0
    outcome: Outcome = ""
    reason: str = ""

    def end(self, outcome: Outcome, reason: str) -> None:
        """Record why the connection ends (the first reason wins)."""
        if not self.outcome:
            self.outcome, self.reason = outcome, reason


class TwitchSource:
    """A ChatSource reading one Twitch channel's chat, reconnecting with backoff until stopped or cancelled."""

    name = PLATFORM

    def __init__(self, settings: Callable[[], TwitchSettings], clock: Clock, rng: random.Random | None = None) -> None:
        self.settings = settings
        self.clock = clock
        self.rng = rng or random.Random()
        self._state: LinkState[State] = LinkState(clock, "stopped", _WAITING)
        self._notice = ""  # the last NOTICE from Twitch (a suspended channel, say)
        self._reconnects = 0
        self._failures = 0  # consecutive failed connections, for the backoff
        self._last_event_at: float | None = None
        self._link: Link | None = None
        self._running = False
        self._stop_requested = False
        self._reconnect_requested = False
        self._wake = asyncio.Event()
        self._tasks = Tasks()
        self.messages = 0  # chat lines delivered
        self.ignored_lines = 0  # lines that were not IRC, or that we could not use

    # --- public API ---------------------------------------------------------------------------------------------

    async def events(self) -> AsyncIterator[ChatEvent]:
        """Connect, yield chat messages, reconnect on any failure; ends after stop(), disconnects when cancelled."""
        if self._running:
            raise RuntimeError("TwitchSource.events() is already running")
        self._running = True
        self._stop_requested = self._reconnect_requested = False
        try:
            async with aiohttp.ClientSession() as session:
                first = True
                while not self._stop_requested:
                    if not first:
                        self._reconnects += 1
                    first = False
                    link = self._link = self._new_link()
                    async with aclosing(self._connection(session, link)) as stream:
                        async for event in stream:
                            yield event
                    if self._stop_requested:
                        break
                    await self._pause(self._after(link))
        finally:
            self._running = False
            self._link = None
            await self._tasks.close()
            self._state.set("stopped", "stopped by the admin" if self._stop_requested else "not running")

    def status(self) -> dict[str, Any]:
        """Connection state for the admin panel."""
        retry = self._state.retry_in()
        return {
            "source": self.name,
            "state": self._state.state,
            "detail": self._detail(retry),
            "retryInS": retry,
            "channel": twitch_irc.channel_name(self.settings().channel),
            "since": self._state.since,
            "reconnects": self._reconnects,
            "lastEventAt": self._last_event_at,
            "messages": self.messages,
            "ignoredLines": self.ignored_lines,
            "notice": self._notice,
        }

    async def stop(self) -> None:
        """Disconnect and stay disconnected (state "stopped"); events() returns. Start again by calling events()."""
        self._stop_requested = True
        self._wake.set()
        link = self._link
        if link is not None:
            link.end("stop", "stopped by the admin")  # also while connecting: it is then closed, never read
            if link.ws is not None:
                await self._close(link.ws)
        self._state.set("stopped", "stopped by the admin")

    def request_reconnect(self) -> bool:
        """Drop the current connection (or cut a wait short) and connect again now; False if not running."""
        if not self._running or self._stop_requested:
            return False
        self._reconnect_requested = True
        self._wake.set()
        link = self._link
        if link is not None:
            link.end("request", "reconnect requested")
            if link.ws is not None:
                self._tasks.spawn(self._close(link.ws), "twitch-close")
        return True

    def settings_changed(self) -> None:
        """Settings were saved: join the new channel (or server) now if it changed."""
        link = self._link
        if link is not None and (link.url, link.channel) != (self.settings().url, self._channel()):
            self.request_reconnect()

    # --- one connection -----------------------------------------------------------------------------------------

    def _channel(self) -> str:
        return twitch_irc.channel_name(self.settings().channel)

    def _new_link(self) -> Link:
        """A record for the next connection, with a fresh anonymous nick."""
        self._reconnect_requested = False
        return Link(self.settings().url, self._channel(), f"justinfan{self.rng.randrange(10_000, 100_000)}",
                    last_activity=self.clock.now())

    async def _connection(self, session: aiohttp.ClientSession, link: Link) -> AsyncGenerator[ChatEvent, None]:
        """Open, log in, read until the connection ends (its outcome recorded on `link`), close."""
        raw_channel = self.settings().channel.strip()
        if not link.channel:
            link.end("config", f"not a Twitch channel name: {raw_channel[:40]!r}" if raw_channel
                     else "no Twitch channel set (twitch.channel)")
            return
        self._state.set("connecting", f"connecting to #{link.channel}")
        try:
            async with asyncio.timeout(CONNECT_TIMEOUT_S):
                # aiohttp's defaults: no receive timeout (the keepalive watches), 10 s for a polite close
                link.ws = await session.ws_connect(link.url, autoping=True, max_msg_size=MAX_FRAME)
            # Anonymous and read-only: a justinfan nick needs no PASS. JOIN waits for the welcome (001).
            await link.ws.send_str(f"CAP REQ :{twitch_irc.CAPABILITIES}")
            await link.ws.send_str(f"NICK {link.nick}")
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - any failure to connect is reported, then retried
            link.end("failed", describe(exc) if not isinstance(exc, TimeoutError) else "connection timed out")
        if link.ws is None:
            return
        keepalive = self._tasks.spawn(self._keepalive(link, link.ws), "twitch-keepalive")
        try:
            if not link.outcome:  # stop() or a reconnect request while connecting: close at once
                async with aclosing(self._read(link, link.ws)) as stream:
                    async for event in stream:
                        yield event
        finally:
            keepalive.cancel()
            await asyncio.gather(keepalive, return_exceptions=True)
            await self._close(link.ws)

    async def _read(self, link: Link, ws: aiohttp.ClientWebSocketResponse) -> AsyncGenerator[ChatEvent, None]:
        """Yield chat messages until the socket closes or a line ends the connection."""
        while not link.outcome:
            msg = await ws.receive()
            link.last_activity = self.clock.now()
            if msg.type is WSMsgType.TEXT:
                for raw in twitch_irc.split_lines(msg.data):
                    line = twitch_irc.parse_line(raw)
                    if line is None:
                        self.ignored_lines += 1
                        continue
                    try:
                        event = await self._on_line(link, ws, line)
                    except (ConnectionError, aiohttp.ClientError) as exc:  # the PONG could not be sent
                        link.end("closed", f"connection lost: {describe(exc)}")
                    else:
                        if event is not None:
                            yield event
                    if link.outcome:
                        return
            elif msg.type is WSMsgType.BINARY:
                self.ignored_lines += 1  # Twitch sends text only
            elif msg.type is WSMsgType.ERROR:
                link.end("closed", f"connection lost: {describe(msg.data)}")
            else:  # CLOSE, CLOSING, CLOSED
                code = ws.close_code
                abnormal = code is None or code == aiohttp.WSCloseCode.ABNORMAL_CLOSURE  # no close frame: a drop
                link.end("closed", "connection lost" if abnormal else f"closed by the server (code {code})")

    async def _on_line(self, link: Link, ws: aiohttp.ClientWebSocketResponse, line: IrcLine) -> ChatEvent | None:
        """Act on one line; returns a chat message to deliver, if it is one."""
        command = line.command
        if command == "PRIVMSG":
            message = twitch_irc.map_privmsg(line, link.channel, self.clock.now())
            if message is None:
                self.ignored_lines += 1
                return None
            self.messages += 1
            self._last_event_at = message.ts
            return message
        if command == "PING":
            await ws.send_str(twitch_irc.pong_for(line))
        elif command == "RECONNECT":  # Twitch is about to restart this server
            link.end("reconnect", "Twitch asked to reconnect")
        elif command == "001":
            link.welcomed = True
            self._state.set("connecting", f"joining #{link.channel}")
            await ws.send_str(f"JOIN #{link.channel}")
        elif command == "JOIN":
            if line.nick.lower() == link.nick and line.params and line.params[0].lower() == f"#{link.channel}":
                link.joined_at = self.clock.now()
                self._notice = ""
                self._state.set("live", f"live: #{link.channel}")
        elif command == "NOTICE":
            text = twitch_irc.notice_text(line)
            if not link.welcomed:  # before the welcome, a NOTICE is Twitch refusing the login
                link.end("refused", f"Twitch refused the login: {text or 'no reason given'}")
            else:
                self._notice = text
                log.info("twitch notice for #%s: %s", link.channel, text)
        elif command == "CAP" and len(line.params) >= 2 and line.params[1].upper() == "NAK":
            self._notice = "Twitch refused the tags capability: moderators cannot be recognised"
            log.warning("twitch: %s", self._notice)
        return None

    async def _keepalive(self, link: Link, ws: aiohttp.ClientWebSocketResponse) -> None:
        """PING after stall_timeout_s of silence; close the socket if nothing at all comes back in time."""
        while True:
            limit = self.settings().stall_timeout_s
            idle = self.clock.now() - link.last_activity
            if idle < limit:
                await self.clock.sleep(limit - idle)
                continue
            sent_at = self.clock.now()
            try:
                await ws.send_str("PING :tmi.twitch.tv")
            except (ConnectionError, aiohttp.ClientError):
                pass  # the reader sees the socket die
            await self.clock.sleep(PONG_WAIT_S)
            if link.last_activity < sent_at:
                link.end("stalled", f"no answer for {limit + PONG_WAIT_S:g} s")
                await self._close(ws)
                return

    async def _close(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        """Close a socket politely; never raises."""
        try:
            await ws.close()
        except asyncio.CancelledError:
            raise
        except Exception:  # a socket that fails to close is gone anyway
            log.debug("closing the Twitch socket failed", exc_info=True)

    # --- between connections ------------------------------------------------------------------------------------

    def _after(self, link: Link) -> float:
        """Set the state after a connection ended; returns the wait before the next attempt."""
        settings = self.settings()
        if link.joined_at is not None and self.clock.now() - link.joined_at >= STABLE_S:
            self._failures = 0  # it worked for a good while: this is a fresh failure, not a streak
        outcome, reason = link.outcome, link.reason or "connection closed"
        if outcome == "request":
            self._failures = 0
            return 0.0
        if outcome == "config":
            return self._wait("error", reason, settings.reconnect_max_s)
        if outcome == "refused":
            return self._wait("error", reason, self._backoff(settings))
        if outcome == "reconnect":
            self._failures = 0  # Twitch asked: come back soon, however many times it asks
        return self._wait("reconnecting", reason, self._backoff(settings))

    def _backoff(self, settings: TwitchSettings) -> float:
        """reconnect_min_s doubled per consecutive failure, capped at reconnect_max_s, times 0.8-1.0 jitter."""
        nominal = min(settings.reconnect_max_s, settings.reconnect_min_s * 2 ** min(self._failures, 30))
        self._failures += 1
        return nominal * self.rng.uniform(1.0 - JITTER, 1.0)

    def _wait(self, state: State, note: str, delay: float) -> float:
        """Enter a waiting state with a countdown; returns the delay."""
        self._state.wait(state, note, delay)
        log.info("twitch: %s", self._detail(delay))
        return delay

    async def _pause(self, delay: float) -> None:
        """Sleep on the clock, cut short by stop() or request_reconnect()."""
        try:
            if delay > 0 and not (self._stop_requested or self._reconnect_requested):
                self._wake.clear()
                sleeper = asyncio.ensure_future(self.clock.sleep(delay))
                waker = asyncio.ensure_future(self._wake.wait())
                try:
                    await asyncio.wait({sleeper, waker}, return_when=asyncio.FIRST_COMPLETED)
                finally:
                    sleeper.cancel()
                    waker.cancel()
                    await asyncio.gather(sleeper, waker, return_exceptions=True)
        finally:
            self._state.retry_at = None

    def _detail(self, retry: float | None) -> str:
        """The link's line, with what Twitch said while live (a NOTICE)."""
        if self._state.state == "live" and self._notice:
            return f"{self._state.note} (Twitch says: {self._notice})"
        return self._state.detail(retry)
