"""The TikTok LIVE source against real TikTokLive 7.0.1 clients and events, offline, on a manual clock."""

from __future__ import annotations

import asyncio
import dataclasses
import random
import subprocess
import sys
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from TikTokLive.client.errors import (
    AuthenticatedWebSocketConnectionError,
    SignatureRateLimitError,
    UserNotFoundError,
    UserOfflineError,
    WebcastBlockedError,
)
from TikTokLive.events import CommentEvent, RoomPinEvent
from TikTokLive.proto import WebcastChatMessage, WebcastRoomPinMessage
from websockets.exceptions import ConnectionClosedError
from websockets.frames import Close

from plugin.chat import tiktok_map
from plugin.chat.tiktok import TikTokSource
from plugin.chat.tiktok_conn import DEDUPE_SIZE, JITTER, RecentIds
from plugin.clock import ManualClock
from plugin.messages import (
    ChatMessage,
    Gift,
    Like,
    StreamStatus,
    ViewerAction,
)
from plugin.settings.chat import TikTokSettings
from tests.support import tiktok_frames as tf
from tests.support.source_reader import SourceReader

ROOT = Path(__file__).resolve().parent.parent
SETTINGS = TikTokSettings(
    unique_id="story_host", sign_api_key="", session_id="", reconnect_min_s=2.0, reconnect_max_s=60.0,
    offline_poll_s=30.0, stall_timeout_s=45.0, moderators=(),
)


class Running(SourceReader):
    """A TikTokSource whose events() is being consumed by a task, like the gateway does."""

    def __init__(self, source: TikTokSource, factory: tf.OfflineTikTok, clock: ManualClock) -> None:
        super().__init__(source, clock)
        self.source: TikTokSource = source
        self.factory = factory

    async def waiting(self, state: str, attempts: int | None = None) -> None:
        """Wait until the source sits in `state` (optionally after `attempts` clients) sleeping on the clock."""
        await self.until(
            lambda: self.state == state and self.clock.sleepers > 0
            and (attempts is None or self.factory.attempts == attempts),
        )

    async def live(self, attempts: int | None = None) -> None:
        """Wait until connected (optionally: on the `attempts`-th client)."""
        await self.until(lambda: self.state == "live" and (attempts is None or self.factory.attempts == attempts))

    async def settled(self) -> None:
        """Let pending callbacks run (the client's emit -> our queue -> the consumer) without moving time."""
        for _ in range(20):
            await asyncio.sleep(0)

    def advance(self, seconds: float) -> None:
        """Move the manual clock."""
        self.clock.advance(seconds)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def factory() -> tf.OfflineTikTok:
    return tf.OfflineTikTok()


@pytest.fixture
async def start(clock: ManualClock, factory: tf.OfflineTikTok) -> AsyncIterator[Callable[..., Running]]:
    """Start a source on the offline factory; every started source is cancelled afterwards."""
    started: list[Running] = []

    def _start(settings: TikTokSettings = SETTINGS, seed: int = 7) -> Running:
        source = TikTokSource(lambda: settings, clock, factory, random.Random(seed))
        running = Running(source, factory, clock)
        started.append(running)
        return running

    yield _start
    for running in started:
        await running.close()


def _chat(msg_id: int, text: str = "!a", uid: int = 11) -> Any:
    """A chat proto message from viewer `uid`."""
    return tf.chat(msg_id, uid, f"Viewer {uid}", f"viewer{uid}", text)


# --- mapping -------------------------------------------------------------------------------------------------------


async def test_real_events_emitted_by_a_real_client_are_mapped(
    start: Callable[..., Running], clock: ManualClock,
) -> None:
    run = start()
    await run.live()
    client = run.factory.client
    for event in (
        tf.comment_event(101, 11, "Nova ✨", "nova_11", "!a"),
        tf.gift_event(102, 12, "", "pixel12", **tf.UNIVERSE),
        tf.like_event(103, 13, "Echo", "echo13", 15),
        tf.join_event(104, 14, "Kiwi", "kiwi14"),
        tf.follow_event(105, 15, "Sage", "sage15"),
        tf.share_event(106, 16, "Tango", "tango16"),
    ):
        client.emit(event.get_type(), event)
    await run.collect(object, 7)  # the connection's status and the six events (waited for, not a fixed count of turns)
    await run.settled()  # and nothing more
    now = clock.now()
    assert run.events[1:] == [
        ChatMessage("tiktok", "11", "Nova ✨", "!a", "101", now, handle="nova_11"),
        Gift("tiktok", "12", "pixel12", "Universe", 34_999, 1, "102", now),  # no nickname: the @handle stands in
        Like("tiktok", "13", "Echo", 15, "103", now),
        ViewerAction("tiktok", "14", "Kiwi", "join", "104", now),
        ViewerAction("tiktok", "15", "Sage", "follow", "105", now),
        ViewerAction("tiktok", "16", "Tango", "share", "106", now),
    ]
    assert run.events[0] == StreamStatus("tiktok", "connected", f"@story_host room {tf.ROOM_ID}", now)


async def test_recorded_frames_are_parsed_through_the_websocket_loop(start: Callable[..., Running]) -> None:
    run = start()
    run.factory.plan(tf.Plan(initial=[_chat(1, "hello")]))  # history in the sign server's first response
    await run.live()
    socket = run.factory.socket
    socket.push(tf.push_frame([
        _chat(2, "!b", uid=12),
        tf.gift(3, 13, "Mochi", "mochi13", **tf.UNIVERSE),
        tf.like(4, 14, "Luna", "luna14", 7),
        tf.member(5, 15, "Orbit", "orbit15"),
        tf.social(6, 16, "Blaze", "blaze16", "follow"),
        tf.social(7, 17, "Remy", "remy17", "share"),
    ]))
    socket.push(tf.push_frame([_chat(8, "!c", uid=18)], compress=False))
    messages = await run.collect(ChatMessage, 3)
    assert [(m.msg_id, m.user_id, m.text) for m in messages] == [
        ("1", "11", "hello"), ("2", "12", "!b"), ("8", "18", "!c"),
    ]
    assert (await run.collect(Gift, 1))[0].gift_name == "Universe"
    assert (await run.collect(Like, 1))[0].count == 7
    actions = await run.collect(ViewerAction, 3)
    assert [(a.action, a.user_id) for a in actions] == [("join", "15"), ("follow", "16"), ("share", "17")]
    # TikTokLive's own websocket client ran: it entered the room, acknowledged frames and sent heartbeats.
    assert socket.sent_types()[0] == "im_enter_room"
    assert "ack" in socket.sent_types()


async def test_a_streak_counts_once_with_its_length_and_plain_gifts_count_at_once(
    start: Callable[..., Running],
) -> None:
    run = start()
    await run.live()
    streak = [tf.gift(200 + n, 21, "Nova", "nova21", **tf.ROSE, repeat_count=n, repeat_end=0) for n in range(1, 6)]
    run.factory.socket.push(tf.push_frame([*streak, tf.gift(206, 21, "Nova", "nova21", **tf.ROSE, repeat_count=5)]))
    run.factory.socket.push(tf.push_frame([tf.gift(207, 22, "Kiwi", "kiwi22", **tf.UNIVERSE)]))
    await run.collect(Gift, 2)
    await run.settled()  # nothing more arrives: the five mid-streak messages were not counted
    gifts = [e for e in run.events if isinstance(e, Gift)]
    assert [(g.user_id, g.gift_name, g.count, g.total_diamonds, g.msg_id) for g in gifts] == [
        ("21", "Rose", 5, 5, "206"),
        ("22", "Universe", 1, 34_999, "207"),
    ]


def test_mapping_reads_content_not_the_legacy_alias_and_skips_empty_ids() -> None:
    event = tf.comment_event(0, 31, "", "only_handle", "!b")
    message = tiktok_map.map_comment(event, 5.0)
    assert message == ChatMessage("tiktok", "31", "only_handle", "!b", None, 5.0, handle="only_handle")
    assert tiktok_map.map_like(tf.like_event(9, 31, "x", "x", 0), 5.0) is None


# --- replays -------------------------------------------------------------------------------------------------------


async def test_a_replay_after_reconnecting_adds_nothing(start: Callable[..., Running]) -> None:
    run = start()
    run.factory.plan(tf.Plan(initial=[_chat(1), _chat(2, uid=12)]))
    await run.live(attempts=1)
    run.factory.socket.push(tf.push_frame([_chat(3, uid=13)]))
    await run.collect(ChatMessage, 3)
    # TikTok re-sends recent comments with the first response of every new connection.
    run.factory.plan(tf.Plan(initial=[_chat(2, uid=12), _chat(3, uid=13), _chat(4, uid=14)]))
    assert run.source.request_reconnect()
    await run.live(attempts=2)
    run.factory.socket.push(tf.push_frame([_chat(3, uid=13), _chat(5, uid=15)]))
    await run.collect(ChatMessage, 5)
    await run.settled()
    ids = [e.msg_id for e in run.events if isinstance(e, ChatMessage)]
    assert ids == ["1", "2", "3", "4", "5"]
    assert run.source.duplicates == 3
    assert run.source.status()["reconnects"] == 1


def test_recent_ids_are_bounded() -> None:
    recent = RecentIds(size=3)
    assert [recent.seen(i) for i in ("a", "b", "c", "a")] == [False, False, False, True]
    recent.seen("d")  # forgets "a"
    assert len(recent) == 3 and not recent.seen("a")
    assert DEDUPE_SIZE == 5_000


# --- connection failures -------------------------------------------------------------------------------------------


async def test_an_abnormal_close_is_noticed_and_reconnects_with_growing_jittered_backoff(
    start: Callable[..., Running],
) -> None:
    run = start()
    await run.live(attempts=1)
    run.factory.socket.push(tf.push_frame([_chat(1)]))
    run.factory.socket.fail(ConnectionClosedError(None, Close(1011, "keepalive ping timeout")))
    await run.waiting("reconnecting")
    # TikTokLive emitted no DisconnectEvent (the reader task died); we noticed the task and said so ourselves.
    assert run.factory.disconnect_events == 0
    statuses = await run.collect(StreamStatus, 2)
    assert statuses[1].status == "disconnected" and "ConnectionClosedError" in statuses[1].detail
    status = run.source.status()
    assert status["detail"].startswith("reconnecting in 2 s") and "ConnectionClosedError" in status["detail"]

    # The next three attempts fail before connecting; the fourth works.
    blocked = WebcastBlockedError("WebSocket rejected by TikTok")
    run.factory.plan(*(tf.Plan(blocked, route="sign") for _ in range(3)))
    waits: list[float] = []
    for attempt, nominal in ((2, 2.0), (3, 4.0), (4, 8.0), (5, 16.0)):
        retry = run.source.status()["retryInS"]
        assert nominal * (1 - JITTER) <= retry <= nominal
        waits.append(retry)
        run.advance(retry - 0.01)
        await run.settled()
        assert run.factory.attempts == attempt - 1  # not before its time
        run.advance(0.02)
        if attempt < 5:
            await run.waiting("reconnecting", attempts=attempt)
    await run.live(attempts=5)
    assert waits == sorted(waits) and len(set(waits)) == 4
    assert any(abs(w - n) > 1e-6 for w, n in zip(waits, (2.0, 4.0, 8.0, 16.0), strict=True))  # jitter applied
    assert run.source.status()["reconnects"] == 4


async def test_a_connection_that_stayed_live_resets_the_backoff(start: Callable[..., Running]) -> None:
    run = start(dataclasses.replace(SETTINGS, stall_timeout_s=600))
    blocked = WebcastBlockedError("WebSocket rejected by TikTok")
    run.factory.plan(tf.Plan(blocked, route="sign"), tf.Plan(blocked, route="sign"))
    for attempt in (1, 2):
        await run.waiting("reconnecting", attempts=attempt)
        run.advance(run.source.status()["retryInS"] + 0.01)
    await run.live(attempts=3)
    run.advance(61)  # live for over a minute
    run.factory.socket.fail(ConnectionClosedError(None, None))
    await run.waiting("reconnecting", attempts=3)
    assert run.source.status()["retryInS"] <= SETTINGS.reconnect_min_s  # back to the first step, not 8 s


async def test_a_rate_limit_waits_until_the_reset_time(start: Callable[..., Running], clock: ManualClock) -> None:
    reset = int(clock.now()) + 90
    # 7.0.1 reads retry_after from RateLimit-Remaining; the reset time is what counts, so make them disagree.
    response = httpx.Response(429, headers={"RateLimit-Remaining": "5", "RateLimit-Reset": str(reset)})
    limited = SignatureRateLimitError(None, "Too many connections started, try again in %s seconds.", response=response)
    assert limited.reset_time == reset and limited.retry_after == 5
    run = start()
    run.factory.plan(tf.Plan(limited, route="sign"))
    await run.waiting("reconnecting")
    assert 90 <= run.source.status()["retryInS"] <= 91
    assert "rate limit" in run.source.status()["detail"]
    run.advance(89.9)
    await run.settled()
    assert run.factory.attempts == 1 and clock.now() < reset
    run.advance(1.2)
    await run.live(attempts=2)


async def test_an_offline_streamer_is_polled_every_offline_poll_s(start: Callable[..., Running]) -> None:
    run = start()
    run.factory.plan(tf.Plan(UserOfflineError()), tf.Plan(UserOfflineError()))
    await run.waiting("offline")
    status = run.source.status()
    assert status["retryInS"] == SETTINGS.offline_poll_s
    assert status["detail"] == "@story_host is offline; checking again in 30 s"
    for attempt in (2, 3):
        run.advance(SETTINGS.offline_poll_s - 0.1)
        await run.settled()
        assert run.factory.attempts == attempt - 1
        run.advance(0.2)
        if attempt == 2:
            await run.waiting("offline", attempts=2)
    await run.live(attempts=3)


async def test_an_unknown_user_is_an_error_retried_slowly(start: Callable[..., Running]) -> None:
    run = start()
    run.factory.plan(tf.Plan(UserNotFoundError("story_host", "no such user")))
    await run.waiting("error")
    status = run.source.status()
    assert status["detail"].startswith("error: user not found")
    assert status["retryInS"] == max(SETTINGS.reconnect_max_s, SETTINGS.offline_poll_s)


async def test_no_username_is_an_error_not_a_crash(start: Callable[..., Running]) -> None:
    run = start(dataclasses.replace(SETTINGS, unique_id=" "))
    await run.until(lambda: run.state == "error")
    assert "no TikTok username" in run.source.status()["detail"]
    assert run.factory.attempts == 0


async def test_the_watchdog_reconnects_a_silent_connection(start: Callable[..., Running], clock: ManualClock) -> None:
    run = start()
    await run.live(attempts=1)
    run.advance(10)
    run.factory.socket.push(tf.push_frame([_chat(1)]))  # activity re-arms the watchdog
    await run.collect(ChatMessage, 1)
    run.advance(40)  # 50 s since connecting, 40 s since the last event: still fine
    await clock.wait_for_sleeper()
    assert run.state == "live"
    run.advance(5.1)
    await run.waiting("reconnecting")
    assert "no events for 45 s" in run.source.status()["detail"]
    assert run.factory.disconnect_events == 1  # we closed it politely
    run.advance(run.source.status()["retryInS"] + 0.01)
    await run.live(attempts=2)


async def test_live_end_reports_and_polls_slowly(start: Callable[..., Running]) -> None:
    run = start()
    await run.live(attempts=1)
    run.factory.plan(tf.Plan(UserOfflineError()))
    run.factory.socket.push(tf.push_frame([tf.live_end(50)]))
    await run.waiting("offline")
    statuses = [e.status for e in await run.collect(StreamStatus, 3)]
    assert statuses == ["connected", "live_ended", "disconnected"]
    assert run.source.status()["detail"] == "the LIVE has ended; checking again in 30 s"
    run.advance(29)
    await run.settled()
    assert run.factory.attempts == 1
    run.advance(1.1)
    await run.waiting("offline", attempts=2)


# --- admin controls and shutdown -----------------------------------------------------------------------------------


async def test_stop_disconnects_and_stays_stopped(start: Callable[..., Running]) -> None:
    run = start()
    await run.live()
    await run.source.stop()
    await asyncio.wait_for(run.task, 3)  # events() returned: the gateway's pump ends
    assert run.state == "stopped" and run.source.status()["detail"] == "stopped by the admin"
    assert not run.factory.socket.open and run.factory.disconnect_events == 1
    assert run.source.request_reconnect() is False
    assert run.factory.attempts == 1


async def test_cancelling_events_disconnects_the_client(start: Callable[..., Running]) -> None:
    run = start()
    await run.live()
    await run.close()
    assert not run.factory.socket.open
    assert run.state == "stopped"


async def test_request_reconnect_cuts_a_wait_short(start: Callable[..., Running]) -> None:
    run = start()
    run.factory.plan(tf.Plan(UserOfflineError()))
    await run.waiting("offline")
    assert run.source.request_reconnect()
    await run.live(attempts=2)


# --- the unique_id pitfall -----------------------------------------------------------------------------------------


@pytest.fixture
def fresh_metadata() -> Any:
    """A function that forgets betterproto2's cached metadata of the chat classes, as in a new process."""
    classes = (CommentEvent, WebcastChatMessage, RoomPinEvent, WebcastRoomPinMessage)

    def forget() -> None:
        for cls in classes:
            if "_betterproto_meta" in vars(cls):
                delattr(cls, "_betterproto_meta")

    yield forget
    forget()
    tiktok_map.warm_up()  # leave the process healthy for the other tests


async def _first_comment_after_a_pin(factory: tf.OfflineTikTok, forget: Callable[[], None], run: Running | None) -> Any:
    """Connect with a pinned comment in the first response, then a comment frame; the CommentEvent TikTokLive made."""
    pinned = _chat(60, "pinned rules: vote !a !b !c", uid=99)
    frame = tf.push_frame([tf.chat(61, 42, "Nova", "nova42", "!a")])  # serialized now, before forgetting
    factory.plan(tf.Plan(initial=[tf.pin(62, pinned)]))
    forget()
    if run is None:
        client = factory("story_host")
        task = await client.start()
    else:
        await run.live()
    factory.socket.push(frame)
    async with asyncio.timeout(3):
        while not factory.seen:
            await asyncio.sleep(0.001)
    if run is None:
        await client.disconnect()
        await asyncio.gather(task, return_exceptions=True)
        await client.web.close()
    return factory.seen[0]


async def test_without_warm_up_a_pin_first_strips_unique_id(factory: tf.OfflineTikTok, fresh_metadata: Any) -> None:
    """The upstream bug, reproduced in 7.0.1 (if this starts failing after an upgrade, it was fixed upstream)."""
    comment = await _first_comment_after_a_pin(factory, fresh_metadata, run=None)
    assert type(comment.user).__name__ == "User"  # the parent's metadata decoded it: not ExtendedUser
    assert not hasattr(comment.user, "unique_id")
    # Our mapping reads only id / nickname / display_id, so even then it is right.
    assert tiktok_map.map_comment(comment, 1.0) == ChatMessage("tiktok", "42", "Nova", "!a", "61", 1.0, handle="nova42")


async def test_warm_up_keeps_unique_id_after_a_pin(
    start: Callable[..., Running], factory: tf.OfflineTikTok, fresh_metadata: Any,
) -> None:
    run = start()
    comment = await _first_comment_after_a_pin(factory, fresh_metadata, run=run)
    assert type(comment.user).__name__ == "ExtendedUser" and comment.user.unique_id == "nova42"
    messages = await run.collect(ChatMessage, 1)
    assert messages[-1] == ChatMessage("tiktok", "42", "Nova", "!a", "61", run.clock.now(), handle="nova42")


def test_warm_up_repairs_metadata_inherited_too_early(fresh_metadata: Any) -> None:
    fresh_metadata()
    bytes(_chat(70))  # builds WebcastChatMessage's metadata: CommentEvent would now inherit it
    assert "CommentEvent" in tiktok_map.warm_up()
    assert CommentEvent().parse(bytes(_chat(71))).user.unique_id == "viewer11"


# --- set-up ----------------------------------------------------------------------------------------------------------


def test_importing_the_source_does_not_import_tiktoklive() -> None:
    code = "import sys, plugin.chat.tiktok; assert 'TikTokLive' not in sys.modules, 'TikTokLive imported'; print('ok')"
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=30)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr


async def test_the_default_client_applies_the_sign_key_and_session() -> None:
    settings = dataclasses.replace(SETTINGS, sign_api_key="euler-key", session_id="sess-123")
    client = tiktok_map.build_client("story_host", settings)
    try:
        assert client.unique_id == "story_host"
        assert client.web.signer.sign_api_key == "euler-key"
        assert client.web.cookies.get("sessionid") == "sess-123"
        assert client.web.cookies.get("tt-target-idc")  # kept: the sign route refuses a session without it
    finally:
        await client.web.close()
    plain = tiktok_map.build_client("story_host", SETTINGS)
    try:
        assert plain.web.signer.sign_api_key is None and not plain.web.cookies.get("sessionid")
    finally:
        await plain.web.close()


def test_errors_are_classified(clock: ManualClock) -> None:
    now = clock.now()
    assert tiktok_map.classify_error(UserOfflineError(), now).kind == "offline"
    assert tiktok_map.classify_error(UserNotFoundError("x", "gone"), now).kind == "not_found"
    assert tiktok_map.classify_error(ImportError("no TikTokLive"), now).kind == "config"
    assert tiktok_map.classify_error(WebcastBlockedError("blocked"), now) == tiktok_map.Failure(
        "transient", "WebcastBlockedError: blocked",
    )
    assert tiktok_map.classify_error(AuthenticatedWebSocketConnectionError("blocked"), now).kind == "config"
    delta = httpx.Response(429, headers={"RateLimit-Remaining": "30", "RateLimit-Reset": "30"})
    limited = tiktok_map.classify_error(SignatureRateLimitError(None, "again in %s s", response=delta), now)
    assert limited.kind == "rate_limit" and limited.reset_at == now + 30  # a small reset value is a delay
