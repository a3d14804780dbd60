"""Offline TikTok LIVE for tests: real TikTokLive events, recorded-style webcast frames, real clients without network.

Frames are what TikTok sends: a WebcastPushFrame (gzip) around a ProtoMessageFetchResult whose messages carry a
`method` ("WebcastChatMessage", ...) and a serialized payload. `OfflineTikTok` is a client_factory building real
TikTokLiveClient objects whose HTTP routes (room id, live check, signed websocket) are stubbed and whose websocket
is a FakeSocket: the real WebcastConnect iterator, WebcastWSClient.connect (room switch, acks, pings),
_ws_client_loop and _parse_webcast_response all run.
"""

from __future__ import annotations

import asyncio
import gzip
import itertools
from collections import deque
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

import betterproto2
from TikTokLive.client.client import TikTokLiveClient
from TikTokLive.client.ws.ws_connect import WebcastConnect
from TikTokLive.events import (
    CommentEvent,
    DisconnectEvent,
    FollowEvent,
    GiftEvent,
    JoinEvent,
    LikeEvent,
    ShareEvent,
)
from TikTokLive.proto import (
    CommonMessageData,
    ControlAction,
    Gift,
    MemberMessageAction,
    ProtoMessageFetchResult,
    ProtoMessageFetchResultBaseProtoMessage,
    PushHeader,
    User,
    WebcastChatMessage,
    WebcastControlMessage,
    WebcastGiftMessage,
    WebcastLikeMessage,
    WebcastMemberMessage,
    WebcastPushFrame,
    WebcastRoomPinMessage,
    WebcastSocialMessage,
)
from TikTokLive.proto.custom_proto import ExtendedUser
from TikTokLiveProto.v3.webcast.model.message.common import Text

ROOM_ID = 7_400_000_000_000_000_001
FOLLOW_KEY = "pm_main_follow_message_viewer_2"  # common.display_text.key of a follow (TikTokLive looks for "follow")
SHARE_KEY = "pm_mt_guidance_share"  # ... and of a share ("share")
ROSE = {"name": "Rose", "diamonds": 1, "gift_type": 1}  # type 1: streakable
UNIVERSE = {"name": "Universe", "diamonds": 34_999, "gift_type": 2}  # not streakable


# --- proto messages, as TikTok sends them ------------------------------------------------------------------------


def common(method: str, msg_id: int, key: str = "") -> CommonMessageData:
    """The `common` block every webcast message carries."""
    return CommonMessageData(method=method, msg_id=msg_id, room_id=ROOM_ID, display_text=Text(key=key) if key else None)


def user(uid: int, nickname: str, handle: str) -> User:
    """A proto User: numeric id, display nickname, @handle (display_id)."""
    return User(id=uid, nickname=nickname, display_id=handle)


def chat(msg_id: int, uid: int, nickname: str, handle: str, text: str) -> WebcastChatMessage:
    """A chat comment."""
    who = user(uid, nickname, handle)
    return WebcastChatMessage(common=common("WebcastChatMessage", msg_id), user=who, content=text)


def gift(
    msg_id: int, uid: int, nickname: str, handle: str, *, name: str, diamonds: int, gift_type: int,
    repeat_count: int = 1, repeat_end: int = 1,
) -> WebcastGiftMessage:
    """A gift message; streakable gifts (type 1) repeat with repeat_end 0 until a final repeat_end 1."""
    return WebcastGiftMessage(
        common=common("WebcastGiftMessage", msg_id), user=user(uid, nickname, handle),
        gift=Gift(name=name, diamond_count=diamonds, type=gift_type), repeat_count=repeat_count, repeat_end=repeat_end,
    )


def like(msg_id: int, uid: int, nickname: str, handle: str, count: int) -> WebcastLikeMessage:
    """A batch of likes."""
    who = user(uid, nickname, handle)
    return WebcastLikeMessage(common=common("WebcastLikeMessage", msg_id), user=who, count=count)


def member(msg_id: int, uid: int, nickname: str, handle: str) -> WebcastMemberMessage:
    """Someone entered the room."""
    return WebcastMemberMessage(
        common=common("WebcastMemberMessage", msg_id), user=user(uid, nickname, handle),
        action=MemberMessageAction.JOINED,
    )


def social(msg_id: int, uid: int, nickname: str, handle: str, kind: Literal["follow", "share"]) -> WebcastSocialMessage:
    """A follow or share (TikTokLive tells them apart by the display-text key)."""
    key = FOLLOW_KEY if kind == "follow" else SHARE_KEY
    return WebcastSocialMessage(common=common("WebcastSocialMessage", msg_id, key), user=user(uid, nickname, handle))


def live_end(msg_id: int) -> WebcastControlMessage:
    """The streamer ended the LIVE."""
    return WebcastControlMessage(common=common("WebcastControlMessage", msg_id), action=ControlAction.STREAM_ENDED)


def pin(msg_id: int, pinned: WebcastChatMessage) -> WebcastRoomPinMessage:
    """A pinned comment: the chat message nested inside a RoomPin message."""
    return WebcastRoomPinMessage(
        common=common("WebcastRoomPinMessage", msg_id), chat_message=pinned, method="WebcastChatMessage", pin_time=1,
    )


@dataclass
class Raw:
    """A message whose payload bytes the test chooses (e.g. text that is not UTF-8, as TikTok may send)."""

    method: str
    payload: bytes
    msg_id: int


def envelope(message: betterproto2.Message | Raw) -> ProtoMessageFetchResultBaseProtoMessage:
    """Wrap one message as an entry of a fetch result: method name + serialized payload."""
    if isinstance(message, Raw):
        return ProtoMessageFetchResultBaseProtoMessage(method=message.method, payload=message.payload,
                                                       msg_id=message.msg_id)
    msg_id = getattr(getattr(message, "common", None), "msg_id", 0)
    return ProtoMessageFetchResultBaseProtoMessage(method=type(message).__name__, payload=bytes(message), msg_id=msg_id)


_cursors = itertools.count(1)


def fetch_result(messages: Iterable[betterproto2.Message | Raw], first: bool = False) -> ProtoMessageFetchResult:
    """A ProtoMessageFetchResult; the first one (from the sign server) carries the websocket address."""
    cursor = f"cursor-{next(_cursors)}"
    return ProtoMessageFetchResult(
        messages=[envelope(m) for m in messages], cursor=cursor, is_first=first, need_ack=not first,
        internal_ext=f"ext-{cursor}", push_server="wss://offline.invalid/webcast/im/push/v2/" if first else "",
        route_params={"room_id": str(ROOM_ID)} if first else {},
    )


def push_frame(messages: Iterable[betterproto2.Message | Raw], compress: bool = True) -> bytes:
    """The bytes of one websocket frame: a "msg" WebcastPushFrame around a (gzipped) fetch result."""
    payload = bytes(fetch_result(messages))
    headers = [PushHeader(key="compress_type", value="gzip" if compress else "none")]
    return bytes(WebcastPushFrame(
        log_id=next(_cursors), payload_type="msg", payload_encoding="pb", headers=headers,
        payload=gzip.compress(payload) if compress else payload,
    ))


# --- events, as TikTokLive emits them ----------------------------------------------------------------------------


def _ext_user(uid: int, nickname: str, handle: str) -> ExtendedUser:
    """The ExtendedUser TikTokLive puts on its events."""
    return ExtendedUser(id=uid, nickname=nickname, display_id=handle)


def comment_event(msg_id: int, uid: int, nickname: str, handle: str, text: str) -> CommentEvent:
    """A CommentEvent as the client emits it."""
    who = _ext_user(uid, nickname, handle)
    return CommentEvent(common=common("WebcastChatMessage", msg_id), user=who, content=text)


def gift_event(
    msg_id: int, uid: int, nickname: str, handle: str, *, name: str, diamonds: int, gift_type: int,
    repeat_count: int = 1, repeat_end: int = 1,
) -> GiftEvent:
    """A GiftEvent as the client emits it."""
    return GiftEvent(
        common=common("WebcastGiftMessage", msg_id), user=_ext_user(uid, nickname, handle),
        gift=Gift(name=name, diamond_count=diamonds, type=gift_type), repeat_count=repeat_count, repeat_end=repeat_end,
    )


def like_event(msg_id: int, uid: int, nickname: str, handle: str, count: int) -> LikeEvent:
    """A LikeEvent as the client emits it."""
    return LikeEvent(common=common("WebcastLikeMessage", msg_id), user=_ext_user(uid, nickname, handle), count=count)


def join_event(msg_id: int, uid: int, nickname: str, handle: str) -> JoinEvent:
    """A JoinEvent as the client emits it."""
    return JoinEvent(
        common=common("WebcastMemberMessage", msg_id), user=_ext_user(uid, nickname, handle),
        action=MemberMessageAction.JOINED,
    )


def follow_event(msg_id: int, uid: int, nickname: str, handle: str) -> FollowEvent:
    """A FollowEvent as the client emits it."""
    return FollowEvent(common=common("WebcastSocialMessage", msg_id, FOLLOW_KEY), user=_ext_user(uid, nickname, handle))


def share_event(msg_id: int, uid: int, nickname: str, handle: str) -> ShareEvent:
    """A ShareEvent as the client emits it."""
    return ShareEvent(common=common("WebcastSocialMessage", msg_id, SHARE_KEY), user=_ext_user(uid, nickname, handle))


# --- an offline websocket and client factory ---------------------------------------------------------------------

_CLOSED = object()


class FakeSocket:
    """Stands in for websockets' client protocol: frames are pushed in by the test; sends are recorded."""

    def __init__(self, ping_interval: float = 0.05) -> None:
        # A short ping interval lets TikTokLive's ping task notice a dead socket quickly after the test ends it.
        self.response_headers = {"Handshake-Options": f"ping-interval={ping_interval}"}
        self.open = False
        self.sent: list[bytes] = []
        self._inbox: asyncio.Queue[Any] = asyncio.Queue()

    async def send(self, message: bytes) -> None:
        """Record an outgoing frame (room switch, ack, heartbeat)."""
        self.sent.append(message)

    async def close(self) -> None:
        """A clean close: the frame iterator ends, TikTokLive emits DisconnectEvent."""
        if self.open:
            self.open = False
            self._inbox.put_nowait(_CLOSED)

    def push(self, frame: bytes) -> None:
        """Deliver one frame from "TikTok"."""
        self._inbox.put_nowait(frame)

    def fail(self, exc: BaseException) -> None:
        """Make the connection die with `exc` (e.g. ConnectionClosedError) after the frames already pushed."""
        self._inbox.put_nowait(exc)

    def sent_types(self) -> list[str]:
        """payload_type of each frame sent to TikTok."""
        return [WebcastPushFrame().parse(frame).payload_type for frame in self.sent]

    async def __aiter__(self) -> AsyncIterator[bytes]:
        while True:
            item = await self._inbox.get()
            if item is _CLOSED:
                return
            if isinstance(item, BaseException):
                self.open = False
                raise item
            yield item


class OfflineConnect(WebcastConnect):
    """TikTokLive's real WebcastConnect (URI building, frame parsing, gzip) over a FakeSocket."""

    def __init__(self, *, socket: FakeSocket, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.socket = socket

    async def __aenter__(self) -> Any:
        self.socket.open = True
        return self.socket

    async def __aexit__(self, *exc_info: Any) -> None:
        await self.socket.close()


@dataclass
class Plan:
    """How one connection attempt goes: fine, or `error` raised by a web route."""

    error: BaseException | None = None
    route: Literal["room", "sign"] = "room"
    initial: list[betterproto2.Message] = field(default_factory=list)  # history sent with the first response


@dataclass
class OfflineTikTok:
    """A client_factory of offline TikTokLiveClients; each call follows the next Plan (default: connects)."""

    plans: deque[Plan] = field(default_factory=deque)
    clients: list[TikTokLiveClient] = field(default_factory=list)
    sockets: list[FakeSocket] = field(default_factory=list)
    seen: list[Any] = field(default_factory=list)  # every CommentEvent the clients emitted
    disconnect_events: int = 0

    def plan(self, *plans: Plan) -> None:
        """Queue plans for the next attempts."""
        self.plans.extend(plans)

    @property
    def attempts(self) -> int:
        """How many clients were built."""
        return len(self.clients)

    @property
    def socket(self) -> FakeSocket:
        """The latest connection's socket."""
        return self.sockets[-1]

    @property
    def client(self) -> TikTokLiveClient:
        """The latest client."""
        return self.clients[-1]

    def __call__(self, unique_id: str) -> TikTokLiveClient:
        plan = self.plans.popleft() if self.plans else Plan()
        client = TikTokLiveClient(unique_id=unique_id)
        socket = FakeSocket()
        client._ws._connect_generator_class = _connector(socket)  # type: ignore[assignment]
        web = client.web

        async def room_id(*_: Any, **__: Any) -> str:
            if plan.error is not None and plan.route == "room":
                raise plan.error
            return str(ROOM_ID)

        async def is_live(*_: Any, **__: Any) -> bool:
            return True

        async def signed_websocket(*_: Any, **__: Any) -> ProtoMessageFetchResult:
            if plan.error is not None and plan.route == "sign":
                raise plan.error
            return fetch_result(plan.initial, first=True)

        web.fetch_room_id_from_html = room_id  # type: ignore[assignment]
        web.fetch_room_id_from_api = room_id  # type: ignore[assignment]
        web.fetch_is_live = is_live  # type: ignore[assignment]
        web.fetch_signed_websocket = signed_websocket  # type: ignore[assignment]
        client.add_listener(CommentEvent, self.seen.append)
        client.add_listener(DisconnectEvent, self._count_disconnect)
        self.clients.append(client)
        self.sockets.append(socket)
        return client

    def _count_disconnect(self, _: Any) -> None:
        self.disconnect_events += 1


def _connector(socket: FakeSocket) -> Any:
    """A WebcastConnect "class" bound to one FakeSocket."""

    def build(**kwargs: Any) -> OfflineConnect:
        return OfflineConnect(socket=socket, **kwargs)

    return build
