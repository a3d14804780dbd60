"""Viewers' ideas in the show: an approved idea becomes a director's note (ideas.mode note) or one of the next
vote's choices (ballot), and the chapter that used it credits its proposers on screen (story:idea-credit)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from plugin import events
from plugin.chat.ideas import IdeaBox
from plugin.errors import Conflict
from plugin.settings.schema import Settings
from plugin.show.prefetch import BranchPrefetcher
from plugin.store.edits import EditRepo
from plugin.store.records import SessionRecord
from plugin.story.gate import audience_choices


class AudienceIdeas:
    """The streamer's decisions on ideas and what the story loop does with approved ones."""

    def __init__(self, box: IdeaBox, edits: EditRepo, prefetcher: BranchPrefetcher, emit: events.Emit,
                 settings: Callable[[], Settings]) -> None:
        self.box, self.edits, self.prefetcher, self.emit, self.settings = box, edits, prefetcher, emit, settings

    async def approve(self, idea_id: int, session: SessionRecord | None) -> dict[str, Any]:
        """Approve a waiting idea; in note mode it becomes a director's note for the next chapter at once."""
        note = self.settings().ideas.mode == "note"
        idea = self.box.pending(idea_id)
        if note and session is None:
            raise Conflict("no story is running: in note mode an idea becomes a note for the running story",
                           code="no_story")
        if note and session is not None:
            note_id = await self.edits.add_note(session.id, idea.text)
            self.box.decide(idea_id, "approved")
            self.box.became_note(idea, note_id, session.id)
            self.prefetcher.invalidate()  # chapters written ahead did not hear this note
            await self.emit(events.NotesUpdated(session.id, await self.edits.pending_notes(session.id)))
        else:
            self.box.decide(idea_id, "approved")
        return {"idea": idea.view(), "note": note}

    async def reject(self, idea_id: int) -> dict[str, Any]:
        """Reject a waiting idea (near-duplicates of it are turned away from now on)."""
        return {"idea": self.box.decide(idea_id, "rejected").view()}

    def choices(self, session: SessionRecord, number: int, written: Sequence[str]) -> list[str]:
        """Ballot mode: a chapter's choices with the top approved ideas first (a chapter written again keeps the
        ideas it had); otherwise the writer's own."""
        rules = self.settings().ideas
        placed = self.box.on_ballot(session.id, number)
        if rules.mode != "ballot" and not placed:
            return list(written)
        ideas = placed or self.box.top_approved(session.id)
        if not ideas:
            return list(written)
        made = audience_choices([idea.text for idea in ideas], written, max(session.num_choices, len(written)),
                                len(placed) or rules.ballot_slots)
        for index, (_, source) in enumerate(made):
            if source is not None:
                self.box.put_on_ballot(ideas[source], session.id, number, index)
        return [choice for choice, _ in made]

    async def credit(self, session_id: int, number: int, note_ids: Sequence[int]) -> None:
        """A chapter is shown: the ideas behind its notes are used, and every idea it used is credited."""
        if note_ids:
            self.box.used_as_notes(note_ids, session_id, number)
        credits = self.box.credits(session_id, number)
        if credits:
            await self.emit(events.IdeasCredited(session_id, number, credits))

    def on_screen(self, session_id: int, number: int) -> dict[str, Any] | None:
        """story:state.ideaCredits: the credits of the chapter on screen, or None."""
        credits = self.box.credits(session_id, number)
        return events.IdeasCredited(session_id, number, credits).wire() if credits else None
