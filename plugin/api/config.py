"""Settings and writer routes: GET/POST config (secrets masked), the writer's models and status."""

from __future__ import annotations

from aiohttp import web

from plugin import keys
from plugin.api.body import read_json, reply
from plugin.settings.schema import public_settings
from plugin.story.chapters import grade


def _config_body(request: web.Request) -> dict[str, object]:
    """Current settings (secrets masked) plus what the writer resolves to."""
    return {
        "config": public_settings(request.app[keys.CONFIG].settings),
        "llm": request.app[keys.LLM].status(),
        "presets": request.app[keys.LLM].presets,
        "skippedOverrides": request.app[keys.CONFIG].skipped,  # saved settings that no longer validate
    }


async def get_config(request: web.Request) -> web.Response:
    """Every setting, API keys masked."""
    return reply(_config_body(request))


async def post_config(request: web.Request) -> web.Response:
    """Validate, save and apply settings at once: nested {"story": {...}} or dotted keys."""
    await request.app[keys.CONFIG].update(await read_json(request))
    return reply(_config_body(request))


async def llm_status(request: web.Request) -> web.Response:
    """Provider, model, last error, busy."""
    return reply(request.app[keys.LLM].status())


async def llm_models(request: web.Request) -> web.Response:
    """Models the provider lists (the 'test connection' button); a rejected key is a 502 saying so."""
    return reply(await request.app[keys.LLM].list_models())


async def llm_test(request: web.Request) -> web.Response:
    """'Test connection' for settings being edited: {"llm": {...}} is tried without being saved."""
    candidate = request.app[keys.CONFIG].preview(await read_json(request))
    return reply(await request.app[keys.LLM].test_connection(candidate.llm))


async def llm_grade(request: web.Request) -> web.Response:
    """Write one sample chapter with the writer in use (nothing is stored) and say whether it can go live."""
    story, llm = request.app[keys.CONFIG].settings.story, request.app[keys.LLM]
    choice = llm.choice()
    if choice.kind == "offline":
        return reply({"verdict": "ready", "model": "offline writer", "problems": [], "repairs": [],
                      "why": "the offline writer is in use: it writes every chapter itself"})
    return reply(await grade(request.app[keys.ENGINE].chapters, story.language, story.num_choices, choice.kind,
                             choice.model))


async def chat_status(request: web.Request) -> web.Response:
    """The chat source in use and its connection state, with message counters."""
    return reply(request.app[keys.CHAT].status())


async def chat_connect(request: web.Request) -> web.Response:
    """(Re)connect the configured chat source now."""
    return reply(request.app[keys.CHAT].connect())


async def chat_disconnect(request: web.Request) -> web.Response:
    """Disconnect the chat source until connect is pressed (or chat.source changes)."""
    return reply(await request.app[keys.CHAT].disconnect())
