"""The OBS overlay in real headless Chromium: streaming text, live bars, reloads, safety, layout."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from playwright.async_api import Browser, Page, expect
from playwright.async_api import TimeoutError as PlaywrightTimeout

from plugin.clock import SystemClock
from tests.conftest import StartServer
from tests.support.browser import screenshot
from tests.support.harness import Running, watching
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
        box = {l: Math.max(box.l, c.left), t: Math.max(box.t, c.top), r: Math.min(box.r, c.right),
               b: Math.min(box.b, c.bottom)};
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
    # connected before anything starts: narration lines are live events, not part of story:state
    await expect(page.locator("body")).to_have_attribute("data-connected", "true", timeout=10_000)
    return page, requests, dialogs


async def start_and_wait_for_vote(server: Running, theme: str = "fantasy") -> dict[str, Any]:
    """Start a story through the API and return the voting-started payload."""
    async with watching(server.url) as seen:
        status, body = await server.call("POST", f"{API}/start", {"theme": theme})
        assert status == 201, body
        return await seen.wait_for("story:voting-started", timeout=30)


async def send_votes(server: Running, *votes: tuple[str, str, str]) -> None:
    """Rehearsal chat through the API: (user id, nickname, text)."""
    status, _ = await server.call("POST", f"{API}/chat", {"messages": [
        {"user_id": u, "nickname": n, "text": t} for u, n, t in votes]})
    assert status == 200


async def test_screens_stream_vote_and_end_with_no_outside_requests(serve: StartServer, browser: Browser) -> None:
    server = await serve(SystemClock(), **{"llm.offline_words_per_s": 40, "voting.duration_s": 120,
                                           "story.max_chapters": 2})
    # text as it streams (narration=text): a narrated final chapter would hold "The End" until it is read
    page, requests, _ = await open_overlay(browser, server, "?narration=text")
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
    winner = (await page.locator(".choice-text").nth(1).text_content()) or "?"
    await expect(page.locator("#result-text")).to_contain_text(winner)
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
    asked = time.monotonic()
    status, body = await server.call("GET", f"{API}/status")
    # the overlay's remaining time and its countdown text, read at one instant (a busy machine may take a while
    # between two reads, and between asking the server and asking the overlay: that time is allowed for)
    overlay = await page.evaluate("() => { const s = window.__overlay.state; return {"
                                  " ms: s.voting.endsAt - (Date.now() + s.offset),"
                                  " shown: document.getElementById('countdown').textContent}; }")
    between_ms = (time.monotonic() - asked) * 1000
    overlay_ms = overlay["ms"]
    # the overlay's clock agrees with the server's
    assert -1000 - between_ms <= overlay_ms - body["voting"]["remainingMs"] <= 1000
    shown = int((overlay["shown"] or "0").strip())
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
        # markup a model wrote never reaches the screen (the gate keeps it off; the offline writer stands in)
        await expect(page.locator("#choices .choice")).to_have_count(3)
        shown = await page.locator("#story-panel").inner_text() + await page.locator("#choices").inner_text()
        assert "<img" not in shown and "onerror" not in shown
        await send_votes(server, ("evil", XSS, "!a"))  # what a viewer types is shown, as text
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
    await send_votes(server, *[(f"u{i}", f"Viewer number {i} with a long name", f"!{'abcdef'[i % 6]}")
                               for i in range(12)])
    await expect(page.locator("#choices .choice")).to_have_count(6)
    await expect(page.locator("#total-votes")).to_contain_text("12")
    await expect(page.locator("#image-frame")).to_have_attribute("data-state", "ready", timeout=20_000)
    # six choices take the room they need: the story line (and its picture) makes way, the vote is whole
    await expect(page.locator("#choices .choice").last).to_be_visible()
    outside = await page.evaluate(VISIBLE_OUTSIDE_VIEWPORT)
    await screenshot(page, "overlay-portrait-voting")
    assert outside == []
    await page.close()


# ---- narration and pictures ------------------------------------------------------------------------

NARRATED = {"tts.speed": 2.0, "story.chapter_words": 60, "voting.duration_s": 300}
PLAYED = "() => window.__overlay.narration.played"
VOTE_CALL_PLAYED = "n => window.__overlay.narration.played.some(p => p.chapterNumber === n && p.kind === 'vote-call')"


async def narrated_story(server: Running, page: Page, theme: str = "fantasy") -> tuple[int, list[dict[str, Any]]]:
    """Start a story, wait until the overlay has narrated chapter 1 and its vote call; returns the
    chapter's line count (from the server's events) and the overlay's played list."""
    async with watching(server.url) as seen:
        status, body = await server.call("POST", f"{API}/start", {"theme": theme})
        assert status == 201, body
        first = await seen.wait_for("story:narration", lambda n: n["chapterNumber"] == 1 and n["kind"] == "chapter",
                                    timeout=30)
        await seen.wait_for("story:narration", lambda n: n["kind"] == "vote-call", timeout=30)
    await wait_or_explain(page, VOTE_CALL_PLAYED, 1, 90_000)
    return first["total"], await page.evaluate(PLAYED)


async def wait_or_explain(page: Page, condition: str, arg: Any = None, timeout: float = 60_000) -> None:
    """page.wait_for_function, failing with what the overlay's narration was doing."""
    try:
        await page.wait_for_function(condition, arg=arg, timeout=timeout)
    except PlaywrightTimeout:
        seen = await page.evaluate("() => JSON.stringify({screen: window.__overlay.screen,"
                                   " narration: window.__overlay.narration,"
                                   " text: document.getElementById('chapter-text').textContent})")
        raise AssertionError(f"timed out waiting for {condition}; overlay: {seen}") from None


def chapter_lines(played: list[dict[str, Any]], number: int = 1) -> list[dict[str, Any]]:
    return [p for p in played if p["chapterNumber"] == number and p["kind"] == "chapter"]


async def test_narration_plays_each_line_in_order_then_the_vote_call(serve: StartServer, browser: Browser) -> None:
    server = await serve(SystemClock(), **NARRATED)
    page, requests, _ = await open_overlay(browser, server)
    # full mode: the spoken line is picked out of the chapter text while it plays
    spoken_in_step = asyncio.create_task(page.wait_for_function("""() => {
      const p = window.__overlay.narration.playing;
      const s = document.querySelector('#chapter-text .spoken');
      return p && p.kind === 'chapter' && p.audio && s && s.textContent === p.text.trim()
        && document.getElementById('chapter-text').classList.contains('narrating');
    }""", timeout=60_000))
    total, played = await narrated_story(server, page)
    await spoken_in_step
    lines = chapter_lines(played)
    assert total >= 2
    assert [p["index"] for p in lines] == list(range(total))  # every line once, strictly in order
    assert all(p["audio"] for p in lines), played  # the voice really played (headless: silently)
    vote_call = next(i for i, p in enumerate(played) if p["kind"] == "vote-call")
    assert vote_call > max(played.index(p) for p in lines)  # the vote call comes after the chapter
    assert played[vote_call]["audio"] is True
    audio = [url for url in requests if "/audio/" in url]
    assert audio and all(url.startswith(f"{server.url}{API}/audio/") for url in audio)
    # once the chapter is read, nothing is dimmed any more
    await expect(page.locator("#chapter-text")).not_to_have_class("narrating")
    await screenshot(page, "overlay-narrated")
    await page.close()


async def test_chapter_picture_fades_in_from_this_server(serve: StartServer, browser: Browser) -> None:
    server = await serve(SystemClock(), **{"voting.duration_s": 300})
    page, requests, _ = await open_overlay(browser, server, "?narration=off")
    await start_and_wait_for_vote(server)
    frame, picture = page.locator("#image-frame"), page.locator("#chapter-image")
    await expect(frame).to_have_attribute("data-state", "ready", timeout=20_000)
    await expect(picture).to_be_visible()
    assert (await picture.get_attribute("src") or "").startswith(f"{server.url}{API}/image/")
    assert await picture.evaluate("img => img.complete && img.naturalWidth") > 0
    # the vote is open: the story is its current line, the picture small beside it, never over it
    await expect(page.locator("body")).to_have_attribute("data-screen", "voting")
    box = await frame.bounding_box()
    assert box and abs(box["width"] / box["height"] - 16 / 9) < 0.05  # the picture's own shape: no crop
    text = await page.locator("#story-line").bounding_box()
    assert text and text["x"] >= box["x"] + box["width"]
    await screenshot(page, "overlay-picture")
    # a reload restores it from story:state
    await page.reload()
    await expect(frame).to_have_attribute("data-state", "ready", timeout=10_000)
    assert [u for u in requests if not u.startswith(server.url) and not u.startswith("data:")] == []
    await page.close()


async def test_failed_picture_leaves_no_empty_box(serve: StartServer, browser: Browser) -> None:
    async with FakeOpenAI(api_key="k") as fake:
        fake.script_images(*[Reply(status=500)] * 3)
        server = await serve(SystemClock(), **{"images.base_url": fake.base_url, "images.api_key": "k",
                                               "voting.duration_s": 300})
        page, _, _ = await open_overlay(browser, server, "?narration=text")
        async with watching(server.url) as seen:
            await server.call("POST", f"{API}/start", {"theme": "horror"})
            await seen.wait_for("story:image-failed", timeout=30)
        frame = page.locator("#image-frame")
        await expect(frame).to_have_attribute("data-state", "failed", timeout=10_000)
        await expect(frame).to_be_hidden()  # no empty box where a picture would have been
        await expect(page.locator("#chapter-image")).to_be_hidden()  # and no broken-image icon
        panel = await page.locator("#story-panel").bounding_box()
        # the chapter's text, or its current line once the vote is open: the panel's whole width either way
        text = await page.locator("#chapter-text:visible, #story-line:visible").first.bounding_box()
        assert panel and text and text["x"] - panel["x"] < 60
        await page.reload()  # story:state says the picture failed: no endless placeholder after a reload
        await expect(frame).to_have_attribute("data-state", "failed", timeout=10_000)
        await page.close()


async def test_narration_without_speech_is_paced_in_order(serve: StartServer, browser: Browser) -> None:
    server = await serve(SystemClock(), **{**NARRATED, "tts.provider": "off", "tts.reading_wpm": 400})
    page, requests, _ = await open_overlay(browser, server)
    total, played = await narrated_story(server, page)
    lines = chapter_lines(played)
    assert [p["index"] for p in lines] == list(range(total))
    assert not any(p["audio"] for p in played)  # paced: shown for their reading time, no sound
    assert not [url for url in requests if "/audio/" in url]
    await page.close()


async def test_a_reload_mid_chapter_takes_up_the_reading_where_it_was(serve: StartServer, browser: Browser) -> None:
    server = await serve(SystemClock(), **{**NARRATED, "tts.provider": "off", "tts.reading_wpm": 150})
    page, _, _ = await open_overlay(browser, server)
    status, body = await server.call("POST", f"{API}/start", {"theme": "fantasy"})
    assert status == 201, body
    await wait_or_explain(page, "() => { const p = window.__overlay.narration.playing;"
                                " return p && p.kind === 'chapter' && p.index >= 1 && p.index < p.total - 1; }")
    await page.reload()
    # story:state brings the lines said so far: the reading goes on from about the same line, not from the top
    await wait_or_explain(page, "() => window.__overlay.narration.playing !== null")
    resumed = (await page.evaluate("() => window.__overlay.narration.playing"))
    assert resumed["kind"] == "chapter" and resumed["index"] >= 1
    await wait_or_explain(page, VOTE_CALL_PLAYED, 1, 90_000)
    played = await page.evaluate(PLAYED)
    lines = chapter_lines(played)
    assert [p["index"] for p in lines] == list(range(resumed["index"], resumed["total"]))
    assert [p["kind"] for p in played].count("vote-call") == 1
    await page.close()


async def test_sentence_mode_shows_the_line_being_narrated(serve: StartServer, browser: Browser) -> None:
    server = await serve(SystemClock(), **NARRATED)
    page, _, _ = await open_overlay(browser, server, "?mode=sentence")
    status, body = await server.call("POST", f"{API}/start", {"theme": "fantasy"})
    assert status == 201, body
    # a line before the last one: the streamed text would show the chapter's last sentence instead
    await wait_or_explain(page, """() => {
      const p = window.__overlay.narration.playing;
      return p && p.kind === 'chapter' && p.index < p.total - 1
        && document.getElementById('chapter-text').textContent === p.text.trim();
    }""")
    await screenshot(page, "overlay-sentence-narrated")
    await page.close()


async def test_narration_queue_orders_lines_and_names_the_speaker(serve: StartServer, browser: Browser) -> None:
    """Lines fed straight to the overlay's socket handler: early ones wait, speakers are shown as text."""
    server = await serve(SystemClock())
    page, _, dialogs = await open_overlay(browser, server, "?narration=off")
    quiet, _, _ = await open_overlay(browser, server, "?narration=text")
    content = 'Mara stepped forward. "Stay close," she said. The door opened.'
    state = {"state": "waiting", "session": {"id": 42, "title": "Test"}, "chapter": {
        "chapterNumber": 1, "title": "The Door", "content": content, "choices": [], "streaming": False}}
    texts = ["Mara stepped forward.", '"Stay close,"', "she said.", "The door opened."]
    lines = [{"chapterNumber": 1, "index": i, "total": 4, "text": t, "audioUrl": None, "durationMs": 700,
              "voice": None, "speaker": XSS if i == 1 else None, "kind": "chapter", "volume": 1}
             for i, t in enumerate(texts)]
    call = {"chapterNumber": 1, "index": 0, "total": 1, "text": "Vote now!", "audioUrl": None, "durationMs": 300,
            "voice": None, "speaker": None, "kind": "vote-call", "volume": 1}
    feed = """([state, events]) => {
      const s = window.__overlay.socket;
      s.listeners('story:state')[0]({...state, chapter: {...state.chapter, content: '', streaming: true}});
      s.listeners('story:chapter-ready')[0]({sessionId: state.session.id, ...state.chapter});
      for (const e of events) s.listeners('story:narration')[0](e);
    }"""
    await expect(page.locator("body")).to_have_attribute("data-connected", "true")
    await expect(quiet.locator("body")).to_have_attribute("data-connected", "true")
    # Each line is said for 0.7 s: what the page shows is recorded in the page at every change, so a busy machine
    # (slow round trips to the browser) cannot look too late to see the speaker's line.
    await page.evaluate("""() => {
      const tag = document.getElementById('speaker-tag'), text = document.getElementById('chapter-text');
      const flat = (node) => node ? node.textContent.replace(/\\s+/g, ' ').trim() : null;
      window.__shown = [];
      const note = () => window.__shown.push(
        {tag: flat(tag), cls: tag.className, spoken: flat(text.querySelector('.spoken'))});
      const observer = new MutationObserver(note);
      for (const el of [tag, text]) observer.observe(el, {subtree: true, childList: true, characterData: true,
                                                          attributes: true});
    }""")
    events = [call, lines[2], lines[0], lines[3], lines[1]]  # out of order, the vote call first
    await page.evaluate(feed, [state, events])
    await quiet.evaluate(feed, [state, events])
    await expect(page.locator("#speaker-tag")).to_have_text(XSS, timeout=5_000)
    await screenshot(page, "overlay-speaker")
    await wait_or_explain(page, VOTE_CALL_PLAYED, 1, 10_000)
    played = await page.evaluate(PLAYED)
    assert [(p["kind"], p["index"]) for p in played] == [("chapter", 0), ("chapter", 1), ("chapter", 2),
                                                         ("chapter", 3), ("vote-call", 0)]
    shown = await page.evaluate("() => window.__shown")
    assert {"tag": XSS, "cls": "speaker on", "spoken": '"Stay close,"'} in shown, shown  # named while speaking
    await expect(page.locator("#speaker-tag")).not_to_have_class("speaker on")
    assert await page.locator("img[src='x']").count() == 0 and dialogs == []
    await expect(quiet.locator("#chapter-text")).to_have_text(content)  # narration=text: the text as is
    assert await quiet.evaluate(PLAYED) == [] and await quiet.locator("#chapter-text .spoken").text_content() == ""
    await page.close()
    await quiet.close()
