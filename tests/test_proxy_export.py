"""The LLM proxy (offline and through a local OpenAI-compatible server) and the storybook export."""

from __future__ import annotations

import json
import re

from markupsafe import escape

from plugin.clock import ManualClock
from tests.conftest import StartServer
from tests.support.harness import Running, advance_when_waiting, watching
from tests.support.openai_server import FakeOpenAI, Reply

API = "/api/interactive-story"
XSS = "<img src=x onerror=alert(1)>"


async def sse_lines(server: Running, body: dict) -> list[str]:
    async with server.http.post(f"{server.url}/api/llm/chat/completions", json=body, headers=server.auth) as response:
        assert response.status == 200
        return [line[6:] for line in (await response.read()).decode().splitlines() if line.startswith("data: ")]


async def test_the_proxy_answers_offline_streamed_or_not(serve: StartServer) -> None:
    server = await serve(ManualClock())
    ask = {"messages": [{"role": "user", "content": "give me three twists for a pirate story"}]}
    status, body = await server.call("POST", "/api/llm/chat/completions", ask)
    assert status == 200 and body["object"] == "chat.completion"
    assert "twist" in body["choices"][0]["message"]["content"].lower()
    assert body["usage"]["completion_tokens"] > 0 and body["cost"] == {"currency": "USD", "estimate": 0.0,
                                                                         "priced": False}
    lines = await sse_lines(server, {**ask, "stream": True})
    assert lines[-1] == "[DONE]"
    chunks = [json.loads(line) for line in lines[:-1]]
    text = "".join(c["choices"][0]["delta"].get("content", "") for c in chunks)
    assert text == body["choices"][0]["message"]["content"] and chunks[-1]["choices"][0]["finish_reason"] == "stop"
    status, llm = await server.call("GET", "/api/llm/status")  # the same answer as the panel's llm/status
    assert (llm["busy"], llm["provider"], llm["model"]) == (False, "offline", "offline writer")
    assert llm == (await server.call("GET", "/api/interactive-story/llm/status"))[1]
    assert (await server.call("GET", "/api/llm/models"))[1]["models"] == ["offline writer"]


async def test_the_proxy_through_a_provider_counts_tokens_and_estimates_cost(serve: StartServer) -> None:
    async with FakeOpenAI(api_key=None, models=["gpt-4o-mini"],
                          default_reply=Reply(content="Try a mutiny at dawn.")) as fake:
        server = await serve(ManualClock(), **{"llm.base_url": fake.base_url, "llm.model": "gpt-4o-mini"})
        status, body = await server.call("POST", "/api/llm/chat/completions",
                                         {"messages": [{"role": "system", "content": "be brief"},
                                                       {"role": "user", "content": "a twist?"}], "max_tokens": 50})
        assert body["choices"][0]["message"]["content"] == "Try a mutiny at dawn."
        assert body["model"] == "gpt-4o-mini" and body["cost"]["priced"] and body["cost"]["estimate"] > 0
        assert fake.requests[-1].body["messages"][0] == {"role": "system", "content": "be brief"}
        assert fake.requests[-1].body["max_tokens"] == 50


async def test_bad_proxy_requests_get_clear_errors(serve: StartServer) -> None:
    server = await serve(ManualClock())
    status, body = await server.call("POST", "/api/llm/chat/completions", {"messages": [{"role": "robot"}]})
    assert status == 400 and body["error"]["field"] == "messages[0]"
    status, body = await server.call("POST", "/api/llm/chat/completions", {"messages": []})
    assert status == 400 and body["error"]["field"] == "messages"
    hello = {"messages": [{"role": "user", "content": "hi"}]}
    status, body = await server.call("POST", "/api/llm/chat/completions", hello, admin=False)
    assert status == 401


async def test_the_storybook_has_chapters_pictures_votes_roads_not_taken_and_voters(serve: StartServer) -> None:
    clock = ManualClock()
    server = await serve(clock, **{"story.max_chapters": 2, "story.prefetch": "all", "story.prefetch_concurrency": 3,
                                   "voting.duration_s": 10})
    async with watching(server.url) as seen, watching(server.url, "/admin", auth={"token": server.token}) as admin_seen:
        await server.call("POST", f"{API}/start", {"theme": "adventure"})
        vote = await seen.wait_for("story:voting-started")
        for index in range(3):  # every branch is written before the vote ends: the two losers become roads not taken
            await admin_seen.wait_for("story:branch-ready", lambda b, i=index: b["choiceIndex"] == i)
        await server.call("POST", f"{API}/chat", {"messages": [{"user_id": "x", "nickname": XSS, "text": "!a"},
                                                               {"user_id": "y", "nickname": "Bo", "text": "!a"}]})
        await seen.wait_for("story:vote-update", lambda u: u["total"] == 2)
        await advance_when_waiting(clock, 10)
        ended = await seen.wait_for("story:ended")
        for number in (1, 2):  # the storybook embeds both pictures, made in the background
            await seen.wait_for("story:image-updated", lambda i, n=number: i["chapterNumber"] == n)
    session = ended["sessionId"]
    async with server.http.get(f"{server.url}{API}/export/{session}?format=html", headers=server.auth) as response:
        html = (await response.read()).decode()
        assert response.headers["Content-Disposition"].startswith('attachment; filename="storybook-')
    assert html.count("data:image/png;base64,") == 2 and "<script" not in html
    # no outside links: "http:" (an embedded picture's base64 may spell "http" by chance, never with a colon)
    assert not re.search(r"https?:", html.split("<main>")[1])
    assert "&lt;img src=x onerror=alert(1)&gt;" in html and XSS not in html
    assert str(escape(vote["choices"][0])) in html and "Roads not taken" in html
    async with server.http.get(f"{server.url}{API}/export/{session}?format=md", headers=server.auth) as response:
        markdown = (await response.read()).decode()
    assert markdown.startswith("# ") and "## Chapter 2:" in markdown and f"| A ✔ | {vote['choices'][0]}" in markdown
    status, book = await server.call("GET", f"{API}/export/{session}?format=json")
    assert [c["number"] for c in book["chapters"]] == [1, 2] and book["chapters"][0]["votes"][0]["votes"] == 2
    assert len(book["chapters"][0]["roads"]) == 2 and book["top_voters"][0]["votes"] == 1
    assert (await server.call("GET", f"{API}/export/{session}?format=pdf"))[0] == 400
    assert (await server.call("GET", f"{API}/export/999"))[0] == 404
    assert (await server.call("GET", f"{API}/export/{session}", admin=False))[0] == 401
