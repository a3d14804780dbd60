"""The OpenAI-compatible model: one AsyncOpenAI client, streamed deltas, errors mapped to ours."""

from __future__ import annotations

import re
import time
from collections.abc import AsyncGenerator
from typing import Any

import openai
from openai import AsyncOpenAI

from plugin.errors import (
    OutputRefused,
    ProviderAuthError,
    ProviderError,
    ProviderModelError,
    ProviderRequestError,
    describe,
)
from plugin.text import clean_text
from plugin.writers.model import AnswerShape, Capabilities, ModelRequest, OutputMode, Usage, estimate_tokens
from plugin.writers.thinking import ThinkFilter


def _retry_after(exc: openai.APIStatusError) -> float | None:
    """Seconds the provider asked us to wait (Retry-After header), if any."""
    try:
        return float(exc.response.headers.get("retry-after", ""))
    except (ValueError, AttributeError):
        return None


_ABOUT_FORMAT = re.compile(r"response_format|json_schema|json_object|literal_error|grammar|schema", re.I)


def map_provider_error(exc: Exception, model: str, refusable: bool = False) -> ProviderError:
    """Turn an openai exception (or anything else a call raised) into one of ours, keeping the provider's words.

    `refusable`: the request asked for structured output, so a 400/422 (or a 500 that names the format, as
    llama.cpp's Python server answers) means "not this way": OutputRefused."""
    if isinstance(exc, ProviderError):
        return exc
    detail = describe(exc)
    if refusable and isinstance(exc, openai.APIStatusError) and (
            exc.status_code in (400, 422) or (exc.status_code >= 500 and _ABOUT_FORMAT.search(detail))):
        return OutputRefused(f"'{model}' refused structured output ({detail})")
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


def response_format(shape: AnswerShape, mode: OutputMode) -> dict[str, Any] | None:
    """How to ask for `shape` in `mode` (None: plain text)."""
    if mode == "json_schema":
        return {"type": "json_schema", "json_schema": {"name": shape.name, "schema": shape.schema, "strict": False}}
    if mode == "json_object_schema":
        return {"type": "json_object", "schema": shape.schema}
    if mode == "json_object":
        return {"type": "json_object"}
    return None


class OpenAIModel:
    """Any OpenAI-compatible chat-completions API, streamed."""

    def __init__(self, client: AsyncOpenAI, default_model: str, capabilities: Capabilities | None = None) -> None:
        self.client = client
        self.default_model = default_model
        self._capabilities = capabilities or Capabilities()

    @property
    def label(self) -> str:
        """The model id shown in status."""
        return self.default_model

    @property
    def capabilities(self) -> Capabilities:
        """As declared for the provider (settings/providers.yaml)."""
        return self._capabilities

    async def stream(
        self, request: ModelRequest, model: str | None = None, usage: Usage | None = None,
        mode: OutputMode = "text",
    ) -> AsyncGenerator[str, None]:
        """Yield content deltas; reasoning (reasoning_content or <think> blocks) is dropped."""
        model = model or self.default_model
        usage = usage if usage is not None else Usage()
        request = request.for_mode(mode)
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
        wanted = response_format(request.shape, mode) if request.shape is not None else None
        if wanted is not None:
            kwargs["response_format"] = wanted
        think = ThinkFilter()
        written: list[str] = []
        started = time.monotonic()
        try:
            stream = await self.client.chat.completions.create(**kwargs)
            async for chunk in stream:
                if chunk.usage:
                    usage.tokens_in = chunk.usage.prompt_tokens or 0
                    usage.tokens_out = chunk.usage.completion_tokens or 0
                for choice in chunk.choices:
                    usage.finish_reason = choice.finish_reason or usage.finish_reason
                    delta = choice.delta
                    extra = delta.model_extra or {}
                    usage.reasoning_chars += len(extra.get("reasoning_content") or extra.get("reasoning") or "")
                    text = clean_text(think.feed(delta.content or ""))
                    if text:
                        if usage.first_token_s is None:
                            usage.first_token_s = time.monotonic() - started
                        written.append(text)
                        yield text
        except Exception as exc:  # anything a call raises (a bad SSE frame is a JSONDecodeError, not an
            # OpenAIError) is a model failure: retried, then fallbacks, then the offline writer
            raise map_provider_error(exc, model, refusable=wanted is not None) from exc
        finished = usage.finish_reason is not None
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
