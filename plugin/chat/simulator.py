"""A simulated audience for rehearsals: viewers who vote (with an optional bias) and chat."""

from __future__ import annotations

import itertools
import random
from collections.abc import AsyncIterator, Callable
from typing import Any

from plugin.clock import Clock
from plugin.messages import ChatMessage
from plugin.settings.chat import SimulatorSettings
from plugin.store.votes import SIMULATOR

_CHATTER = (
    "this is so good", "omg", "hi from Brazil!", "what happens next??", "lol", "the villain is sus",
    "I knew it", "no way", "first time here", "can't wait", "go go go", "plot twist incoming",
)
_SPELLINGS = ("!{l}", "{l}", "!{u}", "{u}", "{n}", "!{n}", "{l}!", " !{l} ")
_NAMES = ("Nova", "Pixel", "Luna", "Echo", "Mochi", "Blaze", "Kiwi", "Orbit", "Sage", "Tango", "Ziggy", "Remy")


class SimulatedAudience:
    """A ChatSource with Poisson-timed messages from a fixed crowd of viewers, on a platform of their own: their
    votes decide rehearsal rounds but stay out of all-time top voters."""

    name = "simulator"  # the chat.source that runs it

    def __init__(
        self, settings: Callable[[], SimulatorSettings], num_choices: Callable[[], int], clock: Clock,
        seed: int | None = None,
    ) -> None:
        self.settings = settings
        self.num_choices = num_choices
        self.clock = clock
        self.rng = random.Random(seed)
        self.sent = 0
        self._ids = itertools.count(1)

    def status(self) -> dict[str, Any]:
        """State for the admin panel."""
        s = self.settings()
        return {"source": self.name, "state": "live", "viewers": s.viewers, "ratePerS": s.votes_per_s,
                "sent": self.sent}

    def _choice(self, count: int, bias: int) -> int:
        """A choice index, three times likelier for the favoured one."""
        weights = [3 if i == bias else 1 for i in range(count)]
        return self.rng.choices(range(count), weights)[0]

    def message(self) -> ChatMessage:
        """One simulated chat line."""
        s = self.settings()
        viewer = self.rng.randrange(s.viewers)
        count = self.num_choices()
        if count and self.rng.random() >= s.chatter:
            index = self._choice(count, s.bias)
            letter = chr(ord("a") + index)
            text = self.rng.choice(_SPELLINGS).format(l=letter, u=letter.upper(), n=index + 1)
        else:
            text = self.rng.choice(_CHATTER)
        nickname = f"{_NAMES[viewer % len(_NAMES)]}{viewer}"
        self.sent += 1
        return ChatMessage(SIMULATOR, f"sim-{viewer}", nickname, text, f"sim-{next(self._ids)}", self.clock.now())

    async def events(self) -> AsyncIterator[ChatMessage]:
        """Yield messages at the configured rate (re-read every message, so changes apply at once)."""
        while True:
            rate = self.settings().votes_per_s
            if rate <= 0:
                await self.clock.sleep(1.0)
                continue
            await self.clock.sleep(self.rng.expovariate(rate))
            yield self.message()
