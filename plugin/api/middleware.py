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
PUBLIC_API = frozenset({
    "/api/interactive-story/status",
    "/api/interactive-story/themes",
})
PUBLIC_PREFIXES = ("/api/interactive-story/image/", "/api/interactive-story/audio/")  # overlays load these


def error_response(status: int, code: str, message: str, field: str | None = None) -> web.Response:
    """A JSON error body: {"error": {"code", "message", "field"?}}."""
    body: dict[str, str] = {"code": code, "message": message}
    if field:
        body["field"] = field
    return reply({"error": body}, status=status)


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Map our errors and aiohttp's to JSON for API paths; never leak a stack trace."""
    try:
        return await handler(request)
    except StoryError as exc:
        return error_response(exc.status, exc.code, exc.message, exc.field)
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
    """Every /api/ route except the public ones needs the admin token."""
    public = request.path in PUBLIC_API or (request.method == "GET" and request.path.startswith(PUBLIC_PREFIXES))
    if request.path.startswith(API_PREFIX) and not public and not is_admin(request):
        raise Unauthorized("admin token required: send 'Authorization: Bearer <token>'")
    return await handler(request)
