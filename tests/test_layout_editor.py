"""The overlay's layout editor: panel placements saved on the server (admin token), read by every overlay."""

from __future__ import annotations

import pytest

from tests.conftest import StartServer
from tests.support.harness import watching

API = "/api/interactive-story"
STORY = {"x": 5, "y": 60, "w": 50, "h": 30}
VOTE = {"x": 60, "y": 10.5, "w": 35, "h": 40}


async def test_a_saved_layout_reaches_every_overlay_survives_a_restart_and_resets(serve: StartServer) -> None:
    server = await serve()
    async with watching(server.url) as seen:
        status, body = await server.call("POST", f"{API}/overlay-layout/portrait", {"story": STORY, "vote": VOTE})
        assert status == 200 and body["panels"]["vote"] == {"x": 60, "y": 10.5, "w": 35, "h": 40}
        pushed = await seen.wait_for("story:overlay-layout")
        assert pushed == {"layout": "portrait", "panels": body["panels"]}
    await server.stop()
    server = await serve()  # the same data folder
    status, body = await server.call("GET", f"{API}/overlay-layout", admin=False)  # public: overlays read it
    assert status == 200 and body["layouts"] == {"portrait": {"story": STORY, "vote": VOTE}}
    status, body = await server.call("DELETE", f"{API}/overlay-layout/portrait")
    assert status == 200 and (await server.call("GET", f"{API}/overlay-layout"))[1]["layouts"] == {}


@pytest.mark.parametrize(("layout", "body", "field"), [
    ("sideways", {"story": STORY}, "layout"),
    ("portrait", {}, "body"),
    ("portrait", {"chat": STORY}, "chat"),
    ("portrait", {"story": [1, 2, 3, 4]}, "story"),
    ("portrait", {"story": {**STORY, "x": "5"}}, "story.x"),
    ("portrait", {"story": {**STORY, "w": True}}, "story.w"),
    ("portrait", {"story": {**STORY, "w": 1}}, "story.w"),
    ("portrait", {"story": {**STORY, "x": 80}}, "story.x"),
    ("portrait", {"vote": {**VOTE, "y": -1}}, "vote.y"),
])
async def test_a_bad_layout_is_refused_naming_the_field_and_changes_nothing(
        serve: StartServer, layout: str, body: dict[str, object], field: str) -> None:
    server = await serve()
    status, answer = await server.call("POST", f"{API}/overlay-layout/{layout}", body)
    assert status == 400 and answer["error"]["field"] == field, answer
    assert (await server.call("GET", f"{API}/overlay-layout"))[1]["layouts"] == {}


async def test_only_the_admin_may_place_the_panels(serve: StartServer) -> None:
    server = await serve()
    status, _ = await server.call("POST", f"{API}/overlay-layout/landscape", {"story": STORY}, admin=False)
    assert status == 401
    status, _ = await server.call("DELETE", f"{API}/overlay-layout/landscape", admin=False)
    assert status == 401
