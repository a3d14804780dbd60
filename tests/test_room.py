"""Writer's room: prepare a story offline, then run it live; background tasks with a cache; writers' chat."""

from __future__ import annotations

import json

from plugin.clock import ManualClock
from tests.conftest import StartServer
from tests.support.harness import Running, watching

API = "/api/interactive-story"


async def prepare(server: Running, **body: object) -> dict:
    status, created = await server.call("POST", f"{API}/drafts", {"theme": "fantasy", **body})
    assert status == 201, created
    return created["draft"]


async def test_prepare_premise_outline_opening_then_go_live_with_one_click(serve: StartServer) -> None:
    server = await serve(ManualClock(), **{"story.max_chapters": 4})
    draft = await prepare(server, wishes="a talking cat who knows the way", style={"ending": "twist"})
    assert draft["phase"] == "setup" and draft["style"]["ending"] == "twist"
    status, body = await server.call("POST", f"{API}/drafts/{draft['id']}/premise")
    premise = body["draft"]
    assert status == 200 and premise["phase"] == "premise" and premise["title"]
    assert "PREMISE:" in premise["premise"] and "cat" in premise["premise"].lower()
    edited = premise["premise"] + "\nThe cat is called Biscuit."
    status, body = await server.call("PATCH", f"{API}/drafts/{draft['id']}", {"premise": edited})
    assert body["draft"]["premise"] == edited
    status, body = await server.call("POST", f"{API}/drafts/{draft['id']}/outline")
    assert body["draft"]["phase"] == "outline" and body["draft"]["outline"].count("\n") >= 3
    status, body = await server.call("POST", f"{API}/drafts/{draft['id']}/opening")
    opening = body["draft"]["opening"]
    assert len(opening["choices"]) == 3 and len(opening["content"]) > 100
    mine = {**opening, "choices": ["Follow Biscuit", "Ask the owl", "Light a lantern"]}
    status, body = await server.call("PATCH", f"{API}/drafts/{draft['id']}", {"opening": mine})
    assert status == 200 and body["draft"]["opening"]["choices"][0] == "Follow Biscuit"

    async with watching(server.url) as seen:
        status, body = await server.call("POST", f"{API}/drafts/{draft['id']}/start")
        assert status == 201 and body["session"]["title"] == premise["title"]
        ready = await seen.wait_for("story:chapter-ready")
        assert ready["chapterNumber"] == 1 and ready["content"] == opening["content"]
        vote = await seen.wait_for("story:voting-started")
        assert vote["choices"] == mine["choices"]
        assert "Biscuit" in body["session"]["outline"]  # the premise travels with the story
        status, body = await server.call("GET", f"{API}/drafts/{draft['id']}")
        assert body["draft"]["phase"] == "live" and body["draft"]["sessionId"] == ready["sessionId"]
        assert (await server.call("POST", f"{API}/drafts/{draft['id']}/start"))[0] == 409


async def test_bad_drafts_get_clear_errors(serve: StartServer) -> None:
    server = await serve(ManualClock())
    status, body = await server.call("POST", f"{API}/drafts", {"theme": "nope"})
    assert status == 400 and body["error"]["field"] == "theme"
    draft = await prepare(server)
    status, body = await server.call("PATCH", f"{API}/drafts/{draft['id']}",
                                     {"opening": {"title": "T", "content": "x", "choices": ["only one"]}})
    assert status == 400 and body["error"]["field"] == "opening.choices"
    status, body = await server.call("PATCH", f"{API}/drafts/{draft['id']}", {"title": 7})
    assert status == 400 and body["error"]["field"] == "title"
    assert (await server.call("POST", f"{API}/drafts/999/premise"))[0] == 404
    assert (await server.call("POST", f"{API}/drafts/abc/premise"))[0] == 400
    assert (await server.call("GET", f"{API}/drafts", admin=False))[0] == 401


async def test_a_full_story_task_runs_in_the_background_and_is_cached(serve: StartServer) -> None:
    server = await serve(ManualClock())
    async with watching(server.url, "/admin", auth={"token": server.token}) as seen:
        request = {"theme": "western", "chapters": 3, "seed": 7}
        status, task = await server.call("POST", f"{API}/tasks/full-story", request)
        assert status == 202 and task["status"] in ("pending", "running") and not task["fromCache"]
        done = await seen.wait_for("story:task-progress", lambda t: t["id"] == task["id"] and t["status"] == "done")
        assert done["progress"] == 100
        progress = [t["progress"] for t in seen.named("story:task-progress") if t["id"] == task["id"]]
        assert progress == sorted(progress) and len(set(progress)) >= 3
        status, story = await server.call("GET", f"{API}/tasks/{task['id']}/result")
        assert [c["number"] for c in story["chapters"]] == [1, 2, 3] and story["chapters"][-1]["isFinal"]
        assert story["chapters"][1]["parentChoice"] in story["chapters"][0]["choices"]
        status, again = await server.call("POST", f"{API}/tasks/full-story", request)
        assert again["status"] == "done" and again["fromCache"] and again["id"] != task["id"]
        assert (await server.call("GET", f"{API}/tasks/{again['id']}/result"))[1] == story
        status, stats = await server.call("GET", f"{API}/cache/stats")
        assert (stats["entries"], stats["hits"], stats["misses"]) == (1, 1, 1)
        assert (await server.call("POST", f"{API}/cache/clear"))[1] == {"cleared": 1}
        assert (await server.call("GET", f"{API}/tasks/nope"))[0] == 404
        status, body = await server.call("POST", f"{API}/tasks/full-story", {"theme": "western", "chapters": 99})
        assert status == 400 and body["error"]["field"] == "chapters"


async def test_a_task_interrupted_by_a_restart_is_resumed(serve: StartServer) -> None:
    slow = {"llm.offline_words_per_s": 400, "story.chapter_words": 200}
    first = await serve(ManualClock(), **slow)
    async with watching(first.url, "/admin", auth={"token": first.token}) as seen:
        status, task = await first.call("POST", f"{API}/tasks/full-story", {"theme": "scifi", "chapters": 4})
        await seen.wait_for("story:task-progress", lambda t: t["progress"] >= 40)  # the first chapter is saved
    await first.stop()
    second = await serve(ManualClock(), **slow)
    async with watching(second.url, "/admin", auth={"token": second.token}) as seen:
        # the resumed task may finish before this socket joins: then its status says so
        status, done = await second.call("GET", f"{API}/tasks/{task['id']}")
        if done["status"] != "done":
            done = await seen.wait_for("story:task-progress",
                                       lambda t: t["id"] == task["id"] and t["status"] == "done", timeout=60)
        assert done["resumed"] is True
        status, story = await second.call("GET", f"{API}/tasks/{task['id']}/result")
        assert [c["number"] for c in story["chapters"]] == [1, 2, 3, 4]


async def test_the_writers_chat_is_saved_and_kept_apart_from_the_story(serve: StartServer) -> None:
    server = await serve(ManualClock())
    async with watching(server.url) as seen:
        await server.call("POST", f"{API}/start", {"theme": "mystery"})
        ready = await seen.wait_for("story:chapter-ready")
        status, body = await server.call("POST", f"{API}/writers-chat", {"message": "what if the butler is a twin?"})
        assert status == 200 and "twin" in body["reply"].lower()
        status, history = await server.call("GET", f"{API}/writers-chat")
        assert [m["role"] for m in history["messages"]] == ["user", "assistant"]
        status, state = await server.call("GET", f"{API}/status")
        assert state["chapter"]["content"] == ready["content"]  # the story text did not change
        assert (await server.call("POST", f"{API}/writers-chat", {"message": ""}))[0] == 400


async def test_progress_streams_as_server_sent_events(serve: StartServer) -> None:
    server = await serve(ManualClock())
    draft = await prepare(server)

    async def events(body: dict) -> list[tuple[str, dict]]:
        async with server.http.post(f"{server.url}{API}/stream", json=body, headers=server.auth) as response:
            assert response.headers["Content-Type"].startswith("text/event-stream")
            text = (await response.read()).decode()
        parsed = []
        for block in text.strip().split("\n\n"):
            lines = dict(line.split(": ", 1) for line in block.splitlines())
            parsed.append((lines["event"], json.loads(lines["data"])))
        return parsed

    got = await events({"step": "premise", "draftId": draft["id"]})
    names = [name for name, _ in got]
    assert names[0] == "status" and names[-1] == "final" and names.count("stream") >= 1
    assert "".join(d["delta"] for n, d in got if n == "stream").strip().startswith("TITLE:")
    assert got[-1][1]["draft"]["phase"] == "premise"
    failed = await events({"step": "outline", "draftId": 9999})
    assert failed[-1][0] == "error" and failed[-1][1]["code"] == "not_found"
    task = await events({"step": "full-story", "theme": "comedy", "chapters": 2})
    assert task[-1][0] == "final" and len(task[-1][1]["story"]["chapters"]) == 2
    status, body = await server.call("POST", f"{API}/stream", {"step": "dance"})
    assert status == 400 and body["error"]["field"] == "step"
