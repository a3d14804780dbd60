"""Transition benchmark: vote close -> next story:chapter-ready, prefetch off vs on; and, in the show's
own cycle (the result held on screen `show.result_hold_s`), the end of that hold -> the next chapter on screen.

A local OpenAI-compatible server streams at a realistic pace (first token after 0.5 s, 40 tokens/s).
Prints JSON. Run: python bench/transition.py [--rounds 3] [--hold 6]
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path
from typing import Any

from common import API, report, summary_ms

from plugin.clock import SystemClock
from tests.support.harness import make_settings, start_server, watching
from tests.support.openai_server import FakeOpenAI, Reply

FIRST_TOKEN_S, TOKENS_PER_S = 0.5, 40.0
CHAPTER_WORDS = 120


def realistic(body: dict[str, Any]) -> Reply:
    """Outline, memory and chapters, paced like a hosted model."""
    prompt = body["messages"][1]["content"]
    pace = {"first_token_delay_s": FIRST_TOKEN_S, "tokens_per_s": TOKENS_PER_S}
    if "Plan an interactive story" in prompt:
        return Reply(content="TITLE: Bench\nOUTLINE:\n1. A\n2. B\n3. C\n4. D", **pace)
    if "Update the story memory" in prompt:
        return Reply(content='{"summary": "Something happened.", "characters": [{"name": "Ada"}]}', **pace)
    words = " ".join(f"Ada walked past stall {i} of the quiet market at dusk." for i in range(CHAPTER_WORDS // 10))
    return Reply(content=f"TITLE: Onward\nSTORY:\n{words}\nCHOICES:\nA) Left\nB) Right\nC) Wait", **pace)


async def measure(prefetch: str, rounds: int, hold_s: float = 0.0) -> list[float]:
    """For each round, seconds to the next chapter-ready: from 'close the vote' (no hold), or from the end of the
    result hold by the server's clock (negative: the chapter was ready first and appeared exactly at its end)."""
    times = []
    async with FakeOpenAI(api_key=None, default_reply=realistic) as fake:
        with tempfile.TemporaryDirectory() as folder:
            server = await start_server(make_settings(Path(folder), **{
                "llm.base_url": fake.base_url, "llm.model": "fake-model", "story.prefetch": prefetch,
                "story.max_chapters": rounds + 2, "story.chapter_words": CHAPTER_WORDS, "voting.duration_s": 600,
                "show.result_hold_s": hold_s, "tts.provider": "off", "images.provider": "off",
                "llm.offline_words_per_s": 0}), SystemClock())
            try:
                async with watching(server.url) as seen, \
                        watching(server.url, "/admin", auth={"token": server.token}) as admin_seen:
                    await server.call("POST", f"{API}/start", {"theme": "mystery"})
                    for number in range(1, rounds + 1):
                        await seen.wait_for("story:voting-started", lambda v, n=number: v["chapterNumber"] == n,
                                            timeout=120)
                        await server.call("POST", f"{API}/chat", {"user_id": f"u{number}", "text": "!b"})
                        if prefetch != "off":  # viewers vote for a while; the leader's chapter gets written meanwhile
                            await admin_seen.wait_for("story:branch-ready", lambda b, n=number:
                                                      b["chapterNumber"] == n + 1 and b["choiceIndex"] == 1,
                                                      timeout=120)
                        started = time.time()
                        await server.call("POST", f"{API}/vote/close", {})
                        if hold_s:
                            held = await seen.wait_for("story:beat", lambda b, n=number: b["beat"] == "result"
                                                       and b["chapterNumber"] == n, timeout=120)
                            started = held["endsAt"] / 1000
                        await seen.wait_for("story:chapter-ready", lambda c, n=number: c["chapterNumber"] == n + 1,
                                            timeout=120)
                        times.append(time.time() - started)
            finally:
                await server.stop()
    return times


async def main() -> None:
    """Both modes, then the figures."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--hold", type=float, default=6.0)
    args = parser.parse_args()
    off = await measure("off", args.rounds)
    on = await measure("leader", args.rounds)
    held_off = await measure("off", args.rounds, args.hold)
    held_on = await measure("leader", args.rounds, args.hold)
    report({"after_result_hold": {"hold_s": args.hold, "prefetch_off_hold_end_to_chapter": summary_ms(held_off),
                                  "prefetch_leader_hold_end_to_chapter": summary_ms(held_on)},
            "benchmark": "transition", "model_pace": {"first_token_s": FIRST_TOKEN_S, "tokens_per_s": TOKENS_PER_S},
            "rounds": args.rounds, "prefetch_off": summary_ms(off), "prefetch_leader": summary_ms(on),
            "speedup": round(sorted(off)[len(off) // 2] / max(1e-6, sorted(on)[len(on) // 2]), 1),
            "goal_prefetch_under_s": 0.3})


if __name__ == "__main__":
    asyncio.run(main())
