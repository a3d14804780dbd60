"""A round's timer on an injectable clock: waits for its end, an extension, or a forced close."""

from __future__ import annotations

import asyncio
from typing import Literal

from plugin.clock import Clock
from plugin.tasks import first_of

CloseReason = Literal["timer", "forced", "decided"]


class RoundTimer:
    """Waits until `ends_at` (epoch seconds) on `clock`; `extend` moves the end, `force` ends now."""

    def __init__(self, clock: Clock, ends_at: float) -> None:
        self.clock = clock
        self.ends_at = ends_at
        self._forced = asyncio.Event()
        self._changed = asyncio.Event()
        self.forced_choice: int | None = None
        self.decided = False  # closed early: one choice leads by voting.early_end_margin
        self.paused_remaining: float | None = None  # set while the clock is stopped (the LIVE ended)

    @property
    def ends_at_ms(self) -> int:
        """The end as epoch milliseconds, as sent to overlays."""
        return int(self.ends_at * 1000)

    def remaining(self) -> float:
        """Seconds left (never negative); frozen while paused."""
        if self.paused_remaining is not None:
            return self.paused_remaining
        return max(0.0, self.ends_at - self.clock.now())

    def pause(self) -> None:
        """Stop the countdown where it is."""
        if self.paused_remaining is None:
            self.paused_remaining = self.remaining()
            self._changed.set()

    def resume(self) -> None:
        """Restart the countdown with the time that was left."""
        if self.paused_remaining is not None:
            self.ends_at = self.clock.now() + self.paused_remaining
            self.paused_remaining = None
            self._changed.set()

    def extend_to(self, ends_at: float) -> None:
        """Move the end (later or earlier) and wake the waiter to re-check."""
        self.ends_at = ends_at
        self._changed.set()

    def force(self, choice: int | None = None) -> None:
        """End now; an admin may also dictate the winning choice."""
        self.forced_choice = choice
        self.decided = False
        self._forced.set()

    def decide(self) -> None:
        """End now because the vote is decided (a clear lead), unless it is already ending."""
        if not self._forced.is_set():
            self.decided = True
            self._forced.set()

    @property
    def is_forced(self) -> bool:
        """True once `force` was called."""
        return self._forced.is_set()

    async def wait(self) -> CloseReason:
        """Return when time is up or the round is forced closed."""
        while True:
            if self._forced.is_set():
                return "decided" if self.decided else "forced"
            remaining = self.ends_at - self.clock.now()
            if remaining <= 0 and self.paused_remaining is None:
                return "timer"
            self._changed.clear()
            running = [] if self.paused_remaining is not None else [self.clock.sleep(remaining)]
            await first_of(self._forced.wait(), self._changed.wait(), *running)
