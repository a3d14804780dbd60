"""Picture and audio routes: cached files (strict names), regenerate a picture, voices and voice samples."""

from __future__ import annotations

from aiohttp import web

from plugin import keys
from plugin.api.body import field, read_json, reply
from plugin.errors import BadRequest, Conflict, NotFound
from plugin.media.filecache import CONTENT_TYPES, FileCache

SAMPLE_TEXT = "Once upon a time, in a land not so far away, a story began."


def _serve(cache: FileCache, name: str) -> web.FileResponse:
    """A cached file; any name that is not exactly one of ours is a 404 (no traversal, no listing)."""
    path = cache.path(name)
    if path is None:
        raise NotFound("no such file")
    return web.FileResponse(path, headers={
        "Content-Type": CONTENT_TYPES[name.rsplit(".", 1)[1]],
        "Cache-Control": "public, max-age=31536000, immutable",  # the name is a hash of the content
    })


async def image(request: web.Request) -> web.FileResponse:
    """A chapter picture (public: overlays load it)."""
    return _serve(request.app[keys.IMAGE_CACHE], request.match_info["filename"])


async def audio(request: web.Request) -> web.FileResponse:
    """A narration clip (public: overlays play it)."""
    return _serve(request.app[keys.AUDIO_CACHE], request.match_info["filename"])


async def regenerate_image(request: web.Request) -> web.Response:
    """Make the chapter's picture again, optionally from the streamer's own prompt: {prompt?, chapterNumber?}."""
    body = await read_json(request)
    result = await request.app[keys.TOOLS].regenerate_image(
        field(body, "prompt", str, max_len=2_000) or None, field(body, "chapterNumber", int, low=1, high=10_000))
    return reply(result, status=202)


async def voices(request: web.Request) -> web.Response:
    """Voices of the speech provider in use, and the voice of each character in the current story."""
    speech = request.app[keys.SPEECH]
    live = request.app[keys.COORDINATOR].session
    session = await request.app[keys.STORIES].get_session(live.id) if live else None  # narration adds voices
    return reply({"provider": speech.status(), "voices": speech.voices(),
                              "characters": session.voices if session else {}})


async def sample(request: web.Request) -> web.Response:
    """Speak a sample in a voice ("play sample" in the panel): {voice, text?}."""
    body = await read_json(request)
    speech = request.app[keys.SPEECH]
    if speech.choice().kind == "off":
        raise Conflict("speech is off (tts.provider)", code="tts_off")
    clip = await speech.speak(field(body, "text", str, max_len=300) or SAMPLE_TEXT,
                              field(body, "voice", str, required=True, max_len=200) or "")
    if clip is None:
        raise BadRequest("nothing to say", field="text")
    url = request.app.router["audio"].url_for(filename=clip.name)
    return reply({"audioUrl": str(url), "durationMs": clip.duration_ms, "voice": clip.voice})


async def set_voices(request: web.Request) -> web.Response:
    """Change the voice of characters in the current story: {"Mara": "en-gb+f3", ...}."""
    body = await read_json(request)
    coordinator = request.app[keys.COORDINATOR]
    session = coordinator.session
    if session is None:
        raise Conflict("no story has been started", code="no_story")
    for name, voice in body.items():
        if not isinstance(voice, str) or not voice.strip() or len(voice) > 200:
            raise BadRequest(f"the voice for '{name}' must be a voice id", field=name)
    voices = {**session.voices, **{k: v.strip() for k, v in body.items()}}
    await request.app[keys.STORIES].set_voices(session.id, voices)
    await coordinator.loop.reload(session.id)
    return reply({"characters": voices})
