"""Real headless Chromium (Debian's /usr/bin/chromium) driven by Playwright's Python API."""

from __future__ import annotations

from pathlib import Path

from playwright.async_api import Browser, Page, Playwright

CHROMIUM = Path("/usr/bin/chromium")
LAUNCH_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--disable-quic", "--autoplay-policy=no-user-gesture-required",
]
SCREENSHOTS = Path(__file__).resolve().parent.parent / "screenshots"  # git-ignored


async def launch(playwright: Playwright) -> Browser:
    """Headless Debian Chromium; a missing binary is a clear failure, never a skip."""
    if not CHROMIUM.exists():
        raise RuntimeError("browser tests need Debian's chromium at /usr/bin/chromium (apt-get install chromium)")
    return await playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=LAUNCH_ARGS)


async def screenshot(page: Page, name: str) -> Path:
    """Save a screenshot under tests/screenshots/."""
    SCREENSHOTS.mkdir(exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    await page.screenshot(path=str(path))
    return path
