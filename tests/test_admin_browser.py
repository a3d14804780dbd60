"""The admin panel in real headless Chromium: sign-in, driving a story, rehearsal, settings, chat, history."""

from __future__ import annotations

import asyncio
import re

from markupsafe import escape
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


async def vote_is_open(page: Page) -> None:
    """Wait until the panel shows the vote as open ("... so far"): the choices arrive with the chapter, a moment
    before the vote opens, and until then ballots are not counted and next-chapter is refused (409 busy)."""
    await expect(page.locator("#live-totals")).to_contain_text("so far", timeout=60_000)


async def test_sign_in_start_a_story_and_watch_it_in_the_overlay(serve: StartServer, browser: Browser) -> None:
    server = await serve(SystemClock(), **{"llm.offline_words_per_s": 30, "voting.duration_s": 300,
                                           "show.result_hold_s": 60})  # the winner stays up after the vote
    admin, _ = await open_admin(browser, server)
    assert "#token" not in admin.url  # the token leaves the address bar once stored
    overlay = await browser.new_page(viewport={"width": 1920, "height": 1080})
    await overlay.goto(f"{server.url}/overlay")
    await admin.locator('#theme-cards .theme-card[data-theme="horror"]').click()
    await admin.locator("#start-button").click()
    await expect(overlay.locator("#chapter-text")).not_to_be_empty(timeout=15_000)
    await expect(admin.locator("#live-text")).not_to_be_empty(timeout=15_000)
    await expect(admin.locator("#live-choices .live-choice")).to_have_count(3, timeout=30_000)
    await vote_is_open(admin)
    await screenshot(admin, "admin-live")

    for nick, vote in (("Ana", "!b"), ("Ben", "b"), ("Cy", "!a")):
        await admin.locator("#rehearsal-nick").fill(nick)
        await admin.locator("#rehearsal-text").fill(vote)
        await admin.locator("#rehearsal-send").click()
        await expect(admin.locator("#rehearsal-log li").first).to_contain_text(f"{nick}: {vote}")
    await expect(overlay.locator("#choices .choice").nth(1).locator(".choice-count")).to_have_text("2")
    await expect(admin.locator("#live-choices .live-choice").nth(1).locator(".count")).to_contain_text("2")
    await screenshot(admin, "admin-rehearsal")
    await admin.locator("#close-vote-button").click()
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
    await page.locator("#settings-advanced > summary").click()  # the writer's timeout is provider tuning: Advanced
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
    await vote_is_open(page)
    # viewers of a real platform: rehearsal chat (no platform) stays out of the all-time list shown here
    await server.call("POST", f"{API}/chat", {"messages": [
        {"platform": "tiktok", "user_id": "x", "nickname": XSS, "text": "!a"},
        {"platform": "tiktok", "user_id": "y", "nickname": "Bo", "text": "!a"}]})
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
    await vote_is_open(page)
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
    await page.locator("#close-vote-button").click()
    await expect(page.locator("#live-state")).to_have_attribute("data-state", "waiting", timeout=10_000)
    await expect(page.locator("#live-choices .edit-choice").first).to_be_hidden()
    await first.locator(".edit-choice-input").fill("Too late")
    await first.locator(".save-choice").click()
    await expect(page.locator("#error-banner")).to_contain_text("the vote on this chapter is over", timeout=10_000)
    await expect(overlay.locator("#choices .choice-text").first).not_to_have_text("Too late")
    assert await page.locator("img[src='x']").count() == 0 and dialogs == []
    await overlay.close()
    await page.close()


async def test_voices_list_plays_a_sample_in_the_page(serve: StartServer, browser: Browser) -> None:
    server = await serve(SystemClock())
    page, dialogs = await open_admin(browser, server)
    status, body = await server.call("GET", f"{API}/tts/voices")
    assert status == 200 and body["provider"]["provider"] == "offline" and len(body["voices"]) >= 6
    voices = page.locator("#voices-list li")
    await expect(voices).to_have_count(len(body["voices"]), timeout=15_000)
    await expect(page.locator("#voices-provider")).to_contain_text("offline voices (espeak-ng)")
    await expect(voices.first.locator(".voice-tag.narrator")).to_have_text("narrator")  # en-us+m3 comes first
    await page.locator("#sample-text").fill("A short test of this voice.")
    target = voices.nth(5)
    voice = await target.get_attribute("data-voice")
    async with page.expect_request(lambda r: f"{API}/audio/" in r.url, timeout=20_000) as played, \
            page.expect_response(lambda r: r.url.endswith(f"{API}/tts/sample")) as answered:
        await target.locator(".play-sample").click()
    reply = await (await answered.value).json()
    assert reply["voice"] == voice and reply["durationMs"] > 0
    assert reply["audioUrl"].startswith(f"{API}/audio/") and (await played.value).url.endswith(reply["audioUrl"])
    sent = (await answered.value).request.post_data_json
    assert sent == {"voice": voice, "text": "A short test of this voice."}
    assert await page.evaluate("() => window.__admin.voices.lastSample.audioUrl") == reply["audioUrl"]
    await page.locator("#voices").scroll_into_view_if_needed()
    await screenshot(page, "admin-voices")
    assert dialogs == []
    await page.close()


async def test_live_picture_and_a_new_picture_from_a_custom_prompt(serve: StartServer, browser: Browser) -> None:
    server = await serve(SystemClock(), **{"voting.duration_s": 300})
    status, started = await server.call("POST", f"{API}/start", {"theme": "fantasy"})
    page, dialogs = await open_admin(browser, server)
    image = page.locator("#live-image")
    await expect(image).to_have_attribute("src", re.compile(rf"^{API}/image/\w+\.(png|jpg|webp)$"), timeout=60_000)
    await expect(image).to_be_visible()
    await page.wait_for_function("() => { const i = document.querySelector('#live-image');"
                                 " return i.complete && i.naturalWidth > 0; }", timeout=10_000)
    await expect(page.locator("#live-image-caption")).to_have_text("Chapter 1")
    first = await image.get_attribute("src")
    await page.locator("#image-prompt").fill("a red kite")
    async with page.expect_response(lambda r: r.url.endswith(f"{API}/chapter/image")) as answered:
        await page.locator("#regenerate-image").click()
    assert (await answered.value).status == 202
    assert (await answered.value).request.post_data_json == {"prompt": "a red kite", "chapterNumber": 1}
    await expect(page.locator("#image-prompt-used")).to_have_text("a red kite", timeout=30_000)
    await expect(image).not_to_have_attribute("src", first or "")
    await expect(page.locator("#image-prompt-box")).to_be_visible()
    status, body = await server.call("GET", f"{API}/session/{started['session']['id']}")
    assert body["chapters"][0]["imageUrl"] == await image.get_attribute("src")
    await page.locator("#image-prompt-box summary").click()
    await screenshot(page, "admin-live-picture")
    # A failed picture says why, as text (the event is the server's story:image-failed payload).
    await page.evaluate("(error) => window.__admin.bus.emit('story:image-failed',"
                        " {sessionId: window.__admin.live.model.session.id, chapterNumber: 1, error})", XSS)
    await expect(page.locator("#live-image-note")).to_have_text(f"picture failed: {XSS}")
    assert await page.locator("img[src='x']").count() == 0 and dialogs == []
    await page.close()


async def test_a_characters_voice_can_be_changed(serve: StartServer, browser: Browser) -> None:
    server = await serve(SystemClock(), **{"story.max_chapters": 5, "voting.duration_s": 300})
    await server.call("POST", f"{API}/start", {"theme": "fantasy"})
    page, dialogs = await open_admin(browser, server)
    rows = page.locator("#character-voices li")
    await expect(page.locator("#live-choices .live-choice")).to_have_count(3, timeout=60_000)
    # Characters get voices when a chapter's narration is planned and a quoted line's speaker is certain; the
    # offline story is random, so a chapter may have none: move on (at most to the final chapter) until one does.
    for chapter in range(1, 6):
        try:
            await expect(rows.first).to_be_attached(timeout=30_000)
            break
        except AssertionError:
            assert chapter < 5, "no chapter of the story had a character with a voice"
            await server.call("POST", f"{API}/next-chapter", {})
    row = rows.first
    name = await row.get_attribute("data-name")
    status, body = await server.call("GET", f"{API}/tts/voices")
    assert name in body["characters"]
    select = row.locator("select")
    await expect(select).to_have_value(body["characters"][name])
    offered = [v["id"] for v in body["voices"]]
    new_voice = next(v for v in offered if v != body["characters"][name] and v != body["provider"]["narrator"])
    await select.select_option(new_voice)
    await expect(page.locator("#toast")).to_contain_text(f"{name} now speaks as", timeout=10_000)
    status, body = await server.call("GET", f"{API}/tts/voices")
    assert body["characters"][name] == new_voice
    await expect(select).to_have_value(new_voice)
    await expect(page.locator(f'#voices-list li[data-voice="{new_voice}"] .voice-tag')).to_contain_text([name])
    assert dialogs == []
    await page.close()


async def test_picture_and_voice_settings_save_through_the_form(serve: StartServer, browser: Browser) -> None:
    server = await serve(SystemClock(), **{"images.api_key": "img-zq9-unmasked-1234"})
    page, dialogs = await open_admin(browser, server)
    form = page.locator("#settings-form")
    await expect(form.locator('[name="tts.speed"]')).to_have_value("1", timeout=10_000)
    await expect(page.locator("#images-status")).to_have_text("Pictures: offline title card · 1280x720")
    await expect(page.locator("#tts-status")).to_have_text("Voice: offline voices (espeak-ng), narrator en-us+m3")
    key = form.locator('[name="images.api_key"]')
    await expect(key).to_have_attribute("placeholder", re.compile(r"^saved: .+1234$"))
    await expect(form.locator('.clear-secret[data-for="images.api_key"]')).to_be_visible()
    await expect(form.locator('.clear-secret[data-for="tts.api_key"]')).to_be_hidden()
    assert "unmasked" not in await page.content()
    await expect(form.locator('[name="tts.read_vote_call"]')).to_be_checked()
    await expect(page.locator("#s-tts-narrator-select option")).not_to_have_count(2, timeout=10_000)  # voices loaded

    await form.locator('[name="tts.speed"]').fill("1.5")
    await expect(page.locator("#s-tts-speed-out")).to_have_text("1.5×")
    await form.locator('[name="images.provider"]').select_option("off")
    await form.locator('[name="tts.read_vote_call"]').uncheck()
    await page.locator("#s-images-size-select").select_option("720x1280")
    await page.locator("#s-tts-narrator-select").select_option("en-gb+m2")
    await page.locator("#s-tts-characters-add").select_option("en-gb+f3")
    await page.locator("#s-tts-characters-add").select_option("en-us+f4")
    await expect(form.locator('[name="tts.character_voices"]')).to_have_value("en-gb+f3, en-us+f4")
    await expect(page.locator("#settings-status")).to_have_text("6 unsaved changes")
    await page.locator("#settings-save").click()
    await expect(page.locator("#settings-status")).to_have_text("Saved", timeout=10_000)
    status, body = await server.call("GET", f"{API}/config")
    tts, images = body["config"]["tts"], body["config"]["images"]
    assert tts["speed"] == 1.5 and images["provider"] == "off" and tts["read_vote_call"] is False
    assert images["size"] == "720x1280" and tts["narrator_voice"] == "en-gb+m2"
    assert tts["character_voices"] == ["en-gb+f3", "en-us+f4"]
    assert images["api_key"].endswith("1234") and "unmasked" not in images["api_key"]  # untouched: not overwritten
    await expect(page.locator("#images-status")).to_have_text("Pictures: off", timeout=10_000)
    await expect(page.locator("#tts-status")).to_contain_text("narrator en-gb+m2")
    await expect(page.locator("#regenerate-image")).to_be_disabled()

    # A size that is not WIDTHxHEIGHT is refused before saving.
    await page.locator("#s-images-size-select").select_option("__other")
    await form.locator('[name="images.size"]').fill("big")
    await page.locator("#settings-save").click()
    await expect(form.locator(".field-error")).to_contain_text("use WIDTHxHEIGHT")
    await page.locator("#settings-reset").click()
    await expect(form.locator('[name="images.size"]')).to_have_value("720x1280")

    # The saved pictures key is removed with two clicks (like the writer's key).
    remove = form.locator('.clear-secret[data-for="images.api_key"]')
    await remove.click()
    await remove.click()
    await expect(remove).to_be_hidden(timeout=10_000)
    status, body = await server.call("GET", f"{API}/config")
    assert body["config"]["images"]["api_key"] == ""
    await form.locator("#images-settings").scroll_into_view_if_needed()
    await screenshot(page, "admin-settings-media")
    assert dialogs == []
    await page.close()


async def test_chapters_written_ahead_are_marked_and_the_roads_not_taken_are_in_history(
        serve: StartServer, browser: Browser) -> None:
    server = await serve(SystemClock(), **{"story.prefetch": "all", "story.prefetch_concurrency": 3,
                                           "voting.duration_s": 300})
    page, dialogs = await open_admin(browser, server)
    await expect(page.locator('[name="story.prefetch"]')).to_have_value("all", timeout=10_000)
    await expect(page.locator('[name="story.prefetch_concurrency"]')).to_have_value("3")
    status, started = await server.call("POST", f"{API}/start", {"theme": "adventure"})
    choices = page.locator("#live-choices .live-choice")
    await expect(choices).to_have_count(3, timeout=60_000)
    # Every choice's chapter 2 is written during the vote; story:branch-ready brings its title.
    ready = page.locator("#live-choices .ahead[data-state=ready]")
    await expect(ready).to_have_count(3, timeout=60_000)
    for i in range(3):
        await expect(choices.nth(i).locator(".ahead")).to_contain_text(re.compile(r"next chapter ready ✓ “.+”"))
    await page.locator("#live-choices").scroll_into_view_if_needed()
    await screenshot(page, "admin-written-ahead")

    await server.call("POST", f"{API}/chat", {"messages": [{"user_id": "u1", "nickname": "Ana", "text": "!c"},
                                                           {"user_id": "u2", "nickname": XSS, "text": "!c"}]})
    await expect(choices.nth(2).locator(".count")).to_have_text("2", timeout=10_000)
    status, _ = await server.call("POST", f"{API}/next-chapter", {})
    assert status == 200
    await expect(page.locator("#live-session")).to_contain_text("chapter 2 of", timeout=60_000)
    # Chapter 2's vote is open and its own branches are written: the open story stops changing.
    await expect(choices.nth(2).locator(".count")).to_have_text("0", timeout=60_000)
    await expect(ready).to_have_count(3, timeout=60_000)
    status, body = await server.call("GET", f"{API}/session/{started['session']['id']}")
    lost = [r for r in body["roadsNotTaken"] if r["chapterNumber"] == 2]
    assert sorted(r["choiceIndex"] for r in lost) == [0, 1]

    await page.locator("#history-list .history-item").first.click()
    roads = page.locator('.history-chapter[data-chapter="1"] .road-not-taken')
    await expect(roads).to_have_count(2, timeout=10_000)
    await expect(page.locator(".road-not-taken")).to_have_count(2)
    for road, r in zip((roads.nth(0), roads.nth(1)), sorted(lost, key=lambda r: r["choiceIndex"])):
        await expect(road).to_contain_text(f"If viewers had chosen {'AB'[r['choiceIndex']]}")
        await expect(road.locator("q")).to_have_text(r["choice"])
        await expect(road.locator(".road-title")).to_have_text(f"“{r['title']}”")
    await expect(roads.first.locator(".prose")).to_be_hidden()  # collapsed until asked for
    await roads.first.locator("summary").click()
    await expect(roads.first.locator(".prose")).to_have_text(sorted(lost, key=lambda r: r["choiceIndex"])[0]["content"])
    await roads.first.scroll_into_view_if_needed()
    await screenshot(page, "admin-roads-not-taken")
    assert await page.locator("img[src='x']").count() == 0 and dialogs == []
    await page.close()


async def test_ballots_saved_counter_follows_the_journal(serve: StartServer, browser: Browser) -> None:
    server = await serve(SystemClock(), **{"voting.duration_s": 300, "story.prefetch": "off"})
    page, dialogs = await open_admin(browser, server)
    await expect(page.locator("#conn-badge")).to_have_attribute("data-state", "live", timeout=10_000)
    await server.call("POST", f"{API}/start", {"theme": "mystery"})
    await expect(page.locator("#live-choices .live-choice")).to_have_count(3, timeout=60_000)
    await vote_is_open(page)
    await expect(page.locator("#ballots-saved")).to_be_hidden()
    votes = [{"user_id": f"v{i}", "nickname": f"Viewer {i}", "text": "!" + "abc"[i % 3]} for i in range(7)]
    status, _ = await server.call("POST", f"{API}/chat", {"messages": votes[:4]})
    assert status == 200
    status, _ = await server.call("POST", f"{API}/chat", {"messages": votes[4:]})
    counter = page.locator("#ballots-saved")
    await expect(page.locator("#live-totals")).to_contain_text("7 votes", timeout=10_000)
    await expect(counter).to_be_visible(timeout=10_000)
    await expect(counter).to_have_text(re.compile(r"^\d+ ballots saved$"))
    await page.wait_for_function("() => parseInt(document.querySelector('#ballots-saved').textContent, 10) >= 7",
                                 timeout=10_000)
    assert dialogs == []
    await page.close()


async def test_prepare_a_story_in_the_writers_room_then_go_live(serve: StartServer, browser: Browser) -> None:
    server = await serve(SystemClock(), **{"llm.offline_words_per_s": 40, "voting.duration_s": 300})
    page, dialogs = await open_admin(browser, server)
    phases = page.locator("#draft-phases")
    await expect(page.locator('#draft-theme option[value="fantasy"]')).to_be_attached(timeout=10_000)
    await page.locator("#draft-theme").select_option("fantasy")
    await page.locator("#draft-wishes").fill("a talking cat who knows the way")
    await page.locator("#draft-new").click()
    await expect(page.locator("#drafts-list .draft-item")).to_have_count(1, timeout=10_000)
    await expect(page.locator("#draft-editor")).to_be_visible()
    await expect(phases.locator('li[data-phase="setup"]')).to_have_class(re.compile(r"\bcurrent\b"))
    status, body = await server.call("GET", f"{API}/drafts")
    draft_id = body["drafts"][0]["id"]
    assert body["drafts"][0]["wishes"] == "a talking cat who knows the way"

    # The premise streams in as server-sent events; the textarea ends with the premise block.
    async with page.expect_response(lambda r: r.url.endswith(f"{API}/stream")) as answered:
        await page.locator("#draft-write-premise").click()
    response = await answered.value
    assert response.request.post_data_json == {"step": "premise", "draftId": draft_id}
    assert response.headers["content-type"].startswith("text/event-stream")
    premise = page.locator("#draft-premise")
    await expect(premise).to_have_value(re.compile(r"PREMISE:"), timeout=30_000)
    await expect(page.locator("#draft-write-premise")).to_have_text("Write again", timeout=30_000)
    assert "event: stream" in await response.text() and "event: final" in await response.text()
    await expect(phases.locator('li[data-phase="premise"]')).to_have_class(re.compile(r"\bcurrent\b"))
    await expect(page.locator("#draft-title")).not_to_have_value("")

    await page.locator("#draft-write-outline").click()
    await expect(page.locator("#draft-step-outline .step-state")).to_have_text("✓ written", timeout=30_000)
    await expect(page.locator("#draft-outline")).to_have_value(re.compile(r"^1\. ", re.M))
    await expect(phases.locator('li[data-phase="outline"]')).to_have_class(re.compile(r"\bcurrent\b"))

    # The opening is paced like a live chapter: its text grows before its title and choices arrive.
    await page.locator("#draft-write-opening").click()
    await page.wait_for_function("""() => {
        const content = document.querySelector('#draft-opening-content').value;
        return content.length > 20 && document.querySelector('#draft-opening-title').value === '';
    }""", timeout=30_000)
    await expect(page.locator("#draft-write-opening")).to_have_text("Writing…")
    await expect(page.locator("#draft-write-opening")).to_have_text("Write again", timeout=60_000)
    await expect(phases.locator('li[data-phase="opening"]')).to_have_class(re.compile(r"\bcurrent\b"))
    choices = page.locator(".draft-choice")
    await expect(choices).to_have_count(3)
    await expect(choices.nth(1)).not_to_have_value("")
    title = await page.locator("#draft-opening-title").input_value()
    content = await page.locator("#draft-opening-content").input_value()
    assert title and len(content) > 100

    edited = "Follow the talking cat into the woods"
    await choices.nth(1).fill(edited)
    await expect(page.locator("#draft-status")).to_have_text("1 unsaved change")
    await page.locator("#draft-save").click()
    await expect(page.locator("#draft-status")).to_have_text("Saved", timeout=10_000)
    status, body = await server.call("GET", f"{API}/drafts/{draft_id}")
    assert body["draft"]["opening"]["choices"][1] == edited and body["draft"]["opening"]["content"] == content
    await page.locator("#writers-room").scroll_into_view_if_needed()
    await screenshot(page, "admin-writers-room")

    overlay = await browser.new_page(viewport={"width": 1920, "height": 1080})
    await overlay.goto(f"{server.url}/overlay")
    await page.locator("#draft-go-live").click()
    await expect(overlay.locator("#chapter-text")).to_contain_text(content[:30], timeout=30_000)
    await expect(overlay.locator("#choices .choice-text").nth(1)).to_have_text(edited, timeout=60_000)
    await expect(page.locator("#live-title")).to_have_text(title, timeout=10_000)
    await expect(page.locator("#live-choices .live-choice").nth(1).locator(".choice-text")).to_have_text(edited)
    await expect(page.locator('#drafts-list .draft-item[data-phase="live"]')).to_have_count(1, timeout=10_000)
    await expect(phases.locator('li[data-phase="live"]')).to_have_class(re.compile(r"\bcurrent\b"))
    await expect(page.locator("#draft-go-live")).to_be_disabled()
    status, body = await server.call("GET", f"{API}/status")
    assert body["chapter"]["content"] == content and body["voting"]["choices"][1] == edited
    assert dialogs == []
    await overlay.close()
    await page.close()


async def test_a_background_story_task_shows_progress_and_can_be_read(serve: StartServer, browser: Browser) -> None:
    server = await serve(SystemClock())
    page, dialogs = await open_admin(browser, server)
    await expect(page.locator('#task-theme option[value="comedy"]')).to_be_attached(timeout=10_000)
    await expect(page.locator("#cache-stats")).to_contain_text("0 stories", timeout=10_000)
    await page.locator("#task-theme").select_option("comedy")
    await page.locator("#task-chapters").fill("2")
    async with page.expect_response(lambda r: r.url.endswith(f"{API}/tasks/full-story")) as answered:
        await page.locator("#task-start").click()
    assert (await answered.value).status == 202
    assert (await answered.value).request.post_data_json == {"theme": "comedy", "chapters": 2}
    item = page.locator(".task-item").first
    await expect(page.locator(".task-item")).to_have_count(1)
    await expect(item).to_have_attribute("data-status", "done", timeout=60_000)
    await expect(item.locator("progress")).to_have_js_property("value", 100)
    await expect(item.locator(".task-status")).to_have_text("done")
    await expect(item.locator(".badge-cache")).to_be_hidden()
    await item.locator(".task-read").click()
    await expect(page.locator("#task-reader .task-chapter")).to_have_count(2, timeout=10_000)
    task_id = await item.get_attribute("data-id")
    status, story = await server.call("GET", f"{API}/tasks/{task_id}/result")
    await expect(page.locator("#task-reader .reader-title")).to_have_text(story["title"])
    await expect(page.locator("#task-reader .task-chapter").nth(1)).to_contain_text(story["chapters"][1]["title"])
    await expect(page.locator("#cache-stats")).to_contain_text("1 story", timeout=10_000)

    # The same request again comes from the cache at once.
    await page.locator("#task-start").click()
    await expect(page.locator(".task-item")).to_have_count(2, timeout=10_000)
    await expect(page.locator(".task-item").first.locator(".badge-cache")).to_be_visible()
    await expect(page.locator(".task-item").first).to_have_attribute("data-status", "done")
    await expect(page.locator("#cache-stats")).to_contain_text("1 hit", timeout=10_000)
    await page.locator("#tasks").scroll_into_view_if_needed()
    await screenshot(page, "admin-tasks")
    await page.locator("#cache-clear").click()
    await expect(page.locator("#cache-stats")).to_contain_text("0 stories", timeout=10_000)
    status, stats = await server.call("GET", f"{API}/cache/stats")
    assert stats["entries"] == 0
    # Tasks started from this tab are still listed after a reload.
    await page.reload()
    await expect(page.locator(".task-item")).to_have_count(2, timeout=10_000)
    assert dialogs == []
    await page.close()


async def test_the_writers_chat_answers_without_touching_the_story(serve: StartServer, browser: Browser) -> None:
    server = await serve(SystemClock(), **{"voting.duration_s": 300})
    await server.call("POST", f"{API}/start", {"theme": "mystery"})
    page, dialogs = await open_admin(browser, server)
    await expect(page.locator("#live-choices .live-choice")).to_have_count(3, timeout=60_000)
    before = await page.locator("#live-text").text_content()
    await expect(page.locator("#chat-about")).to_contain_text("About", timeout=10_000)
    await page.locator("#chat-input").fill("what if the butler is a twin?")
    async with page.expect_response(lambda r: r.url.endswith(f"{API}/stream")) as answered:
        await page.locator("#chat-send").click()
    assert (await answered.value).request.post_data_json["step"] == "chat"
    messages = page.locator("#chat-messages li")
    await expect(messages).to_have_count(2, timeout=20_000)
    await expect(messages.first).to_have_attribute("data-role", "user")
    await expect(messages.first).to_contain_text("what if the butler is a twin?")
    reply = page.locator('#chat-messages li[data-role="assistant"]')
    await expect(reply).to_contain_text("twin", timeout=20_000)
    await expect(page.locator("#chat-input")).to_have_value("")
    await page.locator("#chat-input").fill(XSS)
    async with page.expect_response(lambda r: r.url.endswith(f"{API}/stream")) as second:
        await page.locator("#chat-input").press("Enter")
    await (await second.value).finished()  # the answer is saved before its stream ends
    await expect(messages).to_have_count(4, timeout=20_000)
    await expect(messages.nth(2)).to_have_text(re.compile(re.escape(XSS)))
    status, body = await server.call("GET", f"{API}/writers-chat")
    assert [m["role"] for m in body["messages"]] == ["user", "assistant", "user", "assistant"]
    assert await page.locator("#live-text").text_content() == before  # the story did not change
    await page.locator("#writers-chat").scroll_into_view_if_needed()
    await screenshot(page, "admin-writers-chat")
    await page.reload()
    await expect(page.locator("#chat-messages li")).to_have_count(4, timeout=10_000)
    assert await page.locator("img[src='x']").count() == 0 and dialogs == []
    await page.close()


async def test_the_storybook_downloads_from_history_and_live(serve: StartServer, browser: Browser) -> None:
    server = await serve(SystemClock(), **{"voting.duration_s": 300})
    status, started = await server.call("POST", f"{API}/start", {"theme": "western"})
    page, dialogs = await open_admin(browser, server)
    await expect(page.locator("#live-choices .live-choice")).to_have_count(3, timeout=60_000)
    await page.locator("#history-refresh").click()
    await page.locator("#history-list .history-item").first.click()
    button = page.locator("#history-detail .export-html")
    await expect(button).to_be_visible(timeout=10_000)
    async with page.expect_download() as downloaded:
        await button.click()
    download = await downloaded.value
    assert download.suggested_filename.startswith("storybook-") and download.suggested_filename.endswith(".html")
    with open(await download.path(), encoding="utf-8") as handle:
        html = handle.read()
    status, state = await server.call("GET", f"{API}/status")
    assert "<html" in html.lower() and str(escape(state["session"]["title"])) in html  # "Sheriff's" is "Sheriff&#39;s"
    await expect(page.locator("#toast")).to_contain_text(download.suggested_filename)

    await expect(page.locator("#export-current")).to_be_visible()
    await page.locator("#export-current-format").select_option("json")
    async with page.expect_download() as downloaded:
        await page.locator("#export-current").click()
    download = await downloaded.value
    assert download.suggested_filename.startswith(f"storybook-{started['session']['id']}")
    assert download.suggested_filename.endswith(".json")
    assert dialogs == []
    await page.close()
