"""The LLM proxy for the panel's AI buttons (admin only): status, models, chat completions with costs."""

from __future__ import annotations

import secrets
import time
from typing import Any

from aiohttp import web

from plugin import keys
from plugin.api.body import field, read_json, reply
from plugin.api.sse import EventStream
from plugin.brief import StoryBrief
from plugin.errors import BadRequest, StoryError
from plugin.writers.model import ModelRequest
from plugin.writers.router import Generation

MAX_MESSAGES, MAX_CHARS = 50, 50_000


def _messages(body: dict[str, Any]) -> tuple[dict[str, str], ...]:
    """Validated chat messages."""
    raw = body.get("messages")
    if not isinstance(raw, list) or not raw or len(raw) > MAX_MESSAGES:
        raise BadRequest(f"'messages' must be a list of 1 to {MAX_MESSAGES} messages", field="messages")
    messages = []
    for index, item in enumerate(raw):
        if not isinstance(item, dict) or item.get("role") not in ("system", "user", "assistant") \
                or not isinstance(item.get("content"), str):
            raise BadRequest("each message needs a role (system, user, assistant) and text content",
                             field=f"messages[{index}]")
        messages.append({"role": item["role"], "content": item["content"]})
    if sum(len(m["content"]) for m in messages) > MAX_CHARS:
        raise BadRequest(f"messages are longer than {MAX_CHARS} characters in all", field="messages")
    return tuple(messages)


def _cost(prices: dict[str, Any], model: str, result: Generation) -> dict[str, Any]:
    """An estimate from settings/prices.yaml (0 for models not listed: local or offline)."""
    price = prices.get(model) or {}
    estimate = (result.tokens_in * float(price.get("input", 0)) + result.tokens_out * float(price.get("output", 0)))
    return {"currency": "USD", "estimate": round(estimate / 1_000_000, 6), "priced": bool(price)}


async def chat_completions(request: web.Request) -> web.StreamResponse:
    """OpenAI-style chat completions through the configured writer, streamed (SSE) or not."""
    body = await read_json(request)
    messages = _messages(body)
    stream = field(body, "stream", bool, default=False)
    app = request.app
    question = next((m["content"] for m in reversed(messages) if m["role"] == "user"), "")
    theme = app[keys.THEMES].get("adventure") or next(iter(app[keys.THEMES].themes.values()))
    brief = StoryBrief(purpose="ideas", theme=theme, language=app[keys.CONFIG].settings.story.language, seed=1,
                       chapter_number=0, max_chapters=5, num_choices=3, question=question)
    model_request = ModelRequest(messages=messages, brief=brief,
                                 max_tokens=field(body, "max_tokens", int, low=1, high=32_000),
                                 temperature=float(body.get("temperature", 0.7)) if isinstance(
                                     body.get("temperature"), (int, float)) else 0.7)
    created, completion_id = int(time.time()), f"chatcmpl-{secrets.token_hex(8)}"
    llm, prices = app[keys.LLM], app[keys.PRICES]
    model = field(body, "model", str, max_len=200)
    if not stream:
        result = await llm.generate(model_request, on_delta=_ignore, on_reset=_nothing, purpose="proxy",
                                    model=model)
        return reply({
            "id": completion_id, "object": "chat.completion", "created": created, "model": result.model,
            "choices": [{"index": 0, "message": {"role": "assistant", "content": result.text},
                         "finish_reason": "stop"}],
            "usage": _usage(result), "cost": _cost(prices, result.model, result)})
    events = await EventStream.open(request)

    def chunk(delta: dict[str, Any], finish: str | None = None, **extra: Any) -> dict[str, Any]:
        return {"id": completion_id, "object": "chat.completion.chunk", "created": created, "model": model or "",
                "choices": [{"index": 0, "delta": delta, "finish_reason": finish}], **extra}

    async def on_delta(delta: str) -> None:
        await events.send(None, chunk({"content": delta}))

    try:
        await events.send(None, chunk({"role": "assistant"}))
        result = await llm.generate(model_request, on_delta=on_delta, on_reset=_nothing, purpose="proxy", model=model)
        await events.send(None, chunk({}, "stop", usage=_usage(result), cost=_cost(prices, result.model, result)))
    except StoryError as exc:
        await events.send(None, {"error": exc.to_json()["error"]})
    await events.send(None, "[DONE]")
    await events.close()
    return events.response


def _usage(result: Generation) -> dict[str, int]:
    """Token counts in the OpenAI shape."""
    return {"prompt_tokens": result.tokens_in, "completion_tokens": result.tokens_out,
            "total_tokens": result.tokens_in + result.tokens_out}


async def _ignore(delta: str) -> None:
    """A non-streamed answer needs no deltas."""


async def _nothing() -> None:
    """Nothing to reset."""
