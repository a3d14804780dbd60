"""Pages and files: /overlay, /admin and their static assets, plus /health."""

from __future__ import annotations

from aiohttp import web

from plugin import keys
from plugin.paths import ADMIN_DIR, OVERLAY_DIR

routes = web.RouteTableDef()
NO_CACHE = {"Cache-Control": "no-cache"}


@routes.get("/health")
async def health(request: web.Request) -> web.Response:
    """Liveness: the server answers and the database is open."""
    await request.app[keys.DB].fetchone("SELECT 1")
    return web.json_response({"ok": True, "state": request.app[keys.COORDINATOR].state})


@routes.get("/")
async def index(request: web.Request) -> web.Response:
    """The root sends streamers to the admin panel."""
    raise web.HTTPFound("/admin")


@routes.get("/overlay")
async def overlay(request: web.Request) -> web.FileResponse:
    """The OBS browser source."""
    return web.FileResponse(OVERLAY_DIR / "overlay.html", headers=NO_CACHE)


@routes.get("/admin")
async def admin(request: web.Request) -> web.FileResponse:
    """The streamer's panel (it asks for the admin token itself)."""
    return web.FileResponse(ADMIN_DIR / "ui.html", headers=NO_CACHE)


def add_static(app: web.Application) -> None:
    """Serve page assets; aiohttp's static route refuses paths outside its folder."""
    app.router.add_static("/overlay/", OVERLAY_DIR, follow_symlinks=False, append_version=False)
    app.router.add_static("/admin/", ADMIN_DIR, follow_symlinks=False, append_version=False)
    app.on_response_prepare.append(_revalidate_assets)


async def _revalidate_assets(request: web.Request, response: web.StreamResponse) -> None:
    """OBS caches hard: make page assets revalidate so an update is picked up on reload."""
    if request.path.startswith(("/overlay/", "/admin/")):
        response.headers["Cache-Control"] = "no-cache"
