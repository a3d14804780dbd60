"""The writer in use: picks the provider from settings, retries with backoff, falls back, logs usage."""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal

from openai import AsyncOpenAI

from plugin.errors import (
    OutputRefused,
    ProviderAuthError,
    ProviderError,
    ProviderModelError,
    ProviderRequestError,
)
from plugin.paths import SETTINGS_DIR
from plugin.settings.live import ConfigService
from plugin.settings.schema import LLMSettings, mask_url
from plugin.store.meta import MetaRepo
from plugin.writers.health import CircuitBreaker, OutputLadder
from plugin.writers.model import Capabilities, ModelRequest, OutputMode, TextModel, Usage
from plugin.writers.openai_api import OpenAIModel
from plugin.yamlfile import load_yaml_file

log = logging.getLogger(__name__)
OFFLINE_LABEL = "offline writer"
MAX_BACKOFF_S = 30.0
DeltaSink = Callable[[str], Awaitable[None]]
ResetSink = Callable[[], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class ProviderChoice:
    """Which provider the settings select, and why."""

    kind: Literal["offline", "openai"]
    base_url: str
    api_key: str
    model: str
    fallbacks: tuple[str, ...]
    models: tuple[str, ...]
    reason: str
    output: OutputMode = "json_schema"  # how the preset takes structure (settings/providers.yaml)


@dataclass(frozen=True, slots=True)
class Generation:
    """A finished piece of model output."""

    text: str
    model: str
    provider: str
    fell_back: bool = False
    tokens_in: int = 0
    tokens_out: int = 0
    mode: OutputMode = "text"  # how structure was asked for (the text is JSON unless "text")
    finish_reason: str | None = None  # "length": the token limit cut the answer
    first_token_s: float | None = None
    seconds: float = 0.0


def load_presets(path: Path = SETTINGS_DIR / "providers.yaml") -> dict[str, dict[str, Any]]:
    """Provider presets (base URL, key needed, model list)."""
    data, _ = load_yaml_file(path)
    return dict(data or {})


def resolve_provider(llm: LLMSettings, presets: dict[str, dict[str, Any]]) -> ProviderChoice:
    """Apply provider/preset rules: no key and no base URL means the offline writer."""
    preset = presets.get(llm.preset, {}) if llm.preset else {}
    models = tuple(preset.get("models") or ())
    base_url = llm.base_url or preset.get("base_url") or ""
    usable_preset = bool(preset) and (bool(llm.api_key) or not preset.get("needs_key", True))
    if llm.provider == "offline":
        return ProviderChoice("offline", "", "", OFFLINE_LABEL, (), models, "llm.provider is offline")
    if llm.provider == "auto" and not (llm.api_key or llm.base_url or usable_preset):
        why = f"preset '{llm.preset}' needs an API key" if preset else "no API key or base URL set"
        return ProviderChoice("offline", "", "", OFFLINE_LABEL, (), models, why)
    model = llm.model or (models[0] if models else "gpt-4o-mini")
    return ProviderChoice(
        "openai",
        base_url or "https://api.openai.com/v1",
        llm.api_key or "not-needed",  # local servers (Ollama, LM Studio) accept any key
        model,
        tuple(m for m in llm.fallback_models if m != model),
        models,
        "API key or base URL set" if llm.provider == "auto" else "llm.provider is openai",
        preset.get("output", "json_schema"),
    )


class LLMService:
    """Runs model requests with the configured provider; owns the AsyncOpenAI clients."""

    def __init__(
        self,
        config: ConfigService,
        meta: MetaRepo,
        offline: TextModel,
        presets: dict[str, dict[str, Any]] | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.config = config
        self.meta = meta
        self.offline = offline
        self.presets = presets if presets is not None else load_presets()
        self.sleep = sleep
        self._clients: dict[tuple[str, str, float], AsyncOpenAI] = {}
        self.ladder = OutputLadder()
        self.chapter_counts: dict[str, dict[str, int]] = {}  # model -> {"clean", "repaired", "fallback"}
        self.breaker = CircuitBreaker(lambda: (self.config.settings.llm.breaker_failures,
                                               self.config.settings.llm.breaker_cooldown_s))
        self.last_error: str | None = None
        self.key_rejected = False
        self.busy = 0

    def choice(self) -> ProviderChoice:
        """The provider the current settings select."""
        return resolve_provider(self.config.settings.llm, self.presets)

    def openai_model(self, choice: ProviderChoice) -> OpenAIModel:
        """An OpenAIModel on a client shared by every call with the same URL, key and timeout."""
        timeout = self.config.settings.llm.timeout_s
        key = (choice.base_url, choice.api_key, timeout)
        client = self._clients.get(key)
        if client is None:
            client = AsyncOpenAI(api_key=choice.api_key, base_url=choice.base_url, timeout=timeout, max_retries=0)
            self._clients[key] = client
        return OpenAIModel(client, choice.model, Capabilities(output=choice.output, needs_key=bool(choice.api_key)))

    async def close(self) -> None:
        """Close every client this service opened."""
        for client in self._clients.values():
            await client.close()
        self._clients.clear()

    def status(self) -> dict[str, Any]:
        """Provider, model and health, for status and the admin panel (no secrets)."""
        choice = self.choice()
        return {
            "provider": choice.kind,
            "label": OFFLINE_LABEL if choice.kind == "offline" else choice.model,
            "model": choice.model,
            "baseUrl": mask_url(choice.base_url),
            "fallbackModels": list(choice.fallbacks),
            "presetModels": list(choice.models),
            "reason": choice.reason,
            "keyRejected": self.key_rejected,
            "resting": self.breaker.resting(),
            "output": self.ladder.mode((choice.base_url, choice.model), choice.output,
                                       self.config.settings.llm.json_mode) if choice.kind == "openai" else "text",
            "lastError": self.last_error,
            "busy": self.busy > 0,
            "chapters": self.chapter_counts,
        }

    def record_chapter(self, model: str, quality: str) -> None:
        """Count a chapter by how it reached the screen (clean, repaired, or written by the offline writer)."""
        counts = self.chapter_counts.setdefault(model, {"clean": 0, "repaired": 0, "fallback": 0})
        counts[quality] = counts.get(quality, 0) + 1

    async def generate(
        self,
        request: ModelRequest,
        *,
        on_delta: DeltaSink,
        on_reset: ResetSink,
        purpose: str,
        session_id: int | None = None,
        model: str | None = None,
        offline: bool = False,
        fallback: bool = True,
    ) -> Generation:
        """Stream one request: retries, then fallback models, then (if enabled and `fallback`) the offline writer."""
        choice = self.choice()
        self.busy += 1
        try:
            if choice.kind == "offline" or offline:
                return await self._attempt(self.offline, request, None, "offline", on_delta, purpose, session_id)
            try:
                return await self._with_fallbacks(choice, request, on_delta, on_reset, purpose, session_id, model)
            except ProviderError as exc:
                self.last_error = exc.message
                if not (fallback and self.config.settings.llm.offline_fallback):
                    raise
                log.warning("%s failed on every model (%s); the offline writer takes over", purpose, exc.message)
                await on_reset()
                result = await self._attempt(self.offline, request, None, "offline", on_delta, purpose, session_id)
                return replace(result, fell_back=True)
        finally:
            self.busy -= 1

    async def _with_fallbacks(
        self,
        choice: ProviderChoice,
        request: ModelRequest,
        on_delta: DeltaSink,
        on_reset: ResetSink,
        purpose: str,
        session_id: int | None,
        model: str | None,
    ) -> Generation:
        """Try the main model with retries, then each fallback model."""
        llm = self.config.settings.llm
        client = self.openai_model(choice)
        models = [model or choice.model, *[m for m in choice.fallbacks if m != (model or choice.model)]]
        last: ProviderError | None = None
        written: list[str] = []  # what the current attempt has streamed (a retry must reset the screen)

        async def sink(delta: str) -> None:
            written.append(delta)
            await on_delta(delta)

        for name in models:
            if not self.breaker.allows(name):
                last = ProviderError(f"{name} is resting after repeated failures", code="provider_resting")
                continue
            key = (choice.base_url, name)
            mode = self.ladder.mode(key, choice.output, llm.json_mode) if request.shape is not None else "text"
            attempt = 0
            while attempt <= llm.max_retries:
                written.clear()
                try:
                    result = await self._attempt(client, request, name, "openai", sink, purpose, session_id, mode)
                    self.last_error, self.key_rejected = None, False
                    self.breaker.succeeded(name)
                    return result
                except ProviderAuthError as exc:
                    self.key_rejected, self.last_error = True, exc.message
                    raise
                except OutputRefused:
                    lower = self.ladder.refused(key, mode, llm.json_mode)
                    if lower is None:
                        raise
                    mode = lower  # ask the next way down at once: a refusal is no failure of the model
                    continue
                except ProviderRequestError:
                    raise  # the request itself was refused: another model would refuse it too
                except ProviderError as exc:
                    last = exc
                    self.breaker.failed(name)
                    if written:
                        await on_reset()
                    if isinstance(exc, ProviderModelError) or not self.breaker.allows(name):
                        break
                    if attempt < llm.max_retries:
                        await self.sleep(self._backoff(llm.retry_backoff_s, attempt, exc))
                    attempt += 1
        raise last or ProviderError("no model to try")

    @staticmethod
    def _backoff(base: float, attempt: int, exc: ProviderError) -> float:
        """Exponential backoff with jitter; a provider's Retry-After wins when longer."""
        delay = min(MAX_BACKOFF_S, base * 2**attempt) * (1 + random.random() / 4)
        return min(MAX_BACKOFF_S, max(delay, exc.retry_after or 0))

    async def _attempt(
        self,
        model: TextModel,
        request: ModelRequest,
        name: str | None,
        provider: str,
        on_delta: DeltaSink,
        purpose: str,
        session_id: int | None,
        mode: OutputMode = "text",
    ) -> Generation:
        """One call to one model within the timeout; logged to llm_usage whatever happens."""
        usage = Usage()
        parts: list[str] = []
        started = time.monotonic()
        outcome, error = "ok", None
        label = name or model.label
        llm = self.config.settings.llm
        loop = asyncio.get_running_loop()
        deadline = loop.time() + llm.timeout_s
        stream = model.stream(request, name, usage, mode)
        try:
            while True:
                # Two limits: the whole call, and the gap between two pieces of text (a stalled stream).
                try:
                    async with asyncio.timeout(max(0.0, min(llm.stall_timeout_s, deadline - loop.time()))):
                        delta = await anext(stream)
                except StopAsyncIteration:
                    break
                parts.append(delta)
                await on_delta(delta)
        except TimeoutError:
            stalled = loop.time() < deadline
            outcome, error = "failed", "stalled" if stalled else "timed out"
            message = (f"{label} sent nothing for {llm.stall_timeout_s:g} s" if stalled
                       else f"{label} timed out after {llm.timeout_s:g} s")
            raise ProviderError(message, code="provider_stalled" if stalled else "provider_timeout") from None
        except ProviderError as exc:
            outcome, error = ("auth" if isinstance(exc, ProviderAuthError) else "failed"), exc.message
            raise
        except Exception as exc:
            outcome, error = "failed", f"{type(exc).__name__}: {exc}"
            raise ProviderError(f"{label} failed: {error}") from exc
        finally:
            await stream.aclose()  # closes the HTTP stream of an abandoned call
            await self._log(session_id, purpose, provider, label, usage, started, outcome, error)
        return Generation("".join(parts), label, provider, tokens_in=usage.tokens_in, tokens_out=usage.tokens_out,
                          mode=mode, finish_reason=usage.finish_reason, first_token_s=usage.first_token_s,
                          seconds=time.monotonic() - started)

    async def _log(
        self, session_id: int | None, purpose: str, provider: str, model: str, usage: Usage,
        started: float, outcome: str, error: str | None,
    ) -> None:
        """Write one usage row; a logging failure never breaks the story."""
        try:
            await self.meta.log_usage(
                session_id=session_id, purpose=purpose, provider=provider, model=model,
                tokens_in=usage.tokens_in, tokens_out=usage.tokens_out,
                latency_ms=int((time.monotonic() - started) * 1000), outcome=outcome, error=error,
            )
        except Exception:
            log.exception("could not log model usage")

    async def test_connection(self, llm: LLMSettings) -> dict[str, Any]:
        """Try candidate settings (not saved): list the provider's models or say plainly what fails."""
        choice = resolve_provider(llm, self.presets)
        if choice.kind == "offline":
            return {"ok": True, "provider": "offline", "models": [OFFLINE_LABEL], "reason": choice.reason}
        client = AsyncOpenAI(api_key=choice.api_key, base_url=choice.base_url, timeout=min(llm.timeout_s, 20),
                             max_retries=0)
        try:
            models = await OpenAIModel(client, choice.model).list_models()
            found = choice.model in models
            return {"ok": True, "provider": "openai", "baseUrl": mask_url(choice.base_url), "models": models,
                    "model": choice.model, "modelListed": found}
        except ProviderError as exc:
            return {"ok": False, "provider": "openai", "baseUrl": mask_url(choice.base_url), "error": exc.message,
                    "code": exc.code, "models": list(choice.models)}
        finally:
            await client.close()

    async def list_models(self) -> dict[str, Any]:
        """Models the provider offers (or the preset list); says clearly why if the call fails."""
        choice = self.choice()
        if choice.kind == "offline":
            return {"provider": "offline", "models": [OFFLINE_LABEL], "source": "offline"}
        try:
            models = await self.openai_model(choice).list_models()
            self.key_rejected = False
            return {"provider": "openai", "models": models, "source": "provider"}
        except ProviderAuthError as exc:
            self.key_rejected, self.last_error = True, exc.message
            raise
        except ProviderError as exc:
            return {"provider": "openai", "models": list(choice.models), "source": "preset", "error": exc.message}
