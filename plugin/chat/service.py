"""Runs the configured chat sources into the gateway (several at once), and switches them when settings change."""

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
    """Owns the running chat-source tasks: `chat.sources` (or the one `chat.source`); changes apply at once."""

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
        self.sources: dict[str, ChatSource] = {}  # by name, in the order the settings list them
        self._running: dict[str, asyncio.Task[None]] = {}
        self._tasks = Tasks()
        self._names: tuple[str, ...] = ()
        config.on_change(self._settings_changed)

    @property
    def source(self) -> ChatSource | None:
        """The first running source (the one `chat.source` names)."""
        return next(iter(self.sources.values()), None)

    def start(self) -> None:
        """Start the sources the settings name, and the watcher that reports their connection state."""
        self._switch(self.config.settings)
        if self.announce is not None:
            self._tasks.spawn(self._watch(), "chat-status")

    async def stop(self) -> None:
        """Stop the running sources."""
        tasks, self._running = list(self._running.values()), {}
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def close(self) -> None:
        """Stop the sources and the watcher (shutdown)."""
        await self._tasks.close()
        self._running = {}

    async def _watch(self) -> None:
        """Tell admin panels whenever a connection state changes (checked every second)."""
        last: tuple[Any, ...] = ()
        while True:
            status = self.status()
            key = tuple((name, s.get("state"), s.get("detail"), s.get("running"))
                        for name, s in status["sources"].items()) or (status.get("state"),)
            if key != last and self.announce is not None:
                last = key
                try:
                    await self.announce(ChatStatus(status))
                except Exception:
                    log.exception("could not announce the chat status")
            await asyncio.sleep(1.0)

    def status(self) -> dict[str, Any]:
        """The first source's own state at the top level (as with one source), every source's state under
        `sources`, messages and votes per platform under `platforms`, plus the gateway's counters."""
        sources: dict[str, dict[str, Any]] = {}
        for name, source in self.sources.items():
            own = source.status()
            task = self._running.get(name)
            running = task is not None and not task.done()
            if not running:
                own = {**own, "state": "stopped", "detail": "disconnected by the admin"}
            sources[name] = {**own, "source": name, "running": running}
        first = next(iter(sources.values()), {"state": "off", "source": "none", "running": False})
        return {**first, "running": any(s["running"] for s in sources.values()), "sources": sources,
                "platforms": self.gateway.platforms(), **self.gateway.stats()}

    def connect(self) -> dict[str, Any]:
        """(Re)start the configured sources now (the admin's connect button)."""
        self._switch(self.config.settings)
        return self.status()

    async def disconnect(self) -> dict[str, Any]:
        """Stop the sources until connect (or a settings change) starts them again."""
        await self.stop()
        for source in self.sources.values():
            if hasattr(source, "stop"):
                await source.stop()
        return self.status()

    def _settings_changed(self, settings: Settings) -> None:
        """Start and stop sources when chat.sources (or chat.source) changes; the others keep running."""
        names = settings.chat.active()
        if names != self._names:
            self._apply(names, settings)
        for source in self.sources.values():
            changed = getattr(source, "settings_changed", None)
            if changed is not None:
                changed()

    def _switch(self, settings: Settings) -> None:
        """Cancel every running source and start the configured ones afresh."""
        for task in self._running.values():
            task.cancel()
        self._running = {}
        self.sources = {}
        self._apply(settings.chat.active(), settings)

    def _apply(self, names: tuple[str, ...], settings: Settings) -> None:
        """Stop the sources no longer named, start the newly named ones, keep the rest as they are."""
        for name in [n for n in self.sources if n not in names]:
            task = self._running.pop(name, None)
            if task is not None:
                task.cancel()
            del self.sources[name]
        for name in names:
            factory = self.factories.get(name)
            if name in self.sources or factory is None:
                continue
            source = self.sources[name] = factory(settings)
            log.info("chat source: %s", name)
            self._running[name] = self._tasks.spawn(self.gateway.pump(source), f"chat-{name}")
        self.sources = {name: self.sources[name] for name in names if name in self.sources}
        self._names = names
