"""Probe: every admin route and the admin socket refuse anyone without the token, whatever they send."""

from __future__ import annotations

import re

import pytest
import socketio

from tests.conftest import StartServer
from tests.support.harness import raw_status

API = "/api/"
PUBLIC = {("GET", "/api/interactive-story/status"), ("GET", "/api/interactive-story/themes"),
          ("GET", "/api/interactive-story/image/{filename}"), ("GET", "/api/interactive-story/audio/{filename}"),
          ("GET", "/api/interactive-story/overlay-layout")}  # the saved panel placements every overlay reads
SAMPLE_PARTS = {"step": "premise", "action": "open", "layout": "portrait"}  # path parts that are not ids
BAD_AUTH = [b"", b"Authorization: Bearer nope\r\n", b"Authorization: Bearer \xff\xfe\r\n", b"Authorization: \xff\r\n",
            b"Authorization: Basic YWRtaW46YWRtaW4=\r\n", b"Authorization: Bearer " + b"x" * 4000 + b"\r\n"]


def admin_routes(app) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    """(method, concrete path) of every API route that is not public, read from the app's own route table."""
    found = []
    for route in app.router.routes():
        info = route.resource.get_info() if route.resource else {}
        template = info.get("formatter") or info.get("path") or ""
        if not template.startswith(API) or route.method in ("HEAD", "OPTIONS") or (route.method, template) in PUBLIC:
            continue
        path = re.sub(r"\{(\w+)(?::[^}]*)?\}", lambda m: SAMPLE_PARTS.get(m.group(1), "1"), template)
        found.append((route.method, path))
    return sorted(set(found))


async def test_every_admin_route_refuses_a_missing_wrong_or_garbled_token(serve: StartServer) -> None:
    server = await serve()
    routes = admin_routes(server.app)
    assert len(routes) >= 40  # the probe sees the whole route table, not a hand-kept list
    host = server.url.removeprefix("http://")
    refused = 0
    for method, path in routes:
        for auth in BAD_AUTH:
            head = (f"{method} {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
                    f"Content-Length: 2\r\nConnection: close\r\n").encode() + auth + b"\r\n{}"
            assert await raw_status(server.url, head) == 401, (method, path, auth[:40])
            refused += 1
    assert refused == len(routes) * len(BAD_AUTH)


async def test_the_right_token_is_accepted_next_to_garbled_headers(serve: StartServer) -> None:
    server = await serve()
    host = server.url.removeprefix("http://")
    head = (f"GET /api/interactive-story/config HTTP/1.1\r\nHost: {host}\r\nX-Junk: \xff\r\n"
            f"Authorization: Bearer {server.token}\r\nConnection: close\r\n\r\n").encode("latin-1")
    assert await raw_status(server.url, head) == 200


@pytest.mark.parametrize("auth", [None, {}, {"token": None}, {"token": 5}, {"token": ["x"]}, {"token": "\ud800"},
                                  {"token": "wrong"}, {"token": ""}, "token"])
async def test_the_admin_socket_refuses_anything_but_the_token(serve: StartServer, auth: object) -> None:
    server = await serve()
    client = socketio.AsyncClient(reconnection=False)
    with pytest.raises(socketio.exceptions.ConnectionError):
        await client.connect(server.url, namespaces=["/admin"], auth=auth, transports=["websocket"], wait_timeout=10)
    await client.disconnect()
