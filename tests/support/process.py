"""A real server in a child process (python -m plugin), for crash and restart tests and benchmarks."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from plugin.paths import ROOT

TOKEN = "crash-test-token"


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class ServerProcess:
    """`python -m plugin` with a settings file, started and stopped for real."""

    data_dir: Path
    settings: dict[str, Any]
    port: int = 0
    process: asyncio.subprocess.Process | None = None

    @property
    def url(self) -> str:
        """Base URL."""
        return f"http://127.0.0.1:{self.port}"

    async def start(self, timeout: float = 60) -> None:
        """Start and wait until it prints its addresses (it is listening then)."""
        self.port = self.port or free_port()
        settings_file = self.data_dir.parent / f"{self.data_dir.name}.yaml"
        self.data_dir.mkdir(parents=True, exist_ok=True)
        settings_file.write_text(yaml.safe_dump(self.settings), encoding="utf-8")
        env = {**os.environ, "STORY_ADMIN_TOKEN": TOKEN, "PYTHONUNBUFFERED": "1"}
        env.pop("OPENAI_API_KEY", None)
        self.process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "plugin", "--settings", str(settings_file), "--data-dir", str(self.data_dir),
            "--port", str(self.port), "--log-level", "WARNING", cwd=ROOT, env=env,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
        )
        assert self.process.stdout is not None
        async with asyncio.timeout(timeout):
            while True:
                line = (await self.process.stdout.readline()).decode()
                if not line:
                    raise RuntimeError(f"the server exited with {await self.process.wait()}")
                if "Interactive Story is running" in line:
                    break
        asyncio.get_running_loop().create_task(self._drain())

    async def _drain(self) -> None:
        """Keep reading its output so the pipe never fills up."""
        while self.process is not None and self.process.stdout is not None:
            if not await self.process.stdout.readline():
                return

    async def kill(self) -> None:
        """kill -9: no cleanup of any kind."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        await self.process.wait()

    async def terminate(self) -> int:
        """SIGTERM: the graceful shutdown path; returns the exit code."""
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        return await asyncio.wait_for(self.process.wait(), timeout=60)
