"""Command line: `interactive-story [serve]` runs the server, `interactive-story migrate` prepares the DB."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import sys
from pathlib import Path

from aiohttp import web

from plugin.errors import StoryError
from plugin.settings.schema import Settings, load_settings

log = logging.getLogger("plugin")


def _parser() -> argparse.ArgumentParser:
    """CLI arguments."""
    parser = argparse.ArgumentParser(prog="interactive-story",
                                     description="AI-written, audience-steered stories for TikTok LIVE.")
    parser.add_argument("command", nargs="?", default="serve", choices=["serve", "migrate"],
                        help="serve (default) or migrate")
    parser.add_argument("--settings", type=Path, help="YAML file with your settings (see settings/default.yaml)")
    parser.add_argument("--host", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, help="port to listen on (default 8765)")
    parser.add_argument("--data-dir", help="folder for story.db, the admin token and caches (default ./user_data)")
    parser.add_argument("--log-level", default="INFO", choices=["DEBUG", "INFO", "WARNING", "ERROR"])
    return parser


async def _migrate(settings: Settings) -> list[str]:
    """Apply pending migrations and return their names."""
    from plugin.app import data_dir
    from plugin.store.db import Database

    db = Database(data_dir(settings) / "story.db")
    await db.open()
    try:
        return await db.migrate()
    finally:
        await db.close()


async def _serve(settings: Settings) -> None:
    """Run until SIGINT/SIGTERM, then shut down gracefully (pending ballots are written)."""
    from plugin.app import create_app
    from plugin.keys import ADMIN_TOKEN

    app = create_app(settings)
    runner = web.AppRunner(app, handle_signals=False, shutdown_timeout=5)
    await runner.setup()
    host, port = settings.server.host, settings.server.port
    try:
        await web.TCPSite(runner, host, port).start()
    except OSError as exc:
        await runner.cleanup()
        raise StoryError(f"cannot listen on {host}:{port} ({exc.strerror or exc})") from None
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    base = f"http://{shown}:{port}"
    print(f"Interactive Story is running on {base}", flush=True)
    print(f"  Overlay (add to OBS as a browser source): {base}/overlay", flush=True)
    print(f"  Admin panel: {base}/admin#token={app[ADMIN_TOKEN]}", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    print("Shutting down...", flush=True)
    await runner.cleanup()


def main(argv: list[str] | None = None) -> int:
    """Entry point; errors are one clear line on stderr, never a traceback."""
    args = _parser().parse_args(argv)
    logging.basicConfig(level=args.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    flags = {"server.host": args.host, "server.port": args.port, "server.data_dir": args.data_dir}
    try:
        settings = load_settings(args.settings, os.environ, flags)
        if args.command == "migrate":
            applied = asyncio.run(_migrate(settings))
            print(f"applied {len(applied)} migration(s){': ' + ', '.join(applied) if applied else ''}")
            return 0
        asyncio.run(_serve(settings))
        return 0
    except StoryError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
