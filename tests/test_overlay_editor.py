"""The overlay's layout editor (?edit=1) in real headless Chromium on a real server: the streamer drags and resizes
the story and vote panels, saves them (admin token), every open overlay of that layout moves them at once, a
reload comes back to them, and reset brings back the built-in layout. Waits are polls on the page, never sleeps."""

from __future__ import annotations

import re
from typing import Any

from playwright.async_api import Browser, Page, ViewportSize, expect

from tests.conftest import StartServer
from tests.support.browser import screenshot
from tests.support.harness import Running

API = "/api/interactive-story"
WAIT_MS = 60_000  # generous: only spent when something is wrong
PHONE: ViewportSize = {"width": 540, "height": 960}  # half of the 1080x1920 portrait canvas
SCREEN: ViewportSize = {"width": 960, "height": 540}  # half of the 1920x1080 landscape canvas

# A holder's box in % of the canvas, as the page lays it out.
BOX = """id => {
  const c = document.getElementById("canvas").getBoundingClientRect();
  const r = document.getElementById(id).getBoundingClientRect();
  return {x: (r.left - c.left) / c.width * 100, y: (r.top - c.top) / c.height * 100,
          w: r.width / c.width * 100, h: r.height / c.height * 100};
}"""


async def open_editor(browser: Browser, server: Running, layout: str = "portrait", token: str | None = None) -> Page:
    """The editor as the admin panel opens it (the token in the address's fragment), or without a token."""
    page = await browser.new_page(viewport=PHONE if layout == "portrait" else SCREEN)
    fragment = f"#token={token}" if token else ""
    await page.goto(f"{server.url}/overlay?layout={layout}&edit=1{fragment}")
    await expect(page.locator("#editor-status")).to_contain_text("layout", timeout=WAIT_MS)
    await expect(page.locator("#choices .choice")).to_have_count(3, timeout=WAIT_MS)  # the sample vote
    return page


async def open_overlay(browser: Browser, server: Running) -> Page:
    """A live portrait overlay (what TikTok LIVE Studio shows), connected."""
    page = await browser.new_page(viewport=PHONE)
    await page.goto(f"{server.url}/overlay?layout=portrait")
    await expect(page.locator("body")).to_have_attribute("data-connected", "true", timeout=WAIT_MS)
    return page


async def drag(page: Page, selector: str, dx: float, dy: float) -> None:
    """Press on the element's centre, move by (dx, dy) window pixels in steps, release."""
    box = await page.locator(selector).bounding_box()
    assert box, selector
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    await page.mouse.move(x, y)
    await page.mouse.down()
    await page.mouse.move(x + dx, y + dy, steps=6)
    await page.mouse.up()
    await settle(page)


async def settle(page: Page) -> None:
    """Two animation frames: the editor has drawn what the last input did."""
    await page.evaluate("() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))")


async def frame_box(page: Page, panel: str) -> dict[str, float]:
    """Where the editor's frame for a panel is, in % of the canvas."""
    found: dict[str, float] = await page.evaluate(
        """panel => {
          const s = document.querySelector(`.edit-frame[data-panel="${panel}"]`).style;
          return {x: parseFloat(s.left), y: parseFloat(s.top), w: parseFloat(s.width), h: parseFloat(s.height)};
        }""", panel)
    return found


async def frame_at(page: Page, panel: str, side: str, value: float) -> None:
    """Wait until a frame's edge (its style's left or top, in %) is at `value` (frames follow on the next frame)."""
    await page.wait_for_function(
        """([panel, side, value]) => Math.abs(parseFloat(
             document.querySelector(`.edit-frame[data-panel="${panel}"]`).style[side]) - value) < 0.01""",
        arg=[panel, side, value], timeout=WAIT_MS)


def near(a: dict[str, Any], b: dict[str, Any], slack: float = 0.6) -> bool:
    """The same box, give or take rounding (in % of the canvas)."""
    return all(abs(a[k] - b[k]) <= slack for k in ("x", "y", "w", "h"))


async def test_the_editor_saves_for_every_overlay_reloads_and_resets(serve: StartServer, browser: Browser) -> None:
    server = await serve()
    live = await open_overlay(browser, server)
    built_in_vote = await live.evaluate(BOX, "vote-col")
    page = await open_editor(browser, server, token=server.token)
    assert "token" not in page.url  # taken out of the address bar at once
    await expect(page.locator("#editor-status")).to_have_text(re.compile("built-in layout"))
    await expect(page.locator("#editor-token")).to_be_hidden()
    await screenshot(page, "layout-editor-portrait")  # the picture of TikTok's zones in README

    # Move the vote panel up by a tenth of the canvas and make it taller by its corner.
    start = await frame_box(page, "vote")
    await drag(page, '.edit-frame[data-panel="vote"] .edit-label', 0, -96)
    await drag(page, '.edit-frame[data-panel="vote"] .edit-grip', 0, 40)
    await expect(page.locator("#editor-status")).to_have_text("Not saved yet")
    moved = await frame_box(page, "vote")
    assert moved["y"] < start["y"] - 8 and moved["h"] > start["h"] + 3, (start, moved)
    # The panel itself sits in its new box, under the frame.
    assert near(await page.evaluate(BOX, "vote-col"), moved)
    # Nudged with the keyboard: one per cent to the left for the story.
    story = await frame_box(page, "story")
    await page.locator('.edit-frame[data-panel="story"]').focus()
    await page.keyboard.press("ArrowLeft")
    await frame_at(page, "story", "left", story["x"] - 1)

    await page.locator("#editor-save").click()
    await expect(page.locator("#editor-status")).to_have_text("Saved: every portrait overlay uses it now.")
    status, body = await server.call("GET", f"{API}/overlay-layout", admin=False)
    saved = body["layouts"]["portrait"]
    assert status == 200 and near(saved["vote"], moved, 0.01), saved
    # The overlay already on air moved its vote panel there, without a reload.
    await expect(live.locator("body")).to_have_attribute("data-placed", "true", timeout=WAIT_MS)
    assert near(await live.evaluate(BOX, "vote-col"), saved["vote"])
    assert not near(built_in_vote, saved["vote"], 3)
    await screenshot(page, "layout-editor-portrait-placed")

    # A reload (a new OBS source, or the editor again) comes back to the saved boxes.
    again = await open_editor(browser, server, token=server.token)
    await expect(again.locator("#editor-status")).to_have_text(re.compile("The saved layout"))
    await frame_at(again, "vote", "top", saved["vote"]["y"])
    fresh = await open_overlay(browser, server)
    await expect(fresh.locator("body")).to_have_attribute("data-placed", "true", timeout=WAIT_MS)
    assert near(await fresh.evaluate(BOX, "vote-col"), saved["vote"])

    # Reset: the built-in layout, on the server and on air.
    await again.locator("#editor-reset").click()
    reset = "Back to the built-in layout for every portrait overlay."
    await expect(again.locator("#editor-status")).to_have_text(reset)
    assert (await server.call("GET", f"{API}/overlay-layout"))[1]["layouts"] == {}
    for overlay in (live, fresh):
        await expect(overlay.locator("body")).not_to_have_attribute("data-placed", "true", timeout=WAIT_MS)
    assert near(await live.evaluate(BOX, "vote-col"), built_in_vote)


async def test_saving_needs_the_admin_token_and_a_panel_under_tiktok_is_flagged(
        serve: StartServer, browser: Browser) -> None:
    server = await serve()
    page = await open_editor(browser, server)  # opened by hand: no token
    await page.locator("#editor-save").click()
    await expect(page.locator("#editor-status")).to_contain_text("Enter the admin token")
    await expect(page.locator("#editor-token")).to_be_focused()
    await page.locator("#editor-token").fill("not-the-token")
    await page.locator("#editor-save").click()
    await expect(page.locator("#editor-status")).to_have_text("The admin token was refused: enter it again.")
    assert (await server.call("GET", f"{API}/overlay-layout"))[1]["layouts"] == {}

    # Dragged down into TikTok's comments: the frame turns red and the status says what phones will miss.
    await drag(page, '.edit-frame[data-panel="vote"] .edit-label', 0, 200)
    await expect(page.locator('.edit-frame[data-panel="vote"]')).to_have_attribute("data-unsafe", "")
    await expect(page.locator("#editor-status")).to_contain_text("vote panel reaches into TikTok's comments and gifts")
    await expect(page.locator('.edit-frame[data-panel="story"]')).not_to_have_attribute("data-unsafe", "")
    # A panel can never leave the canvas, however far it is dragged.
    await drag(page, '.edit-frame[data-panel="vote"] .edit-label', 0, 2000)
    vote = await frame_box(page, "vote")
    assert vote["y"] + vote["h"] <= 100

    await page.locator("#editor-token").fill(server.token)
    await page.locator("#editor-save").click()
    await expect(page.locator("#editor-status")).to_have_text("Saved: every portrait overlay uses it now.")
    await expect(page.locator("#editor-token")).to_be_hidden()
    saved = (await server.call("GET", f"{API}/overlay-layout"))[1]["layouts"]["portrait"]
    assert near(saved["vote"], vote, 0.01)


async def test_the_landscape_editor_previews_the_chapter_and_the_vote(serve: StartServer, browser: Browser) -> None:
    server = await serve()
    page = await open_editor(browser, server, "landscape", server.token)
    await expect(page.locator(".edit-zone").first).to_be_hidden()  # TikTok's zones are for portrait only
    await page.locator("#editor-preview-chapter").click()
    await expect(page.locator("body")).to_have_attribute("data-screen", "chapter", timeout=WAIT_MS)
    await expect(page.locator("#chapter-text")).to_contain_text("The fog rolled in")
    await drag(page, '.edit-frame[data-panel="story"] .edit-grip', -200, 0)  # narrower story panel
    story = await frame_box(page, "story")
    assert near(await page.evaluate(BOX, "main"), story)
    await screenshot(page, "layout-editor-landscape-chapter")
    await page.locator("#editor-preview-vote").click()
    await expect(page.locator("body")).to_have_attribute("data-screen", "voting", timeout=WAIT_MS)
    await page.locator("#editor-save").click()
    await expect(page.locator("#editor-status")).to_have_text("Saved: every landscape overlay uses it now.")
    layouts = (await server.call("GET", f"{API}/overlay-layout"))[1]["layouts"]
    assert list(layouts) == ["landscape"] and near(layouts["landscape"]["story"], story, 0.01)
