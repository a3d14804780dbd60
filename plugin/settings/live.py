"""The live settings: start-up layers plus overrides saved from the admin panel, applied without restart."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

from plugin.errors import BadRequest, SettingsError
from plugin.settings.schema import (
    SECRET_KEYS,
    STARTUP_ONLY_KEYS,
    URL_KEYS,
    Settings,
    flatten,
    masked,
    validate_layer,
)
from plugin.store.meta import MetaRepo

log = logging.getLogger(__name__)


class ConfigService:
    """Holds the current Settings; `update` validates, persists and applies a patch."""

    def __init__(self, base: Settings, meta: MetaRepo) -> None:
        self.settings = base
        self.meta = meta
        self._listeners: list[Callable[[Settings], None]] = []
        self.skipped: list[str] = []  # saved overrides that no longer validate (shown in the admin panel)

    def on_change(self, listener: Callable[[Settings], None]) -> None:
        """Call `listener` with the new settings after every applied update."""
        self._listeners.append(listener)

    async def load_saved(self) -> None:
        """Apply overrides saved earlier; one that no longer validates is skipped and reported, never applied."""
        saved = await self.meta.saved_config()
        good: dict[str, Any] = {}
        for key, value in saved.items():
            if key in STARTUP_ONLY_KEYS:
                continue
            try:
                good.update(validate_layer({key: value}, "saved config"))
            except SettingsError as exc:
                log.warning("ignoring saved setting: %s", exc.message)
                self.skipped.append(exc.message)
        if good:
            self.settings = self.settings.replace(good)

    def _clean_patch(self, patch: Mapping[str, Any]) -> dict[str, Any]:
        """Flatten a patch, drop secrets (and URLs) sent back still masked, refuse start-up-only keys."""
        if not isinstance(patch, Mapping):
            raise BadRequest("expected a JSON object of settings", code="invalid_settings")
        flat = flatten(patch)
        current = self.settings.flat()
        for key in (SECRET_KEYS | URL_KEYS) & flat.keys():
            value = flat[key]
            if isinstance(value, str) and value and value != current[key] and value == masked(key, current[key]):
                del flat[key]
        for key in STARTUP_ONLY_KEYS & flat.keys():
            raise BadRequest(f"'{key}' is read at start-up: set it in the settings file", field=key,
                             code="invalid_settings")
        return flat

    def _validate(self, patch: Mapping[str, Any]) -> dict[str, Any]:
        """A checked flat patch; errors carry the dotted field name."""
        flat = self._clean_patch(patch)
        try:
            return validate_layer(flat, "config")
        except SettingsError as exc:
            raise SettingsError(exc.message.removeprefix("config: "), field=exc.field) from None

    def preview(self, patch: Mapping[str, Any]) -> Settings:
        """The settings a patch would give, validated but neither saved nor applied."""
        return self.settings.replace(self._validate(patch))

    async def update(self, patch: Mapping[str, Any]) -> Settings:
        """Validate a patch (nested or dotted keys), save it and apply it at once."""
        values = self._validate(patch)
        if values:
            self.settings = self.settings.replace(values)
            await self.meta.save_config(values)
            for listener in self._listeners:
                listener(self.settings)
        return self.settings
