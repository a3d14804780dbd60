"""A chat source's connection as the panel shows it (TikTok and Twitch alike): the state, since when, a note, and
the countdown to the next attempt while waiting for one."""

from __future__ import annotations

import math
from typing import Generic, TypeVar

from plugin.clock import Clock

S = TypeVar("S", bound=str)


class LinkState(Generic[S]):
    """The state of one source's link; `waiting` are the states that count down to another attempt."""

    def __init__(self, clock: Clock, initial: S, waiting: frozenset[S]) -> None:
        self.clock, self.waiting = clock, waiting
        self.state: S = initial
        self.note = "not started"
        self.since = clock.now()
        self.retry_at: float | None = None

    def set(self, state: S, note: str) -> None:
        """Record a state; `since` moves only when the state itself changes."""
        if state != self.state:
            self.since = self.clock.now()
        self.state, self.note = state, note
        if state not in self.waiting:
            self.retry_at = None

    def wait(self, state: S, note: str, delay: float) -> None:
        """Enter a waiting state that tries again in `delay` seconds."""
        self.set(state, note)
        self.retry_at = self.clock.now() + delay

    def retry_in(self) -> float | None:
        """Seconds until the next attempt, while waiting for one."""
        if self.retry_at is None or self.state not in self.waiting:
            return None
        return max(0.0, self.retry_at - self.clock.now())

    def detail(self, retry: float | None) -> str:
        """The human line: "reconnecting in 8 s (connection lost: ...)", "error: user not found; retrying in 60 s"."""
        when = f"{math.ceil(retry)} s" if retry is not None else "a moment"
        if self.state == "reconnecting":
            return f"reconnecting in {when}" + (f" ({self.note})" if self.note else "")
        if self.state == "offline":
            return f"{self.note}; checking again in {when}"
        if self.state == "error":
            return f"error: {self.note}; retrying in {when}"
        return self.note
