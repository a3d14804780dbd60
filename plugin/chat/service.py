"""Runs the configured chat source into the gateway, and switches sources when settings change."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from plugin.chat.base import ChatSource
from plugin.chat.gateway import ChatGateway
from plugin.config import Settings
from plugin.events import CHAT_STATUS
from plugin.services.configuration import ConfigService

log = logging.getLogger(__name__)
SourceFactory = Callable[[Settings], ChatSource]


class ChatService:
    """Owns the one running chat-source task; `chat.source` changes apply at once."""

    def __init__(
        self,
        gateway: ChatGateway,
        config: ConfigService,
        factories: dict[str, SourceFactory],
        announce: Callable[[str, dict[str, Any]], Awaitable[None]] | None = None,
    ) -> None:
        self.gateway = gateway
        self.config = config
        self.factories = factories
        self.announce = announce
        self.source: ChatSource | None = None
        self._task: asyncio.Task[None] | None = None
        self._watcher: asyncio.Task[None] | None = None
        self._name = "none"
        config.on_change(self._settings_changed)

    def start(self) -> None:
        """Start the source the settings name, and the watcher that reports its connection state."""
        self._switch(self.config.settings)
        if self.announce is not None:
            self._watcher = asyncio.create_task(self._watch(), name="chat-status")

    async def stop(self) -> None:
        """Stop the running source."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

    async def close(self) -> None:
        """Stop the source and the watcher (shutdown)."""
        if self._watcher is not None:
            self._watcher.cancel()
            await asyncio.gather(self._watcher, return_exceptions=True)
        await self.stop()

    async def _watch(self) -> None:
        """Tell admin panels whenever the connection state changes (checked every second)."""
        last: tuple[Any, ...] = ()
        while True:
            status = self.status()
            key = (status.get("source"), status.get("state"), status.get("detail"), status.get("running"))
            if key != last and self.announce is not None:
                last = key
                try:
                    await self.announce(CHAT_STATUS, status)
                except Exception:
                    log.exception("could not announce the chat status")
            await asyncio.sleep(1.0)

    def status(self) -> dict[str, Any]:
        """Which source runs and its own state, plus the gateway's counters."""
        own = self.source.status() if self.source is not None else {"state": "off"}
        running = self._task is not None and not self._task.done()
        if self.source is not None and not running:
            own = {**own, "state": "stopped", "detail": "disconnected by the admin"}
        return {**own, "source": self._name, "running": running, **self.gateway.stats()}

    def connect(self) -> dict[str, Any]:
        """(Re)start the configured source now (the admin's connect button)."""
        self._switch(self.config.settings)
        return self.status()

    async def disconnect(self) -> dict[str, Any]:
        """Stop the source until connect (or a settings change) starts it again."""
        await self.stop()
        if self.source is not None and hasattr(self.source, "stop"):
            await self.source.stop()
        return self.status()

    def _settings_changed(self, settings: Settings) -> None:
        """Switch sources when chat.source changes."""
        if settings.chat.source != self._name:
            self._switch(settings)

    def _switch(self, settings: Settings) -> None:
        """Cancel the running source (if any) and start the named one."""
        if self._task is not None:
            self._task.cancel()
        self._name = settings.chat.source
        factory = self.factories.get(self._name)
        self.source = factory(settings) if factory else None
        self._task = None
        if self.source is not None:
            log.info("chat source: %s", self._name)
            self._task = asyncio.create_task(self.gateway.pump(self.source), name=f"chat-{self._name}")
