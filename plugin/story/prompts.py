"""Prompt templates (settings/prompts/*.j2, Jinja2 with StrictUndefined) rendered into chat messages."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jinja2

from plugin.errors import SettingsError
from plugin.paths import PROMPTS_DIR

PURPOSES = ("outline", "chapter", "final", "repair", "memory", "memory_json", "check", "rewrite", "scene", "image",
            "premise", "writers_chat")


class PromptBook:
    """Loads every template up front so a broken one stops start-up with its file and line."""

    def __init__(self, folder: Path = PROMPTS_DIR) -> None:
        self.env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(folder),
            undefined=jinja2.StrictUndefined,
            autoescape=False,  # prompts are plain text for a model, never HTML
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=False,
        )
        self.folder = folder
        for name in ("system", *PURPOSES, "fallback_choices", "join_note"):
            self._template(name)

    def _template(self, name: str) -> jinja2.Template:
        """A template by purpose name, with syntax errors turned into one clear line."""
        try:
            return self.env.get_template(f"{name}.j2")
        except jinja2.TemplateSyntaxError as exc:
            raise SettingsError(f"{exc.filename or self.folder / name}:{exc.lineno}: {exc.message}") from None
        except jinja2.TemplateNotFound:
            raise SettingsError(f"{self.folder / (name + '.j2')}: prompt template is missing") from None

    def render(self, name: str, **context: Any) -> str:
        """Render one template; a missing variable is a SettingsError naming the template."""
        try:
            return self._template(name).render(**context).strip()
        except jinja2.UndefinedError as exc:
            raise SettingsError(f"{self.folder / (name + '.j2')}: {exc.message}") from None

    def messages(self, purpose: str, **context: Any) -> tuple[dict[str, str], ...]:
        """System and user messages for one purpose."""
        return (
            {"role": "system", "content": self.render("system", **context)},
            {"role": "user", "content": self.render(purpose, **context)},
        )

    def fallback_choices(self, **context: Any) -> list[str]:
        """Generic choices used when a model gives too few even after a repair request."""
        return [line.strip() for line in self.render("fallback_choices", **context).splitlines() if line.strip()]
