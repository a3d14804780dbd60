"""Shared fixtures: settings in a temp folder and a running server."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Browser, async_playwright

from tests.support.browser import launch
from tests.support.harness import Running, make_settings, start_server
from tests.support.llm_env import env  # noqa: F401  (the fixture, for test_llm and test_faults)

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


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    """Headless Debian Chromium for overlay and admin tests."""
    async with async_playwright() as playwright:
        chromium = await launch(playwright)
        yield chromium
        await chromium.close()
