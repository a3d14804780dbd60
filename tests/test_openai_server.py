"""Prove that tests.support.openai_server.FakeOpenAI speaks the protocol of the real openai client."""

from __future__ import annotations

import base64
import struct
from collections.abc import AsyncIterator

import aiohttp
import openai
import pytest
import pytest_asyncio
from openai.types.chat import ChatCompletionMessageParam

from tests.support.openai_server import DEFAULT_CHAPTER, FakeOpenAI, Reply

MESSAGES: list[ChatCompletionMessageParam] = [{"role": "user", "content": "Tell me a story."}]
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest_asyncio.fixture
async def fake() -> AsyncIterator[FakeOpenAI]:
    """A running fake server with default options."""
    async with FakeOpenAI() as server:
        yield server


def client_for(server: FakeOpenAI, api_key: str = "test-key") -> openai.AsyncOpenAI:
    """Return a real AsyncOpenAI client pointed at the fake server."""
    return openai.AsyncOpenAI(api_key=api_key, base_url=server.base_url, max_retries=0)


@pytest.mark.asyncio
async def test_non_stream_returns_scripted_content_and_usage(fake: FakeOpenAI) -> None:
    fake.script(Reply(content="Hello there, traveller.", reasoning=["Think ", "hard."]))
    async with client_for(fake) as client:
        resp = await client.chat.completions.create(
            model="fake-model", messages=MESSAGES, response_format={"type": "json_object"}
        )
    assert resp.choices[0].message.content == "Hello there, traveller."
    assert resp.choices[0].finish_reason == "stop"
    assert resp.choices[0].message.reasoning_content == "Think hard."
    assert resp.usage is not None and resp.usage.prompt_tokens > 0 and resp.usage.completion_tokens > 0
    (req,) = fake.calls_for("fake-model")
    assert req.body["response_format"] == {"type": "json_object"}
    assert req.headers["authorization"] == "Bearer test-key"


@pytest.mark.asyncio
async def test_default_reply_is_a_chapter(fake: FakeOpenAI) -> None:
    async with client_for(fake) as client:
        resp = await client.chat.completions.create(model="fake-model", messages=MESSAGES)
    content = resp.choices[0].message.content or ""
    assert content == DEFAULT_CHAPTER
    assert content.startswith("TITLE: The Bridge") and "CHOICES:\nA)" in content


@pytest.mark.asyncio
async def test_default_reply_callable_sees_request_body() -> None:
    async with FakeOpenAI(default_reply=lambda body: Reply(content=body["messages"][-1]["content"])) as fake, \
            client_for(fake) as client:
        resp = await client.chat.completions.create(model="fake-model", messages=MESSAGES)
    assert resp.choices[0].message.content == "Tell me a story."


@pytest.mark.asyncio
async def test_stream_yields_reasoning_then_content_and_usage(fake: FakeOpenAI) -> None:
    content = "The fog lifts.\n\nCHOICES:\nA) Go on\nB) Stop"
    fake.script(Reply(content=content, reasoning=["Let me ", "think."], tokens_per_s=10_000))
    reasoning: list[str] = []
    pieces: list[str] = []
    roles: list[str] = []
    finish: list[str] = []
    usage = None
    async with client_for(fake) as client:
        stream = await client.chat.completions.create(
            model="fake-model", messages=MESSAGES, stream=True, stream_options={"include_usage": True}
        )
        async for chunk in stream:
            if chunk.usage is not None:
                usage = chunk.usage
            if not chunk.choices:
                continue
            delta = chunk.choices[0].delta
            if delta.role:
                roles.append(delta.role)
            if getattr(delta, "reasoning_content", None):
                reasoning.append(delta.reasoning_content)  # type: ignore[attr-defined]
            if delta.content:
                pieces.append(delta.content)
            if chunk.choices[0].finish_reason:
                finish.append(chunk.choices[0].finish_reason)
    assert "".join(pieces) == content
    assert len(pieces) > 3  # word-sized chunks
    assert reasoning == ["Let me ", "think."]
    assert roles == ["assistant"] and finish == ["stop"]
    assert usage is not None and usage.total_tokens == usage.prompt_tokens + usage.completion_tokens


@pytest.mark.asyncio
async def test_stream_explicit_chunks_and_no_usage_without_stream_options(fake: FakeOpenAI) -> None:
    fake.script(Reply(chunks=["ab", "cd", "ef"]))
    async with client_for(fake) as client:
        stream = await client.chat.completions.create(model="fake-model", messages=MESSAGES, stream=True)
        chunks = [c async for c in stream]
    assert [c.choices[0].delta.content for c in chunks if c.choices[0].delta.content] == ["ab", "cd", "ef"]
    assert all(c.usage is None for c in chunks)


@pytest.mark.asyncio
async def test_cut_stream_raises_connection_error(fake: FakeOpenAI) -> None:
    fake.script(Reply(content="one two three four", cut_after=2))
    pieces: list[str] = []
    async with client_for(fake) as client:
        stream = await client.chat.completions.create(model="fake-model", messages=MESSAGES, stream=True)
        with pytest.raises(openai.APIConnectionError):
            async for chunk in stream:
                if chunk.choices and chunk.choices[0].delta.content:
                    pieces.append(chunk.choices[0].delta.content)
        assert pieces == ["one ", "two "]
        # the server survives and keeps answering
        resp = await client.chat.completions.create(model="fake-model", messages=MESSAGES)
    assert resp.choices[0].message.content == DEFAULT_CHAPTER


@pytest.mark.asyncio
async def test_client_disconnect_mid_stream_does_not_break_server(fake: FakeOpenAI) -> None:
    fake.script(Reply(content="a b c d e f g h i j", tokens_per_s=500))
    async with client_for(fake) as client:
        stream = await client.chat.completions.create(model="fake-model", messages=MESSAGES, stream=True)
        async for _ in stream:
            break
        await stream.close()
        resp = await client.chat.completions.create(model="fake-model", messages=MESSAGES)
    assert resp.choices[0].message.content == DEFAULT_CHAPTER


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("reply", "error"),
    [
        (Reply(status=429, retry_after=7), openai.RateLimitError),
        (Reply(status=500), openai.InternalServerError),
        (Reply(status=400, error_message="bad prompt"), openai.BadRequestError),
    ],
)
async def test_scripted_errors(fake: FakeOpenAI, reply: Reply, error: type[openai.APIStatusError]) -> None:
    fake.script(reply)
    async with client_for(fake) as client:
        with pytest.raises(error) as info:
            await client.chat.completions.create(model="fake-model", messages=MESSAGES)
    assert info.value.status_code == reply.status
    assert isinstance(info.value.body, dict) and "message" in info.value.body
    if reply.retry_after is not None:
        assert info.value.response.headers["retry-after"] == "7"


@pytest.mark.asyncio
async def test_wrong_key_is_rejected(fake: FakeOpenAI) -> None:
    async with client_for(fake, api_key="nope") as client:
        with pytest.raises(openai.AuthenticationError) as info:
            await client.models.list()
    assert info.value.code == "invalid_api_key"
    assert len(fake.requests) == 1  # rejected requests are still recorded


@pytest.mark.asyncio
async def test_unknown_model_is_not_found(fake: FakeOpenAI) -> None:
    async with client_for(fake) as client:
        with pytest.raises(openai.NotFoundError) as info:
            await client.chat.completions.create(model="gpt-nonexistent", messages=MESSAGES)
    assert info.value.code == "model_not_found"


@pytest.mark.asyncio
async def test_invalid_json_is_bad_request(fake: FakeOpenAI) -> None:
    async with aiohttp.ClientSession() as session, session.post(
        f"{fake.base_url}/chat/completions",
        data=b"{not json",
        headers={"Authorization": "Bearer test-key", "Content-Type": "application/json"},
    ) as resp:
        assert resp.status == 400
        payload = await resp.json()
    assert set(payload["error"]) >= {"message", "type", "code"}


@pytest.mark.asyncio
async def test_for_model_routing(fake: FakeOpenAI) -> None:
    fake.script(Reply(content="for backup", for_model="fake-backup"), Reply(content="for anyone"))
    async with client_for(fake) as client:
        first = await client.chat.completions.create(model="fake-model", messages=MESSAGES)
        second = await client.chat.completions.create(model="fake-backup", messages=MESSAGES)
    assert first.choices[0].message.content == "for anyone"
    assert second.choices[0].message.content == "for backup"
    assert len(fake.calls_for("fake-backup")) == 1 and len(fake.calls_for("fake-model")) == 1
    await fake.wait_for_requests(2, timeout=1.0, path="/v1/chat/completions")


@pytest.mark.asyncio
async def test_models_list(fake: FakeOpenAI) -> None:
    async with client_for(fake) as client:
        page = await client.models.list()
        ids = [m.id async for m in page]
        one = await client.models.retrieve("fake-backup")
    assert ids == ["fake-model", "fake-backup"]
    assert one.id == "fake-backup"


@pytest.mark.asyncio
async def test_images_b64(fake: FakeOpenAI) -> None:
    async with client_for(fake) as client:
        resp = await client.images.generate(model="gpt-image-1", prompt="a bridge in fog")
    assert resp.data is not None
    png = base64.b64decode(resp.data[0].b64_json or "")
    assert png.startswith(PNG_MAGIC)
    assert struct.unpack(">II", png[16:24]) == (4, 4)


@pytest.mark.asyncio
async def test_images_url_is_fetchable_png() -> None:
    async with FakeOpenAI(image_mode="url") as fake:
        async with client_for(fake) as client:
            resp = await client.images.generate(model="dall-e-3", prompt="a lantern", n=2)
        assert resp.data is not None and len(resp.data) == 2
        url = resp.data[0].url or ""
        assert url.startswith(f"http://127.0.0.1:{fake.port}/files/")
        async with aiohttp.ClientSession() as session, session.get(url) as got:
            assert got.status == 200
            assert got.headers["Content-Type"] == "image/png"
            assert (await got.read()).startswith(PNG_MAGIC)


@pytest.mark.asyncio
async def test_images_scripted_failure(fake: FakeOpenAI) -> None:
    fake.script_images(Reply(status=400, error_message="content policy", error_code="content_policy_violation"))
    async with client_for(fake) as client:
        with pytest.raises(openai.BadRequestError) as info:
            await client.images.generate(model="gpt-image-1", prompt="x")
        assert info.value.code == "content_policy_violation"
        ok = await client.images.generate(model="gpt-image-1", prompt="x")
    assert ok.data


@pytest.mark.asyncio
async def test_speech_returns_wav_depending_on_voice(fake: FakeOpenAI) -> None:
    async with client_for(fake) as client:
        alloy = await client.audio.speech.create(model="tts-1", voice="alloy", input="Hi", response_format="wav")
        onyx = await client.audio.speech.create(model="tts-1", voice="onyx", input="Hi", response_format="wav")
        fake.script_speech(Reply(status=503))
        with pytest.raises(openai.InternalServerError):
            await client.audio.speech.create(model="tts-1", voice="alloy", input="Hi")
    a, b = alloy.content, onyx.content
    assert a[:4] == b"RIFF" and a[8:12] == b"WAVE" and b[:4] == b"RIFF"
    assert alloy.response.headers["content-type"].startswith("audio/wav")
    assert len(a) == len(b) and a != b
    assert fake.requests[0].body["response_format"] == "wav"
