"""A model's health as the writer learns it: resting after repeated failures, and how it takes structure."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Literal

from plugin.writers.model import LADDER, OutputMode

log = logging.getLogger(__name__)
JsonMode = Literal["auto", "on", "off"]


class CircuitBreaker:
    """Stops hammering a failing model: after N failures in a row it rests for a while, then gets one try."""

    def __init__(self, limits: Callable[[], tuple[int, float]], now: Callable[[], float] = time.monotonic) -> None:
        self.limits = limits
        self.now = now
        self._failures: dict[str, int] = {}
        self._resting_until: dict[str, float] = {}

    def allows(self, model: str) -> bool:
        """False while the model rests."""
        return self.now() >= self._resting_until.get(model, 0.0)

    def failed(self, model: str) -> None:
        """Count a failure; the Nth in a row opens the breaker."""
        threshold, cooldown = self.limits()
        self._failures[model] = self._failures.get(model, 0) + 1
        if self._failures[model] >= threshold:
            self._resting_until[model] = self.now() + cooldown
            self._failures[model] = threshold - 1  # after the rest, one more failure reopens it
            log.warning("model %s failed %d times in a row; resting for %g s", model, threshold, cooldown)

    def succeeded(self, model: str) -> None:
        """A success closes the breaker."""
        self._failures.pop(model, None)
        self._resting_until.pop(model, None)

    def resting(self) -> list[str]:
        """Models resting now."""
        return [m for m in self._resting_until if not self.allows(m)]


class OutputLadder:
    """Per model (base URL and name): the best way to ask for structure that it has not refused yet.

    It starts at what the provider declares and steps down one rung at each refusal (remembered until
    restart); `llm.json_mode: off` means plain text, `on` never steps down to plain text."""

    def __init__(self) -> None:
        self._refused: dict[tuple[str, str], OutputMode] = {}  # the lowest rung refused so far

    def mode(self, key: tuple[str, str], declared: OutputMode, setting: JsonMode) -> OutputMode:
        """How to ask this model for structure now."""
        if setting == "off":
            return "text"
        start = LADDER.index(declared)
        refused = self._refused.get(key)
        rung = max(start, LADDER.index(refused) + 1) if refused is not None else start
        if setting == "on":
            rung = min(rung, LADDER.index("json_object"))
        return LADDER[min(rung, len(LADDER) - 1)]

    def refused(self, key: tuple[str, str], mode: OutputMode, setting: JsonMode) -> OutputMode | None:
        """The model refused `mode`: the next rung to try, or None if there is none left."""
        self._refused[key] = mode
        log.info("%s refused %s output; asking the next way down", key[1], mode)
        nxt = self.mode(key, mode, setting)
        return None if nxt == mode else nxt

    def learnt(self) -> dict[str, OutputMode]:
        """What was learnt, for status: model -> the rung in use."""
        return {name: LADDER[min(LADDER.index(mode) + 1, len(LADDER) - 1)]
                for (_, name), mode in self._refused.items()}
