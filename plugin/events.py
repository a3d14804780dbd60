"""The wire contract: Socket.IO namespaces, event names (keep them; add, don't rename) and typed payloads.

Every server -> client event is a dataclass below; `wire()` is what admin panels receive (fields in
camelCase), `public()` what the public overlay namespace may see. docs/events.md is generated from this
module (`python -m plugin.eventdocs`); a test fails when it is stale.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar

OVERLAY_NAMESPACE = "/overlay"
ADMIN_NAMESPACE = "/admin"

# client -> server (admin namespace only)
FORCE_VOTE_END = "story:force-vote-end"
REGENERATE_IMAGE = "story:regenerate-image"

# What viewers may read of a failure: the details (provider messages, file paths) stay with admins.
PUBLIC_ERROR_MESSAGE = "The story is catching its breath and goes on in a moment."
SPREAD = {"spread": True}  # field metadata: the value's own fields go into the parent payload


def camel(name: str) -> str:
    """snake_case -> camelCase ('duration_s' -> 'durationS')."""
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def _wire_value(value: Any) -> Any:
    """A field's value as JSON-ready data."""
    if isinstance(value, Wire):
        return value.wire()
    if isinstance(value, (list, tuple)):
        return [_wire_value(item) for item in value]
    return value


@dataclass(frozen=True, slots=True)
class Wire:
    """A typed payload (or part of one) sent as JSON with camelCase keys."""

    def wire(self) -> dict[str, Any]:
        """The payload as sent to admin panels."""
        data: dict[str, Any] = {}
        for item in dataclasses.fields(self):
            value = getattr(self, item.name)
            if item.metadata.get("spread"):
                data.update(value.wire() if isinstance(value, Wire) else value or {})
            else:
                data[camel(item.name)] = _wire_value(value)
        return data


@dataclass(frozen=True, slots=True)
class Event(Wire):
    """A server -> client event: its name, who receives it, and its payload."""

    name: ClassVar[str]
    admin_only: ClassVar[bool] = False

    def public(self) -> dict[str, Any]:
        """What the public overlay namespace (and the public status route) may see."""
        return self.wire()


Emit = Callable[[Event], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class ChapterView(Wire):
    """A stored chapter as clients see it."""

    session_id: int
    chapter_number: int
    title: str
    content: str
    choices: list[str]
    is_final: bool
    parent_choice: str | None  # the choice that led here (None for chapter 1)
    chosen_index: int | None  # the winning choice, once its vote closed
    image_url: str | None
    image_status: str  # none | pending | ready | failed


@dataclass(frozen=True, slots=True)
class State(Event):
    """The full state, sent on connect and after every change of state: enough to redraw any screen."""

    name = "story:state"
    state: str  # idle, outlining, writing, voting, waiting (manual mode), final, ended, error
    server_time: int  # epoch ms on the server's clock: offset = serverTime - Date.now()
    session: dict[str, Any] | None  # the session row (GET session/{id} shape)
    chapter: dict[str, Any] | None  # the chapter on screen: streamed text so far, or the finished chapter
    voting: dict[str, Any] | None  # the open vote: choices, counts, endsAt, remainingMs, paused
    last_result: dict[str, Any] | None  # the last story:voting-ended payload
    error: dict[str, Any] | None  # the last story:error payload while the state is error
    recap: dict[str, Any] | None  # the story:ended recap
    generating: bool  # a model is writing (outline, chapter or final chapter)
    llm: dict[str, Any]  # the writer's name and health (no URL)
    beat: dict[str, Any] | None = None  # the show's beat now (the story:beat payload)
    extras: dict[str, Any] = field(default_factory=dict, metadata=SPREAD)  # prefetch, media, narration, chat

    def public(self) -> dict[str, Any]:
        """Without error details."""
        data = self.wire()
        if isinstance(data["session"], dict):
            data["session"] = {**data["session"], "error": None}
        if isinstance(data["error"], dict):
            data["error"] = {**data["error"], "message": PUBLIC_ERROR_MESSAGE}
        return data


@dataclass(frozen=True, slots=True)
class GenerationStarted(Event):
    """A model starts writing the outline (chapter 0), a chapter or the final chapter."""

    name = "story:generation-started"
    session_id: int
    chapter_number: int
    purpose: str  # outline | chapter | final
    is_final: bool
    parent_choice: str | None = None


@dataclass(frozen=True, slots=True)
class ChapterToken(Event):
    """A piece of the chapter's prose as it is written (append it)."""

    name = "story:chapter-token"
    chapter_number: int
    delta: str


@dataclass(frozen=True, slots=True)
class ChapterReset(Event):
    """The writer starts the chapter over: clear the streamed text."""

    name = "story:chapter-reset"
    chapter_number: int


@dataclass(frozen=True, slots=True)
class ChapterReady(Event):
    """The chapter is written and stored."""

    name = "story:chapter-ready"
    chapter: ChapterView = field(metadata=SPREAD)
    model: str  # the model (or "offline writer") that wrote it
    fell_back: bool  # the offline writer stood in for the model
    quality: str = "clean"  # clean | repaired (a retry or a choice repair) | fallback (the offline writer wrote some)
    reason: str | None = None  # why the offline writer stood in (admins only)
    findings: list[str] = field(default_factory=list)  # what the quality gate saw (admins only)

    def public(self) -> dict[str, Any]:
        """Without the gate's notes."""
        data = self.wire()
        del data["reason"], data["findings"]
        return data


@dataclass(frozen=True, slots=True)
class ChapterUpdated(Event):
    """A passage was rewritten or a choice edited."""

    name = "story:chapter-updated"
    chapter: ChapterView = field(metadata=SPREAD)


@dataclass(frozen=True, slots=True)
class VotingStarted(Event):
    """A vote opened (or was resumed, extended, paused or its choices edited)."""

    name = "story:voting-started"
    session_id: int
    chapter_number: int
    choices: list[str]
    counts: list[int]  # weighted votes per choice so far (a resumed vote keeps its ballots)
    total: int
    voters: int
    ends_at: int  # epoch ms on the server's clock
    duration_s: float
    extended: bool
    paused: bool  # the LIVE ended: the countdown holds
    server_time: int
    keywords: list[str | None] = field(default_factory=list)  # voting.keywords: "!sword" counts for that choice


@dataclass(frozen=True, slots=True)
class RecentVoter(Wire):
    """One of the last few ballots, for the overlay's ticker."""

    nickname: str
    choice: int


@dataclass(frozen=True, slots=True)
class VoteUpdate(Event):
    """New counts (coalesced: at most about 10 a second)."""

    name = "story:vote-update"
    chapter_number: int
    counts: list[int]
    total: int
    voters: int
    recent: list[RecentVoter]


@dataclass(frozen=True, slots=True)
class VotingEnded(Event):
    """The vote closed with a winner."""

    name = "story:voting-ended"
    session_id: int
    chapter_number: int
    winner_index: int
    winner_text: str
    choices: list[str]
    reason: str  # votes | tie | no_votes | admin | decided-early (the leader was voting.early_end_margin ahead)
    counts: list[int]
    total: int
    voters: int


@dataclass(frozen=True, slots=True)
class ImageUpdated(Event):
    """A chapter's picture is ready."""

    name = "story:image-updated"
    session_id: int
    chapter_number: int
    url: str
    prompt: str
    provider: str


@dataclass(frozen=True, slots=True)
class ImageFailed(Event):
    """A chapter's picture could not be made: keep the layout (admins learn why)."""

    name = "story:image-failed"
    session_id: int
    chapter_number: int
    error: str

    def public(self) -> dict[str, Any]:
        """Without the provider's words."""
        return {"sessionId": self.session_id, "chapterNumber": self.chapter_number}


@dataclass(frozen=True, slots=True)
class Narration(Event):
    """One line to speak, in order of `index`; `audioUrl` null means show it for `durationMs`, silently."""

    name = "story:narration"
    chapter_number: int
    index: int
    total: int
    text: str
    audio_url: str | None
    duration_ms: int
    voice: str | None
    speaker: str | None  # the character speaking, when the story makes it clear
    kind: str  # chapter | vote-call
    volume: float
    sent_at: int  # epoch ms when the server sent it
    starts_at: int  # epoch ms when the server's timeline has it heard: a late or reloaded page catches up to it


@dataclass(frozen=True, slots=True)
class Beat(Event):
    """The show moved to another beat: writing -> narrating -> voting -> result -> (next chapter) ... finale.
    `endsAt` (epoch ms on the server's clock, null when it waits on someone) is when the next beat starts; while
    narrating it is an estimate until every line is known."""

    name = "story:beat"
    beat: str  # idle | writing | narrating | voting | result | waiting (manual mode) | finale | ended
    chapter_number: int
    started_at: int  # epoch ms
    ends_at: int | None
    then: str  # what comes next: vote | result | chapter | end | admin


@dataclass(frozen=True, slots=True)
class OverlayLayout(Event):
    """The streamer placed the overlay's panels for a layout (or reset them: `panels` is null)."""

    name = "story:overlay-layout"
    layout: str  # landscape | portrait
    panels: dict[str, Any] | None  # {"story"|"vote": {"x","y","w","h"}} in % of the canvas


@dataclass(frozen=True, slots=True)
class IdeaCredit(Wire):
    """A viewer's idea a chapter used, to credit on screen ("idea by @nova_11")."""

    idea_id: int
    text: str  # the idea as the viewer proposed it, cleaned (a choice's text as shown is in the vote's choices)
    by: list[str]  # nicknames of who proposed it, first proposer first (at most 5)
    handles: list[str]  # their @names in the same order, without the @ ("" when the platform gave none)
    proposers: int  # viewers who proposed it (near-duplicates merged)
    used_as: str  # note (it steered this chapter's story) | choice (it is one of this chapter's choices)
    choice_index: int | None  # for a choice: its place on the vote (0 = A)


@dataclass(frozen=True, slots=True)
class IdeasCredited(Event):
    """A chapter used viewers' ideas (ideas.mode note or ballot); sent after its story:chapter-ready.
    `story:state.ideaCredits` repeats it for the chapter on screen (null when it used none)."""

    name = "story:idea-credit"
    session_id: int
    chapter_number: int
    credits: list[IdeaCredit]


@dataclass(frozen=True, slots=True)
class IdeasUpdated(Event):
    """Viewers' ideas arrived, merged with a near-duplicate, or were decided (coalesced)."""

    name = "story:ideas-updated"
    admin_only = True
    pending: int  # ideas waiting for the streamer
    ideas: list[dict[str, Any]]  # the ideas that changed, as GET ideas lists them


@dataclass(frozen=True, slots=True)
class CastMember(Wire):
    """A viewer who asked to join the story (!join), and the minor character named after them."""

    member_id: int
    name: str  # the character's name: the viewer's nickname, cleaned and checked against the blocklist
    handle: str  # their @name without the @ ("" when the platform gave none or it was not fit to show)
    platform: str  # tiktok | twitch | simulator | api
    status: str  # waiting (join.mode pick: for the streamer to pick) | cast | declined
    featured_in: int | None  # the chapter that brought the character in (credited on screen); None until then


@dataclass(frozen=True, slots=True)
class CastUpdated(Event):
    """Who is in the story changed (a viewer joined, was picked or declined, or came in); `story:state.cast`
    repeats it (null when nobody asked). Overlays get the cast only (`waiting` is empty)."""

    name = "story:cast-updated"
    session_id: int
    cast: list[CastMember]  # in the story, in the order they joined
    waiting: list[CastMember]  # join.mode pick: asked, waiting for the streamer (admins only)
    open_roles: int  # roles still free in this story (join.max_roles minus the cast)

    def public(self) -> dict[str, Any]:
        """Without the viewers waiting to be picked."""
        return {**self.wire(), "waiting": []}


@dataclass(frozen=True, slots=True)
class Ended(Event):
    """The story ended: the recap for the end card."""

    name = "story:ended"
    session_id: int
    recap: dict[str, Any]  # title, chapters, totalVotes, topVoters, cast ([{name, handle}]: who joined the story)


@dataclass(frozen=True, slots=True)
class Error(Event):
    """A step failed and is tried again in `retryInS` seconds (viewers get a friendly line, admins the detail)."""

    name = "story:error"
    message: str
    step: str  # the state the story was in
    retry_in_s: float

    def public(self) -> dict[str, Any]:
        """Without the detail."""
        return {**self.wire(), "message": PUBLIC_ERROR_MESSAGE}


@dataclass(frozen=True, slots=True)
class TaskProgress(Event):
    """A background task's status and progress."""

    name = "story:task-progress"
    admin_only = True
    task: dict[str, Any] = field(metadata=SPREAD)  # the GET tasks/{id} shape


@dataclass(frozen=True, slots=True)
class BallotsSaved(Event):
    """Ballots reached the database."""

    name = "story:ballots-saved"
    admin_only = True
    round_id: int
    chapter_number: int
    saved: int  # in this write
    journaled: int  # since the server started


@dataclass(frozen=True, slots=True)
class BranchReady(Event):
    """A chapter written ahead during the vote is ready."""

    name = "story:branch-ready"
    admin_only = True
    session_id: int
    chapter_number: int
    choice_index: int
    title: str


@dataclass(frozen=True, slots=True)
class NotesUpdated(Event):
    """Director's notes waiting for the next chapter."""

    name = "story:notes-updated"
    admin_only = True
    session_id: int
    pending: list[str]


@dataclass(frozen=True, slots=True)
class MemoryUpdated(Event):
    """The story memory after a chapter."""

    name = "story:memory-updated"
    admin_only = True
    session_id: int
    chapter_number: int
    memory: dict[str, Any]  # characters, locations, items, events, summary


@dataclass(frozen=True, slots=True)
class ChatStatus(Event):
    """The chat source's connection state changed."""

    name = "story:chat-status"
    admin_only = True
    status: dict[str, Any] = field(metadata=SPREAD)  # the GET chat/status shape


EVENTS: tuple[type[Event], ...] = (
    State, GenerationStarted, ChapterToken, ChapterReset, ChapterReady, ChapterUpdated, VotingStarted, VoteUpdate,
    VotingEnded, ImageUpdated, ImageFailed, Narration, Ended, Error, TaskProgress, BallotsSaved, BranchReady,
    NotesUpdated, MemoryUpdated, ChatStatus, IdeasCredited, IdeasUpdated, CastUpdated, Beat, OverlayLayout,
)
PARTS: tuple[type[Wire], ...] = (ChapterView, RecentVoter, IdeaCredit, CastMember)  # documented after the events
STATE = State.name  # the one event name sent outside an emit (on connect)
