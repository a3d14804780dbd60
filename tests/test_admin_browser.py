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
