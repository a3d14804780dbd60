"""Probe: file routes serve only regular files inside their folder, and odd paths are a 404, never a 500."""

from __future__ import annotations

import os

import pytest

from plugin import keys
from tests.conftest import StartServer
from tests.support.harness import raw_status

API = "/api/interactive-story"
NAME = "0123456789abcdef0123456789abcdef"


def request(path: str, host: str) -> bytes:
    """A GET exactly as written (no client normalises it)."""
    return f"GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode()


@pytest.mark.parametrize("path", [
    "/overlay/" + "a" * 300, "/admin/" + "b/" * 200 + "c.js", "/overlay/js/" + "x" * 5000 + ".js",
    "/admin/" + "%2e%2e/" * 50 + "pyproject.toml", "/overlay/../pyproject.toml", "/overlay/%2e%2e/pyproject.toml",
    "/admin/..%2f..%2fpyproject.toml", "/overlay/vendor/../../settings/default.yaml", "/overlay/%252e%252e/x",
    "/overlay/js%5c..%5c..%5cpyproject.toml", "/overlay/js/main.js%00.png", "/overlay/.hidden", "/admin/js/",
    "/overlay//etc/passwd", f"{API}/image/{'f' * 300}.png", f"{API}/audio/..%2f..%2fstory.db",
], ids=lambda path: path[:48])
async def test_odd_paths_are_a_404(serve: StartServer, path: str) -> None:
    server = await serve()
    assert await raw_status(server.url, request(path, server.url.removeprefix("http://"))) == 404


async def test_page_assets_and_cached_files_are_still_served(serve: StartServer) -> None:
    server = await serve()
    (server.app[keys.IMAGE_CACHE].folder / f"{NAME}.png").write_bytes(b"\x89PNG\r\n\x1a\nreal")
    assets = ("/overlay/js/main.js", "/admin/admin.css", "/overlay/vendor/socket.io.min.js", f"{API}/image/{NAME}.png")
    for path in assets:
        async with server.http.get(server.url + path) as resp:
            assert resp.status == 200, path


@pytest.mark.parametrize("kind", ["image", "audio"])
async def test_a_symlink_in_the_data_folder_is_never_followed(serve: StartServer, tmp_path, kind: str) -> None:  # type: ignore[no-untyped-def]
    server = await serve()
    secret = tmp_path / "outside.txt"
    secret.write_text("the streamer's private file")
    cache = server.app[keys.IMAGE_CACHE if kind == "image" else keys.AUDIO_CACHE]
    ext = "png" if kind == "image" else "wav"
    os.symlink(secret, cache.folder / f"{NAME}.{ext}")
    os.symlink(cache.folder / f"{NAME}.{ext}", cache.folder / f"{NAME[::-1]}.{ext}")  # a link to a link inside
    for name in (NAME, NAME[::-1]):
        async with server.http.get(f"{server.url}{API}/{kind}/{name}.{ext}") as resp:
            assert resp.status == 404 and b"private" not in await resp.read()
