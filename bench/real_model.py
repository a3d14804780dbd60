"""A whole story against any OpenAI-compatible server: what reached the overlay, what the gate found, and what it
cost. Prints JSON (per chapter, then totals).

Run: python bench/real_model.py --base-url http://127.0.0.1:8090/v1 --model tiny [--chapters 4 --choices 3]
A local model: serve one with llama.cpp's server (see README, "Which models work"), then point this at it.
"""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import tempfile
import time
from pathlib import Path
from typing import Any

from common import API, AUTH, TOKEN, ServerProcess, report

from tests.support.harness import watching
from tests.support.leaks import bad_choices, ends_with_sentence, junk_names, leaks_in


async def vote_when_open(server: ServerProcess, seen: Any, http: Any, stop: asyncio.Event) -> None:
    """Three viewers vote B, one A, one C, in every round (so B wins)."""
    voted: set[int] = set()
    while not stop.is_set():
        for vote in seen.named("story:voting-started"):
            number = vote["chapterNumber"]
            if number not in voted:
                voted.add(number)
                lines = [{"user_id": f"v{i}", "nickname": f"Viewer {i}", "text": text, "msg_id": f"{number}-{i}"}
                         for i, text in enumerate(["!b", "!B", "b", "!a", "!c"])]
                await http.post(f"{server.url}{API}/chat", json={"messages": lines}, headers=AUTH)
        seen.changed.clear()
        try:
            await asyncio.wait_for(seen.changed.wait(), 1.0)
        except TimeoutError:
            pass


def streamed_per_chapter(events: list[tuple[str, Any]]) -> dict[int, str]:
    """What the overlay showed of each chapter while it streamed (since its last reset)."""
    shown: dict[int, str] = {}
    for name, data in events:
        if name == "story:chapter-token":
            shown[data["chapterNumber"]] = shown.get(data["chapterNumber"], "") + data["delta"]
        elif name == "story:chapter-reset":
            shown[data["chapterNumber"]] = ""
    return shown


def usage_rows(data_dir: Path) -> list[dict[str, Any]]:
    """Every model call the server made."""
    with sqlite3.connect(data_dir / "story.db") as db:
        db.row_factory = sqlite3.Row
        return [dict(r) for r in db.execute("SELECT at, purpose, provider, model, tokens_in, tokens_out, latency_ms,"
                                            " outcome, error FROM llm_usage ORDER BY id")]


async def run(args: argparse.Namespace) -> dict[str, Any]:
    """Start a server on the model, run one story to its end, read what happened."""
    import aiohttp

    folder = Path(tempfile.mkdtemp(prefix="real-model-"))
    settings = {"llm": {"base_url": args.base_url, "api_key": "sk-local", "model": args.model,
                        "timeout_s": args.llm_timeout},
                "story": {"max_chapters": args.chapters, "num_choices": args.choices, "prefetch": "off"},
                "voting": {"duration_s": args.vote_s, "opens": "with_chapter"},
                "show": {"result_hold_s": 0, "final_hold_s": 0}, "chat": {"source": "none"},
                "tts": {"provider": "off"}, "images": {"provider": "off"}}
    server = ServerProcess(folder / "data", settings)
    await server.start()
    started = time.monotonic()
    try:
        async with aiohttp.ClientSession() as http, watching(server.url, "/admin", {"token": TOKEN}) as seen:
            stop = asyncio.Event()
            voter = asyncio.create_task(vote_when_open(server, seen, http, stop))
            await http.post(f"{server.url}{API}/start", json={"theme": args.theme}, headers=AUTH)
            ended = await seen.wait_for("story:ended", timeout=args.timeout)
            stop.set()
            await voter
            async with http.get(f"{server.url}{API}/memory", headers=AUTH) as resp:
                memory = (await resp.json())["memory"]
        wall = time.monotonic() - started
    finally:
        await server.terminate()
    return analyse(seen.events, ended, memory, usage_rows(folder / "data"), wall, args)


def analyse(events: list[tuple[str, Any]], ended: dict[str, Any], memory: dict[str, Any],
            usage: list[dict[str, Any]], wall: float, args: argparse.Namespace) -> dict[str, Any]:
    """The report: per chapter, then totals."""
    streamed = streamed_per_chapter(events)
    chapters = []
    for name, data in events:
        if name != "story:chapter-ready":
            continue
        number = data["chapterNumber"]
        leaks = {where: leaks_in(text) for where, text in (
            ("title", data["title"]), ("content", data["content"]), ("choices", "\n".join(data["choices"])),
            ("streamed", streamed.get(number, "")))}
        chapters.append({
            "number": number, "isFinal": data["isFinal"], "model": data["model"], "fellBack": data["fellBack"],
            "quality": data.get("quality"), "reason": data.get("reason"), "title": data["title"],
            "words": len(data["content"].split()), "content": data["content"], "choices": data["choices"],
            "choiceProblems": [] if data["isFinal"] else bad_choices(data["choices"], args.choices),
            "leaks": {k: v for k, v in leaks.items() if v},
            "streamedIsStartOfText": " ".join(data["content"].split()).startswith(
                " ".join(streamed.get(number, "").split())),
            "endsWithSentence": ends_with_sentence(data["content"]),
            "gate": data.get("findings", [])[:8],
        })
    calls = [u for u in usage if u["provider"] == "openai"]
    final = next((c for c in chapters if c["isFinal"]), None)
    return {
        "benchmark": "real_model", "model": args.model, "baseUrl": args.base_url, "chapters": chapters,
        "totals": {
            "chapters": len(chapters), "byModel": sum(not c["fellBack"] for c in chapters),
            "byOfflineWriter": sum(bool(c["fellBack"]) for c in chapters),
            "clean": sum(c["quality"] == "clean" for c in chapters),
            "repaired": sum(c["quality"] == "repaired" for c in chapters),
            "leaks": sum(len(v) for c in chapters for v in c["leaks"].values()),
            "chaptersWithChoiceProblems": sum(bool(c["choiceProblems"]) for c in chapters),
            "finalEndsWithSentence": bool(final and final["endsWithSentence"]),
            "streamedMatchesText": all(c["streamedIsStartOfText"] for c in chapters),
            "memoryJunkNames": junk_names(memory),
            "memoryCharacters": [c["name"] for c in memory.get("characters", [])],
            "modelCalls": len(calls), "callsPerChapter": round(len(calls) / max(1, len(chapters)), 2),
            "callsByPurpose": {p: sum(u["purpose"] == p for u in calls) for p in sorted({u["purpose"] for u in calls})},
            "tokensOut": sum(u["tokens_out"] for u in calls), "modelSeconds": round(sum(u["latency_ms"] for u in calls)
                                                                                     / 1000, 1),
            "failedCalls": sum(u["outcome"] != "ok" for u in calls), "storySeconds": round(wall, 1),
            "failures": sorted({f"{u['purpose']}: {(u['error'] or '')[:90]}" for u in calls if u["outcome"] != "ok"}),
            "ended": bool(ended), "recapChapters": ended["recap"]["chapters"],
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--model", required=True)
    parser.add_argument("--chapters", type=int, default=4)
    parser.add_argument("--choices", type=int, default=3)
    parser.add_argument("--theme", default="fantasy")
    parser.add_argument("--vote-s", type=float, default=8)
    parser.add_argument("--llm-timeout", type=float, default=120)
    parser.add_argument("--timeout", type=float, default=1800)
    report(asyncio.run(run(parser.parse_args())))


if __name__ == "__main__":
    main()
