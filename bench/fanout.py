"""Fan-out benchmark: N Socket.IO overlay clients, K chat votes a second; vote-to-bars latency per client.

Prints JSON. Run: python bench/fanout.py [--clients 200] [--rate 2000] [--seconds 5]
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path

import aiohttp
import socketio
from common import API, AUTH, QUIET, ServerProcess, report, summary_ms

TICK_S = 0.02  # votes are sent in small batches this often


async def main() -> None:
    """Start a server process, connect the clients, send votes at the rate, measure."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--rate", type=int, default=2000)
    parser.add_argument("--seconds", type=float, default=5.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        server = ServerProcess(Path(folder) / "data", QUIET)
        await server.start()
        try:
            figures = await run(server, args.clients, args.rate, args.seconds)
        finally:
            await server.terminate()
    report({"benchmark": "fanout", "clients": args.clients, "votes_per_s_target": args.rate, **figures})


async def run(server: ServerProcess, clients: int, rate: int, seconds: float) -> dict[str, object]:
    """The measurement itself."""
    sent_at: list[tuple[int, float]] = []  # (cumulative votes, time sent)
    latencies: list[float] = []
    updates = [0]
    voting = asyncio.Event()

    def listener(client: socketio.AsyncClient) -> None:
        seen_total = [0]

        @client.on("story:voting-started", namespace="/overlay")
        async def started(data: dict) -> None:
            voting.set()

        @client.on("story:vote-update", namespace="/overlay")
        async def update(data: dict) -> None:
            now = time.perf_counter()
            updates[0] += 1
            for total, when in sent_at:
                if seen_total[0] < total <= data["total"]:
                    latencies.append(now - when)
            seen_total[0] = max(seen_total[0], data["total"])

    sockets = []
    for _ in range(clients):
        client = socketio.AsyncClient(reconnection=False)
        listener(client)
        await client.connect(server.url, namespaces=["/overlay"], transports=["websocket"])
        sockets.append(client)
    async with aiohttp.ClientSession(headers=AUTH) as http:
        await http.post(f"{server.url}{API}/start", json={"theme": "scifi"})
        await asyncio.wait_for(voting.wait(), 60)
        per_tick = max(1, int(rate * TICK_S))
        sent, started = 0, time.perf_counter()
        next_tick = started
        while time.perf_counter() - started < seconds:
            batch = [{"user_id": f"v{sent + i}", "text": "!abc"[1 + (sent + i) % 3]} for i in range(per_tick)]
            async with http.post(f"{server.url}{API}/chat", json={"messages": batch}) as response:
                await response.read()
            sent += per_tick
            sent_at.append((sent, time.perf_counter()))
            next_tick += TICK_S
            await asyncio.sleep(max(0.0, next_tick - time.perf_counter()))
        elapsed = time.perf_counter() - started
        await asyncio.sleep(1.0)  # let the last updates arrive
    for client in sockets:
        await client.disconnect()
    return {"votes_sent": sent, "votes_per_s_achieved": round(sent / elapsed), "latency": summary_ms(latencies),
            "updates_per_s_per_client": round(updates[0] / clients / (elapsed + 1.0), 1)}


if __name__ == "__main__":
    asyncio.run(main())
