"""The streamer's editing tools: regenerate a chapter, rewrite a passage, a director's note, edit a choice.

Every change keeps the chapter as it was in story_chapter_revisions first.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from plugin import events
from plugin.brief import choice_label
from plugin.errors import BadRequest, Conflict, NotFound
from plugin.show.coordinator import Coordinator
from plugin.store.records import ChapterRecord
from plugin.story.parse import clean_choice

MAX_NOTE_CHARS = 500


class EditorTools:
    """Acts on the current session through the coordinator's public controls."""

    def __init__(self, coordinator: Coordinator) -> None:
        self.story = coordinator
        self.parts = coordinator.parts

    async def _chapter(self, number: int | None) -> ChapterRecord:
        """A chapter of the current session (default: the newest one)."""
        session = self.story.session
        if session is None:
            raise Conflict("no story has been started", code="no_story")
        stories = self.parts.stories
        chapter = await stories.get_chapter(session.id, number) if number else await stories.last_chapter(session.id)
        if chapter is None:
            raise NotFound(f"chapter {number or ''} does not exist yet".replace("  ", " "))
        return chapter

    async def regenerate(self, instruction: str | None = None) -> dict[str, Any]:
        """Write the current chapter again (any vote in progress is reset); an instruction steers it."""
        story, parts = self.story, self.parts
        if story.state == "outlining":
            raise Conflict("the story is still being planned", code="busy")
        async with story.paused() as session:
            parts.prefetcher.abandon()
            if instruction:
                await parts.edits.add_note(session.id, instruction)
            live = story.live
            if live is None or not live.streaming:
                chapter = await self._chapter(None)
                await parts.desk.discard()
                await parts.edits.archive(chapter, "regenerate", instruction)
                await parts.edits.discard_chapter(session.id, chapter.number)
            number = live.number if live else 1
            story.clear_live()
            return {"chapterNumber": number, "regenerating": True}

    async def rewrite(self, passage: str, instruction: str, number: int | None = None) -> dict[str, Any]:
        """Rewrite one passage of a chapter as asked; the rest of the chapter stays as it is."""
        story, parts = self.story, self.parts
        chapter = await self._chapter(number)
        live = story.live
        if live is not None and live.streaming and live.number == chapter.number:
            raise Conflict("this chapter is still being written", code="busy")
        if passage not in chapter.content:
            raise BadRequest("the passage was not found in the chapter (select text from the chapter itself)",
                             field="passage")
        session = story.session
        assert session is not None
        new_text = await parts.engine.rewrite_passage(session, chapter, passage, instruction)
        await parts.edits.archive(chapter, "rewrite", instruction)
        content = chapter.content.replace(passage, new_text, 1)
        await parts.edits.replace_content(session.id, chapter.number, content)
        updated = replace(chapter, content=content)
        await story.show_chapter(updated)
        parts.keeper.after_chapter(session, updated)
        return {"chapterNumber": chapter.number, "passage": new_text, "content": content}

    async def add_note(self, note: str) -> dict[str, Any]:
        """A director's note: the next chapter written follows it."""
        session, parts = self.story.require_running(), self.parts
        note = note.strip()[:MAX_NOTE_CHARS]
        if not note:
            raise BadRequest("the note is empty", field="note")
        await parts.edits.add_note(session.id, note)
        parts.prefetcher.invalidate()  # chapters written ahead did not hear this note
        pending = await parts.edits.pending_notes(session.id)
        await parts.emit(events.NotesUpdated(session.id, pending))
        return {"pending": pending}

    async def edit_choice(self, index: int, text: str, number: int | None = None) -> dict[str, Any]:
        """Change a choice's text while its vote is open (ballots for it stay with it)."""
        story, parts = self.story, self.parts
        story.require_running()
        chapter = await self._chapter(number)
        if chapter.is_final or not 0 <= index < len(chapter.choices):
            raise BadRequest(f"choice index must be 0..{len(chapter.choices) - 1}", field="index")
        vote = await parts.votes.get_round(chapter.session_id, chapter.number)
        if vote is not None and not vote.is_open:
            raise Conflict("the vote on this chapter is over; its choices can no longer change", code="vote_closed")
        cleaned = clean_choice(text)
        others = [c.casefold() for i, c in enumerate(chapter.choices) if i != index]
        if not cleaned or cleaned.casefold() in others:
            raise BadRequest("a choice must be non-empty and different from the others", field="text")
        await parts.edits.archive(chapter, "choice-edit", f"{choice_label(index)}: {cleaned}")
        choices = [cleaned if i == index else c for i, c in enumerate(chapter.choices)]
        await parts.edits.replace_choices(chapter.session_id, chapter.number, choices)
        parts.prefetcher.invalidate()
        await story.show_chapter(replace(chapter, choices=tuple(choices)))
        current = parts.desk.current
        if current is not None and current.record.chapter_number == chapter.number:
            current.record = replace(current.record, choices=tuple(choices))
            await parts.voter.announce(current)
        return {"chapterNumber": chapter.number, "choices": choices}

    async def regenerate_image(self, prompt: str | None = None, number: int | None = None) -> dict[str, Any]:
        """Make a chapter's picture again (from a custom prompt if given); it arrives as story:image-updated."""
        story, parts = self.story, self.parts
        if parts.media is None:
            raise Conflict("pictures are not available", code="no_media")
        chapter = await self._chapter(number)
        session = story.session
        assert session is not None
        memory = await parts.keeper.memory_for(session, [chapter])
        parts.media.regenerate_picture(session, chapter, memory, prompt)
        return {"chapterNumber": chapter.number, "pending": True}
