"""The writer's room: prepare a story before going live (premise -> outline -> opening), and the writers' chat."""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from plugin.errors import BadRequest, Conflict, NotFound
from plugin.settings.schema import StorySettings
from plugin.store.records import SessionRecord
from plugin.store.repo import StoryRepo
from plugin.store.room import RoomRepo
from plugin.story.drafts import ChapterDraft, ChapterSink, NullSink, PreparedStory
from plugin.story.engine import StoryEngine
from plugin.story.keeper import MemoryKeeper
from plugin.story.requests import Facts, resolve_style
from plugin.themes import CUSTOM_THEME_ID

PHASES = ("setup", "premise", "outline", "opening", "live")


def draft_session(draft: dict[str, Any], provider: str = "", model: str = "") -> SessionRecord:
    """A prepared story seen as a session, so every writing step works on it unchanged."""
    now = time.time()
    outline = "\n\n".join(filter(None, [draft.get("premise"), draft.get("outline")])) or None
    return SessionRecord(
        id=0, theme=draft["theme"], custom_theme=draft["customTheme"], title=draft["title"], outline=outline,
        language=draft["language"], mode="manual", max_chapters=draft["maxChapters"],
        num_choices=draft["numChoices"], provider=provider, model=model, seed=draft["seed"], state="draft",
        end_requested=False, error=None, created_at=now, updated_at=now, ended_at=None,
        style_json=json.dumps(draft["style"]),
    )


@dataclass(frozen=True, slots=True)
class Launch:
    """What the show needs to start a prepared story live."""

    theme: str
    outline: str | None
    custom_theme: str | None
    style: dict[str, str]
    prepared: PreparedStory


class WritersRoom:
    """Prepared stories and the writers' chat; the show takes a prepared story live (see `launch`)."""

    def __init__(self, engine: StoryEngine, room: RoomRepo, stories: StoryRepo, keeper: MemoryKeeper,
                 story_settings: Callable[[], StorySettings]) -> None:
        self.engine, self.room, self.stories, self.keeper = engine, room, stories, keeper
        self.story_settings = story_settings

    async def create(self, theme: str, custom_theme: str | None, wishes: str | None,
                     style: dict[str, str]) -> dict[str, Any]:
        """A new prepared story in its setup phase (the live settings give its length and language)."""
        if theme != CUSTOM_THEME_ID and self.engine.themes.get(theme) is None:
            raise BadRequest(f"unknown theme '{theme}'", field="theme")
        if theme == CUSTOM_THEME_ID and not (custom_theme or "").strip():
            raise BadRequest("a custom theme needs a description", field="customTheme")
        story = self.story_settings()
        chosen = resolve_style(story, self.engine.themes.get(theme) or self.engine.themes.custom(custom_theme or ""),
                               style)
        return await self.room.create_draft(
            theme=theme, custom_theme=(custom_theme or "").strip() or None, wishes=(wishes or "").strip() or None,
            style=chosen, language=story.language, max_chapters=story.max_chapters, num_choices=story.num_choices,
            seed=random.randrange(1, 2**31))

    async def get(self, draft_id: int) -> dict[str, Any]:
        """A prepared story, or 404."""
        draft = await self.room.draft(draft_id)
        if draft is None:
            raise NotFound(f"no prepared story {draft_id}")
        return draft

    async def premise(self, draft_id: int, sink: ChapterSink | None = None) -> dict[str, Any]:
        """Write (or rewrite) the premise."""
        draft = await self._editable(draft_id)
        facts = Facts(draft_session({**draft, "premise": None, "outline": None}), direction=draft["wishes"])
        title, premise = await self.engine.plan("premise", facts, sink)
        return await self._save(draft_id, title=title or draft["title"], premise=premise, phase="premise")

    async def outline(self, draft_id: int, sink: ChapterSink | None = None) -> dict[str, Any]:
        """Write (or rewrite) the outline from the premise."""
        draft = await self._editable(draft_id)
        facts = Facts(draft_session({**draft, "outline": None}), direction=draft["wishes"], premise=draft["premise"])
        title, outline = await self.engine.plan("outline", facts, sink)
        return await self._save(draft_id, title=draft["title"] or title, outline=outline, phase="outline")

    async def opening(self, draft_id: int, sink: ChapterSink | None = None) -> dict[str, Any]:
        """Write (or rewrite) chapter 1 from the outline."""
        draft = await self._editable(draft_id)
        final = draft["maxChapters"] <= 1
        chapter = await self.engine.write_chapter(draft_session(draft), [], 1, None, final, sink or NullSink(),
                                                  direction=draft["wishes"])
        opening = {"title": chapter.title, "content": chapter.content, "choices": chapter.choices,
                   "model": chapter.model}
        return await self._save(draft_id, opening_json=json.dumps(opening), phase="opening")

    async def edit(self, draft_id: int, changes: dict[str, Any]) -> dict[str, Any]:
        """The streamer's own edits to any step (already validated by the route)."""
        draft = await self._editable(draft_id)
        fields: dict[str, Any] = {k: changes[k] for k in ("title", "premise", "outline", "wishes") if k in changes}
        if "opening" in changes:
            opening = changes["opening"]
            if opening is not None and len(opening.get("choices") or []) not in (0, draft["numChoices"]):
                raise BadRequest(f"the opening needs {draft['numChoices']} choices", field="opening.choices")
            fields["opening_json"] = json.dumps(opening) if opening else None
        if "style" in changes:
            fields["style_json"] = json.dumps({**draft["style"], **changes["style"]})
        return await self._save(draft_id, **fields)

    async def launch(self, draft_id: int) -> Launch:
        """Everything needed to start a prepared story live (its opening, if written, is shown at once)."""
        draft = await self._editable(draft_id)
        opening = None
        if draft["opening"]:
            data = draft["opening"]
            opening = ChapterDraft(title=data["title"], content=data["content"], choices=list(data["choices"]),
                                   is_final=draft["maxChapters"] <= 1, model=data.get("model", ""))
        outline = "\n\n".join(filter(None, [draft["premise"], draft["outline"]])) or None
        prepared = PreparedStory(seed=draft["seed"], title=draft["title"], language=draft["language"],
                                 max_chapters=draft["maxChapters"], num_choices=draft["numChoices"], opening=opening)
        return Launch(draft["theme"], outline, draft["customTheme"], draft["style"], prepared)

    async def launched(self, draft_id: int, session_id: int) -> None:
        """The prepared story is live now."""
        await self.room.update_draft(draft_id, phase="live", session_id=session_id)

    async def _editable(self, draft_id: int) -> dict[str, Any]:
        """A draft that has not gone live yet."""
        draft = await self.get(draft_id)
        if draft["phase"] == "live":
            raise Conflict("this story has already gone live", code="draft_live")
        return draft

    async def _save(self, draft_id: int, **fields: Any) -> dict[str, Any]:
        """Store changes; the phase only moves forward."""
        if "phase" in fields:
            current = (await self.get(draft_id))["phase"]
            if PHASES.index(fields["phase"]) < PHASES.index(current):
                fields.pop("phase")
        draft = await self.room.update_draft(draft_id, **fields)
        assert draft is not None
        return draft

    async def chat(self, message: str, session_id: int | None, sink: ChapterSink | None = None) -> dict[str, Any]:
        """Talk with the writer about the story (kept apart from the story text, and saved)."""
        session = await self.stories.get_session(session_id) if session_id else None
        if session_id and session is None:
            raise NotFound(f"no session {session_id}")
        history = await self.room.chat(session_id, limit=20)
        chapters = await self.stories.chapters(session.id) if session else []
        memory = await self.keeper.memory_for(session, chapters) if session else None
        context = session or draft_session({"theme": "adventure", "customTheme": None, "title": "", "premise": None,
                                            "outline": None, "language": self.story_settings().language,
                                            "maxChapters": 5, "numChoices": 3, "seed": 1, "style": {}})
        reply, result = await self.engine.converse(Facts(context, chapters, memory=memory, question=message), history,
                                                   sink)
        answer = reply.strip() or "…"
        await self.room.add_chat(session_id, "user", message)
        await self.room.add_chat(session_id, "assistant", answer, result.model)
        return {"reply": answer, "model": result.model, "history": await self.room.chat(session_id)}
