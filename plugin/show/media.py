"""Pictures and narration for each chapter, made in the background: the chapter is shown at once."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from plugin import events
from plugin.brief import choice_label
from plugin.clock import Clock
from plugin.errors import StoryError, describe
from plugin.media.images import ImageService
from plugin.media.speech import SpeechService
from plugin.show.timeline import ShowTimeline
from plugin.store.records import ChapterRecord, SessionRecord
from plugin.store.repo import StoryRepo
from plugin.story.engine import StoryEngine
from plugin.story.keeper import MemoryKeeper
from plugin.story.language import resolve_language
from plugin.story.memory import StoryMemory
from plugin.story.narration import Line, assign_voices, plan_lines, sentences
from plugin.story.prompts import PromptBook
from plugin.tasks import Tasks

log = logging.getLogger(__name__)
PREFETCH_CONCURRENCY = 2
MEMORY_WAIT_S = 4.0


@dataclass(frozen=True, slots=True)
class MediaUrls:
    """Where overlays load a cached picture or clip from (built from the route table)."""

    image: Callable[[str], str]
    audio: Callable[[str], str]


class MediaDirector:
    """Owns the picture and narration tasks of the current story."""

    def __init__(self, *, images: ImageService, speech: SpeechService, engine: StoryEngine, stories: StoryRepo,
                 keeper: MemoryKeeper, prompts: PromptBook, vote_calls: dict[str, str], emit: events.Emit,
                 clock: Clock, urls: MediaUrls, timeline: ShowTimeline) -> None:
        self.images, self.speech, self.engine, self.stories, self.keeper = images, speech, engine, stories, keeper
        self.prompts, self.vote_calls, self.emit, self.clock, self.urls = prompts, vote_calls, emit, clock, urls
        self.timeline = timeline
        self._tasks = Tasks()
        self._narration: asyncio.Task[None] | None = None
        self._said: list[dict[str, Any]] = []  # the current chapter's narration lines, for overlays that join late
        self._prefetch = asyncio.Semaphore(PREFETCH_CONCURRENCY)
        self._streamed = ""
        # (session, chapter, url or None when it failed): keeps story:state true for overlays that reload
        self.on_picture: Callable[[int, int, str | None], None] | None = None

    # --- while the chapter streams: synthesise finished sentences ahead -------------------------------

    def streaming(self, session: SessionRecord, delta: str | None) -> None:
        """Feed streamed prose (None = a new chapter starts); whole sentences are synthesised ahead."""
        if delta is None or self.speech.choice().kind == "off":
            self._streamed = ""
            return
        self._streamed += delta
        done = sentences(self._streamed)
        if len(done) > 1:  # the last one may still be growing
            self._streamed = self._streamed[self._streamed.rfind(done[-1]):] if done[-1] in self._streamed else ""
            voice = self.speech.narrator(self._language(session))
            for sentence in done[:-1]:
                if '"' not in sentence and "“" not in sentence:  # quoted lines belong to characters
                    self._tasks.spawn(self._warm(sentence, voice), "narration-warm")

    async def _warm(self, text: str, voice: str) -> None:
        """Synthesise into the cache; failures here are silent (narration proper reports them)."""
        async with self._prefetch:
            try:
                await self.speech.speak(text, voice)
            except Exception:
                log.debug("prefetch of a narration line failed", exc_info=True)

    # --- after the chapter is stored -----------------------------------------------------------------

    def after_chapter(self, session: SessionRecord, chapter: ChapterRecord, memory: StoryMemory) -> None:
        """Start the chapter's picture and narration."""
        self._tasks.spawn(self.picture(session, chapter, memory), f"picture-{chapter.number}")
        if self._narration is not None:
            self._narration.cancel()  # a new chapter: stop reading the old one
        self._said = []
        self._narration = self._tasks.spawn(self.narrate(session, chapter, memory), f"narration-{chapter.number}")

    def regenerate_picture(self, session: SessionRecord, chapter: ChapterRecord, memory: StoryMemory,
                           prompt: str | None) -> None:
        """Make a chapter's picture again in the background."""
        self._tasks.spawn(self.picture(session, chapter, memory, prompt, fresh=True), f"picture-{chapter.number}")

    async def picture(self, session: SessionRecord, chapter: ChapterRecord, memory: StoryMemory,
                      custom_prompt: str | None = None, fresh: bool = False) -> None:
        """Make the picture; the chapter is already on screen, the picture follows (or fails quietly)."""
        if self.images.choice().kind == "off":
            return
        await self.stories.set_image(session.id, chapter.number, "pending")
        try:
            prompt = custom_prompt or await self._image_prompt(session, chapter, memory)
            theme = self.engine.theme_for(session)
            # a fresh picture of the same prompt needs a new seed (and so a new cache key)
            seed = session.seed + (int(asyncio.get_running_loop().time() * 1000) if fresh else 0)
            picture = await self.images.make(prompt, theme, chapter.title, chapter.number, seed)
        except (StoryError, OSError, ValueError) as exc:
            message = describe(exc)
            log.warning("picture for chapter %s failed: %s", chapter.number, message)
            await self.stories.set_image(session.id, chapter.number, "failed")
            if self.on_picture is not None:
                self.on_picture(session.id, chapter.number, None)
            await self.emit(events.ImageFailed(session.id, chapter.number, message))
            return
        if picture is None:
            return
        await self.stories.set_image(session.id, chapter.number, "ready", picture.name, picture.prompt)
        if self.on_picture is not None:
            self.on_picture(session.id, chapter.number, self.urls.image(picture.name))
        await self.emit(events.ImageUpdated(session.id, chapter.number, self.urls.image(picture.name), picture.prompt,
                                            picture.provider))

    async def _image_prompt(self, session: SessionRecord, chapter: ChapterRecord, memory: StoryMemory) -> str:
        """Scene (from the writer, or the chapter's opening) + the look of characters in it + the style."""
        if self.images.choice().kind == "offline":
            return chapter.title  # a title card needs no scene
        scene = await self.engine.describe_scene(session, chapter)
        present = [c for c in memory.relevant(chapter.content)["characters"][:3]
                   if any(k in chapter.content.lower() for k in c.keys())]
        theme = self.engine.theme_for(session)
        style = ", ".join(filter(None, [theme.defaults.get("image_style") or theme.style,
                                        self.images.settings().images.style]))
        return self.prompts.render("image", scene=scene, characters=present, style=style)

    async def narrate(self, session: SessionRecord, chapter: ChapterRecord, memory: StoryMemory) -> None:
        """Speak the chapter line by line, in order, telling overlays as each line is ready (and placing each on
        the show's timeline)."""
        try:
            await self._narrate(session, chapter, memory)
        finally:  # done, failed or replaced: no more lines of this chapter come
            self.timeline.stop_reading(chapter.number)

    async def _narrate(self, session: SessionRecord, chapter: ChapterRecord, memory: StoryMemory) -> None:
        """The lines of `narrate`."""
        # Who speaks is known best once this chapter's memory update lands (quick offline, a few s online).
        memory = await self.keeper.settled(session, chapter, MEMORY_WAIT_S) if self.keeper else memory
        lines = plan_lines(chapter.content, memory.characters)
        language = self._language(session)
        narrator = self.speech.narrator(language) if self.speech.choice().kind != "off" else ""
        stored = await self.stories.get_session(session.id)  # voices given in earlier chapters or by the streamer
        known = stored.voices if stored else session.voices
        voices = known
        if self.speech.choice().kind != "off":
            voices = assign_voices(lines, known, self.speech.character_pool(language))
            if voices != known:
                await self.stories.set_voices(session.id, voices)
        for index, line in enumerate(lines):
            voice = voices.get(line.speaker or "", narrator) if line.speaker else narrator
            await self._say(chapter.number, index, len(lines), line, voice, "chapter")

    async def vote_call(self, session: SessionRecord, chapter_number: int, choices: Sequence[str],
                        ends_at: Callable[[], float], over_reading: bool) -> None:
        """Read the vote out in the story's language, its "N seconds" true when heard: at once, stopping whatever
        of the chapter is still to be read (`over_reading`), or right after the chapter's last line."""
        if over_reading:
            self.stop_narration(chapter_number)
        elif self._narration is not None and not self._narration.done():
            await asyncio.gather(self._narration, return_exceptions=True)  # every line is placed
        now = self.clock.now()
        heard_at = now if over_reading else max(now, self.timeline.reading_ends(chapter_number) or now)
        seconds = ends_at() - heard_at
        if not self.speech.settings().tts.read_vote_call or seconds < 1:
            return
        language = self._language(session)
        template = self.vote_calls.get(language) or self.vote_calls.get("en", "{choices}")
        listed = "; ".join(f"{choice_label(i)}: {text}" for i, text in enumerate(choices))
        text = template.format(choices=listed, seconds=int(seconds))
        narrator = self.speech.narrator(language) if self.speech.choice().kind != "off" else ""
        await self._say(chapter_number, 0, 1, Line(text), narrator, "vote-call", heard_at)

    async def _say(self, chapter_number: int, index: int, total: int, line: Line, voice: str, kind: str,
                   heard_at: float | None = None) -> None:
        """Synthesise one line (or pace it without audio) and announce it with when it is heard (a chapter's line
        is placed on the show's timeline; a vote call is heard at `heard_at`)."""
        clip = None
        if voice:
            try:
                clip = await self.speech.speak(line.text, voice)
            except StoryError as exc:
                log.warning("narration line failed, the overlay paces it instead: %s", exc.message)
        words = max(1, len(re.findall(r"\w+", line.text)))
        paced_ms = int(words / self.speech.settings().tts.reading_wpm * 60_000)
        duration_ms = clip.duration_ms if clip else paced_ms
        now = self.clock.now()
        starts = self.timeline.place(chapter_number, index, total, duration_ms / 1000) if heard_at is None \
            else max(now, heard_at)
        said = events.Narration(
            chapter_number, index, total, line.text, self.urls.audio(clip.name) if clip else None, duration_ms,
            voice or None, line.speaker, kind, self.speech.settings().tts.volume, int(now * 1000), int(starts * 1000))
        self._said.append(said.wire())
        await self.emit(said)

    def stop_narration(self, chapter_number: int) -> None:
        """The vote opens: the chapter is read no further (the timeline's reading ends now)."""
        if self._narration is not None:
            self._narration.cancel()
        self.timeline.stop_reading(chapter_number, cut=True)

    def _language(self, session: SessionRecord) -> str:
        """The story language's code (English when unknown)."""
        found = resolve_language(session.language)
        return found.code if found else "en"

    def status(self) -> dict[str, Any]:
        """Picture and voice providers, for status."""
        return {"images": self.images.status(), "tts": self.speech.status()}

    def narration_state(self) -> dict[str, Any]:
        """story:state's narration: the lines sent so far for the chapter on screen (a reload resumes them)."""
        return {"lines": list(self._said)}

    async def shutdown(self) -> None:
        """Cancel every media task."""
        await self._tasks.close()
