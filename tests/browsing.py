"""A real browser for the tests: Debian's chromium, headless, driven by Playwright.
Every page records the hosts it contacted (the tests assert only loopback) and its
console errors; `shoot` saves a screenshot a reviewer can open."""

from __future__ import annotations

import shutil
from pathlib import Path
from urllib.parse import urlparse

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
SCREENSHOTS = Path(__file__).parent / "screenshots"


def watched_page(context):
    """A new page that records the hosts it contacts, its console errors and dialogs."""
    opened = context.new_page()
    opened.requested_hosts = set()
    opened.on("request", lambda request: opened.requested_hosts.add(urlparse(request.url).hostname))
    opened.console_errors = []
    opened.on("console", lambda m: m.type == "error" and opened.console_errors.append(m.text))
    opened.dialogs = []
    opened.on("dialog", lambda dialog: (opened.dialogs.append(dialog.message), dialog.dismiss()))
    return opened


def shoot(page, name: str) -> None:
    """Save a screenshot a reviewer can open (tests/screenshots/, git-ignored)."""
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
