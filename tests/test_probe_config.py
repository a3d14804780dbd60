"""Probe: settings from files, the API and the database can never hang start-up, crash a route or stop a story."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from plugin import keys
from plugin.errors import SettingsError
from plugin.jsonsafe import dumps
from plugin.paths import ROOT
from plugin.settings.schema import load_settings, public_settings
from tests.conftest import StartServer

API = "/api/interactive-story"
LAUGHS = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join([f'*{chr(97 + i)}'] * 9)}]\n" for i in range(9))


def strict(text: str) -> object:
    """Parse JSON the way a browser does: NaN and Infinity are errors."""
    def refuse(constant: str) -> None:
        raise ValueError(f"{constant} is not JSON")
    return json.loads(text, parse_constant=refuse)


def run_cli(tmp_path: Path, yaml_text: str) -> subprocess.CompletedProcess[str]:
    """`interactive-story migrate --settings FILE` on a settings file."""
    path = tmp_path / "mine.yaml"
    path.write_text(yaml_text, encoding="utf-8")
    return subprocess.run([sys.executable, "-m", "plugin", "migrate", "--settings", str(path), "--data-dir",
                           str(tmp_path / "d")], capture_output=True, text=True, cwd=ROOT, timeout=60)


@pytest.mark.parametrize(("text", "expected"), [
    (LAUGHS, "mine.yaml:2: YAML error: aliases (*name) are not allowed in settings files"),
    ("story:\n" + "".join("  " * (i + 1) + f"k{i}:\n" for i in range(60)) + "  " * 61 + "x: 1\n",
     "mine.yaml:20: YAML error: nested deeper than 20 levels"),
    ("story: " + "[" * 3000 + "]" * 3000 + "\n", "mine.yaml:1: YAML error: nested deeper than 20 levels"),
    ("voting:\n  duration_s: .nan\n", "mine.yaml:2: voting.duration_s: expected a number, got nan"),
    ("voting:\n  duration_s: -.inf\n", "mine.yaml:2: voting.duration_s: expected a number, got -inf"),
    ("base: &base {duration_s: 5}\nvoting:\n  <<: *base\n", "mine.yaml:3: YAML error: aliases (*name)"),
], ids=["billion-laughs", "deep-mapping", "deep-flow", "nan", "minus-inf", "merge-key"])
def test_hostile_settings_files_fail_fast_in_one_line(tmp_path: Path, text: str, expected: str) -> None:
    result = run_cli(tmp_path, text)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    line = result.stderr.strip()
    assert line.count("\n") == 0 and line.startswith("error: ") and expected in line


def test_a_billion_laughs_is_refused_before_it_expands(tmp_path: Path) -> None:
    path = tmp_path / "mine.yaml"
    path.write_text(LAUGHS, encoding="utf-8")
    with pytest.raises(SettingsError, match="aliases"):  # a linear-time refusal, however deep the aliases go
        load_settings(path, {})


@pytest.mark.parametrize("raw", [b'{"voting": {"duration_s": NaN}}', b'{"voting.duration_s": Infinity}',
                                 b'{"voting": {"duration_s": -Infinity}}', b'{"voting": {"duration_s": 1e999}}'])
async def test_non_finite_numbers_are_refused_and_never_stored(serve: StartServer, tmp_path: Path, raw: bytes) -> None:
    server = await serve()
    status, body = await server.call("POST", f"{API}/config", data=raw)
    assert status == 400 and body["error"]["field"].endswith("duration_s") and "finite" in body["error"]["message"]
    db = sqlite3.connect(tmp_path / "data" / "story.db")
    assert db.execute("SELECT COUNT(*) FROM story_config").fetchone()[0] == 0
    status, body = await server.call("POST", f"{API}/start", {"theme": "fantasy"})
    assert status == 201


async def test_a_saved_override_that_no_longer_validates_is_skipped_and_reported(serve: StartServer,
                                                                                 tmp_path: Path) -> None:
    first = await serve()
    await first.call("POST", f"{API}/config", {"voting": {"duration_s": 17}})
    await first.stop()
    db = sqlite3.connect(tmp_path / "data" / "story.db")
    with db:  # what an older version (or a hand edit) may have left in the database
        db.executemany("INSERT OR REPLACE INTO story_config (key, value_json, updated_at) VALUES (?, ?, 0)",
                       [("voting.min_votes", "NaN"), ("story.num_choices", "99"), ("story.gone", "1")])
    second = await serve()
    async with second.http.get(f"{second.url}{API}/config", headers=second.auth) as resp:
        body = strict(await resp.text())
    assert body["config"]["voting"]["duration_s"] == 17  # the good override still applies
    assert body["config"]["voting"]["min_votes"] == 0 and body["config"]["story"]["num_choices"] == 3
    skipped = " ".join(body["skippedOverrides"])
    assert "voting.min_votes" in skipped and "story.num_choices" in skipped and "story.gone" in skipped
    status, started = await second.call("POST", f"{API}/start", {"theme": "fantasy"})
    assert status == 201
    async with second.http.get(f"{second.url}{API}/status") as resp:
        assert strict(await resp.text())["state"] in ("outlining", "writing", "voting")


async def test_deep_json_and_huge_ids_are_clear_errors(serve: StartServer) -> None:
    server = await serve()
    for depth in (40, 1_500, 100_000):
        status, body = await server.call("POST", f"{API}/config", data=b'{"a": ' + b"[" * depth + b"]" * depth + b"}")
        assert status == 400 and "nests deeper" in body["error"]["message"], depth
    big = "9" * 40
    for path in (f"session/{big}", f"export/{big}", f"drafts/{big}", f"session/{2**63}"):
        status, body = await server.call("GET", f"{API}/{path}")
        assert status == 404 and body["error"]["code"] == "not_found", path
    for method, path in (("POST", f"drafts/{big}/outline"), ("POST", f"drafts/{big}/start"),
                         ("DELETE", f"drafts/{big}"), ("PATCH", f"drafts/{big}")):
        status, body = await server.call(method, f"{API}/{path}", {})
        assert status == 404, path
    status, body = await server.call("GET", f"{API}/sessions?offset={big}")
    assert status == 400 and body["error"]["field"] == "offset"


def test_passwords_inside_urls_are_masked_like_keys() -> None:
    settings = load_settings(env={}, flags={"llm.base_url": "https://me:hunter2@llm.example/v1",
                                            "realtime.redis_url": "redis://:sesame@127.0.0.1:6379/0"})
    shown = public_settings(settings)
    assert shown["llm"]["base_url"] == "https://me:•••@llm.example/v1"
    assert shown["realtime"]["redis_url"] == "redis://:•••@127.0.0.1:6379/0"
    assert "hunter2" not in str(shown) and "sesame" not in str(shown)


async def test_a_masked_url_sent_back_keeps_the_real_one(serve: StartServer) -> None:
    server = await serve(**{"llm.base_url": "http://me:hunter2@127.0.0.1:9/v1", "llm.api_key": "k"})
    status, body = await server.call("GET", f"{API}/config")
    assert "hunter2" not in json.dumps(body) and body["llm"]["baseUrl"] == "http://me:•••@127.0.0.1:9/v1"
    status, body = await server.call("POST", f"{API}/config", {"llm": {"base_url": "http://me:•••@127.0.0.1:9/v1"}})
    assert status == 200 and server.app[keys.CONFIG].settings.llm.base_url == "http://me:hunter2@127.0.0.1:9/v1"


def test_json_going_out_never_holds_nan() -> None:
    assert dumps({"a": float("nan"), "b": [float("inf"), 1.5], "c": {"d": -float("inf")}}) == \
        '{"a": null, "b": [null, 1.5], "c": {"d": null}}'
