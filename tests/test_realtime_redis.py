"""Several server processes (or an outside emitter) reach the same overlays through a real redis-server."""

from __future__ import annotations

import asyncio
import shutil
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import socketio

from plugin.clock import ManualClock
from tests.support.harness import EventLog, make_settings, start_server, watching

API = "/api/interactive-story"
REDIS = shutil.which("redis-server")
pytestmark = pytest.mark.skipif(REDIS is None, reason="redis-server is not installed (.ci/run installs it)")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def redis_url(tmp_path: Path) -> Iterator[str]:
    """A throwaway redis-server on a free port, used once it says it is ready."""
    port = free_port()
    process = subprocess.Popen([REDIS, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                                "--dir", str(tmp_path)], stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        for line in process.stdout:  # blocks until redis prints; ends if it exits
            if "Ready to accept connections" in line:
                break
        else:
            raise RuntimeError("redis-server exited before it was ready")
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(timeout=10)


async def until_listening(outside: socketio.AsyncRedisManager, seen: EventLog) -> None:
    """A server subscribes to redis in the background once its first socket connects (and redis drops what is
    published before): probe through redis until that socket hears it."""
    async with asyncio.timeout(10):
        while True:
            await outside.emit("story:probe", {}, namespace="/overlay")
            try:
                await seen.wait_for("story:probe", timeout=0.1)
                return
            except TimeoutError:
                continue


async def test_events_from_one_process_reach_overlays_of_another(tmp_path: Path, redis_url: str) -> None:
    story = await start_server(make_settings(tmp_path / "a", **{"realtime.redis_url": redis_url}), ManualClock())
    mirror = await start_server(make_settings(tmp_path / "b", **{"realtime.redis_url": redis_url}), ManualClock())
    try:
        async with watching(mirror.url) as seen:
            outside = socketio.AsyncRedisManager(redis_url, write_only=True)
            await until_listening(outside, seen)
            await story.call("POST", f"{API}/start", {"theme": "scifi"})
            ready = await seen.wait_for("story:chapter-ready", timeout=20)
            assert ready["chapterNumber"] == 1 and ready["content"]
            await seen.wait_for("story:voting-started")

            await outside.emit("story:state", {"state": "idle", "note": "from a script"}, namespace="/overlay")
            note = await seen.wait_for("story:state", lambda s: s.get("note") == "from a script")
            assert note["state"] == "idle"
    finally:
        await mirror.stop()
        await story.stop()
