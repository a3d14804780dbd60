"""Shared fixtures: settings in a temp folder and a running server."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from tests.support.harness import Running, make_settings, start_server

StartServer = Callable[..., Awaitable[Running]]


@pytest.fixture
async def serve(tmp_path: Path) -> AsyncIterator[StartServer]:
    """Start servers with dotted setting overrides; all are stopped after the test."""
    started: list[Running] = []

    async def _start(clock: Any = None, **overrides: Any) -> Running:
        running = await start_server(make_settings(tmp_path / "data", **overrides), clock)
        started.append(running)
        return running

    yield _start
    for running in reversed(started):
        await running.stop()
