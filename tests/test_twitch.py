"""Twitch chat next to TikTok: the IRC dialect, the source against a local IRC-over-WebSocket server, and one vote
counted from both audiences (a real TikTokLive CommentEvent through the TikTok source, a PRIVMSG through Twitch)."""

from __future__ import annotations

import asyncio
import random
import re
import sqlite3
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp import WSMsgType

from plugin import keys
from plugin.chat.commands import ModeratorCommands
from plugin.chat.tiktok import TikTokSource
from plugin.chat.twitch import PONG_WAIT_S, TwitchSource
from plugin.chat.twitch_irc import (
    IrcLine,
    ModeratorCommandsWithTwitch,
    TwitchMessage,
    channel_name,
    map_privmsg,
    parse_line,
    split_lines,
    unescape_tag,
)
from plugin.clock import ManualClock
from plugin.errors import SettingsError
from plugin.messages import ChatMessage
from plugin.settings.chat import TikTokSettings, TwitchSettings
from plugin.settings.schema import load_settings
from tests.conftest import StartServer
from tests.support import tiktok_frames as tf
from tests.support.harness import Running as RunningServer
from tests.support.harness import watching
from tests.support.irc_server import IrcServer
from tests.support.source_reader import WAIT_S, SourceReader

API = "/api/interactive-story"
CHANNEL = "story_host"


def twitch_settings(url: str, **changes: Any) -> TwitchSettings:
    values: dict[str, Any] = {"channel": CHANNEL, "url": url, "reconnect_min_s": 2.0, "reconnect_max_s": 60.0,
                              "stall_timeout_s": 60.0, **changes}
    return TwitchSettings(**values)


class Reading(SourceReader):
    """A TwitchSource whose events() is consumed by a task, as the gateway does."""

    def __init__(self, source: TwitchSource, clock: ManualClock) -> None:
        super().__init__(source, clock)
        self.source: TwitchSource = source

    async def live(self) -> None:
        """Wait until the channel is joined."""
        await self.until(lambda: self.state == "live")

    async def waiting(self, state: str = "reconnecting") -> float:
        """Wait until the source sleeps on the clock in `state`; returns the seconds until its next try."""
        await self.until(lambda: self.state == state and self.clock.sleepers > 0)
        return float(self.source.status()["retryInS"])

    async def messages(self, count: int, timeout: float = WAIT_S) -> list[ChatMessage]:
        """Wait until `count` chat messages have arrived; returns them all."""
        return await self.collect(ChatMessage, count, timeout)


@pytest.fixture
async def irc() -> AsyncIterator[IrcServer]:
    server = IrcServer()
    await server.start()
    yield server
    await server.close()


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
async def read(irc: IrcServer, clock: ManualClock) -> AsyncIterator[Callable[..., Reading]]:
    """Start sources reading the local server; every one is cancelled afterwards."""
    started: list[Reading] = []

    def _read(**changes: Any) -> Reading:
        settings = twitch_settings(irc.url, **changes)
        reading = Reading(TwitchSource(lambda: settings, clock, random.Random(7)), clock)
        started.append(reading)
        return reading

    yield _read
    for reading in started:
        await reading.close()


# --- the dialect ---------------------------------------------------------------------------------------------------


def test_tag_values_are_unescaped() -> None:
    assert unescape_tag(r"a\sb\:c\\d\re\nf") == "a b;c\\d\re\nf"
    assert unescape_tag(r"plain") == "plain"
    assert unescape_tag("\\x\\") == "x"  # an unknown escape keeps its character; a trailing backslash goes
    assert unescape_tag(r"\\s") == "\\s"  # an escaped backslash, then a plain s


def test_lines_parse_and_anything_else_is_none() -> None:
    line = parse_line(r"@badges=moderator/1,subscriber/12;display-name=Kiwi\sPie;user-id=55;id=abc "
                      ":kiwi!kiwi@kiwi.tmi.twitch.tv PRIVMSG #story_host :!b  and :more")
    assert line == IrcLine({"badges": "moderator/1,subscriber/12", "display-name": "Kiwi Pie", "user-id": "55",
                            "id": "abc"}, "kiwi!kiwi@kiwi.tmi.twitch.tv", "PRIVMSG", ("#story_host", "!b  and :more"))
    assert line.nick == "kiwi"
    assert parse_line("PING :tmi.twitch.tv") == IrcLine({}, "", "PING", ("tmi.twitch.tv",))
    assert parse_line(":tmi.twitch.tv 001 justinfan1 :Welcome, GLHF!") == IrcLine(
        {}, "tmi.twitch.tv", "001", ("justinfan1", "Welcome, GLHF!"))
    assert split_lines("PING :a\r\nPING :b\nPING :c\r\r\n") == ["PING :a", "PING :b", "PING :c"]
    for garbage in ("", "@", "@a=b", ":", ":prefix-only", "@a=b :p", "!!!", " PING", "12 x", "1234", "PRIV-MSG x",
                    "x" * 20_000, "\x00\x01", "🙂 🙂"):
        assert parse_line(garbage) is None, garbage
    rng = random.Random(16)
    alphabet = "@:; =\\#!abcPRIVMSG01 \x00\u202e🙂"
    for _ in range(3000):  # whatever arrives, parsing never raises
        parse_line("".join(rng.choice(alphabet) for _ in range(rng.randrange(40))))


def test_a_privmsg_maps_to_a_cleaned_twitch_message() -> None:
    hostile = IrcLine({"display-name": "Evil\u202eName\x00\r\n:x\ud800" + "y" * 500, "user-id": "42\x07",
                       "id": "m-1", "badges": "broadcaster/1"}, "evil!evil@evil.tmi.twitch.tv", "PRIVMSG",
                      ("#story_host", "\u200b!b\x00\ud83d\x1b[31m\u2066"))
    message = map_privmsg(hostile, CHANNEL, 5.0)
    assert message == TwitchMessage("twitch", "42", ("EvilName :x" + "y" * 500)[:64], "!b[31m", "twitch:m-1", 5.0,
                                    moderator=True)
    action = IrcLine({}, "nova!nova@nova.tmi.twitch.tv", "PRIVMSG", ("#story_host", "\x01ACTION !a\x01"))
    assert map_privmsg(action, CHANNEL, 1.0) == TwitchMessage("twitch", "@nova", "nova", "!a", None, 1.0)
    assert map_privmsg(IrcLine({}, "x!x@x", "PRIVMSG", ("#elsewhere", "!a")), CHANNEL, 1.0) is None
    assert map_privmsg(IrcLine({}, "tmi.twitch.tv", "PRIVMSG", ("#story_host", "!a")), CHANNEL, 1.0) is None
    assert map_privmsg(IrcLine({"user-id": "1"}, "x!x@x", "PRIVMSG", ("#story_host", "\x00\u200b")), CHANNEL,
                       1.0) is None
    assert [channel_name(v) for v in ("#Story_Host", "@story_host", "https://www.twitch.tv/story_host/", "a b",
                                      "x\r\nJOIN #y", "")] == ["story_host", "story_host", "story_host", "", "", ""]


def test_twitch_moderators_are_trusted_by_badge_never_by_name() -> None:
    tiktok = TikTokSettings(unique_id="TheStreamer", sign_api_key="", session_id="", reconnect_min_s=2.0,
                            reconnect_max_s=60.0, offline_poll_s=30.0, stall_timeout_s=60.0, moderators=("helper",))
    commands = ModeratorCommandsWithTwitch(None, lambda: tiktok)  # no story: only asked who may command it
    assert commands.is_moderator(TwitchMessage("twitch", "1", "Mod", "!skip", None, 0.0, moderator=True))
    assert not commands.is_moderator(TwitchMessage("twitch", "2", "thestreamer", "!skip", None, 0.0))
    # a relay posting platform "twitch" with a TikTok moderator's @name is not a Twitch moderator
    assert not commands.is_moderator(ChatMessage("twitch", "3", "helper", "!skip", None, 0.0, handle="helper"))
    assert commands.is_moderator(ChatMessage("tiktok", "4", "Helper", "!skip", None, 0.0, handle="helper"))
    assert isinstance(commands, ModeratorCommands)


def test_chat_sources_and_the_older_chat_source_say_the_same_thing(tmp_path: Path) -> None:
    both = load_settings(env={}, flags={"chat.sources": ["tiktok", "twitch", "tiktok"]})
    assert both.chat.sources == ("tiktok", "twitch") and both.chat.source == "tiktok"
    assert both.chat.active() == ("tiktok", "twitch")
    mine = tmp_path / "mine.yaml"
    mine.write_text("chat:\n  sources: [twitch, simulator]\n", encoding="utf-8")
    one = load_settings(mine, env={}, flags={"chat.source": "tiktok"})  # a later layer picks one source
    assert one.chat.sources == () and one.chat.active() == ("tiktok",)
    assert load_settings(env={}, flags={"chat.source": "none"}).chat.active() == ()
    assert load_settings(env={}).chat.active() == ("simulator",)  # the default: rehearse with the simulator
    mine.write_text("chat:\n  sources:\n    - tiktok\n    - youtube\n", encoding="utf-8")
    with pytest.raises(SettingsError) as caught:
        load_settings(mine, env={})
    assert "mine.yaml:2: chat.sources: expected a list of 'simulator', 'tiktok', 'twitch', got 'youtube'" \
        in caught.value.message


# --- the source against a local Twitch chat server -------------------------------------------------------------


async def test_an_anonymous_login_requests_tags_joins_and_reads_chat(
    irc: IrcServer, read: Callable[..., Reading], clock: ManualClock,
) -> None:
    run = read(channel="#Story_Host")
    client = await irc.joined()
    assert client.lines[0] == "CAP REQ :twitch.tv/tags twitch.tv/commands"
    assert re.fullmatch(r"NICK justinfan\d+", client.lines[1])
    assert client.lines[2] == "JOIN #story_host"  # after the welcome
    assert not any(line.startswith("PASS") for line in client.lines)  # anonymous: no password at all
    await run.live()
    msg_id = await client.privmsg("!b", login="nova", user_id="501", display_name="Nova ✨", badges="subscriber/3")
    [message] = await run.messages(1)
    assert message == TwitchMessage("twitch", "501", "Nova ✨", "!b", f"twitch:{msg_id}", clock.now())
    status = run.source.status()
    assert (status["state"], status["channel"], status["messages"], status["detail"]) == (
        "live", CHANNEL, 1, "live: #story_host")


async def test_a_ping_is_answered_with_a_pong(irc: IrcServer, read: Callable[..., Reading]) -> None:
    run = read()
    client = await irc.joined()
    await run.live()
    await client.ping("tmi.twitch.tv")
    await client.wait_pong("tmi.twitch.tv")
    await client.ping("token-2")
    await client.wait_pong("token-2")
    assert client.pongs == ["tmi.twitch.tv", "token-2"]


async def test_a_dropped_connection_comes_back_after_a_growing_backoff(
    irc: IrcServer, read: Callable[..., Reading], clock: ManualClock,
) -> None:
    run = read()
    first = await irc.joined()
    await run.live()
    await first.drop()
    retry = await run.waiting()
    assert 1.6 <= retry <= 2.0  # reconnect_min_s, less up to 20 % jitter
    assert "reconnecting in 2 s (connection" in run.source.status()["detail"]
    clock.advance(retry)
    second = await irc.joined(2)
    await run.live()
    await second.privmsg("!a", user_id="7")
    assert [m.user_id for m in await run.messages(1)] == ["7"]
    await second.drop()
    retry = await run.waiting()
    assert 3.2 <= retry <= 4.0  # the second failure in a row waits twice as long
    clock.advance(retry)
    await irc.joined(3)
    await run.live()
    assert run.source.status()["reconnects"] == 2


async def test_reconnect_from_twitch_is_obeyed_soon_every_time(
    irc: IrcServer, read: Callable[..., Reading], clock: ManualClock,
) -> None:
    run = read()
    for count in (1, 2, 3):
        client = await irc.joined(count)
        await run.live()
        await client.reconnect()
        await irc.until(lambda c=client: c.closed)  # we hung up ourselves
        retry = await run.waiting()
        assert retry <= 2.0  # never escalates: Twitch asked
        assert "Twitch asked to reconnect" in run.source.status()["detail"]
        clock.advance(retry)
    await irc.joined(4)
    await run.live()
    assert run.source.status()["reconnects"] == 3


async def test_garbage_is_ignored_and_an_unreadable_frame_costs_one_connection(
    irc: IrcServer, read: Callable[..., Reading], clock: ManualClock,
) -> None:
    run = read()
    client = await irc.joined()
    await run.live()
    await client.send("@", "@tags-only", ":", ":tmi.twitch.tv", "!!!", "1234 x", "\x00\x01\x02", "🙂🙂🙂",
                      "x" * 30_000, "PRIVMSG", "PRIVMSG #story_host", ":tmi.twitch.tv PRIVMSG #story_host :no nick",
                      ":a!a@a PRIVMSG #elsewhere :!a", "@user-id=9 :b!b@b PRIVMSG #story_host :\x00\u200b",
                      ":tmi.twitch.tv USERNOTICE #story_host :a sub", ":tmi.twitch.tv CLEARCHAT #story_host :x",
                      ":tmi.twitch.tv 421 justinfan1 WHAT :Unknown command", ":tmi.twitch.tv NOTICE #story_host :hi")
    await client.send_frame(b"\x00\x01binary", WSMsgType.BINARY)
    await client.send("@badges=;;;=;== :c!c@c PRIVMSG #story_host :!c")
    [message] = await run.messages(1)
    assert (message.user_id, message.text) == ("@c", "!c")
    status = run.source.status()
    assert status["state"] == "live" and status["ignoredLines"] == 15
    assert status["detail"] == "live: #story_host (Twitch says: hi)"
    assert len(irc.clients) == 1  # all of that on the first connection
    await client.send_frame(b"\xed\xa0\x80 a lone surrogate is not UTF-8")  # the socket itself refuses this one
    clock.advance(await run.waiting())
    second = await irc.joined(2)
    await run.live()
    await second.privmsg("!a")
    assert len(await run.messages(2)) == 2


async def test_hostile_names_and_text_arrive_cleaned(irc: IrcServer, read: Callable[..., Reading]) -> None:
    run = read()
    client = await irc.joined()
    await run.live()
    await client.privmsg("\u202e!b\x00\x07\u200b", login="evil", user_id="66;6 6",
                         display_name="Ev\u202eil\x00\r\nPRIVMSG #story_host :fake\\" + "z" * 300)
    await client.privmsg("\x01ACTION \u2066!a\u2069\x01", login="me_user", user_id="67", display_name="")
    first, second = await run.messages(2)
    assert (first.user_id, first.nickname, first.text) == (
        "66;6 6", ("Evil PRIVMSG #story_host :fake\\" + "z" * 300)[:64], "!b")
    assert (second.user_id, second.nickname, second.text) == ("67", "me_user", "!a")
    for message in (first, second):
        assert message.handle == ""  # never matched against TikTok moderators' names


async def test_a_silent_connection_is_pinged_and_replaced_when_nothing_answers(
    irc: IrcServer, read: Callable[..., Reading], clock: ManualClock,
) -> None:
    run = read(stall_timeout_s=30.0)
    client = await irc.joined()
    await run.live()
    await clock.wait_for_sleeper()  # the keepalive
    clock.advance(30)
    await irc.until(lambda: "PING :tmi.twitch.tv" in client.lines)  # answered by the server
    await client.privmsg("!a")  # after the PONG on the wire: once it is read, so was the PONG
    await run.messages(1)
    clock.advance(PONG_WAIT_S)
    await run.until(lambda: clock.sleepers > 0)
    assert run.state == "live" and len(irc.clients) == 1
    irc.answer_pings = False
    clock.advance(30)
    await irc.until(lambda: client.lines.count("PING :tmi.twitch.tv") == 2)
    await run.until(lambda: clock.sleepers > 0)
    clock.advance(PONG_WAIT_S)
    retry = await run.waiting()
    assert "no answer for 40 s" in run.source.status()["detail"]
    clock.advance(retry)
    await irc.joined(2)


async def test_a_refused_login_and_a_bad_channel_are_errors_that_retry(
    irc: IrcServer, read: Callable[..., Reading], clock: ManualClock,
) -> None:
    irc.refuse_login = True
    run = read()
    retry = await run.waiting("error")
    assert run.source.status()["detail"].startswith(
        "error: Twitch refused the login: Login authentication failed; retrying in")
    irc.refuse_login = False
    clock.advance(retry)
    await irc.joined()
    await run.live()
    await run.close()
    bad = read(channel="x\r\nJOIN #elsewhere")
    assert await bad.waiting("error") == 60.0
    assert bad.source.status()["detail"] == "error: not a Twitch channel name: 'x\\r\\nJOIN #elsewhere'; " \
                                            "retrying in 60 s"
    assert len(irc.clients) == 2  # no connection for a bad name


async def test_a_new_channel_is_joined_at_once_and_stop_disconnects(irc: IrcServer, clock: ManualClock) -> None:
    settings = {"value": twitch_settings(irc.url)}
    source = TwitchSource(lambda: settings["value"], clock, random.Random(3))
    run = Reading(source, clock)
    try:
        first = await irc.joined()
        await run.live()
        settings["value"] = twitch_settings(irc.url, channel="other_show")
        source.settings_changed()
        second = await irc.joined(2)
        assert second.channels == ["#other_show"]
        await irc.until(lambda: first.closed)
        await run.live()
        await source.stop()
        await asyncio.wait_for(run.task, WAIT_S)  # events() returned
        assert run.state == "stopped" and source.status()["detail"] == "stopped by the admin"
        assert source.request_reconnect() is False
        await irc.until(lambda: second.closed)
    finally:
        await run.close()


# --- in the server: one vote, both audiences; Twitch moderators -------------------------------------------------


async def chat_status(server: RunningServer) -> dict[str, Any]:
    status, body = await server.call("GET", f"{API}/chat/status")
    assert status == 200, body
    return dict(body)


async def both_live(server: RunningServer, names: tuple[str, ...]) -> dict[str, Any]:
    """Wait (bounded) until every named source is live; returns the chat status."""
    async with asyncio.timeout(WAIT_S * 2):
        while True:
            status = await chat_status(server)
            if all(status["sources"].get(n, {}).get("state") == "live" for n in names):
                return status
            await asyncio.sleep(0.01)


async def test_a_twitch_vote_and_a_tiktok_vote_count_in_one_round(
    irc: IrcServer, serve: StartServer, tmp_path: Path,
) -> None:
    server = await serve(None, **{"twitch.channel": CHANNEL, "twitch.url": irc.url, "tiktok.unique_id": "story_host",
                                  "twitch.stall_timeout_s": 3600, "tiktok.stall_timeout_s": 3600})
    config, chat = server.app[keys.CONFIG], server.app[keys.CHAT]
    tiktok = tf.OfflineTikTok()  # real TikTokLive clients whose network is local (tests/support/tiktok_frames.py)
    chat.factories["tiktok"] = lambda _: TikTokSource(lambda: config.settings.tiktok, server.clock, tiktok)
    await server.call("POST", f"{API}/config", {"chat": {"sources": ["tiktok"]}})
    await both_live(server, ("tiktok",))
    tiktok_source = chat.sources["tiktok"]
    status, body = await server.call("POST", f"{API}/config", {"chat.sources": ["tiktok", "twitch"]})
    assert body["config"]["chat"] == {"source": "tiktok", "sources": ["tiktok", "twitch"]}
    twitch = await irc.joined()
    await both_live(server, ("tiktok", "twitch"))
    assert chat.sources["tiktok"] is tiktok_source and tiktok.attempts == 1  # adding Twitch left TikTok connected
    async with watching(server.url) as seen:
        await server.call("POST", f"{API}/start", {"theme": "mystery"})
        await seen.wait_for("story:voting-started")
        # The same numeric id on both platforms: two viewers, two ballots.
        event = tf.comment_event(9001, 77, "Tik Viewer", "tik_viewer", "!b")
        tiktok.client.emit(event.get_type(), event)
        await twitch.privmsg("!b", login="twitch_viewer", user_id="77", display_name="Twitch Viewer")
        update = await seen.wait_for("story:vote-update", lambda u: sum(u["counts"]) == 2)
        assert update["counts"] == [0, 2, 0]
    status_now = await chat_status(server)
    assert status_now["platforms"] == {"tiktok": {"messages": 1, "votes": 1}, "twitch": {"messages": 1, "votes": 1}}
    assert list(status_now["sources"]) == ["tiktok", "twitch"]
    assert status_now["source"] == "tiktok" and status_now["state"] == "live" and status_now["running"] is True
    assert status_now["sources"]["twitch"]["channel"] == CHANNEL
    assert status_now["sources"]["twitch"]["running"] is True and status_now["votes"] == 2
    await server.stop()
    db = sqlite3.connect(tmp_path / "data" / "story.db")
    ballots = sorted(db.execute("SELECT platform, user_id, nickname, choice_index FROM story_ballots"))
    assert ballots == [("tiktok", "77", "Tik Viewer", 1), ("twitch", "77", "Twitch Viewer", 1)]


async def test_a_twitch_moderators_commands_run_and_a_viewers_do_not(irc: IrcServer, serve: StartServer) -> None:
    server = await serve(None, **{"chat.sources": ["twitch"], "twitch.channel": CHANNEL, "twitch.url": irc.url,
                                  "twitch.stall_timeout_s": 3600, "tiktok.unique_id": "TheStreamer",
                                  "tiktok.moderators": ["helper_mod"], "voting.duration_s": 60})
    client = await irc.joined()
    await both_live(server, ("twitch",))
    async with watching(server.url) as seen:
        await server.call("POST", f"{API}/start", {"theme": "mystery"})
        vote = await seen.wait_for("story:voting-started")
        # In order on one connection: had any of the first three run, it would act before the broadcaster's.
        await client.privmsg("!skip", login="rando", user_id="11")
        await client.privmsg("!extend 300", login="thestreamer", user_id="12", badges="subscriber/1")  # TikTok's name
        await client.privmsg("!endvote", login="helper_mod", user_id="13", badges="vip/1")  # a TikTok moderator's
        await client.privmsg("!extend 30", login="story_host", user_id="14", badges="broadcaster/1")
        extended = await seen.wait_for("story:voting-started", lambda v: v["extended"])
        assert extended["endsAt"] == vote["endsAt"] + 30_000
        assert not seen.named("story:voting-ended")
        await client.privmsg("!skip", login="a_mod", user_id="15", badges="moderator/1,subscriber/6")
        await seen.wait_for("story:voting-ended")
        assert len([v for v in seen.named("story:voting-started") if v["extended"]]) == 1
