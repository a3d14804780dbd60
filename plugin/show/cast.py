"""Viewers who joined the story, in the show: one newcomer a chapter is brought in by a director's note (the
writer is asked to have their character appear); the chapter that names them credits them on screen, and the end
card lists the cast. A writer that leaves a newcomer out is asked once more in the next chapter."""

from __future__ import annotations

import re
from collections.abc import Sequence

from plugin import events
from plugin.chat.join import JoinDesk
from plugin.show.prefetch import BranchPrefetcher
from plugin.store.cast import CastRow
from plugin.store.edits import EditRepo
from plugin.story.prompts import PromptBook

MAX_TRIES = 2  # chapters asked to bring a newcomer in before the story goes on without their entrance


def named_in(name: str, text: str) -> bool:
    """Does the chapter name the character (any case, as a whole name)?"""
    return re.search(rf"(?<!\w){re.escape(name)}(?!\w)", text, re.IGNORECASE) is not None


class AudienceCast:
    """Brings the cast into the story and credits them."""

    def __init__(self, desk: JoinDesk, edits: EditRepo, prefetcher: BranchPrefetcher, prompts: PromptBook,
                 emit: events.Emit) -> None:
        self.desk, self.edits, self.prefetcher, self.prompts, self.emit = desk, edits, prefetcher, prompts, emit

    async def bring_in(self, session_id: int) -> None:
        """Ask the writer to bring in the next newcomer, unless one is already on their way (one a chapter)."""
        cast = self.desk.cast()
        if any(m.note_id is not None and m.featured_in is None for m in cast):
            return
        newcomer = next((m for m in cast if m.featured_in is None and m.note_id is None and m.tries < MAX_TRIES),
                        None)
        if newcomer is not None:
            await self._ask_writer(session_id, newcomer)

    async def _ask_writer(self, session_id: int, member: CastRow) -> None:
        """A director's note asking for the newcomer's entrance (chapters written ahead did not hear it)."""
        note = self.prompts.render("join_note", newcomer=member.name, turn=member.id + member.tries).strip()
        note_id = await self.edits.add_note(session_id, note)
        await self.desk.change(member, note_id=note_id, tries=member.tries + 1)
        self.prefetcher.invalidate()
        await self.emit(events.NotesUpdated(session_id, await self.edits.pending_notes(session_id)))

    async def after_chapter(self, session_id: int, number: int, content: str, note_ids: Sequence[int]) -> None:
        """A chapter is shown: a newcomer it names is in (credited); one it was asked for and left out is asked
        for again (or, after MAX_TRIES, the story goes on); then the next newcomer is brought in."""
        used, changed = set(note_ids), False
        for member in self.desk.cast():
            if member.featured_in is not None or member.note_id not in used:
                continue
            if named_in(member.name, content):
                await self.desk.change(member, featured_in=number)
            else:
                await self.desk.change(member, note_id=None)
            changed = True
        await self.bring_in(session_id)
        if changed:
            await self.desk.announce()

    async def recap(self, session_id: int) -> list[dict[str, str]]:
        """The end card's cast: each character's name and the viewer's @name, in the order they joined."""
        return [{"name": m.name, "handle": m.handle} for m in await self.desk.saved_cast(session_id)]

    def on_screen(self) -> dict[str, object] | None:
        """story:state.cast: who is in the story (what overlays may see), or None before anyone asked."""
        update = self.desk.update_event()
        return update.public() if update is not None else None
