"""Startup benchmark: process start to the first 200 from /health, and idle memory (RSS).

Prints JSON. Run: python bench/startup.py [--runs 3]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import aiohttp
from common import QUIET, ROOT, report

from tests.support.process import TOKEN, free_port


def rss_mb(pid: int) -> float:
    """Resident memory of a process, from /proc."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def one_run(folder: Path) -> tuple[float, float]:
    """(seconds to first healthy answer, idle RSS in MB) for one fresh process on the default embedded setup."""
    port = free_port()
    settings = folder / "settings.yaml"
    settings.write_text("chat:\n  source: simulator\n", encoding="utf-8")
    started = time.perf_counter()
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "plugin", "--settings", str(settings), "--data-dir", str(folder / "data"),
        "--port", str(port), "--log-level", "WARNING", cwd=ROOT, env={**os.environ, "STORY_ADMIN_TOKEN": TOKEN},
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL)
    try:
        async with aiohttp.ClientSession() as http:
            while True:
                try:
                    async with http.get(f"http://127.0.0.1:{port}/health") as response:
                        if response.status == 200:
                            break
                except aiohttp.ClientConnectionError:
                    await asyncio.sleep(0.005)
        ready = time.perf_counter() - started
        await asyncio.sleep(2.0)  # idle with the simulated audience running
        return ready, rss_mb(process.pid)
    finally:
        process.terminate()
        await process.wait()


async def main() -> None:
    """A few runs; report the median and the best."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    results = []
    for _ in range(args.runs):
        with tempfile.TemporaryDirectory() as folder:
            results.append(await one_run(Path(folder)))
    ready = [r[0] for r in results]
    rss = [r[1] for r in results]
    report({"benchmark": "startup", "runs": args.runs, "first_health_s_median": round(statistics.median(ready), 3),
            "first_health_s_best": round(min(ready), 3), "idle_rss_mb_median": round(statistics.median(rss), 1),
            "note": "embedded defaults, fresh data folder (migrations run), TikTokLive not imported"})


_ = QUIET  # the quiet settings are not used: startup is measured on the defaults a streamer gets

if __name__ == "__main__":
    asyncio.run(main())
