"""Where the product's own files live (settings, migrations, pages), found from the package."""

from __future__ import annotations

import os
from pathlib import Path

# The package sits next to settings/, migrations/, overlay/ and admin/ in the project folder
# (installed with `pip install -e .`); STORY_RESOURCES points elsewhere if they were moved.
ROOT = Path(os.environ.get("STORY_RESOURCES") or Path(__file__).resolve().parent.parent)
SETTINGS_DIR = ROOT / "settings"
PROMPTS_DIR = SETTINGS_DIR / "prompts"
MIGRATIONS_DIR = ROOT / "migrations"
OVERLAY_DIR = ROOT / "overlay"
ADMIN_DIR = ROOT / "admin"
DEFAULT_SETTINGS = SETTINGS_DIR / "default.yaml"
