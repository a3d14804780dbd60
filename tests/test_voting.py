"""Voting: the chat parser, the per-round tally, winners, and the round timer on a manual clock."""

from __future__ import annotations

import asyncio
import random

import pytest

from plugin.clock import ManualClock
from plugin.voting.parse import parse_vote
from plugin.voting.round import RoundTimer
from plugin.voting.tally import Tally, pick_winner, round_rng


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("!a", 0), ("!A", 0), ("a", 0), ("A", 0), ("1", 0), ("!1", 0), ("!b", 1), ("B", 1), ("2", 1),
        ("!c", 2), ("3", 2), ("  !c  ", 2), ("a!", 0), ("!b.", 1), ("c?!", 2), ("！ａ", 0), ("ｂ", 1),
        ("！Ｃ", 2), ("２", 1), ("\t!a\n", 0), ("#b", 1),
    ],
)
def test_votes_that_count(text: str, expected: int) -> None:
    assert parse_vote(text, 3) == expected


@pytest.mark.parametrize(
    "text",
    ["!d", "d", "4", "!4", "!f", "", "   ", "!", "ab", "!ab", "a b", "hello", "I vote a", "!a please pick this one",
     "aaaaaaaaaaaaaaaaaaaaaaaa", "0", "!0", "7", "!g", "é", "!!", "a" + " " * 40],
)
def test_messages_that_are_not_votes(text: str) -> None:
    assert parse_vote(text, 3) is None


def test_more_choices_accept_more_letters() -> None:
    assert parse_vote("!f", 6) == 5
    assert parse_vote("6", 6) == 5
    assert parse_vote("!c", 2) is None


def test_a_later_ballot_replaces_the_earlier() -> None:
    tally = Tally(3)
    tally.cast(("tiktok", "u1"), 0)
    tally.cast(("tiktok", "u2"), 0)
    tally.cast(("tiktok", "u1"), 2)
    assert tally.weights == [1, 0, 1]
    assert tally.voters == 2
    assert tally.cast(("tiktok", "u1"), 2) is False  # same ballot again changes nothing


def test_weights_add_up() -> None:
    tally = Tally(2)
    tally.cast(("tiktok", "whale"), 1, weight=5)
    tally.cast(("tiktok", "u2"), 0)
    assert tally.weights == [1, 5]
    assert tally.votes == [1, 1]
    assert tally.total == 6


def test_winner_has_most_votes() -> None:
    outcome = pick_winner([3, 7, 1], "random", "random", random.Random(1))
    assert (outcome.index, outcome.reason) == (1, "votes")


def test_tie_break_first_picks_the_earliest_leader() -> None:
    assert pick_winner([0, 4, 4], "first", "random", random.Random(1)).index == 1


def test_tie_break_random_is_seeded_per_round_and_picks_a_leader() -> None:
    picks = {pick_winner([2, 0, 2], "random", "random", round_rng(1, n, 99)).index for n in range(1, 40)}
    assert picks == {0, 2}
    again = pick_winner([2, 0, 2], "random", "random", round_rng(1, 5, 99)).index
    assert again == pick_winner([2, 0, 2], "random", "random", round_rng(1, 5, 99)).index


def test_no_votes_rule() -> None:
    assert pick_winner([0, 0, 0], "random", "first", random.Random(3)).reason == "no_votes"
    assert pick_winner([0, 0, 0], "random", "first", random.Random(3)).index == 0
    seen = {pick_winner([0, 0, 0], "first", "random", random.Random(s)).index for s in range(30)}
    assert seen == {0, 1, 2}


async def test_round_timer_ends_on_the_injected_clock() -> None:
    clock = ManualClock()
    timer = RoundTimer(clock, clock.now() + 30)
    waiter = asyncio.create_task(timer.wait())
    await clock.wait_for_sleeper()
    clock.advance(29)
    await asyncio.sleep(0)
    assert not waiter.done()
    assert timer.remaining() == pytest.approx(1)
    clock.advance(1)
    assert await asyncio.wait_for(waiter, 5) == "timer"


async def test_round_timer_can_be_extended_and_forced() -> None:
    clock = ManualClock()
    timer = RoundTimer(clock, clock.now() + 10)
    waiter = asyncio.create_task(timer.wait())
    await clock.wait_for_sleeper()
    timer.extend_to(clock.now() + 60)
    clock.advance(10)
    await asyncio.sleep(0)
    assert not waiter.done()
    timer.force(choice=2)
    assert await asyncio.wait_for(waiter, 5) == "forced"
    assert timer.forced_choice == 2
