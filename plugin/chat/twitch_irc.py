"""Twitch chat's IRC dialect as plain functions: split frames, parse lines, unescape tags, map PRIVMSG to a message.

Everything here is pure and never raises on what a server sends: a line it cannot read is None (and ignored).
Every string taken from Twitch goes through `clean_text`, the same edge cleaning as TikTok text, and is capped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from plugin.chat.commands import ModeratorCommands
from plugin.messages import ChatMessage
from plugin.text import clean_text

PLATFORM = "twitch"
CAPABILITIES = "twitch.tv/tags twitch.tv/commands"
MAX_LINE = 16_384  # tags may take 8 KiB, the rest of a line 512 bytes: anything longer is not from Twitch
MAX_NAME = 64  # display names are at most 25 characters on Twitch; hostile servers get cut here
MAX_TEXT = 500  # Twitch's own limit for one chat message
MAX_ID = 64  # user ids are digits, message ids UUIDs
MAX_NOTICE = 200
MODERATOR_BADGES = frozenset({"broadcaster", "moderator"})
_CHANNEL = re.compile(r"[a-z0-9_]{1,25}")
_TAG_ESCAPES = {":": ";", "s": " ", "\\": "\\", "r": "\r", "n": "\n"}
_TAG_ESCAPE = re.compile(r"\\(.?)", re.S)
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_COMMAND = re.compile(r"[A-Za-z]+|\d{3}")
_ACTION = ("\x01ACTION ", "\x01")  # "/me waves" arrives as a CTCP ACTION


@dataclass(frozen=True, slots=True)
class IrcLine:
    """One parsed IRC line: IRCv3 tags (unescaped), prefix, command (upper case) and parameters (trailing last)."""

    tags: dict[str, str]
    prefix: str
    command: str
    params: tuple[str, ...]

    @property
    def nick(self) -> str:
        """The sender's nick from `nick!user@host` ("" for a server prefix or none)."""
        nick, bang, _ = self.prefix.partition("!")
        return nick if bang else ""


@dataclass(frozen=True, slots=True)
class TwitchMessage(ChatMessage):
    """A Twitch chat line; `moderator` is what its own badges say (the broadcaster or a channel moderator)."""

    moderator: bool = False


def split_lines(frame: str) -> list[str]:
    """The IRC lines in one WebSocket text frame (Twitch batches several, CRLF-separated); empty ones dropped."""
    return [line for line in _LINE_BREAK.split(frame) if line]


def unescape_tag(value: str) -> str:
    r"""An IRCv3 tag value as sent: \: is ';', \s a space, \\ a backslash, \r and \n line breaks; a backslash
    before anything else is dropped, and so is a trailing one."""
    if "\\" not in value:
        return value
    return _TAG_ESCAPE.sub(lambda m: _TAG_ESCAPES.get(m.group(1), m.group(1)), value)


def parse_line(line: str) -> IrcLine | None:
    """`[@tags] [:prefix] COMMAND [params] [:trailing]` -> IrcLine; None for anything that is not such a line."""
    if not line or len(line) > MAX_LINE:
        return None
    rest = line
    tags: dict[str, str] = {}
    if rest.startswith("@"):
        raw, space, rest = rest[1:].partition(" ")
        if not space:
            return None
        for item in raw.split(";"):
            key, _, value = item.partition("=")
            if key:
                tags[key] = unescape_tag(value)
        rest = rest.lstrip(" ")
    prefix = ""
    if rest.startswith(":"):
        prefix, space, rest = rest[1:].partition(" ")
        if not space:
            return None
        rest = rest.lstrip(" ")
    middle, colon, trailing = rest.partition(" :")
    words = middle.split(" ")
    command = words[0]
    if not _COMMAND.fullmatch(command):
        return None
    params = [word for word in words[1:] if word]
    if colon:
        params.append(trailing)
    return IrcLine(tags, prefix, command.upper(), tuple(params))


def channel_name(value: str) -> str:
    """A channel as a setting may give it ("#Name", "@name", "twitch.tv/name") -> "name"; "" if it is not one."""
    name = value.strip().rstrip("/").rsplit("/", 1)[-1].lstrip("#@").lower()
    return name if _CHANNEL.fullmatch(name) else ""


def badges(tags: dict[str, str]) -> frozenset[str]:
    """Badge names from `badges=broadcaster/1,subscriber/12`."""
    return frozenset(item.partition("/")[0] for item in tags.get("badges", "").split(",") if item)


def is_moderator(tags: dict[str, str]) -> bool:
    """The broadcaster or a moderator of the channel, by the message's own tags."""
    return bool(MODERATOR_BADGES & badges(tags)) or tags.get("mod") == "1"


def _clean(value: str, limit: int) -> str:
    """Edge-cleaned (no controls, NUL, lone surrogates, invisible marks, line breaks), trimmed and capped."""
    return clean_text(value, multiline=False).strip()[:limit]


def map_privmsg(line: IrcLine, channel: str, now: float) -> TwitchMessage | None:
    """PRIVMSG in our channel -> TwitchMessage; None for another channel, no text, or a sender we cannot key a
    ballot to (no user-id tag and no nick).

    `handle` stays empty on purpose: TikTok moderators are matched on it, and a Twitch login that happens to
    equal a TikTok moderator's name must not be trusted. Message ids get a "twitch:" prefix so they can never
    collide with another platform's ids in the gateway's dedupe.
    """
    if line.command != "PRIVMSG" or len(line.params) < 2 or line.params[0].lower() != f"#{channel}":
        return None
    tags = line.tags
    login = _clean(line.nick, MAX_NAME).lower()
    user_id = _clean(tags.get("user-id", ""), MAX_ID) or (f"@{login}" if login else "")
    if not user_id:
        return None
    text = line.params[-1]
    if text.startswith(_ACTION[0]):
        text = text[len(_ACTION[0]):].removesuffix(_ACTION[1])
    text = _clean(text, MAX_TEXT)
    if not text:
        return None
    raw_id = _clean(tags.get("id", ""), MAX_ID)
    return TwitchMessage(
        PLATFORM, user_id, _clean(tags.get("display-name", ""), MAX_NAME) or login, text,
        f"{PLATFORM}:{raw_id}" if raw_id else None, now, moderator=is_moderator(tags),
    )


def notice_text(line: IrcLine) -> str:
    """A NOTICE's text, cleaned, for the admin panel."""
    return _clean(line.params[-1] if line.params else "", MAX_NOTICE)


def pong_for(line: IrcLine) -> str:
    """The answer to a PING: PONG with the same token (cleaned: it goes back onto the wire)."""
    token = _clean(line.params[-1] if line.params else "", MAX_NAME) or "tmi.twitch.tv"
    return f"PONG :{token}"


class ModeratorCommandsWithTwitch(ModeratorCommands):
    """Moderator commands from TikTok (by @name, as before) and from Twitch (by the badges on the message)."""

    def is_moderator(self, message: ChatMessage) -> bool:
        """A Twitch line is trusted only on its own moderator or broadcaster badge, never on a name."""
        if message.platform == PLATFORM:
            return isinstance(message, TwitchMessage) and message.moderator
        return super().is_moderator(message)
