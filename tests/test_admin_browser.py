"""The admin panel in real headless Chromium: sign-in, driving a story, rehearsal, settings, chat, history."""

from __future__ import annotations

import asyncio
import re

from playwright.async_api import Browser, Page, expect

from plugin.clock import SystemClock
from tests.conftest import StartServer
from tests.support.browser import screenshot
from tests.support.harness import Running

API = "/api/interactive-story"
XSS = "<img src=x onerror=alert(1)>"


async def open_admin(browser: Browser, server: Running, token: str | None = None) -> tuple[Page, list[str]]:
    """The admin page signed in through the URL fragment; returns it and any dialogs seen."""
    page = await browser.new_page(viewport={"width": 1280, "height": 900})
    dialogs: list[str] = []

    def on_dialog(dialog) -> None:  # type: ignore[no-untyped-def]
        dialogs.append(dialog.message)
        asyncio.ensure_future(dialog.accept() if dialog.type == "confirm" else dialog.dismiss())

    page.on("dialog", on_dialog)
    await page.goto(f"{server.url}/admin#token={token or server.token}")
    return page, dialogs


async def test_sign_in_start_a_story_and_watch_it_in_the_overlay(serve: StartServer, browser: Browser) -> None:
    server = await serve(SystemClock(), **{"llm.offline_words_per_s": 30, "voting.duration_s": 300})
    admin, _ = await open_admin(browser, server)
    assert "#token" not in admin.url  # the token leaves the address bar once stored
    overlay = await browser.new_page(viewport={"width": 1920, "height": 1080})
    await overlay.goto(f"{server.url}/overlay")
    await admin.locator('#theme-cards .theme-card[data-theme="horror"]').click()
    await admin.locator("#start-button").click()
    await expect(overlay.locator("#chapter-text")).not_to_be_empty(timeout=15_000)
    await expect(admin.locator("#live-text")).not_to_be_empty(timeout=15_000)
    await expect(admin.locator("#live-choices .live-choice")).to_have_count(3, timeout=30_000)
    await screenshot(admin, "admin-live")

    for nick, vote in (("Ana", "!b"), ("Ben", "b"), ("Cy", "!a")):
        await admin.locator("#rehearsal-nick").fill(nick)
        await admin.locator("#rehearsal-text").fill(vote)
        await admin.locator("#rehearsal-send").click()
        await expect(admin.locator("#rehearsal-log li").first).to_contain_text(f"{nick}: {vote}")
    await expect(overlay.locator("#choices .choice").nth(1).locator(".choice-count")).to_have_text("2")
    await expect(admin.locator("#live-choices .live-choice").nth(1).locator(".count")).to_contain_text("2")
    await screenshot(admin, "admin-rehearsal")
    await admin.locator("#force-end-button").click()
    await expect(overlay.locator("body")).to_have_attribute("data-screen", "result", timeout=10_000)
    await overlay.close()
    await admin.close()


async def test_a_wrong_token_asks_to_sign_in_and_api_errors_are_shown(serve: StartServer, browser: Browser) -> None:
    server = await serve(SystemClock(), **{"voting.duration_s": 300})
    page, _ = await open_admin(browser, server, token="wrong-token")
    await expect(page.locator("#signin-token")).to_be_visible(timeout=10_000)
    await page.locator("#signin-token").fill(server.token)
    await page.locator("#signin-button").click()
    await expect(page.locator("#theme-cards .theme-card")).to_have_count(13, timeout=10_000)  # 12 + custom
    form = page.locator("#settings-form")
    await form.locator('[name="llm.timeout_s"]').fill("0")
    await form.locator('button[type="submit"], #save-settings').first.click()
    await expect(page.locator("#error-banner")).to_contain_text("llm.timeout_s: must be at least 1")
    await expect(form.locator(".field-error").first).to_contain_text("must be at least 1")
    status, _ = await server.call("POST", f"{API}/start", {"theme": "western"})
    await expect(page.locator("#start-button")).to_be_disabled()  # one story at a time
    await page.close()


async def test_settings_save_validate_and_test_the_connection(serve: StartServer, browser: Browser) -> None:
    server = await serve(SystemClock(), **{"llm.api_key": "sk-zq9-unmasked-12345678"})
    page, _ = await open_admin(browser, server)
    form = page.locator("#settings-form")
    await expect(form.locator('[name="llm.api_key"]')).to_be_attached(timeout=10_000)
    assert "unmasked" not in await page.content()
    await form.locator('[name="story.max_chapters"]').fill("4")
    await form.locator('[name="voting.duration_s"]').fill("45")
    await form.locator('button[type="submit"], #save-settings').first.click()
    await expect(page.locator("body")).to_contain_text("Saved", timeout=10_000)
    status, body = await server.call("GET", f"{API}/config")
    assert body["config"]["story"]["max_chapters"] == 4 and body["config"]["voting"]["duration_s"] == 45
    assert body["config"]["llm"]["api_key"] == "sk-…5678"  # the untouched key was not overwritten
    await form.locator('[name="llm.provider"]').select_option("openai")
    await form.locator('[name="llm.base_url"]').fill("http://127.0.0.1:9/v1")
    await page.locator("#test-connection").click()
    await expect(page.locator("#settings-form, #models-list, #error-banner").filter(
        has_text="cannot reach").first).to_be_visible(timeout=20_000)
    await screenshot(page, "admin-settings")
    await page.close()


async def test_history_shows_chapters_with_vote_charts_and_names_as_text(serve: StartServer,
                                                                        browser: Browser) -> None:
    server = await serve(SystemClock(), **{"story.max_chapters": 2, "voting.duration_s": 300})
    status, _ = await server.call("POST", f"{API}/start", {"theme": "comedy"})
    page, dialogs = await open_admin(browser, server)
    await expect(page.locator("#live-choices .live-choice")).to_have_count(3, timeout=30_000)
    await server.call("POST", f"{API}/chat", {"messages": [{"user_id": "x", "nickname": XSS, "text": "!a"},
                                                           {"user_id": "y", "nickname": "Bo", "text": "!a"}]})
    await server.call("POST", f"{API}/next-chapter", {})
    await expect(page.locator("#live-recap")).to_be_visible(timeout=60_000)
    await expect(page.locator("#top-voters-list")).to_contain_text(XSS, timeout=10_000)
    await page.locator("#history-list .history-item").first.click()
    await expect(page.locator("svg.vote-chart")).to_have_count(1, timeout=10_000)
    assert await page.locator("img[src='x']").count() == 0 and dialogs == []
    await screenshot(page, "admin-history")
    await page.close()


async def test_chat_card_connects_tiktok_and_disconnects(serve: StartServer, browser: Browser) -> None:
    server = await serve(SystemClock(), **{"chat.source": "none"})
    page, dialogs = await open_admin(browser, server)
    state = page.locator("#chat-state")
    await expect(page.locator("#chat-source")).to_have_value("none", timeout=10_000)
    await expect(state).to_have_attribute("data-state", "off", timeout=10_000)
    await expect(page.locator("#chat-source-label")).to_have_text("Source: none")
    await expect(page.locator("#chat-badge")).to_have_text("Chat: off")

    await page.locator("#tiktok-name").fill("@story_tester")
    await page.locator("#chat-source").select_option("tiktok")
    await page.locator("#chat-connect").click()
    # No network here: the connection can get as far as trying, never to "live".
    trying = re.compile(r"^(connecting|reconnecting|error|offline)$")
    await expect(state).to_have_attribute("data-state", trying, timeout=15_000)
    await expect(page.locator("#chat-badge")).to_have_attribute("data-state", trying)
    await expect(page.locator("#chat-badge")).to_contain_text("TikTok: ")
    await expect(page.locator("#chat-detail")).not_to_be_empty()
    await expect(page.locator("#chat-facts")).to_contain_text("@story_tester")
    status, body = await server.call("GET", f"{API}/config")
    assert body["config"]["tiktok"]["unique_id"] == "story_tester"
    assert body["config"]["chat"]["source"] == "tiktok"
    await screenshot(page, "admin-chat")

    await page.locator("#chat-disconnect").click()
    await expect(state).to_have_attribute("data-state", re.compile(r"^(stopped|off)$"), timeout=15_000)
    await expect(page.locator("#chat-badge")).to_contain_text(re.compile(r"TikTok: (stopped|off)"))
    await expect(page.locator("#chat-disconnect")).to_be_disabled()
    assert dialogs == []
    await page.close()


async def test_memory_viewer_fills_in_as_the_story_runs(serve: StartServer, browser: Browser) -> None:
    server = await serve(SystemClock(), **{"voting.duration_s": 300})
    page, dialogs = await open_admin(browser, server)
    await page.locator('#theme-cards .theme-card[data-theme="fantasy"]').click()
    await page.locator("#start-style-box summary").click()
    await page.locator("#start-tone").fill("eerie")
    await page.locator("#start-pov").select_option("first")
    await page.locator("#start-button").click()
    # Characters, places and events arrive with story:memory-updated after chapter 1.
    await expect(page.locator("#memory-characters li").nth(1)).to_be_attached(timeout=60_000)
    await expect(page.locator("#memory-events li").first).to_be_attached(timeout=10_000)
    await expect(page.locator("#memory-locations li").first).to_be_attached()
    await expect(page.locator("#memory-summary")).not_to_have_text("No summary yet.")
    await expect(page.locator("#memory-events li").first).to_contain_text("Ch. 1")
    await expect(page.locator("#memory-chapter option")).to_have_count(2)  # latest, after chapter 1
    status, body = await server.call("GET", f"{API}/memory")
    first = body["memory"]["characters"][0]
    await expect(page.locator("#memory-characters li").first).to_contain_text(first["name"])
    await page.locator("#memory-chapter").select_option("1")
    await expect(page.locator("#memory-meta")).to_contain_text("after chapter 1")
    await expect(page.locator("#memory-characters li")).to_have_count(len(body["memory"]["characters"]))
    status, state = await server.call("GET", f"{API}/status")
    assert state["session"]["style"]["tone"] == "eerie" and state["session"]["style"]["pov"] == "first"
    await page.locator("#memory").scroll_into_view_if_needed()
    await screenshot(page, "admin-memory")
    assert dialogs == []
    await page.close()


async def test_directors_note_is_pending_then_used_by_the_next_chapter(serve: StartServer, browser: Browser) -> None:
    server = await serve(SystemClock(), **{"voting.duration_s": 300, "llm.offline_words_per_s": 60})
    await server.call("POST", f"{API}/start", {"theme": "adventure"})
    page, _ = await open_admin(browser, server)
    await expect(page.locator("#live-choices .live-choice")).to_have_count(3, timeout=60_000)
    await page.locator("#note-input").fill("a talking cat appears")
    await page.locator("#note-button").click()
    await expect(page.locator("#notes-pending li")).to_have_count(1, timeout=10_000)
    await expect(page.locator("#notes-pending li").first).to_have_text("a talking cat appears")
    status, body = await server.call("GET", f"{API}/director-notes")
    assert body["pending"] == ["a talking cat appears"]
    status, _ = await server.call("POST", f"{API}/next-chapter", {})
    assert status == 200
    await expect(page.locator("#live-session")).to_contain_text("chapter 2 of", timeout=60_000)
    await expect(page.locator("#notes-pending li")).to_have_count(0, timeout=60_000)
    await expect(page.locator("#live-text")).to_contain_text(re.compile(r"\bcats?\b", re.I))
    status, body = await server.call("GET", f"{API}/director-notes")
    assert body["pending"] == [] and body["notes"][0]["usedInChapter"] == 2
    await page.close()


async def test_rewrite_a_selected_sentence_of_the_live_chapter(serve: StartServer, browser: Browser) -> None:
    server = await serve(SystemClock(), **{"voting.duration_s": 300, "llm.offline_words_per_s": 60})
    status, started = await server.call("POST", f"{API}/start", {"theme": "western"})
    page, dialogs = await open_admin(browser, server)
    live = page.locator("#live-text")
    await expect(page.locator("#live-choices .live-choice")).to_have_count(3, timeout=60_000)
    await page.locator("#rewrite-instruction").fill("mention the dragon")
    await page.locator("#rewrite-button").click()  # nothing selected yet: a hint, no request
    await expect(page.locator("#rewrite-selection")).to_have_attribute("data-state", "warn")
    await expect(page.locator("#rewrite-selection")).to_contain_text("Nothing is selected")
    before = await live.text_content() or ""
    assert "dragon" not in before.lower()
    sentence = await page.evaluate("""() => {
        const text = document.querySelector("#live-text");
        const node = text.firstChild;
        const end = node.data.search(/[.!?]["”’]?(\\s|$)/) + 1;
        const range = document.createRange();
        range.setStart(node, 0);
        range.setEnd(node, end);
        const selection = getSelection();
        selection.removeAllRanges();
        selection.addRange(range);
        return node.data.slice(0, end);
    }""")
    assert sentence and before.startswith(sentence)
    await expect(page.locator("#rewrite-selection")).to_contain_text(sentence[:30])
    await page.locator("#rewrite-button").click()
    await expect(live).to_contain_text("dragon", timeout=20_000)
    await expect(page.locator("#rewrite-selection")).to_have_attribute("data-state", "none")
    status, body = await server.call("GET", f"{API}/session/{started['session']['id']}")
    assert [r["reason"] for r in body["revisions"]] == ["rewrite"]
    assert body["revisions"][0]["instruction"] == "mention the dragon" and body["revisions"][0]["content"] == before
    assert "dragon" in body["chapters"][0]["content"] and await live.text_content() == body["chapters"][0]["content"]
    await page.locator("#history-list .history-item").first.click()
    await expect(page.locator(".history-chapter .revision-count").first).to_have_text("1 revision", timeout=10_000)
    await page.locator(".history-chapter .revisions summary").first.click()
    await expect(page.locator(".revision").first).to_contain_text("Passage rewritten")
    assert dialogs == []
    await page.close()


async def test_edit_a_choice_during_the_vote_updates_the_overlay(serve: StartServer, browser: Browser) -> None:
    server = await serve(SystemClock(), **{"voting.duration_s": 300, "llm.offline_words_per_s": 60,
                                           "story.mode": "manual"})
    await server.call("POST", f"{API}/start", {"theme": "mystery"})
    page, dialogs = await open_admin(browser, server)
    overlay = await browser.new_page(viewport={"width": 1920, "height": 1080})
    await overlay.goto(f"{server.url}/overlay")
    row = page.locator("#live-choices .live-choice").nth(1)
    await expect(row.locator(".edit-choice")).to_be_visible(timeout=60_000)
    await expect(overlay.locator("#choices .choice")).to_have_count(3, timeout=15_000)
    await row.locator(".edit-choice").click()
    await row.locator(".edit-choice-input").fill(f"Follow the muddy footprints {XSS}")
    await row.locator(".save-choice").click()
    new_text = f"Follow the muddy footprints {XSS}"
    await expect(row.locator(".choice-text")).to_have_text(new_text, timeout=10_000)
    await expect(overlay.locator("#choices .choice-text").nth(1)).to_have_text(new_text, timeout=10_000)
    status, body = await server.call("GET", f"{API}/status")
    assert body["voting"]["choices"][1] == new_text
    # An edit saved after the vote closed is refused, and the server's reason is shown.
    first = page.locator("#live-choices .live-choice").first
    await first.locator(".edit-choice").click()
    await page.locator("#force-end-button").click()
    await expect(page.locator("#live-state")).to_have_attribute("data-state", "waiting", timeout=10_000)
    await expect(page.locator("#live-choices .edit-choice").first).to_be_hidden()
    await first.locator(".edit-choice-input").fill("Too late")
    await first.locator(".save-choice").click()
    await expect(page.locator("#error-banner")).to_contain_text("the vote on this chapter is over", timeout=10_000)
    await expect(overlay.locator("#choices .choice-text").first).not_to_have_text("Too late")
    assert await page.locator("img[src='x']").count() == 0 and dialogs == []
    await overlay.close()
    await page.close()
