"""Story themes loaded from settings/themes.yaml."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from plugin.errors import SettingsError
from plugin.yamlfile import load_yaml_file

CUSTOM_THEME_ID = "custom"


DEFAULT_PALETTE = ("#1d1b2f", "#f4d35e", "#ee964b")


@dataclass(frozen=True, slots=True)
class Theme:
    """One story theme: how it is shown, how prompts describe it, what the offline writer uses."""

    id: str
    name: str
    description: str
    style: str
    palette: tuple[str, ...] = DEFAULT_PALETTE
    emoji: str = ""
    offline: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)
    defaults: dict[str, str] = field(default_factory=dict, compare=False, hash=False)  # persona, style, tone, ending

    def public(self) -> dict[str, Any]:
        """The fields the overlay and admin panel may see."""
        return {
            "id": self.id,
            "name": self.name,
            "description": self.description,
            "emoji": self.emoji,
            "palette": list(self.palette),
        }


@dataclass(frozen=True, slots=True)
class ThemeBook:
    """All themes by id, plus shared offline-writer material."""

    themes: dict[str, Theme]
    shared: dict[str, Any]

    def get(self, theme_id: str) -> Theme | None:
        """Theme by id, or None."""
        return self.themes.get(theme_id)

    def custom(self, description: str) -> Theme:
        """A one-off theme from a streamer's own description, styled like the nearest default."""
        base = self.themes.get("adventure") or next(iter(self.themes.values()))
        return Theme(
            id=CUSTOM_THEME_ID,
            name="Custom",
            description=description.strip(),
            style=description.strip(),
            palette=base.palette,
            emoji="✨",
            offline=base.offline,
            defaults=base.defaults,
        )


def load_themes(path: Path) -> ThemeBook:
    """Read and check themes.yaml; a bad file raises SettingsError naming file and line."""
    data, lines = load_yaml_file(path)
    if not isinstance(data, dict) or not isinstance(data.get("themes"), list):
        raise SettingsError(f"{path}: expected a top-level 'themes:' list")
    themes: dict[str, Theme] = {}
    for position, raw in enumerate(data["themes"]):
        where = f"{path}:{lines.get(f'themes.{position}', 0)}"
        if not isinstance(raw, dict):
            raise SettingsError(f"{where}: each theme must be a mapping")
        missing = [key for key in ("id", "name", "description", "style") if not raw.get(key)]
        if missing:
            raise SettingsError(f"{where}: theme is missing {', '.join(missing)}")
        theme = Theme(
            id=str(raw["id"]),
            name=str(raw["name"]),
            description=str(raw["description"]),
            style=str(raw["style"]),
            palette=tuple(str(c) for c in raw.get("palette") or DEFAULT_PALETTE),
            emoji=str(raw.get("emoji", "")),
            offline=dict(raw.get("offline") or {}),
            defaults={str(k): str(v) for k, v in (raw.get("defaults") or {}).items()},
        )
        if theme.id in themes or theme.id == CUSTOM_THEME_ID:
            raise SettingsError(f"{where}: duplicate or reserved theme id '{theme.id}'")
        themes[theme.id] = theme
    return ThemeBook(themes=themes, shared=dict(data.get("shared") or {}))
