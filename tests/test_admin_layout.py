"""The admin panel as a streamer uses it mid-show, in real headless Chromium on a real server: the vote and its
controls on a laptop screen without scrolling, nothing sideways at 900 px, touch targets, a Save that stays on
screen, a rehearsal that cannot pass for a live show, rehearsal voters kept apart, and both overlay addresses.
Every wait is a poll on what the page shows (no fixed sleeps): it holds on a busy machine."""

from __future__ import annotations

import colorsys
import re
from typing import Any

from playwright.async_api import Browser, Page, ViewportSize, expect

from plugin.clock import SystemClock
from tests.conftest import StartServer
from tests.support.browser import screenshot
from tests.support.harness import Running

API = "/api/interactive-story"
WAIT_MS = 60_000  # generous: only spent when something is wrong
LAPTOP: ViewportSize = {"width": 1280, "height": 720}
# The vote stays open while the page is measured, and the result holds after it closes: the next vote opening
# clears the "Vote closed" acknowledgement, which must not race the check.
SHOW = {"voting.duration_s": 600, "show.result_hold_s": 120}

# The box of each element a selector finds, against the window, and whether a click at its centre lands on it (not
# under a sticky bar).
BOXES = """selectors => selectors.flatMap(sel => [...document.querySelectorAll(sel)].map(node => {
  const r = node.getBoundingClientRect();
  const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
  return {sel, top: r.top, bottom: r.bottom, left: r.left, right: r.right, height: r.height,
          hit: Boolean(hit && (hit === node || node.contains(hit)))};
}))"""

# Every visible button, input and select in Live: its height, and whether its text is cut.
CONTROLS = """() => [...document.querySelectorAll("#live button, #live input, #live select")]
  .filter(n => n.getClientRects().length && getComputedStyle(n).visibility !== "hidden")
  .map(n => {
    const r = n.getBoundingClientRect();
    return {what: n.id || n.className || n.textContent.trim(), height: r.height, left: r.left, right: r.right,
            cut: n.tagName === "BUTTON" && n.scrollWidth > n.clientWidth + 1};
  })"""

SIDEWAYS = """() => ({scroll: document.documentElement.scrollWidth, body: document.body.scrollWidth,
                       window: document.documentElement.clientWidth})"""

# Counts each opening of the start dialog (installed in the page by the test, read back with evaluate).
WATCH_DIALOG = """() => {
  const d = document.getElementById("start-confirm");
  window.__asked = 0;
  new MutationObserver(() => { if (d.open) window.__asked += 1; })
    .observe(d, {attributes: true, attributeFilter: ["open"]});
}"""


async def open_admin(browser: Browser, server: Running, width: int = 1280, height: int = 720) -> Page:
    """The admin panel at this window size, signed in and showing the server's state."""
    page = await browser.new_page(viewport={"width": width, "height": height})
    await page.goto(f"{server.url}/admin#token={server.token}")
    await expect(page.locator("#live-state")).not_to_have_text(re.compile(r"Connecting|Waiting for the server"),
                                                               timeout=WAIT_MS)
    return page


async def start_and_vote(server: Running, page: Page, theme: str = "mystery") -> None:
    """A story started through the API, its first vote open in the page."""
    status, body = await server.call("POST", f"{API}/start", {"theme": theme})
    assert status == 201, body
    await expect(page.locator("#live-choices .live-choice")).to_have_count(3, timeout=WAIT_MS)
    await expect(page.locator("#live-totals")).to_contain_text("so far", timeout=WAIT_MS)
    await expect(page.locator("#live-countdown")).to_have_text(re.compile(r"^\d+:\d\d$|^\d+ s$"), timeout=WAIT_MS)


async def boxes(page: Page, selectors: list[str]) -> list[dict[str, Any]]:
    """The window-relative boxes of the elements these selectors find (see BOXES)."""
    found: list[dict[str, Any]] = await page.evaluate(BOXES, selectors)
    assert len(found) >= len(selectors), (selectors, found)
    return found


def inside(box: dict[str, Any], width: int, height: int) -> bool:
    """Whole inside the window and not covered."""
    return box["top"] >= 0 and box["bottom"] <= height and box["left"] >= 0 and box["right"] <= width and box["hit"]


async def small_controls(page: Page) -> list[dict[str, Any]]:
    """Visible controls in Live under 44 px tall (a touch target) or with their text cut."""
    found: list[dict[str, Any]] = await page.evaluate(CONTROLS)
    assert found, "no controls measured"
    return [c for c in found if c["height"] < 44 or c["cut"]]


def hue(css: str) -> tuple[float, float]:
    """The hue (degrees) and saturation of a computed "rgb(r, g, b)" colour."""
    r, g, b = (int(x) / 255 for x in re.findall(r"\d+", css)[:3])
    h, _, s = colorsys.rgb_to_hls(r, g, b)
    return h * 360, s


async def test_a_running_vote_and_its_controls_fit_a_laptop_screen(serve: StartServer, browser: Browser) -> None:
    server = await serve(SystemClock(), **SHOW)
    page = await open_admin(browser, server, **LAPTOP)
    await start_and_vote(server, page)
    await expect(page.locator("#close-vote-button")).to_be_enabled()
    # One button closes the vote: the old pair ("Close vote & continue" beside "Force vote end") is gone.
    assert await page.locator("#live button:visible", has_text=re.compile("Force|continue")).count() == 0
    assert await page.evaluate("() => window.scrollY") == 0
    vote = ["#live-state", "#live-countdown", "#close-vote-button", "#extend-button", "#end-button",
            "#live-choices .live-choice", "#live-choices .pick-choice", "#live-totals"]
    found = await boxes(page, vote)
    assert len(found) == len(vote) + 4  # three choices, each with its Pick button
    for box in found:
        assert inside(box, **LAPTOP), box
    assert await small_controls(page) == []
    await screenshot(page, "admin-layout-live-1280x720")

    # The controls that show only on demand are touch targets too: End story's confirmation, a choice's editor.
    await page.locator("#end-button").click()
    await expect(page.locator("#end-confirm")).to_be_visible()
    assert await small_controls(page) == []
    await page.locator("#end-cancel").click()
    await page.locator("#live-choices .edit-choice").first.click()
    await expect(page.locator("#live-choices .edit-choice-input")).to_be_visible()
    assert await small_controls(page) == []
    await page.locator("#live-choices .cancel-choice").click()

    # Close vote now: the vote closes on the server and the panel says so.
    await page.locator("#close-vote-button").click()
    await expect(page.locator("#vote-ack")).to_contain_text("Vote closed", timeout=WAIT_MS)
    await expect(page.locator("#last-result")).to_be_visible(timeout=WAIT_MS)
    await page.close()


async def test_nothing_scrolls_sideways_at_900_px(serve: StartServer, browser: Browser) -> None:
    # a rehearsal: the top bar carries its widest set (the REHEARSAL badge, the beat, the connection)
    server = await serve(SystemClock(), **{**SHOW, "chat.source": "simulator", "simulator.votes_per_s": 1})
    page = await open_admin(browser, server, width=900, height=800)
    await start_and_vote(server, page)
    await expect(page.locator("#rehearsal-badge")).to_be_visible(timeout=WAIT_MS)
    on_screen = ["#rehearsal-badge", "#header-state", "#conn-badge", "#signout-button",
                 "#live-countdown", "#close-vote-button", "#extend-button", "#end-button"]
    for box in await boxes(page, on_screen):
        assert inside(box, 900, 800), box
    assert await small_controls(page) == []
    await screenshot(page, "admin-layout-live-900")
    await page.locator("#settings-advanced > summary").click()  # the widest group, unfolded
    await page.locator("#top-voters-scope").select_option("session")
    await expect(page.locator("#top-voters-list .top-voter, #top-voters-list .empty").first).to_be_attached()
    widths = await page.evaluate(SIDEWAYS)
    assert widths["scroll"] <= widths["window"] and widths["body"] <= widths["window"], widths
    for control in await page.evaluate(CONTROLS):
        assert control["left"] >= 0 and control["right"] <= widths["window"], control
    await page.close()


async def test_settings_are_grouped_and_save_stays_on_screen(serve: StartServer, browser: Browser) -> None:
    server = await serve(SystemClock())
    page = await open_admin(browser, server, **LAPTOP)
    titles = await page.locator("#settings-form .group-title").all_inner_texts()
    assert [t.split()[0] for t in titles] == ["Show", "Writer", "Voice", "Chat", "Advanced"], titles
    await expect(page.locator("#settings-advanced")).not_to_have_attribute("open", "")  # folded away at first
    form = page.locator("#settings-form")
    await expect(form.locator('[name="story.max_chapters"]')).to_have_value(re.compile(r"\d"), timeout=WAIT_MS)
    await form.locator('[name="story.max_chapters"]').fill("7")
    await expect(page.locator("#settings-status")).to_have_text("1 unsaved change")
    for open_advanced in (False, True):
        if open_advanced:
            await page.locator(".settings-nav a", has_text="Advanced").click()
            await expect(page.locator("#settings-advanced")).to_have_attribute("open", "")
        for where in ("start", "end", "middle"):
            # The section's top at the window's top, its end at the window's bottom, and a group in between.
            await page.evaluate("""where => document.getElementById(where === "middle" ? "settings-media" : "settings")
                                   .scrollIntoView({block: where === "end" ? "end" : "start"})""", where)
            assert await page.evaluate("() => window.scrollY") > 0
            (save,) = await boxes(page, ["#settings-save"])
            assert inside(save, **LAPTOP), (where, open_advanced, save)
            if where == "start" and not open_advanced:
                await screenshot(page, "admin-layout-settings-top")
            if where == "end" and open_advanced:
                await screenshot(page, "admin-layout-settings-bottom")
    await page.locator("#settings-save").click()
    await expect(page.locator("#settings-status")).to_have_text("Saved", timeout=WAIT_MS)
    status, body = await server.call("GET", f"{API}/config")
    assert body["config"]["story"]["max_chapters"] == 7
    await page.close()


async def test_a_rehearsal_is_amber_and_start_asks_first_when_tiktok_is_set(serve: StartServer,
                                                                            browser: Browser) -> None:
    server = await serve(SystemClock(), **{**SHOW, "chat.source": "simulator", "tiktok.unique_id": "story_tester",
                                           "simulator.votes_per_s": 2})
    page = await open_admin(browser, server, **LAPTOP)
    await page.evaluate(WATCH_DIALOG)
    badge = page.locator("#rehearsal-badge")
    await expect(badge).to_have_text("REHEARSAL — simulated audience", timeout=WAIT_MS)
    await expect(badge).to_be_visible()
    await expect(page.locator("#chat-badge")).to_be_hidden()  # no green "Simulator: live" beside it
    status, chat = await server.call("GET", f"{API}/chat/status")
    assert chat["source"] == "simulator" and chat["running"] is True, chat
    colours = await badge.evaluate("b => [getComputedStyle(b).backgroundColor, getComputedStyle(b).borderTopColor]")
    for colour in colours:
        h, s = hue(colour)
        assert 30 <= h <= 50 and s > 0.6, (colour, h, s)  # amber, never green (~90-160)
    await expect(page.locator("#chat-state")).to_have_attribute("data-state", "rehearsal")

    # Start with a TikTok account set: asked first. Cancel starts nothing.
    dialog = page.locator("#start-confirm")
    await page.locator("#start-button").click()
    await expect(dialog).to_be_visible()
    await expect(page.locator("#start-confirm-account")).to_have_text("@story_tester")
    await screenshot(page, "admin-layout-start-rehearsal")
    await page.locator("#start-confirm-cancel").click()
    await expect(dialog).to_be_hidden()
    status, state = await server.call("GET", f"{API}/status")
    assert state["state"] == "idle", state
    # Asked again; the rehearsal starts.
    await page.locator("#start-button").click()
    await page.locator("#start-confirm-rehearsal").click()
    await expect(page.locator("#live-choices .live-choice")).to_have_count(3, timeout=WAIT_MS)
    await expect(page.locator("#live-totals")).to_contain_text("so far", timeout=WAIT_MS)
    await expect(badge).to_be_visible()
    await screenshot(page, "admin-layout-rehearsal-live")
    assert await page.evaluate("() => window.__asked") == 2
    await end_now(server, page)

    # "Use TikTok LIVE chat and start": the source switches, then the story starts; the badge goes.
    await page.locator("#start-button").click()
    await page.locator("#start-confirm-tiktok").click()
    await expect(page.locator("#live-choices .live-choice")).to_have_count(3, timeout=WAIT_MS)
    await expect(badge).to_be_hidden(timeout=WAIT_MS)
    status, body = await server.call("GET", f"{API}/config")
    assert body["config"]["chat"]["source"] == "tiktok"
    assert await page.evaluate("() => window.__asked") == 3
    await end_now(server, page)
    await page.close()

    # Not otherwise: the simulated audience without a TikTok account, and an account with another source.
    for config, rehearsal in (({"chat.source": "simulator", "tiktok.unique_id": ""}, True),
                              ({"chat.source": "none", "tiktok.unique_id": "story_tester"}, False)):
        status, body = await server.call("POST", f"{API}/config", config)
        assert status == 200, body
        page = await open_admin(browser, server, **LAPTOP)
        await page.evaluate(WATCH_DIALOG)
        await expect(page.locator("#theme-cards .theme-card.selected")).to_have_count(1, timeout=WAIT_MS)
        if rehearsal:
            await expect(page.locator("#rehearsal-badge")).to_be_visible(timeout=WAIT_MS)
        else:
            await expect(page.locator("#chat-badge")).to_have_text("Chat: off", timeout=WAIT_MS)
            await expect(page.locator("#rehearsal-badge")).to_be_hidden()
        await page.locator("#start-button").click()
        await expect(page.locator("#live-choices .live-choice")).to_have_count(3, timeout=WAIT_MS)
        assert await page.evaluate("() => window.__asked") == 0, config
        await end_now(server, page)
        await page.close()


async def end_now(server: Running, page: Page) -> None:
    """End the running story at once and wait until the panel can start another."""
    status, body = await server.call("POST", f"{API}/end", {"final": False})
    assert status == 200, body
    await expect(page.locator("#start-button")).to_be_enabled(timeout=WAIT_MS)


async def test_top_voters_keep_rehearsal_voters_apart(serve: StartServer, browser: Browser) -> None:
    server = await serve(SystemClock(), **SHOW)
    page = await open_admin(browser, server, **LAPTOP)
    await start_and_vote(server, page)
    status, body = await server.call("POST", f"{API}/chat", {"messages": [
        {"platform": "tiktok", "user_id": "v1", "nickname": "RealViewer", "text": "!a"},
        {"user_id": "r1", "nickname": "PanelTester", "text": "!b"},
        {"platform": "simulator", "user_id": "s1", "nickname": "SimViewer", "text": "!c"}]})
    assert status == 200 and body["votes"] == 3, body
    await expect(page.locator("#ballots-saved")).to_contain_text("3 ballots saved", timeout=WAIT_MS)
    await page.locator("#top-voters-scope").select_option("session")
    real, apart = page.locator("#top-voters-list"), page.locator("#top-voters-simulated")
    await expect(real).to_contain_text("RealViewer", timeout=WAIT_MS)
    await expect(apart).to_contain_text("PanelTester")
    await expect(apart).to_contain_text("SimViewer")
    assert "PanelTester" not in await real.inner_text() and "SimViewer" not in await real.inner_text()
    await expect(page.locator("#top-voters-rehearsal")).to_be_hidden()  # one story: both always shown, apart

    # All time (added up when the vote closes): viewers only, rehearsal voters apart when asked for.
    await page.locator("#close-vote-button").click()
    await expect(page.locator("#last-result")).to_be_visible(timeout=WAIT_MS)
    await page.locator("#top-voters-scope").select_option("all")
    await expect(real).to_contain_text("RealViewer", timeout=WAIT_MS)
    await expect(page.locator("#top-voters-simulated-box")).to_be_hidden()
    await page.locator("#top-voters-rehearsal").check()
    await expect(apart).to_contain_text("SimViewer", timeout=WAIT_MS)
    await expect(apart).to_contain_text("PanelTester")
    assert "SimViewer" not in await real.inner_text()
    await page.locator("#top-voters").scroll_into_view_if_needed()
    await screenshot(page, "admin-layout-top-voters")
    await page.close()


async def test_the_overlay_section_copies_the_portrait_address_for_tiktok(serve: StartServer,
                                                                         browser: Browser) -> None:
    server = await serve(SystemClock())
    context = await browser.new_context(viewport=LAPTOP, permissions=["clipboard-read", "clipboard-write"])
    page = await context.new_page()
    await page.goto(f"{server.url}/admin#token={server.token}")
    await expect(page.locator("#overlay-url")).to_have_value(f"{server.url}/overlay", timeout=WAIT_MS)
    await expect(page.locator("#overlay-url-portrait")).to_have_value(f"{server.url}/overlay?layout=portrait")
    await page.locator("#copy-overlay-portrait").click()
    await expect(page.locator("#copy-overlay-portrait")).to_have_text("Copied ✓", timeout=WAIT_MS)
    assert await page.evaluate("() => navigator.clipboard.readText()") == f"{server.url}/overlay?layout=portrait"
    await expect(page.locator("#copy-overlay-portrait")).to_have_text("Copy portrait URL", timeout=WAIT_MS)
    await page.locator("#copy-overlay-url").click()
    await expect(page.locator("#copy-overlay-url")).to_have_text("Copied ✓", timeout=WAIT_MS)
    assert await page.evaluate("() => navigator.clipboard.readText()") == f"{server.url}/overlay"
    await page.locator("#overlay").scroll_into_view_if_needed()
    await screenshot(page, "admin-layout-overlay")

    # Edit layout opens the portrait editor in its own tab, signed in: a save goes through.
    await page.locator("#overlay-variants input[value=portrait]").check()
    async with context.expect_page() as opened:
        await page.locator("#edit-overlay-layout").click()
    editor = await opened.value
    await expect(editor.locator("#editor-title")).to_have_text("Layout editor · portrait", timeout=WAIT_MS)
    assert "token" not in editor.url
    await editor.locator("#editor-save").click()
    await expect(editor.locator("#editor-status")).to_have_text("Saved: every portrait overlay uses it now.",
                                                                timeout=WAIT_MS)
    assert list((await server.call("GET", f"{API}/overlay-layout"))[1]["layouts"]) == ["portrait"]
    await context.close()
