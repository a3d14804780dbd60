"""The show's beats as viewers and the streamer see them, in real headless Chromium on the real clock: the chapter is
read out, the vote opens when the reading ends, the winner is held on screen, and the overlay and the admin panel
agree on the beat. Every expectation comes from the server's own timestamps (story:beat, story:narration,
story:voting-started), never from how fast this machine ran: what a page shows is recorded in the page, with the
time it changed, and compared with them afterwards."""

from __future__ import annotations

import re
import time
from typing import Any

from playwright.async_api import Browser, Page, expect
from playwright.async_api import TimeoutError as PlaywrightTimeout

from plugin.clock import SystemClock
from tests.conftest import StartServer
from tests.support.browser import screenshot
from tests.support.harness import EventLog, Running, watching

API = "/api/interactive-story"
VOTE_S = 6
HOLD_S = 6  # show.result_hold_s at its default: time enough to reload the overlay inside the hold
TOLERANCE_MS = 500  # the real clock: a step of the show may land this much off the server's announced time
WAIT_MS = 90_000  # generous: only spent when something is wrong
Payload = dict[str, Any]

# The show as it runs live (tests/support/harness.py turns these off for the other tests), made quick: offline
# writer and voices, two short chapters, fast speech, a short vote and final hold.
SHOW = {"voting.opens": "after_narration", "voting.max_wait_s": 120, "show.result_hold_s": HOLD_S,
        "show.final_hold_s": 2, "story.max_chapters": 2, "story.chapter_words": 40, "tts.speed": 2.0,
        "voting.duration_s": VOTE_S}

# Installed in every page before its own scripts: each change of body[data-screen], body[data-beat] (the overlay)
# and #live-state[data-beat] (the admin panel), with the time it happened; sessionStorage keeps it over a reload.
RECORDER = """(() => {
  const shown = JSON.parse(sessionStorage.getItem("shown") || "[]");
  window.__shown = shown;
  new MutationObserver((records) => {
    const at = Date.now(), byKey = new Map();
    for (const r of records) {
      const key = `${r.target.id || r.target.localName}[${r.attributeName}]`;
      if (!byKey.has(key)) byKey.set(key, []);
      byKey.get(key).push(r);
    }
    // a record has the value before the change: the value after it is the next record's, or the current one
    for (const [key, list] of byKey) list.forEach((r, i) => {
      const value = i + 1 < list.length ? list[i + 1].oldValue : r.target.getAttribute(r.attributeName);
      if (value !== r.oldValue) shown.push({key, value, at});
    });
    sessionStorage.setItem("shown", JSON.stringify(shown));
  }).observe(document, {subtree: true, attributes: true, attributeOldValue: true,
                         attributeFilter: ["data-screen", "data-beat"]});
})()"""

# What the overlay shows of the beat, read at one instant once it shows `beat` (with a narrated line, if narrating).
OVERLAY_BEAT = """beat => {
  const o = window.__overlay, s = o.state, b = s.beat, now = Date.now();
  const playing = o.narration.playing;
  if (document.body.dataset.beat !== beat || !b || (beat === "narrating" && !playing)) return null;
  return {now, beat: b, left: b.endsAt - (now + s.offset), label: document.getElementById("beat-line").textContent,
          screen: document.body.dataset.screen, result: document.getElementById("result-text").textContent,
          playing, played: o.narration.played};
}"""


# What a page was doing, for a failure's message.
PAGE_STATE = """() => JSON.stringify({
  overlay: window.__overlay && {screen: window.__overlay.screen, beat: window.__overlay.state.beat,
                                narration: window.__overlay.narration},
  admin: window.__admin && {beat: window.__admin.live.model.beat, heard: window.__admin.live.model.heardLine,
                            state: document.getElementById("live-state").textContent}})"""


def now_ms() -> int:
    """The wall clock in epoch ms: the server's SystemClock, and Date.now() in the pages (one machine)."""
    return int(time.time() * 1000)


async def open_page(browser: Browser, url: str, width: int, height: int) -> Page:
    """A page with the recorder installed (before its scripts run, on every load)."""
    page = await browser.new_page(viewport={"width": width, "height": height})
    await page.add_init_script(RECORDER)
    await page.goto(url)
    return page


async def open_overlay(browser: Browser, server: Running) -> Page:
    """The overlay, connected (it takes narration lines as live events)."""
    page = await open_page(browser, f"{server.url}/overlay", 1280, 720)
    await expect(page.locator("body")).to_have_attribute("data-connected", "true", timeout=10_000)
    return page


async def open_admin(browser: Browser, server: Running, width: int = 1280, height: int = 900) -> Page:
    """The admin panel, signed in and showing the server's state."""
    page = await open_page(browser, f"{server.url}/admin#token={server.token}", width, height)
    await expect(page.locator("#live-state")).to_have_text("No story running", timeout=10_000)
    return page


async def wait_in_page(page: Page, condition: str, arg: Any = None, timeout: float = WAIT_MS) -> Any:
    """page.wait_for_function's truthy value, failing with what the page's story and narration were."""
    try:
        return await (await page.wait_for_function(condition, arg=arg, timeout=timeout)).json_value()
    except PlaywrightTimeout:
        seen = await page.evaluate(PAGE_STATE)
        raise AssertionError(f"timed out waiting for {condition}; page: {seen}") from None


async def reload_and_read(page: Page, beat: str) -> tuple[int, Payload]:
    """Reload the overlay; returns when the reload began and what it shows once it is back on `beat`."""
    began = now_ms()
    await page.reload()
    return began, await wait_in_page(page, OVERLAY_BEAT, beat)


def seconds_in(label: str, pattern: str) -> int:
    """The N of a beat line such as "vote opens in ~N s"."""
    match = re.fullmatch(pattern, label)
    assert match, f"{label!r} is not {pattern!r}"
    return int(match.group(1))


def assert_time_left(shown: Payload, pattern: str) -> None:
    """The beat line says the time left by the overlay's clock, and that clock is the server's."""
    left = shown["left"]
    said = seconds_in(shown["label"], pattern)
    assert left / 1000 - 0.5 <= said <= left / 1000 + 2, shown  # whole seconds, redrawn 4x a second
    # one machine: the overlay's server clock (Date.now() + offset) is the wall clock, give or take the latency
    assert abs(left - (shown["beat"]["endsAt"] - shown["now"])) <= 1000, shown


def beats(seen: EventLog, name: str, number: int) -> list[Payload]:
    """The story:beat payloads announcing beat `name` of chapter `number`."""
    return [b for b in seen.named("story:beat") if b["beat"] == name and b["chapterNumber"] == number]


def chapter_lines(seen: EventLog, number: int) -> list[Payload]:
    """Chapter `number`'s narrated lines, in order, checked to be all of them."""
    said = [n for n in seen.named("story:narration") if n["chapterNumber"] == number and n["kind"] == "chapter"]
    lines = sorted(said, key=lambda n: n["index"])
    assert lines and [n["index"] for n in lines] == list(range(lines[0]["total"])), lines
    return lines


def ends(line: Payload) -> int:
    """When a narrated line has been heard, by the server's timeline (epoch ms)."""
    return int(line["startsAt"] + line["durationMs"])


def distinct(values: list[str]) -> list[str]:
    """The values without repeats in a row."""
    return [value for i, value in enumerate(values) if i == 0 or value != values[i - 1]]


def sequence(shown: list[Payload], key: str) -> list[str]:
    """What a page showed for `key`, in order (no beat yet counts as idle)."""
    return distinct([entry["value"] or "idle" for entry in shown if entry["key"] == key])


async def wait_for_beat(seen: EventLog, name: str, number: int) -> Payload:
    """The first story:beat announcing `name` for chapter `number`."""
    return await seen.wait_for("story:beat", lambda b: b["beat"] == name and b["chapterNumber"] == number,
                               timeout=WAIT_MS / 1000)


async def test_vote_opens_when_the_reading_ends_and_the_result_is_held(serve: StartServer, browser: Browser) -> None:
    server = await serve(SystemClock(), **SHOW)
    viewer = await open_overlay(browser, server)  # watched from start to end
    reloaded = await open_overlay(browser, server)  # reloaded mid-narration and mid-hold
    admin = await open_admin(browser, server)
    async with watching(server.url) as seen:
        status, body = await server.call("POST", f"{API}/start", {"theme": "fantasy"})
        assert status == 201, body

        # Chapter 1 is read out: the streamer sees how far, and a reload takes up the reading where it was.
        await expect(admin.locator("#live-state")).to_have_text(
            re.compile(r"Narrating \d+/\d+ — vote opens in ~\d+ s"), timeout=WAIT_MS)
        await expect(admin.locator("#progress")).to_be_hidden()  # nothing is being written now
        await wait_in_page(reloaded, "() => { const p = window.__overlay.narration.playing;"
                                     " return p && p.chapterNumber === 1 && p.index >= 1 && p.index < p.total - 1; }")
        began, shown = await reload_and_read(reloaded, "narrating")
        assert shown["beat"] in beats(seen, "narrating", 1), shown  # the beat as the server has it, its end too
        assert_time_left(shown, r"vote opens in ~(\d+) s")
        lines = chapter_lines(seen, 1)
        resumed = shown["played"][0] if shown["played"] else shown["playing"]
        assert ends(lines[resumed["index"]]) > began, (resumed, lines)  # not a line already over: no start again
        assert lines[resumed["index"]]["startsAt"] <= shown["now"], (resumed, lines)  # nor one still to come
        await screenshot(reloaded, "show-narrating-reloaded")

        # The vote opens when the last line has been heard, its call right after; the viewer sees the choices.
        voting = await seen.wait_for("story:voting-started", lambda v: v["chapterNumber"] == 1, timeout=WAIT_MS / 1000)
        vote_beat = await wait_for_beat(seen, "voting", 1)
        call = await seen.wait_for("story:narration", lambda n: n["kind"] == "vote-call", timeout=30)
        await expect(viewer.locator("body")).to_have_attribute("data-screen", "voting", timeout=10_000)
        await expect(viewer.locator("#choices .choice")).to_have_count(3)
        await expect(viewer.locator("#countdown")).to_have_text(re.compile(r"^\d+$"))
        await expect(admin.locator("#live-state")).to_contain_text("Voting")
        await screenshot(viewer, "show-voting")
        await wait_in_page(viewer, "() => { const p = window.__overlay.narration.playing;"
                                   " return p && p.kind === 'vote-call' && p.chapterNumber === 1; }")
        lines = chapter_lines(seen, 1)
        read_out = max(ends(line) for line in lines)
        opened = voting["endsAt"] - voting["durationS"] * 1000  # the round's own start
        assert read_out - TOLERANCE_MS <= opened <= read_out + TOLERANCE_MS, (opened, lines)
        assert abs(beats(seen, "narrating", 1)[-1]["endsAt"] - read_out) <= TOLERANCE_MS  # announced right
        assert vote_beat["startedAt"] >= read_out - TOLERANCE_MS
        assert voting["durationS"] == VOTE_S and vote_beat["endsAt"] == voting["endsAt"]
        assert 0 <= VOTE_S * 1000 - (vote_beat["endsAt"] - vote_beat["startedAt"]) <= TOLERANCE_MS, vote_beat
        assert 0 <= call["startsAt"] - opened <= 1000, (call, opened)

        # The winner is held on screen; a reload inside the hold shows it again with the time left.
        result = await seen.wait_for("story:voting-ended", lambda e: e["chapterNumber"] == 1, timeout=30)
        held_beat = await wait_for_beat(seen, "result", 1)
        assert HOLD_S * 1000 - TOLERANCE_MS <= held_beat["endsAt"] - held_beat["startedAt"] <= HOLD_S * 1000
        await expect(admin.locator("#live-state")).to_contain_text("Result — next chapter in")
        _, held = await reload_and_read(reloaded, "result")
        assert held["beat"] == held_beat and held["screen"] == "result", held
        assert result["winnerText"] in held["result"], held
        assert_time_left(held, r"next chapter in (\d+) s")
        await screenshot(reloaded, "show-result-reloaded")

        await seen.wait_for("story:ended", timeout=WAIT_MS / 1000)
        await expect(viewer.locator("body")).to_have_attribute("data-screen", "ended", timeout=10_000)
        await expect(admin.locator("#live-state")).to_have_attribute("data-beat", "ended")
        told = ["idle", *distinct([b["beat"] for b in seen.named("story:beat")])]

    on_overlay = await viewer.evaluate("() => window.__shown")
    on_admin = await admin.evaluate("() => window.__shown")
    # Both pages went through every beat the server announced, in the same order.
    assert told == ["idle", "writing", "narrating", "voting", "result", "writing", "narrating", "finale", "ended"]
    assert sequence(on_overlay, "body[data-beat]") == told
    assert sequence(on_admin, "live-state[data-beat]") == told
    # The viewer saw the choices only once the chapter had been read, and the winner for the whole hold.
    screens = [entry for entry in on_overlay if entry["key"] == "body[data-screen]"]
    names = [entry["value"] for entry in screens]
    voting_shown = screens[names.index("voting")]
    assert voting_shown["at"] >= read_out - TOLERANCE_MS, (voting_shown, read_out)
    assert names[names.index("voting") + 1] == "result", names
    after_result = screens[names.index("voting") + 2]
    assert after_result["at"] >= held_beat["endsAt"] - TOLERANCE_MS, (after_result, held_beat)
    for page in (viewer, reloaded, admin):
        await page.close()


# The line the admin panel says is heard now, once it is line `index` or later of chapter `number` and the chapter
# overflows its box (there is something to scroll): {index, total, top}.
HEARD = """([number, index]) => {
  const h = window.__admin.live.model.heardLine, box = document.getElementById("live-chapter");
  const overflowing = box.scrollHeight > box.clientHeight + 60;
  return h && h.chapterNumber === number && h.index >= index && overflowing
    && {index: h.index, total: h.total, top: box.scrollTop};
}"""


async def test_the_live_chapter_keeps_the_readers_place_while_it_is_read_out(serve: StartServer,
                                                                              browser: Browser) -> None:
    server = await serve(SystemClock(), **{**SHOW, "story.chapter_words": 100, "voting.duration_s": 3,
                                           "show.result_hold_s": 2})
    admin = await open_admin(browser, server, width=400)  # a narrow panel (an OBS dock): the chapter scrolls
    box = admin.locator("#live-chapter")
    async with watching(server.url) as seen:
        status, body = await server.call("POST", f"{API}/start", {"theme": "fantasy"})
        assert status == 201, body
        # The streamer scrolls into chapter 1 while it is read out: the lines that follow leave the text where it is.
        heard = await wait_in_page(admin, HEARD, [1, 0])
        assert heard["index"] + 1 < heard["total"], heard  # more lines to come
        place = await box.evaluate("b => { b.scrollTop = (b.scrollHeight - b.clientHeight) / 2; return b.scrollTop; }")
        assert place > 0
        await wait_in_page(admin, HEARD, [1, min(heard["index"] + 2, heard["total"] - 1)])
        assert await box.evaluate("b => b.scrollTop") == place
        # Chapter 2 was written during the vote and arrives whole: it is shown from its start while it is read.
        heard = await wait_in_page(admin, HEARD, [2, 1])
        assert len([t for t in seen.named("story:chapter-token") if t["chapterNumber"] == 2]) == 1
        assert heard["top"] == 0, heard
        await screenshot(admin, "show-admin-chapter-2")
    await admin.close()
