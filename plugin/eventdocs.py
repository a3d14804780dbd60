"""docs/events.md, generated from the payloads in plugin/events.py: `python -m plugin.eventdocs > docs/events.md`."""

from __future__ import annotations

import dataclasses
import inspect
import re
import sys
import typing

from plugin import events

INTRO = """# Socket.IO events

Generated from `plugin/events.py` by `python -m plugin.eventdocs > docs/events.md` (a test fails when this
file is stale). Namespaces: `/overlay` (public, read-only) and `/admin` (connect with `auth: {token}`).
Admins receive every event; overlays every event not marked "admins only", in its public form (no error
details). Field names are camelCase on the wire.

Times are epoch milliseconds on the server's clock: compute `offset = serverTime - Date.now()` when a
`story:state` or `story:voting-started` arrives, then `remaining = endsAt - (Date.now() + offset)`.

Narration: `story:narration` lines come one per sentence (or dialogue part), in order of `index` within
a chapter, then one `kind: "vote-call"`; each is heard at its `startsAt` (server ms) for `durationMs`
(`audioUrl` null means "show the line for that long, silently"); lines already over are skipped and a
line already begun starts part-way. `story:state.narration.lines` repeats the current chapter's lines, so
a page that reloads takes up the reading where it was.

Beats: `story:beat` says what the show is doing (`writing`, `narrating`, `voting`, `result`, `waiting`,
`finale`, `ended`, `error`) from `startedAt` until `endsAt` (null: open-ended) and what comes `then`;
`story:state.beat` repeats it. Pages show it; only the server moves the show on.

Admin -> server: `story:force-vote-end` (ack `{ok}`), `story:regenerate-image` `{prompt?, chapterNumber?}`
(ack `{ok, chapterNumber, pending}`).
"""
_FIELD = re.compile(r"^\s+(\w+): ([^=#]+?)(?:\s*=[^#]*)?(?:\s*#\s*(.*))?$")


def _comments(cls: type) -> dict[str, str]:
    """The trailing comment of each field line in the class's source."""
    found: dict[str, str] = {}
    for line in inspect.getsource(cls).splitlines():
        match = _FIELD.match(line)
        if match and match.group(3):
            found[match.group(1)] = match.group(3).strip()
    return found


def _type_name(kind: object) -> str:
    """A readable type."""
    text = getattr(kind, "__name__", None) if not typing.get_args(kind) else None
    text = text or str(kind).replace("typing.", "")
    return re.sub(r"\bplugin\.events\.", "", text).replace("NoneType", "null")


def _cell(text: str) -> str:
    """Text that can sit in a Markdown table cell."""
    return text.replace("|", "\\|")


def _fields(cls: type) -> list[str]:
    """Table rows for a payload's fields (spread fields list the spread type's fields)."""
    hints, notes, rows = typing.get_type_hints(cls), {k: _cell(v) for k, v in _comments(cls).items()}, []
    for item in dataclasses.fields(cls):
        kind = hints[item.name]
        if item.metadata.get("spread"):
            inner = kind if dataclasses.is_dataclass(kind) else None
            rows.append(f"| *(the fields of {_type_name(kind)})* | | {notes.get(item.name, '')} |" if inner is None
                        else f"| *(every field of `{kind.__name__}`, below)* | | |")
            continue
        rows.append(f"| `{events.camel(item.name)}` | `{_cell(_type_name(kind))}` | {notes.get(item.name, '')} |")
    return rows


def markdown() -> str:
    """The whole document."""
    parts = [INTRO]
    for cls in events.EVENTS:
        audience = "admins only" if cls.admin_only else "overlays and admins"
        public = " (overlays get a public form)" if "public" in cls.__dict__ else ""
        parts.append(f"\n## `{cls.name}`\n\n{inspect.getdoc(cls)} To: {audience}{public}.\n\n"
                     "| field | type | meaning |\n|---|---|---|\n" + "\n".join(_fields(cls)) + "\n")
    for part in events.PARTS:
        parts.append(f"\n## `{part.__name__}`\n\n{inspect.getdoc(part)}\n\n"
                     "| field | type | meaning |\n|---|---|---|\n" + "\n".join(_fields(part)) + "\n")
    return "".join(parts)


if __name__ == "__main__":
    sys.stdout.write(markdown())
