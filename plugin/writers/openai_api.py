"""The OpenAI-compatible model: one AsyncOpenAI client, streamed deltas, errors mapped to ours."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Any

import openai
from openai import AsyncOpenAI

from plugin.errors import (
    ProviderAuthError,
    ProviderError,
    ProviderModelError,
    ProviderRequestError,
    describe,
)
from plugin.text import clean_text
from plugin.writers.model import ModelRequest, Usage, estimate_tokens
from plugin.writers.thinking import ThinkFilter


def _retry_after(exc: openai.APIStatusError) -> float | None:
    """Seconds the provider asked us to wait (Retry-After header), if any."""
    try:
        return float(exc.response.headers.get("retry-after", ""))
    except (ValueError, AttributeError):
        return None


def map_provider_error(exc: Exception, model: str) -> ProviderError:
    """Turn an openai exception (or anything else a call raised) into one of ours, keeping the provider's words."""
    if isinstance(exc, ProviderError):
        return exc
    detail = describe(exc)
    if isinstance(exc, (openai.AuthenticationError, openai.PermissionDeniedError)):
        return ProviderAuthError(f"API key rejected by the provider ({detail})")
    if isinstance(exc, openai.NotFoundError):
        return ProviderModelError(f"model '{model}' not found ({detail})")
    if isinstance(exc, (openai.BadRequestError, openai.UnprocessableEntityError)):
        return ProviderRequestError(f"request refused for model '{model}' ({detail})")
    if isinstance(exc, openai.RateLimitError):
        error = ProviderError(f"rate limited (429): {detail}", code="provider_rate_limited")
        error.retry_after = _retry_after(exc)
        return error
    if isinstance(exc, openai.APITimeoutError):
        return ProviderError("provider timed out", code="provider_timeout")
    if isinstance(exc, openai.APIConnectionError):
        return ProviderError(f"cannot reach the provider: {detail}", code="provider_unreachable")
    if isinstance(exc, openai.APIStatusError):
        return ProviderError(f"provider error {exc.status_code}: {detail}")
    return ProviderError(f"provider failed: {detail}")


class OpenAIModel:
    """Any OpenAI-compatible chat-completions API, streamed."""

    def __init__(self, client: AsyncOpenAI, default_model: str) -> None:
        self.client = client
        self.default_model = default_model

    @property
    def label(self) -> str:
        """The model id shown in status."""
        return self.default_model

    async def stream(
        self, request: ModelRequest, model: str | None = None, usage: Usage | None = None
    ) -> AsyncGenerator[str, None]:
        """Yield content deltas; reasoning (reasoning_content or <think> blocks) is dropped."""
        model = model or self.default_model
        usage = usage if usage is not None else Usage()
        kwargs: dict[str, Any] = {
            "model": model,
            "messages": list(request.messages),
            "temperature": request.temperature,
            "stream": True,
            "stream_options": {"include_usage": True},
            **request.extra,
        }
        if request.max_tokens:
            kwargs["max_tokens"] = request.max_tokens
        think = ThinkFilter()
        written: list[str] = []
        finished = False
        try:
            stream = await self.client.chat.completions.create(**kwargs)
            async for chunk in stream:
                if chunk.usage:
                    usage.tokens_in = chunk.usage.prompt_tokens or 0
                    usage.tokens_out = chunk.usage.completion_tokens or 0
                for choice in chunk.choices:
                    finished = finished or choice.finish_reason is not None
                    delta = choice.delta
                    extra = delta.model_extra or {}
                    usage.reasoning_chars += len(extra.get("reasoning_content") or extra.get("reasoning") or "")
                    text = clean_text(think.feed(delta.content or ""))
                    if text:
                        written.append(text)
                        yield text
        except Exception as exc:
            # not an OpenAIError) is a model failure: retried, then fallbacks, then the offline writer
            raise map_provider_error(exc, model) from exc
        if not finished:
            # The connection closed cleanly but the answer never said it was complete.
            raise ProviderError(f"the stream from '{model}' was cut off", code="provider_cut_off")
        tail = clean_text(think.flush())
        if tail:
            written.append(tail)
            yield tail
        if not usage.tokens_out:
            usage.tokens_in = sum(estimate_tokens(m.get("content", "")) for m in request.messages)
            usage.tokens_out = estimate_tokens("".join(written))

    async def list_models(self) -> list[str]:
        """Model ids the provider offers (GET /models)."""
        try:
            page = await self.client.models.list()
        except openai.OpenAIError as exc:
            raise map_provider_error(exc, self.default_model) from exc
        return sorted(m.id for m in page.data)
