"""A local server speaking the OpenAI HTTP protocol, for tests and benchmarks.

Usage: ``async with FakeOpenAI() as fake: fake.script(Reply(content="..."))`` then point
``openai.AsyncOpenAI(api_key="test-key", base_url=fake.base_url, max_retries=0)`` at it.
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
import math
import re
import struct
import time
import zlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from aiohttp import web

__all__ = ["DEFAULT_CHAPTER", "DEFAULT_REPLY", "FakeOpenAI", "RecordedRequest", "Reply", "make_png", "make_wav"]

DEFAULT_CHAPTER = (
    "TITLE: The Bridge\n\nFog rolls over the old stone bridge as you step onto it. Somewhere below, "
    "the river mutters in a language older than the town. A lantern sways at the far end, held by a "
    "figure who has clearly been waiting for you.\n\nCHOICES:\nA) Call out to the figure.\n"
    "B) Climb down to the riverbank.\nC) Turn back toward the town."
)


@dataclass
class Reply:
    """One scripted answer for a chat, image or speech request."""

    content: str = ""
    chunks: list[str] | None = None
    reasoning: list[str] = field(default_factory=list)
    status: int = 200
    retry_after: float | None = None
    error_message: str | None = None
    error_code: str | None = None
    first_token_delay_s: float = 0.0
    tokens_per_s: float = 0.0
    cut_after: int | None = None
    stall_after: int | None = None
    stall_s: float = 0.0
    bad_frame_after: int | None = None  # after this many content pieces, one SSE frame that is not JSON
    for_model: str | None = None
    usage: bool = True
    finish_reason: str = "stop"

    def content_chunks(self) -> list[str]:
        """Return the streamed content pieces (explicit `chunks` or word-sized splits)."""
        if self.chunks is not None:
            return list(self.chunks)
        return [p for p in re.split(r"(?<=\s)(?=\S)", self.content) if p]

    def full_content(self) -> str:
        """Return the complete content text."""
        return "".join(self.chunks) if self.chunks is not None else self.content

    def error(self) -> web.Response:
        """Return the OpenAI-style error response this (non-200) reply describes."""
        return error_response(self.status, self.error_message, self.error_code, self.retry_after)


DEFAULT_REPLY = Reply(content=DEFAULT_CHAPTER)

ReplySource = Reply | Callable[[dict[str, Any]], Reply] | None
_BODY = web.RequestKey("fake_openai_body", dict[str, Any])
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass
class RecordedRequest:
    """A request received by the fake server."""

    method: str
    path: str
    body: Any
    headers: dict[str, str]
    model: str | None


_ERROR_KINDS: dict[int, tuple[str, str | None]] = {
    401: ("invalid_request_error", "invalid_api_key"), 403: ("permission_error", None),
    404: ("invalid_request_error", "not_found"), 429: ("requests", "rate_limit_exceeded"),
    503: ("server_error", "overloaded"),
}


def error_response(
    status: int, message: str | None = None, code: str | None = None, retry_after: float | None = None
) -> web.Response:
    """Build an OpenAI-style JSON error response."""
    etype, default_code = _ERROR_KINDS.get(
        status, ("server_error" if status >= 500 else "invalid_request_error", None)
    )
    message = message or f"Fake OpenAI error (HTTP {status})"
    payload = {"error": {"message": message, "type": etype, "param": None, "code": code or default_code}}
    headers = {"retry-after": f"{retry_after:g}"} if status == 429 and retry_after is not None else {}
    return web.json_response(payload, status=status, headers=headers)


def estimate_tokens(text: str) -> int:
    """Roughly estimate a token count (about four characters per token)."""
    return max(1, len(text) // 4) if text else 0


def make_png(width: int = 4, height: int = 4, rgb: tuple[int, int, int] = (200, 80, 40)) -> bytes:
    """Return a valid solid-colour RGB PNG built with zlib and struct."""

    def chunk(tag: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(tag + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", crc)

    raw = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    body = chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")
    return b"\x89PNG\r\n\x1a\n" + body


def make_wav(freq_hz: float, duration_s: float = 0.2, rate: int = 24000) -> bytes:
    """Return a 16-bit mono PCM WAV containing a sine tone."""
    n = int(rate * duration_s)
    data = b"".join(
        struct.pack("<h", int(12000 * math.sin(2 * math.pi * freq_hz * i / rate))) for i in range(n)
    )
    header = struct.pack(
        "<4sI4s4sIHHIIHH4sI",
        b"RIFF", 36 + len(data), b"WAVE", b"fmt ", 16, 1, 1, rate, rate * 2, 2, 16, b"data", len(data),
    )
    return header + data


def _prompt_text(body: dict[str, Any]) -> str:
    parts: list[str] = []
    for message in body.get("messages") or []:
        content = message.get("content") if isinstance(message, dict) else None
        if isinstance(content, str):
            parts.append(content)
        elif isinstance(content, list):
            parts.extend(str(p.get("text", "")) for p in content if isinstance(p, dict))
    return "\n".join(parts)


def _take(queue: list[Reply], model: str | None) -> Reply | None:
    for i, reply in enumerate(queue):
        if reply.for_model is None or reply.for_model == model:
            return queue.pop(i)
    return None


class FakeOpenAI:
    """An aiohttp server imitating the OpenAI REST API on 127.0.0.1."""

    def __init__(
        self,
        *,
        api_key: str | None = "test-key",
        models: list[str] | None = None,
        default_reply: ReplySource = DEFAULT_REPLY,
        image_mode: Literal["b64", "url"] = "b64",
        shutdown_timeout: float = 0.25,
    ) -> None:
        self.api_key = api_key
        self.models: list[str] = list(models) if models is not None else ["fake-model", "fake-backup"]
        self.default_reply: ReplySource = default_reply
        self.image_mode = image_mode
        self.replies: list[Reply] = []
        self.image_replies: list[Reply] = []
        self.speech_replies: list[Reply] = []
        self.requests: list[RecordedRequest] = []
        self.files: dict[str, bytes] = {}
        self._changed = asyncio.Condition()
        self._ids = itertools.count(1)
        self._shutdown_timeout = shutdown_timeout
        self._runner: web.AppRunner | None = None
        self._port: int | None = None

    def _build_app(self) -> web.Application:
        @web.middleware
        async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
            return await self._middleware(request, handler)

        app = web.Application(middlewares=[middleware])
        app.router.add_get("/v1/models", self._list_models)
        app.router.add_get("/v1/models/{model}", self._get_model)
        app.router.add_post("/v1/chat/completions", self._chat)
        app.router.add_post("/v1/images/generations", self._images)
        app.router.add_post("/v1/audio/speech", self._speech)
        app.router.add_get("/files/{name}", self._file)
        app.router.add_route("*", "/v1/{tail:.*}", self._unknown)
        return app

    async def start(self) -> None:
        """Bind 127.0.0.1 on a free port and start serving."""
        runner = web.AppRunner(self._build_app(), shutdown_timeout=self._shutdown_timeout)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        self._runner = runner
        self._port = int(runner.addresses[0][1])

    async def close(self) -> None:
        """Stop the server and drop open connections."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeOpenAI:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    @property
    def port(self) -> int:
        """The bound TCP port (after `start`)."""
        if self._port is None:
            raise RuntimeError("FakeOpenAI is not started")
        return self._port

    @property
    def base_url(self) -> str:
        """The OpenAI `base_url` for clients, e.g. http://127.0.0.1:PORT/v1."""
        return f"http://127.0.0.1:{self.port}/v1"

    def script(self, *replies: Reply) -> None:
        """Queue chat replies (FIFO; each request takes the first matching its model)."""
        self.replies.extend(replies)

    def script_images(self, *replies: Reply) -> None:
        """Queue replies for image generation requests."""
        self.image_replies.extend(replies)

    def script_speech(self, *replies: Reply) -> None:
        """Queue replies for speech requests."""
        self.speech_replies.extend(replies)

    def calls_for(self, model: str, path: str = "/v1/chat/completions") -> list[RecordedRequest]:
        """Return recorded requests to `path` that asked for `model`."""
        return [r for r in self.requests if r.model == model and r.path == path]

    async def wait_for_requests(self, n: int, timeout: float = 5.0, path: str | None = None) -> None:
        """Wait until at least `n` requests (optionally only to `path`) have been received."""

        def enough() -> bool:
            return sum(1 for r in self.requests if path is None or r.path == path) >= n

        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(enough), timeout)

    async def _middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        if not request.path.startswith("/v1/"):
            return await handler(request)
        raw = await request.read()
        try:
            body: Any = json.loads(raw) if raw else None
        except ValueError:
            body = None  # answered with 400 below (after recording and auth)
        request[_BODY] = body if isinstance(body, dict) else {}
        model = body.get("model") if isinstance(body, dict) else None
        headers = {k.lower(): v for k, v in request.headers.items()}
        self.requests.append(RecordedRequest(request.method, request.path, body, headers, model))
        async with self._changed:
            self._changed.notify_all()
        if self.api_key is not None and request.headers.get("Authorization") != f"Bearer {self.api_key}":
            return error_response(401, "Incorrect API key provided.", "invalid_api_key")
        if (raw and body is None) or (request.method == "POST" and not isinstance(body, dict)):
            return error_response(400, "We could not parse the JSON body of your request.")
        return await handler(request)

    def _new_id(self, prefix: str) -> str:
        return f"{prefix}-fake{next(self._ids)}"

    def _envelope(self, obj: str, model: str) -> dict[str, Any]:
        return {"id": self._new_id("chatcmpl"), "object": obj, "created": int(time.time()),
                "model": model, "system_fingerprint": "fp_fake"}

    @staticmethod
    async def _delay(seconds: float) -> None:
        if seconds > 0:
            await asyncio.sleep(seconds)

    def _model_obj(self, model: str) -> dict[str, Any]:
        return {"id": model, "object": "model", "created": 1700000000, "owned_by": "fake-openai"}

    async def _list_models(self, request: web.Request) -> web.Response:
        return web.json_response({"object": "list", "data": [self._model_obj(m) for m in self.models]})

    async def _get_model(self, request: web.Request) -> web.Response:
        model = request.match_info["model"]
        if model not in self.models:
            return error_response(404, f"The model `{model}` does not exist.", "model_not_found")
        return web.json_response(self._model_obj(model))

    async def _unknown(self, request: web.Request) -> web.Response:
        return error_response(404, f"Unknown endpoint {request.method} {request.path}", "unknown_url")

    def _pick_reply(self, body: dict[str, Any], model: str) -> Reply | None:
        reply = _take(self.replies, model)
        if reply is not None:
            return reply
        return self.default_reply(body) if callable(self.default_reply) else self.default_reply

    async def _chat(self, request: web.Request) -> web.StreamResponse:
        body = request[_BODY]
        model = body.get("model")
        if not isinstance(model, str) or not body.get("messages"):
            return error_response(400, "`model` and `messages` are required.")
        if model not in self.models:
            msg = f"The model `{model}` does not exist or you do not have access to it."
            return error_response(404, msg, "model_not_found")
        reply = self._pick_reply(body, model)
        if reply is None:
            return error_response(500, "FakeOpenAI: no scripted reply and no default_reply")
        if reply.status != 200:
            await self._delay(reply.first_token_delay_s)
            return reply.error()
        usage = self._usage(body, reply)
        if body.get("stream"):
            return await self._stream(request, body, model, reply, usage)
        n_tokens = len(reply.reasoning) + len(reply.content_chunks())
        pace = n_tokens / reply.tokens_per_s if reply.tokens_per_s > 0 else 0.0
        await self._delay(reply.first_token_delay_s + pace)
        message: dict[str, Any] = {"role": "assistant", "content": reply.full_content(), "refusal": None}
        if reply.reasoning:
            message["reasoning_content"] = "".join(reply.reasoning)
        choice = {"index": 0, "message": message, "logprobs": None, "finish_reason": reply.finish_reason}
        payload = {**self._envelope("chat.completion", model), "choices": [choice]}
        if reply.usage:
            payload["usage"] = usage
        return web.json_response(payload, headers={"x-request-id": self._new_id("req")})

    @staticmethod
    def _usage(body: dict[str, Any], reply: Reply) -> dict[str, Any]:
        prompt = estimate_tokens(_prompt_text(body))
        reasoning = estimate_tokens("".join(reply.reasoning))
        completion = estimate_tokens(reply.full_content()) + reasoning
        return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion,
                "completion_tokens_details": {"reasoning_tokens": reasoning}}

    async def _stream(
        self, request: web.Request, body: dict[str, Any], model: str, reply: Reply, usage: dict[str, Any]
    ) -> web.StreamResponse:
        headers = {"Content-Type": "text/event-stream; charset=utf-8", "Cache-Control": "no-cache",
                   "x-request-id": self._new_id("req")}
        resp = web.StreamResponse(status=200, headers=headers)
        await resp.prepare(request)
        base = self._envelope("chat.completion.chunk", model)
        interval = 1.0 / reply.tokens_per_s if reply.tokens_per_s > 0 else 0.0

        async def send(delta: dict[str, Any] | None, finish: str | None = None, **extra: Any) -> None:
            choice = {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}
            choices = [] if delta is None else [choice]
            await resp.write(b"data: " + json.dumps({**base, "choices": choices, **extra}).encode() + b"\n\n")

        def cut() -> web.StreamResponse:
            if request.transport is not None:
                request.transport.close()  # flushes what was written, then drops the socket
            return resp

        sent = 0
        try:
            await self._delay(reply.first_token_delay_s)
            await send({"role": "assistant", "content": "", "refusal": None})
            for piece in reply.reasoning:
                await send({"content": None, "reasoning_content": piece})
                await self._delay(interval)
            for piece in reply.content_chunks():
                if reply.cut_after is not None and sent >= reply.cut_after:
                    return cut()
                if reply.stall_after is not None and sent == reply.stall_after:
                    await self._delay(reply.stall_s)
                if reply.bad_frame_after is not None and sent == reply.bad_frame_after:
                    await resp.write(b'data: {"id": "chatcmpl-broken", "choices": [{"delta": {"content": "x\n\n')
                if sent:
                    await self._delay(interval)
                await send({"content": piece})
                sent += 1
            if reply.cut_after is not None and sent >= reply.cut_after:
                return cut()
            await send({}, reply.finish_reason)
            opts = body.get("stream_options")
            if reply.usage and isinstance(opts, dict) and opts.get("include_usage"):
                await send(None, usage=usage)
            await resp.write(b"data: [DONE]\n\n")
            await resp.write_eof()
        except ConnectionError:
            pass  # client went away mid-stream; nothing to do
        return resp

    async def _scripted_failure(self, queue: list[Reply], body: dict[str, Any]) -> web.Response | None:
        reply = _take(queue, body.get("model"))
        if reply is not None:
            await self._delay(reply.first_token_delay_s)
        return reply.error() if reply is not None and reply.status != 200 else None

    async def _images(self, request: web.Request) -> web.Response:
        body = request[_BODY]
        failure = await self._scripted_failure(self.image_replies, body)
        if failure is not None:
            return failure
        prompt = str(body.get("prompt", ""))
        data: list[dict[str, Any]] = []
        for i in range(max(1, int(body.get("n") or 1))):
            seed = zlib.crc32(f"{prompt}#{i}".encode())
            png = make_png(rgb=(seed & 0xFF, (seed >> 8) & 0xFF, (seed >> 16) & 0xFF))
            if self.image_mode == "url":
                name = f"{self._new_id('img')}.png"
                self.files[name] = png
                data.append({"url": f"http://127.0.0.1:{self.port}/files/{name}", "revised_prompt": prompt})
            else:
                data.append({"b64_json": base64.b64encode(png).decode(), "revised_prompt": prompt})
        return web.json_response({"created": int(time.time()), "data": data})

    async def _file(self, request: web.Request) -> web.Response:
        png = self.files.get(request.match_info["name"])
        if png is None:
            return web.Response(status=404, text="not found")
        return web.Response(body=png, content_type="image/png")

    async def _speech(self, request: web.Request) -> web.Response:
        body = request[_BODY]
        failure = await self._scripted_failure(self.speech_replies, body)
        if failure is not None:
            return failure
        voice = body.get("voice")
        if isinstance(voice, dict):
            voice = voice.get("id")
        freq = 220 + zlib.crc32(str(voice).encode()) % 880
        return web.Response(body=make_wav(freq), content_type="audio/wav")
