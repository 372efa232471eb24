"""The query editor in a real headless browser (Debian's chromium, driven by Playwright)."""

from __future__ import annotations

import shutil
from urllib.parse import urlparse

import pytest
from playwright.sync_api import sync_playwright

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip


@pytest.fixture(scope="module")
def page(server):
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        context = browser.new_context()
        opened = context.new_page()
        opened.requested_hosts = set()
        opened.on("request", lambda request: opened.requested_hosts.add(urlparse(request.url).hostname))
        opened.console_errors = []
        opened.on("console", lambda m: m.type == "error" and opened.console_errors.append(m.text))
        opened.goto(server.url + "/")
        yield opened
        browser.close()


def test_gallery_lists_every_question(page):
    buttons = page.locator("#questions button")
    buttons.first.wait_for(timeout=15_000)
    assert buttons.count() == 12
    assert "Canada as the largest supplier" in buttons.first.inner_text()


def test_clicking_a_question_runs_it_and_shows_its_rows(page):
    page.locator("#questions button[data-query='cq02-canada-second-largest-supplier']").click()
    results = page.locator(".yasr")
    for label in ("Magnesium", "Niobium", "Tungsten"):
        results.get_by_text(label).first.wait_for(timeout=15_000)
    assert "Tellurium" not in results.inner_text()
    assert "cm:supplierRank 2" in page.locator(".CodeMirror").inner_text()
    for fmt in ("csv", "tsv", "json"):
        assert "format=" + fmt in page.locator(f"#download-{fmt}").get_attribute("href")


def test_nothing_is_loaded_from_other_hosts(page):
    assert page.requested_hosts == {"127.0.0.1"}
    assert page.console_errors == []
