"""Files named by a hash of what made them, in one folder: strict names, atomic writes, trimmed by age and size."""

from __future__ import annotations

import hashlib
import logging
import os
import re
import stat
import time
from pathlib import Path

log = logging.getLogger(__name__)
NAME = re.compile(r"^[0-9a-f]{32}\.(png|jpg|webp|wav|mp3)$")
CONTENT_TYPES = {"png": "image/png", "jpg": "image/jpeg", "webp": "image/webp", "wav": "audio/wav", "mp3": "audio/mpeg"}


MAX_NAME_CHARS = 255


def contained_file(folder: Path, relative: str) -> Path | None:
    """The regular file at `relative` under `folder`, or None: no traversal, no hidden names, no symlinks
    (a link inside the folder pointing outside it is refused too), no over-long or otherwise unusable names."""
    parts = relative.split("/")
    if len(relative) > 4 * MAX_NAME_CHARS or any(
            not part or part.startswith(".") or len(part) > MAX_NAME_CHARS or "\\" in part or "\x00" in part
            for part in parts):
        return None
    path = folder.joinpath(*parts)
    try:
        real = path.resolve(strict=True)
        is_regular = stat.S_ISREG(os.lstat(path).st_mode)
    except (OSError, ValueError, RuntimeError):
        return None
    return path if is_regular and real == folder.resolve().joinpath(*parts) else None


def sniff_extension(data: bytes) -> str | None:
    """The file type from its first bytes (never trust a provider's claim)."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    if data[:4] == b"RIFF" and data[8:12] == b"WAVE":
        return "wav"
    if data[:3] == b"ID3" or (len(data) > 1 and data[0] == 0xFF and data[1] & 0xE0 == 0xE0):
        return "mp3"
    return None


class FileCache:
    """A folder of content-addressed files; names outside the strict pattern are never served."""

    def __init__(self, folder: Path, max_bytes: int, max_age_s: float | None = None) -> None:
        self.folder = folder
        self.max_bytes = max_bytes
        self.max_age_s = max_age_s
        folder.mkdir(parents=True, exist_ok=True)

    @staticmethod
    def key(*parts: object) -> str:
        """A 32-hex-digit key for whatever determines the file."""
        return hashlib.sha256("\x1f".join(str(p) for p in parts).encode("utf-8")).hexdigest()[:32]

    def path(self, name: str) -> Path | None:
        """The file for a served name, or None if the name is not ours or the file is gone."""
        return contained_file(self.folder, name) if NAME.match(name) else None

    def find(self, key: str) -> str | None:
        """The cached file name for a key, whatever its type."""
        for ext in CONTENT_TYPES:
            if (self.folder / f"{key}.{ext}").is_file():
                return f"{key}.{ext}"
        return None

    def store(self, key: str, data: bytes, ext: str) -> str:
        """Write a file atomically (a reader never sees half of it) and return its name."""
        if ext not in CONTENT_TYPES or not re.fullmatch(r"[0-9a-f]{32}", key):
            raise ValueError(f"not a cacheable file: {key}.{ext}")
        name = f"{key}.{ext}"
        tmp = self.folder / f".{name}.{os.getpid()}.tmp"
        tmp.write_bytes(data)
        os.replace(tmp, self.folder / name)
        return name

    def cleanup(self, now: float | None = None, keep: set[str] | None = None) -> tuple[int, int]:
        """Remove files past the age limit, then the oldest until under the size limit; returns (files, bytes)."""
        now = now or time.time()
        keep = keep or set()
        files = sorted((p for p in self.folder.iterdir() if NAME.match(p.name)), key=lambda p: p.stat().st_mtime)
        total = sum(p.stat().st_size for p in files)
        removed = freed = 0
        for path in files:
            stat = path.stat()
            too_old = self.max_age_s is not None and now - stat.st_mtime > self.max_age_s
            if path.name in keep or not (too_old or total > self.max_bytes):
                continue
            path.unlink(missing_ok=True)
            total -= stat.st_size
            removed, freed = removed + 1, freed + stat.st_size
        if removed:
            log.info("cache %s: removed %d files (%d bytes)", self.folder.name, removed, freed)
        return removed, freed
