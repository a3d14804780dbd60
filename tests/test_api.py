"""The HTTP API and sockets at the edge: auth, clear JSON errors, config, chat floods."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest
import socketio

from plugin import keys
from plugin.clock import ManualClock
from tests.conftest import StartServer
from tests.support.harness import advance_when_waiting, watching

API = "/api/interactive-story"


@pytest.mark.parametrize(("method", "path"), [
    ("POST", "start"), ("POST", "next-chapter"), ("POST", "end"), ("GET", "config"), ("POST", "config"),
    ("GET", "memory"), ("GET", "sessions"), ("GET", "session/1"), ("GET", "top-voters"), ("POST", "chat"),
    ("GET", "llm/models"),
])
async def test_admin_routes_need_the_token(serve: StartServer, method: str, path: str) -> None:
    server = await serve()
    status, body = await server.call(method, f"{API}/{path}", {}, admin=False)
    assert status == 401 and body["error"]["code"] == "unauthorized"
    async with server.http.request(method, f"{server.url}{API}/{path}", json={},
                                   headers={"Authorization": "Bearer nope"}) as resp:
        assert resp.status == 401


async def test_public_routes_are_open(serve: StartServer) -> None:
    server = await serve()
    for path in (f"{API}/status", f"{API}/themes", "/health"):
        status, body = await server.call("GET", path, admin=False)
        assert status == 200, path
    status, body = await server.call("GET", f"{API}/themes", admin=False)
    assert len(body["themes"]) == 12 and {"id", "name", "description", "palette"} <= body["themes"][0].keys()


@pytest.mark.parametrize(("payload", "code", "field"), [
    (b"{not json", "invalid_json", None),
    (b"[1, 2]", "invalid_json", None),
    (b'{"theme": 5}', "invalid_field", "theme"),
    (b'{"outline": "x"}', "missing_field", "theme"),
    (b'{"theme": "no-such-theme"}', "bad_request", "theme"),
    (b'{"theme": "custom"}', "bad_request", "customTheme"),
])
async def test_bad_start_requests_get_clear_errors(serve: StartServer, payload: bytes, code: str,
                                                   field: str | None) -> None:
    server = await serve()
    status, body = await server.call("POST", f"{API}/start", data=payload)
    assert status == 400
    assert body["error"]["code"] == code and body["error"].get("field") == field and body["error"]["message"]


async def test_start_twice_is_a_conflict_and_commands_without_a_story_too(serve: StartServer) -> None:
    server = await serve()
    assert (await server.call("POST", f"{API}/next-chapter", {}))[0] == 409
    assert (await server.call("POST", f"{API}/end", {}))[0] == 409
    assert (await server.call("POST", f"{API}/start", {"theme": "western"}))[0] == 201
    status, body = await server.call("POST", f"{API}/start", {"theme": "western"})
    assert status == 409 and body["error"]["code"] == "story_running"


async def test_unknown_api_path_and_wrong_method_are_json(serve: StartServer) -> None:
    server = await serve()
    status, body = await server.call("GET", f"{API}/nope")
    assert status == 404 and body["error"]["code"] == "not_found"
    status, body = await server.call("GET", f"{API}/start")
    assert status == 405 and body["error"]["code"] == "method_not_allowed"


async def test_config_is_validated_saved_and_applied_with_keys_masked(serve: StartServer, tmp_path: Path) -> None:
    server = await serve(**{"llm.api_key": "sk-live-secret-987654"})
    status, body = await server.call("GET", f"{API}/config")
    assert body["config"]["llm"]["api_key"] == "sk-…7654" and "secret" not in str(body)
    status, body = await server.call("POST", f"{API}/config", {"story": {"num_choices": 9}})
    assert status == 400 and body["error"]["field"] == "story.num_choices" and "at most 6" in body["error"]["message"]
    status, body = await server.call("POST", f"{API}/config", {"story.colour": "red"})
    assert status == 400 and body["error"]["field"] == "story.colour"
    status, body = await server.call("POST", f"{API}/config", {"server": {"port": 1}})
    assert status == 400 and body["error"]["field"] == "server.port"
    # sending the masked key back leaves the real key alone
    status, body = await server.call("POST", f"{API}/config", {"story": {"num_choices": 4, "max_chapters": 2},
                                                               "llm": {"api_key": "sk-…7654"}})
    assert status == 200 and body["config"]["story"]["num_choices"] == 4
    assert server.app[keys.CONFIG].settings.llm.api_key == "sk-live-secret-987654"
    db = sqlite3.connect(tmp_path / "data" / "story.db")
    saved = dict(db.execute("SELECT key, value_json FROM story_config").fetchall())
    assert saved == {"story.num_choices": "4", "story.max_chapters": "2"}
    status, body = await server.call("POST", f"{API}/start", {"theme": "comedy"})
    assert body["session"]["numChoices"] == 4 and body["session"]["maxChapters"] == 2


async def test_saved_config_survives_a_restart(serve: StartServer) -> None:
    first = await serve()
    await first.call("POST", f"{API}/config", {"voting": {"duration_s": 17}})
    await first.stop()
    second = await serve()
    status, body = await second.call("GET", f"{API}/config")
    assert body["config"]["voting"]["duration_s"] == 17


async def test_a_chat_flood_of_10k_messages_is_counted_once_per_viewer(serve: StartServer, tmp_path: Path) -> None:
    clock = ManualClock()
    server = await serve(clock, **{"voting.duration_s": 30})
    async with watching(server.url) as seen:
        await server.call("POST", f"{API}/start", {"theme": "scifi"})
        await seen.wait_for("story:voting-started")
        messages = [{"user_id": f"v{i % 2500}", "nickname": f"n{i}", "text": ["!a", "b", "chatter!", "!c"][i % 4],
                     "msg_id": f"m{i % 9000}"} for i in range(10_000)]
        status, body = await server.call("POST", f"{API}/chat", {"messages": messages})
        assert status == 200 and body["duplicates"] == 1000 and body["accepted"] == 10_000
        update = await seen.wait_for("story:vote-update", lambda u: u["voters"] == 1875)
        updates = len(seen.named("story:vote-update"))
        assert updates <= 5  # coalesced, not one per ballot
        status, body = await server.call("POST", f"{API}/chat", {"messages": messages + messages[:1]})
        assert status == 400 and body["error"]["field"] == "messages"
        status, body = await server.call("POST", f"{API}/chat", {"messages": [{"user_id": "x", "text": 3}]})
        assert status == 400 and body["error"]["field"] == "messages[0].text"
        await advance_when_waiting(server.clock, 30)  # type: ignore[arg-type]
        ended = await seen.wait_for("story:voting-ended")
        assert ended["counts"] == update["counts"] and sum(ended["counts"]) == 1875
    db = sqlite3.connect(tmp_path / "data" / "story.db")
    assert db.execute("SELECT COUNT(*) FROM story_ballots").fetchone()[0] == 1875


async def test_admin_socket_needs_the_token_and_overlay_is_read_only(serve: StartServer) -> None:
    clock = ManualClock()
    server = await serve(clock)
    client = socketio.AsyncClient(reconnection=False)
    with pytest.raises(socketio.exceptions.ConnectionError):
        await client.connect(server.url, namespaces=["/admin"], auth={"token": "wrong"}, transports=["websocket"])
    async with watching(server.url, "/admin", auth={"token": server.token}) as admin_seen, watching(server.url) as seen:
        await server.call("POST", f"{API}/start", {"theme": "horror"})
        await seen.wait_for("story:voting-started")
        await seen.emit("story:force-vote-end", {})  # ignored: overlays cannot command
        status, body = await server.call("GET", f"{API}/status")
        assert body["state"] == "voting"
        answer = await admin_seen.call("story:force-vote-end", {}, timeout=5)
        assert answer == {"ok": True}
        assert (await seen.wait_for("story:voting-ended"))["reason"] in ("no_votes", "votes", "tie")


async def test_pages_and_vendored_client_are_served_locally(serve: StartServer) -> None:
    server = await serve()
    for path in ("/overlay", "/admin", "/overlay/vendor/socket.io.min.js"):
        async with server.http.get(server.url + path) as resp:
            assert resp.status == 200, path
    for attempt in ("/overlay/../pyproject.toml", "/overlay/%2e%2e/pyproject.toml", "/admin/..%2f..%2fpyproject.toml",
                    "/overlay/vendor/../../settings/default.yaml"):
        status_line = await raw_get(server.url, attempt)
        assert status_line.split()[1] in ("403", "404"), attempt


async def raw_get(url: str, path: str) -> str:
    """Send a request line exactly as written (clients normalise '..' away) and return the status line."""
    host, port = url.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    writer.write(f"GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode())
    await writer.drain()
    line = (await reader.readline()).decode()
    writer.close()
    return line
