"""Journal benchmark: ballots persisted per second under a flood, and the measured loss window on kill -9.

The loss window is how long before the kill the oldest ballot lies that the API had acknowledged but
SQLite does not have. Prints JSON. Run: python bench/journal.py [--seconds 4]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sqlite3
import tempfile
import time
from pathlib import Path

import aiohttp
from common import API, AUTH, QUIET, ServerProcess, report

BATCH = 100


def on_disk(data_dir: Path) -> int:
    """Ballots in SQLite."""
    with sqlite3.connect(data_dir / "story.db") as db:
        return int(db.execute("SELECT COUNT(*) FROM story_ballots").fetchone()[0])


async def flood(url: str, http: aiohttp.ClientSession, seconds: float, first: int,
                acked: list[tuple[int, float]]) -> None:
    """New voters' ballots as fast as the API takes them; each acknowledged batch is recorded (count, time)."""
    sent, started = first, time.perf_counter()
    while time.perf_counter() - started < seconds:
        batch = [{"user_id": f"v{sent + i}", "text": "!a"} for i in range(BATCH)]
        async with http.post(f"{url}{API}/chat", json={"messages": batch}) as response:
            await response.read()
            if response.status != 200:
                return
        sent += BATCH
        acked.append((sent, time.perf_counter()))


async def main() -> None:
    """Throughput (graceful), then kill -9 in the middle of a flood, a few times."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=4.0)
    parser.add_argument("--kills", type=int, default=3)
    args = parser.parse_args()
    windows, lost_counts, rates, persisted_rates = [], [], [], []
    for _ in range(args.kills):
        with tempfile.TemporaryDirectory() as folder:
            server = ServerProcess(Path(folder) / "data", QUIET)
            await server.start()
            async with aiohttp.ClientSession(headers=AUTH) as http:
                async with http.post(f"{server.url}{API}/start", json={"theme": "fantasy"}) as response:
                    assert response.status == 201
                while True:  # wait for the vote to open (the offline writer is instant)
                    async with http.get(f"{server.url}{API}/status") as response:
                        if (await response.json())["state"] == "voting":
                            break
                    await asyncio.sleep(0.02)
                acked: list[tuple[int, float]] = []
                started = time.perf_counter()
                flooding = asyncio.create_task(flood(server.url, http, 600, 0, acked))
                await asyncio.sleep(args.seconds + random.random() * 0.1)
                persisted_now = on_disk(server.data_dir)
                await server.kill()
                killed_at = time.perf_counter()
                flooding.cancel()
                await asyncio.gather(flooding, return_exceptions=True)
            kept = on_disk(server.data_dir)
            acknowledged = acked[-1][0] if acked else 0
            missing = [t for count, t in acked if count > kept]
            windows.append((killed_at - missing[0]) * 1000 if missing else 0.0)
            lost_counts.append(max(0, acknowledged - kept))
            rates.append(acknowledged / (killed_at - started))
            persisted_rates.append(persisted_now / (killed_at - started))
    report({
        "benchmark": "journal",
        "ballots_acknowledged_per_s": round(sum(rates) / len(rates)),
        "ballots_persisted_per_s": round(sum(persisted_rates) / len(persisted_rates)),
        "kill9_runs": args.kills,
        "kill9_ballots_lost": lost_counts,
        "kill9_loss_window_ms": [round(w, 1) for w in windows],
        "flush_interval_ms": 30,
        "goal_loss_window_ms": 100,
    })


if __name__ == "__main__":
    asyncio.run(main())
