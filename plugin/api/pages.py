"""Pages and files: /overlay, /admin and their static assets, plus /health."""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

from plugin import keys
from plugin.api.body import reply
from plugin.media.filecache import contained_file
from plugin.paths import ADMIN_DIR, OVERLAY_DIR

NO_CACHE = {"Cache-Control": "no-cache"}


async def health(request: web.Request) -> web.Response:
    """Liveness: the server answers and the database is open."""
    await request.app[keys.DB].fetchone("SELECT 1")
    return reply({"ok": True, "state": request.app[keys.COORDINATOR].state})


async def index(request: web.Request) -> web.Response:
    """The root sends streamers to the admin panel."""
    raise web.HTTPFound("/admin")


async def overlay(request: web.Request) -> web.FileResponse:
    """The OBS browser source."""
    return web.FileResponse(OVERLAY_DIR / "overlay.html", headers=NO_CACHE)


async def admin(request: web.Request) -> web.FileResponse:
    """The streamer's panel (it asks for the admin token itself)."""
    return web.FileResponse(ADMIN_DIR / "ui.html", headers=NO_CACHE)


async def overlay_asset(request: web.Request) -> web.FileResponse:
    """The overlay's scripts, styles and vendored code."""
    return _asset(OVERLAY_DIR, request.match_info["path"])


async def admin_asset(request: web.Request) -> web.FileResponse:
    """The admin panel's scripts and styles."""
    return _asset(ADMIN_DIR, request.match_info["path"])


def _asset(folder: Path, relative: str) -> web.FileResponse:
    """A page asset; anything but a regular file inside the folder is a 404. OBS caches hard, so assets
    revalidate: an update is picked up on reload."""
    path = contained_file(folder, relative)
    if path is None:
        raise web.HTTPNotFound()
    return web.FileResponse(path, headers=NO_CACHE)
