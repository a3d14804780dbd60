"""The audience on the overlay, in real headless Chromium at 1080x1920 (portrait) and 1920x1080 (landscape): vote
keywords by their choices and in the hint, whose idea steered a chapter or became a choice (only while that chapter
is on screen), a vote decided early, the viewers who joined the story (in their chapter and on the end card), and
hostile names shown as inert text. The screens are driven by feeding the overlay's socket handlers the server's
payloads (as tests/test_overlay_layout.py does); the last test goes through the real server, from !idea in chat to
the credit on screen. Screenshots go to tests/screenshots/ (audience-*.png)."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest
from playwright.async_api import Browser, Page, expect

from plugin.clock import ManualClock, SystemClock
from tests.conftest import StartServer
from tests.support.browser import screenshot
from tests.support.harness import watching
from tests.test_overlay_layout import (
    CHAPTER,
    FONTS,
    HERO,
    LAYOUTS,
    LONGEST,
    SAFE,
    SETTLED,
    TYPICAL,
    Story,
    check_choices,
    check_screen,
    feed,
    open_overlay,
    wait_in_page,
)

API = "/api/interactive-story"
XSS = "<img src=x onerror=alert(1)>"
RTL = "\u202eevil\u202c nick"  # a right-to-left override: the rest of a line must not turn around
KEYWORDS = ["sneak", None, "merchants"]  # one per TYPICAL choice; the second has none
LONGEST_KEYWORDS = ["catacombs", "stranger", "warlord", "smugglers", "clocktower", "marrowmere"]

# Every keyword badge as shown: its text, whether it is clipped, and whether it lies inside its choice, the vote
# panel and the safe area (fractions of the canvas).
BADGES = """([l, t, r, b]) => {
  const c = document.getElementById("canvas").getBoundingClientRect();
  const safe = {l: c.left + l * c.width, t: c.top + t * c.height, r: c.left + r * c.width, b: c.top + b * c.height};
  const inside = (x, y) => x.left >= y.left - 0.5 && x.top >= y.top - 0.5 && x.right <= y.right + 0.5
    && x.bottom <= y.bottom + 0.5;
  const panel = document.getElementById("vote-panel").getBoundingClientRect();
  return [...document.querySelectorAll("#choices .choice-keyword")].map((k) => {
    const x = k.getBoundingClientRect();
    return {text: k.textContent, clipped: k.scrollWidth > k.clientWidth + 1 || k.scrollHeight > k.clientHeight + 1,
            inChoice: inside(x, k.closest(".choice").getBoundingClientRect()), inPanel: inside(x, panel),
            safe: inside(x, {left: safe.l, top: safe.t, right: safe.r, bottom: safe.b}),
            canvasPx: parseFloat(getComputedStyle(k).fontSize)};
  });
}"""

# Inside the canvas: elements made from markup (an <img> a name smuggled in would be one) besides the page's own.
FOREIGN = """() => [...document.querySelectorAll("#canvas img, #canvas script, #canvas iframe")]
  .filter((el) => el.id !== "chapter-image").map((el) => el.outerHTML)"""


def now_ms() -> int:
    """The server's clock as payloads carry it."""
    return int(time.time() * 1000)


def credit(idea_id: int, by: list[str], handles: list[str], used_as: str = "note",
           choice_index: int | None = None, proposers: int | None = None) -> dict[str, Any]:
    """One entry of story:idea-credit's credits."""
    return {"ideaId": idea_id, "text": "a talking cat joins the crew", "by": by, "handles": handles,
            "proposers": len(by) if proposers is None else proposers, "usedAs": used_as, "choiceIndex": choice_index}


def credits(chapter: int, *entries: dict[str, Any]) -> dict[str, Any]:
    """A story:idea-credit payload (also story:state.ideaCredits) for chapter `chapter` of the story."""
    return {"sessionId": 7, "chapterNumber": chapter, "credits": list(entries)}


def cast(*members: tuple[str, str, int | None]) -> dict[str, Any]:
    """A story:cast-updated payload (also story:state.cast): (name, handle, featuredIn) per member."""
    return {"sessionId": 7, "cast": [{"memberId": i + 1, "name": name, "handle": handle, "platform": "tiktok",
                                      "status": "cast", "featuredIn": featured}
                                     for i, (name, handle, featured) in enumerate(members)],
            "waiting": [], "openRoles": 2}


def next_chapter(story: Story, number: int) -> list[tuple[str, dict[str, Any]]]:
    """The events that bring chapter `number` on screen after the vote on the one before."""
    return [("story:generation-started", {"sessionId": 7, "purpose": "chapter", "chapterNumber": number,
                                          "isFinal": False, "parentChoice": story.choices[1]}),
            ("story:chapter-ready", {"sessionId": 7, "chapterNumber": number, "title": "Under the Bells",
                                     "content": CHAPTER, "choices": story.choices, "isFinal": False,
                                     "parentChoice": story.choices[1]})]


async def open_page(browser: Browser, serve: StartServer, layout: str) -> tuple[Page, list[str]]:
    """The overlay in `layout` on a fresh server, text only (no narration to wait for)."""
    return await open_overlay(browser, await serve(SystemClock()), layout, "&narration=text")


async def check_badges(page: Page, layout: str, keywords: list[str | None],
                       least_px: float = HERO["#vote-hint"]) -> None:
    """Each keyword as a badge by its choice ("!sword"), whole, inside its choice, the panel and the safe area; in
    portrait at least `least_px` on the canvas (as large as the vote's hint, unless the panel had to shrink)."""
    rows = page.locator("#choices .choice")
    for i, word in enumerate(keywords):
        badge = rows.nth(i).locator(".choice-keyword")
        if word:
            await expect(badge).to_have_text(f"!{word}")
            await expect(badge).to_be_visible()
        else:
            await expect(badge).to_have_count(0)
    shown = await page.evaluate(BADGES, list(SAFE[layout]))
    assert [b["text"] for b in shown] == [f"!{w}" for w in keywords if w]
    assert all(b["inChoice"] and b["inPanel"] and b["safe"] and not b["clipped"] for b in shown), shown
    if layout == "portrait":
        assert min(b["canvasPx"] for b in shown) >= least_px, shown


@pytest.mark.parametrize("layout", LAYOUTS)
async def test_vote_keywords_show_by_each_choice_and_in_the_hint(
        serve: StartServer, browser: Browser, layout: str) -> None:
    page, errors = await open_page(browser, serve, layout)
    story = Story("fantasy", TYPICAL)
    await feed(page, "story:state", story.state("voting"))
    await feed(page, "story:voting-started", {"sessionId": 7, "chapterNumber": 2, "choices": TYPICAL,
                                              "counts": [3, 5, 0], "total": 8, "voters": 8, "endsAt": now_ms() + 90_000,
                                              "durationS": 120, "extended": False, "paused": False,
                                              "serverTime": now_ms(), "keywords": KEYWORDS})
    await expect(page.locator("#vote-hint")).to_have_text("Type !a, !b or !c — or the word")
    await check_badges(page, layout, KEYWORDS)
    await check_screen(page, layout, f"audience-{layout}-keywords", "voting")
    await check_choices(page, TYPICAL)
    if layout == "portrait":
        fonts = await page.evaluate(FONTS, list(HERO))
        assert {sel: size["canvas"] >= HERO[sel] for sel, size in fonts.items()} == dict.fromkeys(HERO, True), fonts

    # a reloaded overlay gets them from story:state.voting.keywords
    voting = story.voting("")
    await feed(page, "story:state", {**voting, "voting": {**voting["voting"], "keywords": ["raiders", "signal", None]}})
    await check_badges(page, layout, ["raiders", "signal", None])
    # without keywords: the letters alone, as before
    await feed(page, "story:state", {**voting, "voting": {**voting["voting"], "keywords": []}})
    await expect(page.locator("#vote-hint")).to_have_text("Type !a, !b or !c")
    await expect(page.locator("#choices .choice-keyword")).to_have_count(0)
    assert errors == []
    await page.close()


@pytest.mark.parametrize("layout", LAYOUTS)
async def test_the_longest_choices_with_keywords_and_idea_credits_still_fit(
        serve: StartServer, browser: Browser, layout: str) -> None:
    page, errors = await open_page(browser, serve, layout)
    story = Story("cyberpunk", LONGEST)
    voting = story.voting("")
    await feed(page, "story:state", {
        **voting, "voting": {**voting["voting"], "keywords": LONGEST_KEYWORDS},
        "ideaCredits": credits(2, credit(1, ["Nova ✨", "Kiwi"], ["nova_11", "kiwi12"], "choice", 0),
                               credit(2, ["Someone with a very long nickname indeed"], [""], "choice", 3))})
    await expect(page.locator("#choices .choice").nth(3).locator(".choice-credit")).to_contain_text("idea by")
    # six of the longest choices fill the panel: it shrinks a little as a whole, the badges with it
    await check_badges(page, layout, LONGEST_KEYWORDS, 0.7 * HERO["#vote-hint"])
    await check_screen(page, layout, f"audience-{layout}-longest", "voting")
    await check_choices(page, LONGEST)
    assert errors == []
    await page.close()


@pytest.mark.parametrize("layout", LAYOUTS)
async def test_idea_credits_show_for_the_chapter_on_screen_only(
        serve: StartServer, browser: Browser, layout: str) -> None:
    page, errors = await open_page(browser, serve, layout)
    story = Story("mystery", TYPICAL)
    line = page.locator("#idea-credit")
    # a director's note from one viewer with a handle: "Idea by @nova_11", under the chapter's title
    await feed(page, "story:state", {**story.state("writing"), "ideaCredits": credits(2, credit(
        1, ["Nova ✨"], ["nova_11"]))})
    await expect(line).to_have_text("Idea by @nova_11")
    await expect(line).to_be_visible()
    await check_screen(page, layout, f"audience-{layout}-idea-note", "chapter")
    # merged from four viewers, the first without a handle: their nickname and how many more
    await feed(page, "story:idea-credit", credits(2, credit(1, ["Nova", "Kiwi", "Sage", "Remy"],
                                                            ["", "kiwi12", "", ""])))
    await expect(line).to_have_text("Idea by Nova and 3 others")
    # credits of another chapter (or another story) are not this chapter's
    await feed(page, "story:idea-credit", {**credits(2, credit(5, ["Other"], ["other"])), "sessionId": 99})
    await feed(page, "story:idea-credit", credits(1, credit(6, ["Old"], ["old"])))
    await expect(line).to_have_text("Idea by Nova and 3 others")

    # ballot mode: the idea became the second choice of this chapter's vote, credited under it
    await feed(page, "story:state", {**story.voting(""), "ideaCredits": credits(
        2, credit(3, ["Kiwi"], ["kiwi12"], "choice", 1))})
    rows = page.locator("#choices .choice")
    await expect(rows.nth(1).locator(".choice-credit")).to_have_text("idea by @kiwi12")
    await expect(rows.nth(1).locator(".choice-credit")).to_be_visible()
    await expect(rows.nth(0).locator(".choice-credit")).to_have_count(0)
    await expect(rows.nth(2).locator(".choice-credit")).to_have_count(0)
    await expect(page.locator("#story-credits")).to_be_hidden()  # the story is a line while the vote is on
    await check_screen(page, layout, f"audience-{layout}-idea-choice", "voting")
    await feed(page, "story:voting-ended", {"sessionId": 7, "chapterNumber": 2, "winnerIndex": 1,
                                            "winnerText": TYPICAL[1], "choices": TYPICAL, "reason": "votes",
                                            "counts": [1, 4, 0], "total": 5, "voters": 5})
    await expect(page.locator("body")).to_have_attribute("data-screen", "result")
    await expect(rows.nth(1).locator(".choice-credit")).to_have_text("idea by @kiwi12")  # the result keeps it

    # the next chapter used no idea: no credit left over, on the story or on its vote
    for name, payload in next_chapter(story, 3):
        await feed(page, name, payload)
    await wait_in_page(page, SETTLED, "chapter")
    await expect(page.locator("#chapter-title")).to_have_text("Chapter 3 — Under the Bells")
    await expect(page.locator("#story-credits")).to_be_hidden()
    await feed(page, "story:voting-started", {"sessionId": 7, "chapterNumber": 3, "choices": TYPICAL,
                                              "counts": [0, 0, 0], "total": 0, "voters": 0,
                                              "endsAt": now_ms() + 60_000, "durationS": 60, "serverTime": now_ms()})
    await expect(page.locator("body")).to_have_attribute("data-screen", "voting")
    await expect(page.locator("#choices .choice-credit")).to_have_count(0)
    assert errors == []
    await page.close()


async def test_a_vote_decided_early_says_so_on_the_result_screen(serve: StartServer, browser: Browser) -> None:
    page, errors = await open_page(browser, serve, "portrait")
    story = Story("fantasy", TYPICAL)
    await feed(page, "story:state", story.voting(""))
    await feed(page, "story:voting-ended", {"sessionId": 7, "chapterNumber": 2, "winnerIndex": 2,
                                            "winnerText": TYPICAL[2], "choices": TYPICAL, "reason": "decided-early",
                                            "counts": [1, 1, 9], "total": 11, "voters": 11})
    await expect(page.locator("#result-note")).to_have_text("Decided early: a clear lead")
    await expect(page.locator("#result-text")).to_have_text(f"Chosen: {TYPICAL[2]}")
    await check_screen(page, "portrait", "audience-portrait-decided-early", "result")
    assert errors == []
    await page.close()


@pytest.mark.parametrize("layout", LAYOUTS)
async def test_the_cast_is_credited_in_their_chapter_and_listed_on_the_end_card(
        serve: StartServer, browser: Browser, layout: str) -> None:
    page, errors = await open_page(browser, serve, layout)
    story = Story("fantasy", TYPICAL)
    line = page.locator("#cast-credit")
    members = cast(("Nova", "nova_11", 2), ("Kiwi", "", 2), ("sage13", "sage13", 3), ("Remy", "remy14", None))
    await feed(page, "story:state", {**story.state("writing"), "cast": members})
    await expect(line).to_have_text("Joining the story: Nova (@nova_11) and Kiwi")
    await expect(line).to_be_visible()
    # an idea and a new cast member in the same chapter: both lines
    await feed(page, "story:idea-credit", credits(2, credit(1, ["Nova"], ["nova_11"])))
    await expect(page.locator("#idea-credit")).to_have_text("Idea by @nova_11")
    await check_screen(page, layout, f"audience-{layout}-cast-chapter", "chapter")
    # the next chapter features someone else; someone who joins later shows up live
    for name, payload in next_chapter(story, 3):
        await feed(page, name, payload)
    await expect(page.locator("#chapter-title")).to_have_text("Chapter 3 — Under the Bells")
    await expect(line).to_have_text("Joining the story: @sage13")
    await expect(page.locator("#idea-credit")).to_be_hidden()
    await feed(page, "story:cast-updated", cast(*[(m["name"], m["handle"], m["featuredIn"]) for m in members["cast"]],
                                                ("Orbit", "orbit15", 3)))
    await expect(line).to_have_text("Joining the story: @sage13 and Orbit (@orbit15)")
    await feed(page, "story:cast-updated", {**cast(("Late", "late", 3)), "sessionId": 3})  # an earlier story's
    await expect(line).to_have_text("Joining the story: @sage13 and Orbit (@orbit15)")

    # the end card: top voters, then the cast (a long cast: the first twelve, then how many more)
    many = [("Nova", "nova_11"), ("Kiwi", ""), ("sage13", "sage13"), ("Remy the Remarkable Wanderer", "remy14")] + [
        (f"Viewer {i}", f"viewer_{i}") for i in range(10)]
    ended = story.ended(chapters=5, votes=3)
    ended["recap"]["topVoters"] += [{"nickname": f"Fan {i}", "userId": f"f{i}", "votes": 1} for i in range(2)]
    await feed(page, "story:state", {**ended, "recap": {**ended["recap"],
                                                        "cast": [{"name": n, "handle": h} for n, h in many]}})
    items = page.locator("#recap-cast li")
    await expect(page.locator("#recap-cast-head")).to_have_text("Cast")
    await expect(page.locator("#recap-cast-head")).to_be_visible()
    await expect(items).to_have_count(13)
    await expect(items.nth(0)).to_have_text("Nova@nova_11")  # name, then the handle beside it
    await expect(items.nth(1)).to_have_text("Kiwi")
    await expect(items.nth(2)).to_have_text("sage13")  # the handle only once
    await expect(items.last).to_have_text("+2 more")
    await check_screen(page, layout, f"audience-{layout}-cast-end", "ended")
    assert await page.locator("#recap").evaluate("el => el.scrollHeight <= el.clientHeight + 1"), "recap cut off"
    # a story nobody joined: no Cast heading
    await feed(page, "story:ended", {"sessionId": 7, "recap": {**ended["recap"], "cast": []}})
    await expect(page.locator("#recap-cast-head")).to_be_hidden()
    await expect(items).to_have_count(0)
    assert errors == []
    await page.close()


async def test_hostile_viewer_strings_are_shown_as_inert_text(serve: StartServer, browser: Browser) -> None:
    page, errors = await open_page(browser, serve, "portrait")
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), asyncio.ensure_future(dialog.dismiss())))
    story = Story("horror", TYPICAL)
    await feed(page, "story:state", {
        **story.state("writing"), "ideaCredits": credits(2, credit(1, [XSS], [""])),
        "cast": cast((RTL, "", 2), (XSS, XSS, 2))})
    idea, joined = page.locator("#idea-credit"), page.locator("#cast-credit")
    await expect(idea).to_have_text(f"Idea by {XSS}")
    await expect(joined).to_have_text(f"Joining the story: {RTL} and @{XSS}")
    # the override stays inside the name: "Joining the story:" still reads left to right, before it
    order = await joined.evaluate("""el => { const who = el.querySelector("bdi").getBoundingClientRect();
      const r = document.createRange(); r.setStart(el.firstChild, 0); r.setEnd(el.firstChild, 7);
      return r.getBoundingClientRect().right <= who.left + 1; }""")
    assert order, "the right-to-left override escaped the name"
    await wait_in_page(page, SETTLED, "chapter")
    await screenshot(page, "audience-portrait-hostile-chapter")
    await feed(page, "story:state", {**story.voting(""),
                                     "ideaCredits": credits(2, credit(2, [RTL], [XSS], "choice", 0))})
    await expect(page.locator("#choices .choice").first.locator(".choice-credit")).to_have_text(f"idea by @{XSS}")
    ended = story.ended(chapters=2, votes=1)
    await feed(page, "story:state", {**ended, "recap": {**ended["recap"], "cast": [{"name": XSS, "handle": ""},
                                                                                 {"name": RTL, "handle": XSS}]}})
    await expect(page.locator("#recap-cast li")).to_have_text([XSS, f"{RTL}@{XSS}"])
    await wait_in_page(page, SETTLED, "ended")
    await screenshot(page, "audience-portrait-hostile-end")
    assert await page.evaluate(FOREIGN) == []
    assert dialogs == [] and errors == []
    await page.close()


async def test_an_approved_idea_is_credited_on_the_overlay_through_the_real_server(
        serve: StartServer, browser: Browser) -> None:
    """!idea in chat, approved by the streamer, steers the next chapter, and the overlay credits its proposer."""
    # the chapter stays up while it is "read" (the manual clock never moves): the vote is opened and closed by hand
    server = await serve(ManualClock(), **{"ideas.mode": "note", "voting.opens": "after_narration",
                                           "voting.max_wait_s": 600})
    page, errors = await open_overlay(browser, server, "portrait", "&narration=text")
    async with watching(server.url) as seen:
        assert (await server.call("POST", f"{API}/start", {"theme": "mystery"}))[0] == 201
        await seen.wait_for("story:beat", lambda b: b["beat"] == "narrating" and b["chapterNumber"] == 1)
        await server.call("POST", f"{API}/chat", {"messages": [
            {"user_id": "u1", "nickname": "Nova", "text": "!idea a talking cat joins the crew"}]})
        _, listed = await server.call("GET", f"{API}/ideas?status=pending")
        [idea] = listed["ideas"]
        code, approved = await server.call("POST", f"{API}/ideas/{idea['id']}/approve")
        assert code == 200 and approved["note"] is True, approved
        assert (await server.call("POST", f"{API}/vote/open"))[0] == 200
        await seen.wait_for("story:voting-started")
        await expect(page.locator("body")).to_have_attribute("data-screen", "voting")
        assert (await server.call("POST", f"{API}/vote/close"))[0] == 200
        await seen.wait_for("story:idea-credit", lambda c: c["chapterNumber"] == 2, timeout=30)
    await expect(page.locator("#chapter-title")).to_contain_text("Chapter 2", timeout=30_000)
    await expect(page.locator("#idea-credit")).to_have_text("Idea by Nova")
    await expect(page.locator("#idea-credit")).to_be_visible()
    await wait_in_page(page, SETTLED, "chapter")
    await screenshot(page, "audience-portrait-server-idea")
    assert errors == []
    await page.close()
