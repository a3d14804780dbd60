"""TikTok LIVE chat as a ChatSource: one TikTokLive client at a time, reconnected for as long as the source runs.

Everything upstream-specific (event fields, error classes, client set-up) lives in `tiktok_map`; this module is
the connection lifecycle: connect, watch, notice every way a connection dies, wait, try again.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import AsyncIterator, Callable
from functools import partial
from typing import Any, Literal

from plugin.chat import tiktok_conn, tiktok_map
from plugin.chat.linkstate import LinkState
from plugin.chat.tiktok_conn import Connection, RecentIds
from plugin.chat.tiktok_map import Failure
from plugin.clock import Clock
from plugin.messages import ChatEvent, StreamStatus
from plugin.settings.chat import TikTokSettings
from plugin.tasks import Tasks

log = logging.getLogger(__name__)

State = Literal["connecting", "live", "offline", "reconnecting", "error", "stopped"]
ClientFactory = Callable[[str], Any]

STABLE_S = 60.0  # a connection that stayed live this long resets the backoff
RATE_LIMIT_SPREAD_S = 1.0  # after a rate-limit reset, start within this second rather than all at once
_WAITING: frozenset[State] = frozenset({"reconnecting", "offline", "error"})
_END = object()  # queue sentinel: the connection loop has finished


class TikTokSource:
    """A ChatSource reading one streamer's TikTok LIVE, reconnecting with backoff until stopped or cancelled."""

    name = "tiktok"

    def __init__(
        self,
        settings: Callable[[], TikTokSettings],
        clock: Clock,
        client_factory: ClientFactory | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.settings = settings
        self.clock = clock
        self.rng = rng or random.Random()
        self._factory: ClientFactory = client_factory or self._default_client
        self._state: LinkState[State] = LinkState(clock, "stopped", _WAITING)
        self._reconnects = 0
        self._failures = 0  # consecutive failed connections, for the backoff
        self._last_event_at: float | None = None
        self._last_activity = clock.now()
        self._recent = RecentIds()
        self._wake = asyncio.Event()
        self._stop_requested = False
        self._reconnect_requested = False
        self._runner: asyncio.Task[None] | None = None
        self._tasks = Tasks()
        self.duplicates = 0

    def _default_client(self, unique_id: str) -> Any:
        """A real TikTokLiveClient (TikTokLive is imported here, never at module load)."""
        return tiktok_map.build_client(unique_id, self.settings())

    # --- public API ---------------------------------------------------------------------------------------------

    async def events(self) -> AsyncIterator[ChatEvent]:
        """Connect, yield mapped events, reconnect on any failure; ends after stop(), disconnects when cancelled."""
        if self._runner is not None and not self._runner.done():
            raise RuntimeError("TikTokSource.events() is already running")
        self._stop_requested = self._reconnect_requested = False
        self._wake.clear()
        queue: asyncio.Queue[Any] = asyncio.Queue()  # unbounded: handlers run inside TikTokLive and must not block
        runner = self._runner = self._tasks.spawn(self._run(queue), "tiktok-connection")
        try:
            while True:
                item = await queue.get()
                if item is _END:
                    break
                yield item
            await asyncio.wait({runner})
            if not runner.cancelled() and runner.exception() is not None:
                raise runner.exception()  # type: ignore[misc]  # a bug in the loop: let the gateway restart us
        finally:
            if not runner.done():
                runner.cancel()
            await asyncio.gather(runner, return_exceptions=True)

    def status(self) -> dict[str, Any]:
        """Connection state for the admin panel."""
        retry = self._state.retry_in()
        return {
            "source": self.name,
            "state": self._state.state,
            "detail": self._state.detail(retry),
            "retryInS": retry,
            "uniqueId": self.settings().unique_id.strip().lstrip("@"),
            "since": self._state.since,
            "reconnects": self._reconnects,
            "lastEventAt": self._last_event_at,
        }

    async def stop(self) -> None:
        """Disconnect and stay disconnected (state "stopped"); events() returns. Start again by calling events()."""
        self._stop_requested = True
        self._wake.set()
        runner = self._runner
        if runner is not None and not runner.done() and runner is not asyncio.current_task():
            await asyncio.wait({runner})
        self._state.set("stopped", "stopped by the admin")

    def request_reconnect(self) -> bool:
        """Drop the current connection (or cut a wait short) and connect again now; False if not running."""
        if self._runner is None or self._runner.done() or self._stop_requested:
            return False
        self._reconnect_requested = True
        self._wake.set()
        return True

    # --- the connection loop ------------------------------------------------------------------------------------

    async def _run(self, queue: asyncio.Queue[Any]) -> None:
        """Attempt, wait, attempt again, until stop() or cancellation."""
        try:
            self._state.set("connecting", "loading TikTokLive")
            await self._prepare()
            first = True
            while not self._stop_requested:
                if not first:
                    self._reconnects += 1
                first = False
                delay = await self._attempt(queue)
                if self._stop_requested:
                    break
                await self._pause(delay)
        finally:
            self._state.retry_at = None
            self._state.set("stopped", "stopped by the admin" if self._stop_requested else "not running")
            queue.put_nowait(_END)

    async def _prepare(self) -> None:
        """Import TikTokLive and warm its event metadata in a thread, so the event loop never stalls for seconds."""
        try:
            await asyncio.to_thread(tiktok_map.prepare)
        except Exception:  # not installed, say: the attempt reports it as an error state
            log.exception("TikTokLive could not be prepared")

    async def _attempt(self, queue: asyncio.Queue[Any]) -> float:
        """One connection from start to end; returns how long to wait before the next."""
        self._reconnect_requested = False
        settings = self.settings()
        unique_id = settings.unique_id.strip().lstrip("@")
        if not unique_id:
            return self._failed(Failure("config", "no TikTok username set (tiktok.unique_id)"), settings, "")
        self._state.set("connecting", f"connecting to @{unique_id}")
        conn = Connection(unique_id)
        try:
            try:
                conn.client = self._factory(unique_id)
                tiktok_map.listen(conn.client, partial(self._on_event, conn, queue))
                starting = asyncio.ensure_future(self._start(conn))
                try:
                    woken = await self._race(starting)
                finally:  # also when cancelled: never leave start() running unowned
                    if not starting.done():
                        starting.cancel()
                    await asyncio.gather(starting, return_exceptions=True)
                if woken and (self._stop_requested or self._reconnect_requested):  # the admin, while connecting
                    return self._requested()
                starting.result()  # raises what start() raised
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - any failure to connect is classified, then retried
                return self._failed(tiktok_map.classify_error(exc, self.clock.now()), self.settings(), unique_id)
            outcome = await self._watch(conn)
        finally:
            await self._close(conn, queue)
        return self._after(conn, outcome)

    async def _start(self, conn: Connection) -> None:
        """Start the client; the reader task is recorded the moment it exists, so every exit path can close it."""
        conn.task = await tiktok_map.start_client(conn.client)

    async def _watch(self, conn: Connection) -> str:
        """Wait until the reader task ends, the stream stalls, the LIVE ends or the admin asks; says which."""
        assert conn.task is not None
        self._last_activity = self.clock.now()
        watchdog = asyncio.ensure_future(tiktok_conn.watchdog(
            self.clock, lambda: self.settings().stall_timeout_s, lambda: self._last_activity,
        ))
        try:
            if not conn.live_ended:  # the first frame may already have ended it (its wake-up came too early)
                await self._race(conn.task, watchdog)
        finally:
            watchdog.cancel()
        if self._stop_requested:
            return "stop"
        if self._reconnect_requested:
            return "request"
        if conn.live_ended:
            return "live_end"
        if conn.task.done():
            return "ended"
        return "stalled"

    async def _close(self, conn: Connection, queue: asyncio.Queue[Any]) -> None:
        """Close the client; if it died without DisconnectEvent (an abnormal close), report the drop ourselves."""
        try:
            await tiktok_conn.close(conn, self.clock)
        finally:
            conn.closed = True
            if conn.connected_at is not None and not conn.saw_disconnect:
                reason = conn.error()
                detail = f"connection lost: {reason}" if reason else "connection dropped"
                self._deliver(queue, StreamStatus(tiktok_map.PLATFORM, "disconnected", detail, self.clock.now()))

    def _after(self, conn: Connection, outcome: str) -> float:
        """Set the state after a connection ended; returns the wait before the next attempt."""
        settings = self.settings()
        if conn.connected_at is not None and self.clock.now() - conn.connected_at >= STABLE_S:
            self._failures = 0  # it worked for a good while: this is a fresh failure, not a streak
        if outcome == "stop":
            return 0.0
        if outcome == "request":
            return self._requested()
        if outcome == "live_end":
            self._failures = 0
            return self._wait("offline", "the LIVE has ended", settings.offline_poll_s)
        if outcome == "stalled":
            return self._retry(f"no events for {settings.stall_timeout_s:g} s", settings)
        reason = conn.error()
        return self._retry(f"connection lost: {reason}" if reason else "connection closed", settings)

    def _failed(self, failure: Failure, settings: TikTokSettings, unique_id: str) -> float:
        """Set the state after a failed connection attempt; returns the wait before the next."""
        slow = max(settings.reconnect_max_s, settings.offline_poll_s)
        if failure.kind == "offline":
            self._failures = 0  # TikTok answered: nothing is wrong with the connection
            return self._wait("offline", f"@{unique_id} is offline", settings.offline_poll_s)
        if failure.kind == "not_found":
            return self._wait("error", f"user not found (@{unique_id})", slow)
        if failure.kind == "config":
            return self._wait("error", failure.detail, slow)
        if failure.kind == "rate_limit":
            now = self.clock.now()
            if failure.reset_at is not None:
                delay = max(0.0, failure.reset_at - now) + self.rng.uniform(0.0, RATE_LIMIT_SPREAD_S)
            elif failure.retry_after is not None:
                delay = failure.retry_after + self.rng.uniform(0.0, RATE_LIMIT_SPREAD_S)
            else:
                delay = self._backoff(settings)
            return self._wait("reconnecting", failure.detail, delay)
        return self._retry(failure.detail, settings)

    def _requested(self) -> float:
        """The admin asked for a reconnect: no wait, and a fresh backoff."""
        self._failures = 0
        return 0.0

    def _retry(self, note: str, settings: TikTokSettings) -> float:
        """Reconnect after the next backoff step."""
        return self._wait("reconnecting", note, self._backoff(settings))

    def _backoff(self, settings: TikTokSettings) -> float:
        """The next exponential backoff wait (one more consecutive failure)."""
        delay = tiktok_conn.backoff(settings, self._failures, self.rng)
        self._failures += 1
        return delay

    def _wait(self, state: State, note: str, delay: float) -> float:
        """Enter a waiting state with a countdown; returns the delay."""
        self._state.wait(state, note, delay)
        log.info("tiktok: %s", self._state.detail(delay))
        return delay

    async def _pause(self, delay: float) -> None:
        """Sleep on the clock, cut short by stop() or request_reconnect()."""
        try:
            if delay > 0:
                sleeper = asyncio.ensure_future(self.clock.sleep(delay))
                try:
                    await self._race(sleeper)
                finally:
                    sleeper.cancel()
        finally:
            self._state.retry_at = None

    async def _race(self, *jobs: asyncio.Future[Any]) -> bool:
        """Wait for any of `jobs` or a wake-up (stop, reconnect request, LIVE end); True if woken first."""
        if self._stop_requested or self._reconnect_requested:
            return True
        self._wake.clear()
        waker = asyncio.ensure_future(self._wake.wait())
        try:
            done, _ = await asyncio.wait({waker, *jobs}, return_when=asyncio.FIRST_COMPLETED)
            return waker in done
        finally:
            waker.cancel()

    # --- events from the client ---------------------------------------------------------------------------------

    def _on_event(self, conn: Connection, queue: asyncio.Queue[Any], name: str, event: Any) -> None:
        """Map one TikTokLive event and queue it (runs inside the client's emit; must never raise)."""
        if conn.closed:
            return
        now = self.clock.now()
        self._last_activity = self._last_event_at = now
        mapper = tiktok_map.MAPPERS.get(name)
        if mapper is None:
            return  # the activity event: it only feeds the watchdog
        try:
            mapped = mapper(event, now)
        except Exception:  # an upstream shape change must cost one event, not the connection
            log.exception("could not map TikTok %s", name)
            return
        if mapped is None:
            return
        if isinstance(mapped, StreamStatus):
            if mapped.status == "connected":
                conn.connected_at = now
                self._state.set("live", f"live: @{conn.unique_id}")
            elif mapped.status == "disconnected":
                conn.saw_disconnect = True
            elif mapped.status == "live_ended":
                conn.live_ended = True
                self._wake.set()
        self._deliver(queue, mapped)

    def _deliver(self, queue: asyncio.Queue[Any], event: ChatEvent) -> None:
        """Queue an event unless its message id was delivered recently (a replay after reconnecting)."""
        msg_id = event.msg_id
        if msg_id is not None and self._recent.seen(msg_id):
            self.duplicates += 1
            return
        queue.put_nowait(event)
