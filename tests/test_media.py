"""Pictures and narration: offline defaults, OpenAI-compatible providers (base64 and URL), failures, file routes."""

from __future__ import annotations

import asyncio
import io
import re
import wave
from pathlib import Path

from PIL import Image

from plugin.clock import ManualClock
from tests.conftest import StartServer
from tests.support.harness import (
    Running,
    advance_when_waiting,
    watching,
)
from tests.support.openai_server import FakeOpenAI, Reply

API = "/api/interactive-story"


async def fetch(server: Running, url: str) -> tuple[int, bytes, str]:
    async with server.http.get(server.url + url) as response:
        return response.status, await response.read(), response.headers.get("Content-Type", "")


async def raw_status(server: Running, path: str) -> str:
    host, port = server.url.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    writer.write(f"GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode())
    await writer.drain()
    line = (await reader.readline()).decode()
    writer.close()
    return line.split()[1]


async def test_offline_title_card_and_offline_voices_with_no_key(serve: StartServer) -> None:
    # (with_chapter: the vote call is heard after the chapter's minute of lines, so the vote must outlast them)
    server = await serve(ManualClock(), **{"voting.duration_s": 600})
    async with watching(server.url) as seen:
        await server.call("POST", f"{API}/start", {"theme": "western"})
        ready = await seen.wait_for("story:chapter-ready")
        picture = await seen.wait_for("story:image-updated")
        assert picture["chapterNumber"] == 1 and picture["provider"] == "offline"
        status, data, kind = await fetch(server, picture["url"])
        assert status == 200 and kind == "image/png"
        assert Image.open(io.BytesIO(data)).size == (1280, 720)
        lines = [await seen.wait_for("story:narration", lambda n, i=i: n["kind"] == "chapter" and n["index"] == i)
                 for i in range(3)]
        assert " ".join(n["text"] for n in lines) in ready["content"].replace("\n\n", " ")
        status, audio, kind = await fetch(server, lines[0]["audioUrl"])
        with wave.open(io.BytesIO(audio)) as clip:
            assert clip.getnframes() > 0 and lines[0]["durationMs"] > 300
        call = await seen.wait_for("story:narration", lambda n: n["kind"] == "vote-call")
        assert call["text"].startswith("Vote now in chat! A: ") and call["audioUrl"]
        status, body = await server.call("GET", f"{API}/status")
        assert body["chapter"]["imageUrl"] == picture["url"]
        assert body["media"]["images"]["label"] == "offline title card"


async def test_characters_speak_in_their_own_voice_for_the_whole_story(serve: StartServer) -> None:
    clock = ManualClock()
    # (the vote call is heard after the chapter's lines: a vote long enough to still be open then)
    server = await serve(clock, **{"voting.duration_s": 600, "story.max_chapters": 3})
    async with watching(server.url) as seen:
        await server.call("POST", f"{API}/start", {"theme": "fantasy"})
        for number in (1, 2):
            await seen.wait_for("story:narration", lambda n, c=number: n["kind"] == "vote-call"
                                and n["chapterNumber"] == c)
            await advance_when_waiting(clock, 600)
        await seen.wait_for("story:ended")
        await seen.wait_for("story:narration", lambda n: n["chapterNumber"] == 3 and n["index"] == n["total"] - 1)
        spoken = [n for n in seen.named("story:narration") if n["kind"] == "chapter"]
        narrator = {n["voice"] for n in spoken if n["speaker"] is None}
        by_speaker: dict[str, set[str]] = {}
        for line in spoken:
            if line["speaker"]:
                by_speaker.setdefault(line["speaker"], set()).add(line["voice"])
        assert len(narrator) == 1 and by_speaker, "the story should have quoted lines with speakers"
        assert all(len(voices) == 1 for voices in by_speaker.values())  # one voice per character, all story long
        assert not narrator & set().union(*by_speaker.values())
        status, voices = await server.call("GET", f"{API}/tts/voices")
        assert voices["characters"] == {name: next(iter(v)) for name, v in by_speaker.items()}
        assert len(voices["voices"]) >= 6
        status, sample = await server.call("POST", f"{API}/tts/sample", {"voice": voices["voices"][0]["id"]})
        assert status == 200 and (await fetch(server, sample["audioUrl"]))[0] == 200


async def test_images_and_speech_through_an_openai_compatible_api(serve: StartServer, tmp_path: Path) -> None:
    for mode in ("b64", "url"):
        async with FakeOpenAI(api_key="img-key", image_mode=mode) as fake:
            server = await serve(ManualClock(), **{"server.data_dir": str(tmp_path / mode),
                "images.base_url": fake.base_url, "images.api_key": "img-key", "images.model": "gpt-image-1",
                "tts.base_url": fake.base_url, "tts.api_key": "img-key", "tts.model": "tts-1",
                "tts.narrator_voice": "onyx"})
            try:
                async with watching(server.url) as seen:
                    await server.call("POST", f"{API}/start", {"theme": "scifi"})
                    picture = await seen.wait_for("story:image-updated")
                    assert picture["provider"] == "openai"
                    assert picture["url"].startswith("/api/interactive-story/image/")
                    status, data, kind = await fetch(server, picture["url"])
                    assert status == 200 and data.startswith(b"\x89PNG")
                    line = await seen.wait_for("story:narration", lambda n: n["kind"] == "chapter")
                    assert line["voice"] == "onyx" and (await fetch(server, line["audioUrl"]))[0] == 200
                    image_calls = [r for r in fake.requests if r.path == "/v1/images/generations"]
                    assert image_calls[0].body["model"] == "gpt-image-1" and "Style:" in image_calls[0].body["prompt"]
                    speech = [r for r in fake.requests if r.path == "/v1/audio/speech"][0]
                    assert speech.body["voice"] == "onyx" and speech.body["response_format"] == "wav"
            finally:
                await server.stop()


async def test_provider_errors_never_stop_the_story(serve: StartServer) -> None:
    async with FakeOpenAI(api_key="k") as fake:
        fake.script_images(*[Reply(status=500)] * 3)
        fake.script_speech(*[Reply(status=500)] * 200)
        server = await serve(ManualClock(), **{"images.base_url": fake.base_url, "images.api_key": "k",
                                               "tts.base_url": fake.base_url, "tts.api_key": "k"})
        async with watching(server.url) as seen, \
                watching(server.url, "/admin", {"token": server.token}) as admin_seen:
            await server.call("POST", f"{API}/start", {"theme": "horror"})
            failed = await admin_seen.wait_for("story:image-failed")
            assert failed["chapterNumber"] == 1 and "500" in failed["error"]  # the streamer learns why
            shown = await seen.wait_for("story:image-failed")
            assert shown["chapterNumber"] == 1 and "error" not in shown  # viewers never see provider text
            line = await seen.wait_for("story:narration", lambda n: n["kind"] == "chapter")
            assert line["audioUrl"] is None and line["durationMs"] > 0  # paced text instead of audio
            await seen.wait_for("story:voting-started")
            status, body = await server.call("GET", f"{API}/status")
            assert body["state"] == "voting" and body["chapter"]["imageUrl"] is None


async def test_regenerate_a_picture_with_a_custom_prompt(serve: StartServer) -> None:
    async with FakeOpenAI(api_key="k") as fake:
        server = await serve(ManualClock(), **{"images.base_url": fake.base_url, "images.api_key": "k"})
        async with watching(server.url) as seen, \
                watching(server.url, "/admin", auth={"token": server.token}) as admin_seen:
            await server.call("POST", f"{API}/start", {"theme": "romance"})
            first = await seen.wait_for("story:image-updated")
            status, body = await server.call("POST", f"{API}/chapter/image", {"prompt": "two lanterns on a bridge"})
            assert status == 202
            second = await seen.wait_for("story:image-updated", lambda p: p["prompt"] == "two lanterns on a bridge")
            assert second["url"] != first["url"]
            answer = await admin_seen.call("story:regenerate-image", {"prompt": "a red kite"}, timeout=5)
            assert answer["ok"] is True
            await seen.wait_for("story:image-updated", lambda p: p["prompt"] == "a red kite")


async def test_speech_off_paces_the_text_and_file_routes_refuse_anything_else(serve: StartServer) -> None:
    server = await serve(ManualClock(), **{"tts.provider": "off", "tts.reading_wpm": 120})
    async with watching(server.url) as seen:
        await server.call("POST", f"{API}/start", {"theme": "comedy"})
        line = await seen.wait_for("story:narration", lambda n: n["kind"] == "chapter")
        words = len(re.findall(r"\w+", line["text"]))
        assert line["audioUrl"] is None and abs(line["durationMs"] - words / 120 * 60_000) <= 500
        picture = await seen.wait_for("story:image-updated")
        name = picture["url"].rsplit("/", 1)[1]
    for bad in (f"{API}/image/../../settings/default.yaml", f"{API}/image/..%2f..%2fpyproject.toml",
                f"{API}/image/{name.upper()}", f"{API}/image/{name}.png", f"{API}/audio/{name}",
                f"{API}/image/story.db", f"{API}/audio/%2e%2e%2fstory.db"):
        assert await raw_status(server, bad) == "404", bad
    assert await raw_status(server, picture["url"]) == "200"
