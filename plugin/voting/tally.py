"""Per-round ballots: one per viewer (a later ballot replaces the earlier), weighted counts, the winner."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Literal

ViewerKey = tuple[str, str]  # (platform, user id)


@dataclass(frozen=True, slots=True)
class Outcome:
    """Who won a round and why."""

    index: int
    reason: Literal["votes", "tie", "no_votes", "admin", "decided-early"]


class Tally:
    """Counts for one open round; `cast` is the hot path and stays allocation-light."""

    __slots__ = ("num_choices", "ballots", "votes", "weights")

    def __init__(self, num_choices: int) -> None:
        self.num_choices = num_choices
        # Each ballot is packed into one int, weight << 3 | choice: no tuple to build or compare per vote.
        self.ballots: dict[ViewerKey, int] = {}
        self.votes = [0] * num_choices  # ballots per choice
        self.weights = [0] * num_choices  # weighted totals (what the bars show)

    def cast(self, viewer: ViewerKey, choice: int, weight: int = 1) -> bool:
        """Record a viewer's ballot; returns False if it changes nothing."""
        packed = weight << 3 | choice
        previous = self.ballots.get(viewer)
        if previous is not None:
            if previous == packed:
                return False
            self.votes[previous & 7] -= 1
            self.weights[previous & 7] -= previous >> 3
        self.ballots[viewer] = packed
        self.votes[choice] += 1
        self.weights[choice] += weight
        return True

    def choice_of(self, viewer: ViewerKey) -> tuple[int, int] | None:
        """The viewer's current (choice, weight), if they voted."""
        packed = self.ballots.get(viewer)
        return None if packed is None else (packed & 7, packed >> 3)

    @property
    def total(self) -> int:
        """Weighted total of all ballots."""
        return sum(self.weights)

    @property
    def voters(self) -> int:
        """Number of viewers who voted."""
        return len(self.ballots)


def clear_lead(weights: list[int], voters: int, margin: float, min_voters: int) -> bool:
    """voting.early_end_margin: at least `min_voters` viewers voted and the leader's (weighted) votes exceed the
    runner-up's by at least `margin` of all votes cast: (first - second) / total >= margin. Never on a tie."""
    if margin <= 0 or voters < min_voters or len(weights) < 2:
        return False
    first, second = sorted(weights, reverse=True)[:2]
    total = sum(weights)
    return total > 0 and first > second and first - second >= margin * total - 1e-9


def pick_winner(
    weights: list[int],
    tie_break: Literal["random", "first"],
    no_votes: Literal["random", "first"],
    rng: random.Random,
) -> Outcome:
    """Most (weighted) votes wins; ties and empty rounds follow the settings."""
    best = max(weights) if weights else 0
    if best <= 0:
        index = rng.randrange(len(weights)) if no_votes == "random" else 0
        return Outcome(index, "no_votes")
    leaders = [i for i, w in enumerate(weights) if w == best]
    if len(leaders) == 1:
        return Outcome(leaders[0], "votes")
    return Outcome(rng.choice(leaders) if tie_break == "random" else leaders[0], "tie")


def round_rng(session_id: int, chapter_number: int, seed: int) -> random.Random:
    """The seeded random source for one round's tie-break: reproducible, different per chapter."""
    return random.Random(f"{seed}:{session_id}:{chapter_number}")
