"""The OBS overlay in real headless Chromium: streaming text, live bars, reloads, safety, layout."""

from __future__ import annotations

import asyncio
from typing import Any

from playwright.async_api import Browser, Page, expect

from plugin.clock import SystemClock
from tests.conftest import StartServer
from tests.support.browser import screenshot
from tests.support.harness import Running, connect_socket
from tests.support.openai_server import FakeOpenAI, Reply

API = "/api/interactive-story"
XSS = "<img src=x onerror=alert(1)>"
# Elements whose visible part (after clipping by overflow-hidden ancestors) pokes out of the viewport.
VISIBLE_OUTSIDE_VIEWPORT = """() => {
  const W = innerWidth, H = innerHeight, bad = [];
  for (const el of document.querySelectorAll('body *')) {
    const s = getComputedStyle(el);
    if (s.display === 'none' || s.visibility === 'hidden') continue;
    let r = el.getBoundingClientRect();
    let box = {l: r.left, t: r.top, r: r.right, b: r.bottom};
    let hidden = false;
    for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
      const as = getComputedStyle(a);
      if (+as.opacity === 0 || as.visibility === 'hidden' || as.display === 'none') { hidden = true; break; }
      if (as.overflow !== 'visible' || as.overflowX !== 'visible' || as.overflowY !== 'visible') {
        const c = a.getBoundingClientRect();
        box = {l: Math.max(box.l, c.left), t: Math.max(box.t, c.top), r: Math.min(box.r, c.right), b: Math.min(box.b, c.bottom)};
      }
    }
    if (hidden || +s.opacity === 0 || box.r - box.l <= 0 || box.b - box.t <= 0) continue;
    if (box.l < -1 || box.t < -1 || box.r > W + 1 || box.b > H + 1) bad.push(el.id || el.className || el.tagName);
  }
  return bad;
}"""


async def open_overlay(browser: Browser, server: Running, query: str = "", width: int = 1920,
                       height: int = 1080) -> tuple[Page, list[str], list[str]]:
    """An overlay page; returns it with the list of every URL it requested and any dialogs."""
    page = await browser.new_page(viewport={"width": width, "height": height})
    requests: list[str] = []
    dialogs: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), asyncio.ensure_future(dialog.dismiss())))
    await page.goto(f"{server.url}/overlay{query}")
    return page, requests, dialogs


async def start_and_wait_for_vote(server: Running, theme: str = "fantasy") -> dict[str, Any]:
    """Start a story through the API and return the voting-started payload."""
    client, seen = await connect_socket(server.url)
    try:
        status, body = await server.call("POST", f"{API}/start", {"theme": theme})
        assert status == 201, body
        return await seen.wait_for("story:voting-started", timeout=30)
    finally:
        await client.disconnect()


async def send_votes(server: Running, *votes: tuple[str, str, str]) -> None:
    """Rehearsal chat through the API: (user id, nickname, text)."""
    status, _ = await server.call("POST", f"{API}/chat", {"messages": [
        {"user_id": u, "nickname": n, "text": t} for u, n, t in votes]})
    assert status == 200


async def test_screens_stream_vote_and_end_with_no_outside_requests(serve: StartServer, browser: Browser) -> None:
    server = await serve(SystemClock(), **{"llm.offline_words_per_s": 40, "voting.duration_s": 120,
                                           "story.max_chapters": 2})
    page, requests, _ = await open_overlay(browser, server)
    await expect(page.locator("body")).to_have_attribute("data-screen", "waiting")
    await screenshot(page, "overlay-waiting")
    await server.call("POST", f"{API}/start", {"theme": "cyberpunk"})
    await expect(page.locator("body")).to_have_attribute("data-screen", "generating", timeout=10_000)
    await screenshot(page, "overlay-generating")
    await expect(page.locator("#chapter-text")).not_to_be_empty(timeout=10_000)
    await screenshot(page, "overlay-chapter")
    await expect(page.locator("body")).to_have_attribute("data-screen", "voting", timeout=30_000)
    await expect(page.locator("#choices .choice")).to_have_count(3)
    await expect(page.locator("#choices .choice-label").first).to_have_text("!a")
    await send_votes(server, ("u1", "Ana", "!b"), ("u2", "Ben", "b"), ("u3", "Cy", "!a"))
    await expect(page.locator("#choices .choice").nth(1).locator(".choice-count")).to_have_text("2")
    await expect(page.locator("#choices .choice").nth(1).locator(".choice-pct")).to_have_text("67%")
    await expect(page.locator("#total-votes")).to_contain_text("3")
    await screenshot(page, "overlay-voting")
    await server.call("POST", f"{API}/next-chapter", {})
    await expect(page.locator("body")).to_have_attribute("data-screen", "result", timeout=10_000)
    await expect(page.locator("#result-text")).to_contain_text((await page.locator(".choice-text").nth(1).text_content()) or "?")
    await screenshot(page, "overlay-result")
    await expect(page.locator("body")).to_have_attribute("data-screen", "ended", timeout=60_000)
    await expect(page.locator("#top-voters li")).to_have_count(3)
    await expect(page.locator("#recap-chapters")).to_contain_text("2")
    await screenshot(page, "overlay-ended")
    outside = [url for url in requests if not url.startswith(server.url) and not url.startswith("data:")]
    assert outside == []
    await page.close()


async def test_reload_mid_vote_restores_choices_counts_and_countdown(serve: StartServer, browser: Browser) -> None:
    server = await serve(SystemClock(), **{"voting.duration_s": 300})
    vote = await start_and_wait_for_vote(server)
    await send_votes(server, ("u1", "Ana", "!c"), ("u2", "Ben", "3"))
    page, _, _ = await open_overlay(browser, server)
    await expect(page.locator("#choices .choice")).to_have_count(3)
    await page.reload()
    await expect(page.locator("body")).to_have_attribute("data-screen", "voting")
    await expect(page.locator("#choices .choice-text")).to_have_text(vote["choices"])
    await expect(page.locator("#choices .choice").nth(2).locator(".choice-count")).to_have_text("2")
    status, body = await server.call("GET", f"{API}/status")
    overlay_ms = await page.evaluate(
        "() => { const s = window.__overlay.state; return s.voting.endsAt - (Date.now() + s.offset); }")
    assert abs(overlay_ms - body["voting"]["remainingMs"]) <= 1000  # the overlay's clock agrees with the server's
    shown = int((await page.locator("#countdown").text_content() or "0").strip())
    assert overlay_ms / 1000 - 0.5 <= shown <= overlay_ms / 1000 + 1.5  # whole seconds, ticking 4x a second
    await page.close()


async def test_viewer_and_model_strings_are_shown_as_text(serve: StartServer, browser: Browser) -> None:
    chapter = (f"TITLE: {XSS}\nSTORY:\nThe door {XSS} opened onto a hall of mirrors and the hero stepped inside.\n"
               f"CHOICES:\nA) {XSS}\nB) Walk away\nC) Knock twice")
    async with FakeOpenAI(api_key=None) as fake:
        fake.default_reply = lambda body: Reply(
            content="TITLE: Safe\nOUTLINE:\n1. a\n2. b" if "Plan an" in body["messages"][1]["content"] else chapter)
        server = await serve(SystemClock(), **{"llm.base_url": fake.base_url, "llm.model": "fake-model",
                                               "story.max_chapters": 2, "voting.duration_s": 300})
        page, _, dialogs = await open_overlay(browser, server)
        await start_and_wait_for_vote(server)
        await expect(page.locator("#choices .choice-text").first).to_have_text(XSS)
        await expect(page.locator("#chapter-title")).to_contain_text(XSS)
        await send_votes(server, ("evil", XSS, "!a"))
        await expect(page.locator("#recent-voters")).to_contain_text(XSS)
        await server.call("POST", f"{API}/end", {"final": False})
        await expect(page.locator("#top-voters li").first).to_contain_text(XSS)
        assert await page.locator("img[src='x']").count() == 0
        assert dialogs == []
        await page.close()


async def test_portrait_layout_keeps_everything_inside_1080x1920(serve: StartServer, browser: Browser) -> None:
    server = await serve(SystemClock(), **{"story.num_choices": 6, "story.chapter_words": 900,
                                           "voting.duration_s": 300})
    page, _, _ = await open_overlay(browser, server, "?layout=portrait", 1080, 1920)
    await start_and_wait_for_vote(server, "postapocalyptic")
    await send_votes(server, *[(f"u{i}", f"Viewer number {i} with a long name", f"!{'abcdef'[i % 6]}") for i in range(12)])
    await expect(page.locator("#choices .choice")).to_have_count(6)
    await expect(page.locator("#total-votes")).to_contain_text("12")
    outside = await page.evaluate(VISIBLE_OUTSIDE_VIEWPORT)
    await screenshot(page, "overlay-portrait-voting")
    assert outside == []
    await page.close()
