"""Story memory: tolerant parsing of JSON or tagged answers, merging the same person under two spellings."""

from __future__ import annotations

import json

from plugin.story.memory import Entry, StoryMemory, name_key, parse_memory

TAGGED = """Sure, here is the update:
SUMMARY: Mara left Thistledown with Ollo to find the Heartflame.
CHARACTER: Mara | aliases: the hedge-witch | a young witch in training | travelling with Ollo
- CHARACTER: Ollo | a small dragon | loyal
CHARACTER: Skarn the Grey | aliases: Skarn, the Grey Dragon | a dragon who hoards secrets | watching
LOCATION: Thistledown | Mara's home village
ITEM: Heartflame | holder: nobody | the lost fire of the kingdom
EVENT: Mara and Ollo set out at dawn.
"""


def test_tagged_answer_is_read_field_by_field() -> None:
    update = parse_memory(TAGGED)
    assert update.summary.startswith("Mara left Thistledown")
    assert [c.name for c in update.characters] == ["Mara", "Ollo", "Skarn the Grey"]
    assert update.characters[0].aliases == ["the hedge-witch"] and update.characters[0].status == "travelling with Ollo"
    assert update.characters[2].aliases == ["Skarn", "the Grey Dragon"]
    assert update.locations[0].name == "Thistledown" and update.items[0].holder == "nobody"
    assert update.events == ["Mara and Ollo set out at dawn."]


def test_json_answer_in_a_code_fence_with_reasoning() -> None:
    answer = "<think>plan</think>```json\n" + json.dumps({
        "summary": "A duel at dusk.", "characters": [{"name": "Jax", "aliases": "Jackie, J", "status": "wounded"}],
        "locations": ["Sector 9"], "items": [{"name": "Zero Key", "holder": "Jax"}], "events": [{"summary": "duel"}],
    }) + "\n```"
    update = parse_memory(answer)
    assert update.summary == "A duel at dusk." and update.characters[0].aliases == ["Jackie", "J"]
    assert update.locations[0].name == "Sector 9" and update.items[0].holder == "Jax" and update.events == ["duel"]


def test_junk_gives_an_empty_update() -> None:
    for junk in ("", "nothing to report", "{not json", "[1,2]", "CHARACTER:  | | |"):
        update = parse_memory(junk)
        assert update.characters == [] and update.summary == ""


def test_the_same_person_under_two_spellings_stays_one_entry() -> None:
    memory = StoryMemory()
    memory.merge(parse_memory(TAGGED), 1)
    memory.merge(parse_memory("CHARACTER: Marah | a witch | captured\nCHARACTER: Mr. Ollo | dragon | free\n"
                              "CHARACTER: Grey Dragon | | defeated\nCHARACTER: Skarn | | defeated\n"
                              "CHARACTER: Captain Mara Vell | | free"), 3)
    names = [c.name for c in memory.characters]
    assert names == ["Mara", "Ollo", "Skarn the Grey"]
    mara = memory.characters[0]
    assert {"Marah", "Captain Mara Vell"} <= set(mara.aliases) and mara.status == "free"
    assert (mara.first_chapter, mara.last_chapter) == (1, 3)
    assert memory.characters[2].status == "defeated"


def test_different_people_stay_apart() -> None:
    memory = StoryMemory()
    memory.merge(parse_memory("CHARACTER: Ann | a baker\nCHARACTER: Anna | a pilot\nCHARACTER: Bo | a cat"), 1)
    assert [c.name for c in memory.characters] == ["Ann", "Anna", "Bo"]


def test_round_trip_and_relevance() -> None:
    memory = StoryMemory()
    memory.merge(parse_memory(TAGGED), 1)
    again = StoryMemory.from_json(json.loads(json.dumps(memory.to_json())))
    assert again == memory
    relevant = again.relevant("Skarn roared over the hills")
    assert relevant["characters"][0].name == "Skarn the Grey"


def test_name_key_ignores_case_accents_and_titles() -> None:
    assert name_key("The Señora Ávila") == name_key("señora avila")
    assert Entry("Zoë").matches("zoe", [])


def test_labelled_fields_may_be_empty_or_in_any_order() -> None:
    update = parse_memory("CHARACTER: Ivo | aliases: | a courier | status: hiding\n"
                          "ITEM: Lantern | a brass lamp | holder: Ivo")
    ivo, lantern = update.characters[0], update.items[0]
    assert (ivo.aliases, ivo.description, ivo.status) == ([], "a courier", "hiding")
    assert (lantern.description, lantern.holder) == ("a brass lamp", "Ivo")
