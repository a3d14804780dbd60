"""The streamer's editing tools: regenerate a chapter, rewrite a passage, a director's note, edit a choice.

Every change keeps the chapter as it was in story_chapter_revisions first.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from plugin import events
from plugin.errors import BadRequest, Conflict, NotFound
from plugin.store.records import ChapterRecord
from plugin.story.live import LiveChapter
from plugin.story.parse import clean_choice

if TYPE_CHECKING:
    from plugin.coordinator import Coordinator

MAX_NOTE_CHARS = 500


class EditorTools:
    """Acts on the current session through the coordinator's loop controls."""

    def __init__(self, coordinator: Coordinator) -> None:
        self.story = coordinator

    async def _chapter(self, number: int | None) -> ChapterRecord:
        """A chapter of the current session (default: the newest one)."""
        session = self.story.session
        if session is None:
            raise Conflict("no story has been started", code="no_story")
        chapter = (await self.story.stories.get_chapter(session.id, number) if number
                   else await self.story.stories.last_chapter(session.id))
        if chapter is None:
            raise NotFound(f"chapter {number or ''} does not exist yet".replace("  ", " "))
        return chapter

    async def regenerate(self, instruction: str | None = None) -> dict[str, Any]:
        """Write the current chapter again (any vote in progress is reset); an instruction steers it."""
        story = self.story
        async with story.command_lock:
            session = story.require_running()
            if story.state in ("outlining",):
                raise Conflict("the story is still being planned", code="busy")
            await story.pause_loop()
            story.prefetcher.abandon()
            if instruction:
                await story.edits.add_note(session.id, instruction)
            writing = story.live is not None and story.live.streaming
            if not writing:
                chapter = await self._chapter(None)
                await story.desk.discard()
                await story.edits.archive(chapter, "regenerate", instruction)
                await story.edits.discard_chapter(session.id, chapter.number)
            number = story.live.number if story.live else 1
            story.live = None
            story.resume_loop()
            return {"chapterNumber": number, "regenerating": True}

    async def rewrite(self, passage: str, instruction: str, number: int | None = None) -> dict[str, Any]:
        """Rewrite one passage of a chapter as asked; the rest of the chapter stays as it is."""
        story = self.story
        chapter = await self._chapter(number)
        if story.live is not None and story.live.streaming and story.live.number == chapter.number:
            raise Conflict("this chapter is still being written", code="busy")
        if passage not in chapter.content:
            raise BadRequest("the passage was not found in the chapter (select text from the chapter itself)",
                             field="passage")
        session = story.session
        assert session is not None
        new_text = await story.engine.rewrite_passage(session, chapter, passage, instruction)
        await story.edits.archive(chapter, "rewrite", instruction)
        content = chapter.content.replace(passage, new_text, 1)
        await story.edits.replace_content(session.id, chapter.number, content)
        updated = replace(chapter, content=content)
        await self._show(updated)
        story.keeper.after_chapter(session, updated)
        return {"chapterNumber": chapter.number, "passage": new_text, "content": content}

    async def add_note(self, note: str) -> dict[str, Any]:
        """A director's note: the next chapter written follows it."""
        session = self.story.require_running()
        note = note.strip()[:MAX_NOTE_CHARS]
        if not note:
            raise BadRequest("the note is empty", field="note")
        await self.story.edits.add_note(session.id, note)
        self.story.prefetcher.invalidate()  # chapters written ahead did not hear this note
        pending = await self.story.edits.pending_notes(session.id)
        await self.story.emit_admin(events.NOTES_UPDATED, {"sessionId": session.id, "pending": pending})
        return {"pending": pending}

    async def edit_choice(self, index: int, text: str, number: int | None = None) -> dict[str, Any]:
        """Change a choice's text while its vote is open (ballots for it stay with it)."""
        story = self.story
        story.require_running()
        chapter = await self._chapter(number)
        if chapter.is_final or not 0 <= index < len(chapter.choices):
            raise BadRequest(f"choice index must be 0..{len(chapter.choices) - 1}", field="index")
        vote = await story.votes.get_round(chapter.session_id, chapter.number)
        if vote is not None and not vote.is_open:
            raise Conflict("the vote on this chapter is over; its choices can no longer change", code="vote_closed")
        cleaned = clean_choice(text)
        others = [c.casefold() for i, c in enumerate(chapter.choices) if i != index]
        if not cleaned or cleaned.casefold() in others:
            raise BadRequest("a choice must be non-empty and different from the others", field="text")
        await story.edits.archive(chapter, "choice-edit", f"{chr(65 + index)}: {cleaned}")
        choices = [cleaned if i == index else c for i, c in enumerate(chapter.choices)]
        await story.edits.replace_choices(chapter.session_id, chapter.number, choices)
        story.prefetcher.invalidate()
        await self._show(replace(chapter, choices=tuple(choices)))
        current = story.desk.current
        if current is not None and current.record.chapter_number == chapter.number:
            current.record = replace(current.record, choices=tuple(choices))
            await story.voter.announce(current)
        return {"chapterNumber": chapter.number, "choices": choices}

    async def regenerate_image(self, prompt: str | None = None, number: int | None = None) -> dict[str, Any]:
        """Make a chapter's picture again (from a custom prompt if given); it arrives as story:image-updated."""
        story = self.story
        if story.media is None:
            raise Conflict("pictures are not available", code="no_media")
        chapter = await self._chapter(number)
        session = story.session
        assert session is not None
        memory = await story.keeper.memory_for(session, [chapter])
        story.media.regenerate_picture(session, chapter, memory, prompt)
        return {"chapterNumber": chapter.number, "pending": True}

    async def _show(self, chapter: ChapterRecord) -> None:
        """Update what overlays show for a changed chapter."""
        story = self.story
        if story.live is not None and story.live.number == chapter.number:
            story.live = LiveChapter.from_record(chapter)
        await story.emit(events.CHAPTER_UPDATED, chapter.public())
        await story.emit_state()
