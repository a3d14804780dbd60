"""The audience in the admin panel, in real headless Chromium on a real server: viewers' ideas arriving live beside the
vote (approved or rejected there, a decision someone else made first said plainly), the chat sources side by side
(TikTok and Twitch, each with its state and counts; several picked in Settings), and the cast (viewers who typed
!join). Every wait is a poll on what the page shows (no fixed sleeps): it holds on a busy machine."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import pytest
from playwright.async_api import Browser, Page, expect

from plugin.clock import ManualClock, SystemClock
from tests.conftest import StartServer
from tests.support.browser import screenshot
from tests.support.harness import Running
from tests.support.irc_server import IrcClient, IrcServer
from tests.support.live_chat import tiktok_chat
from tests.test_admin_layout import (
    LAPTOP,
    SIDEWAYS,
    WAIT_MS,
    boxes,
    inside,
    open_admin,
    small_controls,
    start_and_vote,
)

API = "/api/interactive-story"
SHOW = {"voting.duration_s": 600, "show.result_hold_s": 120}
XSS = "<img src=x onerror=alert(1)>"
CHANNEL = "story_host"
# True once the element is inside the window and the top-most thing at its centre (not under a sticky bar), and the
# page has stopped scrolling (checked again the next frame).
UNCOVERED = """sel => new Promise(done => {
  const at = () => { const r = document.querySelector(sel).getBoundingClientRect(); return [r, window.scrollY]; };
  const [r, y] = at();
  const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
  const clear = r.top >= 0 && r.bottom <= window.innerHeight && hit && document.querySelector(sel).contains(hit);
  requestAnimationFrame(() => done(clear && at()[1] === y));
})"""


def chat(*lines: tuple[str, str, str]) -> dict[str, Any]:
    """A POST chat batch from a real platform: (viewer id, nickname, text)."""
    return {"messages": [{"platform": "tiktok", "user_id": user, "nickname": nick, "text": text}
                         for user, nick, text in lines]}


async def ideas(server: Running) -> dict[int, dict[str, Any]]:
    """GET ideas, by id."""
    status, body = await server.call("GET", f"{API}/ideas")
    assert status == 200, body
    return {idea["id"]: idea for idea in body["ideas"]}


async def send(server: Running, body: dict[str, Any]) -> None:
    status, answer = await server.call("POST", f"{API}/chat", body)
    assert status == 200, answer


@pytest.fixture
async def irc() -> AsyncIterator[IrcServer]:
    server = IrcServer()
    await server.start()
    yield server
    await server.close()


async def test_ideas_arrive_beside_the_vote_and_are_approved_there(serve: StartServer, browser: Browser) -> None:
    server = await serve(SystemClock(), **{**SHOW, "ideas.mode": "note"})
    page = await open_admin(browser, server, **LAPTOP)
    dialogs: list[str] = []
    page.on("dialog", lambda d: dialogs.append(d.message))
    waiting = page.locator("#ideas-pending .idea")
    await expect(page.locator("#ideas-mode")).to_have_text("note mode", timeout=WAIT_MS)
    await expect(page.locator("#live-top")).to_have_attribute("data-audience", "on")
    await start_and_vote(server, page)
    await expect(page.locator("#ideas-hint")).to_contain_text("director's note")

    # Ideas come in while the vote runs: merged repeats keep every proposer, the most proposed first.
    await send(server, chat(("u1", "Ana", "!idea a talking cat joins the crew"),
                            ("u2", XSS, "!idea the lighthouse keeper was lying all along"),
                            ("u3", "Ben", "!IDEA  A talking cat joins the crew!!"),
                            ("u4", "Cy", "!a")))
    await expect(waiting).to_have_count(2, timeout=WAIT_MS)
    await expect(page.locator("#nav-audience-count")).to_have_text("2")
    await expect(page.locator("#ideas-count")).to_have_text("2")
    await expect(waiting.first.locator(".idea-text")).to_have_text("a talking cat joins the crew")
    cat, lighthouse = waiting.filter(has_text="talking cat"), waiting.filter(has_text="lighthouse")
    await expect(cat.locator(".idea-count")).to_have_text("2 viewers")
    await expect(cat.locator(".idea-by")).to_have_text("Ana, Ben")
    await expect(lighthouse.locator(".idea-by")).to_have_text(XSS)  # a viewer's name is text, never markup
    assert await page.locator("img[src='x']").count() == 0

    # Beside the vote on a laptop: the vote's controls and the ideas' buttons on screen, none under 44 px.
    assert await page.evaluate("() => window.scrollY") == 0
    on_screen = ["#live-countdown", "#close-vote-button", "#extend-button", "#end-button", "#live-choices .live-choice",
                 "#ideas-pending .idea-approve", "#ideas-pending .idea-reject"]
    for box in await boxes(page, on_screen):
        assert inside(box, **LAPTOP), box
    assert await small_controls(page) == []
    await screenshot(page, "admin-audience-ideas-1280x720")

    # Approve in the page: the idea becomes a director's note for the next chapter.
    await cat.locator(".idea-approve").click()
    await expect(waiting).to_have_count(1, timeout=WAIT_MS)
    decided = page.locator("#ideas-decided .idea")
    await expect(decided).to_have_count(1)
    await expect(decided.first).to_have_attribute("data-status", "approved")
    await expect(decided.first.locator(".idea-status")).to_have_text("approved · a note for the next chapter")
    await expect(page.locator("#nav-audience-count")).to_have_text("1")
    await expect(page.locator("#notes-pending")).to_contain_text("a talking cat joins the crew", timeout=WAIT_MS)
    by_text = {i["text"]: i for i in (await ideas(server)).values()}
    assert by_text["a talking cat joins the crew"]["status"] == "approved"

    # Reject the other one.
    await lighthouse.locator(".idea-reject").click()
    await expect(waiting).to_have_count(0, timeout=WAIT_MS)
    await expect(page.locator("#ideas-decided li[data-status=rejected] .idea-status")).to_have_text("rejected")
    await expect(page.locator("#nav-audience-count")).to_be_hidden()
    assert (await ideas(server))[by_text["the lighthouse keeper was lying all along"]["id"]]["status"] == "rejected"

    # Decided elsewhere first (another tab, the API): the page still showing it waiting says so plainly.
    await send(server, chat(("u5", "Dee", "!idea a storm floods the harbour")))
    await expect(waiting).to_have_count(1, timeout=WAIT_MS)
    storm = next(i for i in (await ideas(server)).values() if i["status"] == "pending")
    status, body = await server.call("POST", f"{API}/ideas/{storm['id']}/reject")
    assert status == 200, body
    await expect(waiting).to_have_count(0, timeout=WAIT_MS)
    # the page missed that (replayed: an update from before the decision)
    await page.evaluate("idea => window.__admin.bus.emit('story:ideas-updated', {pending: 1, ideas: [idea]})", storm)
    await expect(waiting).to_have_count(1)
    await waiting.first.locator(".idea-approve").click()
    await expect(page.locator("#error-banner")).to_contain_text("already decided", timeout=WAIT_MS)
    await expect(page.locator("#error-banner")).to_contain_text("already rejected")
    await expect(waiting).to_have_count(0, timeout=WAIT_MS)  # shown as it is now
    await expect(page.locator("#ideas-decided li[data-status=rejected]")).to_have_count(2)
    assert dialogs == []
    await page.close()


async def test_ideas_mode_shows_what_it_means_and_a_note_needs_a_story(serve: StartServer, browser: Browser) -> None:
    server = await serve(SystemClock(), **SHOW)
    page = await open_admin(browser, server, **LAPTOP)
    # Off: a quiet line under the vote says so; the vote keeps the width.
    await expect(page.locator("#ideas-mode")).to_have_text("off", timeout=WAIT_MS)
    await expect(page.locator("#live-top")).to_have_attribute("data-audience", "off")
    await expect(page.locator("#ideas-hint")).to_contain_text("Ideas are off: viewers' !idea lines are ignored")
    await expect(page.locator("#cast-box")).to_be_hidden()
    await send(server, chat(("u1", "Ana", "!idea nobody reads this")))  # off: not an idea, just chat
    assert await ideas(server) == {}
    await screenshot(page, "admin-audience-off")

    # Turned on in Settings → Chat: the panel docks beside the vote and says what note mode does.
    form = page.locator("#settings-form")
    await form.locator('[name="ideas.mode"]').select_option("note")
    await page.locator("#settings-save").click()
    await expect(page.locator("#settings-status")).to_have_text("Saved", timeout=WAIT_MS)
    await expect(page.locator("#ideas-mode")).to_have_text("note mode")
    await expect(page.locator("#live-top")).to_have_attribute("data-audience", "on")
    await expect(page.locator("#ideas-hint")).to_contain_text("start a story to approve")

    # Between stories an idea waits; approving it in note mode needs a running story: said in the banner.
    await send(server, chat(("u2", "Bo", "!idea a dragon sleeps under the town")))
    idea = page.locator("#ideas-pending .idea")
    await expect(idea).to_have_count(1, timeout=WAIT_MS)
    await idea.locator(".idea-approve").click()
    await expect(page.locator("#error-banner")).to_contain_text("no story is running", timeout=WAIT_MS)
    await expect(idea).to_have_count(1)  # still waiting
    await page.locator("#error-dismiss").click()

    # Ballot mode: approved without a story, it waits to be a choice of the next vote.
    status, body = await server.call("POST", f"{API}/config", {"ideas.mode": "ballot"})
    assert status == 200, body
    await page.reload()  # the config as a freshly opened panel reads it
    await expect(page.locator("#ideas-mode")).to_have_text("ballot mode", timeout=WAIT_MS)
    await expect(page.locator("#ideas-hint")).to_contain_text("choices of the next vote (up to 2)")
    await page.locator("#ideas-pending .idea-approve").click()
    await expect(page.locator("#ideas-decided .idea-status")).to_have_text("approved · a choice of the next vote",
                                                                            timeout=WAIT_MS)
    await page.close()


async def test_the_panel_goes_under_the_vote_at_900_px(serve: StartServer, browser: Browser) -> None:
    server = await serve(SystemClock(), **{**SHOW, "ideas.mode": "ballot"})
    page = await open_admin(browser, server, width=900, height=800)
    await start_and_vote(server, page)
    await send(server, chat(*((f"v{i}", f"Viewer {i}", f"!idea idea number {word} for the story")
                              for i, word in enumerate(("one", "two", "three")))))
    await expect(page.locator("#ideas-pending .idea")).to_have_count(3, timeout=WAIT_MS)
    await expect(page.locator("#nav-audience-count")).to_have_text("3")
    (nav,) = await boxes(page, ["#nav-audience"])
    assert inside(nav, 900, 800), nav  # the count is in sight while the vote is
    console, panel = await boxes(page, ["#vote-console", "#audience-panel"])
    assert panel["top"] >= console["bottom"], (console, panel)  # under the vote, not squeezed beside it
    assert await small_controls(page) == []
    widths = await page.evaluate(SIDEWAYS)
    assert widths["scroll"] <= widths["window"] and widths["body"] <= widths["window"], widths
    await page.locator("#nav-audience").click()  # scrolls to the panel, its heading clear of the sticky bars
    await page.wait_for_function(UNCOVERED, arg="#ideas-h", timeout=WAIT_MS)
    await expect(page.locator("#ideas-pending .idea-approve").first).to_be_in_viewport()
    await screenshot(page, "admin-audience-ideas-900")
    await page.close()


async def chat_status(server: Running) -> dict[str, Any]:
    status, body = await server.call("GET", f"{API}/chat/status")
    assert status == 200, body
    return dict(body)


async def test_tiktok_and_twitch_sources_side_by_side(serve: StartServer, browser: Browser, irc: IrcServer) -> None:
    server = await serve(SystemClock(), **{"chat.sources": ["twitch"], "twitch.channel": CHANNEL,
                                           "twitch.url": irc.url, "twitch.stall_timeout_s": 3600})
    client = await irc.joined()
    page = await open_admin(browser, server, **LAPTOP)
    cards = page.locator("#chat-facts .chat-source")
    twitch = page.locator('#chat-facts .chat-source[data-source="twitch"]')
    await expect(twitch).to_have_count(1, timeout=WAIT_MS)
    await expect(twitch.locator(".chat-source-name")).to_have_text(f"Twitch · #{CHANNEL}")
    await expect(twitch).to_have_attribute("data-state", "live", timeout=WAIT_MS)
    await expect(page.locator("#chat-badge")).to_have_text("Twitch: live")
    await expect(page.locator("#chat-source")).to_have_value("twitch")

    # Pick both in Settings → Chat: TikTok joins (no @name set: it says so), Twitch stays connected.
    picker = page.locator("#chat-sources-picker")
    await expect(picker.locator("input[value=twitch]")).to_be_checked()
    await picker.locator("label", has_text="TikTok LIVE").click()
    await expect(page.locator("#settings-status")).to_have_text("1 unsaved change")
    await page.locator("#settings-save").click()
    await expect(page.locator("#settings-status")).to_have_text("Saved", timeout=WAIT_MS)
    status, body = await server.call("GET", f"{API}/config")
    assert body["config"]["chat"]["sources"] == ["twitch", "tiktok"], body["config"]["chat"]
    await page.locator("#settings-chat").scroll_into_view_if_needed()
    await screenshot(page, "admin-audience-settings-chat")
    await expect(cards).to_have_count(2, timeout=WAIT_MS)
    tiktok = page.locator('#chat-facts .chat-source[data-source="tiktok"]')
    await expect(tiktok).to_have_attribute("data-state", "error", timeout=WAIT_MS)
    await expect(tiktok).to_contain_text("no TikTok username set")
    await expect(tiktok).to_contain_text("no @name set")
    await expect(twitch).to_have_attribute("data-state", "live")
    assert len(irc.clients) == 1  # adding TikTok left Twitch connected
    await expect(page.locator("#chat-badge")).to_have_text("Twitch: live · TikTok: error")
    await expect(page.locator("#chat-badge")).to_have_attribute("data-state", "error")
    await expect(page.locator("#chat-source-label")).to_have_text("Sources: twitch + tiktok")
    await expect(page.locator("#chat-source")).to_have_value("__several")
    await expect(page.locator("#chat-source option[value=__several]")).to_have_text(
        "Several at once: Twitch chat + TikTok LIVE")
    # Side by side, in that order.
    first, second = await boxes(page, ['#chat-facts .chat-source[data-source="twitch"]',
                                       '#chat-facts .chat-source[data-source="tiktok"]'])
    assert abs(first["top"] - second["top"]) < 2 and first["right"] <= second["left"], (first, second)

    # Counts per platform: a Twitch line and a rehearsal line.
    await client.privmsg("hello from twitch", login="twitch_viewer", user_id="77", display_name="Twitch Viewer")
    await send(server, {"user_id": "r1", "nickname": "Tester", "text": "hi"})  # the Rehearsal box
    await page.locator("#chat-refresh").click()
    await expect(twitch.locator(".chat-source-counts")).to_have_text("1 message · 0 votes", timeout=WAIT_MS)
    await expect(page.locator("#chat-platforms-other")).to_have_text(
        "Also counted — Rehearsal box: 1 message · 0 votes", timeout=WAIT_MS)
    await page.locator("#chat").scroll_into_view_if_needed()
    await screenshot(page, "admin-audience-chat-sources")

    # Twitch only again, from the boxes; no channel: the boxes say so before saving.
    await picker.locator("label", has_text="TikTok LIVE").click()
    await page.locator("#s-twitch-channel").fill("")
    await expect(page.locator("#chat-sources-warn")).to_be_visible()
    await page.locator("#s-twitch-channel").fill(CHANNEL)
    await expect(page.locator("#chat-sources-warn")).to_be_hidden()
    await page.locator("#settings-save").click()
    await expect(page.locator("#settings-status")).to_have_text("Saved", timeout=WAIT_MS)
    await expect(cards).to_have_count(1, timeout=WAIT_MS)
    status_now = await chat_status(server)
    assert list(status_now["sources"]) == ["twitch"], status_now
    await page.close()


async def test_a_twitch_source_that_cannot_connect_says_so(serve: StartServer, browser: Browser) -> None:
    server = await serve(SystemClock(), **{"chat.source": "twitch", "twitch.channel": "Some_Channel",
                                           "twitch.url": "ws://127.0.0.1:9/", "twitch.reconnect_min_s": 30})
    page = await open_admin(browser, server, **LAPTOP)
    twitch = page.locator('#chat-facts .chat-source[data-source="twitch"]')
    await expect(twitch.locator(".chat-source-name")).to_have_text("Twitch · #some_channel", timeout=WAIT_MS)
    trying = re.compile(r"^(connecting|reconnecting|error)$")
    await expect(page.locator("#chat-state")).to_have_attribute("data-state", trying, timeout=WAIT_MS)
    await expect(page.locator("#chat-badge")).to_contain_text("Twitch: ")
    await expect(page.locator("#chat-state")).to_have_attribute("data-state", re.compile("^(reconnecting|error)$"),
                                                                 timeout=WAIT_MS)
    await expect(page.locator("#chat-detail")).to_contain_text(re.compile("reconnecting in|retrying in", re.I))
    await expect(twitch.locator("a", has_text="#some_channel")).to_have_attribute(
        "href", "https://www.twitch.tv/some_channel")
    await page.close()


async def test_viewers_who_join_wait_to_be_picked_beside_the_vote(serve: StartServer, browser: Browser,
                                                                 irc: IrcServer) -> None:
    server = await serve(SystemClock(), **{"voting.duration_s": 600, "join.mode": "pick", "join.max_roles": 1,
                                           "ideas.mode": "note", "chat.sources": ["twitch"], "twitch.channel": CHANNEL,
                                           "twitch.url": irc.url, "twitch.stall_timeout_s": 3600})
    client = await irc.joined()
    page = await open_admin(browser, server, **LAPTOP)
    waiting = page.locator("#cast-waiting .cast-member")
    await expect(page.locator("#cast-box")).to_be_visible(timeout=WAIT_MS)
    await expect(page.locator("#cast-mode")).to_have_text("you pick")
    await start_and_vote(server, page)
    await expect(page.locator("#cast-hint")).to_contain_text("pick who joins (1 role free of 1)", timeout=WAIT_MS)

    # Viewers type !join in TikTok LIVE and Twitch chat (and one has an idea): they wait beside the vote, named as
    # in the story.
    async with tiktok_chat(server, ManualClock()) as tiktok:
        tiktok.say((21, "Luna Moth", "luna_moth", "!join"))
        await expect(waiting).to_have_count(1, timeout=WAIT_MS)
        await picked_and_declined(server, page, client)


async def picked_and_declined(server: Running, page: Page, client: IrcClient) -> None:
    """The rest of the pick-mode test, while TikTok LIVE is still connected (its end would pause the vote)."""
    waiting, cast = page.locator("#cast-waiting .cast-member"), page.locator("#cast-list .cast-member")
    for login, name, text in (("bo_b", "Bo", "!join"), ("cyrus", "Cyrus", "!join"),
                              ("dee", "Dee", "!idea the mayor is a ghost")):
        await client.privmsg(text, login=login, user_id=f"id-{login}", display_name=name)
    await expect(waiting).to_have_count(3, timeout=WAIT_MS)
    await expect(page.locator("#cast-waiting-count")).to_have_text("3")
    await expect(page.locator("#nav-audience-count")).to_have_text("4", timeout=WAIT_MS)  # 3 viewers and 1 idea
    luna = waiting.filter(has_text="Luna Moth")
    await expect(luna.locator(".cast-handle")).to_have_text("@luna_moth")
    await expect(luna.locator(".cast-platform")).to_have_text("TikTok")
    await expect(waiting.filter(has_text="Bo").locator(".cast-platform")).to_have_text("Twitch")
    await expect(waiting.filter(has_text="Bo").locator(".cast-handle")).to_be_hidden()  # Twitch gives no @name
    await expect(cast).to_have_count(0)
    for box in await boxes(page, ["#close-vote-button", "#cast-waiting .cast-pick", "#cast-waiting .cast-decline",
                                   "#ideas-pending .idea-approve"]):
        assert box["left"] >= 0 and box["right"] <= LAPTOP["width"], box
    (panel,) = await boxes(page, ["#audience-panel"])
    assert panel["bottom"] <= LAPTOP["height"], panel  # a long list scrolls inside the panel, beside the vote
    assert await small_controls(page) == []
    await screenshot(page, "admin-audience-cast-1280x720")

    # Pick one: in the story (not in a chapter yet); the one role is taken.
    await luna.locator(".cast-pick").click()
    await expect(cast).to_have_count(1, timeout=WAIT_MS)
    await expect(cast.first.locator(".cast-name")).to_have_text("Luna Moth")
    await expect(cast.first.locator(".cast-where")).to_have_text("not in a chapter yet")
    await expect(waiting).to_have_count(2)
    await expect(page.locator("#cast-hint")).to_contain_text("0 roles free of 1", timeout=WAIT_MS)
    # Another pick: no role is free, said plainly; the viewer still waits.
    await waiting.filter(has_text="Bo").locator(".cast-pick").click()
    await expect(page.locator("#error-banner")).to_contain_text("no role is free", timeout=WAIT_MS)
    await expect(waiting).to_have_count(2)
    await page.locator("#error-dismiss").click()
    await waiting.filter(has_text="Cyrus").locator(".cast-decline").click()
    await expect(waiting).to_have_count(1, timeout=WAIT_MS)
    status, listing = await server.call("GET", f"{API}/cast")
    assert [m["name"] for m in listing["cast"]] == ["Luna Moth"] and [m["name"] for m in listing["waiting"]] == ["Bo"]

    # The next chapter brings her in: "in chapter 2".
    await page.locator("#close-vote-button").click()
    await expect(cast.first.locator(".cast-where")).to_have_text("in chapter 2", timeout=WAIT_MS)
    await page.close()
