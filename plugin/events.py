"""The wire contract: Socket.IO event names (keep them; add, don't rename) and namespaces."""

from __future__ import annotations

from typing import Any

OVERLAY_NAMESPACE = "/overlay"
ADMIN_NAMESPACE = "/admin"

# server -> client
STATE = "story:state"  # full state, sent on connect and after big changes
GENERATION_STARTED = "story:generation-started"  # {sessionId, chapterNumber, isFinal, purpose}
CHAPTER_TOKEN = "story:chapter-token"  # {chapterNumber, delta}
CHAPTER_RESET = "story:chapter-reset"  # {chapterNumber}: a retry restarts the streamed text
CHAPTER_READY = "story:chapter-ready"  # {sessionId, chapterNumber, title, content, choices, isFinal}
VOTING_STARTED = "story:voting-started"  # {chapterNumber, choices, endsAt (epoch ms), durationS}
VOTE_UPDATE = "story:vote-update"  # {chapterNumber, counts, total, voters}: coalesced
VOTING_ENDED = "story:voting-ended"  # {chapterNumber, winnerIndex, counts, total, reason}
IMAGE_UPDATED = "story:image-updated"  # {sessionId, chapterNumber, url, prompt, provider}
IMAGE_FAILED = "story:image-failed"  # {sessionId, chapterNumber, error}: the overlay keeps its layout
NARRATION = "story:narration"  # {chapterNumber, index, total, text, audioUrl, durationMs, voice, speaker, kind, sentAt}
ENDED = "story:ended"  # {sessionId, recap}
TASK_PROGRESS = "story:task-progress"  # admin only: a background task's status and progress
BALLOTS_SAVED = "story:ballots-saved"  # admin only: {roundId, chapterNumber, saved, journaled}
BRANCH_READY = "story:branch-ready"  # admin only: {sessionId, chapterNumber, choiceIndex, title}: written ahead
NOTES_UPDATED = "story:notes-updated"  # admin only: {sessionId, pending}: director's notes waiting
MEMORY_UPDATED = "story:memory-updated"  # admin only: {sessionId, chapterNumber, memory}
CHAPTER_UPDATED = "story:chapter-updated"  # a passage was rewritten or a choice edited: the chapter payload
CHAT_STATUS = "story:chat-status"  # admin only: chat source connection state changed
ERROR = "story:error"  # {message, step, retryInS}: a step failed and will be retried

# client -> server (admin namespace only)
FORCE_VOTE_END = "story:force-vote-end"
REGENERATE_IMAGE = "story:regenerate-image"

# What viewers may read of a failure: the details (provider messages, file paths) stay with admins.
PUBLIC_ERROR_MESSAGE = "The story is catching its breath and goes on in a moment."


def for_overlays(event: str, payload: dict[str, Any]) -> dict[str, Any]:
    """The part of an event the public overlay namespace (and the public status route) may see."""
    if event == ERROR:
        return {**payload, "message": PUBLIC_ERROR_MESSAGE}
    if event == IMAGE_FAILED:
        return {key: value for key, value in payload.items() if key != "error"}
    if event == STATE:
        session, error = payload.get("session"), payload.get("error")
        return {**payload,
                "session": {**session, "error": None} if isinstance(session, dict) else session,
                "error": {**error, "message": PUBLIC_ERROR_MESSAGE} if isinstance(error, dict) else error}
    return payload
