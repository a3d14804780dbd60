"""Runs the configured chat source into the gateway, and switches sources when settings change."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

from plugin.chat.gateway import ChatGateway
from plugin.events import ChatStatus, Emit
from plugin.messages import ChatSource
from plugin.settings.live import ConfigService
from plugin.settings.schema import Settings
from plugin.tasks import Tasks

log = logging.getLogger(__name__)
SourceFactory = Callable[[Settings], ChatSource]


class ChatService:
    """Owns the one running chat-source task; `chat.source` changes apply at once."""

    def __init__(
        self,
        gateway: ChatGateway,
        config: ConfigService,
        factories: dict[str, SourceFactory],
        announce: Emit | None = None,
    ) -> None:
        self.gateway = gateway
        self.config = config
        self.factories = factories
        self.announce = announce
        self.source: ChatSource | None = None
        self._task: asyncio.Task[None] | None = None
        self._tasks = Tasks()
        self._name = "none"
        config.on_change(self._settings_changed)

    def start(self) -> None:
        """Start the source the settings name, and the watcher that reports its connection state."""
        self._switch(self.config.settings)
        if self.announce is not None:
            self._tasks.spawn(self._watch(), "chat-status")

    async def stop(self) -> None:
        """Stop the running source."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

    async def close(self) -> None:
        """Stop the source and the watcher (shutdown)."""
        await self._tasks.close()
        self._task = None

    async def _watch(self) -> None:
        """Tell admin panels whenever the connection state changes (checked every second)."""
        last: tuple[Any, ...] = ()
        while True:
            status = self.status()
            key = (status.get("source"), status.get("state"), status.get("detail"), status.get("running"))
            if key != last and self.announce is not None:
                last = key
                try:
                    await self.announce(ChatStatus(status))
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
            self._task = self._tasks.spawn(self.gateway.pump(self.source), f"chat-{self._name}")
