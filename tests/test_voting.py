"""Voting: the chat parser, the per-round tally, winners, and the round timer on a manual clock."""

from __future__ import annotations

import asyncio
import random

import pytest

from plugin.clock import ManualClock
from plugin.voting.keywords import choice_keywords
from plugin.voting.parse import parse_keyword, parse_vote
from plugin.voting.round import RoundTimer
from plugin.voting.tally import Tally, clear_lead, pick_winner, round_rng


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


@pytest.mark.parametrize(("text", "expected"), [
    ("!sword", 0), ("！Sword!", 0), (" #run ", 1), ("/tree", 2), ("!RUN.", 1), ("run", None), ("run!", None),
    ("!swords", None), ("!sword please", None), ("!a", None), ("", None), ("!" + "x" * 40, None),
])
def test_keywords_need_the_bang_and_the_whole_word(text: str, expected: int | None) -> None:
    assert parse_keyword(text, {"sword": 0, "run": 1, "tree": 2}) == expected


def test_each_choice_gets_its_own_short_keyword_from_its_text() -> None:
    assert choice_keywords(["Draw the sword", "Run", "Hide behind the old tree"]) == ["sword", "run", "tree"]
    assert choice_keywords(["Trust Nim's", "Don't trust"]) == ["nim", "dont"]  # possessives and apostrophes
    # a word every choice shares is no keyword; accents are dropped; too short or non-Latin text gets none
    assert choice_keywords(["Open the red door", "Open the blue door", "Go", "東へ行く", "Visit the Café"]) == [
        "red", "blue", None, None, "cafe"]
    # never a command (nor the configured idea command), never twice, always 3-10 lowercase ASCII letters
    found = choice_keywords(["Skip the extend endvote join", "Suggest an idea", "Propose a plan"], ["propose"])
    assert found == [None, "suggest", "plan"]
    long = choice_keywords(["Investigate the extraordinary lighthouse", "Investigate it", "Extraordinary"])
    assert all(k is None or (k.isascii() and k.isalpha() and k.islower() and 3 <= len(k) <= 10) for k in long)
    assert len({k for k in long if k}) == len([k for k in long if k])
    assert choice_keywords(["Draw the sword", "Run"]) == choice_keywords(["Draw the sword", "Run"])  # deterministic


@pytest.mark.parametrize(("weights", "voters", "expected"), [
    ([6, 2, 0], 8, True),  # (6 - 2) / 8 = 0.5
    ([5, 3, 0], 8, False),  # 0.25
    ([4, 4, 0], 8, False),  # a tie never ends a vote early
    ([9, 0, 0], 3, False),  # too few voters (a gift-weighted ballot counts once)
    ([10, 0, 0], 10, True),
    ([0, 0, 0], 10, False),
])
def test_a_clear_lead_is_a_share_of_all_votes_with_enough_voters(weights: list[int], voters: int,
                                                                 expected: bool) -> None:
    assert clear_lead(weights, voters, 0.5, 4) is expected
    assert clear_lead(weights, voters, 0.0, 1) is False  # 0: never early
