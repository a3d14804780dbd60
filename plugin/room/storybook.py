"""The storybook: a finished (or running) session as Markdown, self-contained HTML, or JSON."""

from __future__ import annotations

import base64
import datetime
import json
import re
from pathlib import Path
from typing import Any, Literal

import jinja2

from plugin.brief import choice_label
from plugin.chat.ideas import MAX_BY, IdeaBox
from plugin.errors import NotFound
from plugin.media.filecache import CONTENT_TYPES, FileCache
from plugin.paths import SETTINGS_DIR
from plugin.store.edits import EditRepo
from plugin.store.repo import StoryRepo
from plugin.store.votes import VoteRepo
from plugin.themes import ThemeBook

Format = Literal["md", "html", "json"]
MEDIA_TYPES = {"md": "text/markdown; charset=utf-8", "html": "text/html; charset=utf-8",
               "json": "application/json; charset=utf-8"}


def _paragraphs(text: str) -> list[str]:
    """Prose split into paragraphs."""
    return [p.strip() for p in re.split(r"\n\s*\n|\n", text or "") if p.strip()]


def slug(text: str) -> str:
    """A safe file-name part."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:48] or "story"


class Storybook:
    """Gathers everything a session produced and renders it."""

    def __init__(self, stories: StoryRepo, votes: VoteRepo, edits: EditRepo, themes: ThemeBook, images: FileCache,
                 folder: Path = SETTINGS_DIR / "export", ideas: IdeaBox | None = None) -> None:
        self.stories, self.votes, self.edits, self.themes, self.images = stories, votes, edits, themes, images
        self.ideas = ideas
        loader = jinja2.FileSystemLoader(folder)
        # HTML is autoescaped: every model- and viewer-supplied string lands as text
        self.html = jinja2.Environment(loader=loader, autoescape=True, undefined=jinja2.StrictUndefined)
        self.text = jinja2.Environment(loader=loader, autoescape=False, undefined=jinja2.StrictUndefined,
                                       trim_blocks=True, lstrip_blocks=True)

    async def gather(self, session_id: int, embed_images: bool) -> dict[str, Any]:
        """The book's content: chapters, pictures, each vote, roads not taken, top voters."""
        session = await self.stories.get_session(session_id)
        if session is None:
            raise NotFound(f"no session {session_id}")
        theme = self.themes.get(session.theme)
        results = await self.votes.results(session_id)
        roads = await self.edits.branches(session_id)
        chapters = []
        stored = await self.stories.chapters(session_id)
        for chapter in stored:
            counts = results.get(chapter.number, [])
            total = sum(c["votes"] for c in counts) or 0
            votes = [{"letter": choice_label(c["index"]), "text": c["text"], "votes": c["votes"],
                      "percent": round(c["votes"] * 100 / total) if total else 0,
                      "won": c["index"] == chapter.chosen_index} for c in counts]
            chapters.append({
                "number": chapter.number, "title": chapter.title, "paragraphs": _paragraphs(chapter.content),
                "content": chapter.content, "choices": list(chapter.choices), "chosen_index": chapter.chosen_index,
                "is_final": chapter.is_final, "votes": votes, "image_url": chapter.image_url,
                "image_data": self._embedded(chapter.image_file) if embed_images else None,
                "roads": [{**r, "paragraphs": _paragraphs(r["content"])} for r in roads
                          if r["chapterNumber"] == chapter.number + 1],
            })
        return {
            "id": session.id, "title": session.title or (theme.name if theme else "Story"),
            "theme": theme.name if theme else (session.custom_theme or session.theme),
            "accent": theme.palette[1] if theme else "#b5651d", "language": session.language,
            "date": datetime.datetime.fromtimestamp(session.created_at).strftime("%Y-%m-%d"),
            "total_votes": sum(c["votes"] for chapter in results.values() for c in chapter),
            "chapters": chapters, "top_voters": await self.votes.top_voters(session_id, limit=10),
            "ideas": await self._ideas(session_id, {c.number: c.chosen_index for c in stored}),
        }

    async def _ideas(self, session_id: int, chosen: dict[int, int | None]) -> dict[str, Any]:
        """Ideas from the audience: the approved ones with who proposed them and what became of them, and how many
        were proposed and turned down (their text stays out of the book)."""
        saved = await self.ideas.saved(session_id) if self.ideas is not None else []
        kept = [{"text": idea.text, "by": [a.nickname for a in authors[:MAX_BY]], "proposers": idea.proposers,
                 "used_as": idea.used_as, "chapter": idea.used_in_chapter,
                 "letter": choice_label(idea.choice_index) if idea.choice_index is not None else None,
                 "won": idea.used_as == "choice" and chosen.get(idea.used_in_chapter or 0) == idea.choice_index}
                for idea, authors in saved if idea.status in ("approved", "used")]
        return {"list": kept, "proposed": len(saved),
                "rejected": sum(1 for idea, _ in saved if idea.status == "rejected")}

    def _embedded(self, name: str | None) -> str | None:
        """A cached picture as a data: URI, so the HTML file stands alone."""
        path = self.images.path(name) if name else None
        if path is None:
            return None
        kind = CONTENT_TYPES[path.suffix.lstrip(".")]
        return f"data:{kind};base64,{base64.b64encode(path.read_bytes()).decode()}"

    async def render(self, session_id: int, fmt: Format) -> tuple[bytes, str, str]:
        """(body, media type, file name) of the storybook in a format."""
        book = await self.gather(session_id, embed_images=fmt == "html")
        name = f"storybook-{book['id']}-{slug(book['title'])}.{fmt}"
        if fmt == "json":
            for chapter in book["chapters"]:
                chapter.pop("image_data", None)
                chapter.pop("paragraphs", None)
                for road in chapter["roads"]:
                    road.pop("paragraphs", None)
            body = json.dumps(book, ensure_ascii=False, indent=2)
        elif fmt == "html":
            body = self.html.get_template("storybook.html.j2").render(book=book)
        else:
            body = self.text.get_template("storybook.md.j2").render(book=book).strip() + "\n"
        return body.encode("utf-8"), MEDIA_TYPES[fmt], name
