"""The TikTokLive 7.0.x adapter: the only module that knows upstream's event fields, error classes and client set-up.

Nothing here imports TikTokLive at module load (it takes seconds to import): the functions that need its
classes import them when called, so servers that never use TikTok never pay for it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from plugin.messages import (
    ChatEvent,
    ChatMessage,
    Gift,
    Like,
    StreamStatus,
    ViewerAction,
)
from plugin.text import clean_text

if TYPE_CHECKING:
    from plugin.settings.chat import TikTokSettings

log = logging.getLogger(__name__)

PLATFORM = "tiktok"
STREAKABLE_GIFT_TYPE = 1  # Gift.type == 1 means the gift can be sent as a combo streak (ExtendedGift.streakable)
MEMBER_SUBSCRIBED = 3  # MemberMessageAction.SUBSCRIBED: a JoinEvent that is not a join
DEFAULT_TARGET_IDC = "useast1a"  # TikTokLive's own default tt-target-idc cookie (WebDefaults.web_client_cookies)

Mapper = Callable[[Any, float], "ChatEvent | None"]


# --- reading upstream objects: every field name TikTokLive uses is in this block ---------------------------------


def _msg_id(event: Any) -> str | None:
    """The message id from `common.msg_id`; None when missing or 0 (then the event cannot be deduplicated)."""
    common = getattr(event, "common", None)
    msg_id = getattr(common, "msg_id", 0) if common is not None else 0
    return str(msg_id) if msg_id else None


def _who(user: Any) -> tuple[str, str, str]:
    """(user_id, nickname, handle) from `user.id`, `user.nickname`, `user.display_id` only.

    Never `user.unique_id`: that is a property of TikTokLive's ExtendedUser, and the event's `user` is a plain
    proto User when betterproto2's metadata was built for the parent message class first (see warm_up).
    """
    if user is None:
        return "", "", ""
    uid = getattr(user, "id", 0) or 0
    handle = clean_text(getattr(user, "display_id", "") or "", multiline=False)
    nickname = clean_text(getattr(user, "nickname", "") or "", multiline=False) or handle
    return (str(uid) if uid else (f"@{handle}" if handle else "")), nickname, handle


def map_comment(event: Any, now: float) -> ChatMessage:
    """CommentEvent -> ChatMessage; the text is `content` (7.x; `comment` is only a legacy alias)."""
    user_id, nickname, handle = _who(event.user)
    return ChatMessage(PLATFORM, user_id, nickname, clean_text(event.content or "", multiline=False), _msg_id(event),
                       now, handle=handle)


def map_gift(event: Any, now: float) -> Gift | None:
    """GiftEvent -> Gift, once: a streakable gift only when its streak ends (`repeat_end`), others at once."""
    gift = event.gift
    if gift is None:
        return None
    if gift.type == STREAKABLE_GIFT_TYPE and not event.repeat_end:
        return None  # mid-streak: the final event carries the whole repeat_count
    user_id, nickname, _ = _who(event.user)
    count = max(1, int(event.repeat_count or 0))
    return Gift(PLATFORM, user_id, nickname, clean_text(gift.name or "", multiline=False), int(gift.diamond_count or 0),
                count, _msg_id(event), now)


def map_like(event: Any, now: float) -> Like | None:
    """LikeEvent -> Like with this batch's `count`."""
    count = int(event.count or 0)
    if count <= 0:
        return None
    user_id, nickname, _ = _who(event.user)
    return Like(PLATFORM, user_id, nickname, count, _msg_id(event), now)


def _action(kind: Literal["join", "follow", "share"]) -> Mapper:
    """A mapper for JoinEvent / FollowEvent / ShareEvent -> ViewerAction."""

    def mapper(event: Any, now: float) -> ViewerAction | None:
        if kind == "join" and int(getattr(event, "action", 0) or 0) == MEMBER_SUBSCRIBED:
            return None  # a member message announcing a subscription, not someone entering
        user_id, nickname, _ = _who(event.user)
        return ViewerAction(PLATFORM, user_id, nickname, kind, _msg_id(event), now)

    mapper.__name__ = f"map_{kind}"
    mapper.__doc__ = f"{kind.capitalize()} event -> ViewerAction('{kind}')."
    return mapper


def map_connect(event: Any, now: float) -> StreamStatus:
    """ConnectEvent (the first webcast response arrived) -> StreamStatus connected."""
    return StreamStatus(PLATFORM, "connected", f"@{event.unique_id} room {event.room_id}", now)


def map_disconnect(event: Any, now: float) -> StreamStatus:
    """DisconnectEvent (the websocket loop ended cleanly) -> StreamStatus disconnected."""
    return StreamStatus(PLATFORM, "disconnected", "connection closed", now)


def map_live_end(event: Any, now: float) -> StreamStatus:
    """LiveEndEvent (the streamer ended or TikTok suspended the LIVE) -> StreamStatus live_ended."""
    return StreamStatus(PLATFORM, "live_ended", "the LIVE has ended", now)


# Upstream event class name -> our mapper. SocialEvent itself is left out on purpose: TikTokLive emits
# FollowEvent/ShareEvent in addition to it, so mapping both would count every follow twice.
MAPPERS: dict[str, Mapper] = {
    "CommentEvent": map_comment,
    "GiftEvent": map_gift,
    "LikeEvent": map_like,
    "JoinEvent": _action("join"),
    "FollowEvent": _action("follow"),
    "ShareEvent": _action("share"),
    "ConnectEvent": map_connect,
    "DisconnectEvent": map_disconnect,
    "LiveEndEvent": map_live_end,
}
# Emitted once per webcast message, mapped or not: proof the connection is alive, for the stall watchdog.
ACTIVITY_EVENT = "WebsocketResponseEvent"


def event_classes() -> dict[str, type]:
    """The upstream event classes we listen to, by name (imports TikTokLive)."""
    import TikTokLive.events as events

    found: dict[str, type] = {}
    for name in (*MAPPERS, ACTIVITY_EVENT):
        cls = getattr(events, name, None)
        if cls is None:  # renamed upstream: lose that kind of event, not the whole connection
            log.error("TikTokLive has no %s any more; those events are ignored", name)
        else:
            found[name] = cls
    return found


def listen(client: Any, handler: Callable[[str, Any], None]) -> None:
    """Register `handler(name, event)` for every event we map, plus the activity event."""
    for name, cls in event_classes().items():
        client.add_listener(cls, _bound(handler, name))


def _bound(handler: Callable[[str, Any], None], name: str) -> Callable[[Any], None]:
    """A plain (sync) pyee listener: pyee runs it inline, so events keep their order and no task is created."""

    def listener(event: Any) -> None:
        handler(name, event)

    return listener


# --- the protobuf metadata pitfall ---------------------------------------------------------------------------

# Subclasses first: a subclass warmed before its parent gets metadata of its own.
_WARM_ORDER = (
    "CommentEvent", "GiftEvent", "LikeEvent", "JoinEvent", "FollowEvent", "ShareEvent", "SocialEvent",
    "LiveEndEvent", "LivePauseEvent", "LiveUnpauseEvent", "ControlEvent",
)


def prepare() -> list[str]:
    """Import TikTokLive's client and warm its event metadata (slow: run it in a worker thread)."""
    import TikTokLive.client.client  # noqa: F401  (the 2-3 s import, off the event loop)

    return warm_up()


def warm_up() -> list[str]:
    """Build betterproto2 metadata for each event class we map before any frame is parsed; returns repaired names.

    betterproto2 caches a class's metadata in `cls._betterproto_meta` and looks it up with plain attribute
    access, so a subclass finds its PARENT's cache when the parent was used first. TikTokLive's CommentEvent
    subclasses WebcastChatMessage and re-annotates `user` as ExtendedUser; a RoomPinEvent (pinned comment,
    often in the first frame after joining) parses its nested `chat_message` as a WebcastChatMessage, which
    builds the parent's metadata. Every later CommentEvent then reuses it and decodes `user` as a plain User,
    so `user.unique_id` (an ExtendedUser property) raises AttributeError. Parsing an empty instance of each
    event class first gives each its own metadata. Safe to call repeatedly; it is cheap after the first time.
    """
    import TikTokLive.events as events

    repaired: list[str] = []
    for name in _WARM_ORDER:
        cls = getattr(events, name, None)
        if cls is None:
            continue
        cls().parse(b"")  # public API; forces the class's metadata into existence
        if "_betterproto_meta" not in vars(cls) and _own_metadata(cls):
            repaired.append(name)
    if repaired:
        log.warning("TikTok event metadata was inherited from parent classes; rebuilt for %s", ", ".join(repaired))
    return repaired


def _own_metadata(cls: type) -> bool:
    """Give `cls` metadata of its own if it inherited its parent's (betterproto2 internals; best effort)."""
    parent_meta = getattr(cls, "_betterproto_meta", None)
    if parent_meta is None:
        return False
    try:
        cls._betterproto_meta = type(parent_meta)(cls)  # type: ignore[attr-defined]  # betterproto2's own hook
    except Exception:  # an upstream internals change: keep working, our mapping never needs ExtendedUser
        log.debug("could not rebuild metadata for %s", cls.__name__, exc_info=True)
        return False
    return True


# --- errors ----------------------------------------------------------------------------------------------------

FailureKind = Literal["offline", "rate_limit", "not_found", "config", "transient"]


@dataclass(frozen=True, slots=True)
class Failure:
    """Why a connection attempt failed, in our terms."""

    kind: FailureKind
    detail: str
    reset_at: float | None = None  # rate limit: epoch seconds when the sign server accepts us again
    retry_after: float | None = None  # rate limit: seconds, when only that is known


def classify_error(exc: BaseException, now: float) -> Failure:
    """Map a TikTokLive exception from `client.start()` (or the websocket task) to a Failure."""
    if isinstance(exc, ImportError):
        return Failure("config", "the TikTokLive package is not installed")
    from TikTokLive.client import errors

    if isinstance(exc, errors.UserOfflineError):
        return Failure("offline", "the streamer is offline")
    if isinstance(exc, errors.UserNotFoundError):
        return Failure("not_found", "user not found")
    if isinstance(exc, errors.SignatureRateLimitError):
        return Failure("rate_limit", "sign server rate limit", _reset_at(exc, now), _retry_after(exc))
    if isinstance(exc, errors.AuthenticatedWebSocketConnectionError):
        # TikTokLive will not send a session id to the sign server unless the operator opts in.
        return Failure("config", "session_id is set: TikTokLive sends it to the sign server only with "
                                 "WHITELIST_AUTHENTICATED_SESSION_ID_HOST=api.eulerstream.com in the environment")
    if isinstance(exc, errors.PremiumEndpointError):
        return Failure("config", "the sign server wants a paid key for this (tiktok.sign_api_key)")
    if isinstance(exc, ValueError) and "Target IDC" in str(exc):
        return Failure("config", "session_id needs a tt-target-idc cookie")
    return Failure("transient", describe_error(exc))


def _reset_at(exc: Any, now: float) -> float | None:
    """`reset_time` (header RateLimit-Reset) as epoch seconds; None if absent or absurd."""
    try:
        value = float(exc.reset_time)
    except Exception:  # noqa: BLE001 - upstream's field may be missing or hold anything
        return None
    if value < 1e9:  # a small number is a delay in seconds (as the IETF RateLimit-Reset header means it)
        value = now + value
    elif value > 1e12:  # epoch milliseconds
        value /= 1000.0
    return value if now - 60 <= value <= now + 86_400 else None


def _retry_after(exc: Any) -> float | None:
    """`retry_after` in seconds (7.0.1 reads it from the RateLimit-Remaining header); None if absent."""
    try:
        value = float(exc.retry_after)
    except Exception:  # noqa: BLE001 - upstream's field may be missing or hold anything
        return None
    return value if 0 < value <= 86_400 else None


def describe_error(exc: BaseException) -> str:
    """A one-line description: the class name and the first line of the message, without TikTokLive's prefix."""
    text = str(exc).split(" -> ", 1)[-1].strip().splitlines()[0] if str(exc).strip() else ""
    name = type(exc).__name__
    return f"{name}: {text[:160]}" if text and text != name else name


# --- the client ------------------------------------------------------------------------------------------------


def build_client(unique_id: str, settings: TikTokSettings) -> Any:
    """A real TikTokLiveClient for @unique_id with the sign-server key and session cookie applied."""
    from TikTokLive.client.client import TikTokLiveClient

    web_kwargs: dict[str, Any] = {}
    if settings.sign_api_key:
        # Per client (TikTokSigner(sign_api_key=...)), rather than the process-wide WebDefaults.tiktok_sign_api_key.
        web_kwargs["signer_kwargs"] = {"sign_api_key": settings.sign_api_key}
    client = TikTokLiveClient(unique_id=unique_id, web_kwargs=web_kwargs)
    if settings.session_id:
        # set_session also rewrites tt-target-idc, and the sign route refuses a session without one:
        # keep the data-centre cookie the client already has.
        idc = client.web.cookies.get("tt-target-idc") or DEFAULT_TARGET_IDC
        client.web.set_session(settings.session_id, idc)
    return client


async def start_client(client: Any) -> Any:
    """Fetch the room, check it is live, fetch the signed websocket and start reading; returns the reader task."""
    return await client.start(process_connect_events=True, fetch_live_check=True)


def is_connected(client: Any) -> bool:
    """Whether the client's websocket is open."""
    return bool(client.connected)


async def disconnect(client: Any) -> None:
    """Close the websocket politely; the reader loop then ends and emits DisconnectEvent."""
    await client.disconnect()


async def release(client: Any) -> None:
    """Close the client's HTTP session (not `client.close()`: that runs the loop synchronously)."""
    await client.web.close()
