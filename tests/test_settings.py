"""Settings: the cascade, validation with file and line, masking, and the CLI's one-line errors."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from plugin.errors import SettingsError
from plugin.paths import DEFAULT_SETTINGS, ROOT
from plugin.settings.schema import SCHEMA, load_settings, public_settings
from plugin.writers.router import load_presets, resolve_provider


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "mine.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_every_default_is_documented_with_a_comment() -> None:
    lines = DEFAULT_SETTINGS.read_text().splitlines()
    for key in SCHEMA:
        name = key.split(".")[1]
        index = next(i for i, line in enumerate(lines) if line.strip().startswith(f"{name}:"))
        assert lines[index - 1].strip().startswith("#"), f"{key} has no comment above it"


def test_cascade_file_then_env_then_flags(tmp_path: Path) -> None:
    path = write(tmp_path, "story:\n  max_chapters: 7\nllm:\n  model: from-file\n")
    settings = load_settings(path, env={"OPENAI_API_KEY": "sk-env-123456789", "STORY_ADMIN_TOKEN": "tok"},
                             flags={"server.port": 9999, "story.max_chapters": None})
    assert settings.story.max_chapters == 7
    assert settings.llm.model == "from-file"
    assert settings.llm.api_key == "sk-env-123456789"
    assert settings.server.admin_token == "tok"
    assert settings.server.port == 9999
    assert settings.story.num_choices == 3  # untouched default


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("story:\n  max_chapters: 3\n  colour: red\n", "mine.yaml:3: unknown setting 'story.colour'"),
        ("story:\n  num_choices: lots\n", "mine.yaml:2: story.num_choices: expected an integer, got 'lots'"),
        ("story:\n  num_choices: 9\n", "mine.yaml:2: story.num_choices: must be at most 6"),
        ("voting:\n  tie_break: coin\n", "mine.yaml:2: voting.tie_break: expected one of"),
        ("story:\n  max_chapters: [3\n", "mine.yaml:3: YAML syntax error"),
        ("- just a list\n", "mine.yaml: expected a mapping"),
    ],
)
def test_bad_settings_name_file_line_and_key(tmp_path: Path, text: str, expected: str) -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings(write(tmp_path, text), env={})
    assert expected in caught.value.message


def test_api_keys_are_masked_in_public_settings() -> None:
    settings = load_settings(env={"OPENAI_API_KEY": "sk-secret-abcdefgh1234"})
    shown = public_settings(settings)
    assert shown["llm"]["api_key"] == "sk-…1234"
    assert "secret" not in str(shown)


def test_no_key_no_url_means_offline_writer_and_a_key_switches_to_openai() -> None:
    presets = load_presets()
    assert resolve_provider(load_settings(env={}).llm, presets).kind == "offline"
    with_key = resolve_provider(load_settings(env={"OPENAI_API_KEY": "sk-x"}).llm, presets)
    assert (with_key.kind, with_key.base_url) == ("openai", "https://api.openai.com/v1")
    local = resolve_provider(load_settings(env={"OPENAI_BASE_URL": "http://127.0.0.1:1234/v1"}).llm, presets)
    assert local.kind == "openai"


def test_presets_fill_base_url_and_model() -> None:
    presets = load_presets()
    settings = load_settings(env={}, flags={"llm.preset": "ollama"})
    choice = resolve_provider(settings.llm, presets)
    assert (choice.kind, choice.base_url, choice.model) == ("openai", "http://127.0.0.1:11434/v1", "llama3.1")
    needs_key = resolve_provider(load_settings(env={}, flags={"llm.preset": "siliconflow"}).llm, presets)
    assert needs_key.kind == "offline" and "needs an API key" in needs_key.reason


def test_cli_reports_a_bad_settings_file_in_one_line(tmp_path: Path) -> None:
    path = write(tmp_path, "server:\n  port: eighty\n")
    result = subprocess.run(
        [sys.executable, "-m", "plugin", "--settings", str(path), "--data-dir", str(tmp_path / "d")],
        capture_output=True, text=True, cwd=ROOT, timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.strip() == f"error: {path}:2: server.port: expected an integer, got 'eighty'"
    assert "Traceback" not in result.stderr


def test_cli_migrate_creates_the_database(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "plugin", "migrate", "--data-dir", str(tmp_path / "d")],
        capture_output=True, text=True, cwd=ROOT, timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "0001_initial.sql, 0002_viewer_actions.sql, 0003_story_tools.sql" in result.stdout
    assert (tmp_path / "d" / "story.db").exists()
    again = subprocess.run(
        [sys.executable, "-m", "plugin", "migrate", "--data-dir", str(tmp_path / "d")],
        capture_output=True, text=True, cwd=ROOT, timeout=60,
    )
    assert "applied 0 migration(s)" in again.stdout
