"""Streaming removal of <think>...</think> reasoning blocks, even when tags are split across deltas."""

from __future__ import annotations

_OPEN_TAGS = ("<think>", "<thinking>")
_CLOSE_TAGS = ("</think>", "</thinking>")
_LONGEST = max(len(t) for t in _OPEN_TAGS + _CLOSE_TAGS)


def _find(text: str, tags: tuple[str, ...]) -> tuple[int, int]:
    """(start, length) of the earliest tag in text (case-insensitive), or (-1, 0)."""
    lowered = text.lower()
    best = (-1, 0)
    for tag in tags:
        index = lowered.find(tag)
        if index != -1 and (best[0] == -1 or index < best[0]):
            best = (index, len(tag))
    return best


def _partial_tag_suffix(text: str, tags: tuple[str, ...]) -> int:
    """Length of the longest end of `text` that could be the start of a tag."""
    lowered = text[-_LONGEST:].lower()
    for size in range(min(len(lowered), _LONGEST - 1), 0, -1):
        tail = lowered[-size:]
        if any(tag.startswith(tail) for tag in tags):
            return size
    return 0


class ThinkFilter:
    """Feed deltas in, get story text out; reasoning inside think tags never comes out."""

    def __init__(self) -> None:
        self._buffer = ""
        self._inside = False

    def feed(self, delta: str) -> str:
        """Text that is safe to pass on now."""
        self._buffer += delta
        out: list[str] = []
        while self._buffer:
            if self._inside:
                start, length = _find(self._buffer, _CLOSE_TAGS)
                if start == -1:
                    keep = _partial_tag_suffix(self._buffer, _CLOSE_TAGS)
                    self._buffer = self._buffer[len(self._buffer) - keep :] if keep else ""
                    break
                self._buffer = self._buffer[start + length :]
                self._inside = False
            else:
                start, length = _find(self._buffer, _OPEN_TAGS)
                if start == -1:
                    keep = _partial_tag_suffix(self._buffer, _OPEN_TAGS)
                    cut = len(self._buffer) - keep
                    out.append(self._buffer[:cut])
                    self._buffer = self._buffer[cut:]
                    break
                out.append(self._buffer[:start])
                self._buffer = self._buffer[start + length :]
                self._inside = True
        return "".join(out)

    def flush(self) -> str:
        """Whatever is left at the end of the stream (nothing, if a think block never closed)."""
        rest, self._buffer = ("" if self._inside else self._buffer), ""
        return rest
