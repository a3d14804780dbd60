"""Moderator chat commands: !endvote, !extend 30, !skip (from the streamer, listed moderators or rehearsal)."""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from typing import Protocol

from plugin.errors import StoryError
from plugin.messages import ChatMessage
from plugin.settings.chat import TikTokSettings
from plugin.tasks import Tasks

log = logging.getLogger(__name__)
_COMMAND = re.compile(r"^[!！]\s*(endvote|extend|skip)\b(?:\s+(\d{1,4}))?\s*$", re.I)
MAX_EXTEND_S = 600
DEFAULT_EXTEND_S = 30


class StoryControls(Protocol):
    """What moderators may do to the story."""

    async def force_vote_end(self) -> bool:
        """Close the open vote now."""
        ...

    async def extend_vote(self, seconds: float) -> bool:
        """Give the open vote more time."""
        ...

    async def skip(self) -> bool:
        """Move on now."""
        ...


class ModeratorCommands:
    """Recognises commands from trusted people and runs them (as owned background tasks)."""

    def __init__(self, story: StoryControls, tiktok: Callable[[], TikTokSettings]) -> None:
        self.story = story
        self.tiktok = tiktok
        self._tasks = Tasks()

    def is_moderator(self, message: ChatMessage) -> bool:
        """The streamer, a listed moderator, or the admin's own rehearsal box."""
        if message.platform == "rehearsal":
            return True
        handle = message.handle.lower().lstrip("@")
        settings = self.tiktok()
        trusted = {settings.unique_id.lower().lstrip("@"), *(m.lower().lstrip("@") for m in settings.moderators)}
        return bool(handle) and handle in trusted - {""}

    def handle(self, message: ChatMessage) -> bool:
        """Run the command in a message if it is one and its sender may; True if it was run."""
        match = _COMMAND.match(message.text.strip())
        if match is None or not self.is_moderator(message):
            return False
        name, argument = match.group(1).lower(), match.group(2)
        action: Awaitable[bool]
        if name == "endvote":
            action = self.story.force_vote_end()
        elif name == "extend":
            action = self.story.extend_vote(min(MAX_EXTEND_S, int(argument or DEFAULT_EXTEND_S)))
        else:
            action = self.story.skip()
        log.info("moderator %s: %s", message.handle or message.nickname, message.text.strip())
        self._tasks.spawn(self._run(action, message.text), f"command-{name}")
        return True

    async def close(self) -> None:
        """Stop commands still running (shutdown)."""
        await self._tasks.close()

    async def _run(self, action: Awaitable[bool], text: str) -> None:
        """Await a command; a refused one (no vote open, say) is logged, never raised."""
        try:
            await action
        except StoryError as exc:
            log.info("command %r not applied: %s", text, exc.message)
