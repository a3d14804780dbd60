"""Viewers' ideas (`!idea <text>`): taken from chat at any time, cleaned and checked, one per viewer per
`ideas.per_viewer_s`, near-duplicates merged (every proposer kept), held for the streamer to approve or reject.

Counted in memory on the chat hot path (no awaits); saved to SQLite in batches by one task, which also tells
admin panels what changed (story:ideas-updated, coalesced). Ideas belong to the running story, or to none
when proposed between stories (the next story may use them).
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

from plugin import events
from plugin.chat.ideafilter import (
    CONTAINED,
    Blocklist,
    clean_idea,
    command_pattern,
    idea_words,
    refusal,
    same_idea,
)
from plugin.clock import Clock
from plugin.errors import Conflict, NotFound
from plugin.messages import ChatMessage
from plugin.settings.ideas import IdeaSettings
from plugin.store.ideas import AuthorRow, IdeaRepo, IdeaRow
from plugin.tasks import Tasks

log = logging.getLogger(__name__)
ANNOUNCE_INTERVAL_S = 0.2  # admin panels hear about new ideas at most ~5 times a second
RETRY_S = 1.0  # after a failed write (database locked or full), try again this much later
MAX_BY = 5  # proposers named in a credit
RATE_MEMORY = 50_000  # viewers remembered for the rate limit before the stale ones are forgotten
COMPARED = 48  # the most ideas one new idea is compared with (the oldest): a flood costs a bounded amount
STATUS_ORDER = {"pending": 0, "approved": 1, "used": 2, "rejected": 3}
Decision = Literal["approved", "rejected"]


@dataclass(slots=True)
class Idea:
    """One idea (near-duplicates merged into it) and what became of it."""

    id: int
    session_id: int | None
    text: str
    words: frozenset[str]
    created_at: float
    status: str = "pending"  # pending | approved | rejected | used
    authors: list[AuthorRow] = field(default_factory=list)
    decided_at: float | None = None
    note_id: int | None = None
    used_as: str | None = None  # note | choice
    used_in_chapter: int | None = None
    choice_index: int | None = None

    @classmethod
    def from_row(cls, row: IdeaRow) -> Idea:
        """An idea loaded from SQLite (its proposers are added after)."""
        return cls(row.id, row.session_id, row.text, idea_words(row.text), row.created_at, row.status,
                   [], row.decided_at, row.note_id, row.used_as, row.used_in_chapter, row.choice_index)

    def row(self) -> IdeaRow:
        """The idea as stored."""
        return IdeaRow(self.id, self.session_id, self.text, self.status, len(self.authors), self.created_at,
                       self.decided_at, self.note_id, self.used_as, self.used_in_chapter, self.choice_index)

    def view(self) -> dict[str, Any]:
        """As GET ideas and story:ideas-updated show it."""
        return {"id": self.id, "sessionId": self.session_id, "text": self.text, "status": self.status,
                "proposers": len(self.authors), "by": [a.nickname for a in self.authors[:MAX_BY]],
                "handles": [a.handle for a in self.authors[:MAX_BY]], "createdAt": self.created_at,
                "decidedAt": self.decided_at, "usedAs": self.used_as, "usedInChapter": self.used_in_chapter,
                "choiceIndex": self.choice_index, "noteId": self.note_id}

    def credit(self) -> events.IdeaCredit:
        """As the overlay credits it."""
        first = self.authors[:MAX_BY]
        return events.IdeaCredit(self.id, self.text, [a.nickname for a in first], [a.handle for a in first],
                                 len(self.authors), self.used_as or "", self.choice_index)


class IdeaBox:
    """Collects, filters and keeps viewers' ideas; the streamer's decisions and the show's uses go through it."""

    def __init__(self, repo: IdeaRepo, emit: events.Emit, clock: Clock, settings: Callable[[], IdeaSettings],
                 session: Callable[[], int | None], blocklist: Blocklist) -> None:
        self.repo, self.emit, self.clock, self.settings = repo, emit, clock, settings
        self.session, self.blocklist = session, blocklist
        self.ideas: dict[int, Idea] = {}
        self.stats: Counter[str] = Counter()  # received, new, merged, rate-limited, too short, blocked ...
        self._scope: int | None = None  # the story ideas now belong to (None: between stories)
        self._index: dict[str, set[int]] = {}  # word -> ideas in scope using it (finds near-duplicates fast)
        self._exact: dict[frozenset[str], int] = {}  # the same words -> the (first) idea saying them
        self._waiting = 0  # pending ideas in scope
        self._last: dict[tuple[str, str], float] = {}  # viewer -> when their last idea came
        self._next_id = 1
        self._dirty: set[int] = set()  # ideas to write
        self._new_authors: list[AuthorRow] = []
        self._changed: set[int] = set()  # ideas to announce
        self._wake = asyncio.Event()
        self._lock = asyncio.Lock()
        self._tasks = Tasks()

    # ----- lifecycle ---------------------------------------------------------------------------

    async def start(self, session_id: int | None) -> None:
        """Load the ideas of the story being resumed (and those between stories), then start saving."""
        rows, authors = await self.repo.load(session_id)
        self.ideas = {row.id: Idea.from_row(row) for row in rows}
        for author in authors:
            if author.idea_id in self.ideas:
                self.ideas[author.idea_id].authors.append(author)
        self._next_id = await self.repo.next_id()
        self._scope = session_id
        self._reindex()
        self._tasks.spawn(self._save_loop(), "ideas-save")

    async def stop(self) -> None:
        """Stop the saver and write what is left (a graceful shutdown loses nothing)."""
        await self._tasks.close()
        await self.flush()

    # ----- chat (the hot path: no awaits) --------------------------------------------------------

    def offer(self, message: ChatMessage) -> bool:
        """Take an `!idea` line (True: it was one, whatever became of it); anything else is not ours."""
        rules = self.settings()
        if rules.mode == "off":
            return False
        found = command_pattern(rules.command).match(message.text)
        if found is None:
            return False
        self.stats["received"] += 1
        now, viewer = self.clock.now(), (message.platform, message.user_id)
        if rules.per_viewer_s > 0:
            last = self._last.get(viewer)
            if last is not None and now - last < rules.per_viewer_s:
                self.stats["rate-limited"] += 1
                return True
            self._remember(viewer, now, rules.per_viewer_s)
        text = clean_idea(found.group(1) or "")
        why = refusal(text, rules.min_chars, rules.max_chars) or ("blocked" if self.blocklist.blocked(text) else None)
        if why is not None:
            self.stats[why] += 1
            return True
        scope = self._rescope()
        words = idea_words(text)
        same = self._similar(words)
        if same is not None:
            self._merge(same, message, text, now)
        elif self.pending_count() >= rules.max_pending:
            self.stats["full"] += 1
        else:
            idea = Idea(self._next_id, scope, text, words, now)
            self._next_id += 1
            self.ideas[idea.id] = idea
            self._waiting += 1
            self._exact.setdefault(words, idea.id)
            for word in words:
                self._index.setdefault(word, set()).add(idea.id)
            self._add_author(idea, message, text, now)
            self.stats["new"] += 1
        return True

    def _remember(self, viewer: tuple[str, str], now: float, window: float) -> None:
        """Note a viewer's idea for the rate limit (forgetting viewers whose window has passed, now and then)."""
        if len(self._last) >= RATE_MEMORY:
            self._last = {key: at for key, at in self._last.items() if now - at < window}
        self._last[viewer] = now

    def _similar(self, words: frozenset[str]) -> Idea | None:
        """An idea in scope saying the same, if any: one with the same words, else a near-duplicate. That shares
        at least CONTAINED of these words, so it holds one of the (len - shared + 1) rarest: only ideas holding
        those are compared, the oldest first, at most COMPARED of them."""
        exact = self._exact.get(words)
        if exact is not None and exact in self.ideas:
            return self.ideas[exact]
        need = max(1, math.ceil(CONTAINED * len(words)))
        rarest = sorted((self._index.get(word, set()) for word in words), key=len)[:len(words) - need + 1]
        for idea_id in sorted(set().union(*rarest))[:COMPARED]:
            idea = self.ideas.get(idea_id)
            if idea is not None and same_idea(words, idea.words):
                return idea
        return None

    def _merge(self, idea: Idea, message: ChatMessage, text: str, now: float) -> None:
        """A near-duplicate: one more proposer for the idea (a rejected or used idea takes none)."""
        if idea.status in ("rejected", "used"):
            self.stats["repeat"] += 1
        elif any(a.platform == message.platform and a.user_id == message.user_id for a in idea.authors):
            self.stats["again"] += 1
        else:
            self._add_author(idea, message, text, now)
            self.stats["merged"] += 1

    def _add_author(self, idea: Idea, message: ChatMessage, text: str, now: float) -> None:
        """Record who proposed it and queue the change."""
        author = AuthorRow(idea.id, message.platform, message.user_id, message.nickname or message.handle
                           or message.user_id, message.handle.lstrip("@"), text, now)
        idea.authors.append(author)
        self._new_authors.append(author)
        self._touch(idea)

    # ----- scope ---------------------------------------------------------------------------------

    def _rescope(self) -> int | None:
        """The story ideas belong to now; when it changed, ideas of other stories leave memory."""
        scope = self.session()
        if scope != self._scope:
            self._scope = scope
            self.ideas = {i: idea for i, idea in self.ideas.items()
                          if idea.session_id in (None, scope) or i in self._dirty}
            self._reindex()
        return scope

    def _reindex(self) -> None:
        """Rebuild the word index (and the count of waiting ideas) over the ideas in scope."""
        self._index, self._exact, self._waiting = {}, {}, 0
        for idea in self.ideas.values():
            if idea.session_id in (None, self._scope):
                self._waiting += idea.status == "pending"
                self._exact.setdefault(idea.words, idea.id)
                for word in idea.words:
                    self._index.setdefault(word, set()).add(idea.id)

    def _in_scope(self, session_id: int | None = None) -> Iterable[Idea]:
        """Ideas of a story (default: the current one) and those proposed between stories."""
        scope = self._rescope() if session_id is None else session_id
        return (idea for idea in self.ideas.values() if idea.session_id in (None, scope))

    # ----- the streamer ----------------------------------------------------------------------------

    def listing(self, status: str | None = None) -> list[Idea]:
        """Ideas of the current story: waiting first, most proposed first."""
        found = [idea for idea in self._in_scope() if status is None or idea.status == status]
        return sorted(found, key=lambda i: (STATUS_ORDER.get(i.status, 9), -len(i.authors), i.id))

    def pending_count(self) -> int:
        """Ideas waiting for the streamer."""
        self._rescope()
        return self._waiting

    def get(self, idea_id: int) -> Idea:
        """An idea of the current story, or 404."""
        idea = self.ideas.get(idea_id)
        if idea is None or idea.session_id not in (None, self._rescope()):
            raise NotFound(f"no idea {idea_id} in this story")
        return idea

    def pending(self, idea_id: int) -> Idea:
        """An idea still waiting for a decision, or 404/409."""
        idea = self.get(idea_id)
        if idea.status != "pending":
            raise Conflict(f"idea {idea_id} is already {idea.status}", code="idea_decided")
        return idea

    def decide(self, idea_id: int, decision: Decision) -> Idea:
        """Approve or reject a waiting idea."""
        idea = self.pending(idea_id)
        idea.status, idea.decided_at = decision, self.clock.now()
        self._waiting -= 1
        self._touch(idea)
        return idea

    # ----- the show ---------------------------------------------------------------------------------

    def became_note(self, idea: Idea, note_id: int, session_id: int) -> None:
        """Note mode: the approved idea is now a director's note of this story."""
        idea.note_id, idea.session_id = note_id, session_id
        self._touch(idea)

    def used_as_notes(self, note_ids: Iterable[int], session_id: int, chapter: int) -> None:
        """These director's notes went into a chapter: the ideas behind them are used."""
        wanted = set(note_ids)
        for idea in self._in_scope(session_id):
            if idea.note_id in wanted and idea.status == "approved":
                self._use(idea, session_id, chapter, "note", None)

    def top_approved(self, session_id: int) -> list[Idea]:
        """Ballot mode: the approved ideas not already a note, proposed most (then oldest) first."""
        ready = [i for i in self._in_scope(session_id) if i.status == "approved" and i.note_id is None]
        return sorted(ready, key=lambda i: (-len(i.authors), i.id))

    def on_ballot(self, session_id: int, chapter: int) -> list[Idea]:
        """Ideas already made choices of this chapter (it is being written again), in their order."""
        placed = [i for i in self._in_scope(session_id) if i.used_as == "choice" and i.session_id == session_id
                  and i.used_in_chapter == chapter]
        return sorted(placed, key=lambda i: i.choice_index or 0)

    def put_on_ballot(self, idea: Idea, session_id: int, chapter: int, index: int) -> None:
        """Ballot mode: the idea is choice `index` of a chapter's vote."""
        self._use(idea, session_id, chapter, "choice", index)

    def _use(self, idea: Idea, session_id: int, chapter: int, used_as: str, index: int | None) -> None:
        """Mark an idea used by a chapter of a story."""
        idea.status, idea.session_id, idea.used_as = "used", session_id, used_as
        idea.used_in_chapter, idea.choice_index = chapter, index
        self._touch(idea)

    def credits(self, session_id: int, chapter: int) -> list[events.IdeaCredit]:
        """The ideas a chapter used, to credit on screen (notes first, then choices in order)."""
        used = [i for i in self.ideas.values() if i.session_id == session_id and i.used_in_chapter == chapter
                and i.status == "used"]
        return [i.credit() for i in sorted(used, key=lambda i: (i.choice_index is not None, i.choice_index, i.id))]

    # ----- saving ---------------------------------------------------------------------------------

    def _touch(self, idea: Idea) -> None:
        """Queue an idea for saving and announcing."""
        self._dirty.add(idea.id)
        self._changed.add(idea.id)
        self._wake.set()

    async def flush(self) -> None:
        """Write every queued change now."""
        async with self._lock:
            dirty, authors = self._dirty, self._new_authors
            if not dirty and not authors:
                return
            self._dirty, self._new_authors = set(), []
            rows = [self.ideas[i].row() for i in sorted(dirty) if i in self.ideas]
            try:
                await self.repo.save(rows, authors)
            except BaseException:
                self._dirty |= dirty  # the database failed, not an idea: keep it all for the next attempt
                self._new_authors[:0] = authors
                raise

    async def saved(self, session_id: int) -> list[tuple[IdeaRow, list[AuthorRow]]]:
        """Every idea of a session as stored, once pending changes are written (the storybook)."""
        await self.flush()
        return await self.repo.for_session(session_id)

    async def _save_loop(self) -> None:
        """Write changes shortly after they happen, then tell admin panels (coalesced)."""
        while True:
            await self._wake.wait()
            self._wake.clear()
            try:
                await self.flush()
            except Exception:  # a busy or full disk must not lose ideas: they are written later
                log.exception("ideas could not be saved; trying again in %g s", RETRY_S)
                await asyncio.sleep(RETRY_S)
                self._wake.set()
                continue
            changed, self._changed = self._changed, set()
            views = [self.ideas[i].view() for i in sorted(changed) if i in self.ideas]
            if views:
                try:
                    await self.emit(events.IdeasUpdated(self.pending_count(), views))
                except Exception:
                    log.exception("story:ideas-updated emit failed")
            await asyncio.sleep(ANNOUNCE_INTERVAL_S)
