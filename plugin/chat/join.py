"""Viewers joining the story (`!join`): each viewer may ask once per story; their nickname, cleaned and checked
against the blocklist, names a minor character. join.mode `first` casts the first join.max_roles viewers to ask,
`pick` keeps them waiting (up to join.max_waiting) for the streamer to pick.

Asking is decided in memory on the chat hot path (no awaits); one task writes each request to SQLite and tells
the show (a newcomer to bring in) and every panel and overlay (story:cast-updated).
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections import Counter
from collections.abc import Awaitable, Callable
from typing import Any

from plugin import events
from plugin.chat.ideafilter import Blocklist, clean_idea, command_pattern
from plugin.clock import Clock
from plugin.errors import Conflict, NotFound
from plugin.messages import ChatMessage
from plugin.settings.ideas import JoinSettings
from plugin.store.cast import CastRepo, CastRow
from plugin.tasks import Tasks

log = logging.getLogger(__name__)
MAX_NAME_CHARS = 24
MAX_NAME_WORDS = 2
RETRY_S = 1.0  # after a failed write, try again this much later
_WORD = re.compile(r"[^\W\d_][\w'’-]*", re.UNICODE)  # a name's words start with a letter
_HANDLE = re.compile(r"^[A-Za-z0-9_.]{1,40}$")


def role_name(nickname: str, handle: str, blocklist: Blocklist) -> str | None:
    """A character's name from a viewer's nickname (else their @name): letters-first words, at most two, no
    markup, links or invisible characters; None when nothing fit to say is left."""
    for source in (nickname, handle.replace("_", " ").replace(".", " ")):
        words = _WORD.findall(clean_idea(source))[:MAX_NAME_WORDS]
        name = " ".join(word[:1].upper() + word[1:] for word in words)[:MAX_NAME_CHARS].strip(" '’-")
        if len(name) >= 2 and not blocklist.blocked(name):
            return name
    return None


def shown_handle(handle: str, blocklist: Blocklist) -> str:
    """The @name to credit (without the @), or "" when it is not a plain handle or not fit to show."""
    handle = handle.strip().lstrip("@＠")
    return handle if _HANDLE.match(handle) and not blocklist.blocked(handle.replace("_", " ")) else ""


def member_view(row: CastRow) -> events.CastMember:
    """A request as the wire shows it."""
    return events.CastMember(row.id, row.name, row.handle, row.platform, row.status, row.featured_in)


class JoinDesk:
    """The requests to join the running story and the streamer's picks; the show brings the cast in."""

    def __init__(self, repo: CastRepo, emit: events.Emit, clock: Clock, settings: Callable[[], JoinSettings],
                 session: Callable[[], int | None], blocklist: Blocklist) -> None:
        self.repo, self.emit, self.clock, self.settings = repo, emit, clock, settings
        self.session, self.blocklist = session, blocklist
        self.members: list[CastRow] = []  # requests of the current story, oldest first
        self.stats: Counter[str] = Counter()  # received, waiting, cast, again, full, no name, no story
        self.on_cast: Callable[[int], Awaitable[None]] | None = None  # the show: bring newcomers in
        self._scope: int | None = None
        self._asked: set[tuple[str, str]] = set()  # viewers who asked in this story (written or queued)
        self._queue: list[CastRow] = []
        self._wake = asyncio.Event()
        self._lock = asyncio.Lock()
        self._tasks = Tasks()

    # ----- lifecycle ---------------------------------------------------------------------------

    async def start(self, session_id: int | None) -> None:
        """Load the requests of the story being resumed, then start writing new ones."""
        self._scope = session_id
        self.members = await self.repo.for_session(session_id) if session_id is not None else []
        self._asked = {(m.platform, m.user_id) for m in self.members}
        self._tasks.spawn(self._write_loop(), "join-write")

    async def stop(self) -> None:
        """Stop the writer after the requests already taken are written."""
        await self._tasks.close()
        await self._write_queued()

    # ----- chat (the hot path: no awaits) --------------------------------------------------------

    def offer(self, message: ChatMessage) -> bool:
        """Take a `!join` line (True: it was one, whatever became of it); anything else is not ours."""
        rules = self.settings()
        if rules.mode == "off" or command_pattern(rules.command).match(message.text) is None:
            return False
        self.stats["received"] += 1
        scope = self._rescope()
        viewer = (message.platform, message.user_id)
        if scope is None:
            self.stats["no story"] += 1
        elif viewer in self._asked:
            self.stats["again"] += 1
        elif (name := role_name(message.nickname, message.handle, self.blocklist)) is None:
            self.stats["no name"] += 1
        else:
            status = self._status_for_newcomer(rules)
            if status is None:
                self.stats["full"] += 1
                return True
            self._asked.add(viewer)
            self._queue.append(CastRow(0, scope, message.platform, message.user_id, name,
                                       shown_handle(message.handle, self.blocklist), status, self.clock.now(),
                                       self.clock.now() if status == "cast" else None))
            self.stats[status] += 1
            self._wake.set()
        return True

    def _status_for_newcomer(self, rules: JoinSettings) -> str | None:
        """cast (first mode, a role is free), waiting (pick mode, room to wait) or None (full)."""
        queued = Counter(row.status for row in self._queue)
        if rules.mode == "first":
            return "cast" if len(self.cast()) + queued["cast"] < rules.max_roles else None
        waiting = sum(m.status == "waiting" for m in self.members) + queued["waiting"]
        return "waiting" if waiting < rules.max_waiting else None

    def _rescope(self) -> int | None:
        """The story requests belong to now; a new story starts with nobody."""
        scope = self.session()
        if scope != self._scope:
            self._scope, self.members, self._asked = scope, [], set()
            self._queue = [row for row in self._queue if row.session_id == scope]
        return scope

    # ----- reading ---------------------------------------------------------------------------------

    def cast(self) -> list[CastRow]:
        """The viewers in the current story, in the order they joined."""
        self._rescope()
        return [m for m in self.members if m.status == "cast"]

    async def saved_cast(self, session_id: int) -> list[CastRow]:
        """The cast of any story, as stored (the end card's, after the story stopped running)."""
        return [row for row in await self.repo.for_session(session_id) if row.status == "cast"]

    def update_event(self) -> events.CastUpdated | None:
        """story:cast-updated for the current story (None before anyone asked)."""
        scope = self._rescope()
        if scope is None or not self.members:
            return None
        cast = self.cast()
        return events.CastUpdated(scope, [member_view(m) for m in cast],
                                  [member_view(m) for m in self.members if m.status == "waiting"],
                                  max(0, self.settings().max_roles - len(cast)))

    def listing(self) -> dict[str, Any]:
        """GET cast: the mode, the roles, who is in and who is waiting, and what became of every `!join`."""
        rules, update = self.settings(), self.update_event()
        data = update.wire() if update is not None else {"cast": [], "waiting": [],
                                                          "openRoles": rules.max_roles}
        return {"mode": rules.mode, "maxRoles": rules.max_roles, "cast": data["cast"], "waiting": data["waiting"],
                "openRoles": data["openRoles"], "stats": dict(self.stats)}

    def member(self, member_id: int) -> CastRow:
        """A request to join the current story, or 404."""
        scope = self._rescope()
        for row in self.members:
            if row.id == member_id and row.session_id == scope:
                return row
        raise NotFound(f"no viewer {member_id} asked to join this story")

    # ----- the streamer and the show ------------------------------------------------------------

    async def pick(self, member_id: int) -> CastRow:
        """Cast a waiting viewer (pick mode), when a role is free."""
        row = self.member(member_id)
        if row.status != "waiting":
            raise Conflict(f"{row.name} is already {row.status}", code="not_waiting")
        if len(self.cast()) >= self.settings().max_roles:
            raise Conflict("every role in this story is taken (join.max_roles)", code="cast_full")
        row = await self.change(row, status="cast", decided_at=self.clock.now())
        await self._cast_changed(row.session_id)
        return row

    async def decline(self, member_id: int) -> CastRow:
        """Turn a waiting viewer down."""
        row = self.member(member_id)
        if row.status != "waiting":
            raise Conflict(f"{row.name} is already {row.status}", code="not_waiting")
        row = await self.change(row, status="declined", decided_at=self.clock.now())
        await self.announce()
        return row

    async def change(self, row: CastRow, **changes: Any) -> CastRow:
        """Save what became of a request and keep it in memory."""
        async with self._lock:
            row = await self.repo.update(row, **changes)
        self.members = [row if m.id == row.id else m for m in self.members]
        return row

    async def announce(self) -> None:
        """Tell panels and overlays who is in the story now."""
        update = self.update_event()
        if update is not None:
            await self.emit(update)

    async def _cast_changed(self, session_id: int) -> None:
        """Someone was cast: the show brings them in when it can; everyone hears of it."""
        if self.on_cast is not None:
            await self.on_cast(session_id)
        await self.announce()

    # ----- writing ---------------------------------------------------------------------------------

    async def _write_queued(self) -> bool:
        """Write the requests taken from chat, oldest first; True when someone was cast. A request stays queued
        (and counted against the roles and the waiting list) until it is written."""
        async with self._lock:
            cast = False
            while self._queue:
                row = self._queue[0]
                added = await self.repo.add(row)  # a failing database leaves the request queued
                if self._queue and self._queue[0] is row:
                    self._queue.pop(0)
                if added is not None and added.session_id == self._scope:
                    self.members.append(added)
                    cast = cast or added.status == "cast"
            return cast

    async def _write_loop(self) -> None:
        """Write requests shortly after they come, then tell the show and everyone."""
        while True:
            await self._wake.wait()
            self._wake.clear()
            try:
                cast = await self._write_queued()
            except Exception:  # a busy or full disk must not lose a request: it is written later
                log.exception("requests to join could not be saved; trying again in %g s", RETRY_S)
                await asyncio.sleep(RETRY_S)
                self._wake.set()
                continue
            try:
                if cast and self._scope is not None:
                    await self._cast_changed(self._scope)
                else:
                    await self.announce()
            except Exception:
                log.exception("a newcomer could not be brought in")
