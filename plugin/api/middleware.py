"""The HTTP edge: errors become JSON once, here; the admin token guards everything but public routes."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from aiohttp import web

from plugin import keys
from plugin.api.body import reply
from plugin.errors import StoryError, Unauthorized
from plugin.text import same_token

log = logging.getLogger(__name__)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
API_PREFIX = "/api/"
# route names overlays use without a token
PUBLIC_ROUTES = frozenset({"status", "themes", "image", "audio", "overlay-layouts"})


def error_response(status: int, code: str, message: str) -> web.Response:
    """A JSON error body: {"error": {"code", "message"}}."""
    return reply(StoryError(message, code=code).to_json(), status=status)


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Map our errors and aiohttp's to JSON for API paths; never leak a stack trace."""
    try:
        return await handler(request)
    except StoryError as exc:
        return reply(exc.to_json(), status=exc.status)
    except web.HTTPException as exc:
        if not request.path.startswith(API_PREFIX) or exc.status < 400:
            raise
        code = {404: "not_found", 405: "method_not_allowed", 413: "body_too_large"}.get(exc.status, "http_error")
        return error_response(exc.status, code, exc.reason or "error")
    except Exception:
        log.exception("unhandled error on %s %s", request.method, request.path)
        return error_response(500, "internal_error", "internal server error (details are in the server log)")


def is_admin(request: web.Request) -> bool:
    """True if the request carries the admin token as a Bearer header (whatever bytes the header holds)."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return scheme.lower() == "bearer" and same_token(token.strip(), request.app[keys.ADMIN_TOKEN])


@web.middleware
async def auth_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Every /api/ route except the public ones needs the admin token (a path no route matches is a 404)."""
    public = request.match_info.route.name in PUBLIC_ROUTES or request.match_info.http_exception is not None
    if request.path.startswith(API_PREFIX) and not public and not is_admin(request):
        raise Unauthorized("admin token required: send 'Authorization: Bearer <token>'")
    return await handler(request)
