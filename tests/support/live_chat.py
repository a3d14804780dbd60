"""Real TikTok LIVE chat into a running test server: a TikTokSource on the offline factory, pumped into the app's
gateway the way the chat service does, with frames pushed down its websocket."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from plugin import keys
from plugin.chat.tiktok import TikTokSource
from plugin.clock import ManualClock
from plugin.settings.chat import TikTokSettings
from tests.support import tiktok_frames as tf
from tests.support.harness import Running

TIKTOK = TikTokSettings(unique_id="story_host", sign_api_key="", session_id="", reconnect_min_s=2.0,
                        reconnect_max_s=60.0, offline_poll_s=30.0, stall_timeout_s=45.0, moderators=())


class LiveChat:
    """Sends comments as TikTok frames; each gets a fresh message id."""

    def __init__(self, factory: tf.OfflineTikTok) -> None:
        self.factory = factory
        self._ids = itertools.count(10_000)

    def say(self, *comments: tuple[int, str, str, str]) -> None:
        """Push one frame with comments (viewer id, nickname, @handle, text)."""
        self.factory.socket.push(tf.push_frame(
            [tf.chat(next(self._ids), uid, nickname, handle, text) for uid, nickname, handle, text in comments]))


@asynccontextmanager
async def tiktok_chat(server: Running, clock: ManualClock) -> AsyncIterator[LiveChat]:
    """A live TikTok connection feeding the server's gateway while the block runs."""
    factory = tf.OfflineTikTok()
    source = TikTokSource(lambda: TIKTOK, clock, factory)
    pump = asyncio.create_task(server.app[keys.GATEWAY].pump(source))
    try:
        async with asyncio.timeout(10):
            while source.status()["state"] != "live":
                await asyncio.sleep(0.01)
        yield LiveChat(factory)
    finally:
        pump.cancel()
        await asyncio.gather(pump, return_exceptions=True)
