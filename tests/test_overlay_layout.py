"""The overlay's layout in real headless Chromium, at 1080x1920 (portrait: TikTok LIVE on a phone) and 1920x1080
(landscape), in every text mode: what matters stays inside the safe area, the vote is the hero on a phone, no choice
is ever cut (six of the longest the gate lets through), every text reads 4.5:1 over white and over black footage
(from the colours the browser renders), and the picture frame shows only a picture. A real server serves the page
and its socket; the screens are driven by feeding the overlay's own socket handlers the server's payloads.
Screenshots of every screen, over busy footage, go to tests/screenshots/ (layout-<layout>-<mode>-<screen>.png)."""

from __future__ import annotations

import time
from typing import Any

import pytest
from playwright.async_api import Browser, Page, expect
from playwright.async_api import TimeoutError as PlaywrightTimeout

from plugin.clock import SystemClock
from plugin.story.gate import MAX_CHOICE_CHARS, MAX_CHOICE_WORDS
from tests.conftest import StartServer
from tests.support.browser import screenshot
from tests.support.harness import Running

# Six choices (the most a vote has) of the longest a choice may be, with long words: the worst case for wrapping.
LONGEST = [
    "Wade through the flooded catacombs beneath Westminster Cathedral before midnight",
    "Follow the masked stranger across the frozen harbour toward the whispering tower",
    "Challenge Warlord Kragg to single combat at daybreak before his entire warbands!",
    "Trade the stolen silver compass for passage aboard the smugglers' midnight ships",
    "Climb the crumbling clocktower and ring its colossal bronze bells until midnight",
    "Burn the ancient map so nobody discovers drowned Marrowmere's legendary treasure",
]
TYPICAL = ["Sneak past the raiders", "Follow the radio signal", "Trade with the wandering merchants"]
SENTENCES = [
    "The lanterns guttered as the caravan crept into the valley of broken bells.",
    "Mara counted the towers twice, because the map said there should be seven and she could only see six.",
    "Somewhere below the road, water was running where no river had run for a hundred years.",
    "The old guide stopped, sniffed the wind, and said nothing for a long while.",
    "Then the missing tower rang, once, from somewhere deep beneath their feet.",
    "Every traveller held their breath and looked to Mara, who was already unfolding the map again.",
]
CHAPTER = " ".join(SENTENCES * 2)

LAYOUTS = ["portrait", "landscape"]
MODES = ["full", "sentence", "scroll"]
SIZES = {"portrait": (1080, 1920), "landscape": (1920, 1080)}
# Where what matters may go, as fractions of the canvas (left, top, right, bottom). Portrait: below TikTok's header
# (top 10%), above its comments and gift bar (bottom 25%), left of its buttons (right 13%), off the left edge (5%).
SAFE = {"portrait": (0.05, 0.10, 0.87, 0.75), "landscape": (0.05, 0.05, 0.95, 0.95)}
# While a vote is open in portrait: the smallest font size each may have on the 1080-wide canvas (px).
HERO = {".choice-text": 40, ".choice-label": 56, "#countdown": 60, "#vote-hint": 32}
THEMES = {"full": "cyberpunk", "sentence": "horror", "scroll": "fairytale"}  # a bright pink, a dark red, a pale pink
MIN_CONTRAST = 4.5
WAIT_MS = 30_000

BUSY = """html { background:
  radial-gradient(circle at 70% 30%, #fff 0 8%, transparent 22%),
  radial-gradient(circle at 20% 80%, #fffbe0 0 10%, transparent 25%),
  repeating-linear-gradient(35deg, #fff 0 40px, #ffe14d 40px 80px, #1aa3ff 80px 120px, #111 120px 160px,
                            #ff4fa3 160px 200px, #7cf29a 200px 240px) !important; }"""
WHITE = "html { background: #fff !important; }"

# The screen is drawn and still: no fade, slide or fit under way (endless animations such as the writing drops,
# and the countdown ring's and bars' own transitions, go on for ever and do not count).
SETTLED = """screen => document.body.dataset.screen === screen && document.getAnimations().every((a) =>
  a.playState !== "running" || a.effect.getComputedTiming().iterations === Infinity
  || (a instanceof CSSTransition && ["stroke-dashoffset", "width"].includes(a.transitionProperty)))"""

# Boxes of what is on screen that lie outside the safe area (fractions of the canvas), in canvas px.
OUTSIDE = """([l, t, r, b]) => {
  const c = document.getElementById("canvas").getBoundingClientRect();
  const safe = {l: c.left + l * c.width, t: c.top + t * c.height, r: c.left + r * c.width, b: c.top + b * c.height};
  const bad = [];
  for (const el of document.querySelectorAll("#canvas .layer, #status-line, #choices .choice, #timer, #countdown")) {
    if (!el.checkVisibility({opacityProperty: true, visibilityProperty: true})) continue;
    const x = el.getBoundingClientRect();
    if (x.left < safe.l - 0.5 || x.top < safe.t - 0.5 || x.right > safe.r + 0.5 || x.bottom > safe.b + 0.5) {
      bad.push({el: el.id || el.className, box: [x.left, x.top, x.right, x.bottom].map(Math.round)});
    }
  }
  return bad;
}"""

# Every choice as shown: how many lines, whether its text overflows or is clipped, and whether it is inside the panel.
CHOICES = """() => {
  const panel = document.getElementById("vote-panel"), p = panel.getBoundingClientRect();
  return {overflow: panel.scrollHeight - panel.clientHeight, rows: [...document.querySelectorAll("#choices .choice")]
    .map((row) => {
      const text = row.querySelector(".choice-text"), s = getComputedStyle(text), r = row.getBoundingClientRect();
      return {text: text.textContent, lines: Math.round(text.offsetHeight / parseFloat(s.lineHeight)),
              overflowY: text.scrollHeight - text.clientHeight, overflowX: text.scrollWidth - text.clientWidth,
              textOverflow: s.textOverflow, clamp: s.webkitLineClamp, whiteSpace: s.whiteSpace,
              inPanel: r.top >= p.top - 0.5 && r.bottom <= p.bottom + 0.5 && r.left >= p.left - 0.5
                && r.right <= p.right + 0.5};
    })};
}"""

# The smallest font size of each selector: as rendered (after the canvas scale) and on the canvas.
FONTS = """selectors => {
  const canvas = document.getElementById("canvas");
  const k = canvas.getBoundingClientRect().width / canvas.offsetWidth;
  return Object.fromEntries(selectors.map((sel) => {
    const px = Math.min(...[...document.querySelectorAll(sel)]
      .filter((el) => el.checkVisibility({opacityProperty: true, visibilityProperty: true}))
      .map((el) => parseFloat(getComputedStyle(el).fontSize)));
    return [sel, {rendered: Math.round(px * k * 10) / 10, canvas: Math.round(px * 10) / 10}];
  }));
}"""

# The contrast of every visible text with what is behind it, from the colours the browser computed: the panels'
# translucent backgrounds composited over a white and over a black page, then the text (its opacity, and every
# ancestor's, included) over that. Returns the lowest ratio found per element, over white and over black.
CONTRAST = """() => {
  const parse = (c) => {
    const m = /rgba?\\(([^)]+)\\)/.exec(c);
    if (!m) throw new Error(`unexpected colour ${c}`);
    const p = m[1].split(/[\\s,\\/]+/).filter(Boolean).map(Number);
    return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1];
  };
  const over = (top, under) => under.map((c, i) => top[i] * top[3] + c * (1 - top[3]));
  const lin = (c) => ((c /= 255) <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4);
  const lum = ([r, g, b]) => 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
  const ratio = (a, b) => { const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p); return (x + 0.05) / (y + 0.05); };
  // the colour of a pixel: the backgrounds of chain[i..] (and the ink, if any) over `behind`; an element's opacity
  // blends all it draws with what is behind it
  const paint = (chain, i, behind, ink) => {
    if (i === chain.length) return ink ? over(ink, behind) : behind;
    const s = getComputedStyle(chain[i]);
    const inside = paint(chain, i + 1, over(parse(s.backgroundColor), behind), ink);
    const o = Number(s.opacity);
    return inside.map((c, k) => behind[k] + o * (c - behind[k]));
  };
  const canvas = document.getElementById("canvas");
  const walker = document.createTreeWalker(canvas, NodeFilter.SHOW_TEXT);
  const seen = new Set(), found = [];
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement;
    if (!node.data.trim() || seen.has(el)) continue;
    seen.add(el);
    if (!el.checkVisibility({opacityProperty: true, visibilityProperty: true})) continue;
    const box = el.getBoundingClientRect();
    if (box.width < 1 || box.height < 1) continue;
    const chain = [];
    for (let a = el; a && a !== document.body; a = a.parentElement) chain.unshift(a);
    const ink = parse(getComputedStyle(el).color);
    const on = (page) => ratio(paint(chain, 0, page, ink), paint(chain, 0, page, null));
    found.push({el: el.id || el.className || el.localName, text: node.data.trim().slice(0, 40),
                white: Math.round(on([255, 255, 255]) * 100) / 100, black: Math.round(on([0, 0, 0]) * 100) / 100});
  }
  return found;
}"""

PICTURE = """() => {
  const c = document.createElement("canvas");
  c.width = 640;
  c.height = 360;
  const g = c.getContext("2d"), sky = g.createLinearGradient(0, 0, 0, 360);
  sky.addColorStop(0, "#1b2a5a");
  sky.addColorStop(1, "#e07a3a");
  g.fillStyle = sky;
  g.fillRect(0, 0, 640, 360);
  g.fillStyle = "#ffe9a8";
  g.beginPath();
  g.arc(470, 110, 60, 0, 7);
  g.fill();
  return c.toDataURL("image/png");
}"""


class Story:
    """The server's payloads for one story, chapter 2 of 5 with a vote on `choices`."""

    def __init__(self, theme: str, choices: list[str]) -> None:
        self.session = {"id": 7, "title": "The Valley of Broken Bells", "maxChapters": 5, "theme": theme}
        self.choices = choices
        self.counts = [12, 30, 5, 0, 8, 1][:len(choices)]

    def chapter(self, content: str, streaming: bool) -> dict[str, Any]:
        return {"chapterNumber": 2, "title": "The Bells Below", "content": content, "choices": self.choices,
                "streaming": streaming, "isFinal": False, "parentChoice": "Cross the old rope bridge"}

    def state(self, state: str, content: str = CHAPTER, streaming: bool = False, **extra: Any) -> dict[str, Any]:
        return {"state": state, "serverTime": int(time.time() * 1000), "session": self.session,
                "chapter": self.chapter(content, streaming),
                "media": {"images": {"provider": "offline", "size": "1280x720"}}, **extra}

    def voting(self, picture: str) -> dict[str, Any]:
        now = int(time.time() * 1000)
        return {**self.state("voting"), "chapter": {**self.chapter(CHAPTER, False), "imageUrl": picture},
                "voting": {"chapterNumber": 2, "choices": self.choices, "counts": self.counts,
                           "total": sum(self.counts), "endsAt": now + 95_000, "durationS": 120}}

    def result(self, picture: str) -> dict[str, Any]:
        return {**self.state("waiting"), "chapter": {**self.chapter(CHAPTER, False), "imageUrl": picture},
                "lastResult": {"chapterNumber": 2, "winnerIndex": 1, "winnerText": self.choices[1],
                               "counts": self.counts, "total": sum(self.counts), "reason": "votes"}}

    def ended(self, chapters: int, votes: int) -> dict[str, Any]:
        voters = [{"nickname": name, "userId": name.lower(), "votes": n, "simulated": False}
                  for name, n in [("Ana", 1), ("Ben the Bold", 3), ("Cy", 2)][:votes]]
        return {**self.state("ended"), "recap": {"sessionId": 7, "title": "The Valley of Broken Bells",
                                                 "chapters": chapters, "totalVotes": votes, "topVoters": voters}}

    def lines(self) -> list[dict[str, Any]]:
        """Chapter 2 read out: the first line long enough to stay on while the screens are checked."""
        said = [" ".join(SENTENCES[:2]), " ".join(SENTENCES[2:]), " ".join(SENTENCES)]
        return [{"chapterNumber": 2, "index": i, "total": len(said), "text": text, "audioUrl": None,
                 "durationMs": 90_000, "speaker": None, "kind": "chapter", "volume": 1} for i, text in enumerate(said)]


async def open_overlay(browser: Browser, server: Running, layout: str, query: str = "",
                       size: tuple[int, int] | None = None) -> tuple[Page, list[str]]:
    """The overlay at its canvas size (or `size`), connected, with a style element standing in for the footage;
    returns it with the list of errors it logs."""
    width, height = size or SIZES[layout]
    page = await browser.new_page(viewport={"width": width, "height": height})
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    await page.goto(f"{server.url}/overlay?layout={layout}{query}")
    await expect(page.locator("body")).to_have_attribute("data-connected", "true", timeout=WAIT_MS)
    await page.evaluate("css => { const s = document.createElement('style'); s.id = 'footage';"
                        " s.textContent = css; document.head.append(s); }", BUSY)
    return page, errors


async def footage(page: Page, css: str) -> None:
    """Change the page background behind the overlay (what the stream shows under it)."""
    await page.evaluate("css => { document.getElementById('footage').textContent = css; }", css)


async def feed(page: Page, event: str, payload: Any) -> None:
    """Hand the overlay a server event, as its socket would."""
    await page.evaluate("([name, payload]) => window.__overlay.socket.listeners(name)[0](payload)", [event, payload])


async def wait_in_page(page: Page, condition: str, arg: Any = None) -> Any:
    """page.wait_for_function's value, failing with what the overlay shows."""
    try:
        return await (await page.wait_for_function(condition, arg=arg, timeout=WAIT_MS)).json_value()
    except PlaywrightTimeout:
        seen = await page.evaluate("() => JSON.stringify({screen: document.body.dataset.screen,"
                                   " animations: document.getAnimations().filter(a => a.playState === 'running')"
                                   ".map(a => a.animationName || a.transitionProperty)})")
        raise AssertionError(f"timed out waiting for {condition}; overlay: {seen}") from None


async def check_screen(page: Page, layout: str, name: str, screen: str) -> list[dict[str, Any]]:
    """Once `screen` is drawn and still: everything inside the safe area, every text readable over white and black
    footage; screenshots over busy footage (and over white for the vote). Returns the contrast figures."""
    await wait_in_page(page, SETTLED, screen)
    assert await page.evaluate(OUTSIDE, list(SAFE[layout])) == [], f"{name}-{screen}: outside the safe area"
    texts = await page.evaluate(CONTRAST)
    low = [t for t in texts if min(t["white"], t["black"]) < MIN_CONTRAST]
    assert texts and low == [], f"{name}-{screen}: contrast below {MIN_CONTRAST}:1: {low}"
    await screenshot(page, f"layout-{name}-{screen}")
    if screen in ("voting", "chapter"):
        await footage(page, WHITE)
        await screenshot(page, f"layout-{name}-{screen}-white")
        await footage(page, BUSY)
    return texts


async def check_choices(page: Page, choices: list[str]) -> None:
    """Every choice whole: all its words, three lines at most, nothing overflowing, clamped or outside the panel."""
    shown = await page.evaluate(CHOICES)
    assert shown["overflow"] <= 1, shown
    assert [row["text"] for row in shown["rows"]] == choices
    for row in shown["rows"]:
        assert 1 <= row["lines"] <= 3, row
        assert row["overflowY"] <= 1 and row["overflowX"] <= 1, row
        assert row["textOverflow"] != "ellipsis" and row["clamp"] == "none" and row["whiteSpace"] == "normal", row
        assert row["inPanel"], row


async def show_chapter(page: Page, story: Story, layout: str, mode: str) -> None:
    """Write chapter 2 (the frame stays away until its picture exists), then its picture, then read it out."""
    await feed(page, "story:state", story.state("writing", content="", streaming=True))
    await check_screen(page, layout, f"{layout}-{mode}", "generating")
    await feed(page, "story:state", story.state("writing", content=" ".join(SENTENCES[:3]) + " ", streaming=True))
    await wait_in_page(page, SETTLED, "chapter")
    frame = page.locator("#image-frame")
    await expect(frame).to_have_attribute("data-state", "waiting")  # pictures are on, this one is not there yet
    await expect(frame).to_be_hidden()  # ... and there is no empty box for it
    await feed(page, "story:chapter-ready", {"sessionId": 7, **story.chapter(CHAPTER, False)})
    picture = await page.evaluate(PICTURE)
    await feed(page, "story:image-updated", {"sessionId": 7, "chapterNumber": 2, "url": picture})
    await expect(frame).to_have_attribute("data-state", "ready")
    await expect(frame).to_be_visible()
    for line in story.lines():
        await feed(page, "story:narration", line)
    first = story.lines()[0]["text"]
    if mode == "sentence":
        await expect(page.locator("#chapter-text")).to_have_text(first)
    else:
        await expect(page.locator("#chapter-text")).to_have_class("narrating")
        await expect(page.locator("#chapter-text .spoken")).to_have_text(first)
        rest = await page.locator("#chapter-text .rest").last.evaluate(
            "el => ({opacity: Number(getComputedStyle(el).opacity), shadow: getComputedStyle(el).textShadow})")
        assert rest["opacity"] >= 0.8 and rest["shadow"] != "none", rest  # the lines not being read


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("layout", LAYOUTS)
async def test_every_screen_fits_the_safe_area_and_reads_over_any_footage(
        serve: StartServer, browser: Browser, layout: str, mode: str) -> None:
    assert all(len(c) == MAX_CHOICE_CHARS and len(c.split()) <= MAX_CHOICE_WORDS for c in LONGEST)
    server = await serve(SystemClock())
    page, errors = await open_overlay(browser, server, layout, f"&mode={mode}")
    story = Story(THEMES[mode], LONGEST)
    name = f"{layout}-{mode}"
    await check_screen(page, layout, name, "waiting")

    await show_chapter(page, story, layout, mode)
    await wait_in_page(page, "theme => window.__overlay.theme === theme", THEMES[mode])
    await check_screen(page, layout, name, "chapter")
    chapter_box = await page.locator("#story-panel").bounding_box()

    picture = await page.locator("#chapter-image").get_attribute("src") or ""
    await feed(page, "story:state", story.voting(picture))
    await feed(page, "story:vote-update", {"chapterNumber": 2, "counts": story.counts, "total": sum(story.counts),
                                           "recent": [{"nickname": f"Viewer number {i} with a long name",
                                                       "choice": i} for i in range(3)]})
    await expect(page.locator("#recent-voters li")).to_have_count(3)
    await check_screen(page, layout, name, "voting")
    await check_choices(page, LONGEST)
    if layout == "portrait":
        fonts = await page.evaluate(FONTS, list(HERO))
        small = {sel: size for sel, size in fonts.items() if size["canvas"] < HERO[sel]}
        assert small == {}, f"smaller than {HERO}: {small}"
    else:
        # less wall: the story is a caption band beside the vote (the line being read), far smaller than the chapter
        await expect(page.locator("#story-line")).to_have_text(story.lines()[0]["text"])
        await expect(page.locator("#chapter-text")).to_be_hidden()
        band = await page.locator("#story-panel").bounding_box()
        assert chapter_box and band and band["width"] * band["height"] <= 0.12 * 1920 * 1080, band
        assert chapter_box["width"] * chapter_box["height"] <= 0.3 * 1920 * 1080, chapter_box

    await feed(page, "story:state", story.result(picture))
    await check_screen(page, layout, name, "result")
    await check_choices(page, LONGEST)
    await expect(page.locator("#choices .choice.winner .choice-text")).to_have_text(LONGEST[1])

    await feed(page, "story:state", story.ended(chapters=1, votes=1))
    await check_screen(page, layout, name, "ended")
    await expect(page.locator("#recap-chapters-label")).to_have_text("chapter")
    await expect(page.locator("#recap-votes-label")).to_have_text("vote")
    await expect(page.locator("#top-voters .n")).to_have_text(["1 vote"])
    await feed(page, "story:state", story.ended(chapters=2, votes=3))
    await expect(page.locator("#recap-chapters-label")).to_have_text("chapters")
    await expect(page.locator("#recap-votes-label")).to_have_text("votes")
    await expect(page.locator("#recap-votes")).to_have_text("3")
    assert errors == []
    await page.close()


@pytest.mark.parametrize("position", ["top", "center", "bottom"])
async def test_portrait_position_and_scale_move_the_vote_but_never_out_of_the_safe_area(
        serve: StartServer, browser: Browser, position: str) -> None:
    server = await serve(SystemClock())
    page, errors = await open_overlay(browser, server, "portrait", f"&position={position}&scale=1.5")
    story = Story("fantasy", TYPICAL)
    await feed(page, "story:state", story.voting(""))
    name = f"portrait-{position}-scale1.5"
    await check_screen(page, "portrait", name, "voting")
    await check_choices(page, TYPICAL)
    vote = await page.locator("#vote-panel").bounding_box()
    line = await page.locator("#story-panel").bounding_box()  # None when the vote needs all the room
    assert vote and (line is None or line["y"] + line["height"] < vote["y"])  # the story line, then the vote
    top, bottom = (line or vote)["y"], vote["y"] + vote["height"]
    room = (SAFE["portrait"][1] * 1920, SAFE["portrait"][3] * 1920)
    if position == "top":
        assert top - room[0] < 60, (line, vote)
    elif position == "bottom":
        assert room[1] - bottom < 60, (line, vote)
    else:
        assert abs((top - room[0]) - (room[1] - bottom)) < 60, (line, vote)
    # the longest choices still fit, whole (the panel shrinks as a whole when its text alone cannot)
    await feed(page, "story:state", {**Story("fantasy", LONGEST).voting(""), "serverTime": int(time.time() * 1000)})
    await expect(page.locator("#choices .choice")).to_have_count(6)
    await check_screen(page, "portrait", f"{name}-longest", "voting")
    await check_choices(page, LONGEST)
    assert errors == []
    await page.close()


@pytest.mark.parametrize("choices", [TYPICAL, LONGEST], ids=["typical", "longest"])
async def test_portrait_vote_on_a_phone(serve: StartServer, browser: Browser, choices: list[str]) -> None:
    """The portrait canvas as a 360-wide phone shows it: a screenshot to judge, and the sizes a viewer gets."""
    server = await serve(SystemClock())
    page, errors = await open_overlay(browser, server, "portrait", size=(360, 640))
    await feed(page, "story:state", Story("fantasy", choices).voting(await page.evaluate(PICTURE)))
    await expect(page.locator("#image-frame")).to_have_attribute("data-state", "ready")
    await wait_in_page(page, SETTLED, "voting")
    await check_choices(page, choices)
    if choices == TYPICAL:  # room to spare: the story is its current sentence (the chapter's last), picture beside it
        await expect(page.locator("#story-line")).to_have_text(SENTENCES[-1])
        await expect(page.locator("#image-frame")).to_be_visible()
    fonts = await page.evaluate(FONTS, list(HERO))
    assert {sel: size["rendered"] >= HERO[sel] / 3 - 0.05 for sel, size in fonts.items()} == dict.fromkeys(HERO, True)
    await screenshot(page, f"layout-phone-voting-{len(choices)}")
    assert errors == []
    await page.close()
